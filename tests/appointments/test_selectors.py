"""appointments.selectors: the reply-time figure, the cached figures of the shared pages, one's own requests."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone

from appointments import selectors, services
from appointments.selectors import ReplyTime

from .helpers import IN_A_WEEK, Status, confirmed_account, request_in

pytestmark = pytest.mark.django_db


def _answered_after(therapist, wait: datetime.timedelta, *, days_ago: int = 1, status=Status.DECLINED):
    created = timezone.now() - datetime.timedelta(days=days_ago)
    return request_in(
        status, client=confirmed_account(), therapist=therapist, created_at=created, answered_at=created + wait
    )


@pytest.mark.parametrize(
    ("median", "words"),
    [
        (datetime.timedelta(minutes=30), "Usually replies within a few hours"),
        (datetime.timedelta(hours=6), "Usually replies within a few hours"),
        (datetime.timedelta(hours=7), "Usually replies within a day"),
        (datetime.timedelta(hours=24), "Usually replies within a day"),
        (datetime.timedelta(hours=25), "Usually replies within 2 days"),
        (datetime.timedelta(days=3), "Usually replies within 3 days"),
    ],
)
def test_reply_time_words(median, words):
    assert ReplyTime(median=median, answered=3).words == words


def test_no_figure_before_three_answered_requests_in_the_window(client_account, therapist):
    _answered_after(therapist, datetime.timedelta(hours=2))
    _answered_after(therapist, datetime.timedelta(hours=2))
    # Unanswered and cancelled-before-an-answer requests do not count; nor do answers older than 90 days.
    request_in(Status.PENDING, client=client_account, therapist=therapist)
    request_in(Status.CANCELLED, client=confirmed_account(), therapist=therapist)
    _answered_after(therapist, datetime.timedelta(hours=2), days_ago=91)
    assert selectors.compute_reply_time(therapist.pk) is None
    _answered_after(therapist, datetime.timedelta(hours=2), days_ago=89)
    figure = selectors.compute_reply_time(therapist.pk)
    assert (figure.median, figure.answered) == (datetime.timedelta(hours=2), 3)


def test_the_figure_is_the_median_of_the_waits(therapist):
    for hours in (1, 3, 30, 50):
        _answered_after(therapist, datetime.timedelta(hours=hours), days_ago=3, status=Status.ACCEPTED)
    figure = selectors.compute_reply_time(therapist.pk)
    assert figure.median == datetime.timedelta(hours=16.5)
    assert figure.words == "Usually replies within a day"


def test_the_figure_counts_only_this_therapists_requests(therapist, other_owner):
    other = other_owner.therapist_profile
    for _ in range(3):
        _answered_after(other, datetime.timedelta(hours=1))
    assert selectors.compute_reply_time(therapist.pk) is None


def test_the_cached_figure_is_forgotten_when_a_request_is_answered(
    therapist, owner, client_account, django_assert_num_queries, django_capture_on_commit_callbacks
):
    for _ in range(2):
        _answered_after(therapist, datetime.timedelta(hours=1))
    assert selectors.reply_time(therapist) is None
    with django_assert_num_queries(0):
        assert selectors.reply_time(therapist) is None  # "no figure yet" is cached too
    pending = request_in(Status.PENDING, client=client_account, therapist=therapist)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_decline(appointment=pending, therapist_user=owner, reason="fully_booked")
    assert selectors.reply_time(therapist).answered == 3


def test_the_navigations_figure_is_counted_on_a_miss_then_read_from_the_cache(
    client_account, therapist, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_assert_num_queries(1):
        assert selectors.has_requests(client_account) is False  # the cache did not know: asked once
    with django_assert_num_queries(0):
        assert selectors.has_requests(client_account) is False  # and kept
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_request_create(
            client=client_account, therapist=therapist, details=services.RequestDetails(preferred_days=["mon"])
        )
    with django_assert_num_queries(0):
        assert selectors.has_requests(client_account) is True  # the kept "no" gave way to the new request


def test_the_navigations_figure_is_right_again_after_a_flushed_cache(
    client_account, therapist, django_assert_num_queries
):
    request_in(Status.CANCELLED, client=client_account, therapist=therapist)  # written past the services
    cache.clear()
    with django_assert_num_queries(1):
        assert selectors.has_requests(client_account) is True
    with django_assert_num_queries(0):
        assert selectors.has_requests(client_account) is True


def test_the_navigations_figure_never_asks_for_an_anonymous_visitor(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.has_requests(AnonymousUser()) is False


def test_an_older_no_never_replaces_a_newer_yes(client_account, therapist, django_assert_num_queries):
    """A page that counted "no" just before a request was stored must not hide the new request from the navigation:
    the miss writes only when the cache still knows nothing."""
    real_get = cache.get

    def stored_meanwhile(key, *args, **kwargs):
        found = real_get(key, *args, **kwargs)
        selectors.remember_has_requests(client_account.pk)  # the service's write, between the read and the count
        return found

    with mock.patch.object(cache, "get", stored_meanwhile):
        assert selectors.has_requests(client_account) is False  # what the database said at the time
    with django_assert_num_queries(0):
        assert selectors.has_requests(client_account) is True


def test_the_unanswered_count_is_counted_on_a_miss_and_follows_every_change(
    client_account, other_client, owner, therapist, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_assert_num_queries(1):
        assert selectors.unanswered_count(therapist) == 0
    with django_assert_num_queries(0):
        assert selectors.unanswered_count(therapist) == 0
    with django_capture_on_commit_callbacks(execute=True):
        first = services.appointment_request_create(
            client=client_account, therapist=therapist, details=services.RequestDetails(preferred_days=["mon"])
        )
        services.appointment_request_create(
            client=other_client, therapist=therapist, details=services.RequestDetails(preferred_times=["morning"])
        )
    with django_assert_num_queries(0):
        assert selectors.unanswered_count(therapist) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_accept(appointment=first, therapist_user=owner, agreed_at=timezone.now() + IN_A_WEEK)
    with django_assert_num_queries(0):
        assert selectors.unanswered_count(therapist) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=first, client=client_account)
    assert selectors.unanswered_count(therapist) == 1


def test_the_unanswered_count_is_right_again_after_a_flushed_cache(
    client_account, other_client, therapist, django_assert_num_queries
):
    request_in(Status.PENDING, client=client_account, therapist=therapist)
    request_in(Status.DECLINED, client=other_client, therapist=therapist)
    cache.clear()
    with django_assert_num_queries(1):
        assert selectors.unanswered_count(therapist) == 1
    with django_assert_num_queries(0):
        assert selectors.unanswered_count(therapist) == 1


def test_one_finds_only_ones_own_requests(client_account, other_client, therapist, other_owner):
    mine = request_in(Status.PENDING, client=client_account, therapist=therapist)
    theirs = request_in(Status.PENDING, client=other_client, therapist=other_owner.therapist_profile)
    assert selectors.client_request(client=client_account, pk=mine.pk) == mine
    assert selectors.client_request(client=client_account, pk=theirs.pk) is None
    assert selectors.therapist_request(therapist=therapist, pk=mine.pk) == mine
    assert selectors.therapist_request(therapist=therapist, pk=theirs.pk) is None
    assert selectors.open_request(client=client_account, therapist=therapist) == mine
