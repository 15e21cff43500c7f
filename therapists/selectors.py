"""Reads: the search, the profile and the ranking's inputs, each built in one place with a fixed number of queries."""

import datetime
import hashlib
import itertools
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum, Value
from django.utils import timezone

from . import practice, ranking, term_bits, vocabulary
from .filters import DAYS, TherapistFilterSet
from .models import STANDARD_SESSION_MINUTES, Certification, Therapist
from .places import Origin

FACET_CACHE_SECONDS = 600
PRIORS_CACHE_KEY = "ranking:priors"
PRIORS_CACHE_SECONDS = 600
GENERATION_CACHE_KEY = "therapists:generation"


def directory_generation() -> int:
    """A number that changes whenever therapists are deleted (search caches key on it)."""
    return cache.get_or_set(GENERATION_CACHE_KEY, 0, None)


def site_priors(*, fresh: bool = False) -> ranking.Priors:
    """Site-wide review means, from the denormalised columns; cached, since they move slowly.

    `fresh` recomputes them now: for the daily rescoring and after a bulk load.
    """
    priors = None if fresh else cache.get(PRIORS_CACHE_KEY)
    if priors is None:
        totals = Therapist.objects.filter(review_count__gt=0).aggregate(
            reviews=Sum("review_count"),
            rating=Sum(F("rating_avg") * F("review_count")),
            communication=Sum(F("communication_avg") * F("review_count")),
            cleanliness=Sum(F("cleanliness_avg") * F("review_count")),
        )
        priors = ranking.Priors.from_totals(**totals)
        cache.set(PRIORS_CACHE_KEY, priors, PRIORS_CACHE_SECONDS)
    return priors


def ranking_evidence(therapist: Therapist) -> ranking.Evidence:
    """What the ranking knows of a therapist, read from its stored columns; the Verified badge and the accepting
    confirmation as they stand now, so a stored score goes stale as time passes (refresh_scores catches up)."""
    return ranking.Evidence(
        verified=therapist.is_verified(),
        accepting_confirmed=therapist.is_accepting_confirmed(),
        review_count=therapist.review_count,
        rating_avg=therapist.rating_avg,
        communication_avg=therapist.communication_avg,
        cleanliness_avg=therapist.cleanliness_avg,
        recommend_count=therapist.recommend_count,
        years_experience=therapist.years_experience,
        verified_review_count=therapist.verified_review_count,
    )


@dataclass(frozen=True)
class Relaxation:
    """A way out of a search that found nobody, and how many therapists the search then finds.

    `params` are the filters taken out: one, or two at once when no single one is to blame ("near" drops the
    place). A wider radius keeps the place: its `params` are ("radius_km",) and `radius_km` is the radius.
    """

    params: tuple[str, ...]
    count: int
    radius_km: float | None = None

    @property
    def param(self) -> str:
        """The filter taken out, or the first of two."""
        return self.params[0]

    @property
    def is_pair(self) -> bool:
        return len(self.params) == 2


@dataclass
class SearchResult:
    filterset: TherapistFilterSet
    page: Page
    paginator: Paginator
    origin: Origin | None
    facets: dict = field(default_factory=dict)
    # The page asked for when it does not exist (0, -1, 999, "abc"): no rows are shown, the page says so.
    page_out_of_range: str | None = None
    # Only for a search that finds nobody: the ways out with their counts (see _relaxations for which and in what
    # order).
    relaxations: list[Relaxation] = field(default_factory=list)


@dataclass(frozen=True)
class Quote:
    """What a card says a session costs: "from $`price` for `minutes` min"."""

    price: int
    minutes: int


