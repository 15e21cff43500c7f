"""Whether a visit took place: the therapist says so after the agreed time, the site asks the client 14 days later
without their answer, the client answers once asked; a visit that took place invites its client to review."""

import ast
import datetime
from http import HTTPStatus
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.models import AppointmentRequest, OutcomeSource
from reviews.models import ReviewInvitation

from ..factories import TherapistFactory
from ..therapists.helpers import LOGIN, NOT_FOUND, check_outcome
from .helpers import Status, confirmed_account, request_in
from .test_views import INBOX_QUERIES, MY_REQUESTS_QUERIES

pytestmark = pytest.mark.django_db

ASK_AFTER = datetime.timedelta(days=services.OUTCOME_QUESTION_DAYS)


@pytest.fixture
def past_visit(client_account, therapist, today):
    """Ana's accepted visit to Lena, agreed for two hours ago."""
    return request_in(
        Status.ACCEPTED,
        client=client_account,
        therapist=therapist,
        agreed_at=timezone.now() - datetime.timedelta(hours=2),
    )


@pytest.fixture
def asked_visit(past_visit, time_machine):
    """The same visit, 15 days on, after the site asked Ana whether it took place."""
    time_machine.move_to(past_visit.agreed_at + ASK_AFTER + datetime.timedelta(days=1), tick=False)
    assert services.ask_clients_about_visits() == 1
    past_visit.refresh_from_db()
    return past_visit


def _stored(appointment) -> AppointmentRequest:
    return AppointmentRequest.objects.get(pk=appointment.pk)


def _code(excinfo) -> str:
    return excinfo.value.error_list[0].code


# --- the therapist's answer ---


