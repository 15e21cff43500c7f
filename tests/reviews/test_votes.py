"""Readers' "helpful" votes: the rules of reviews.votes, its views as a matrix of roles, and the profile's marks."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from reviews import services, votes
from reviews.models import Review, ReviewVote
from therapists.models import Therapist

from ..factories import ReviewFactory, TherapistFactory, UserFactory
from .helpers import client_account, review_content

pytestmark = pytest.mark.django_db

HELD = {"is_held": True, "held_reason": Review.HoldReason.NEW_ACCOUNT_CLUSTER}
LOG_IN = "log-in"  # sent to log in, then back to the review
VOTED, WITHDRAWN = "voted", "withdrawn"
ROLES = ["anonymous", "author", "owner", "other therapist", "other client", "staff", "moderator", "superuser"]
# role -> what POST /reviews/<pk>/helpful/ does on a shown review.
VOTE_MATRIX = {
    "anonymous": LOG_IN,
    "author": HTTPStatus.FORBIDDEN,
    "owner": HTTPStatus.FORBIDDEN,
    "other therapist": VOTED,
    "other client": VOTED,
    "staff": VOTED,
    "moderator": VOTED,
    "superuser": VOTED,
}
# role -> what POST /reviews/<pk>/helpful/withdraw/ does, after the role voted where it may.
WITHDRAW_MATRIX = {
    "anonymous": LOG_IN,
    "author": HTTPStatus.CONFLICT,  # never could vote, so has no vote to withdraw
    "owner": HTTPStatus.CONFLICT,
    "other therapist": WITHDRAWN,
    "other client": WITHDRAWN,
    "staff": WITHDRAWN,
    "moderator": WITHDRAWN,
    "superuser": WITHDRAWN,
}


def _vote_url(review) -> str:
    return reverse("reviews:helpful", kwargs={"pk": review.pk})


def _withdraw_url(review) -> str:
    return reverse("reviews:helpful_withdraw", kwargs={"pk": review.pk})


def _anchor(review) -> str:
    return f"{review.therapist.get_absolute_url()}#review-{review.pk}"


@pytest.fixture
def person(review_author, reviewed_owner, moderator, superuser):
    """The user playing `role` (None for anonymous)."""

    def make(role: str):
        match role:
            case "anonymous":
                return None
            case "author":
                return review_author
            case "owner":
                return reviewed_owner
            case "other therapist":
                return TherapistFactory(owner=client_account(username="other-therapist")).owner
            case "other client":
                return client_account(username="other-client")
            case "staff":
                return client_account(username="plain-staff", is_staff=True)
            case "moderator":
                return moderator
            case "superuser":
                return superuser

    return make


def _stored_count(review) -> int:
    return Review.objects.values_list("helpful_count", flat=True).get(pk=review.pk)


# --- the service ---


def test_review_vote_helpful_stores_one_vote_and_counts_it_exactly(published_review, other_client):
    vote = votes.review_vote_helpful(review=published_review, voter=other_client)
    assert (vote.review_id, vote.voter_id) == (published_review.pk, other_client.pk)
    assert published_review.helpful_count == _stored_count(published_review) == 1
    votes.review_vote_helpful(review=published_review, voter=client_account())
    assert _stored_count(published_review) == ReviewVote.objects.filter(review=published_review).count() == 2


def test_review_vote_helpful_leaves_updated_at_alone(published_review, other_client):
    before = Review.objects.values_list("updated_at", flat=True).get(pk=published_review.pk)
    votes.review_vote_helpful(review=published_review, voter=other_client)
    assert Review.objects.values_list("updated_at", flat=True).get(pk=published_review.pk) == before


def test_review_vote_helpful_twice_is_refused_and_changes_nothing(published_review, other_client):
    votes.review_vote_helpful(review=published_review, voter=other_client)
    with pytest.raises(ValidationError) as refused:
        votes.review_vote_helpful(review=published_review, voter=other_client)
    assert refused.value.error_list[0].code == "duplicate_vote"
    assert refused.value.messages == ["You have already marked this review as helpful."]
    assert ReviewVote.objects.count() == 1 and _stored_count(published_review) == 1


@pytest.mark.parametrize(
    ("who", "code"),
    [("author", "own_review"), ("owner", "own_profile"), ("anonymous", "anonymous")],
)
def test_review_vote_helpful_refuses_the_author_the_owner_and_anonymous(
    published_review, review_author, reviewed_owner, who, code
):
    voter = {"author": review_author, "owner": reviewed_owner, "anonymous": AnonymousUser()}[who]
    with pytest.raises(ValidationError) as refused:
        votes.review_vote_helpful(review=published_review, voter=voter)
    assert refused.value.error_list[0].code == code
    assert ReviewVote.objects.count() == 0 and _stored_count(published_review) == 0


def test_review_vote_helpful_refuses_the_owner_on_every_review_of_their_profile(reviewed_therapist, reviewed_owner):
    others = [ReviewFactory(therapist=reviewed_therapist, author=client_account()) for _ in range(2)]
    for review in others:
        with pytest.raises(ValidationError, match="your own profile"):
            votes.review_vote_helpful(review=review, voter=reviewed_owner)
    assert ReviewVote.objects.count() == 0


@pytest.mark.parametrize(
    "state",
    [{"is_hidden": True}, HELD, {"therapist__status": Therapist.Status.SUSPENDED}],
    ids=["hidden", "held", "profile not public"],
)
def test_review_vote_helpful_refuses_a_review_the_profile_does_not_show(state, other_client):
    review = ReviewFactory(**state)
    with pytest.raises(ValidationError) as refused:
        votes.review_vote_helpful(review=review, voter=other_client)
    assert refused.value.error_list[0].code == "not_shown"
    assert ReviewVote.objects.count() == 0 and _stored_count(review) == 0


def test_review_vote_withdraw_removes_the_vote_and_recounts(published_review, other_client):
    votes.review_vote_helpful(review=published_review, voter=other_client)
    votes.review_vote_helpful(review=published_review, voter=client_account())
    votes.review_vote_withdraw(review=published_review, voter=other_client)
    assert not ReviewVote.objects.filter(voter=other_client).exists()
    assert published_review.helpful_count == _stored_count(published_review) == 1


def test_review_vote_withdraw_without_a_vote_is_refused_and_changes_nothing(published_review, other_client):
    votes.review_vote_helpful(review=published_review, voter=client_account())
    with pytest.raises(ValidationError) as refused:
        votes.review_vote_withdraw(review=published_review, voter=other_client)
    assert refused.value.error_list[0].code == "no_vote"
    assert ReviewVote.objects.count() == 1 and _stored_count(published_review) == 1


def test_review_vote_withdraw_refuses_anonymous(published_review):
    with pytest.raises(ValidationError) as refused:
        votes.review_vote_withdraw(review=published_review, voter=AnonymousUser())
    assert refused.value.error_list[0].code == "anonymous"


def test_review_vote_withdraw_on_a_review_since_hidden_is_refused(published_review, other_client, moderator):
    votes.review_vote_helpful(review=published_review, voter=other_client)
    services.review_hide(review=published_review, moderator=moderator)
    with pytest.raises(ValidationError) as refused:
        votes.review_vote_withdraw(review=published_review, voter=other_client)
    assert refused.value.error_list[0].code == "not_shown"
    assert ReviewVote.objects.count() == 1


def test_review_vote_helpful_heals_a_count_that_drifted(published_review, other_client):
    Review.objects.filter(pk=published_review.pk).update(helpful_count=7)
    votes.review_vote_helpful(review=published_review, voter=other_client)
    assert _stored_count(published_review) == 1


# --- the views, role by role ---


@pytest.mark.parametrize("role", ROLES)
def test_vote_view_matrix(client, person, published_review, role):
    user = person(role)
    if user is not None:
        client.force_login(user)
    response = client.post(_vote_url(published_review))
    expected = VOTE_MATRIX[role]
    stored = ReviewVote.objects.filter(review=published_review)
    if expected == LOG_IN:
        assert response.status_code == HTTPStatus.FOUND
        assert response.url == f"{reverse('login')}?next={_anchor(published_review).replace('#', '%23')}"
        assert not stored.exists()
    elif expected == VOTED:
        assert response.status_code == HTTPStatus.FOUND and response.url == _anchor(published_review)
        assert list(stored.values_list("voter", flat=True)) == [user.pk]
        assert _stored_count(published_review) == 1
    else:
        assert response.status_code == expected
        assert b"That could not be done" in response.content
        assert not stored.exists() and _stored_count(published_review) == 0


@pytest.mark.parametrize("role", ROLES)
def test_withdraw_view_matrix(client, person, published_review, role):
    user = person(role)
    if user is not None:
        client.force_login(user)
        if VOTE_MATRIX[role] == VOTED:
            votes.review_vote_helpful(review=published_review, voter=user)
    bystander = client_account(username="bystander")
    votes.review_vote_helpful(review=published_review, voter=bystander)
    response = client.post(_withdraw_url(published_review))
    expected = WITHDRAW_MATRIX[role]
    if expected == LOG_IN:
        assert response.status_code == HTTPStatus.FOUND and response.url.startswith(reverse("login"))
    elif expected == WITHDRAWN:
        assert response.status_code == HTTPStatus.FOUND and response.url == _anchor(published_review)
    else:
        assert response.status_code == expected
        assert b"You have not marked this review as helpful" in response.content
    # Whoever asked, only the bystander's vote is left.
    assert list(ReviewVote.objects.values_list("voter", flat=True)) == [bystander.pk]
    assert _stored_count(published_review) == 1


@pytest.mark.parametrize("url", [_vote_url, _withdraw_url], ids=["vote", "withdraw"])
@pytest.mark.parametrize("role", ["anonymous", "other client", "moderator", "superuser"])
@pytest.mark.parametrize(
    "state",
    [{"is_hidden": True}, HELD, {"therapist__status": Therapist.Status.SUSPENDED}],
    ids=["hidden", "held", "profile not public"],
)
def test_vote_views_answer_404_on_reviews_the_profile_does_not_show(client, person, url, role, state):
    review = ReviewFactory(**state)
    user = person(role)
    if user is not None:
        client.force_login(user)
    assert client.post(url(review)).status_code == HTTPStatus.NOT_FOUND
    assert client.post(reverse("reviews:helpful", kwargs={"pk": 999_999})).status_code == HTTPStatus.NOT_FOUND
    assert ReviewVote.objects.count() == 0


def test_vote_view_double_vote_is_a_409_and_changes_nothing(client, published_review, other_client):
    client.force_login(other_client)
    client.post(_vote_url(published_review))
    response = client.post(_vote_url(published_review))
    assert response.status_code == HTTPStatus.CONFLICT
    assert b"You have already marked this review as helpful." in response.content
    assert _anchor(published_review).encode() in response.content  # the way back
    assert ReviewVote.objects.count() == 1 and _stored_count(published_review) == 1


@pytest.mark.parametrize("url", [_vote_url, _withdraw_url], ids=["vote", "withdraw"])
def test_vote_views_never_change_anything_on_get(client, published_review, other_client, url):
    client.force_login(other_client)
    assert client.get(url(published_review)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert ReviewVote.objects.count() == 0


@pytest.mark.parametrize("url", [_vote_url, _withdraw_url], ids=["vote", "withdraw"])
def test_vote_views_refuse_a_post_without_the_csrf_token(published_review, other_client, url):
    votes.review_vote_helpful(review=published_review, voter=client_account())
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(other_client)
    assert csrf_client.post(url(published_review)).status_code == HTTPStatus.FORBIDDEN
    assert ReviewVote.objects.count() == 1 and _stored_count(published_review) == 1


def test_vote_view_says_thank_you_and_withdraw_says_so(client, published_review, other_client):
    client.force_login(other_client)
    voted = client.post(_vote_url(published_review), follow=True)
    assert "Thank you: you marked this review as helpful." in voted.content.decode()
    withdrawn = client.post(_withdraw_url(published_review), follow=True)
    assert "Your helpful vote is withdrawn." in withdrawn.content.decode()


# --- the profile: count, button, edited mark ---


def _review_block(client, review) -> str:
    """The review's item on its profile, as the client's user sees it."""
    content = client.get(review.therapist.get_absolute_url()).content.decode()
    return content.split(f'id="review-{review.pk}"', 1)[1].split("</li>", 1)[0]


def test_profile_shows_the_count_and_a_helpful_button_to_a_reader_who_may_vote(client, published_review, other_client):
    for _ in range(2):
        votes.review_vote_helpful(review=published_review, voter=client_account())
    client.force_login(other_client)
    block = _review_block(client, published_review)
    assert "2 people found this helpful" in block
    assert f'action="{_vote_url(published_review)}"' in block and ">Helpful<" in block
    assert _withdraw_url(published_review) not in block


def test_profile_shows_the_readers_own_vote_with_a_withdraw_button(client, published_review, other_client):
    votes.review_vote_helpful(review=published_review, voter=other_client)
    client.force_login(other_client)
    block = _review_block(client, published_review)
    assert "1 person found this helpful" in block
    assert "You found this helpful · Withdraw" in block and f'action="{_withdraw_url(published_review)}"' in block
    assert f'action="{_vote_url(published_review)}"' not in block


@pytest.mark.parametrize("who", ["author", "owner"])
def test_profile_shows_no_vote_button_to_the_author_or_the_owner(client, published_review, person, who):
    votes.review_vote_helpful(review=published_review, voter=client_account())
    client.force_login(person(who))
    block = _review_block(client, published_review)
    assert "1 person found this helpful" in block
    assert _vote_url(published_review) not in block and _withdraw_url(published_review) not in block
    assert "Log in to mark" not in block


def test_profile_asks_an_anonymous_reader_to_log_in_to_vote(client, published_review):
    block = _review_block(client, published_review)
    assert _vote_url(published_review) not in block
    assert "Log in to mark this review helpful" in block
    assert f"?next=/therapists/lena-ortiz/%23review-{published_review.pk}" in block
    assert "found this helpful" not in block  # nobody has yet


def test_profile_marks_an_edited_review_with_the_date(client, published_review, time_machine):
    unedited = _review_block(client, published_review)
    assert "Edited" not in unedited
    time_machine.move_to(datetime.datetime(2026, 7, 3, 12, tzinfo=datetime.UTC), tick=False)
    services.review_update(review=published_review, content=review_content(title="Even better the second time"))
    block = _review_block(client, published_review)
    assert 'Edited <time datetime="2026-07-03T12:00:00+00:00">3 July 2026</time>' in block


def test_vote_button_escapes_the_review_title(client, reviewed_therapist, other_client):
    review = ReviewFactory(therapist=reviewed_therapist, author=client_account(), title="<b>bold</b> claim")
    services.refresh_aggregates(therapist_id=reviewed_therapist.pk)
    client.force_login(other_client)
    block = _review_block(client, review)
    assert "“&lt;b&gt;bold&lt;/b&gt; claim”" in block and "<b>bold</b>" not in block


# --- the profile's query budget, with histogram and votes: the same for 1 review as for 50 ---

# The anonymous profile, caches warm: the therapist, its terms (one UNION), certifications, services and hours (one
# UNION), the star histogram and the page of reviews; signed in: + session, user, own review, owns a profile. The
# reader's votes come in the page's query (an EXISTS per row), never a query per review.
VOTE_PAGE_QUERIES = {"anonymous": 6, "signed-in": 10}


@pytest.mark.parametrize("role", VOTE_PAGE_QUERIES)
def test_profile_query_budget_with_histogram_and_votes_is_the_same_for_1_and_50_reviews(
    client, page_queries, reviewed_therapist, role
):
    reader = client_account(username="reader")
    if role == "signed-in":
        client.force_login(reader)
    voters = [UserFactory() for _ in range(3)]

    def add_reviews(count: int) -> None:
        for index in range(count):
            review = ReviewFactory(therapist=reviewed_therapist, author=UserFactory(), rating=1 + index % 5)
            ReviewVote.objects.bulk_create(
                [ReviewVote(review=review, voter=voter) for voter in [reader, *voters][: index % 4 + 1]]
            )
        services.refresh_aggregates(therapist_id=reviewed_therapist.pk)

    add_reviews(1)
    url = reviewed_therapist.get_absolute_url()
    one = page_queries(url, VOTE_PAGE_QUERIES[role], {"review_sort": "helpful"})
    add_reviews(49)
    many = page_queries(url, VOTE_PAGE_QUERIES[role], {"review_sort": "helpful", "review_stars": "3"})
    assert (len(one.context["reviews_page"]), many.context["reviews_page"].paginator.count) == (1, 10)
    content = many.content.decode()
    if role == "signed-in":
        assert "You found this helpful · Withdraw" in content
    else:
        assert "Log in to mark this review helpful" in content


# --- the admin: the count and the edited mark, read-only ---


def test_review_admin_shows_helpful_count_and_edited_at_read_only(client, superuser, published_review, other_client):
    votes.review_vote_helpful(review=published_review, voter=other_client)
    services.review_update(review=published_review, content=review_content(title="Edited title"))
    client.force_login(superuser)
    changelist = client.get(reverse("admin:reviews_review_changelist")).content.decode()
    assert '<th scope="col" class="sortable column-helpful_count">' in changelist
    assert '<td class="field-helpful_count">1</td>' in changelist
    change = client.get(reverse("admin:reviews_review_change", args=[published_review.pk])).content.decode()
    for field in ("helpful_count", "edited_at"):
        assert f'<div class="form-row field-{field}">' in change
        assert f'name="{field}"' not in change  # read-only: no input
