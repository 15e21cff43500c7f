"""The guided match's precautions taken into a request: the match's "Request an appointment" button POSTs them to the
request page "prefill only"; they show in the precautions box for the client to edit or remove, and nothing is
stored, put in a URL or logged until the client sends the request form itself."""

import logging
import re
from http import HTTPStatus

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse

from appointments.forms import PREFILL_MAX_LINES, PREFILL_TOO_LONG
from appointments.models import PRECAUTIONS_MAX_LENGTH, AppointmentRequest
from therapists.models import Therapist

from ..factories import TherapistFactory
from .helpers import request_form_data, request_in

pytestmark = pytest.mark.django_db

LINES = ["Pregnant, second trimester", "Allergic or sensitive to oils and lotions", "Recent injury or wound: zx-wrist"]
PREFILL = {"prefill": "precautions", "precaution": LINES}
# Words of the health answers above: none may reach a URL, a log line or a table through the prefill.
HEALTH_WORDS = ("pregnan", "trimester", "allergic", "injury", "zx-wrist")


def _url(therapist) -> str:
    return reverse("appointments:create", args=[therapist.slug])


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models(include_auto_created=True)}


def _links(content: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', content)


def test_the_precautions_fill_in_the_request_form_with_a_note(client, client_account, therapist):
    client.force_login(client_account)
    response = client.post(_url(therapist), PREFILL)
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].initial["precautions"] == "\n".join(LINES)
    assert not response.context["form"].is_bound  # shown, not sent: no error, nothing checked yet
    content = response.content.decode()
    box = re.search(r'<textarea name="precautions"[^>]*>(.*?)</textarea>', content, re.S).group(1)
    assert box.strip() == "\n".join(LINES)
    assert "From your answers to the guided match: edit or remove before sending" in content
    assert 'role="alert"' not in content


def test_the_prefill_stores_nothing_and_sends_nothing(client, client_account, therapist, mailoutbox):
    client.force_login(client_account)
    session = dict(client.session.items())
    before = _row_counts()
    assert client.post(_url(therapist), PREFILL).status_code == HTTPStatus.OK
    assert _row_counts() == before
    assert not AppointmentRequest.objects.exists() and mailoutbox == []
    assert dict(client.session.items()) == session


def test_no_url_of_the_prefill_carries_a_health_answer(client, client_account, therapist):
    client.force_login(client_account)
    response = client.post(_url(therapist), PREFILL)
    assert "Location" not in response
    assert "no-store" in response["Cache-Control"]
    links = _links(response.content.decode())
    assert links
    for link in links:
        assert not any(word in link.lower() for word in HEALTH_WORDS), link


def test_an_anonymous_prefill_goes_to_log_in_without_the_precautions(client, therapist):
    before = _row_counts()
    response = client.post(_url(therapist), PREFILL)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('login')}?next={_url(therapist)}"
    assert not any(word in response["Location"].lower() for word in HEALTH_WORDS)
    assert _row_counts() == before


def test_the_prefill_needs_the_csrf_token(client_account, therapist):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_account)
    assert browser.post(_url(therapist), PREFILL).status_code == HTTPStatus.FORBIDDEN
    form = browser.get(_url(therapist))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode()).group(1)
    assert browser.post(_url(therapist), {**PREFILL, "csrfmiddlewaretoken": token}).status_code == HTTPStatus.OK


BAD_PREFILL = {
    "too long in all": ({"precaution": ["x" * 600, "y" * 600]}, PREFILL_TOO_LONG),
    "too many lines": ({"precaution": [f"line {i}" for i in range(PREFILL_MAX_LINES + 1)]}, PREFILL_TOO_LONG),
    "an unknown flag": ({"prefill": "everything"}, "Select a valid choice."),
    "an empty flag": ({"prefill": ""}, "This field is required."),
}


