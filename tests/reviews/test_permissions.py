"""The permission matrix: anonymous, a client who has not confirmed their email, another client, the author, the
profile owner and staff, for every action."""

# The rules are read one by one (reviews.permissions), then each action is tried for real through the site (a
# POST that would succeed for someone allowed): the test checks both the answer and that the database changed
# only for those allowed.

from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from reviews import permissions
from reviews.models import Review, ReviewFlag, ReviewResponse
from therapists.models import Therapist

from ..factories import ReviewFactory, TherapistFactory, UserFactory
from .helpers import assert_aggregates_exact, client_account, review_form_data

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "unconfirmed", "other_client", "author", "owner", "staff"]
LOGIN_URL = "/accounts/login/"


@pytest.fixture
def actor_user(request, other_client, review_author, reviewed_owner, moderator):
    """The named actor's account (None for anonymous); staff is a moderator (staff in the Moderators group) who
    confirmed their email; unconfirmed is a client who never followed the confirmation link."""
    moderator.email_confirmed_at = timezone.now()
    moderator.save(update_fields=["email_confirmed_at"])
    users = {
        "anonymous": None,
        "unconfirmed": client_account(username="unconfirmed-client", email_confirmed_at=None),
        "other_client": other_client,
        "author": review_author,
        "owner": reviewed_owner,
        "staff": moderator,
    }
    return users[request.param]


@pytest.fixture
def actor(actor_user, client):
    """Sign the test client in as the named actor."""
    if actor_user is not None:
        client.force_login(actor_user)
    return actor_user


def _outcome(response, login_url: str = LOGIN_URL):
    """What the site answered: "login" (sent to log in), "done" (any other redirect), 403, "page" (a form
    with no error) or the code of the form's first error."""
    if response.status_code == HTTPStatus.FOUND:
        return "login" if response.url.startswith(login_url) else "done"
    if response.status_code == HTTPStatus.OK:
        errors = response.context["form"].non_field_errors().as_data()
        return errors[0].code if errors else "page"
    return response.status_code


# can_review, can_edit (and delete), can_reply, can_flag, can_moderate: of a published review on a public profile.
RULES = {
    "anonymous": (True, False, False, False, False),  # may start a review: it begins with logging in
    "unconfirmed": (False, False, False, True, False),  # reviews wait for a confirmed email; flags do not
    "other_client": (True, False, False, True, False),
    "author": (True, True, False, False, False),  # a second review is a duplicate, not a permission
    "owner": (False, False, True, True, False),
    "staff": (True, False, False, True, True),
}


@pytest.mark.parametrize("actor_user", ACTORS, indirect=True)
def test_permissions_can_functions_for_each_actor(actor_user, request, reviewed_therapist, published_review):
    user = actor_user or AnonymousUser()
    answers = (
        permissions.can_review(user, reviewed_therapist),
        permissions.can_edit(user, published_review),
        permissions.can_reply(user, published_review),
        permissions.can_flag(user, published_review),
        permissions.can_moderate(user),
    )
    assert answers == RULES[request.node.callspec.params["actor_user"]]
    assert permissions.can_delete(user, published_review) == permissions.can_edit(user, published_review)


def test_review_refusal_says_why(reviewed_therapist, reviewed_owner, review_author):
    draft = TherapistFactory(status=Therapist.Status.DRAFT)
    unconfirmed = client_account(email_confirmed_at=None)
    assert permissions.review_refusal(reviewed_owner, reviewed_therapist).code == "own_profile"
    assert permissions.review_refusal(review_author, draft).code == "not_public"
    assert permissions.review_refusal(unconfirmed, reviewed_therapist).code == "email_unconfirmed"
    assert "Confirm your email address" in permissions.review_refusal(unconfirmed, reviewed_therapist).message
    assert permissions.review_refusal(AnonymousUser(), reviewed_therapist) is None
    assert permissions.review_refusal(review_author, reviewed_therapist) is None


def test_flag_refusal_of_a_held_review(other_client, reviewed_therapist):
    held = ReviewFactory(therapist=reviewed_therapist, is_held=True, held_reason=Review.HoldReason.SHARED_ADDRESS)
    assert permissions.flag_refusal(other_client, held).code == "held"


def test_flag_refusal_says_why(published_review, review_author, other_client):
    hidden = ReviewFactory(is_hidden=True)
    assert permissions.flag_refusal(AnonymousUser(), published_review).code == "anonymous"
    assert permissions.flag_refusal(review_author, published_review).code == "own_review"
    assert permissions.flag_refusal(other_client, hidden).code == "hidden"
    assert permissions.flag_refusal(other_client, published_review) is None


def test_reply_refusal_when_nobody_owns_the_profile(review_author):
    unclaimed = ReviewFactory(therapist=TherapistFactory(owner=None))
    assert permissions.reply_refusal(review_author, unclaimed).code == "not_owner"
    assert permissions.reply_refusal(AnonymousUser(), unclaimed).code == "not_owner"


