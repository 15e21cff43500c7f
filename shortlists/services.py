"""Writes: adding to and removing from a shortlist, the merge at log-in, sharing a comparison and withdrawing it.

Every change leaves the session's copy of the list (selectors.SESSION_KEY) equal to what was written, so pages
read the list without a query. A signed-in person's list is written under a lock on their shortlist's row, so
two tabs adding at once cannot pass the cap.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from common.throttles import Throttle
from therapists.models import Therapist
from therapists.places import Origin

from . import selectors
from .models import MAX_COMPARED, MAX_ENTRIES, MAX_OPEN_SHARES, SharedComparison, Shortlist, ShortlistEntry

NOT_PUBLISHED = "This therapist's profile is not published, so they cannot be added to a shortlist."
FULL = f"Your shortlist is full: it holds {MAX_ENTRIES} therapists. Remove one you have ruled out to add another."
# Links made per client address per hour: each is a row, and anyone may make one without an account.
SHARE_THROTTLE = Throttle(scope="shortlist-share", limit=20, window=60 * 60)


def _store(session, user, ids: list[int]) -> None:
    session[selectors.SESSION_KEY] = {"owner": selectors.owner_id(user), "ids": list(ids)}


def _locked_shortlist(user) -> Shortlist:
    shortlist, _ = Shortlist.objects.get_or_create(user=user)
    return Shortlist.objects.lock(shortlist.pk)


def shortlist_add(*, user, session, therapist: Therapist) -> list[int]:
    """Put a published therapist on the person's shortlist (once; at most MAX_ENTRIES); returns the list."""
    if not therapist.is_public:
        raise ValidationError(NOT_PUBLISHED, code="unpublished")
    if not user.is_authenticated:
        ids = selectors.session_ids(user, session)
        if therapist.pk not in ids:
            if len(ids) >= MAX_ENTRIES:
                raise ValidationError(FULL, code="full")
            ids.append(therapist.pk)
        _store(session, user, ids)
        return ids
    with transaction.atomic():
        shortlist = _locked_shortlist(user)
        ids = selectors.account_ids(user)
        if therapist.pk not in ids:
            if len(ids) >= MAX_ENTRIES:
                raise ValidationError(FULL, code="full")
            ShortlistEntry.objects.create(shortlist=shortlist, therapist=therapist)
            ids.append(therapist.pk)
    _store(session, user, ids)
    return ids


def shortlist_remove(*, user, session, therapist_id: int) -> list[int]:
    """Take a therapist off the person's shortlist (nothing happens when they are not on it); returns the list."""
    if user.is_authenticated:
        ShortlistEntry.objects.filter(shortlist__user=user, therapist_id=therapist_id).delete()
        ids = selectors.account_ids(user)
    else:
        ids = [i for i in selectors.session_ids(user, session) if i != therapist_id]
    _store(session, user, ids)
    return ids


def shortlist_sync(*, user, session, ids: list[int]) -> None:
    """Refresh the session's copy with the list as read (another device may have changed the account's)."""
    if selectors.session_ids(user, session) != ids:
        _store(session, user, ids)


def shortlist_merge(*, user, session) -> int:
    """At log-in: the therapists shortlisted before signing in join the account's list, each once, published
    ones only, up to MAX_ENTRIES; comparisons shared before signing in become the account's. Returns how many
    could not be added because the list was full."""
    state = session.get(selectors.SESSION_KEY)
    carried = []
    if isinstance(state, dict) and state.get("owner") is None:
        carried = [i for i in state.get("ids", []) if isinstance(i, int)]
    dropped = 0
    if carried:
        with transaction.atomic():
            shortlist = _locked_shortlist(user)
            ids = selectors.account_ids(user)
            published = set(Therapist.objects.published().filter(pk__in=carried).values_list("pk", flat=True))
            new = [i for i in dict.fromkeys(carried) if i in published and i not in ids]
            room = max(0, MAX_ENTRIES - len(ids))
            dropped = max(0, len(new) - room)
            ShortlistEntry.objects.bulk_create(
                [ShortlistEntry(shortlist=shortlist, therapist_id=i) for i in new[:room]], ignore_conflicts=True
            )
            ids += new[:room]
    else:
        ids = selectors.account_ids(user)
    _store(session, user, ids)
    made = [i for i in session.get(selectors.SHARES_SESSION_KEY, []) if isinstance(i, int)]
    if made:
        SharedComparison.objects.filter(pk__in=made, owner__isnull=True).update(owner=user)
        session.pop(selectors.SHARES_SESSION_KEY)
    return dropped


def remember_origin(*, session, origin: Origin) -> None:
    """The place of the search a therapist was shortlisted from: the compare table measures distances from it."""
    session[selectors.ORIGIN_SESSION_KEY] = {
        "latitude": origin.latitude,
        "longitude": origin.longitude,
        "label": origin.label,
    }


def share_create(*, user, session, therapist_ids: list[int], client_address: str) -> SharedComparison:
    """A read-only link to a comparison of 1 to MAX_COMPARED published therapists. Anyone may share, signed in
    or not: without an account the session keeps the link so that it can be withdrawn, and log-in hands it to
    the account."""
    chosen = list(dict.fromkeys(therapist_ids))
    published = list(Therapist.objects.published().filter(pk__in=chosen).values_list("pk", flat=True))
    if not published or len(chosen) > MAX_COMPARED:
        raise ValidationError(f"Choose 1 to {MAX_COMPARED} therapists to share.", code="invalid")
    if selectors.open_shares(user, session).count() >= MAX_OPEN_SHARES:
        raise ValidationError(
            f"You are sharing {MAX_OPEN_SHARES} comparisons already: stop sharing one to share another.",
            code="too_many",
        )
    if not SHARE_THROTTLE.allow(client_address):
        raise ValidationError("Too many links shared from here in the last hour: try again later.", code="throttled")
    with transaction.atomic():
        link = SharedComparison.objects.create(
            token=secrets.token_urlsafe(32), owner=user if user.is_authenticated else None
        )
        link.therapists.set(published)
    if not user.is_authenticated:
        session[selectors.SHARES_SESSION_KEY] = [*session.get(selectors.SHARES_SESSION_KEY, []), link.pk]
    return link


def share_revoke(*, link: SharedComparison) -> None:
    """Withdraw a link: its page then says so (410) to whoever opens it. The caller checks may_revoke."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
