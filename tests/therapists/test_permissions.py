"""therapists.permissions and the role matrix it draws: who may open every dashboard URL and each document."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from therapists.models import Certification, Specialty, Therapist
from therapists.permissions import can_decide_claims, can_read_document, can_verify
from therapists.services.photos import therapist_set_photo
from therapists.uploads import process_photo

from .helpers import ACTOR_FIXTURES, ACTORS, LOGIN, NOT_FOUND, OK, check_outcome

pytestmark = pytest.mark.django_db

CREATE, EDIT, HOME = "dashboard:profile_create", "dashboard:profile_edit", "dashboard:home"

# Pages about one's own profile: those without a profile are sent to create one.
OWN_PROFILE_PAGES = {
    "anonymous": LOGIN,
    "client": CREATE,
    "other_therapist": OK,
    "owner": OK,
    "verifier": CREATE,
    "superuser": CREATE,
    "staff": CREATE,
}
# One certification of the owner: nobody else finds it, staff included.
OWNERS_CERTIFICATION = {actor: NOT_FOUND for actor in ACTORS} | {"anonymous": LOGIN, "owner": OK}
DOCUMENT = OWNERS_CERTIFICATION | {"verifier": OK, "superuser": OK}

MATRIX = {
    "dashboard:home": {actor: OK for actor in ACTORS} | {"anonymous": LOGIN},
    "dashboard:profile_create": {actor: OK for actor in ACTORS}
    | {"anonymous": LOGIN, "owner": EDIT, "other_therapist": EDIT},
    "dashboard:profile_claim": {actor: OK for actor in ACTORS}
    | {"anonymous": LOGIN, "owner": HOME, "other_therapist": HOME},
    "dashboard:profile_edit": OWN_PROFILE_PAGES,
    "dashboard:photo": OWN_PROFILE_PAGES,
    "dashboard:services": OWN_PROFILE_PAGES,
    "dashboard:hours": OWN_PROFILE_PAGES,
    "dashboard:practice": OWN_PROFILE_PAGES,
    "dashboard:certification_create": OWN_PROFILE_PAGES,
    "dashboard:certification_edit": OWNERS_CERTIFICATION,
    "dashboard:certification_withdraw": OWNERS_CERTIFICATION,
    "dashboard:certification_document": DOCUMENT,
    "dashboard:certification_document_preview": {actor: NOT_FOUND for actor in ACTORS}
    | {"anonymous": LOGIN, "verifier": OK, "superuser": OK},
}
GET_CASES = [(name, actor, expected) for name, row in MATRIX.items() for actor, expected in row.items()]
# What the permission functions answer for each actor, about the owner's certification.
READS_DOCUMENT = {actor: DOCUMENT[actor] == OK for actor in ACTORS}
VERIFIES = {actor: actor in {"verifier", "superuser"} for actor in ACTORS}
DECIDES_CLAIMS = {actor: actor == "superuser" for actor in ACTORS}


def _user(request, actor):
    """The actor's user (AnonymousUser for "anonymous")."""
    return AnonymousUser() if actor == "anonymous" else request.getfixturevalue(ACTOR_FIXTURES.get(actor, actor))


@pytest.mark.parametrize(("name", "actor", "expected"), GET_CASES, ids=[f"{n}-{a}" for n, a, _ in GET_CASES])
def test_dashboard_get_follows_the_permission_matrix(as_actor, certification, name, actor, expected):
    needs_pk = name.startswith("dashboard:certification_") and name != "dashboard:certification_create"
    url = reverse(name, args=[certification.pk] if needs_pk else [])
    check_outcome(as_actor(actor).get(url), expected)


@pytest.mark.parametrize("actor", [actor for actor in ACTORS if DOCUMENT[actor] == OK])
def test_document_download_is_an_attachment_for_those_allowed(as_actor, certification, actor):
    response = as_actor(actor).get(reverse("dashboard:certification_document", args=[certification.pk]))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(("actor", "expected"), [(actor, out) for actor, out in DOCUMENT.items() if out != OK])
def test_document_download_is_refused_to_everyone_else(as_actor, certification, actor, expected):
    response = as_actor(actor).get(reverse("dashboard:certification_document", args=[certification.pk]))
    check_outcome(response, expected)
    assert not response.has_header("Content-Disposition")
    assert not getattr(response, "streaming", False)


def test_document_is_never_under_the_public_media_url(client, certification, settings):
    path = certification.document.path
    assert certification.document.name.startswith("certifications/")
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT)) and not path.startswith(str(settings.MEDIA_ROOT) + "/")
    assert client.get(settings.MEDIA_URL + certification.document.name).status_code == HTTPStatus.NOT_FOUND


WITHDRAW = {actor: (expected, True) for actor, expected in OWNERS_CERTIFICATION.items()} | {"owner": (HOME, False)}


@pytest.mark.parametrize(("actor", "expected", "kept"), [(a, *outcome) for a, outcome in WITHDRAW.items()])
def test_certification_withdraw_post_removes_only_ones_own_certification(
    as_actor, certification, actor, expected, kept
):
    response = as_actor(actor).post(reverse("dashboard:certification_withdraw", args=[certification.pk]))
    check_outcome(response, expected)
    assert Certification.objects.filter(pk=certification.pk).exists() == kept