def test_reply_refusal_reads_the_therapist_given_without_a_query(
    published_review, reviewed_therapist, reviewed_owner, django_assert_num_queries
):
    review = Review.objects.get(pk=published_review.pk)  # its therapist not loaded
    with django_assert_num_queries(0):
        assert permissions.reply_refusal(reviewed_owner, review, reviewed_therapist) is None


CREATE = {
    "anonymous": "login",
    "unconfirmed": "email_unconfirmed",  # a form error
    "other_client": "done",
    "author": "duplicate_review",  # already reviewed: a form error
    "owner": "own_profile",  # a form error
    "staff": "done",  # staff may be clients too
}


@pytest.mark.parametrize("actor_user", ACTORS, indirect=True)
def test_review_create_permissions(client, actor, request, reviewed_therapist, published_review):
    expected = CREATE[request.node.callspec.params["actor_user"]]
    url = reverse("reviews:create", kwargs={"slug": reviewed_therapist.slug})
    response = client.post(url, review_form_data(title="New"))
    assert _outcome(response) == expected
    assert Review.objects.filter(author=actor, title="New").exists() == (expected == "done")
    assert Review.objects.count() == (2 if expected == "done" else 1)
    assert_aggregates_exact(reviewed_therapist.pk)


EDIT_OR_DELETE = {
    "anonymous": "login",
    "unconfirmed": 403,
    "other_client": 403,
    "author": "done",
    "owner": 403,
    "staff": 403,
}


@pytest.mark.parametrize("actor_user", ACTORS, indirect=True)
def test_review_edit_permissions(client, actor, request, published_review):
    expected = EDIT_OR_DELETE[request.node.callspec.params["actor_user"]]
    url = reverse("reviews:update", kwargs={"pk": published_review.pk})
    response = client.post(url, review_form_data(title="Edited title"))
    published_review.refresh_from_db()
    assert _outcome(response) == expected
    # Asking for the form is refused the same way; the author gets it.
    assert _outcome(client.get(url)) == ("page" if expected == "done" else expected)
    assert (published_review.title == "Edited title") == (expected == "done")


@pytest.mark.parametrize("actor_user", ACTORS, indirect=True)
def test_review_delete_permissions(client, actor, request, published_review, reviewed_therapist):
    expected = EDIT_OR_DELETE[request.node.callspec.params["actor_user"]]
    response = client.post(reverse("reviews:delete", kwargs={"pk": published_review.pk}))
    assert _outcome(response) == expected
    assert Review.objects.filter(pk=published_review.pk).exists() == (expected != "done")
    assert_aggregates_exact(reviewed_therapist.pk)


REPLY = {"anonymous": "login", "unconfirmed": 403, "other_client": 403, "author": 403, "owner": "done", "staff": 403}


@pytest.mark.parametrize("actor_user", ACTORS, indirect=True)
def test_review_reply_permissions(client, actor, request, published_review):
    expected = REPLY[request.node.callspec.params["actor_user"]]
    url = reverse("reviews:reply", kwargs={"pk": published_review.pk})
    response = client.post(url, {"body": "Thank you for visiting."})
    assert _outcome(response) == expected
    assert ReviewResponse.objects.exists() == (expected == "done")


FLAG = {
    "anonymous": "login",
    "unconfirmed": "done",
    "other_client": "done",
    "author": 403,
    "owner": "done",
    "staff": "done",
}


@pytest.mark.parametrize("actor_user", ACTORS, indirect=True)
def test_review_flag_permissions(client, actor, request, published_review):
    expected = FLAG[request.node.callspec.params["actor_user"]]
    response = client.post(reverse("reviews:flag", kwargs={"pk": published_review.pk}), {"reason": "fake"})
    assert _outcome(response) == expected
    assert ReviewFlag.objects.exists() == (expected == "done")


HIDE_POST = {"action": "hide_reviews", "apply": "yes", "reason": "fake", "note": "Spam"}
HIDE = {
    "anonymous": "login",
    "unconfirmed": "login",
    "other_client": "login",
    "author": "login",
    "owner": "login",
    "staff": "done",
}


@pytest.mark.parametrize("actor_user", ACTORS, indirect=True)
def test_review_hide_permissions(client, actor, request, published_review, reviewed_therapist):
    expected = HIDE[request.node.callspec.params["actor_user"]]
    response = client.post(
        reverse("admin:reviews_review_changelist"),
        HIDE_POST | {"_selected_action": [published_review.pk]},
    )
    published_review.refresh_from_db()
    # The admin sends anyone who is not staff to its own log-in page.
    assert _outcome(response, login_url=reverse("admin:login")) == expected
    hidden = (published_review.is_hidden, published_review.hidden_reason)
    assert hidden == ((True, "Spam") if expected == "done" else (False, ""))
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_hide_refused_to_staff_without_the_moderation_permission(client, published_review):
    client.force_login(UserFactory(is_staff=True))
    response = client.post(
        reverse("admin:reviews_review_changelist"),
        HIDE_POST | {"_selected_action": [published_review.pk]},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    published_review.refresh_from_db()
    assert not published_review.is_hidden
