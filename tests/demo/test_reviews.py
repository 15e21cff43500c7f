"""Demo reviews: planned with exact totals and aggregates, inserted with one author per review and therapist."""

import random

import pytest
from django.db.models import F
from faker import Faker

from demo import reviews as review_demo
from demo import therapists as therapist_demo
from reviews.models import Review, ReviewFlag, ReviewResponse
from reviews.selectors import compute_aggregates
from therapists.models import Specialty

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_plans(small_gazetteer, today):
    """Twenty planned therapists, not yet inserted, from a fixed seed."""
    fake = Faker("en_US")
    fake.seed_instance(5)
    return therapist_demo.plan_therapists(count=20, rng=random.Random(5), fake=fake, existing_slugs=set())


def _plan(plans, total: int, seed: int = 5):
    specialty_ids = list(Specialty.objects.values_list("pk", flat=True))
    return review_demo.plan_reviews(plans, total=total, rng=random.Random(seed), specialty_ids=specialty_ids)


def test_plan_reviews_spreads_exactly_the_total_over_published_therapists(demo_plans):
    planned = _plan(demo_plans, 137)
    published = {i for i, plan in enumerate(demo_plans) if plan.therapist.status == "published"}
    assert len(planned) == 137
    assert {review.plan_index for review in planned} <= published
    counts = [sum(review.plan_index == i for review in planned) for i in range(len(demo_plans))]
    assert [plan.therapist.review_count for plan in demo_plans] == counts


def test_plan_reviews_sets_aggregates_equal_to_the_planned_reviews(demo_plans):
    planned = _plan(demo_plans, 80)
    for index, plan in enumerate(demo_plans):
        values = [review.values for review in planned if review.plan_index == index]
        therapist = plan.therapist
        expected = (
            (sum(v["rating"] for v in values) / len(values), sum(v["would_recommend"] for v in values))
            if values
            else (None, 0)
        )
        assert (therapist.rating_avg, therapist.recommend_count) == (pytest.approx(expected[0]), expected[1])


def test_plan_reviews_visits_are_past_months_and_posted_after_them(demo_plans, today):
    planned = _plan(demo_plans, 60)
    assert {review.values["visit_month"].day for review in planned} == {1}
    assert max(review.values["visit_month"] for review in planned) <= today.replace(day=1)
    assert all(review.values["created_at"].date() >= review.values["visit_month"] for review in planned)


def test_plan_reviews_of_nothing_plans_nothing(demo_plans):
    assert _plan(demo_plans, 0) == []
    assert _plan([], 10) == []


def test_insert_reviews_stores_them_with_distinct_authors_per_therapist_and_matching_aggregates(demo_plans):
    planned = _plan(demo_plans, 120)
    therapist_demo.score_plans(demo_plans)
    therapist_demo.insert_plans(demo_plans, photos=0, rng=random.Random(5))
    assert review_demo.insert_reviews(demo_plans, planned, rng=random.Random(5)) == 120
    assert Review.objects.count() == 120
    pairs = list(Review.objects.values_list("therapist_id", "author_id"))
    assert len(set(pairs)) == len(pairs)
    for plan in demo_plans:
        stored = (plan.therapist.review_count, plan.therapist.rating_avg)
        fresh = compute_aggregates(plan.therapist.pk)
        assert stored == (fresh["review_count"], pytest.approx(fresh["rating_avg"]))


def test_insert_replies_and_flags_never_flags_a_review_by_its_own_reporter(demo_plans):
    planned = _plan(demo_plans, 400)
    therapist_demo.insert_plans(demo_plans, photos=0, rng=random.Random(5))
    review_demo.insert_reviews(demo_plans, planned, rng=random.Random(5))
    replies, flags = review_demo.insert_replies_and_flags(400, rng=random.Random(5))
    assert (ReviewResponse.objects.count(), ReviewFlag.objects.count()) == (replies, flags)
    assert flags >= 1
    assert not ReviewFlag.objects.filter(reporter_id=F("review__author_id")).exists()


def test_insert_replies_and_flags_replies_only_on_owned_profiles_by_their_owner(demo_plans):
    for index, plan in enumerate(demo_plans):
        plan.joined = index % 2 == 0
    planned = _plan(demo_plans, 400)
    therapist_demo.insert_plans(demo_plans, photos=0, rng=random.Random(5))
    review_demo.insert_reviews(demo_plans, planned, rng=random.Random(5))
    replies, _flags = review_demo.insert_replies_and_flags(400, rng=random.Random(5))
    assert replies > 20
    stored = ReviewResponse.objects.select_related("review__therapist")
    assert {reply.review.therapist.slug for reply in stored} <= {p.therapist.slug for p in demo_plans if p.joined}
    assert all(reply.author_id == reply.review.therapist.owner_id is not None for reply in stored)


def test_client_name_is_a_first_and_last_name_from_the_number_alone():
    assert review_demo.client_name(42) == review_demo.client_name(42)
    first, last = review_demo.client_name(42)
    assert first in review_demo.FIRST_NAMES and last in review_demo.LAST_NAMES
    assert len({review_demo.client_name(number) for number in range(200)}) > 190