def attach_terms(
    therapists: list[Therapist], kinds=("specialty",), certified: bool = True, prices_at: QuerySet | None = None
) -> None:
    """Give each therapist lists of its vocabulary terms (`specialty_terms`, ...) and the ids of the
    specialties it is currently certified in (`certified_specialty_ids`), in one query.

    `prices_at`: services whose cheapest price per therapist is read in the same query (`services_price`, None for
    a therapist with none of them): what a search card quotes.
    """
    ids = [t.pk for t in therapists]
    found: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    if ids:
        parts = [
            through.objects.filter(therapist_id__in=ids).annotate(link=Value(kind), key=F(column))
            .values_list("link", "therapist_id", "key")
            for kind, (through, column) in vocabulary.LINKS.items() if kind in kinds
        ]  # fmt: skip
        if certified:
            parts.append(
                Certification.objects.currently_verified().filter(therapist_id__in=ids, specialty__isnull=False)
                .order_by().annotate(link=Value("certified"), key=F("specialty_id"))
                .values_list("link", "therapist_id", "key")
            )  # fmt: skip
        if prices_at is not None:
            parts.append(
                prices_at.filter(therapist_id__in=ids).order_by().values("therapist_id")
                .annotate(link=Value("price"), key=Min("price")).values_list("link", "therapist_id", "key")
            )  # fmt: skip
        query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for kind, therapist_id, key in query:
            found[therapist_id][kind].append(key)
    terms = {kind: vocabulary.by_id(kind) for kind in kinds}
    order = {kind: {term.id: i for i, term in enumerate(vocabulary.vocabulary()[kind])} for kind in kinds}
    for therapist in therapists:
        links = found[therapist.pk]
        for kind in kinds:
            chosen = sorted((i for i in links.get(kind, []) if i in terms[kind]), key=order[kind].__getitem__)
            setattr(therapist, f"{kind}_terms", [terms[kind][i] for i in chosen])
        therapist.certified_specialty_ids = set(links.get("certified", []))
        if prices_at is not None:
            therapist.services_price = min(links.get("price", []), default=None)


def quote_prices(therapists: list[Therapist], minutes: int | None) -> None:
    """Each card's "from $X for N min" (`quote`): the cheapest service of the searched length (attach_terms'
    `services_price`), or without a length the cheapest 60-minute session, `price_60`, as `max_price` reads it."""
    for therapist in therapists:
        price = therapist.price_60 if minutes is None else therapist.services_price
        therapist.quote = Quote(price, minutes or STANDARD_SESSION_MINUTES) if price is not None else None


# The "true to require" filters on a column, counted beside the facets (`accepting` is a condition of its own:
# TherapistFilterSet.accepting_condition).
SWITCH_COLUMNS = {"mobile": "travels_to_client", "hypoallergenic": "hypoallergenic_products"}
# Parameters that are not filters of their own: the place's radius and position go with `near`.
NOT_RELAXED = {"near", "radius_km", "lat", "lng", "sort", "origin"}
# Values that cannot narrow the search, so they are no filter at all (no chip, nothing to relax): every therapist
# has 0 reviews or more and 0 years in practice or more (both columns are never null nor negative). A zero
# elsewhere is a real limit: max_price=0 asks for a free session, min_recommend=0 leaves out the unreviewed.
INERT_VALUES = {"min_reviews": 0, "min_experience": 0}
# Pairs of filters are drawn from at most this many active ones (the place first): 8 give 28 pairs, each one more
# conditional count in the same aggregate query.
PAIRED_FILTERS = 8
# How many removals of two filters at once a search that no single removal rescues offers, most found first.
PAIRS_OFFERED = 3


def is_active(name: str, value) -> bool:
    """Whether a honoured value narrows the search. Zero does (`max_price=0`); an empty value, a switch left off
    and the INERT_VALUES do not."""
    if value is None or value is False or (isinstance(value, str | list | tuple) and not value):
        return False
    return not (name in INERT_VALUES and value == INERT_VALUES[name])


def active_filters(filterset: TherapistFilterSet) -> list[str]:
    """The parameters that narrow this search, in the form's order; the place (`near`) is not one of them."""
    return [name for name, value in filterset.honoured.items() if name not in NOT_RELAXED and is_active(name, value)]


