"""The review services: each rule, and aggregates exact after every write, edit, delete, hide and restore."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews import services
from reviews.models import Review, ReviewFlag, ReviewResponse
from therapists.models import Therapist

from ..factories import ReviewFactory, ReviewFlagFactory, TherapistFactory, UserFactory
from .helpers import assert_aggregates_exact, review_content, stored_aggregates

pytestmark = pytest.mark.django_db


def _error_codes(excinfo) -> set[str]:
    error = excinfo.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def test_review_create_stores_review_and_updates_every_aggregate(therapist, author):
    services.review_create(therapist=therapist, author=author, content=review_content(rating=4, would_recommend=True))
    services.review_create(
        therapist=therapist,
        author=UserFactory(),
        content=review_content(rating=2, communication=5, would_recommend=False),
    )
    therapist.refresh_from_db()
    assert therapist.review_count == 2
    assert therapist.rating_avg == pytest.approx(3.0)
    assert therapist.technique_avg == pytest.approx(5.0)
    assert therapist.communication_avg == pytest.approx(4.0)
    assert therapist.recommend_count == 1
    assert therapist.recommend_pct == pytest.approx(50.0)
    assert therapist.score > 0
    assert_aggregates_exact(therapist.pk)


def test_review_create_stores_the_first_day_of_the_visit_month(therapist, author):
    day = timezone.localdate().replace(day=1) - datetime.timedelta(days=20)
    review = services.review_create(therapist=therapist, author=author, content=review_content(visit_month=day))
    assert review.visit_month == day.replace(day=1)


@pytest.mark.parametrize("field", ["rating", "technique", "professionalism", "communication", "cleanliness"])
@pytest.mark.parametrize("value", [0, 6])
def test_review_create_refuses_out_of_range_ratings(therapist, author, field, value):
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(therapist=therapist, author=author, content=review_content(**{field: value}))
    assert field in excinfo.value.error_dict
    assert not Review.objects.exists()


def test_review_create_refuses_a_future_visit_month(therapist, author):
    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=10)).replace(day=1)
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(therapist=therapist, author=author, content=review_content(visit_month=next_month))
    assert "future_visit" in _error_codes(excinfo)


@pytest.mark.parametrize(("field", "value"), [("title", "ab"), ("title", "x" * 121), ("body", "too short"),
                                              ("body", "x" * 4001), ("body", "")])  # fmt: skip
def test_review_create_refuses_bodies_and_titles_out_of_bounds(therapist, author, field, value):
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(therapist=therapist, author=author, content=review_content(**{field: value}))
    assert field in excinfo.value.error_dict


def test_review_create_refuses_a_second_review_by_the_same_client(review, therapist, author):
    before = stored_aggregates(therapist.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(therapist=therapist, author=author, content=review_content(rating=1))
    assert "duplicate_review" in _error_codes(excinfo)
    assert Review.objects.count() == 1
    assert stored_aggregates(therapist.pk) == before


def test_review_one_per_client_is_a_database_constraint(review, therapist, author):
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.bulk_create([ReviewFactory.build(therapist=therapist, author=author)])


def test_review_create_refuses_the_owner_reviewing_their_own_profile(therapist, owner):
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(therapist=therapist, author=owner, content=review_content())
    assert "own_profile" in _error_codes(excinfo)
    assert not Review.objects.exists()


def test_review_create_refuses_an_unpublished_profile(author):
    draft = TherapistFactory(status=Therapist.Status.SUSPENDED)
    with pytest.raises(ValidationError):
        services.review_create(therapist=draft, author=author, content=review_content())


def test_review_create_failed_write_changes_no_aggregate(review, therapist, monkeypatch):
    before = stored_aggregates(therapist.pk)

    def fail(**kwargs):
        raise RuntimeError("the aggregate update failed")

    monkeypatch.setattr(services, "refresh_aggregates", fail)
    with pytest.raises(RuntimeError):
        services.review_create(therapist=therapist, author=UserFactory(), content=review_content(rating=1))
    assert Review.objects.count() == 1
    assert stored_aggregates(therapist.pk) == before


def test_review_update_changes_the_review_and_the_aggregates(review, therapist):
    services.review_update(review=review, content=review_content(rating=1, cleanliness=2, would_recommend=False))
    therapist.refresh_from_db()
    assert therapist.rating_avg == pytest.approx(1.0)
    assert therapist.cleanliness_avg == pytest.approx(2.0)
    assert therapist.recommend_pct == pytest.approx(0.0)
    assert_aggregates_exact(therapist.pk)


def test_review_update_with_bad_input_changes_nothing(review, therapist):
    before = stored_aggregates(therapist.pk)
    with pytest.raises(ValidationError):
        services.review_update(review=review, content=review_content(rating=1, body="short"))
    review.refresh_from_db()
    assert review.rating == 4
    assert stored_aggregates(therapist.pk) == before


def test_review_delete_removes_it_from_the_aggregates(review, therapist):
    services.review_delete(review=review)
    therapist.refresh_from_db()
    assert not Review.objects.exists()
    assert therapist.review_count == 0
    assert therapist.rating_avg is None and therapist.recommend_pct is None


def test_review_hide_counts_nowhere_and_resolves_flags(review, therapist, moderator):
    other = services.review_create(therapist=therapist, author=UserFactory(), content=review_content(rating=2))
    flag = ReviewFlagFactory(review=review)
    services.review_hide(review=review, moderator=moderator, reason="Not a real client")
    therapist.refresh_from_db()
    review.refresh_from_db()
    flag.refresh_from_db()
    assert review.is_hidden and review.hidden_by == moderator and review.hidden_reason == "Not a real client"
    assert therapist.review_count == 1 and therapist.rating_avg == pytest.approx(other.rating)
    assert flag.is_resolved and flag.resolved_by == moderator and flag.resolved_at is not None
    assert list(Review.objects.visible()) == [other]
    assert_aggregates_exact(therapist.pk)


def test_review_restore_counts_it_again(review, therapist, moderator):
    services.review_hide(review=review, moderator=moderator)
    services.review_restore(review=review, moderator=moderator)
    therapist.refresh_from_db()
    review.refresh_from_db()
    assert not review.is_hidden and review.hidden_by is None and review.hidden_at is None
    assert therapist.review_count == 1
    assert_aggregates_exact(therapist.pk)


def test_review_hide_twice_is_harmless(review, therapist, moderator):
    services.review_hide(review=review, moderator=moderator)
    services.review_hide(review=review, moderator=moderator)
    therapist.refresh_from_db()
    assert therapist.review_count == 0


def test_review_flags_dismiss_keeps_the_review_and_closes_flags(review, moderator):
    ReviewFlagFactory(review=review)
    ReviewFlagFactory(review=review)
    assert services.review_flags_dismiss(review=review, moderator=moderator) == 2
    review.refresh_from_db()
    assert not review.is_hidden
    assert not ReviewFlag.objects.open().exists()


def test_review_flag_records_the_reason(review, other_client):
    flag = services.review_flag(review=review, reporter=other_client, reason="fake", details="Never met them.")
    assert flag.reason == ReviewFlag.Reason.FAKE and not flag.is_resolved


def test_review_flag_refuses_a_second_flag_by_the_same_reporter(review, other_client):
    services.review_flag(review=review, reporter=other_client, reason="fake")
    with pytest.raises(ValidationError) as excinfo:
        services.review_flag(review=review, reporter=other_client, reason="offensive")
    assert "duplicate_flag" in _error_codes(excinfo)


def test_review_flag_refuses_the_author_and_unknown_reasons(review, author, other_client):
    with pytest.raises(ValidationError):
        services.review_flag(review=review, reporter=author, reason="fake")
    with pytest.raises(ValidationError):
        services.review_flag(review=review, reporter=other_client, reason="because")
    assert not ReviewFlag.objects.exists()


def test_review_response_create_once_by_the_owner_then_update(review, owner):
    response = services.review_response_create(review=review, author=owner, body="Thank you for coming in.")
    with pytest.raises(ValidationError):
        services.review_response_create(review=review, author=owner, body="A second reply.")
    services.review_response_update(response=response, author=owner, body="Thanks, see you soon.")
    assert ReviewResponse.objects.get().body == "Thanks, see you soon."


def test_review_response_refuses_anyone_but_the_owner(review, author, other_client):
    for user in (author, other_client):
        with pytest.raises(ValidationError):
            services.review_response_create(review=review, author=user, body="Not mine to answer.")
    assert not ReviewResponse.objects.exists()


def test_refresh_aggregates_counts_only_visible_reviews(therapist):
    ReviewFactory(therapist=therapist, rating=5)
    ReviewFactory(therapist=therapist, rating=1, is_hidden=True)
    services.refresh_aggregates(therapist_id=therapist.pk)
    therapist.refresh_from_db()
    assert therapist.review_count == 1 and therapist.rating_avg == pytest.approx(5.0)


def test_deleting_an_account_with_reviews_is_refused_so_aggregates_stay_exact(client):
    from django.db.models import ProtectedError

    from reviews.selectors import compute_aggregates

    review = ReviewFactory()
    with pytest.raises(ProtectedError):
        review.author.delete()
    assert compute_aggregates(review.therapist_id)["review_count"] == 1
