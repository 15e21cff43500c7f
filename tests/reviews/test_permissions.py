"""The permission matrix: anonymous, another client, the author, the profile owner and staff, for every action.

Each action is tried for real (a POST that would succeed for someone allowed); the test checks both the
answer and that the database changed only for those allowed.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from reviews.models import Review, ReviewFlag, ReviewResponse

from .helpers import assert_aggregates_exact, review_form_data

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "other_client", "author", "owner", "staff"]


@pytest.fixture
def actor(request, client, other_client, author, owner, moderator):
    """Sign the test client in as the named actor; staff is a moderator (staff in the Moderators group)."""
    users = {"anonymous": None, "other_client": other_client, "author": author, "owner": owner, "staff": moderator}
    user = users[request.param]
    if user is not None:
        client.force_login(user)
    return user


def _assert_sent_to_login(response, login_url="/accounts/login/"):
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(login_url)


CREATE = {
    "anonymous": "login",
    "other_client": "created",
    "author": "duplicate_review",  # already reviewed: a form error
    "owner": "own_profile",  # a form error
    "staff": "created",  # staff may be clients too
}


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_review_create_permissions(client, actor, request, therapist, review):
    expected = CREATE[request.node.callspec.params["actor"]]
    response = client.post(reverse("reviews:create", kwargs={"slug": therapist.slug}), review_form_data(title="New"))
    if expected == "login":
        _assert_sent_to_login(response)
    elif expected == "created":
        assert response.status_code == HTTPStatus.FOUND
        assert Review.objects.filter(author=actor, title="New").exists()
    else:
        assert response.status_code == HTTPStatus.OK
        assert response.context["form"].non_field_errors().as_data()[0].code == expected
    assert Review.objects.count() == (2 if expected == "created" else 1)
    assert_aggregates_exact(therapist.pk)


EDIT_OR_DELETE = {"anonymous": "login", "other_client": 403, "author": "done", "owner": 403, "staff": 403}


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_review_edit_permissions(client, actor, request, review):
    expected = EDIT_OR_DELETE[request.node.callspec.params["actor"]]
    url = reverse("reviews:update", kwargs={"pk": review.pk})
    response = client.post(url, review_form_data(title="Edited title"))
    review.refresh_from_db()
    if expected == "login":
        _assert_sent_to_login(response)
    elif expected == "done":
        assert response.status_code == HTTPStatus.FOUND
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert client.get(url).status_code == HTTPStatus.FORBIDDEN
    assert (review.title == "Edited title") == (expected == "done")


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_review_delete_permissions(client, actor, request, review, therapist):
    expected = EDIT_OR_DELETE[request.node.callspec.params["actor"]]
    response = client.post(reverse("reviews:delete", kwargs={"pk": review.pk}))
    if expected == "login":
        _assert_sent_to_login(response)
    elif expected == "done":
        assert response.status_code == HTTPStatus.FOUND
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN
    assert Review.objects.filter(pk=review.pk).exists() == (expected != "done")
    assert_aggregates_exact(therapist.pk)


REPLY = {"anonymous": "login", "other_client": 403, "author": 403, "owner": "done", "staff": 403}


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_review_reply_permissions(client, actor, request, review):
    expected = REPLY[request.node.callspec.params["actor"]]
    response = client.post(reverse("reviews:reply", kwargs={"pk": review.pk}), {"body": "Thank you for visiting."})
    if expected == "login":
        _assert_sent_to_login(response)
    elif expected == "done":
        assert response.status_code == HTTPStatus.FOUND
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN
    assert ReviewResponse.objects.exists() == (expected == "done")


FLAG = {"anonymous": "login", "other_client": "done", "author": 403, "owner": "done", "staff": "done"}


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_review_flag_permissions(client, actor, request, review):
    expected = FLAG[request.node.callspec.params["actor"]]
    response = client.post(reverse("reviews:flag", kwargs={"pk": review.pk}), {"reason": "fake"})
    if expected == "login":
        _assert_sent_to_login(response)
    elif expected == "done":
        assert response.status_code == HTTPStatus.FOUND
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN
    assert ReviewFlag.objects.exists() == (expected == "done")


HIDE = {"anonymous": "login", "other_client": "login", "author": "login", "owner": "login", "staff": "done"}


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_review_hide_permissions(client, actor, request, review, therapist):
    expected = HIDE[request.node.callspec.params["actor"]]
    response = client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "hide_reviews", "_selected_action": [review.pk], "apply": "yes", "note": "Spam"},
    )
    review.refresh_from_db()
    if expected == "login":
        # The admin sends anyone who is not staff to its own log-in page.
        _assert_sent_to_login(response, reverse("admin:login"))
        assert not review.is_hidden
    else:
        assert response.status_code == HTTPStatus.FOUND
        assert review.is_hidden and review.hidden_reason == "Spam"
    assert_aggregates_exact(therapist.pk)


def test_review_hide_refused_to_staff_without_the_moderation_permission(client, review):
    from ..factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    response = client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "hide_reviews", "_selected_action": [review.pk], "confirm": "yes"},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    review.refresh_from_db()
    assert not review.is_hidden
