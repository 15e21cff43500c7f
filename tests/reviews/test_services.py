"""The review services: each rule, and aggregates exact after every write, edit, delete, hide and restore."""

import datetime
import hashlib
from functools import partial

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from reviews import permissions, services
from reviews.models import Review, ReviewFlag, ReviewResponse
from therapists.models import Therapist

from ..factories import ReviewFactory, ReviewFlagFactory, TherapistFactory
from .helpers import assert_aggregates_exact, client_account, new_account, review_content, stored_aggregates

pytestmark = pytest.mark.django_db


def _error_codes(excinfo) -> set[str]:
    error = excinfo.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def test_review_create_stores_review_and_updates_every_aggregate(reviewed_therapist, review_author):
    services.review_create(
        therapist=reviewed_therapist, author=review_author, content=review_content(rating=4, would_recommend=True)
    )
    services.review_create(
        therapist=reviewed_therapist,
        author=client_account(),
        content=review_content(rating=2, communication=5, would_recommend=False),
    )
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 2
    assert reviewed_therapist.rating_avg == pytest.approx(3.0)
    assert reviewed_therapist.technique_avg == pytest.approx(5.0)
    assert reviewed_therapist.communication_avg == pytest.approx(4.0)
    assert reviewed_therapist.recommend_count == 1
    assert reviewed_therapist.recommend_pct == pytest.approx(50.0)
    assert reviewed_therapist.score > 0
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_create_stores_the_first_day_of_the_visit_month(reviewed_therapist, review_author, today):
    day = today.replace(day=1) - datetime.timedelta(days=20)
    review = services.review_create(
        therapist=reviewed_therapist, author=review_author, content=review_content(visit_month=day)
    )
    assert review.visit_month == day.replace(day=1)


@pytest.mark.parametrize("field", ["rating", "technique", "professionalism", "communication", "cleanliness"])
@pytest.mark.parametrize("value", [0, 6])
def test_review_create_refuses_out_of_range_ratings(reviewed_therapist, review_author, field, value):
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(
            therapist=reviewed_therapist, author=review_author, content=review_content(**{field: value})
        )
    assert field in excinfo.value.error_dict
    assert not Review.objects.exists()


def test_review_create_refuses_a_future_visit_month(reviewed_therapist, review_author, today):
    next_month = (today.replace(day=28) + datetime.timedelta(days=10)).replace(day=1)
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(
            therapist=reviewed_therapist, author=review_author, content=review_content(visit_month=next_month)
        )
    assert "future_visit" in _error_codes(excinfo)


@pytest.mark.parametrize(("field", "value"), [("title", "ab"), ("title", "x" * 121), ("body", "too short"),
                                              ("body", "x" * 4001), ("body", "")])  # fmt: skip
def test_review_create_refuses_bodies_and_titles_out_of_bounds(reviewed_therapist, review_author, field, value):
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(
            therapist=reviewed_therapist, author=review_author, content=review_content(**{field: value})
        )
    assert field in excinfo.value.error_dict


