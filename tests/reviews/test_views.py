"""Leaving, editing, deleting, replying to and flagging reviews through the site's forms."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from reviews import services
from reviews.models import Review, ReviewFlag, ReviewResponse

from ..conftest import FROZEN_NOW
from ..factories import ReviewFactory, ReviewResponseFactory, TherapistFactory
from .helpers import assert_aggregates_exact, client_account, review_form_data, stored_aggregates

pytestmark = pytest.mark.django_db

# The month after the one the `today` fixture freezes the clock in: the tests that use it freeze the clock.
NEXT_MONTH = (FROZEN_NOW.date().replace(day=28) + datetime.timedelta(days=10)).strftime("%Y-%m")
KEPT_AS_TYPED = ("title", "body", "rating")
# Session, user, page count, the page of reviews with therapist and reply joined in, and whether the viewer owns
# a profile (the menu's Dashboard link): for 1 review as for 12.
MY_REVIEWS_QUERIES = 5


def _create_url(therapist):
    return reverse("reviews:create", kwargs={"slug": therapist.slug})


def _as_typed(name: str, value: str) -> str:
    """How the form shows a value typed into the field `name`."""
    match name:
        case "title":
            return f'value="{value}"'
        case "rating":
            return f'id="id_rating_{int(value) - 1}" checked>'
        case _:
            return value


def _assert_form_kept(response, data, *, changed=()):
    """The page shows the form again with what the user typed in the title, body and overall rating; `changed`
    names the fields the test made bad on purpose, which are not checked."""
    kept = [name for name in KEPT_AS_TYPED if name not in changed]
    content = response.content.decode()
    assert kept, "nothing left to check"
    assert [name for name in kept if _as_typed(name, data[name]) not in content] == []


def test_review_create_sends_anonymous_visitors_to_log_in(client, reviewed_therapist):
    response = client.get(_create_url(reviewed_therapist))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login")) and "next=" in response.url


def test_review_create_form_labels_every_input(client, reviewed_therapist, review_author):
    client.force_login(review_author)
    response = client.get(_create_url(reviewed_therapist))
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    for name in ("massage_type", "visit_month", "title", "body"):
        assert f'<label for="id_{name}"' in content
    for name in ("rating", "technique", "professionalism", "communication", "cleanliness", "would_recommend"):
        assert f'<label for="id_{name}_0"' in content
    assert content.count("<legend") >= 6
    assert "csrfmiddlewaretoken" in content
    assert "<script" not in content and "style=" not in content


def test_review_create_publishes_and_updates_aggregates(client, reviewed_therapist, review_author):
    client.force_login(review_author)
    response = client.post(_create_url(reviewed_therapist), review_form_data())
    review = Review.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == f"{reviewed_therapist.get_absolute_url()}#review-{review.pk}"
    assert (review.author, review.rating, review.would_recommend) == (review_author, 4, True)
    assert review.massage_type.slug == "swedish"
    assert_aggregates_exact(reviewed_therapist.pk)
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 1


BAD_INPUTS = {
    "missing overall rating": {"rating": None},
    "rating above 5": {"rating": "6"},
    "rating below 1": {"rating": "0"},
    "rating not a number": {"technique": "five"},
    "missing sub-rating": {"cleanliness": None},
    "missing recommendation": {"would_recommend": None},
    "unknown massage type": {"massage_type": "no-such-type"},
    "empty body": {"body": ""},
    "blank body": {"body": "      "},
    "short body": {"body": "Nice."},
    "overlong body": {"body": "x" * 4001},
    "overlong title": {"title": "t" * 121},
    "future visit month": {"visit_month": NEXT_MONTH},
    "impossible visit month": {"visit_month": "2024-13"},
    "visit month as words": {"visit_month": "last spring"},
}


@pytest.mark.parametrize("overrides", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_review_create_bad_input_is_a_form_error_that_keeps_the_input(
    client, today, reviewed_therapist, review_author, overrides
):
    client.force_login(review_author)
    before = stored_aggregates(reviewed_therapist.pk)
    data = review_form_data(**overrides)
    response = client.post(_create_url(reviewed_therapist), data)
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    _assert_form_kept(response, data, changed=overrides)
    assert not Review.objects.exists()
    assert stored_aggregates(reviewed_therapist.pk) == before


def test_review_create_with_a_nul_character_is_refused_and_writes_nothing(client, reviewed_therapist, review_author):
    client.force_login(review_author)
    before = stored_aggregates(reviewed_therapist.pk)
    response = client.post(_create_url(reviewed_therapist), review_form_data(title="Good\x00 session"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not Review.objects.exists()
    assert stored_aggregates(reviewed_therapist.pk) == before


def test_review_create_future_month_error_names_the_field(client, today, reviewed_therapist, review_author):
    client.force_login(review_author)
    response = client.post(_create_url(reviewed_therapist), review_form_data(visit_month=NEXT_MONTH))
    assert response.context["form"].errors["visit_month"] == ["The month of your visit cannot be in the future."]
    assert f'value="{NEXT_MONTH}"' in response.content.decode()


def test_review_create_duplicate_is_a_form_error_that_keeps_the_input(
    client, reviewed_therapist, review_author, published_review
):
    client.force_login(review_author)
    data = review_form_data(title="My second try", rating="1")
    response = client.post(_create_url(reviewed_therapist), data)
    assert response.status_code == HTTPStatus.OK
    assert "already reviewed this therapist" in response.content.decode()
    assert reverse("reviews:update", kwargs={"pk": published_review.pk}) in response.content.decode()
    _assert_form_kept(response, data)
    assert Review.objects.count() == 1


def test_review_create_of_own_profile_is_a_form_error_that_keeps_the_input(client, reviewed_therapist, reviewed_owner):
    client.force_login(reviewed_owner)
    assert "This is your own profile" in client.get(_create_url(reviewed_therapist)).content.decode()
    data = review_form_data(title="I am the best")
    response = client.post(_create_url(reviewed_therapist), data)
    assert response.status_code == HTTPStatus.OK
    assert "You cannot review your own profile." in response.content.decode()
    _assert_form_kept(response, data)
    assert not Review.objects.exists()


def test_review_create_when_already_reviewed_goes_to_the_edit_form(
    client, reviewed_therapist, review_author, published_review
):
    client.force_login(review_author)
    response = client.get(_create_url(reviewed_therapist))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("reviews:update", kwargs={"pk": published_review.pk})


def test_review_create_of_unknown_or_suspended_profile_is_not_found(client, review_author):
    client.force_login(review_author)
    suspended = TherapistFactory(status="suspended")
    assert client.get(_create_url(suspended)).status_code == HTTPStatus.NOT_FOUND
    assert client.get("/therapists/no-such-person/reviews/new/").status_code == HTTPStatus.NOT_FOUND


def test_review_create_is_rate_limited_per_user_with_the_input_kept(client, review_author, swedish_specialty):
    client.force_login(review_author)
    for _ in range(5):
        response = client.post(_create_url(TherapistFactory()), review_form_data())
        assert response.status_code == HTTPStatus.FOUND
    sixth = TherapistFactory()
    data = review_form_data(title="One review too many")
    response = client.post(_create_url(sixth), data)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "5 reviews in the last hour" in response.content.decode()
    _assert_form_kept(response, data)
    assert not Review.objects.filter(therapist=sixth).exists()
    # Another user is not affected.
    client.force_login(client_account())
    assert client.post(_create_url(sixth), review_form_data()).status_code == HTTPStatus.FOUND


def test_review_create_failed_attempts_do_not_count_towards_the_rate_limit(client, review_author, swedish_specialty):
    client.force_login(review_author)
    for _ in range(6):
        client.post(_create_url(TherapistFactory()), review_form_data(body=""))
    assert client.post(_create_url(TherapistFactory()), review_form_data()).status_code == HTTPStatus.FOUND


def test_review_create_refuses_a_post_without_csrf_token(reviewed_therapist, review_author):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(review_author)
    response = csrf_client.post(_create_url(reviewed_therapist), review_form_data())
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Review.objects.exists()


def test_review_body_is_shown_as_text(client, reviewed_therapist, review_author):
    client.force_login(review_author)
    body = "<script>alert('x')</script> <b>bold</b> & friends\nsecond line"
    client.post(_create_url(reviewed_therapist), review_form_data(title="<i>Great</i>", body=body))
    content = client.get(reviewed_therapist.get_absolute_url()).content.decode()
    assert "<script>alert" not in content and "<b>bold</b>" not in content and "<i>Great</i>" not in content
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; &amp; friends<br>second line"
    assert escaped in content


def test_review_update_form_starts_from_the_review_and_saves(
    client, reviewed_therapist, review_author, published_review
):
    client.force_login(review_author)
    url = reverse("reviews:update", kwargs={"pk": published_review.pk})
    form = client.get(url).context["form"]
    assert form["title"].value() == published_review.title and form["would_recommend"].value() == "yes"
    assert form["visit_month"].value() == published_review.visit_month
    response = client.post(url, review_form_data(rating="2", would_recommend="no", title="Changed my mind"))
    assert response.status_code == HTTPStatus.FOUND
    published_review.refresh_from_db()
    assert (published_review.rating, published_review.would_recommend, published_review.title) == (
        2,
        False,
        "Changed my mind",
    )
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_update_bad_input_keeps_the_input_and_changes_nothing(
    client, reviewed_therapist, review_author, published_review
):
    client.force_login(review_author)
    before = stored_aggregates(reviewed_therapist.pk)
    data = review_form_data(rating="9", title="Typed but invalid")
    response = client.post(reverse("reviews:update", kwargs={"pk": published_review.pk}), data)
    assert response.status_code == HTTPStatus.OK
    _assert_form_kept(response, data, changed=["rating"])
    published_review.refresh_from_db()
    assert published_review.rating == 4 and published_review.title != "Typed but invalid"
    assert stored_aggregates(reviewed_therapist.pk) == before


def test_review_delete_asks_then_deletes(client, reviewed_therapist, review_author, published_review):
    client.force_login(review_author)
    url = reverse("reviews:delete", kwargs={"pk": published_review.pk})
    assert "Delete my review" in client.get(url).content.decode()
    assert Review.objects.exists()
    response = client.post(url)
    assert response.status_code == HTTPStatus.FOUND and response.url == reviewed_therapist.get_absolute_url()
    assert not Review.objects.exists()
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 0


def test_review_reply_by_the_owner_once_then_edited(client, reviewed_therapist, reviewed_owner, published_review):
    client.force_login(reviewed_owner)
    url = reverse("reviews:reply", kwargs={"pk": published_review.pk})
    assert "Publish reply" in client.get(url).content.decode()
    assert client.post(url, {"body": "Thank you, see you soon."}).status_code == HTTPStatus.FOUND
    page = client.get(url).content.decode()
    assert "Edit your reply" in page and "Thank you, see you soon." in page
    client.post(url, {"body": "Thank you again."})
    assert ReviewResponse.objects.get().body == "Thank you again."


def test_review_reply_bad_input_keeps_the_input(client, reviewed_owner, published_review):
    client.force_login(reviewed_owner)
    response = client.post(reverse("reviews:reply", kwargs={"pk": published_review.pk}), {"body": "x" * 2001})
    assert response.status_code == HTTPStatus.OK and response.context["form"].errors["body"]
    assert "x" * 2001 in response.content.decode()
    assert not ReviewResponse.objects.exists()


def test_review_flag_with_a_reason_then_a_second_flag_is_a_form_error(client, other_client, published_review):
    client.force_login(other_client)
    url = reverse("reviews:flag", kwargs={"pk": published_review.pk})
    response = client.post(url, {"reason": "fake", "details": "I know this person."})
    assert response.status_code == HTTPStatus.FOUND
    flag = ReviewFlag.objects.get()
    assert (flag.reporter, flag.reason, flag.details) == (other_client, "fake", "I know this person.")
    again = client.post(url, {"reason": "offensive", "details": "Second thoughts."})
    assert again.status_code == HTTPStatus.OK and "already flagged this review" in again.content.decode()
    assert "Second thoughts." in again.content.decode()
    assert ReviewFlag.objects.count() == 1


def test_review_flag_needs_a_known_reason(client, other_client, published_review):
    client.force_login(other_client)
    response = client.post(reverse("reviews:flag", kwargs={"pk": published_review.pk}), {"reason": "because"})
    assert response.status_code == HTTPStatus.OK and response.context["form"].errors["reason"]
    assert not ReviewFlag.objects.exists()


def test_review_flag_of_a_hidden_review_is_not_found(client, other_client, reviewed_therapist):
    hidden = ReviewFactory(therapist=reviewed_therapist, is_hidden=True)
    client.force_login(other_client)
    assert client.get(reverse("reviews:flag", kwargs={"pk": hidden.pk})).status_code == HTTPStatus.NOT_FOUND


def test_my_reviews_lists_own_reviews_including_hidden_ones(client, review_author, reviewed_therapist):
    ReviewFactory(author=review_author, therapist=reviewed_therapist, title="Visible one")
    ReviewFactory(author=review_author, title="Hidden one", is_hidden=True)
    ReviewFactory(title="Someone else's")
    client.force_login(review_author)
    content = client.get(reverse("reviews:mine")).content.decode()
    assert "Visible one" in content and "Hidden one" in content and "Hidden by a moderator" in content
    assert "Someone else" not in content


def test_review_new_user_signs_up_confirms_the_email_and_reviews_from_the_profile(
    client, reviewed_therapist, swedish_specialty, django_capture_on_commit_callbacks, mailoutbox
):
    profile = client.get(reviewed_therapist.get_absolute_url()).content.decode()
    create_url = _create_url(reviewed_therapist)
    assert f'href="{create_url}"' in profile
    login_page = client.get(create_url, follow=True)
    signup_href = f"{reverse('signup')}?next={create_url}"
    assert signup_href in login_page.content.decode()
    password = "a-Good-passw0rd!"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            signup_href,
            {
                "username": "newclient",
                "email": "new@example.com",
                "password1": password,
                "password2": password,
                "next": create_url,
            },
        )
    assert response.status_code == HTTPStatus.FOUND
    # The one-time link in the email confirms the address, signs in and comes back to the review form.
    confirm_path = re.search(r"/accounts/email/confirm/[^/\s]+/", mailoutbox[-1].body)[0]
    response = client.post(confirm_path)
    assert response.status_code == HTTPStatus.FOUND and response.url == create_url
    response = client.post(create_url, review_form_data(title="First visit, great result"), follow=True)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "First visit, great result" in content and "Thank you: your review is published." in content
    assert "Edit your review" in content


def test_review_create_by_an_unconfirmed_client_is_a_form_error_that_keeps_the_input(client, reviewed_therapist):
    client.force_login(client_account(email_confirmed_at=None))
    page = client.get(_create_url(reviewed_therapist)).content.decode()
    assert "Confirm your email address before you post a review" in page
    assert f'href="{reverse("account")}"' in page
    data = review_form_data(title="Typed before confirming")
    response = client.post(_create_url(reviewed_therapist), data)
    assert response.status_code == HTTPStatus.OK
    assert [error.code for error in response.context["form"].non_field_errors().as_data()] == ["email_unconfirmed"]
    assert "Confirm your email address before you post a review" in response.content.decode()
    _assert_form_kept(response, data)
    assert not Review.objects.exists()


def test_review_create_is_rate_limited_per_address_across_accounts_with_the_input_kept(
    client, settings, swedish_specialty
):
    for _ in range(settings.REVIEW_POST_ADDRESS_LIMIT):
        client.force_login(client_account())
        assert client.post(_create_url(TherapistFactory()), review_form_data()).status_code == HTTPStatus.FOUND
    client.force_login(client_account())
    one_more = TherapistFactory()
    data = review_form_data(title="From the same network")
    response = client.post(_create_url(one_more), data)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "reviews have been posted from your network in the last hour" in response.content.decode()
    _assert_form_kept(response, data)
    assert not Review.objects.filter(therapist=one_more).exists()
    # The same account from another address is not affected.
    response = client.post(_create_url(one_more), data, REMOTE_ADDR="198.51.100.23")
    assert response.status_code == HTTPStatus.FOUND


def test_review_create_held_review_is_announced_and_listed_as_held(
    client, reviewed_therapist, review_author, other_client
):
    client.force_login(review_author)
    assert client.post(_create_url(reviewed_therapist), review_form_data()).status_code == HTTPStatus.FOUND
    # A second account from the same address (the test client's) reviews the same profile.
    client.force_login(other_client)
    response = client.post(_create_url(reviewed_therapist), review_form_data(title="Second account"), follow=True)
    held = Review.objects.get(author=other_client)
    assert held.is_held
    assert response.redirect_chain == [(reverse("reviews:mine"), HTTPStatus.FOUND)]
    content = response.content.decode()
    assert "your review is held for a moderator&#x27;s check before it is published" in content
    assert "Held for a moderator's check" in content and "Second account" in content
    profile = client.get(reviewed_therapist.get_absolute_url()).content.decode()
    assert "Second account" not in profile
    assert "Your review is held for a moderator's check" in profile
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 1
    assert_aggregates_exact(reviewed_therapist.pk)


@pytest.fixture
def named_reviews(reviewed_therapist):
    """Reviews by a client with a chosen name, one with a first and last name, and one with neither."""
    authors = [
        client_account(username="chosen-login-name", display_name="Lotus fan"),
        client_account(username="ana-login-name", first_name="Ana", last_name="Lopez"),
        client_account(username="bare-login-name"),
    ]
    return [ReviewFactory(therapist=reviewed_therapist, author=author) for author in authors]


def test_review_list_shows_public_names_never_usernames(client, reviewed_therapist, named_reviews):
    services.refresh_aggregates(therapist_id=reviewed_therapist.pk)
    content = client.get(reviewed_therapist.get_absolute_url()).content.decode()
    assert "By Lotus fan" in content and "By Ana L." in content and "By A client" in content
    assert [review.author.username for review in named_reviews if review.author.username in content] == []
    assert "login-name" not in content


@pytest.mark.parametrize("page", ["reviews:flag", "reviews:reply"])
def test_review_quote_shows_the_public_name_never_the_username(
    client, reviewed_therapist, reviewed_owner, named_reviews, page
):
    client.force_login(reviewed_owner)
    review = named_reviews[1]
    content = client.get(reverse(page, kwargs={"pk": review.pk})).content.decode()
    assert "by Ana L." in content
    assert "ana-login-name" not in content


def test_my_reviews_say_under_which_name_reviews_are_shown(client):
    client.force_login(client_account(username="mine-login-name", first_name="Ana", last_name="Lopez"))
    content = client.get(reverse("reviews:mine")).content.decode()
    assert "shown under the name “Ana L.”" in content


@pytest.mark.parametrize("count", [1, 12])
def test_my_reviews_runs_the_same_exact_queries_for_few_and_many_reviews(client, page_queries, review_author, count):
    for _ in range(count):
        ReviewResponseFactory(review=ReviewFactory(author=review_author))
    client.force_login(review_author)
    response = page_queries(reverse("reviews:mine"), MY_REVIEWS_QUERIES)
    assert len(response.context["reviews"]) == count
