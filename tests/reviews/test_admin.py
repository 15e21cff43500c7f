"""Moderation in the admin: the flagged-review queue, hide, restore and dismiss, each through the services."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import Review, ReviewFlag

from ..factories import ReviewFlagFactory, UserFactory
from .helpers import assert_aggregates_exact, review_content

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
        therapist=reviewed_therapist, author=UserFactory(), content=review_content(title="Calm and kind")
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
        url, {"action": "hide_reviews", "_selected_action": [flagged_review.pk], "apply": "yes", "note": "Fake"}
    )
    assert second.status_code == HTTPStatus.FOUND
    flagged_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert flagged_review.is_hidden and flagged_review.hidden_by == moderator
    assert flagged_review.hidden_reason == "Fake"
    assert not ReviewFlag.objects.open().exists()
    assert reviewed_therapist.review_count == 0
    assert_aggregates_exact(reviewed_therapist.pk)
    assert client.get(url).context["cl"].result_count == 0


def test_review_admin_hide_refuses_an_overlong_reason_and_hides_nothing(client, moderator, flagged_review):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:reviews_flaggedreview_changelist"),
        {"action": "hide_reviews", "_selected_action": [flagged_review.pk], "apply": "yes", "note": "x" * 201},
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