def test_the_therapist_records_that_the_visit_took_place_and_its_client_is_invited(
    past_visit, owner, client_account, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_record_outcome(appointment=past_visit, therapist_user=owner, outcome="held")
    stored = _stored(past_visit)
    assert (stored.status, stored.outcome_recorded_by, stored.closed_at) == (
        Status.HELD,
        OutcomeSource.THERAPIST,
        timezone.now(),
    )
    invitation = ReviewInvitation.objects.get()
    assert (invitation.visit, invitation.client, invitation.therapist) == (stored, client_account, stored.therapist)
    (email,) = mailoutbox
    assert email.to == [client_account.email] and "/reviews/invite/" in email.body


def test_a_visit_that_did_not_take_place_invites_nobody(past_visit, owner):
    services.appointment_record_outcome(appointment=past_visit, therapist_user=owner, outcome="no_show")
    stored = _stored(past_visit)
    assert (stored.status, stored.get_status_display(), stored.outcome_recorded_by) == (
        Status.NO_SHOW,
        "Visit did not take place",
        OutcomeSource.THERAPIST,
    )
    assert ReviewInvitation.objects.count() == 0


def test_the_outcome_waits_for_the_agreed_time(client_account, owner, therapist):
    ahead = request_in(Status.ACCEPTED, client=client_account, therapist=therapist)
    with pytest.raises(ValidationError) as excinfo:
        services.appointment_record_outcome(appointment=ahead, therapist_user=owner, outcome="held")
    assert _code(excinfo) == "future"
    assert (_stored(ahead).status, ReviewInvitation.objects.count()) == (Status.ACCEPTED, 0)


def test_an_invitation_that_cannot_be_stored_leaves_the_outcome_unrecorded(past_visit, owner):
    with (
        mock.patch("reviews.invitations.invitation_issue", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        services.appointment_record_outcome(appointment=past_visit, therapist_user=owner, outcome="held")
    stored = _stored(past_visit)
    assert (stored.status, stored.outcome_recorded_by, stored.closed_at) == (Status.ACCEPTED, "", None)


def test_the_outcome_is_recorded_once(past_visit, owner):
    services.appointment_record_outcome(appointment=past_visit, therapist_user=owner, outcome="held")
    with pytest.raises(ValidationError, match="already recorded as having taken place") as excinfo:
        services.appointment_record_outcome(appointment=past_visit, therapist_user=owner, outcome="no_show")
    assert _code(excinfo) == "not_allowed"
    assert (_stored(past_visit).status, ReviewInvitation.objects.count()) == (Status.HELD, 1)


# --- asking the client ---


def test_the_site_asks_the_client_once_fourteen_days_after_the_visit(
    past_visit, client_account, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    time_machine.move_to(past_visit.agreed_at + ASK_AFTER - datetime.timedelta(minutes=1), tick=False)
    assert services.ask_clients_about_visits() == 0
    time_machine.move_to(past_visit.agreed_at + ASK_AFTER, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ask_clients_about_visits() == 1
    assert _stored(past_visit).outcome_asked_at == timezone.now()
    (email,) = mailoutbox
    assert email.to == [client_account.email]
    assert email.subject == "Did your visit with Lena Ortiz take place?"
    assert f"/requests/#request-{past_visit.pk}" in email.body
    time_machine.move_to(timezone.now() + datetime.timedelta(days=3), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ask_clients_about_visits() == 0
    assert len(mailoutbox) == 1


def test_only_visits_left_unrecorded_are_asked_about(client_account, therapist, today):
    long_ago = timezone.now() - ASK_AFTER - datetime.timedelta(days=1)
    for status in Status:
        if status != Status.ACCEPTED:
            request_in(status, client=confirmed_account(), therapist=therapist, agreed_at=long_ago)
    unrecorded = request_in(Status.ACCEPTED, client=client_account, therapist=therapist, agreed_at=long_ago)
    assert services.ask_clients_about_visits() == 1
    assert list(AppointmentRequest.objects.filter(outcome_asked_at__isnull=False)) == [unrecorded]


def test_the_command_asks_and_says_how_many(past_visit, time_machine, capsys):
    time_machine.move_to(past_visit.agreed_at + ASK_AFTER, tick=False)
    call_command("ask_about_visits")
    assert "Asked 1 client about their visit." in capsys.readouterr().out
    call_command("ask_about_visits")
    assert "Asked 0 clients about their visit." in capsys.readouterr().out


# --- the client's answer ---


def test_once_asked_the_client_says_it_took_place_and_is_invited(asked_visit, client_account):
    services.appointment_client_outcome(appointment=asked_visit, client=client_account, outcome="held")
    stored = _stored(asked_visit)
    assert (stored.status, stored.outcome_recorded_by) == (Status.HELD, OutcomeSource.CLIENT)
    assert ReviewInvitation.objects.get().visit == stored


def test_the_client_cannot_answer_before_being_asked(past_visit, client_account):
    with pytest.raises(ValidationError) as excinfo:
        services.appointment_client_outcome(appointment=past_visit, client=client_account, outcome="held")
    assert _code(excinfo) == "not_asked"
    assert (_stored(past_visit).status, ReviewInvitation.objects.count()) == (Status.ACCEPTED, 0)


def test_the_first_answer_counts_the_therapist_may_still_answer_after_the_client_was_asked(
    asked_visit, client_account, owner
):
    services.appointment_record_outcome(appointment=asked_visit, therapist_user=owner, outcome="no_show")
    with pytest.raises(ValidationError) as excinfo:
        services.appointment_client_outcome(appointment=asked_visit, client=client_account, outcome="held")
    assert _code(excinfo) == "not_allowed"
    stored = _stored(asked_visit)
    assert (stored.status, stored.outcome_recorded_by, ReviewInvitation.objects.count()) == (
        Status.NO_SHOW,
        OutcomeSource.THERAPIST,
        0,
    )


def test_only_the_requests_client_answers(asked_visit, other_client, owner):
    for user in (other_client, owner):
        with pytest.raises(ValidationError) as excinfo:
            services.appointment_client_outcome(appointment=asked_visit, client=user, outcome="held")
        assert _code(excinfo) == "not_client"
    assert _stored(asked_visit).status == Status.ACCEPTED


@pytest.mark.parametrize("outcome", ["", "cancelled", "client_held"])
def test_an_unknown_answer_is_refused(asked_visit, client_account, outcome):
    with pytest.raises(ValidationError) as excinfo:
        services.appointment_client_outcome(appointment=asked_visit, client=client_account, outcome=outcome)
    assert _code(excinfo) == "invalid"
    assert _stored(asked_visit).status == Status.ACCEPTED


# --- the pages ---


def test_the_inbox_asks_about_visits_whose_time_has_passed(client, owner, therapist, past_visit, client_account):
    ahead = request_in(Status.ACCEPTED, client=confirmed_account(), therapist=therapist)
    client.force_login(owner)
    page = client.get(reverse("appointments:inbox")).content.decode()
    assert page.count("take place?</legend>") == 1
    assert f'action="{reverse("appointments:outcome", args=[past_visit.pk])}"' in page
    assert reverse("appointments:outcome", args=[ahead.pk]) not in page
    assert ">It took place<" in page and ">It did not take place<" in page
    response = client.post(reverse("appointments:outcome", args=[past_visit.pk]), {"outcome": "held"})
    check_outcome(response, "appointments:inbox")
    assert _stored(past_visit).status == Status.HELD
    assert "take place?</legend>" not in client.get(reverse("appointments:inbox")).content.decode()


@pytest.mark.parametrize("count", [1, 15])
def test_the_inbox_runs_the_same_exact_queries_with_visits_to_record(client, page_queries, owner, therapist, count):
    for _ in range(count):
        request_in(
            Status.ACCEPTED, client=confirmed_account(), therapist=therapist,
            agreed_at=timezone.now() - datetime.timedelta(days=1), outcome_asked_at=timezone.now(),
        )  # fmt: skip
    client.force_login(owner)
    response = page_queries(reverse("appointments:inbox"), INBOX_QUERIES)
    assert response.content.decode().count("take place?</legend>") == count


def test_the_client_answers_from_their_requests_once_asked(client, client_account, past_visit, time_machine):
    client.force_login(client_account)
    page = client.get(reverse("appointments:mine")).content.decode()
    assert "take place?</legend>" not in page and "Cancel this visit" not in page
    time_machine.move_to(past_visit.agreed_at + ASK_AFTER, tick=False)
    services.ask_clients_about_visits()
    client.force_login(client_account)
    page = client.get(reverse("appointments:mine")).content.decode()
    assert "Did your visit on" in page and "Lena Ortiz has not said." in page
    response = client.post(reverse("appointments:client_outcome", args=[past_visit.pk]), {"outcome": "held"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('appointments:mine')}#request-{past_visit.pk}"
    page = client.get(reverse("appointments:mine")).content.decode()
    assert "your invitation to write a verified review is under" in page
    assert ReviewInvitation.objects.filter(client=client_account).count() == 1


@pytest.mark.parametrize("count", [1, 15])
def test_my_requests_run_the_same_exact_queries_with_visits_to_answer(client, page_queries, client_account, count):
    for _ in range(count):
        request_in(
            Status.ACCEPTED, client=client_account, therapist=TherapistFactory(owner=confirmed_account()),
            agreed_at=timezone.now() - datetime.timedelta(days=20), outcome_asked_at=timezone.now(),
        )  # fmt: skip
    client.force_login(client_account)
    response = page_queries(reverse("appointments:mine"), MY_REQUESTS_QUERIES)
    assert response.content.decode().count("take place?</legend>") == count


@pytest.mark.parametrize(
    ("data", "asked", "status"),
    [({"outcome": "held"}, False, HTTPStatus.CONFLICT), ({"outcome": "maybe"}, True, HTTPStatus.BAD_REQUEST),
     ({}, True, HTTPStatus.BAD_REQUEST)],
)  # fmt: skip
def test_a_refused_answer_says_why_under_its_4xx(client, client_account, past_visit, data, asked, status):
    if asked:
        AppointmentRequest.objects.filter(pk=past_visit.pk).update(outcome_asked_at=timezone.now())
    client.force_login(client_account)
    response = client.post(reverse("appointments:client_outcome", args=[past_visit.pk]), data)
    assert response.status_code == status
    assert "That could not be done" in response.content.decode()
    assert _stored(past_visit).status == Status.ACCEPTED


ACTORS = ["anonymous", "client", "other_client", "owner", "other_therapist", "staff", "superuser"]
FIXTURES = {"client": "client_account", "other_therapist": "other_owner"}
# The client's answer: only the request's client; anyone else's request is simply not found; GET is not a thing.
CLIENT_OUTCOME = {actor: NOT_FOUND for actor in ACTORS} | {"anonymous": LOGIN, "client": HTTPStatus.FOUND}


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_answer_for_the_client(client, request, asked_visit, actor):
    if actor != "anonymous":
        client.force_login(request.getfixturevalue(FIXTURES.get(actor, actor)))
    url = reverse("appointments:client_outcome", args=[asked_visit.pk])
    get = client.get(url)
    check_outcome(get, LOGIN if actor == "anonymous" else HTTPStatus.METHOD_NOT_ALLOWED)
    check_outcome(client.post(url, {"outcome": "held"}), CLIENT_OUTCOME[actor])
    assert _stored(asked_visit).status == (Status.HELD if actor == "client" else Status.ACCEPTED)


def test_the_appointments_app_never_imports_reviews():
    root = Path(__file__).resolve().parents[2] / "appointments"
    imported = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    assert "django" in imported and "reviews" not in imported


def test_the_request_page_words_the_outcome_as_the_inbox_does(client, owner, past_visit):
    client.force_login(owner)
    page = client.get(reverse("appointments:answer", args=[past_visit.pk])).content.decode()
    assert "The visit took place" in page and "The visit did not take place" in page
    assert "did not come" not in page
