"""The public "How we handle reviews" page: the rules, and the 90 days' figures from a fixture with known answers."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import transparency
from reviews.models import Review
from reviews.transparency import RemovalCount, compute_fairness_figures, delay_words, fairness_figures

from ..factories import ReviewFactory, TherapistFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
POLICY_URL = "/reviews/how-we-handle-reviews/"


@pytest.fixture
def known_reviews(today):
    """Thirteen reviews whose figures are worked out by hand (the clock frozen at tests.conftest.FROZEN_NOW).

    Received in the last 90 days: 12 (M is 100 days old). Published: A-H and L, 9. Held now: I, J. Removed: E
    (fake, after it showed), K (conflict, held then removed), L (no reason recorded, so "another reason"), 3.
    1-2 stars published: A at once, B after 10 hours, C after 30 hours: median 10 hours, over 3.
    4-5 stars published: D and E at once, F after 2 hours, G after 4 hours, L after 6 hours: median 2 hours, over 5.
    H (3 stars, after 50 hours) counts as published and in neither median.
    """
    now = timezone.now()
    therapist = TherapistFactory()

    def review(rating, age, delay=None, **fields):
        created = now - age
        published = None if delay is None else created + delay
        return ReviewFactory(therapist=therapist, rating=rating, created_at=created, published_at=published, **fields)

    review(1, 5 * DAY, datetime.timedelta(0))  # A
    review(2, 6 * DAY, 10 * HOUR)  # B
    review(1, 7 * DAY, 30 * HOUR)  # C
    review(5, 1 * DAY, datetime.timedelta(0))  # D
    review(4, 2 * DAY, datetime.timedelta(0), is_hidden=True, removal_reason=Review.RemovalReason.FAKE)  # E
    review(5, 3 * DAY, 2 * HOUR)  # F
    review(4, 4 * DAY, 4 * HOUR)  # G
    review(3, 8 * DAY, 50 * HOUR)  # H
    review(1, 1 * HOUR, is_held=True, held_reason=Review.HoldReason.BURST)  # I
    review(5, 2 * HOUR, is_held=True, held_reason=Review.HoldReason.NEAR_DUPLICATE)  # J
    review(2, 9 * DAY, is_hidden=True, removal_reason=Review.RemovalReason.CONFLICT, held_reason="shared_address")  # K
    review(5, 10 * DAY, 6 * HOUR, is_hidden=True)  # L
    review(5, 100 * DAY, datetime.timedelta(0))  # M
    return therapist


def test_fairness_figures_from_known_reviews(known_reviews, today):
    figures = compute_fairness_figures()
    assert figures.since == timezone.now() - 90 * DAY
    assert (figures.received, figures.published, figures.held, figures.removed) == (12, 9, 2, 3)
    assert figures.removed_by_reason == (
        RemovalCount("fake", "Not a genuine client's experience", 1),
        RemovalCount("conflict", "Written by someone connected to the therapist", 1),
        RemovalCount("offensive", "Offensive or abusive", 0),
        RemovalCount("private", "Shares private information", 0),
        RemovalCount("off_topic", "Not about this therapist", 0),
        RemovalCount("other", "Another reason (see the note)", 1),
    )
    assert (figures.low_published, figures.low_median) == (3, 10 * HOUR)
    assert (figures.high_published, figures.high_median) == (5, 2 * HOUR)
    assert (figures.low_median_words, figures.high_median_words) == ("10 hours", "2 hours")


def test_fairness_figures_median_of_an_even_count_is_the_middle_pair_s_mean(today):
    therapist = TherapistFactory()
    for delay in (0, 1, 3, 9):
        created = timezone.now() - DAY
        ReviewFactory(therapist=therapist, rating=2, created_at=created, published_at=created + delay * HOUR)
    figures = compute_fairness_figures()
    assert figures.low_median == 2 * HOUR and figures.high_median is None
    assert figures.high_median_words == "no reviews to measure"


def test_fairness_figures_count_the_window_s_first_moment_and_not_the_one_before(today):
    therapist = TherapistFactory()
    edge = timezone.now() - 90 * DAY
    ReviewFactory(therapist=therapist, created_at=edge, published_at=edge)
    ReviewFactory(therapist=therapist, created_at=edge - datetime.timedelta(seconds=1), published_at=edge)
    assert compute_fairness_figures().received == 1


def test_fairness_figures_with_no_reviews(today):
    figures = compute_fairness_figures()
    assert (figures.received, figures.published, figures.held, figures.removed) == (0, 0, 0, 0)
    assert {removal.count for removal in figures.removed_by_reason} == {0}
    assert (figures.low_median, figures.high_median) == (None, None)


def test_fairness_figures_read_in_two_queries_whatever_the_number_of_reviews(
    known_reviews, today, django_assert_num_queries
):
    with django_assert_num_queries(2):
        compute_fairness_figures()
    ReviewFactory.create_batch(5, therapist=known_reviews, rating=1, published_at=timezone.now())
    with django_assert_num_queries(2):
        assert compute_fairness_figures().received == 17


@pytest.mark.frozen_cache_clock
def test_fairness_figures_are_cached_briefly(known_reviews, today, time_machine, django_assert_num_queries):
    with django_assert_num_queries(2):
        first = fairness_figures()
    ReviewFactory(therapist=known_reviews, rating=5, published_at=timezone.now())
    with django_assert_num_queries(0):
        assert fairness_figures() == first
    time_machine.shift(transparency.CACHE_SECONDS + 1)
    with django_assert_num_queries(2):
        assert fairness_figures().received == 13


@pytest.mark.parametrize(
    ("delay", "words"),
    [
        (None, "no reviews to measure"),
        (datetime.timedelta(0), "at once"),
        (datetime.timedelta(seconds=59), "at once"),
        (datetime.timedelta(minutes=1), "1 minute"),
        (datetime.timedelta(minutes=40), "40 minutes"),
        (HOUR, "1 hour"),
        (47 * HOUR, "47 hours"),
        (48 * HOUR, "2 days"),
        (60 * HOUR, "2.5 days"),
    ],
)
def test_delay_words(delay, words):
    assert delay_words(delay) == words


def test_policy_page_shows_the_rules_and_the_known_figures(client, known_reviews, today):
    response = client.get(POLICY_URL)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    for rule in (
        "The same rules for every star level",
        "No review gating",
        "Verified client",
        "What holds a review for a check",
        "How to appeal",
    ):
        assert rule in content
    for hold_reason in Review.HoldReason.labels:
        assert hold_reason.replace("'", "&#x27;") in content
    assert "Reviews posted since 17 March 2026" in content
    assert '<th scope="row">Reviews received</th><td>12</td>' in content
    assert '<th scope="row">Published (shown on a profile)</th><td>9</td>' in content
    assert '<th scope="row">Held, still waiting for a check</th><td>2</td>' in content
    assert '<th scope="row">Removed by a moderator</th><td>3</td>' in content
    assert '<th scope="row">… Written by someone connected to the therapist</th><td>1</td>' in content
    assert '<th scope="row">1 or 2 stars</th><td>10 hours</td><td>3</td>' in content
    assert '<th scope="row">4 or 5 stars</th><td>2 hours</td><td>5</td>' in content


def test_policy_page_queries_pinned_cold_and_cached(client, known_reviews, today, django_assert_num_queries):
    # An anonymous reader: the two queries of the figures, then none while they are cached.
    with django_assert_num_queries(2):
        assert client.get(POLICY_URL).status_code == HTTPStatus.OK
    with django_assert_num_queries(0):
        assert client.get(POLICY_URL).status_code == HTTPStatus.OK


def test_policy_page_has_a_stable_address_and_is_linked_from_the_footer_and_the_review_form(
    client, review_author, reviewed_therapist
):
    assert reverse("reviews:policy") == POLICY_URL
    assert f'href="{POLICY_URL}"' in client.get("/").content.decode()
    client.force_login(review_author)
    form = client.get(reverse("reviews:create", kwargs={"slug": reviewed_therapist.slug})).content.decode()
    assert form.count(f'href="{POLICY_URL}"') == 2  # the form's own line, and the footer
