"""Who may open what: every dashboard URL, the document views and the admin's verification actions."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from therapists.models import Certification, CertificationDecision, Therapist

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "client", "other_therapist", "owner", "verifier", "superuser", "staff"]
LOGIN = "login"
ADMIN_LOGIN = "admin_login"


@pytest.fixture
def as_actor(client, request, owner, certification):
    """Sign the test client in as one of the actors of the matrix."""

    def sign_in(actor: str):
        if actor != "anonymous":
            fixture = {"client": "client_user", "other_therapist": "other_therapist_user", "staff": "staff_user"}
            user = owner if actor == "owner" else request.getfixturevalue(fixture.get(actor, actor))
            client.force_login(user)
        return client

    return sign_in


def _check(response, expected):
    if expected == LOGIN:
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("login"))
    elif expected == ADMIN_LOGIN:
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("admin:login"))
    elif isinstance(expected, str):
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse(expected)
    else:
        assert response.status_code == expected


OK, NOT_FOUND, FORBIDDEN = HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN
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

MATRIX = {
    "dashboard:home": {actor: OK for actor in ACTORS} | {"anonymous": LOGIN},
    "dashboard:profile_create": {actor: OK for actor in ACTORS}
    | {"anonymous": LOGIN, "owner": EDIT, "other_therapist": EDIT},
    "dashboard:profile_claim": {actor: OK for actor in ACTORS}
    | {"anonymous": LOGIN, "owner": HOME, "other_therapist": HOME},
    "dashboard:profile_edit": OWN_PROFILE_PAGES,
    "dashboard:photo": OWN_PROFILE_PAGES,
    "dashboard:certification_create": OWN_PROFILE_PAGES,
    "dashboard:certification_edit": OWNERS_CERTIFICATION,
    "dashboard:certification_withdraw": OWNERS_CERTIFICATION,
    "dashboard:certification_document": OWNERS_CERTIFICATION | {"verifier": OK, "superuser": OK},
    "dashboard:certification_document_preview": {actor: NOT_FOUND for actor in ACTORS}
    | {"anonymous": LOGIN, "verifier": OK, "superuser": OK},
}
GET_CASES = [(name, actor, expected) for name, row in MATRIX.items() for actor, expected in row.items()]


@pytest.mark.parametrize(("name", "actor", "expected"), GET_CASES, ids=[f"{n}-{a}" for n, a, _ in GET_CASES])
def test_dashboard_get_follows_the_permission_matrix(as_actor, certification, name, actor, expected):
    needs_pk = name.startswith("dashboard:certification_") and name != "dashboard:certification_create"
    url = reverse(name, args=[certification.pk] if needs_pk else [])
    _check(as_actor(actor).get(url), expected)


@pytest.mark.parametrize("actor", ACTORS)
def test_document_download_is_an_attachment_for_those_allowed(as_actor, certification, actor):
    response = as_actor(actor).get(reverse("dashboard:certification_document", args=[certification.pk]))
    if response.status_code == HTTPStatus.OK:
        assert actor in {"owner", "verifier", "superuser"}
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert "sandbox" in response["Content-Security-Policy"]
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_documents_are_never_under_the_public_media_url(client, certification, settings):
    path = certification.document.path
    assert certification.document.name.startswith("certifications/")
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT)) and not path.startswith(str(settings.MEDIA_ROOT) + "/")
    assert client.get(settings.MEDIA_URL + certification.document.name).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("actor", ACTORS)
def test_withdraw_post_removes_only_ones_own_certification(as_actor, certification, actor):
    response = as_actor(actor).post(reverse("dashboard:certification_withdraw", args=[certification.pk]))
    exists = Certification.objects.filter(pk=certification.pk).exists()
    if actor == "owner":
        assert response.status_code == HTTPStatus.FOUND and not exists
    else:
        _check(response, OWNERS_CERTIFICATION[actor])
        assert exists


@pytest.mark.parametrize("actor", ACTORS)
def test_edit_post_changes_only_ones_own_certification(as_actor, certification, actor):
    data = {
        "kind": "license",
        "title": "Changed title",
        "issuing_body": "Board",
        "issued_on": "2020-01-01",
    }
    as_actor(actor).post(reverse("dashboard:certification_edit", args=[certification.pk]), data)
    certification.refresh_from_db()
    assert (certification.title == "Changed title") == (actor == "owner")


@pytest.mark.parametrize("actor", ACTORS)
def test_publish_post_acts_on_ones_own_profile_only(as_actor, therapist, actor):
    Therapist.objects.filter(pk=therapist.pk).update(status=Therapist.Status.DRAFT)
    response = as_actor(actor).post(reverse("dashboard:profile_publish"), {"publish": "true"})
    therapist.refresh_from_db()
    assert (therapist.status == Therapist.Status.PUBLISHED) == (actor == "owner")
    _check(response, {"anonymous": LOGIN, "owner": HOME, "other_therapist": HOME}.get(actor, CREATE))


@pytest.mark.parametrize("actor", ACTORS)
def test_photo_remove_post_acts_on_ones_own_profile_only(as_actor, therapist, actor, upload):
    from therapists import uploads as images
    from therapists.services import photos as services

    services.therapist_set_photo(therapist=therapist, photo=images.process_photo(upload()))
    as_actor(actor).post(reverse("dashboard:photo_remove"))
    therapist.refresh_from_db()
    assert (not therapist.photo) == (actor == "owner")


ADMIN_QUEUE = {"anonymous": ADMIN_LOGIN, "client": ADMIN_LOGIN, "other_therapist": ADMIN_LOGIN, "owner": ADMIN_LOGIN}


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_queue_and_change_page_are_for_staff_who_may_see_certifications(as_actor, certification, actor):
    client = as_actor(actor)
    changelist = client.get(reverse("admin:therapists_certification_changelist"))
    change = client.get(reverse("admin:therapists_certification_change", args=[certification.pk]))
    for response in (changelist, change):
        _check(response, ADMIN_QUEUE.get(actor, OK))
    if actor in {"verifier", "superuser"}:
        assert b"verify_selected" in changelist.content and b"reject_selected" in changelist.content
        assert b'name="decision"' in change.content
    if actor == "staff":
        assert b"verify_selected" not in changelist.content and b'name="decision"' not in change.content


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_verify_action_is_for_verifiers_and_superusers_only(as_actor, certification, actor):
    as_actor(actor).post(
        reverse("admin:therapists_certification_changelist"),
        {"action": "verify_selected", "_selected_action": [certification.pk]},
    )
    certification.refresh_from_db()
    assert (certification.status == Certification.Status.VERIFIED) == (actor in {"verifier", "superuser"})


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_reject_action_is_for_verifiers_and_superusers_only(as_actor, certification, actor):
    as_actor(actor).post(
        reverse("admin:therapists_certification_changelist"),
        {"action": "reject_selected", "_selected_action": [certification.pk], "apply": "yes", "note": "Unreadable."},
    )
    certification.refresh_from_db()
    assert (certification.status == Certification.Status.REJECTED) == (actor in {"verifier", "superuser"})


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_change_form_decision_is_for_verifiers_and_superusers_only(as_actor, certification, actor):
    data = {
        "kind": certification.kind,
        "title": certification.title,
        "issuing_body": certification.issuing_body,
        "credential_number": certification.credential_number,
        "issued_on": certification.issued_on.isoformat(),
        "expires_on": certification.expires_on.isoformat(),
        "decision": "verified",
        "decision_text": "",
        "decisions-TOTAL_FORMS": "0",
        "decisions-INITIAL_FORMS": "0",
    }
    as_actor(actor).post(reverse("admin:therapists_certification_change", args=[certification.pk]), data)
    certification.refresh_from_db()
    assert (certification.status == Certification.Status.VERIFIED) == (actor in {"verifier", "superuser"})


@pytest.mark.parametrize("actor", ["verifier", "superuser"])
def test_admin_audit_trail_cannot_be_changed_or_deleted_even_by_verifiers(as_actor, certification, actor):
    client = as_actor(actor)
    entry = CertificationDecision.objects.create(
        certification=certification, certification_label=str(certification), status="verified"
    )
    assert client.get(reverse("admin:therapists_certificationdecision_changelist")).status_code == HTTPStatus.OK
    delete = reverse("admin:therapists_certificationdecision_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    change = reverse("admin:therapists_certificationdecision_change", args=[entry.pk])
    client.post(change, {"note": "rewritten", "status": "rejected"})
    entry.refresh_from_db()
    assert entry.note == "" and entry.status == "verified"