@pytest.mark.parametrize("actor", ACTORS)
def test_certification_edit_post_changes_only_ones_own_certification(as_actor, certification, actor):
    data = {
        "kind": "license",
        "title": "Changed title",
        "issuing_body": "Board",
        "region": "CO",
        "issued_on": "2020-01-01",
    }
    as_actor(actor).post(reverse("dashboard:certification_edit", args=[certification.pk]), data)
    certification.refresh_from_db()
    assert (certification.title == "Changed title") == (actor == "owner")


@pytest.mark.parametrize("actor", ACTORS)
def test_profile_publish_post_acts_on_ones_own_profile_only(as_actor, owned_therapist, actor):
    Therapist.objects.filter(pk=owned_therapist.pk).update(status=Therapist.Status.DRAFT)
    response = as_actor(actor).post(reverse("dashboard:profile_publish"), {"publish": "true"})
    owned_therapist.refresh_from_db()
    assert (owned_therapist.status == Therapist.Status.PUBLISHED) == (actor == "owner")
    check_outcome(response, {"anonymous": LOGIN, "owner": HOME, "other_therapist": HOME}.get(actor, CREATE))


@pytest.mark.parametrize("actor", ACTORS)
def test_photo_remove_post_acts_on_ones_own_profile_only(as_actor, owned_therapist, actor, upload):
    therapist_set_photo(therapist=owned_therapist, photo=process_photo(upload()))
    as_actor(actor).post(reverse("dashboard:photo_remove"))
    owned_therapist.refresh_from_db()
    assert (not owned_therapist.photo) == (actor == "owner")


# One valid POST to each page about one's own menu, hours and practice, and what it changes when it is saved.
def _offerings_posts() -> dict:
    swedish = Specialty.objects.get(slug="swedish")
    return {
        "dashboard:services": {
            "services-TOTAL_FORMS": "1",
            "services-INITIAL_FORMS": "0",
            "services-0-specialty": str(swedish.pk),
            "services-0-minutes": "60",
            "services-0-price": "77",
        },
        "dashboard:hours": {"day0_opens_1": "09:00", "day0_closes_1": "17:00", "by_appointment": "on"},
        "dashboard:practice": {"street_address": "1 Main St", "accepts_cash": "on", "cancellation_policy": "None."},
    }


def _offerings_of(therapist: Therapist) -> dict:
    therapist.refresh_from_db()
    return {
        "dashboard:services": list(therapist.services.values_list("minutes", "price")),
        "dashboard:hours": list(therapist.opening_periods.values_list("weekday", flat=True)),
        "dashboard:practice": (therapist.street_address, therapist.accepts_cash, therapist.cancellation_policy),
    }


OFFERINGS_PAGES = ["dashboard:services", "dashboard:hours", "dashboard:practice"]
OFFERINGS_POST = {actor: CREATE for actor in ACTORS} | {"anonymous": LOGIN, "owner": HOME, "other_therapist": HOME}


@pytest.mark.parametrize("name", OFFERINGS_PAGES)
@pytest.mark.parametrize("actor", ACTORS)
def test_offerings_post_changes_only_the_signed_in_users_own_profile(
    as_actor, owned_therapist, other_therapist_user, name, actor
):
    """The pages act on request.user's own profile: nobody reaches the owner's menu, hours or practice; staff and
    superusers without a profile are sent to create one; another therapist changes only their own."""
    owned_therapist.specialties.add(Specialty.objects.get(slug="swedish"))
    other = other_therapist_user.therapist_profile
    other.specialties.add(Specialty.objects.get(slug="swedish"))
    owners_before, others_before = _offerings_of(owned_therapist)[name], _offerings_of(other)[name]
    response = as_actor(actor).post(reverse(name), _offerings_posts()[name])
    check_outcome(response, OFFERINGS_POST[actor])
    assert (_offerings_of(owned_therapist)[name] != owners_before) == (actor == "owner")
    assert (_offerings_of(other)[name] != others_before) == (actor == "other_therapist")


@pytest.mark.parametrize("name", OFFERINGS_PAGES)
def test_offerings_post_needs_the_csrf_token(therapist_owner, owned_therapist, name):
    owned_therapist.specialties.add(Specialty.objects.get(slug="swedish"))
    before = _offerings_of(owned_therapist)[name]
    client = Client(enforce_csrf_checks=True)
    client.force_login(therapist_owner)
    response = client.post(reverse(name), _offerings_posts()[name])
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert _offerings_of(owned_therapist)[name] == before
    # The page's own form carries the token, and with it the same POST is saved.
    token = client.get(reverse(name)).cookies["csrftoken"].value
    response = client.post(reverse(name), {**_offerings_posts()[name], "csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.FOUND
    assert _offerings_of(owned_therapist)[name] != before


@pytest.mark.parametrize("actor", ACTORS)
def test_can_read_document_follows_the_role_matrix(request, certification, actor):
    assert can_read_document(_user(request, actor), certification) == READS_DOCUMENT[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_can_verify_is_for_verifiers_and_superusers(request, certification, actor):
    assert can_verify(_user(request, actor)) == VERIFIES[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_can_decide_claims_is_for_staff_who_may_change_claims(request, certification, actor):
    assert can_decide_claims(_user(request, actor)) == DECIDES_CLAIMS[actor]


@pytest.mark.parametrize("check", [can_verify, can_decide_claims])
def test_permissions_refuse_an_inactive_superuser(superuser, check):
    superuser.is_active = False
    assert not check(superuser)
