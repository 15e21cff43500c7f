"""The therapist's side: their profile's reviews on the dashboard, unanswered first, with reply and flag links; a
therapist flags a review like anyone, and no page or service they can reach hides one."""

import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from reviews import appeals, selectors, services
from reviews.models import Review, ReviewAppeal, ReviewFlag
from therapists.models import Therapist

from ..factories import ReviewFactory, ReviewResponseFactory
from .helpers import client_account, review_content

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"


def _review(therapist, title, hours_ago, **fields):
    return ReviewFactory(
        therapist=therapist, title=title, created_at=timezone.now() - datetime.timedelta(hours=hours_ago), **fields
    )


@pytest.fixture
def dashboard_reviews(reviewed_therapist):
    """Two answered and two unanswered shown reviews, one held and one hidden, at known ages."""
    answered_new = _review(reviewed_therapist, "Answered, newer", 1)
    ReviewResponseFactory(review=answered_new)
    answered_old = _review(reviewed_therapist, "Answered, older", 50)
    ReviewResponseFactory(review=answered_old)
    unanswered_new = _review(reviewed_therapist, "Unanswered, newer", 5)
    unanswered_old = _review(reviewed_therapist, "Unanswered, older", 40)
    _review(reviewed_therapist, "Held one", 2, is_held=True, held_reason=Review.HoldReason.BURST)
    _review(reviewed_therapist, "Hidden one", 3, is_hidden=True, removal_reason=Review.RemovalReason.FAKE)
    return [unanswered_new, unanswered_old, answered_new, answered_old]


def test_owner_reviews_lists_shown_reviews_unanswered_first_then_newest(reviewed_therapist, dashboard_reviews):
    assert selectors.owner_reviews(therapist=reviewed_therapist) == dashboard_reviews


def test_owner_reviews_reads_one_query_with_author_and_reply(
    reviewed_therapist, dashboard_reviews, django_assert_num_queries
):
    with django_assert_num_queries(1):
        reviews = selectors.owner_reviews(therapist=reviewed_therapist)
        assert [(r.author.public_name, hasattr(r, "response")) for r in reviews][0][1] is False


def test_owner_reviews_stops_at_its_limit(reviewed_therapist, dashboard_reviews):
    assert selectors.owner_reviews(therapist=reviewed_therapist, limit=3) == dashboard_reviews[:3]


def test_dashboard_lists_the_reviews_with_reply_and_flag_links(client, reviewed_owner, dashboard_reviews):
    client.force_login(reviewed_owner)
    content = client.get(DASHBOARD).content.decode()
    positions = [content.index(review.title) for review in dashboard_reviews]
    assert positions == sorted(positions)
    assert "Held one" not in content and "Hidden one" not in content
    for review in dashboard_reviews:
        assert f'href="{reverse("reviews:reply", kwargs={"pk": review.pk})}"' in content
        assert f'href="{reverse("reviews:flag", kwargs={"pk": review.pk})}"' in content
    assert content.count("Not answered yet") == 2 and content.count("Edit your reply") == 2


def test_dashboard_of_an_unpublished_profile_lists_reviews_without_links(client, reviewed_owner, dashboard_reviews):
    Therapist.objects.filter(pk=dashboard_reviews[0].therapist_id).update(status=Therapist.Status.SUSPENDED)
    client.force_login(reviewed_owner)
    content = client.get(DASHBOARD).content.decode()
    assert "Unanswered, newer" in content
    assert reverse("reviews:flag", kwargs={"pk": dashboard_reviews[0].pk}) not in content


def test_dashboard_without_reviews_says_so(client, reviewed_owner, reviewed_therapist):
    client.force_login(reviewed_owner)
    assert "No reviews yet." in client.get(DASHBOARD).content.decode()


# The dashboard home of an owner, its caches warm: session, user, own profile, certifications, completeness, and
# the reviews (one query, whatever their number; the requests hook reads a cached count).
DASHBOARD_QUERIES = 6


@pytest.mark.parametrize("count", [1, 25])
def test_dashboard_home_runs_the_same_exact_queries_for_few_and_many_reviews(
    client, reviewed_owner, reviewed_therapist, count, django_assert_num_queries
):
    for i in range(count):
        review = _review(reviewed_therapist, f"Visit {i}", i + 1)
        if i % 2:
            ReviewResponseFactory(review=review)
    client.force_login(reviewed_owner)
    client.get(DASHBOARD)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)
    assert response.status_code == HTTPStatus.OK
    assert response.content.decode().count('class="review" id="dashboard-review-') == min(count, 20)


def test_owner_flags_a_review_of_their_own_profile_and_it_still_shows(
    client, reviewed_owner, published_review, reviewed_therapist
):
    client.force_login(reviewed_owner)
    response = client.post(
        reverse("reviews:flag", kwargs={"pk": published_review.pk}), {"reason": "fake", "details": "Never met them."}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert ReviewFlag.objects.get().reporter == reviewed_owner
    published_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert published_review.is_visible() and reviewed_therapist.review_count == 1


def test_no_page_an_owner_reaches_hides_a_review(client, reviewed_owner, published_review, reviewed_therapist):
    """Every review URL and every admin moderation action, posted by the profile's owner: the review still shows."""
    client.force_login(reviewed_owner)
    pk = published_review.pk
    for name in ("update", "delete", "reply", "flag", "appeal", "helpful"):
        client.post(reverse(f"reviews:{name}", kwargs={"pk": pk}), {"reason": "fake", "body": "Not a client of mine."})
    for queue in ("review", "flaggedreview", "heldreview"):
        for action in ("hide_reviews", "remove_reviews"):
            client.post(
                reverse(f"admin:reviews_{queue}_changelist"),
                {"action": action, "_selected_action": [pk], "apply": "yes", "reason": "fake", "note": ""},
            )
    published_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert published_review.is_visible() and published_review.removal_reason == ""
    assert reviewed_therapist.review_count == 1


def test_no_service_lets_an_owner_hide_or_remove_a_review(reviewed_owner, published_review, reviewed_therapist):
    held = services.review_create(
        therapist=reviewed_therapist, author=client_account(), content=review_content(title="Second")
    )
    Review.objects.filter(pk=held.pk).update(is_held=True, held_reason=Review.HoldReason.BURST)
    with pytest.raises(PermissionDenied):
        services.review_hide(review=published_review, moderator=reviewed_owner)
    with pytest.raises(PermissionDenied):
        services.review_remove_held(review=held, moderator=reviewed_owner)
    published_review.refresh_from_db()
    assert published_review.is_visible()


def test_an_owner_cannot_uphold_an_appeal_on_their_profile(reviewed_owner, published_review, moderator):
    services.review_hide(review=published_review, moderator=moderator)
    appeal = appeals.appeal_create(
        review=published_review, author=published_review.author, statement="I was a client; please look again."
    )
    with pytest.raises(PermissionDenied):
        appeals.appeal_decide(appeal=appeal, moderator=reviewed_owner, outcome="upheld", note="Fake.")
    assert ReviewAppeal.objects.get().outcome == "pending"
