"""Reads of appointment requests: the client's list, the therapist's inbox, and the figures the shared pages show.

The figures on pages every signed-in person opens (the navigation's "Your requests", the dashboard's count of
unanswered requests) are read from the shared cache, so those pages run no more queries than before once it is warm:
the services write them after every change (`remember_figures`). When the cache does not know (flushed, evicted, a
new server), the figure is counted afresh (one query) and cached again, so it is never missing or wrong for long.
The reply-time figure on a profile is read once, cached, forgotten on every answer, and ages out by itself as the
90-day window moves.
"""

import datetime
import math
import statistics
import zoneinfo
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from therapists.hours import time_zone_for, zone
from therapists.models import Therapist

from .models import AppointmentRequest

REPLY_WINDOW_DAYS = 90
REPLY_MIN_ANSWERED = 3
FEW_HOURS = datetime.timedelta(hours=6)
ONE_DAY = datetime.timedelta(days=1)
FIGURE_CACHE_SECONDS = 60 * 60


def _has_requests_key(user_id: int) -> str:
    return f"appointments:has-requests:{user_id}"


def _unanswered_key(therapist_id: int) -> str:
    return f"appointments:unanswered:{therapist_id}"


def _reply_time_key(therapist_id: int) -> str:
    return f"appointments:reply-time:{therapist_id}"


def remember_figures(*, client_id: int, therapist_id: int) -> None:
    """After a change to a request between these two: the client has requests, the therapist's count of unanswered
    ones is counted afresh (one query), and the reply-time figure is forgotten."""
    remember_has_requests(client_id)
    remember_unanswered_count(therapist_id)
    cache.delete(_reply_time_key(therapist_id))


def practice_zone(therapist: Therapist) -> zoneinfo.ZoneInfo:
    """The practice's time zone, in which the therapist types a time and both sides read it."""
    return zone(time_zone_for(therapist.region, therapist.country))


def client_requests(*, client) -> QuerySet[AppointmentRequest]:
    """A client's own requests, every state, newest first, with what their list shows."""
    return (
        AppointmentRequest.objects.filter(client=client)
        .select_related("therapist", "specialty")
        .order_by("-created_at", "-pk")
    )


def inbox(*, therapist: Therapist) -> QuerySet[AppointmentRequest]:
    """The requests a therapist received, newest first, with what the inbox shows."""
    return (
        AppointmentRequest.objects.filter(therapist=therapist)
        .select_related("client", "specialty")
        .order_by("-created_at", "-pk")
    )


def therapist_request(*, therapist: Therapist, pk: int) -> AppointmentRequest | None:
    """One request to this therapist; another therapist's request is simply not found."""
    return inbox(therapist=therapist).filter(pk=pk).first()


def client_request(*, client, pk: int) -> AppointmentRequest | None:
    """One of the client's own requests; anyone else's is simply not found."""
    return client_requests(client=client).filter(pk=pk).first()


def open_request(*, client, therapist: Therapist) -> AppointmentRequest | None:
    """The client's open request with this therapist, if any (at most one, by the constraint)."""
    return AppointmentRequest.objects.open().filter(client=client, therapist=therapist).first()


def has_requests(user) -> bool:
    """Whether the signed-in user ever sent a request (the navigation's "Your requests"): from the cache; on a miss,
    one query, and the answer cached again."""
    if not user.is_authenticated:
        return False
    key = _has_requests_key(user.pk)
    known = cache.get(key)
    if known is None:
        known = AppointmentRequest.objects.filter(client_id=user.pk).exists()
        # `add`, not `set`: a request stored meanwhile has written "yes", which this older "no" must not replace.
        # A "no" is only kept for a while, as a last guard against a write that never reached the cache.
        cache.add(key, known, None if known else FIGURE_CACHE_SECONDS)
    return known


def remember_has_requests(user_id: int) -> None:
    # Kept until the cache is flushed: a request is never deleted, so the answer never turns back to no.
    cache.set(_has_requests_key(user_id), True, None)


def unanswered_count(therapist: Therapist) -> int:
    """How many requests wait for the therapist's answer (the dashboard home): from the cache; on a miss, counted
    (one query) and cached again."""
    count = cache.get(_unanswered_key(therapist.pk))
    if count is None:
        count = _count_unanswered(therapist.pk)
        # `add`: a count written meanwhile by a change to a request is at least as fresh as this one.
        cache.add(_unanswered_key(therapist.pk), count, None)
    return count


def _count_unanswered(therapist_id: int) -> int:
    return AppointmentRequest.objects.filter(therapist_id=therapist_id).unanswered().count()


def remember_unanswered_count(therapist_id: int) -> int:
    count = _count_unanswered(therapist_id)
    cache.set(_unanswered_key(therapist_id), count, None)
    return count


@dataclass(frozen=True)
class ReplyTime:
    """How the therapist usually answers: the median time to a first answer, and how many answers it rests on."""

    median: datetime.timedelta
    answered: int

    @property
    def words(self) -> str:
        if self.median <= FEW_HOURS:
            return "Usually replies within a few hours"
        if self.median <= ONE_DAY:
            return "Usually replies within a day"
        return f"Usually replies within {math.ceil(self.median / ONE_DAY)} days"


def compute_reply_time(therapist_id: int, now: datetime.datetime | None = None) -> ReplyTime | None:
    """The median reply time over the requests received in the last REPLY_WINDOW_DAYS, once at least
    REPLY_MIN_ANSWERED of them were answered; None before that. One query; requests cancelled before an
    answer do not count (the therapist never had the chance to reply)."""
    now = now or timezone.now()
    rows = AppointmentRequest.objects.filter(
        therapist_id=therapist_id,
        created_at__gte=now - datetime.timedelta(days=REPLY_WINDOW_DAYS),
        answered_at__isnull=False,
    ).values_list("created_at", "answered_at")
    waits = [answered - created for created, answered in rows]
    if len(waits) < REPLY_MIN_ANSWERED:
        return None
    return ReplyTime(median=statistics.median(waits), answered=len(waits))


def reply_time(therapist: Therapist) -> ReplyTime | None:
    """compute_reply_time, kept in the shared cache for FIGURE_CACHE_SECONDS (a profile is read far more often
    than a request is answered; every answer forgets it)."""
    key = _reply_time_key(therapist.pk)
    cached = cache.get(key)
    if cached is None:
        figure = compute_reply_time(therapist.pk)
        cached = ("figure", figure)
        cache.set(key, cached, FIGURE_CACHE_SECONDS)
    return cached[1]
