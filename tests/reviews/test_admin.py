"""Moderation in the admin: the flagged-review queue, hide, restore and dismiss, each through the services."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import Review, ReviewFlag

from ..factories import ReviewFactory, ReviewFlagFactory, UserFactory
from .helpers import assert_aggregates_exact, client_account, review_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged_review(published_review):
    """The published review, reported as fake by a client."""
    ReviewFlagFactory(review=published_review, reason=ReviewFlag.Reason.FAKE, details="Never a client here.")
    return published_review


@pytest.fixture
def calm_review(reviewed_therapist):
    """A second visible review of the same profile, with no flags."""
    return services.review_create(
        therapist=reviewed_therapist, author=client_account(), content=review_content(title="Calm and kind")
    )


def test_review_admin_flagged_filter_lists_only_reviews_with_open_flags(client, moderator, flagged_review, calm_review):
    client.force_login(moderator)
    response = client.get(reverse("admin:reviews_review_changelist"), {"flagged": "open"})
    assert response.status_code == HTTPStatus.OK
    assert list(response.context["cl"].result_list) == [flagged_review]
    assert response.context["cl"].result_list[0].open_flag_count == 1


def test_flagged_review_queue_lists_open_flags_with_reasons(client, moderator, flagged_review, calm_review):
    ReviewFlagFactory(review=calm_review, is_resolved=True)
    client.force_login(moderator)
    response = client.get(reverse("admin:reviews_flaggedreview_changelist"))
    assert response.status_code == HTTPStatus.OK
    assert [r.pk for r in response.context["cl"].result_list] == [flagged_review.pk]
    assert "Looks fake or not a real client" in response.content.decode()
    assert "Flagged reviews" in client.get(reverse("admin:index")).content.decode()


def test_review_admin_hide_asks_for_a_reason_then_hides_and_resolves_flags(
    client, moderator, flagged_review, reviewed_therapist
):
    client.force_login(moderator)
    url = reverse("admin:reviews_flaggedreview_changelist")
    first = client.post(url, {"action": "hide_reviews", "_selected_action": [flagged_review.pk], "index": "0"})
    assert first.status_code == HTTPStatus.OK
    assert "Never a client here." in first.content.decode()
    flagged_review.refresh_from_db()
    assert not flagged_review.is_hidden
    second = client.post(
        url,
        {
            "action": "hide_reviews",
            "_selected_action": [flagged_review.pk],
            "apply": "yes",
            "reason": Review.RemovalReason.FAKE,
            "note": "Fake",
        },
    )
    assert second.status_code == HTTPStatus.FOUND
    flagged_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert flagged_review.is_hidden and flagged_review.hidden_by == moderator
    assert (flagged_review.removal_reason, flagged_review.hidden_reason) == (Review.RemovalReason.FAKE, "Fake")
    assert not ReviewFlag.objects.open().exists()
    assert reviewed_therapist.review_count == 0
    assert_aggregates_exact(reviewed_therapist.pk)
    assert client.get(url).context["cl"].result_count == 0


def test_review_admin_hide_refuses_an_overlong_reason_and_hides_nothing(client, moderator, flagged_review):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:reviews_flaggedreview_changelist"),
        {
            "action": "hide_reviews",
            "_selected_action": [flagged_review.pk],
            "apply": "yes",
            "reason": Review.RemovalReason.FAKE,
            "note": "x" * 201,
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["note"]
    flagged_review.refresh_from_db()
    assert not flagged_review.is_hidden and ReviewFlag.objects.open().count() == 1


def test_review_admin_restore_counts_the_review_again(client, moderator, flagged_review, reviewed_therapist):
    services.review_hide(review=flagged_review, moderator=moderator)
    client.force_login(moderator)
    response = client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "restore_reviews", "_selected_action": [flagged_review.pk], "index": "0"},
    )
    assert response.status_code == HTTPStatus.FOUND
    flagged_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert not flagged_review.is_hidden and reviewed_therapist.review_count == 1
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_admin_dismiss_keeps_the_review_and_resolves_flags(
    client, moderator, flagged_review, reviewed_therapist
):
    client.force_login(moderator)
    client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "dismiss_flags", "_selected_action": [flagged_review.pk], "index": "0"},
    )
    flagged_review.refresh_from_db()
    assert not flagged_review.is_hidden and not ReviewFlag.objects.open().exists()
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 1


def test_review_admin_shows_what_the_client_wrote_read_only(client, moderator, published_review):
    client.force_login(moderator)
    response = client.get(reverse("admin:reviews_review_change", args=[published_review.pk]))
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert published_review.body in content
    assert 'name="body"' not in content and 'name="rating"' not in content
    assert client.get(reverse("admin:reviews_review_add")).status_code == HTTPStatus.FORBIDDEN


def test_review_admin_delete_goes_through_the_service(
    client, superuser, published_review, calm_review, reviewed_therapist
):
    client.force_login(superuser)
    response = client.post(reverse("admin:reviews_review_delete", args=[published_review.pk]), {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    response = client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "delete_selected", "_selected_action": [calm_review.pk], "post": "yes"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not Review.objects.exists()
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 0 and reviewed_therapist.rating_avg is None


def test_review_admin_is_closed_to_clients(client, review_author, published_review):
    client.force_login(review_author)
    response = client.get(reverse("admin:reviews_flaggedreview_changelist"))
    assert response.status_code == HTTPStatus.FOUND and response.url.startswith(reverse("admin:login"))


def test_review_admin_moderators_cannot_delete(client, moderator, published_review):
    client.force_login(moderator)
    response = client.post(reverse("admin:reviews_review_delete", args=[published_review.pk]), {"post": "yes"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Review.objects.filter(pk=published_review.pk).exists()


HELD_QUEUE = "admin:reviews_heldreview_changelist"
ADDRESS = "203.0.113.7"


@pytest.fixture
def held_review(reviewed_therapist, review_author, other_client):
    """A 1-star review held because another account had reviewed the same 5-star profile from the same address."""
    services.review_create(
        therapist=reviewed_therapist, author=review_author, content=review_content(rating=5), client_address=ADDRESS
    )
    return services.review_create(
        therapist=reviewed_therapist,
        author=other_client,
        content=review_content(rating=1, title="Held one"),
        client_address=ADDRESS,
    )


def _held(therapist, created_at, title, **fields):
    return ReviewFactory(
        therapist=therapist,
        author=client_account(),
        title=title,
        created_at=created_at,
        held_reason=Review.HoldReason.NEW_ACCOUNT_CLUSTER,
        **{"is_held": True, **fields},
    )


def test_held_review_queue_lists_waiting_reviews_first_then_the_oldest(client, moderator, reviewed_therapist, today):
    now = timezone.now()
    newer = _held(reviewed_therapist, now - datetime.timedelta(hours=1), "Newer waiting")
    older = _held(reviewed_therapist, now - datetime.timedelta(hours=5), "Older waiting")
    released = _held(reviewed_therapist, now - datetime.timedelta(hours=9), "Released", is_held=False)
    never_held = ReviewFactory(therapist=reviewed_therapist, title="Never held")
    client.force_login(moderator)
    response = client.get(reverse(HELD_QUEUE))
    assert response.status_code == HTTPStatus.OK
    assert [r.pk for r in response.context["cl"].result_list] == [older.pk, newer.pk, released.pk]
    assert never_held.pk not in [r.pk for r in response.context["cl"].result_list]
    assert "Held reviews" in client.get(reverse("admin:index")).content.decode()


def test_held_review_queue_release_publishes_and_counts_the_review(client, moderator, held_review, reviewed_therapist):
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 1
    client.force_login(moderator)
    response = client.post(
        reverse(HELD_QUEUE), {"action": "release_reviews", "_selected_action": [held_review.pk], "index": "0"}
    )
    assert response.status_code == HTTPStatus.FOUND
    held_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert held_review.is_visible() and held_review.released_by == moderator
    assert reviewed_therapist.review_count == 2 and reviewed_therapist.rating_avg == pytest.approx(3.0)
    assert_aggregates_exact(reviewed_therapist.pk)
    # Released twice: the second is reported, nothing changes.
    again = client.post(
        reverse(HELD_QUEUE),
        {"action": "release_reviews", "_selected_action": [held_review.pk], "index": "0"},
        follow=True,
    )
    assert "Not released" in again.content.decode()


def test_held_review_queue_remove_asks_for_a_reason_then_hides(client, moderator, held_review, reviewed_therapist):
    client.force_login(moderator)
    url = reverse(HELD_QUEUE)
    first = client.post(url, {"action": "remove_reviews", "_selected_action": [held_review.pk], "index": "0"})
    assert first.status_code == HTTPStatus.OK
    assert "Another account reviewed this therapist from the same address" in first.content.decode()
    second = client.post(
        url,
        {
            "action": "remove_reviews",
            "_selected_action": [held_review.pk],
            "apply": "yes",
            "reason": Review.RemovalReason.CONFLICT,
            "note": "Sock puppet",
        },
    )
    assert second.status_code == HTTPStatus.FOUND
    held_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert (held_review.is_held, held_review.is_hidden, held_review.hidden_reason) == (False, True, "Sock puppet")
    assert held_review.removal_reason == Review.RemovalReason.CONFLICT
    assert reviewed_therapist.review_count == 1 and reviewed_therapist.rating_avg == pytest.approx(5.0)
    assert_aggregates_exact(reviewed_therapist.pk)


# Who may see the held queue and release from it: moderators and superusers; staff without the group see nothing.
HELD_QUEUE_ROLES = {
    "anonymous": ("login", False),
    "client_user": ("login", False),
    "reviewed_owner": ("login", False),
    "verifier": (HTTPStatus.FORBIDDEN, False),
    "staff_without_groups": (HTTPStatus.FORBIDDEN, False),
    "moderator": (HTTPStatus.OK, True),
    "superuser": (HTTPStatus.OK, True),
}


@pytest.mark.parametrize("role", HELD_QUEUE_ROLES)
def test_held_review_queue_permissions(client, request, role, held_review):
    expected_page, may_release = HELD_QUEUE_ROLES[role]
    if role == "staff_without_groups":
        client.force_login(UserFactory(is_staff=True))
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    page = client.get(reverse(HELD_QUEUE))
    answer = "login" if page.status_code == HTTPStatus.FOUND and "/admin/login/" in page.url else page.status_code
    assert answer == expected_page
    client.post(reverse(HELD_QUEUE), {"action": "release_reviews", "_selected_action": [held_review.pk]})
    held_review.refresh_from_db()
    assert held_review.is_held is not may_release


def test_review_admin_lists_authors_by_public_name_never_username(client, moderator, reviewed_therapist):
    ReviewFactory(
        therapist=reviewed_therapist, author=client_account(username="secret-login", first_name="Ana", last_name="Lo")
    )
    client.force_login(moderator)
    for url in (reverse("admin:reviews_review_changelist"), reverse(HELD_QUEUE)):
        assert "secret-login" not in client.get(url).content.decode()
    assert "Ana L." in client.get(reverse("admin:reviews_review_changelist")).content.decode()


def test_review_admin_hide_counts_reviews_in_its_button_and_message(client, moderator, flagged_review, calm_review):
    client.force_login(moderator)
    url = reverse("admin:reviews_review_changelist")
    both = {"action": "hide_reviews", "_selected_action": [flagged_review.pk, calm_review.pk]}
    assert 'value="Hide 2 reviews"' in client.post(url, both).content.decode()
    plural = client.post(url, {**both, "apply": "yes", "reason": "offensive", "note": ""}, follow=True).content.decode()
    assert "2 reviews hidden; their flags are resolved." in plural and "review(s)" not in plural
    restored = client.post(url, {"action": "restore_reviews", "_selected_action": [calm_review.pk]}, follow=True)
    assert "1 review shown again and counted." in restored.content.decode()
