"""The ranking weighs a verified client's review (written through the invitation of a visit booked here that took
place) more than any other: the weight, its effect on the score, its words in "why this rank", and the stored score."""

import dataclasses
import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import AppointmentRequest
from reviews import services
from therapists import ranking
from therapists.models import Therapist
from therapists.ranking import Evidence, Priors, explain, score
from therapists.selectors import site_priors
from therapists.services.scoring import compute_score

from ..appointments.helpers import request_in
from ..factories import ReviewFactory, TherapistFactory
from ..reviews.helpers import client_account

PRIORS = Priors(rating=4.0, communication=4.0, cleanliness=4.0)
# Ten reviews at 4.0 on every criterion, 7 of 10 would recommend: the therapist before the review under test.
BEFORE = Evidence(review_count=10, rating_avg=4.0, communication_avg=4.0, cleanliness_avg=4.0, recommend_count=7)


def _with_review(evidence: Evidence, rating: int, *, verified: bool) -> Evidence:
    n = evidence.review_count

    def mean(value):
        return (value * n + rating) / (n + 1)

    return dataclasses.replace(
        evidence, review_count=n + 1, rating_avg=mean(evidence.rating_avg),
        communication_avg=mean(evidence.communication_avg), cleanliness_avg=mean(evidence.cleanliness_avg),
        recommend_count=evidence.recommend_count + (rating >= 4),
        verified_review_count=evidence.verified_review_count + verified,
    )  # fmt: skip


def test_the_weights_are_documented_in_the_module():
    assert (ranking.VERIFIED_REVIEW_WEIGHT, ranking.UNVERIFIED_REVIEW_WEIGHT) == (1.0, 0.5)
    doc = ranking.__doc__
    assert "verified client" in doc and "| 1.0 review" in doc and "| 0.5 review" in doc


def test_a_verified_review_counts_in_full_any_other_at_half():
    e = dataclasses.replace(BEFORE, verified_review_count=4)
    assert e.weighted_review_count == 4 * 1.0 + 6 * 0.5
    assert e.weighted_recommend_count == pytest.approx(7 * 7 / 10)
    # A count beyond the reviews (a stale column) never counts more than the reviews themselves.
    assert dataclasses.replace(BEFORE, verified_review_count=99).weighted_review_count == 10


def test_a_verified_five_star_review_lifts_the_score_more_than_an_unverified_one():
    before = score(BEFORE, PRIORS)
    verified = score(_with_review(BEFORE, 5, verified=True), PRIORS)
    unverified = score(_with_review(BEFORE, 5, verified=False), PRIORS)
    assert verified > unverified > before


def test_a_verified_one_star_review_lowers_the_ratings_of_a_therapist_below_the_site_average_more():
    below = dataclasses.replace(BEFORE, rating_avg=3.5, communication_avg=3.5, cleanliness_avg=3.5, recommend_count=0)
    before = score(below, PRIORS)
    verified = score(_with_review(below, 1, verified=True), PRIORS)
    unverified = score(_with_review(below, 1, verified=False), PRIORS)
    assert verified < unverified < before


@pytest.mark.parametrize(("mean", "recommending"), [(4.9, 10), (2.0, 0)])
def test_the_same_reviews_from_verified_clients_move_the_score_further_towards_their_own_mean(mean, recommending):
    """Good or bad, verified clients' reviews are stronger evidence: the score leaves the site average sooner."""
    unverified = dataclasses.replace(
        BEFORE, rating_avg=mean, communication_avg=mean, cleanliness_avg=mean, recommend_count=recommending
    )
    verified = dataclasses.replace(unverified, verified_review_count=10)
    if mean > PRIORS.rating:
        assert score(verified, PRIORS) > score(unverified, PRIORS)
    else:
        assert score(verified, PRIORS) < score(unverified, PRIORS)


def test_why_this_rank_says_how_the_reviews_count():
    text = " ".join(explain(dataclasses.replace(BEFORE, verified_review_count=3), PRIORS))
    assert (
        "3 of these reviews are from verified clients, whose visits were booked here and took place; each counts as "
        "1 review. The other 7 count as 0.5 reviews each, so the ratings rest on the weight of 6.5 reviews."
    ) in text
    two = dataclasses.replace(BEFORE, review_count=2, recommend_count=1, verified_review_count=1)
    one = " ".join(explain(two, PRIORS))
    assert "1 of these reviews is from verified clients" in one and "The other 1 counts as 0.5 reviews" in one
    assert "verified clients" not in " ".join(explain(Evidence(), PRIORS))


@pytest.mark.django_db
def test_the_stored_score_rises_more_for_a_verified_review(today):
    verified_one, other_one = TherapistFactory(slug="verified-one"), TherapistFactory(slug="other-one")
    for therapist, verified in ((verified_one, True), (other_one, False)):
        author = client_account()
        visit = None
        if verified:
            visit = request_in(
                AppointmentRequest.Status.HELD, client=author, therapist=therapist,
                agreed_at=timezone.now() - datetime.timedelta(days=2),
            )  # fmt: skip
        ReviewFactory(therapist=therapist, author=author, visit=visit)
        services.refresh_aggregates(therapist_id=therapist.pk)
    verified_one.refresh_from_db()
    other_one.refresh_from_db()
    assert (verified_one.verified_review_count, other_one.verified_review_count) == (1, 0)
    assert verified_one.review_count == other_one.review_count == 1
    assert verified_one.score > other_one.score


@pytest.mark.django_db
def test_refresh_scores_reads_the_verified_count_with_the_other_inputs(today, django_assert_num_queries):
    therapist = TherapistFactory(review_count=4, rating_avg=5.0, communication_avg=5.0, cleanliness_avg=5.0)
    TherapistFactory(review_count=6, rating_avg=3.0, communication_avg=3.0, cleanliness_avg=3.0)
    Therapist.objects.filter(pk=therapist.pk).update(verified_review_count=4, score=0)
    call_command("refresh_scores")
    stored = Therapist.objects.get(pk=therapist.pk)
    priors = site_priors(fresh=True)
    assert stored.score == compute_score(stored, priors)
    as_unverified = Therapist.objects.get(pk=therapist.pk)
    as_unverified.verified_review_count = 0
    assert stored.score > compute_score(as_unverified, priors)
    # One read of the priors, one of the therapists (the verified count among the columns read, never deferred to a
    # query of its own), one write per therapist whose score changed.
    Therapist.objects.filter(pk=therapist.pk).update(score=0)
    with django_assert_num_queries(3):
        call_command("refresh_scores")