def _facets(filterset: TherapistFilterSet) -> tuple[dict, int]:
    """Facet counts under the other active filters, and the result count: one UNION and one aggregate query."""
    data = filterset.form.cleaned_data
    facets: dict[str, dict] = {}
    passing_under: dict[frozenset, QuerySet] = {}

    def passing(exclude) -> QuerySet:
        # Leaving out a filter that is not active changes nothing: the arms and the aggregate share one queryset
        # for each set of active filters left out (building one, the distance near a place above all, is ORM work).
        left_out = frozenset(name for name in exclude if is_active(name, filterset.honoured.get(name)))
        if left_out not in passing_under:
            passing_under[left_out] = filterset.filter_queryset(filterset.queryset.all(), exclude=left_out).order_by()
        return passing_under[left_out]

    def others(kind):
        return passing({kind} if kind in filterset.ANY_OF else set())

    # The link facets: the matching therapists grouped by their links' bits (term_bits), read from the facet
    # index; each group's count goes to every term whose bit it holds. With no link filter, every kind counts the
    # same rows: a search that narrows them reads them once (_link_groups_in_one_pass), not once a kind. Unfiltered,
    # one arm a kind reads the facet index alone, which is quicker than copying all of it once (100 ms against 110).
    kinds = {kind: column for kind, column in term_bits.BITS_COLUMNS.items() if kind in filterset.LINK_FACETS}
    shared = not any(is_active(kind, data.get(kind)) for kind in kinds)
    narrowed = filterset.origin is not None or bool(active_filters(filterset))
    if shared and narrowed and _materialises_cte(filterset.queryset.db):
        groups = _link_groups_in_one_pass(passing(set()), kinds)
    else:
        union_parts = [
            others(kind).values(column).annotate(link=Value(kind), n=Count("pk")).values_list("link", column, "n")
            for kind, column in kinds.items()
        ]  # fmt: skip
        groups = union_parts[0].union(*union_parts[1:], all=True)
    terms = vocabulary.vocabulary()
    by_bit = {kind: {term.bit: term.id for term in terms[kind]} for kind in filterset.LINK_FACETS}
    for kind, bits, n in groups:
        counts = facets.setdefault(kind, {})
        for bit in term_bits.set_bits(bits):
            if bit in by_bit[kind]:
                counts[by_bit[kind][bit]] = counts.get(by_bit[kind][bit], 0) + n
    # Gender and verified are columns: over the rows that pass every other filter, conditional
    # counts give both facets and the result count in one aggregate.
    common = passing({"gender", "verified"})
    today = timezone.localdate()
    gender_q = Q(gender__in=data["gender"]) if data.get("gender") else Q()
    verified_q = Q(verified_until__gte=today) if data.get("verified") else Q()
    aggregates = {
        f"gender_{value}": Count("pk", filter=Q(gender=value) & verified_q) for value in Therapist.Gender.values
    }
    aggregates["verified"] = Count("pk", filter=Q(verified_until__gte=today) & gender_q)
    aggregates["total"] = Count("pk", filter=gender_q & verified_q)
    # The switches narrow what passes every filter: each counts the results that would remain with it on.
    aggregates["accepting"] = Count("pk", filter=filterset.accepting_condition() & gender_q & verified_q)
    for name, column in SWITCH_COLUMNS.items():
        aggregates[name] = Count("pk", filter=Q(**{column: True}) & gender_q & verified_q)
    certified = filterset.specialty_certified_condition()
    aggregates["specialty_certified"] = Count("pk", filter=certified & gender_q & verified_q)
    aggregates["has_prices"] = Count("pk", filter=filterset.has_prices_condition() & gender_q & verified_q)
    # The days are all-of, like the switches: each counts the results that would remain with it chosen too.
    for day, _ in DAYS:
        aggregates[f"days_{day}"] = Count("pk", filter=filterset.day_condition(day) & gender_q & verified_q)
    counts = common.order_by().aggregate(**aggregates)
    facets["gender"] = {value: counts[f"gender_{value}"] for value in Therapist.Gender.values}
    facets["verified"] = counts["verified"]
    facets["switches"] = {
        name: counts[name] for name in ("accepting", *SWITCH_COLUMNS, "specialty_certified", "has_prices")
    }
    facets["days"] = {day: counts[f"days_{day}"] for day, _ in DAYS}
    return facets, counts["total"]


def _materialises_cte(alias: str) -> bool:
    """Whether the database takes `WITH ... AS MATERIALIZED`: PostgreSQL (12 on) and SQLite from 3.35."""
    vendor = connections[alias].vendor
    return vendor == "postgresql" or (vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35, 0))


