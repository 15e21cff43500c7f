"""Reads: the search and the profile, each built in one place with a fixed number of queries."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Max, Q, Value
from django.utils import timezone

from . import vocabulary
from .filters import LINKS, TherapistFilterSet
from .models import Certification, Therapist
from .places import Origin
from .services import directory_generation

FACET_CACHE_SECONDS = 600


@dataclass
class SearchResult:
    filterset: TherapistFilterSet
    page: Page
    paginator: Paginator
    origin: Origin | None
    facets: dict = field(default_factory=dict)


def attach_links(therapists: list[Therapist], kinds=("specialty",), certified: bool = True) -> None:
    """Give each therapist lists of its vocabulary terms and certified specialty ids, in one query."""
    ids = [t.pk for t in therapists]
    found: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    if ids:
        parts = [
            through.objects.filter(therapist_id__in=ids).annotate(link=Value(kind), key=F(column))
            .values_list("link", "therapist_id", "key")
            for kind, (through, column) in LINKS.items() if kind in kinds
        ]  # fmt: skip
        if certified:
            parts.append(
                Certification.objects.counting().filter(therapist_id__in=ids, specialty__isnull=False)
                .order_by().annotate(link=Value("certified"), key=F("specialty_id"))
                .values_list("link", "therapist_id", "key")
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


def _facets(filterset: TherapistFilterSet) -> tuple[dict, int]:
    """Facet counts under the other active filters, and the result count: one UNION and one aggregate query."""
    data = filterset.form.cleaned_data
    facets: dict[str, dict] = {}

    def others(kind):
        return filterset.filter_queryset(filterset.queryset.all(), exclude={kind}).values("pk")

    union_parts = [
        through.objects.filter(therapist_id__in=others(kind))
        .values(column).annotate(link=Value(kind), n=Count("therapist_id"))
        .values_list("link", column, "n")
        for kind, (through, column) in LINKS.items() if kind in filterset.LINK_FACETS
    ]  # fmt: skip
    for kind, key, n in union_parts[0].union(*union_parts[1:], all=True):
        facets.setdefault(kind, {})[key] = n
    # Gender and verified are columns: over the rows that pass every other filter, conditional
    # counts give both facets and the result count in one aggregate.
    common = filterset.filter_queryset(filterset.queryset.all(), exclude={"gender", "verified"})
    today = timezone.localdate()
    gender_q = Q(gender__in=data["gender"]) if data.get("gender") else Q()
    verified_q = Q(verified_until__gte=today) if data.get("verified") else Q()
    aggregates = {
        f"gender_{value}": Count("pk", filter=Q(gender=value) & verified_q) for value in Therapist.Gender.values
    }
    aggregates["verified"] = Count("pk", filter=Q(verified_until__gte=today) & gender_q)
    aggregates["total"] = Count("pk", filter=gender_q & verified_q)
    counts = common.order_by().aggregate(**aggregates)
    facets["gender"] = {value: counts[f"gender_{value}"] for value in Therapist.Gender.values}
    facets["verified"] = counts["verified"]
    return facets, counts["total"]


def _cached_facets(filterset: TherapistFilterSet) -> tuple[dict, int]:
    """Facets and count for this search, cached until any therapist changes.

    Counting facets reads every matching row (hundreds of milliseconds at 100,000 therapists);
    the newest `updated_at` (one indexed lookup) and the generation that deletions bump version
    the cache, so a write or delete anywhere makes the next search count afresh, and the same
    search meanwhile costs almost nothing.
    """
    # Deletions leave no newer updated_at behind: they bump the directory's generation instead.
    version = (Therapist.objects.aggregate(newest=Max("updated_at"))["newest"], directory_generation())
    criteria = sorted((name, repr(value)) for name, value in filterset.form.cleaned_data.items() if name != "sort")
    digest = hashlib.sha256(repr((criteria, version, timezone.localdate())).encode()).hexdigest()
    key = f"search:facets:{digest}"
    cached = cache.get(key)
    if cached is None:
        cached = _facets(filterset)
        cache.set(key, cached, FACET_CACHE_SECONDS)
    return cached


def search(params, page_number=None, page_size: int = 20) -> SearchResult:
    filterset = TherapistFilterSet(params, queryset=Therapist.objects.published())
    facets, total = _cached_facets(filterset) if filterset.is_valid() else ({}, 0)
    results = filterset.results()
    paginator = Paginator(results, page_size)
    # The aggregate above already counted the results; spare the paginator its COUNT query.
    paginator.count = total
    page = paginator.get_page(page_number)
    offset = (page.number - 1) * page_size
    if offset:
        # Deep pages: skip rows inside the sort order's covering index, then read only the
        # page's rows, so page 50 costs about what page 1 does.
        page_ids = results.values("pk")[offset : offset + page_size]
        therapists = list(results.filter(pk__in=page_ids))
    else:
        therapists = list(page.object_list)
    attach_links(therapists, kinds=("specialty",))
    page.object_list = therapists
    return SearchResult(filterset=filterset, page=page, paginator=paginator, origin=filterset.origin, facets=facets)
