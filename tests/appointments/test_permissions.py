"""Who may open every request URL and send every POST: the matrix of roles, and the permission rules it rests on."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from appointments import permissions
from appointments.models import AppointmentRequest

from ..factories import TherapistFactory
from ..therapists.helpers import LOGIN, NOT_FOUND, OK, check_outcome
from .helpers import IN_A_WEEK, Status, request_form_data, request_in

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "client", "other_client", "owner", "other_therapist", "staff", "superuser"]
ACTOR_FIXTURES = {"client": "client_account", "other_therapist": "other_owner"}
FOUND, FORBIDDEN, NOT_ALLOWED = HTTPStatus.FOUND, HTTPStatus.FORBIDDEN, HTTPStatus.METHOD_NOT_ALLOWED
CREATE_PROFILE = "dashboard:profile_create"
ONLY = {actor: NOT_FOUND for actor in ACTORS} | {"anonymous": LOGIN}

# (method, URL name, the request's state, {actor: outcome}); "request" in a URL is the client's request to the owner.
MATRIX = [
    ("get", "appointments:create", None, {actor: OK for actor in ACTORS} | {"anonymous": LOGIN}),
    # Staff and the superuser of these tests have not confirmed their email: refused like any such client.
    (
        "post",
        "appointments:create",
        None,
        {"anonymous": LOGIN, "client": FOUND, "other_client": FOUND, "owner": FORBIDDEN, "other_therapist": FOUND}
        | {"staff": FORBIDDEN, "superuser": FORBIDDEN},
    ),
    ("get", "appointments:mine", None, {actor: OK for actor in ACTORS} | {"anonymous": LOGIN}),
    ("post", "appointments:cancel", Status.PENDING, ONLY | {"client": FOUND}),
    ("get", "appointments:cancel", Status.PENDING, {actor: NOT_ALLOWED for actor in ACTORS} | {"anonymous": LOGIN}),
    ("post", "appointments:take", Status.SUGGESTED, ONLY | {"client": FOUND}),
    ("get", "appointments:take", Status.SUGGESTED, {actor: NOT_ALLOWED for actor in ACTORS} | {"anonymous": LOGIN}),
    (
        "get",
        "appointments:inbox",
        None,
        {actor: CREATE_PROFILE for actor in ACTORS} | {"anonymous": LOGIN, "owner": OK, "other_therapist": OK},
    ),
    ("get", "appointments:answer", Status.PENDING, ONLY | {"owner": OK}),
    ("post", "appointments:answer", Status.PENDING, ONLY | {"owner": FOUND}),
    ("post", "appointments:outcome", Status.ACCEPTED, ONLY | {"owner": FOUND}),
    ("get", "appointments:outcome", Status.ACCEPTED, ONLY | {"owner": NOT_ALLOWED}),
]
CASES = [(method, name, state, actor, row[actor]) for method, name, state, row in MATRIX for actor in ACTORS]


def _data(name: str, therapist) -> dict:
    if name == "appointments:create":
        return request_form_data()
    if name == "appointments:answer":
        moment = (timezone.now() + IN_A_WEEK).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M")
        return {"answer": "accept", "moment": moment}
    if name == "appointments:outcome":
        return {"outcome": "held"}
    return {}


@pytest.mark.parametrize(
    ("method", "name", "state", "actor", "expected"), CASES, ids=[f"{m}-{n}-{a}" for m, n, _, a, _ in CASES]
)
def test_every_url_and_post_follows_the_permission_matrix(
    client, request, client_account, therapist, time_machine, method, name, state, actor, expected
):
    appointment = request_in(state, client=client_account, therapist=therapist) if state else None
    if name == "appointments:outcome":
        time_machine.move_to(appointment.agreed_at + datetime.timedelta(hours=1), tick=False)
    if actor != "anonymous":
        client.force_login(request.getfixturevalue(ACTOR_FIXTURES.get(actor, actor)))
    if name == "appointments:create":
        url = reverse(name, args=[therapist.slug])
    else:
        url = reverse(name, args=[appointment.pk] if appointment else [])
    response = getattr(client, method)(url, _data(name, therapist) if method == "post" else None)
    check_outcome(response, expected)
    if method == "post" and expected != FOUND and appointment is not None:
        assert AppointmentRequest.objects.get(pk=appointment.pk).status == state  # nothing changed


def test_another_therapists_inbox_never_lists_the_request(client, client_account, therapist, other_owner):
    request_in(Status.PENDING, client=client_account, therapist=therapist, message="Only for Lena")
    client.force_login(other_owner)
    response = client.get(reverse("appointments:inbox"))
    assert list(response.context["appointments"]) == []
    assert "Only for Lena" not in response.content.decode()


def test_an_unpublished_or_suspended_profile_is_not_found(client, client_account, therapist):
    client.force_login(client_account)
    for status in ("draft", "suspended"):
        therapist.status = status
        therapist.save(update_fields=["status"])
        url = reverse("appointments:create", args=[therapist.slug])
        assert client.get(url).status_code == NOT_FOUND
        assert client.post(url, request_form_data()).status_code == NOT_FOUND
    assert not AppointmentRequest.objects.exists()


def test_request_refusal_reasons(client_account, owner, therapist):
    assert permissions.request_refusal(client_account, therapist) is None
    assert permissions.request_refusal(AnonymousUser(), therapist) is None  # they log in first
    assert permissions.request_refusal(owner, therapist).code == "own_profile"
    assert permissions.request_refusal(client_account, TherapistFactory(owner=None)).code == "unowned"
    therapist.accepting_new_clients = False
    assert permissions.request_refusal(client_account, therapist).code == "not_accepting"
    assert not permissions.can_request(client_account, therapist)


def test_the_parties_of_a_request(client_account, other_client, owner, other_owner, therapist):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    assert [permissions.is_client(user, appointment) for user in (client_account, other_client, owner)] == [
        True,
        False,
        False,
    ]
    assert [permissions.is_therapist(user, appointment) for user in (owner, other_owner, client_account)] == [
        True,
        False,
        False,
    ]
    assert not permissions.is_therapist(AnonymousUser(), appointment)
