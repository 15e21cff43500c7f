"""appointments.services: the request, every transition (allowed and refused), limits, emails, nothing half-saved."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments import services
from appointments.models import AppointmentRequest
from appointments.services import TRANSITIONS, RequestDetails
from therapists.models import Therapist

from ..factories import TherapistFactory, UserFactory
from .helpers import IN_A_WEEK, Status, confirmed_account, request_in

pytestmark = pytest.mark.django_db

ALL_STATUSES = list(Status)


def details(**overrides) -> RequestDetails:
    return RequestDetails(
        **{"preferred_days": ["mon"], "preferred_times": ["evening"], "message": "Hello", **overrides}
    )


def _create(client, therapist, **overrides) -> AppointmentRequest:
    return services.appointment_request_create(client=client, therapist=therapist, details=details(**overrides))


def _code(excinfo) -> str:
    error = excinfo.value
    if hasattr(error, "error_dict"):
        return next(iter(error.error_dict.values()))[0].code
    return error.error_list[0].code


# --- a new request ---


def test_a_request_is_stored_pending_and_emails_the_owner_after_commit(
    client_account, therapist, swedish, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appointment = _create(client_account, therapist, specialty=swedish, precautions="  Pregnant, 20 weeks ")
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    appointment.refresh_from_db()
    assert (appointment.status, appointment.client, appointment.therapist) == (
        Status.PENDING,
        client_account,
        therapist,
    )
    assert (appointment.specialty, appointment.precautions, appointment.answered_at) == (
        swedish,
        "Pregnant, 20 weeks",
        None,
    )
    assert [message.to for message in mail.outbox] == [["owner@example.com"]]
    assert "Ana L." in mail.outbox[0].subject
    assert f"/dashboard/requests/{appointment.pk}/" in mail.outbox[0].body
    # Health notes stay on the site: never in an email that crosses mail servers.
    assert "Pregnant" not in mail.outbox[0].body


def _refusal_cases():
    return {
        "own_profile": lambda people: people["owner"],
        "email_unconfirmed": lambda people: UserFactory(username="unconfirmed"),
    }


@pytest.mark.parametrize("case", _refusal_cases())
def test_a_request_is_refused_for_ones_own_profile_and_an_unconfirmed_email(case, owner, therapist):
    user = _refusal_cases()[case]({"owner": owner})
    with pytest.raises(ValidationError) as excinfo:
        _create(user, therapist)
    assert _code(excinfo) == case
    assert not AppointmentRequest.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"accepting_new_clients": False}, "not_accepting"),
        ({"status": Therapist.Status.SUSPENDED}, "not_public"),
        ({"status": Therapist.Status.DRAFT}, "not_public"),
        ({"owner": None}, "unowned"),
    ],
)
def test_a_request_is_refused_for_a_profile_not_open_to_requests(client_account, therapist, change, code):
    Therapist.objects.filter(pk=therapist.pk).update(**change)
    with pytest.raises(ValidationError) as excinfo:
        _create(client_account, therapist)
    assert _code(excinfo) == code
    assert not AppointmentRequest.objects.exists()
    assert mail.outbox == []


def test_the_refusal_reads_the_profile_under_the_lock_not_the_callers_copy(client_account, therapist):
    stale = Therapist.objects.get(pk=therapist.pk)
    Therapist.objects.filter(pk=therapist.pk).update(accepting_new_clients=False)
    with pytest.raises(ValidationError, match="not accepting new clients"):
        _create(client_account, stale)


@pytest.mark.parametrize("open_status", [Status.PENDING, Status.SUGGESTED])
def test_one_open_request_per_client_and_therapist(client_account, therapist, open_status):
    request_in(open_status, client=client_account, therapist=therapist)
    with pytest.raises(ValidationError) as excinfo:
        _create(client_account, therapist)
    assert _code(excinfo) == "open_request_exists"
    assert AppointmentRequest.objects.count() == 1


@pytest.mark.parametrize("closed_status", [Status.ACCEPTED, Status.DECLINED, Status.CANCELLED, Status.HELD])
def test_a_new_request_is_welcome_once_the_last_one_is_answered_or_closed(client_account, therapist, closed_status):
    request_in(closed_status, client=client_account, therapist=therapist)
    assert _create(client_account, therapist).status == Status.PENDING


def test_another_client_may_request_the_same_therapist_meanwhile(client_account, other_client, therapist):
    _create(client_account, therapist)
    assert _create(other_client, therapist).client == other_client


def test_no_more_than_the_limit_per_client_per_hour_and_only_stored_requests_count(client_account, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    therapists = [TherapistFactory(owner=confirmed_account()) for _ in range(services.REQUEST_LIMIT + 1)]
    # A refused request (here: an unaccepting profile) gives its place back.
    closed = TherapistFactory(owner=confirmed_account(), accepting_new_clients=False)
    with pytest.raises(ValidationError):
        _create(client_account, closed)
    for therapist in therapists[:-1]:
        _create(client_account, therapist)
    with pytest.raises(ValidationError) as excinfo:
        _create(client_account, therapists[-1])
    assert _code(excinfo) == "throttled"
    assert "5 requests in the last hour" in excinfo.value.messages[0]
    assert AppointmentRequest.objects.count() == services.REQUEST_LIMIT
    # Another client is not held back by this one's count.
    assert _create(confirmed_account(), therapists[-1]).status == Status.PENDING


def test_the_limit_is_counted_in_the_shared_cache_so_it_holds_across_processes(client_account, therapist):
    """A second process sees the count the first one left in the cache: here, a count already at the limit."""
    throttle = services.request_throttle()
    for _ in range(services.REQUEST_LIMIT):
        throttle.hit(f"user:{client_account.pk}")
    with pytest.raises(ValidationError, match="the most we accept"):
        _create(client_account, therapist)


@pytest.mark.frozen_cache_clock
def test_the_limit_window_ends_after_an_hour(client_account, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    for _ in range(services.REQUEST_LIMIT):
        _create(client_account, TherapistFactory(owner=confirmed_account()))
    late = TherapistFactory(owner=confirmed_account())
    with pytest.raises(ValidationError):
        _create(client_account, late)
    # locmem's expiry reads the real clock (time.time), which time-machine moves too.
    time_machine.move_to(start + datetime.timedelta(seconds=services.REQUEST_WINDOW_SECONDS + 1), tick=False)
    assert _create(client_account, late).status == Status.PENDING


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"preferred_days": [], "preferred_times": [], "preferred_note": " "}, "preferred_days"),
        ({"preferred_days": ["someday"]}, "preferred_days"),
        ({"preferred_days": ["mon", "mon"]}, "preferred_days"),
        ({"preferred_times": ["midnight"]}, "preferred_times"),
        ({"message": "x" * 2001}, "message"),
        ({"precautions": "x" * 1001}, "precautions"),
        ({"preferred_note": "x" * 201}, "preferred_note"),
    ],
)
def test_bad_details_are_a_field_error_and_nothing_is_stored(client_account, therapist, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        _create(client_account, therapist, **overrides)
    assert field in excinfo.value.error_dict
    assert not AppointmentRequest.objects.exists()
    assert mail.outbox == []


def test_a_kind_of_massage_the_therapist_does_not_offer_is_refused(client_account, therapist, deep):
    with pytest.raises(ValidationError) as excinfo:
        _create(client_account, therapist, specialty=deep)
    assert "specialty" in excinfo.value.error_dict


def test_the_database_refuses_a_second_open_request_for_the_pair(client_account, therapist):
    request_in(Status.PENDING, client=client_account, therapist=therapist)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentRequest.objects.create(client=client_account, therapist=therapist, preferred_days=["tue"])


# --- transitions: the one table, every action from every state ---


def _actor(action, people):
    return people["client"] if TRANSITIONS[action][2] == "client" else people["owner"]


def _perform(action: str, appointment: AppointmentRequest, user):
    future = timezone.now() + datetime.timedelta(days=3)
    if action == "accept":
        return services.appointment_accept(appointment=appointment, therapist_user=user, agreed_at=future)
    if action == "suggest":
        return services.appointment_suggest(appointment=appointment, therapist_user=user, proposed_at=future)
    if action == "decline":
        return services.appointment_decline(appointment=appointment, therapist_user=user, reason="fully_booked")
    if action == "take_suggestion":
        return services.appointment_take_suggestion(appointment=appointment, client=user)
    if action == "cancel":
        return services.appointment_cancel(appointment=appointment, client=user)
    if action.startswith("client_"):
        outcome = action.removeprefix("client_")
        return services.appointment_client_outcome(appointment=appointment, client=user, outcome=outcome)
    return services.appointment_record_outcome(appointment=appointment, therapist_user=user, outcome=action)


TRANSITION_CASES = [(action, status) for action in TRANSITIONS for status in ALL_STATUSES]


@pytest.mark.parametrize(("action", "status"), TRANSITION_CASES, ids=[f"{a}-from-{s}" for a, s in TRANSITION_CASES])
def test_every_action_from_every_state_follows_the_transition_table(
    client_account, owner, therapist, action, status, time_machine
):
    allowed_from, to, _ = TRANSITIONS[action]
    outcome = to in (Status.HELD, Status.NO_SHOW)
    agreed = timezone.now() + IN_A_WEEK
    # The client answers an outcome only once asked (tests/appointments/test_outcome.py); asked here, so the table
    # alone decides.
    appointment = request_in(status, client=client_account, therapist=therapist, outcome_asked_at=timezone.now())
    if outcome:
        # An outcome is recorded after the agreed time.
        time_machine.move_to(agreed + datetime.timedelta(hours=2), tick=False)
    before = AppointmentRequest.objects.filter(pk=appointment.pk).values().get()
    user = _actor(action, {"client": client_account, "owner": owner})
    if status in allowed_from:
        assert _perform(action, appointment, user).status == to
        assert AppointmentRequest.objects.get(pk=appointment.pk).status == to
    else:
        with pytest.raises(ValidationError) as excinfo:
            _perform(action, appointment, user)
        assert _code(excinfo) == "not_allowed"
        assert AppointmentRequest.objects.filter(pk=appointment.pk).values().get() == before


@pytest.mark.parametrize("action", TRANSITIONS)
def test_only_the_actions_own_party_may_take_it(client_account, other_client, owner, other_owner, therapist, action):
    allowed_from, _, actor = TRANSITIONS[action]
    appointment = request_in(allowed_from[0], client=client_account, therapist=therapist)
    strangers = [other_client, other_owner, UserFactory(is_staff=True, is_superuser=True)]
    strangers.append(owner if actor == "client" else client_account)
    for stranger in strangers:
        with pytest.raises(ValidationError) as excinfo:
            _perform(action, appointment, stranger)
        assert _code(excinfo) == ("not_client" if actor == "client" else "not_therapist")
    assert AppointmentRequest.objects.get(pk=appointment.pk).status == allowed_from[0]


def test_accepting_books_the_time_and_emails_the_client(
    client_account, owner, therapist, django_capture_on_commit_callbacks
):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    when = datetime.datetime(2030, 7, 1, 20, 30, tzinfo=datetime.UTC)  # 14:30 in Denver (MDT)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.appointment_accept(
            appointment=appointment, therapist_user=owner, agreed_at=when, note="Ring the bell at the side door."
        )
    assert (accepted.status, accepted.agreed_at, accepted.therapist_note) == (
        Status.ACCEPTED,
        when,
        "Ring the bell at the side door.",
    )
    assert accepted.answered_at is not None
    assert [message.to for message in mail.outbox] == [["client@example.com"]]
    assert "Lena Ortiz answered your request: accepted" == mail.outbox[0].subject
    assert "Monday 1 July 2030, 14:30 MDT" in mail.outbox[0].body
    assert "Ring the bell at the side door." in mail.outbox[0].body


def test_suggesting_names_the_time_and_the_client_may_take_it(
    client_account, owner, therapist, django_capture_on_commit_callbacks
):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    when = timezone.now() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        suggested = services.appointment_suggest(appointment=appointment, therapist_user=owner, proposed_at=when)
    assert (suggested.status, suggested.proposed_at, suggested.agreed_at) == (Status.SUGGESTED, when, None)
    assert "They suggest another time" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        taken = services.appointment_take_suggestion(appointment=suggested, client=client_account)
    assert (taken.status, taken.agreed_at) == (Status.ACCEPTED, when)
    assert mail.outbox[-1].to == ["owner@example.com"]
    assert "took the time you suggested" in mail.outbox[-1].subject


def test_a_suggested_time_that_has_passed_cannot_be_taken(client_account, therapist, time_machine):
    appointment = request_in(Status.SUGGESTED, client=client_account, therapist=therapist)
    time_machine.move_to(appointment.proposed_at + datetime.timedelta(minutes=1), tick=False)
    with pytest.raises(ValidationError, match="has passed"):
        services.appointment_take_suggestion(appointment=appointment, client=client_account)
    assert AppointmentRequest.objects.get(pk=appointment.pk).status == Status.SUGGESTED


def test_declining_keeps_the_reason_and_emails_it(client_account, owner, therapist, django_capture_on_commit_callbacks):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    with django_capture_on_commit_callbacks(execute=True):
        declined = services.appointment_decline(
            appointment=appointment, therapist_user=owner, reason="see_professional", note="Please ask your doctor."
        )
    assert (declined.status, declined.decline_reason) == (Status.DECLINED, "see_professional")
    assert "They declined: Please see a healthcare professional first." in mail.outbox[0].body


@pytest.mark.parametrize(
    ("reason", "note", "field"), [("", "", "decline_reason"), ("busy", "", "decline_reason"), ("other", " ", "note")]
)
def test_a_decline_needs_a_reason_from_the_list_and_other_needs_a_note(
    client_account, owner, therapist, reason, note, field
):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    with pytest.raises(ValidationError) as excinfo:
        services.appointment_decline(appointment=appointment, therapist_user=owner, reason=reason, note=note)
    assert field in excinfo.value.error_dict
    assert AppointmentRequest.objects.get(pk=appointment.pk).status == Status.PENDING


@pytest.mark.parametrize("action", ["accept", "suggest"])
@pytest.mark.parametrize("offset", [datetime.timedelta(minutes=-1), datetime.timedelta(0)])
def test_a_time_in_the_past_is_refused_and_nothing_changes(client_account, owner, therapist, action, offset):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    when = timezone.now() + offset
    with pytest.raises(ValidationError) as excinfo:
        if action == "accept":
            services.appointment_accept(appointment=appointment, therapist_user=owner, agreed_at=when)
        else:
            services.appointment_suggest(appointment=appointment, therapist_user=owner, proposed_at=when)
    assert _code(excinfo) == "past"
    stored = AppointmentRequest.objects.get(pk=appointment.pk)
    assert (stored.status, stored.agreed_at, stored.proposed_at, stored.answered_at) == (
        Status.PENDING,
        None,
        None,
        None,
    )
    assert mail.outbox == []


def test_a_note_too_long_is_refused_and_nothing_changes(client_account, owner, therapist):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    with pytest.raises(ValidationError) as excinfo:
        services.appointment_accept(
            appointment=appointment, therapist_user=owner, agreed_at=timezone.now() + IN_A_WEEK, note="x" * 1001
        )
    assert "therapist_note" in excinfo.value.error_dict
    assert AppointmentRequest.objects.get(pk=appointment.pk).status == Status.PENDING


def test_accepting_a_request_cancelled_meanwhile_is_refused(client_account, owner, therapist):
    """The therapist's page was loaded before the client cancelled: the answer reads the row under its lock."""
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    services.appointment_cancel(appointment=AppointmentRequest.objects.get(pk=appointment.pk), client=client_account)
    with pytest.raises(ValidationError, match="The client has cancelled this request."):
        services.appointment_accept(appointment=appointment, therapist_user=owner, agreed_at=timezone.now() + IN_A_WEEK)
    assert AppointmentRequest.objects.get(pk=appointment.pk).status == Status.CANCELLED


