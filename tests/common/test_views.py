"""Views every app uses: the health check, and ServiceFormView as a real form page uses it (flagging a review)."""

from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from reviews.models import ReviewFlag

from ..factories import ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_after_asking_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("healthz"))
    assert response.status_code == HTTPStatus.OK
    assert (response.content, response["Content-Type"]) == (b"ok", "text/plain")
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def flag_page(client):
    """A signed-in client on the form that reports a review: a ServiceFormView whose service is review_flag."""
    review = ReviewFactory()
    client.force_login(UserFactory())
    return review, reverse("reviews:flag", kwargs={"pk": review.pk})


def test_service_form_view_shows_the_form_first(client, flag_page):
    _, url = flag_page
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert not response.context["form"].is_bound


def test_service_form_view_runs_the_service_then_redirects_with_the_success_message(client, flag_page):
    review, url = flag_page
    response = client.post(url, {"reason": "fake", "details": "Never a client."})
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == f"{review.therapist.get_absolute_url()}#review-{review.pk}"
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Thank you. A moderator will look at this review."
    ]
    assert ReviewFlag.objects.filter(review=review, reason="fake").count() == 1


def test_service_form_view_shows_a_service_refusal_on_the_form_as_typed(client, flag_page):
    review, url = flag_page
    client.post(url, {"reason": "fake"}, follow=True)  # the profile shows, and so uses up, the thanks
    response = client.post(url, {"reason": "offensive", "details": "Typed a second time."})
    assert response.status_code == HTTPStatus.OK
    form = response.context["form"]
    assert [error.code for error in form.non_field_errors().as_data()] == ["duplicate_flag"]
    assert form.data["details"] == "Typed a second time." and "Typed a second time." in response.content.decode()
    assert list(get_messages(response.wsgi_request)) == []
    assert ReviewFlag.objects.filter(review=review).count() == 1


def test_service_form_view_does_not_call_the_service_when_the_form_is_invalid(client, flag_page):
    review, url = flag_page
    response = client.post(url, {"reason": "no-such-reason"})
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["reason"]
    assert not ReviewFlag.objects.filter(review=review).exists()
