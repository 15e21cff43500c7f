"""review_tags: the actions each viewer is offered on a review, and whether they may write one."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.urls import reverse

from ..factories import ReviewResponseFactory
from .helpers import client_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def unconfirmed_client(db):
    """A signed-in client who has not followed the link that confirms their email."""
    return client_account(username="unconfirmed-client", email_confirmed_at=None)


def _profile(client, therapist) -> str:
    return client.get(therapist.get_absolute_url()).content.decode()


def _actions(client, therapist, review, user) -> dict:
    if user is not None:
        client.force_login(user)
    content = _profile(client, therapist)
    return {
        "write": f'href="{reverse("reviews:create", kwargs={"slug": therapist.slug})}"' in content,
        "edit": f'href="{reverse("reviews:update", kwargs={"pk": review.pk})}"' in content,
        "delete": f'href="{reverse("reviews:delete", kwargs={"pk": review.pk})}"' in content,
        "reply": f'href="{reverse("reviews:reply", kwargs={"pk": review.pk})}"' in content,
        "flag": f'href="{reverse("reviews:flag", kwargs={"pk": review.pk})}"' in content,
    }


@pytest.mark.parametrize(
    ("viewer", "offered"),
    [
        ("anonymous", {"write"}),
        ("unconfirmed_client", {"flag"}),
        ("other_client", {"write", "flag"}),
        ("review_author", {"edit", "delete"}),
        ("reviewed_owner", {"reply", "flag"}),
    ],
)
def test_review_actions_offer_each_viewer_only_their_actions(
    client, reviewed_therapist, published_review, viewer, offered, request
):
    user = None if viewer == "anonymous" else request.getfixturevalue(viewer)
    actions = _actions(client, reviewed_therapist, published_review, user)
    assert {name for name, shown in actions.items() if shown} == offered


def test_review_actions_offer_the_owner_to_edit_their_reply(
    client, reviewed_therapist, published_review, reviewed_owner
):
    ReviewResponseFactory(review=published_review)
    client.force_login(reviewed_owner)
    assert "Edit your reply" in _profile(client, reviewed_therapist)


def _render(source: str, **context) -> str:
    return Template("{% load review_tags %}" + source).render(Context(context)).strip()


def test_review_actions_without_a_user_offer_nothing(published_review, reviewed_therapist):
    rendered = _render(
        "{% review_actions review therapist as can %}{{ can.edit }} {{ can.delete }} {{ can.reply }} {{ can.flag }}",
        review=published_review,
        therapist=reviewed_therapist,
    )
    assert rendered == "False False False False"


@pytest.mark.parametrize(
    ("viewer", "may"),
    [
        ("nobody", True),
        ("anonymous", True),
        ("other_client", True),
        ("unconfirmed_client", False),
        ("reviewed_owner", False),
    ],
)
def test_may_review_is_false_on_ones_own_profile_and_before_the_email_is_confirmed(
    reviewed_therapist, viewer, may, request
):
    # Without a user, or signed out, the button shows: writing a review starts with logging in.
    users = {"nobody": None, "anonymous": AnonymousUser()}
    user = users[viewer] if viewer in users else request.getfixturevalue(viewer)
    context = {"therapist": reviewed_therapist} | ({"user": user} if user is not None else {})
    assert _render("{% may_review therapist as can %}{{ can }}", **context) == str(may)


@pytest.mark.parametrize(
    ("viewer", "refusal"),
    [("nobody", ""), ("anonymous", ""), ("other_client", ""), ("unconfirmed_client", "email_unconfirmed"),
     ("reviewed_owner", "own_profile")],
)  # fmt: skip
def test_review_refusal_gives_the_viewers_reason(reviewed_therapist, viewer, refusal, request):
    users = {"nobody": None, "anonymous": AnonymousUser()}
    user = users[viewer] if viewer in users else request.getfixturevalue(viewer)
    context = {"therapist": reviewed_therapist} | ({"user": user} if user is not None else {})
    assert _render("{% review_refusal therapist as refusal %}{{ refusal.code }}", **context) == refusal


def test_review_list_tells_an_unconfirmed_client_how_to_review(client, reviewed_therapist, unconfirmed_client):
    client.force_login(unconfirmed_client)
    content = _profile(client, reviewed_therapist)
    assert "Confirm your email address before you post a review" in content
    assert f'href="{reverse("account")}"' in content
