"""Reads: whose shortlist, which therapists on it, and shared comparisons; each in a fixed number of queries.

Where the shortlist lives: an anonymous visitor's in the session, a signed-in person's on the account
(`ShortlistEntry`). The session also keeps a copy of a signed-in person's list, written at log-in and at each
change made here, so that every page can show "Shortlist (n)" and the cards' buttons without a query.
"""

from django.db.models import QuerySet

from therapists.models import Service, Therapist
from therapists.places import Origin
from therapists.selectors import attach_terms

from .models import SharedComparison, ShortlistEntry

# The session's keys: the list ({"owner": user id or None, "ids": [...]}), the place distances are measured from,
# and the shared comparisons made without an account.
SESSION_KEY = "shortlist"
ORIGIN_SESSION_KEY = "shortlist_origin"
SHARES_SESSION_KEY = "shortlist_shares"
# The vocabularies the compare table shows.
COMPARED_TERMS = ("specialty", "language", "amenity")


def owner_id(user) -> int | None:
    return user.pk if user.is_authenticated else None


def session_ids(user, session) -> list[int] | None:
    """The ids the session holds for this person, or None when it holds none for them (a signed-in person's
    session from before the list was copied there, or another person's)."""
    state = session.get(SESSION_KEY)
    if not isinstance(state, dict) or state.get("owner") != owner_id(user):
        return None if user.is_authenticated else []
    return [i for i in state.get("ids", []) if isinstance(i, int)]


def account_ids(user) -> list[int]:
    """The therapist ids on a signed-in person's shortlist, in the order added: one query."""
    return list(ShortlistEntry.objects.filter(shortlist__user=user).values_list("therapist_id", flat=True))


def shortlisted_ids(user, session) -> list[int]:
    """What the nav's count and the cards' buttons read: the session's copy, no query; one query for a signed-in
    person whose session holds no copy."""
    ids = session_ids(user, session)
    return ids if ids is not None else account_ids(user)


def current_ids(user, session) -> list[int]:
    """The list as it stands: from the account for a signed-in person (another device may have changed it)."""
    return account_ids(user) if user.is_authenticated else session_ids(user, session)


def shortlist_therapists(ids: list[int]) -> list[Therapist]:
    """The published therapists among `ids`, in that order, with what the compare table shows of them: two
    queries whatever their number (the rows, then terms, certified specialties and 60-minute prices in one
    UNION), and a third only when one of them has no 60-minute price (their cheapest session)."""
    if not ids:
        return []
    found = {t.pk: t for t in Therapist.objects.published().filter(pk__in=ids)}
    therapists = [found[i] for i in ids if i in found]
    attach_terms(therapists, kinds=COMPARED_TERMS)
    attach_cheapest_sessions(therapists)
    return therapists


def attach_cheapest_sessions(therapists: list[Therapist]) -> None:
    """`cheapest_session` ((price, minutes), or None) for those without a 60-minute price whose menu lists other
    lengths: what "from $X for N min" says then. One query, none when every one has a 60-minute price."""
    missing = [t for t in therapists if t.price_60 is None]
    for therapist in therapists:
        therapist.cheapest_session = None
    if not missing:
        return
    cheapest: dict[int, tuple[int, int]] = {}
    lines = Service.objects.filter(therapist__in=missing).order_by("therapist_id", "price", "minutes")
    for therapist_id, price, minutes in lines.values_list("therapist_id", "price", "minutes"):
        cheapest.setdefault(therapist_id, (price, minutes))
    for therapist in missing:
        therapist.cheapest_session = cheapest.get(therapist.pk)


def session_origin(session) -> Origin | None:
    """The place of the last search the visitor shortlisted from, if any."""
    state = session.get(ORIGIN_SESSION_KEY)
    try:
        return Origin(float(state["latitude"]), float(state["longitude"]), str(state["label"]))
    except (TypeError, KeyError, ValueError):
        return None


def shared_comparison(token: str) -> SharedComparison | None:
    """The comparison behind a link, open or revoked; None for a token nobody was given."""
    return SharedComparison.objects.filter(token=token).first()


def shared_ids(link: SharedComparison) -> list[int]:
    return list(link.therapists.order_by("name", "pk").values_list("pk", flat=True))


def open_shares(user, session) -> QuerySet[SharedComparison]:
    """The comparisons this person shares and has not withdrawn: the account's, or those the session made."""
    if user.is_authenticated:
        return SharedComparison.objects.open().filter(owner=user)
    made = [i for i in session.get(SHARES_SESSION_KEY, []) if isinstance(i, int)]
    return SharedComparison.objects.open().filter(pk__in=made, owner__isnull=True)


def may_revoke(user, session, link: SharedComparison) -> bool:
    """The owner, or (for a link shared without an account) the session that made it."""
    if link.owner_id is not None:
        return link.owner_id == owner_id(user)
    return link.pk in session.get(SHARES_SESSION_KEY, [])