def test_cancelling_tells_the_therapist(client_account, therapist, django_capture_on_commit_callbacks):
    appointment = request_in(Status.ACCEPTED, client=client_account, therapist=therapist)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.appointment_cancel(appointment=appointment, client=client_account)
    assert (cancelled.status, cancelled.closed_at is not None) == (Status.CANCELLED, True)
    assert mail.outbox[0].to == ["owner@example.com"]
    assert "Ana L. cancelled their request" == mail.outbox[0].subject


def test_a_visit_whose_time_has_passed_cannot_be_cancelled(client_account, therapist, time_machine):
    appointment = request_in(Status.ACCEPTED, client=client_account, therapist=therapist)
    time_machine.move_to(appointment.agreed_at + datetime.timedelta(minutes=1), tick=False)
    with pytest.raises(ValidationError, match="has passed"):
        services.appointment_cancel(appointment=appointment, client=client_account)


def test_the_outcome_waits_for_the_agreed_time_and_is_the_record_of_the_visit(
    client_account, owner, therapist, time_machine
):
    appointment = request_in(Status.ACCEPTED, client=client_account, therapist=therapist)
    with pytest.raises(ValidationError, match="still ahead"):
        services.appointment_record_outcome(appointment=appointment, therapist_user=owner, outcome="held")
    time_machine.move_to(appointment.agreed_at + datetime.timedelta(hours=1), tick=False)
    with pytest.raises(ValidationError, match="took place or not"):
        services.appointment_record_outcome(appointment=appointment, therapist_user=owner, outcome="cancelled")
    held = services.appointment_record_outcome(appointment=appointment, therapist_user=owner, outcome="held")
    # Who, which therapist, the agreed time and the outcome: what a verified review will rest on.
    stored = AppointmentRequest.objects.get(pk=held.pk)
    assert (stored.client, stored.therapist, stored.agreed_at, stored.status) == (
        client_account,
        therapist,
        appointment.agreed_at,
        Status.HELD,
    )
    assert stored.closed_at == timezone.now()
