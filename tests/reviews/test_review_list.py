"""The review list on a profile: what each review shows, and the actions offered to each viewer."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import services

from ..factories import ReviewFactory, ReviewResponseFactory, UserFactory
from .helpers import review_content

pytestmark = pytest.mark.django_db


def _profile(client, therapist) -> str:
    return client.get(therapist.get_absolute_url()).content.decode()


def test_review_list_shows_sub_ratings_visit_type_and_the_owners_reply(client, therapist, author, swedish):
    review = services.review_create(
        therapist=therapist,
        author=author,
        content=review_content(
            technique=5, professionalism=3, visit_month=datetime.date(2025, 3, 1), title="Loose shoulders"
        ),
    )
    ReviewResponseFactory(review=review, body="Glad it helped, see you soon.")
    content = _profile(client, therapist)
    assert "Loose shoulders" in content
    assert "<dt>Technique</dt><dd>5 out of 5</dd>" in content
    assert "<dt>Professionalism</dt><dd>3 out of 5</dd>" in content
    assert "<dt>Would recommend</dt><dd>Yes</dd>" in content
    assert "visited in March 2025" in content and "Swedish" in content
    assert "Reply from Lena Ortiz" in content and "Glad it helped, see you soon." in content


def test_review_list_never_shows_hidden_reviews(client, therapist, review, moderator):
    services.review_hide(review=review, moderator=moderator)
    content = _profile(client, therapist)
    assert review.title not in content
    assert "No reviews yet." in content


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
        ("other_client", {"write", "flag"}),
        ("author", {"edit", "delete"}),
        ("owner", {"reply", "flag"}),
    ],
)
def test_review_list_offers_each_viewer_only_their_actions(client, therapist, review, viewer, offered, request):
    user = None if viewer == "anonymous" else request.getfixturevalue(viewer)
    actions = _actions(client, therapist, review, user)
    assert {name for name, shown in actions.items() if shown} == offered


def test_review_list_offers_the_owner_to_edit_their_reply(client, therapist, review, owner):
    ReviewResponseFactory(review=review)
    client.force_login(owner)
    assert "Edit your reply" in _profile(client, therapist)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def test_review_list_query_count_does_not_grow_with_reviews(client, therapist, owner):
    client.force_login(owner)
    for _ in range(2):
        ReviewResponseFactory(review=ReviewFactory(therapist=therapist, author=UserFactory()))
    services.refresh_aggregates(therapist_id=therapist.pk)
    client.get(therapist.get_absolute_url())  # warm the caches
    few = _queries(client, therapist.get_absolute_url())
    for _ in range(8):
        ReviewResponseFactory(review=ReviewFactory(therapist=therapist, author=UserFactory()))
    services.refresh_aggregates(therapist_id=therapist.pk)
    assert _queries(client, therapist.get_absolute_url()) == few