def test_review_create_refuses_a_second_review_by_the_same_client(published_review, reviewed_therapist, review_author):
    before = stored_aggregates(reviewed_therapist.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(therapist=reviewed_therapist, author=review_author, content=review_content(rating=1))
    assert "duplicate_review" in _error_codes(excinfo)
    assert Review.objects.count() == 1
    assert stored_aggregates(reviewed_therapist.pk) == before


def test_review_create_refuses_the_owner_reviewing_their_own_profile(reviewed_therapist, reviewed_owner):
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(therapist=reviewed_therapist, author=reviewed_owner, content=review_content())
    assert "own_profile" in _error_codes(excinfo)
    assert not Review.objects.exists()


def test_review_create_refuses_an_unpublished_profile(review_author):
    draft = TherapistFactory(status=Therapist.Status.SUSPENDED)
    with pytest.raises(ValidationError):
        services.review_create(therapist=draft, author=review_author, content=review_content())


def test_review_create_failed_write_changes_no_aggregate(published_review, reviewed_therapist, monkeypatch):
    before = stored_aggregates(reviewed_therapist.pk)

    def fail(**kwargs):
        raise RuntimeError("the aggregate update failed")

    monkeypatch.setattr(services, "refresh_aggregates", fail)
    with pytest.raises(RuntimeError):
        services.review_create(therapist=reviewed_therapist, author=client_account(), content=review_content(rating=1))
    assert Review.objects.count() == 1
    assert stored_aggregates(reviewed_therapist.pk) == before


def test_review_update_changes_the_review_and_the_aggregates(published_review, reviewed_therapist):
    services.review_update(
        review=published_review, content=review_content(rating=1, cleanliness=2, would_recommend=False)
    )
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.rating_avg == pytest.approx(1.0)
    assert reviewed_therapist.cleanliness_avg == pytest.approx(2.0)
    assert reviewed_therapist.recommend_pct == pytest.approx(0.0)
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_update_with_bad_input_changes_nothing(published_review, reviewed_therapist):
    before = stored_aggregates(reviewed_therapist.pk)
    with pytest.raises(ValidationError):
        services.review_update(review=published_review, content=review_content(rating=1, body="short"))
    published_review.refresh_from_db()
    assert published_review.rating == 4
    assert stored_aggregates(reviewed_therapist.pk) == before


def test_review_delete_removes_it_from_the_aggregates(published_review, reviewed_therapist):
    services.review_delete(review=published_review)
    reviewed_therapist.refresh_from_db()
    assert not Review.objects.exists()
    assert reviewed_therapist.review_count == 0
    assert reviewed_therapist.rating_avg is None and reviewed_therapist.recommend_pct is None


def test_review_hide_counts_nowhere_and_resolves_flags(published_review, reviewed_therapist, moderator):
    other = services.review_create(
        therapist=reviewed_therapist, author=client_account(), content=review_content(rating=2)
    )
    flag = ReviewFlagFactory(review=published_review)
    services.review_hide(review=published_review, moderator=moderator, reason="Not a real client")
    reviewed_therapist.refresh_from_db()
    published_review.refresh_from_db()
    flag.refresh_from_db()
    assert (
        published_review.is_hidden
        and published_review.hidden_by == moderator
        and published_review.hidden_reason == "Not a real client"
    )
    assert reviewed_therapist.review_count == 1 and reviewed_therapist.rating_avg == pytest.approx(other.rating)
    assert flag.is_resolved and flag.resolved_by == moderator and flag.resolved_at is not None
    assert list(Review.objects.visible()) == [other]
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_restore_counts_it_again(published_review, reviewed_therapist, moderator):
    services.review_hide(review=published_review, moderator=moderator)
    services.review_restore(review=published_review, moderator=moderator)
    reviewed_therapist.refresh_from_db()
    published_review.refresh_from_db()
    assert not published_review.is_hidden and published_review.hidden_by is None and published_review.hidden_at is None
    assert reviewed_therapist.review_count == 1
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_hide_twice_is_harmless(published_review, reviewed_therapist, moderator):
    services.review_hide(review=published_review, moderator=moderator)
    services.review_hide(review=published_review, moderator=moderator)
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 0


def test_review_flags_dismiss_keeps_the_review_and_closes_flags(published_review, moderator):
    ReviewFlagFactory(review=published_review)
    ReviewFlagFactory(review=published_review)
    assert services.review_flags_dismiss(review=published_review, moderator=moderator) == 2
    published_review.refresh_from_db()
    assert not published_review.is_hidden
    assert not ReviewFlag.objects.open().exists()


def test_review_flag_records_the_reason(published_review, other_client):
    flag = services.review_flag(
        review=published_review, reporter=other_client, reason="fake", details="Never met them."
    )
    assert flag.reason == ReviewFlag.Reason.FAKE and not flag.is_resolved


def test_review_flag_refuses_a_second_flag_by_the_same_reporter(published_review, other_client):
    services.review_flag(review=published_review, reporter=other_client, reason="fake")
    with pytest.raises(ValidationError) as excinfo:
        services.review_flag(review=published_review, reporter=other_client, reason="offensive")
    assert "duplicate_flag" in _error_codes(excinfo)


def test_review_flag_refuses_the_author_and_unknown_reasons(published_review, review_author, other_client):
    with pytest.raises(ValidationError):
        services.review_flag(review=published_review, reporter=review_author, reason="fake")
    with pytest.raises(ValidationError):
        services.review_flag(review=published_review, reporter=other_client, reason="because")
    assert not ReviewFlag.objects.exists()


def test_review_response_create_once_by_the_owner_then_update(published_review, reviewed_owner):
    response = services.review_response_create(
        review=published_review, author=reviewed_owner, body="Thank you for coming in."
    )
    with pytest.raises(ValidationError):
        services.review_response_create(review=published_review, author=reviewed_owner, body="A second reply.")
    services.review_response_update(response=response, author=reviewed_owner, body="Thanks, see you soon.")
    assert ReviewResponse.objects.get().body == "Thanks, see you soon."


def test_review_response_refuses_anyone_but_the_owner(published_review, review_author, other_client):
    for user in (review_author, other_client):
        with pytest.raises(ValidationError):
            services.review_response_create(review=published_review, author=user, body="Not mine to answer.")
    assert not ReviewResponse.objects.exists()


def test_refresh_aggregates_counts_only_visible_reviews(reviewed_therapist):
    ReviewFactory(therapist=reviewed_therapist, rating=5)
    ReviewFactory(therapist=reviewed_therapist, rating=1, is_hidden=True)
    services.refresh_aggregates(therapist_id=reviewed_therapist.pk)
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 1 and reviewed_therapist.rating_avg == pytest.approx(5.0)


def _create_five_reviews(author) -> None:
    for therapist in TherapistFactory.create_batch(5):
        services.review_create(therapist=therapist, author=author, content=review_content())


def test_review_create_refuses_the_sixth_review_within_the_window_and_writes_nothing(review_author, today):
    _create_five_reviews(review_author)
    sixth = TherapistFactory()
    before = stored_aggregates(sixth.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(therapist=sixth, author=review_author, content=review_content())
    assert _error_codes(excinfo) == {"throttled"}
    assert "You have posted 5 reviews in the last hour" in excinfo.value.messages[0]
    assert Review.objects.filter(author=review_author).count() == 5
    assert not Review.objects.filter(therapist=sixth).exists()
    assert stored_aggregates(sixth.pk) == before


@pytest.mark.frozen_cache_clock
def test_review_create_throttle_lifts_when_the_window_ends(review_author, today, time_machine, settings):
    _create_five_reviews(review_author)
    sixth = TherapistFactory()
    time_machine.shift(datetime.timedelta(seconds=settings.REVIEW_POST_WINDOW_SECONDS - 1))
    with pytest.raises(ValidationError):
        services.review_create(therapist=sixth, author=review_author, content=review_content())
    time_machine.shift(datetime.timedelta(seconds=2))
    review = services.review_create(therapist=sixth, author=review_author, content=review_content())
    assert Review.objects.filter(author=review_author).count() == 6 and review.therapist == sixth


def test_review_create_throttle_counts_each_client_apart_and_only_stored_reviews(review_author, other_client):
    for therapist in TherapistFactory.create_batch(6):
        with pytest.raises(ValidationError):
            services.review_create(therapist=therapist, author=review_author, content=review_content(body="short"))
    _create_five_reviews(review_author)
    _create_five_reviews(other_client)
    assert Review.objects.filter(author=review_author).count() == Review.objects.filter(author=other_client).count()
    assert Review.objects.count() == 10


def _refusal_raised(write) -> tuple | None:
    """What a service refused with, as (code, messages), or None when the write went through."""
    try:
        write()
    except ValidationError as error:
        return error.code, error.messages
    return None


def _refusal_given(refusal: ValidationError | None) -> tuple | None:
    return None if refusal is None else (refusal.code, refusal.messages)


ROLES = ["anonymous", "other_client", "review_author", "reviewed_owner", "moderator"]


def _user(request, role: str):
    return AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)


# Anonymous visitors are sent to log in before any review is written, so the service always has an account.
@pytest.mark.parametrize("role", ["other_client", "reviewed_owner", "moderator"])
@pytest.mark.parametrize("status", [Therapist.Status.PUBLISHED, Therapist.Status.DRAFT, Therapist.Status.SUSPENDED])
def test_review_create_refuses_exactly_as_review_refusal_says(request, role, status, reviewed_therapist):
    Therapist.objects.filter(pk=reviewed_therapist.pk).update(status=status)
    reviewed_therapist.refresh_from_db()
    user = _user(request, role)
    expected = _refusal_given(permissions.review_refusal(user, reviewed_therapist))
    write = partial(services.review_create, therapist=reviewed_therapist, author=user, content=review_content())
    assert _refusal_raised(write) == expected
    assert Review.objects.filter(author=user).exists() == (expected is None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_review_flag_refuses_exactly_as_flag_refusal_says(request, role, hidden, published_review, moderator):
    if hidden:
        services.review_hide(review=published_review, moderator=moderator)
    user = _user(request, role)
    expected = _refusal_given(permissions.flag_refusal(user, published_review))
    write = partial(services.review_flag, review=published_review, reporter=user, reason="fake")
    assert _refusal_raised(write) == expected
    assert ReviewFlag.objects.filter(review=published_review, is_resolved=False).exists() == (expected is None)


@pytest.mark.parametrize("role", ROLES)
def test_review_response_create_refuses_exactly_as_reply_refusal_says(request, role, published_review):
    user = _user(request, role)
    expected = _refusal_given(permissions.reply_refusal(user, published_review))
    write = partial(services.review_response_create, review=published_review, author=user, body="Thank you.")
    assert _refusal_raised(write) == expected
    assert ReviewResponse.objects.filter(review=published_review).exists() == (expected is None)


@pytest.mark.parametrize("role", ROLES)
def test_review_response_update_refuses_exactly_as_reply_refusal_says(request, role, published_review, reviewed_owner):
    response = services.review_response_create(review=published_review, author=reviewed_owner, body="Thank you.")
    user = _user(request, role)
    expected = _refusal_given(permissions.reply_refusal(user, published_review))
    write = partial(services.review_response_update, response=response, author=user, body="Edited reply.")
    assert _refusal_raised(write) == expected
    assert ReviewResponse.objects.get().body == ("Edited reply." if expected is None else "Thank you.")


def test_review_refusals_cover_every_refusing_role(published_review, reviewed_owner, review_author, other_client):
    """The matrices above meet each refusal at least once: own profile, draft profile, own review, hidden review,
    a reply by someone who is not the owner."""
    draft = TherapistFactory(status=Therapist.Status.DRAFT)
    hidden = ReviewFactory(is_hidden=True)
    codes = {
        permissions.review_refusal(reviewed_owner, published_review.therapist).code,
        permissions.review_refusal(other_client, draft).code,
        permissions.flag_refusal(review_author, published_review).code,
        permissions.flag_refusal(other_client, hidden).code,
        permissions.reply_refusal(other_client, published_review).code,
    }
    assert codes == {"own_profile", "not_public", "own_review", "hidden", "not_owner"}


def test_review_create_refuses_an_unconfirmed_email_and_counts_nothing(reviewed_therapist):
    unconfirmed = client_account(email_confirmed_at=None)
    before = stored_aggregates(reviewed_therapist.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(therapist=reviewed_therapist, author=unconfirmed, content=review_content())
    assert _error_codes(excinfo) == {"email_unconfirmed"}
    assert not Review.objects.exists()
    assert stored_aggregates(reviewed_therapist.pk) == before
    # The refused post gave its place back: once confirmed, the full allowance is there.
    unconfirmed.email_confirmed_at = timezone.now()
    unconfirmed.save()
    _create_five_reviews(unconfirmed)
    assert Review.objects.filter(author=unconfirmed).count() == 5


ADDRESS = "203.0.113.7"


def test_review_create_limits_new_reviews_per_address_across_accounts(settings, swedish_specialty):
    for therapist in TherapistFactory.create_batch(settings.REVIEW_POST_ADDRESS_LIMIT):
        services.review_create(
            therapist=therapist, author=client_account(), content=review_content(), client_address=ADDRESS
        )
    one_more = TherapistFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.review_create(
            therapist=one_more, author=client_account(), content=review_content(), client_address=ADDRESS
        )
    assert _error_codes(excinfo) == {"throttled"}
    assert "10 reviews have been posted from your network in the last hour" in excinfo.value.messages[0]
    assert not Review.objects.filter(therapist=one_more).exists()
    # Another address is not affected.
    services.review_create(
        therapist=one_more, author=client_account(), content=review_content(), client_address="198.51.100.4"
    )
    assert Review.objects.count() == settings.REVIEW_POST_ADDRESS_LIMIT + 1


def test_review_create_per_address_limit_counts_only_stored_reviews(settings, reviewed_therapist, published_review):
    # Refused posts (a duplicate, an invalid body) give their place back.
    for _ in range(settings.REVIEW_POST_ADDRESS_LIMIT + 2):
        with pytest.raises(ValidationError):
            services.review_create(
                therapist=reviewed_therapist,
                author=published_review.author,
                content=review_content(),
                client_address=ADDRESS,
            )
    for therapist in TherapistFactory.create_batch(settings.REVIEW_POST_ADDRESS_LIMIT):
        services.review_create(
            therapist=therapist, author=client_account(), content=review_content(), client_address=ADDRESS
        )
    assert Review.objects.count() == 1 + settings.REVIEW_POST_ADDRESS_LIMIT


def test_review_create_keeps_a_keyed_hash_of_the_address_never_the_address(reviewed_therapist, review_author):
    review = services.review_create(
        therapist=reviewed_therapist, author=review_author, content=review_content(), client_address=ADDRESS
    )
    stored = Review.objects.filter(pk=review.pk).values().get()
    assert ADDRESS not in repr(stored)
    assert stored["client_address_hash"] == services.client_address_hash(ADDRESS)
    assert len(stored["client_address_hash"]) == 64
    # Keyed on SECRET_KEY: without the key, the hash of every possible address cannot be computed.
    assert services.client_address_hash(ADDRESS) != hashlib.sha256(ADDRESS.encode()).hexdigest()


def _post(therapist, author, *, rating=4, address=None) -> Review:
    return services.review_create(
        therapist=therapist, author=author, content=review_content(rating=rating), client_address=address
    )


@pytest.mark.parametrize("rating", [1, 5])
def test_review_create_holds_the_third_review_from_new_accounts_on_one_therapist(
    reviewed_therapist, today, rating, settings
):
    first, second, third = (
        _post(reviewed_therapist, new_account(), rating=rating, address=f"198.51.100.{i}") for i in range(3)
    )
    assert settings.REVIEW_CLUSTER_SIZE == 3
    assert [(r.is_held, r.held_reason) for r in (first, second, third)] == [
        (False, ""),
        (False, ""),
        (True, Review.HoldReason.NEW_ACCOUNT_CLUSTER),
    ]
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 2
    assert list(Review.objects.visible().order_by("pk")) == [first, second]
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_create_publishes_an_established_account_within_a_cluster(reviewed_therapist, today):
    _post(reviewed_therapist, new_account())
    _post(reviewed_therapist, new_account())
    established = _post(reviewed_therapist, client_account())
    fourth_new = _post(reviewed_therapist, new_account())
    assert not established.is_held
    assert fourth_new.is_held and fourth_new.held_reason == Review.HoldReason.NEW_ACCOUNT_CLUSTER
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 3
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_create_new_accounts_outside_the_cluster_window_are_published(
    reviewed_therapist, today, time_machine, settings
):
    first = _post(reviewed_therapist, new_account())
    second = _post(reviewed_therapist, new_account())
    time_machine.shift(datetime.timedelta(hours=settings.REVIEW_CLUSTER_HOURS, seconds=1))
    third = _post(reviewed_therapist, new_account())
    assert [first.is_held, second.is_held, third.is_held] == [False, False, False]


def test_review_create_counts_an_account_as_new_until_it_is_old_enough(reviewed_therapist, today, settings):
    almost_old = (
        timezone.now() - datetime.timedelta(days=settings.REVIEW_NEW_ACCOUNT_DAYS) + datetime.timedelta(hours=1)
    )
    just_old = timezone.now() - datetime.timedelta(days=settings.REVIEW_NEW_ACCOUNT_DAYS, hours=1)
    _post(reviewed_therapist, new_account())
    _post(reviewed_therapist, client_account(date_joined=just_old))
    assert _post(reviewed_therapist, client_account(date_joined=almost_old)).is_held is False
    assert _post(reviewed_therapist, new_account()).is_held is True


@pytest.mark.parametrize("rating", [1, 5])
def test_review_create_holds_a_second_account_posting_from_the_same_address(
    reviewed_therapist, review_author, other_client, today, rating
):
    first = _post(reviewed_therapist, review_author, rating=rating, address=ADDRESS)
    second = _post(reviewed_therapist, other_client, rating=rating, address=ADDRESS)
    elsewhere = _post(TherapistFactory(), other_client, rating=rating, address=ADDRESS)
    assert (first.is_held, second.is_held, second.held_reason) == (False, True, Review.HoldReason.SHARED_ADDRESS)
    assert not elsewhere.is_held
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 1 and reviewed_therapist.rating_avg == pytest.approx(rating)
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_create_same_address_after_the_window_is_published(
    reviewed_therapist, review_author, other_client, today, time_machine, settings
):
    _post(reviewed_therapist, review_author, address=ADDRESS)
    time_machine.shift(datetime.timedelta(hours=settings.REVIEW_CLUSTER_HOURS, seconds=1))
    assert not _post(reviewed_therapist, other_client, address=ADDRESS).is_held


@pytest.fixture
def held_review(reviewed_therapist, review_author, other_client):
    """A 1-star review held because another account reviewed the same profile from the same address."""
    _post(reviewed_therapist, review_author, rating=5, address=ADDRESS)
    return _post(reviewed_therapist, other_client, rating=1, address=ADDRESS)


def test_review_release_publishes_the_review_and_counts_it(held_review, reviewed_therapist, moderator):
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 1
    services.review_release(review=held_review, moderator=moderator)
    held_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert not held_review.is_held and held_review.released_by == moderator and held_review.released_at
    assert held_review.held_reason == Review.HoldReason.SHARED_ADDRESS  # kept for the record
    assert reviewed_therapist.review_count == 2 and reviewed_therapist.rating_avg == pytest.approx(3.0)
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_remove_held_hides_it_and_it_never_counts(held_review, reviewed_therapist, moderator):
    services.review_remove_held(review=held_review, moderator=moderator, reason="Same person, two accounts")
    held_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert (held_review.is_held, held_review.is_hidden) == (False, True)
    assert held_review.hidden_reason == "Same person, two accounts" and held_review.hidden_by == moderator
    assert reviewed_therapist.review_count == 1 and reviewed_therapist.rating_avg == pytest.approx(5.0)
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_release_and_remove_refuse_a_review_already_decided(held_review, review_author, moderator):
    never_held = Review.objects.get(author=review_author)
    services.review_release(review=held_review, moderator=moderator)
    for decide in (services.review_release, services.review_remove_held):
        for review in (held_review, never_held):
            with pytest.raises(ValidationError) as excinfo:
                decide(review=review, moderator=moderator)
            assert _error_codes(excinfo) == {"not_held"}
    assert Review.objects.filter(is_hidden=True).count() == 0


def test_review_update_of_a_held_review_keeps_it_held(held_review, reviewed_therapist):
    services.review_update(review=held_review, content=review_content(rating=2, title="Edited while held"))
    held_review.refresh_from_db()
    assert held_review.is_held and held_review.title == "Edited while held"
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 1
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_hide_then_restore_of_a_held_review_publishes_it(held_review, reviewed_therapist, moderator):
    services.review_hide(review=held_review, moderator=moderator)
    services.review_restore(review=held_review, moderator=moderator)
    held_review.refresh_from_db()
    assert held_review.is_visible()
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 2
    assert_aggregates_exact(reviewed_therapist.pk)