def _link_groups_in_one_pass(queryset: QuerySet, kinds: dict[str, str]) -> list[tuple[str, int, int]]:
    """(kind, bits, count) for each kind's bits column over the rows of the queryset, which every kind's count
    shares (no link filter is active): the rows' bits are read once into a materialised CTE, then grouped by each
    column. Each row's filters, and near a place its great-circle distance, are then computed once, not once per
    kind, and the index a filter picks is read once: at 100,000 therapists, 20 ms against 55 near a New York ZIP
    code, 32 against 278 for communication and cleanliness at 4.5 or more (PERFORMANCE.md)."""
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    rows_sql, params = queryset.values(*kinds.values()).query.sql_with_params()
    arms = " UNION ALL ".join(
        # The code's own column names (term_bits.BITS_COLUMNS), quoted; the kinds travel as parameters.
        f"SELECT %s, {quote(column)}, COUNT(*) FROM passing GROUP BY {quote(column)}"  # noqa: S608
        for column in kinds.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH passing AS MATERIALIZED ({rows_sql}) {arms}", [*params, *kinds])
        return cursor.fetchall()


def _relaxations(filterset: TherapistFilterSet, wider_radii_km: list[float]) -> list[Relaxation]:
    """For a search that finds nobody: the ways out, counted in one aggregate query whatever the number of
    filters (a conditional count per candidate).

    In order: every active filter's removal, most found first (those that find nobody too, so that the page can
    tell when no filter alone is to blame); near a place, the smallest wider radius that finds someone and at most
    one larger that finds strictly more (the same therapists twice is no choice), nearest first, then "anywhere"
    unless it finds no more than the widest radius offered; and only when none of these finds anyone, the
    PAIRS_OFFERED removals of two filters at once that find the most.
    """
    active = active_filters(filterset)
    base = filterset.queryset.all()
    origin = filterset.origin
    candidates = [(Relaxation((name,), 0), filterset.filter_queryset(base, {name})) for name in active]
    if origin is not None:
        for radius in sorted(wider_radii_km):
            if radius > filterset.search_radius_km:
                relaxed = filterset.filter_queryset(base, radius_km=radius)
                candidates.append((Relaxation(("radius_km",), 0, radius), relaxed))
        candidates.append((Relaxation(("near",), 0), filterset.filter_queryset(base, {"near"})))
    # Pairs are counted whether or not a single removal finds someone: deciding first would cost a second query.
    paired = (["near"] if origin is not None else []) + active
    for pair in itertools.combinations(paired[:PAIRED_FILTERS], 2):
        candidates.append((Relaxation(pair, 0), filterset.filter_queryset(base, set(pair))))
    if not candidates:
        return []
    counts = base.order_by().aggregate(
        **{f"r{i}": Count("pk", filter=Q(pk__in=relaxed.values("pk"))) for i, (_, relaxed) in enumerate(candidates)}
    )
    found = [replace(relaxation, count=counts[f"r{i}"]) for i, (relaxation, _) in enumerate(candidates)]
    singles = sorted((r for r in found if len(r.params) == 1 and r.param in active), key=lambda r: -r.count)
    place: list[Relaxation] = []
    wider = [r for r in found if r.param == "radius_km" and r.count]
    if wider:
        place.append(wider[0])
        place += [r for r in wider if r.count > wider[0].count][:1]
    anywhere = [r for r in found if r.params == ("near",)]
    if anywhere and (not place or anywhere[0].count > place[-1].count):
        place += anywhere
    if any(r.count for r in singles + place):
        return singles + place
    pairs = sorted((r for r in found if r.is_pair and r.count), key=lambda r: -r.count)
    return singles + place + pairs[:PAIRS_OFFERED]


def _cached_facets(filterset: TherapistFilterSet, wider_radii_km: list[float]) -> tuple[dict, int]:
    """Facets and count for this search, cached until any therapist changes.

    Counting facets reads every matching row (hundreds of milliseconds at 100,000 therapists);
    the newest `updated_at` (one indexed lookup) and the generation that deletions bump version
    the cache, so a write or delete anywhere makes the next search count afresh, and the same
    search meanwhile costs almost nothing. A search that finds nobody keeps its relaxations
    (see _relaxations) in the same entry, as facets["relaxations"].
    """
    # Deletions leave no newer updated_at behind: they bump the directory's generation instead.
    version = (Therapist.objects.aggregate(newest=Max("updated_at"))["newest"], directory_generation())
    criteria = sorted((name, repr(value)) for name, value in filterset.honoured.items() if name != "sort")
    digest = hashlib.sha256(repr((criteria, wider_radii_km, version, timezone.localdate())).encode()).hexdigest()
    key = f"search:facets:v5:{digest}"
    cached = cache.get(key)
    if cached is None:
        facets, total = _facets(filterset)
        facets["relaxations"] = [] if total else _relaxations(filterset, wider_radii_km)
        cached = (facets, total)
        cache.set(key, cached, FACET_CACHE_SECONDS)
    return cached


def _page_number(value, num_pages: int) -> int | None:
    """The page asked for, or None when there is no such page (blank means the first)."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return 1
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    number = int(text)
    return number if 1 <= number <= max(1, num_pages) else None


def search(params, page_number=None, page_size: int = 20, wider_radii_km: list[float] = ()) -> SearchResult:
    """The search under every value that can be honoured (a field in error is left out and shows its error).

    `wider_radii_km`: the radii a search near a place that finds nobody offers to widen to.
    """
    filterset = TherapistFilterSet(params, queryset=Therapist.objects.published())
    facets, total = _cached_facets(filterset, sorted(wider_radii_km))
    relaxations = facets.get("relaxations", [])
    results = filterset.results(expected=total)
    paginator = Paginator(results, page_size)
    # The aggregate above already counted the results; spare the paginator its COUNT query.
    paginator.count = total
    number = _page_number(page_number, paginator.num_pages)
    page = paginator.page(number or 1)
    offset = (page.number - 1) * page_size
    if number is None or not total:
        # No rows to read: a page that does not exist, or a search that found nobody.
        therapists = []
    elif offset:
        # Deep pages: skip rows inside the sort order's covering index, then read only the
        # page's rows, so page 50 costs about what page 1 does.
        page_ids = results.values("pk")[offset : offset + page_size]
        therapists = list(results.filter(pk__in=page_ids))
    else:
        therapists = list(page.object_list)
    # The cards' prices at the searched length come with the terms, in the same query.
    minutes = filterset.quoted_length
    prices_at = None if minutes is None else filterset.services_at(minutes)
    attach_terms(therapists, kinds=("specialty",), prices_at=prices_at)
    quote_prices(therapists, minutes)
    page.object_list = therapists
    return SearchResult(
        filterset=filterset,
        page=page,
        paginator=paginator,
        origin=filterset.origin,
        facets=facets,
        page_out_of_range=None if number is not None else str(page_number),
        relaxations=relaxations,
    )


@dataclass
class TherapistProfile:
    """What a profile shows of the therapist: terms, credentials, sub-ratings and why it ranks where it does; and
    the practical answers: the menu, where, when and how to pay."""

    therapist: Therapist
    certifications: list[Certification]
    rank_reasons: list[str]
    sub_ratings: list[tuple[str, float | None]]
    menu: list[practice.MenuGroup]
    lowest_price: practice.MenuLine | None  # the cheapest service: "From $X"
    location: practice.Location
    hours: practice.Hours
    payment: practice.Payment


def published_therapists() -> QuerySet[Therapist]:
    return Therapist.objects.published()


def therapist_profile(therapist: Therapist, moment: datetime.datetime | None = None) -> TherapistProfile:
    """Everything of the profile but its reviews (reviews.selectors reads those), in three queries whatever the
    number of services and hours. `moment` (aware; now by default) is when "open now" is asked."""
    attach_terms([therapist], kinds=tuple(vocabulary.LINKS))
    certifications = list(therapist.certifications.select_related("specialty").order_by("status", "-issued_on"))
    menu, periods = practice.offerings(therapist)
    return TherapistProfile(
        therapist=therapist,
        certifications=certifications,
        rank_reasons=ranking.explain(ranking_evidence(therapist), site_priors()),
        sub_ratings=[
            ("Technique", therapist.technique_avg),
            ("Professionalism", therapist.professionalism_avg),
            ("Communication", therapist.communication_avg),
            ("Cleanliness", therapist.cleanliness_avg),
        ],
        menu=menu,
        lowest_price=min((line for group in menu for line in group.lines), default=None),
        location=practice.practice_location(therapist),
        hours=practice.practice_hours(therapist, periods, moment or timezone.now()),
        payment=practice.Payment.of(therapist),
    )


def own_profile(user) -> Therapist | None:
    """The profile the signed-in user owns, if any."""
    return Therapist.objects.filter(owner=user).first() if user.is_authenticated else None


def certifications_expiring(*, within_days: int, today: datetime.date | None = None) -> QuerySet[Certification]:
    """Verified certifications that still count today and expire within the coming days, soonest first."""
    today = today or timezone.localdate()
    return (
        Certification.objects.currently_verified(today)
        .filter(expires_on__lte=today + datetime.timedelta(days=within_days))
        .select_related("therapist__owner")
        .order_by("expires_on", "pk")
    )