@pytest.mark.parametrize(("data", "message"), BAD_PREFILL.values(), ids=BAD_PREFILL)
def test_a_bad_prefill_is_a_400_with_the_empty_form_and_stores_nothing(
    client, client_account, therapist, data, message
):
    client.force_login(client_account)
    before = _row_counts()
    response = client.post(_url(therapist), {**PREFILL, **data})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert response.context["form"].initial.get("precautions") is None
    assert _row_counts() == before


def test_the_longest_prefill_the_request_takes_is_accepted(client, client_account, therapist):
    client.force_login(client_account)
    lines = ["x" * 499, "y" * (PRECAUTIONS_MAX_LENGTH - 499 - 1)]
    response = client.post(_url(therapist), {"prefill": "precautions", "precaution": lines})
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].initial["precautions"] == "\n".join(lines)


def test_blank_lines_and_spaces_are_tidied_and_nothing_is_no_note(client, client_account, therapist):
    client.force_login(client_account)
    response = client.post(_url(therapist), {"prefill": "precautions", "precaution": ["  Pregnant,\n  first  ", " "]})
    assert response.context["form"].initial["precautions"] == "Pregnant, first"
    empty = client.post(_url(therapist), {"prefill": "precautions"})
    assert empty.status_code == HTTPStatus.OK and "From your answers to the guided match" not in empty.content.decode()


def test_the_prefill_escapes_what_it_shows(client, client_account, therapist):
    client.force_login(client_account)
    content = client.post(_url(therapist), {**PREFILL, "precaution": ["<script>alert(1)</script>"]}).content.decode()
    assert "<script>alert(1)</script>" not in content and "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_the_precautions_are_stored_only_when_the_client_sends_the_form(
    client, client_account, therapist, django_capture_on_commit_callbacks
):
    client.force_login(client_account)
    shown = client.post(_url(therapist), PREFILL).context["form"].initial["precautions"]
    edited = shown.replace("\nRecent injury or wound: zx-wrist", "")  # the client removes one before sending
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(therapist), request_form_data(precautions=edited))
    assert response.status_code == HTTPStatus.FOUND
    assert (
        AppointmentRequest.objects.get().precautions
        == "Pregnant, second trimester\nAllergic or sensitive to oils and lotions"
    )


def test_the_prefill_logs_no_health_answer(client, caplog, client_account, therapist):
    client.force_login(client_account)
    connection.force_debug_cursor = True  # every query is logged too, as with DEBUG=true
    try:
        with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="django.db.backends"):
            client.post(_url(therapist), PREFILL)
            client.post(_url(therapist), {**PREFILL, "precaution": [*LINES, "z" * PRECAUTIONS_MAX_LENGTH]})
            Client().post(_url(therapist), PREFILL)
    finally:
        connection.force_debug_cursor = False
    text = caplog.text.lower() + " ".join(str(record.__dict__) for record in caplog.records).lower()
    assert "/therapists/lena-ortiz/request/" in text and "select" in text  # real log lines were read
    for word in HEALTH_WORDS:
        assert word not in text


def test_a_prefill_to_a_profile_that_takes_no_request_shows_why_and_no_form(client, client_account, therapist):
    Therapist.objects.filter(pk=therapist.pk).update(accepting_new_clients=False)
    client.force_login(client_account)
    response = client.post(_url(therapist), PREFILL)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "is not accepting new clients" in content and "<textarea" not in content


def test_a_prefill_to_an_unpublished_profile_is_not_found(client, client_account):
    hidden = TherapistFactory(status=Therapist.Status.DRAFT, slug="drafted")
    client.force_login(client_account)
    assert client.post(_url(hidden), PREFILL).status_code == HTTPStatus.NOT_FOUND


def test_a_prefill_with_an_open_request_points_to_it(client, client_account, therapist):
    open_one = request_in(AppointmentRequest.Status.PENDING, client=client_account, therapist=therapist)
    client.force_login(client_account)
    content = client.post(_url(therapist), PREFILL).content.decode()
    assert f"#request-{open_one.pk}" in content and "<textarea" not in content
