"""RejectNulMiddleware meeting a request that holds more than the settings allow (issue 12, audit 3): the site's 400
page in both DEBUG modes, never a 500 (DEBUG's technical page read request.GET again, which raised again)."""

import logging
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from ..factories import TherapistFactory

pytestmark = pytest.mark.django_db

TOO_MANY = 401  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 400
PLAIN_MESSAGE = "Your browser sent a request this site could not accept"


def _site_400_page(response) -> bool:
    content = response.content.decode()
    return (
        response.status_code == HTTPStatus.BAD_REQUEST
        and {"400.html", "base.html"} <= {template.name for template in response.templates}
        and PLAIN_MESSAGE in content
        and 'class="site-header"' in content
        and "TooMany" not in content
        and "Traceback" not in content
    )


@pytest.fixture(params=[False, True], ids=["DEBUG off", "DEBUG on"])
def debug_mode(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_reject_nul_middleware_answers_too_many_query_parameters_with_the_site_400_page(client, debug_mode):
    query = "&".join(["specialty=swedish"] * TOO_MANY)
    response = client.get(f"{reverse('therapists:list')}?{query}")
    assert _site_400_page(response)


def test_reject_nul_middleware_answers_too_many_form_fields_with_the_site_400_page(client, debug_mode):
    body = "&".join(f"field{number}=x" for number in range(TOO_MANY))
    response = client.post(reverse("login"), body, content_type="application/x-www-form-urlencoded")
    assert _site_400_page(response)


@override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=1)
def test_reject_nul_middleware_answers_too_many_files_with_the_site_400_page(client, debug_mode):
    files = [
        SimpleUploadedFile(f"scan{number}.pdf", b"%PDF-1.4\n", content_type="application/pdf") for number in (1, 2)
    ]
    response = client.post(reverse("login"), {"username": "someone", "password": "x", "document": files})
    assert _site_400_page(response)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_reject_nul_middleware_answers_too_large_a_form_with_the_site_400_page(client, debug_mode):
    response = client.post(reverse("login"), {"username": "someone", "password": "x" * 200})
    assert _site_400_page(response)


def test_reject_nul_middleware_lets_as_many_query_parameters_as_allowed_through(client):
    TherapistFactory(name="Ada Stone")
    query = "&".join(["specialty=swedish"] * (TOO_MANY - 1))
    assert client.get(f"{reverse('therapists:list')}?{query}").status_code == HTTPStatus.OK


def test_reject_nul_middleware_logs_too_many_fields_as_django_does(client, caplog):
    query = "&".join(["q=a"] * TOO_MANY)
    with caplog.at_level(logging.ERROR, logger="django.security.TooManyFieldsSent"):
        client.get(f"{reverse('therapists:list')}?{query}")
    [record] = [record for record in caplog.records if record.name == "django.security.TooManyFieldsSent"]
    assert record.status_code == HTTPStatus.BAD_REQUEST
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in record.getMessage()
