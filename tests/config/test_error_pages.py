"""The site's own pages for a refused request (issue 12, audit 2 and 3): a CSRF failure and any other 400, in the
site's layout with plain words, never Django's bare or technical pages."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

CSRF_MESSAGE = (
    "This form has expired or your browser did not send its security cookie. Go back, reload the page and try again."
)


def _templates(response) -> set[str]:
    return {template.name for template in response.templates}


@pytest.fixture(params=[False, True], ids=["DEBUG off", "DEBUG on"])
def debug_mode(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_csrf_failure_without_the_cookie_shows_the_site_page(debug_mode):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "someone", "password": "x"})
    content = response.content.decode()
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert {"403_csrf.html", "base.html"} <= _templates(response)
    assert CSRF_MESSAGE in content and 'class="site-header"' in content
    for technical in ("CSRF verification failed", "Reason given", "CSRF cookie not set", "DEBUG"):
        assert technical not in content


def test_csrf_failure_with_a_wrong_token_shows_the_same_page(debug_mode):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))  # sets the CSRF cookie
    assert client.cookies["csrftoken"].value
    response = client.post(
        reverse("login"), {"username": "someone", "password": "x", "csrfmiddlewaretoken": "forged" * 6}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert CSRF_MESSAGE in response.content.decode()
    assert "CSRF token" not in response.content.decode()


def test_csrf_failure_page_keeps_a_signed_in_person_in_the_site(debug_mode):
    user = UserFactory(username="ada")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert CSRF_MESSAGE in response.content.decode()
    assert client.get(reverse("home")).context["user"] == user  # the refused log-out changed nothing


def test_csrf_checks_still_let_a_form_with_its_token_through():
    client = Client(enforce_csrf_checks=True)
    token = client.get(reverse("login")).context["csrf_token"]
    response = client.post(reverse("login"), {"username": "someone", "password": "x", "csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.OK  # the form again, with its error: not refused
    assert response.context["form"].errors


def test_bad_request_page_is_the_site_page_outside_debug(client):
    # Another 400 Django's handler answers (a host not in ALLOWED_HOSTS): 400.html, not "Bad Request (400)".
    response = client.get(reverse("home"), HTTP_HOST="not-this-site.example")
    content = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert {"400.html", "base.html"} <= _templates(response)
    assert "We couldn't read that request" in content and 'class="site-header"' in content
    assert "not-this-site.example" not in content
