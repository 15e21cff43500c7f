"""therapists.admin.registry: the roster upload (verifiers only), its report, the read-only registry, the column."""

from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from therapists.admin.registry import RegistryCheckMixin
from therapists.models import Certification, LicenseRecord, LicenseRoster
from therapists.services.registry import roster_import

from ...factories import CertificationFactory
from ..helpers import ACTORS, ADMIN_LOGIN, FORBIDDEN, OK, check_admin_pages_load, check_outcome, registered_on

pytestmark = pytest.mark.django_db

HEADER = "state,license_number,name,status,issued_on,expires_on\n"
ADD = "admin:therapists_licenseroster_add"
ROSTERS = "admin:therapists_licenseroster_changelist"
RECORDS = "admin:therapists_licenserecord_changelist"
# Staff without the verify permission (the "staff" actor, a moderator) are refused; non-staff go to the log-in.
EXPECTED = {"anonymous": ADMIN_LOGIN, "client": ADMIN_LOGIN, "other_therapist": ADMIN_LOGIN, "owner": ADMIN_LOGIN,
            "staff": FORBIDDEN, "moderator": FORBIDDEN, "verifier": OK, "superuser": OK}  # fmt: skip


DESK = registered_on("therapists.admin.registry")


def upload(content: bytes, name: str = "co.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def sign_in(as_actor, client, moderator):
    def sign(actor):
        if actor == "moderator":
            client.force_login(moderator)
            return client
        return as_actor(actor)

    return sign


@pytest.mark.parametrize("actor", [*ACTORS, "moderator"])
def test_roster_admin_pages_are_for_verifiers_and_superusers_only(sign_in, actor, today):
    roster = roster_import(state="CO", data=(HEADER + "CO,A1,Ann Lee,active,,\n").encode())
    client = sign_in(actor)
    for url in [
        reverse(ROSTERS),
        reverse(ADD),
        reverse("admin:therapists_licenseroster_change", args=[roster.pk]),
        reverse(RECORDS),
        reverse("admin:therapists_licenserecord_change", args=[LicenseRecord.objects.get().pk]),
    ]:
        check_outcome(client.get(url), EXPECTED[actor])
    response = client.post(reverse(ADD), {"state": "CO", "roster": upload((HEADER + "CO,B2,Bo,active,,\n").encode())})
    if EXPECTED[actor] == OK:
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse(ROSTERS))
    else:
        check_outcome(response, EXPECTED[actor])
    assert LicenseRecord.objects.filter(license_number="B2").exists() == (EXPECTED[actor] == OK)


def test_roster_upload_imports_the_file_and_shows_the_report(client, verifier, today):
    client.force_login(verifier)
    content = (HEADER + "CO,A1,Ann Lee,active,,\nCO,A1,Ann Again,active,,\nCO,B2,<b>Bo</b>,revoked,,\n").encode()
    response = client.post(reverse(ADD), {"state": "co", "roster": upload(content)}, follow=True)
    roster = LicenseRoster.objects.get()
    assert (roster.region, roster.source_name, roster.imported_by, roster.added, roster.refused) == (
        "CO",
        "co.csv",
        verifier,
        2,
        1,
    )
    page = response.content.decode()
    assert "The CO roster is imported: 3 rows read, 2 added, 0 changed, 0 unchanged, 1 refused" in page
    assert "duplicate of line 2" in page
    assert LicenseRecord.objects.get(license_number="B2").name == "<b>Bo</b>"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"state": "CO", "roster": upload((HEADER + "CO,A1,Zoë,active,,\n").encode("cp1252"))}, "not UTF-8"),
        ({"state": "Colorado", "roster": upload(HEADER.encode())}, "Ensure this value has at most 2 characters"),
        ({"state": "C1", "roster": upload(HEADER.encode())}, "two-letter code"),
        ({"state": "CO", "roster": upload(b"   ")}, "The file is empty."),
        ({"state": "CO"}, "This field is required."),
    ],
    ids=["encoding", "long-state", "bad-state", "empty", "no-file"],
)
def test_roster_upload_refuses_bad_input_with_a_message_and_imports_nothing(client, verifier, data, error):
    client.force_login(verifier)
    response = client.post(reverse(ADD), data)
    assert response.status_code == HTTPStatus.OK
    assert error in response.content.decode()
    assert not LicenseRoster.objects.exists()


def test_roster_upload_refuses_a_file_over_the_size_cap(client, verifier, settings):
    client.force_login(verifier)
    settings.FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
    big = HEADER.encode() + b"CO,A1,Ann Lee,active,,\n" * (10 * 1024 * 1024 // 23 + 10)
    response = client.post(reverse(ADD), {"state": "CO", "roster": upload(big)})
    assert "larger than 10 MB" in response.content.decode()
    assert not LicenseRoster.objects.exists()


def test_license_record_admin_finds_a_number_however_it_is_typed(client, verifier, today):
    roster_import(state="CO", data=(HEADER + "CO,MA12345,Ann Lee,active,,\nCO,B2,Bo Kim,active,,\n").encode())
    client.force_login(verifier)
    for term in ["ma-12 345", "MA12345", "ann lee"]:
        listed = client.get(reverse(RECORDS), {"q": term}).context["cl"].result_list
        assert [r.license_number for r in listed] == ["MA12345"], term


def test_registry_check_column_says_what_the_registry_says(rf, verifier, owned_therapist, today):
    roster_import(state="CO", data=(HEADER + "CO,MT0067890,Someone Else,active,,\n").encode())
    certification = CertificationFactory(therapist=owned_therapist, credential_number="MT-0067890", expires_on=None)
    shown = RegistryCheckMixin().registry_check(certification)
    assert shown == '<span class="registry-warn">Number found, name differs (registry: Someone Else)</span>'
    assert Certification.objects.count() == 1


def test_registry_admin_desk_holds_the_rosters_and_the_licenses_they_list():
    assert DESK == [LicenseRecord, LicenseRoster]


@pytest.mark.parametrize("model", DESK, ids=lambda m: m._meta.label)
def test_registry_admin_changelist_and_forms_load(client, superuser, model, today):
    roster_import(state="CO", data=(HEADER + "CO,A1,Ann Lee,active,,\nCO,,Nobody,active,,\n").encode())
    check_admin_pages_load(client, superuser, model)
