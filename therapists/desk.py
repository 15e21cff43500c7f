"""Reads of the verification desk: who holds an item, which credentials may be renewed, and the desk's figures.

A verifier takes a pending item so that two verifiers don't check the same one. A claim lapses after CLAIM_LIMIT:
a verifier who took an item and went home does not block it for the others; an older claim counts as free.
"""

import datetime
import math
import statistics
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import EXPIRING_SOON_DAYS, Certification, CertificationDecision
from .selectors import certifications_expiring

CLAIM_LIMIT = datetime.timedelta(hours=2)
FIGURES_DAYS = 30  # the window of the figures: decisions of the last 30 days, expiries of the next 30
# The figures read at most this many audit entries: a desk deciding more than this in 30 days needs SQL percentiles.
FIGURES_MAX_ENTRIES = 50_000

Status = Certification.Status


def claim_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Claims taken before this moment have lapsed."""
    return (now or timezone.now()) - CLAIM_LIMIT


def claim_holder(certification: Certification, now: datetime.datetime | None = None):
    """The verifier who holds the item now, or None when it is free (never taken, released, or the claim lapsed)."""
    if certification.claimed_by_id is None or certification.claimed_at is None:
        return None
    if certification.claimed_at < claim_cutoff(now):
        return None
    return certification.claimed_by


def held_condition(now: datetime.datetime | None = None) -> Q:
    """The items somebody holds now (a claim younger than CLAIM_LIMIT)."""
    return Q(claimed_by__isnull=False, claimed_at__gte=claim_cutoff(now))


def in_claim_state(queryset: QuerySet[Certification], state: str, user) -> QuerySet[Certification]:
    """The queue's "taken" filter: "mine", "others" or "free"."""
    held = held_condition()
    if state == "mine":
        return queryset.filter(held, claimed_by=user)
    if state == "others":
        return queryset.filter(held).exclude(claimed_by=user)
    return queryset.exclude(held)


def is_renewable(certification: Certification, today: datetime.date | None = None) -> bool:
    """A verified credential that expired or expires within EXPIRING_SOON_DAYS may be renewed by its owner."""
    today = today or timezone.localdate()
    return (
        certification.status == Status.VERIFIED
        and certification.expires_on is not None
        and certification.expires_on <= today + datetime.timedelta(days=EXPIRING_SOON_DAYS)
    )


def renewable_ids(certifications: list[Certification], today: datetime.date | None = None) -> set[int]:
    """The dashboard's credentials that may be renewed now: renewable, and no renewal of them waits already
    (one query)."""
    candidates = {c.pk for c in certifications if is_renewable(c, today)}
    if not candidates:
        return set()
    waiting = set(Certification.objects.pending().filter(renews_id__in=candidates).values_list("renews_id", flat=True))
    return candidates - waiting


@dataclass(frozen=True)
class VerificationFigures:
    pending: int
    decided: int  # decisions counted in the waits below
    median_wait: datetime.timedelta | None
    p95_wait: datetime.timedelta | None
    expiring: int
    rejections: list[tuple[str, int]]  # (reason's label, count), most frequent first
    since: datetime.datetime
    until: datetime.date


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def decision_waits(*, since: datetime.datetime, now: datetime.datetime) -> list[float]:
    """Seconds from each submission to its decision, for decisions taken since `since`.

    A submission is the credential's creation, or its return to pending when the therapist changed it (a pending
    entry of the audit trail). Only the first decision after a submission counts: a later revocation or reversal
    answers no submission. Two queries, at most FIGURES_MAX_ENTRIES audit entries read.
    """
    decided_ids = (
        CertificationDecision.objects.filter(
            certification__isnull=False, decided_at__gte=since, status__in=[Status.VERIFIED, Status.REJECTED]
        )
        .values_list("certification_id", flat=True)
        .distinct()
    )
    entries = (
        CertificationDecision.objects.filter(certification_id__in=decided_ids, decided_at__lte=now)
        .order_by("certification_id", "decided_at", "id")
        .values_list("certification_id", "certification__created_at", "status", "decided_at")[:FIGURES_MAX_ENTRIES]
    )
    waits: list[float] = []
    current_id, submitted = None, None
    for certification_id, created_at, status, decided_at in entries:
        if certification_id != current_id:
            current_id, submitted = certification_id, created_at
        if status == Status.PENDING:
            submitted = decided_at
        elif submitted is not None:
            if decided_at >= since:
                waits.append(max(0.0, (decided_at - submitted).total_seconds()))
            submitted = None
    return waits


def verification_figures(now: datetime.datetime | None = None) -> VerificationFigures:
    """The figures page: what waits, how long a decision takes, what expires soon, why credentials are rejected."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = now - datetime.timedelta(days=FIGURES_DAYS)
    until = today + datetime.timedelta(days=EXPIRING_SOON_DAYS)
    waits = decision_waits(since=since, now=now)
    median = statistics.median(waits) if waits else None
    p95 = percentile(waits, 0.95)
    reasons = Counter(
        CertificationDecision.objects.filter(status=Status.REJECTED, decided_at__gte=since).values_list(
            "reason", flat=True
        )
    )
    labels = dict(Certification.RejectionReason.choices)
    return VerificationFigures(
        pending=Certification.objects.pending().count(),
        decided=len(waits),
        median_wait=None if median is None else datetime.timedelta(seconds=median),
        p95_wait=None if p95 is None else datetime.timedelta(seconds=p95),
        # The figures' link opens the queue filtered the same way: status verified, expiry "soon".
        expiring=certifications_expiring(within_days=EXPIRING_SOON_DAYS, today=today).count(),
        rejections=[
            (labels.get(reason, "No reason recorded"), count)
            for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], labels.get(item[0], "")))
        ],
        since=since,
        until=until,
    )
