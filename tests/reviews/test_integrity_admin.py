"""Moderators see each review's integrity signals in plain words: the held and flagged queues and the change page."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import Review

from ..factories import ReviewFactory, ReviewFlagFactory, TherapistFactory, UserFactory
from .helpers import new_account, review_content

pytestmark = pytest.mark.django_db

TEXT = "Arrived early, quiet room, warm towels, firm pressure on my shoulders, asked before every change."


@pytest.fixture
def original(today):
    return ReviewFactory(therapist=TherapistFactory(), body=TEXT)


@pytest.fixture
def near_duplicate(original, reviewed_therapist):
    """A review from a two-day-old account, held as a copy of `original`."""
    author = new_account(date_joined=original.created_at - datetime.timedelta(days=2))
    review = services.review_create(therapist=reviewed_therapist, author=author, content=review_content(body=TEXT))
    assert review.held_reason == Review.HoldReason.NEAR_DUPLICATE
    return review


def _signal_lines(original) -> list[str]:
    link = reverse("admin:reviews_review_change", args=[original.pk])
    return [
        f'<li><a href="{link}">Near-duplicate of review #{original.pk} (100% alike)</a></li>',
        "<li>Account 2 days old</li>",
        "<li>0 reviews by this account in the last day</li>",
        "<li>1 review of this therapist from new accounts</li>",
        "<li>Burst: 1 review in 24 h (usually 0)</li>",
    ]


def test_held_review_queue_shows_each_review_s_signals(client, moderator, near_duplicate, original):
    client.force_login(moderator)
    response = client.get(reverse("admin:reviews_heldreview_changelist"))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert all(line in page for line in _signal_lines(original))


@pytest.mark.parametrize("model", ["review", "heldreview"])
def test_review_change_page_shows_the_signals_read_only(client, moderator, near_duplicate, original, model):
    client.force_login(moderator)
    response = client.get(reverse(f"admin:reviews_{model}_change", args=[near_duplicate.pk]))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Integrity signals, measured when it was posted" in page
    assert all(line in page for line in _signal_lines(original))
    assert 'name="signals"' not in page  # shown, never editable


def test_flagged_review_queue_shows_signals_and_says_when_none_were_kept(client, moderator, today):
    old = ReviewFactory(signals={})
    ReviewFlagFactory(review=old)
    client.force_login(moderator)
    response = client.get(reverse("admin:reviews_flaggedreview_changelist"))
    assert response.status_code == HTTPStatus.OK
    assert "<li>Not recorded: posted before integrity signals were kept.</li>" in response.content.decode()


SEES_SIGNALS = {
    "anonymous": HTTPStatus.FOUND,  # to the admin's log-in
    "client": HTTPStatus.FOUND,
    "author": HTTPStatus.FOUND,
    "owner": HTTPStatus.FOUND,
    "other_therapist": HTTPStatus.FOUND,
    "staff_without_permission": HTTPStatus.FORBIDDEN,
    "moderator": HTTPStatus.OK,
    "superuser": HTTPStatus.OK,
}


@pytest.mark.parametrize("actor", list(SEES_SIGNALS))
def test_review_signals_permission_matrix(client, actor, near_duplicate, reviewed_owner, other_client, request):
    user = {
        "anonymous": None,
        "client": other_client,
        "author": near_duplicate.author,
        "owner": reviewed_owner,
        "other_therapist": TherapistFactory(owner=UserFactory()).owner,
        "staff_without_permission": UserFactory(is_staff=True),
        "moderator": request.getfixturevalue("moderator") if actor == "moderator" else None,
        "superuser": request.getfixturevalue("superuser") if actor == "superuser" else None,
    }[actor]
    if user is not None:
        client.force_login(user)
    for model in ("review", "heldreview"):
        response = client.get(reverse(f"admin:reviews_{model}_change", args=[near_duplicate.pk]))
        assert response.status_code == SEES_SIGNALS[actor]
        assert ("Near-duplicate of review" in response.content.decode()) is (SEES_SIGNALS[actor] == HTTPStatus.OK)
