"""The review models: the content fields, the constraints the database keeps, visit months and the querysets."""

import datetime
from dataclasses import fields

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from reviews.models import Review, ReviewFlag, latest_visit_month, validate_visit_month
from reviews.selectors import compute_aggregates
from reviews.services import ReviewContent

from ..factories import ReviewFactory, ReviewFlagFactory, ReviewResponseFactory

pytestmark = pytest.mark.django_db


def test_review_content_fields_are_model_fields_and_the_service_inputs():
    model_fields = {field.name for field in Review._meta.get_fields()}
    assert set(Review.CONTENT_FIELDS) <= model_fields
    assert {field.name for field in fields(ReviewContent)} == set(Review.CONTENT_FIELDS)
    assert len(set(Review.CONTENT_FIELDS)) == len(Review.CONTENT_FIELDS) == 10


def test_review_one_per_client_is_a_database_constraint(published_review, reviewed_therapist, review_author):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.bulk_create([ReviewFactory.build(therapist=reviewed_therapist, author=review_author)])


@pytest.mark.parametrize("field", ["rating", "technique", "professionalism", "communication", "cleanliness"])
@pytest.mark.parametrize("value", [0, 6])
def test_review_ratings_from_1_to_5_are_a_database_constraint(published_review, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=published_review.pk).update(**{field: value})


def test_review_visit_month_on_the_first_day_is_a_database_constraint(published_review, today):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=published_review.pk).update(visit_month=today.replace(day=2))


def test_review_one_flag_per_reporter_is_a_database_constraint(published_review, other_client):
    ReviewFlagFactory(review=published_review, reporter=other_client)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFlag.objects.bulk_create([ReviewFlagFactory.build(review=published_review, reporter=other_client)])


def test_review_author_with_reviews_cannot_be_deleted_so_aggregates_stay_exact():
    review = ReviewFactory()
    with pytest.raises(ProtectedError):
        review.author.delete()
    assert compute_aggregates(review.therapist_id)["review_count"] == 1


def test_latest_visit_month_is_the_current_month_wherever_the_client_is(time_machine):
    # Mid-month in UTC: the current month everywhere.
    time_machine.move_to(datetime.datetime(2026, 6, 15, 15, 30, tzinfo=datetime.UTC), tick=False)
    assert latest_visit_month() == datetime.date(2026, 6, 1)
    # On the last afternoon of June in UTC, it is already July 1 at UTC+14.
    time_machine.move_to(datetime.datetime(2026, 6, 30, 12, 0, tzinfo=datetime.UTC), tick=False)
    assert latest_visit_month() == datetime.date(2026, 7, 1)


@pytest.mark.parametrize(
    ("month", "code"),
    [
        (datetime.date(2026, 7, 1), "future_visit"),
        (datetime.date(1999, 12, 1), "visit_too_old"),
    ],
)
def test_validate_visit_month_refuses_the_future_and_before_2000(today, month, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_visit_month(month)
    assert excinfo.value.code == code


@pytest.mark.parametrize("month", [datetime.date(2000, 1, 1), datetime.date(2026, 6, 1), datetime.date(2026, 6, 30)])
def test_validate_visit_month_accepts_2000_to_this_month(today, month):
    assert validate_visit_month(month) is None


def test_review_queryset_visible_hides_hidden_reviews():
    shown = ReviewFactory()
    ReviewFactory(is_hidden=True)
    assert list(Review.objects.visible()) == [shown]


def test_review_queryset_with_open_flags_ignores_resolved_ones():
    flagged = ReviewFactory()
    ReviewFlagFactory(review=flagged)
    ReviewFlagFactory(review=flagged)
    resolved = ReviewFactory()
    ReviewFlagFactory(review=resolved, is_resolved=True)
    ReviewFactory()
    assert list(Review.objects.with_open_flags()) == [flagged]


def test_review_queryset_for_profile_reads_author_reply_and_type_in_one_query(
    published_review, django_assert_num_queries
):
    ReviewResponseFactory(review=published_review, body="Thank you.")
    with django_assert_num_queries(1):
        (review,) = Review.objects.for_profile()
        shown = (review.author.username, review.response.body, review.massage_type.slug)
    assert shown == ("review-author", "Thank you.", "swedish")


@pytest.mark.parametrize(
    "state",
    [{"is_held": True, "held_reason": ""}, {"is_held": True, "held_reason": "shared_address", "is_hidden": True}],
    ids=["held without a reason", "held and hidden"],
)
def test_review_held_state_is_a_database_constraint(published_review, state):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=published_review.pk).update(**state)


def test_review_queryset_visible_and_is_visible_leave_out_held_reviews():
    shown = ReviewFactory()
    held = ReviewFactory(is_held=True, held_reason=Review.HoldReason.NEW_ACCOUNT_CLUSTER)
    hidden = ReviewFactory(is_hidden=True)
    assert list(Review.objects.visible()) == [shown]
    assert list(Review.objects.held()) == [held]
    assert [review.is_visible() for review in (shown, held, hidden)] == [True, False, False]
