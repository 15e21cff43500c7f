"""The dashboard's certification pages: add, edit, withdraw; bad input is a form error that changes nothing."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from therapists.models import Certification, CertificationDecision, Specialty
from therapists.services import certifications as verification

from . import corpus

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
VALID = {
    "kind": "license",
    "title": "Licensed Massage Therapist",
    "issuing_body": "Colorado Board of Massage Therapy",
    "credential_number": "LMT-42",
    "issued_on": "2022-03-01",
    "expires_on": "2099-03-01",
}


def _pdf():
    return corpus.Hostile("license", "license.pdf", corpus.PDF, "application/pdf", "", "").upload()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"kind": "specialty"}, b"Choose the specialty"),
        ({"kind": "wizard"}, b"Select a valid choice"),
        ({"issued_on": "2022-13-45"}, b"Enter a valid date"),
        ({"issued_on": (TODAY + datetime.timedelta(days=3)).isoformat()}, b"cannot be in the future"),
        ({"expires_on": "2021-01-01"}, b"must come after the issue date"),
        ({"expires_on": (TODAY - datetime.timedelta(days=1)).isoformat()}, b"has expired"),
        ({"title": ""}, b"This field is required"),
        ({"title": "t" * 161}, b"at most 160 characters"),
        ({"specialty": "99999"}, b"Select a valid choice"),
    ],
)
def test_certification_create_bad_input_stores_nothing(client, owner, therapist, stored_files, changes, error):
    client.force_login(owner)
    before = stored_files()
    response = client.post(reverse("dashboard:certification_create"), {**VALID, **changes, "document": _pdf()})
    assert response.status_code == HTTPStatus.OK and error in response.content
    assert not Certification.objects.exists() and stored_files() == before
    assert b'value="Colorado Board of Massage Therapy"' in response.content


def test_certification_create_needs_a_document(client, owner, therapist):
    client.force_login(owner)
    response = client.post(reverse("dashboard:certification_create"), VALID)
    assert response.status_code == HTTPStatus.OK and b"This field is required" in response.content
    assert not Certification.objects.exists()


def test_certification_create_stores_a_pending_specialty_certificate(client, owner, therapist):
    client.force_login(owner)
    prenatal = Specialty.objects.get(slug="prenatal")
    data = {**VALID, "kind": "specialty", "specialty": prenatal.pk, "expires_on": "", "document": _pdf()}
    response = client.post(reverse("dashboard:certification_create"), data, follow=True)
    assert b"Our verifiers will check it" in response.content
    certification = Certification.objects.get()
    assert (certification.therapist, certification.specialty, certification.status) == (therapist, prenatal, "pending")
    assert certification.expires_on is None and certification.document.name.endswith(".pdf")


def test_certification_edit_of_a_verified_one_says_it_waits_again(client, owner, verifier, certification):
    verification.certification_decide(certification=certification, decided_by=verifier, status="verified")
    client.force_login(owner)
    url = reverse("dashboard:certification_edit", args=[certification.pk])
    page = client.get(url)
    assert b"If you change it, it waits for our verifiers again" in page.content
    assert b'value="LMT-' in page.content
    data = {**VALID, "credential_number": "LMT-NEW", "issued_on": certification.issued_on.isoformat()}
    data["expires_on"] = certification.expires_on.isoformat()
    response = client.post(url, data, follow=True)
    assert b"waits for verification again" in response.content
    certification.refresh_from_db()
    assert certification.status == "pending" and certification.credential_number == "LMT-NEW"
    assert certification.document, "an edit without a new file keeps the document"
    assert CertificationDecision.objects.filter(status="pending").exists()


def test_certification_edit_keeps_an_expired_date_that_did_not_change(client, owner, therapist):
    from ..factories import CertificationFactory

    old = CertificationFactory(
        therapist=therapist, issued_on=TODAY - datetime.timedelta(days=900), expires_on=TODAY - datetime.timedelta(10)
    )
    client.force_login(owner)
    data = {
        **VALID,
        "title": "Renamed",
        "issued_on": old.issued_on.isoformat(),
        "expires_on": old.expires_on.isoformat(),
    }
    response = client.post(reverse("dashboard:certification_edit", args=[old.pk]), data)
    assert response.status_code == HTTPStatus.FOUND
    old.refresh_from_db()
    assert old.title == "Renamed"


def test_certification_withdraw_asks_first_then_removes(client, owner, certification):
    client.force_login(owner)
    url = reverse("dashboard:certification_withdraw", args=[certification.pk])
    page = client.get(url)
    assert page.status_code == HTTPStatus.OK and b"Withdraw this certification?" in page.content
    assert Certification.objects.filter(pk=certification.pk).exists()
    assert client.post(url).status_code == HTTPStatus.FOUND
    assert not Certification.objects.filter(pk=certification.pk).exists()


def test_dashboard_pages_label_every_input_and_have_no_inline_script_or_style(client, owner, certification):
    import re

    client.force_login(owner)
    for name, args in [
        ("dashboard:home", []),
        ("dashboard:profile_edit", []),
        ("dashboard:photo", []),
        ("dashboard:certification_create", []),
        ("dashboard:certification_edit", [certification.pk]),
        ("dashboard:certification_withdraw", [certification.pk]),
    ]:
        html = client.get(reverse(name, args=args)).content.decode()
        assert "<script" not in html and " style=" not in html and "<style" not in html, name
        for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{input_id}"' in html, f"{name}: #{input_id} has no label"


def test_profile_claim_admin_change_page_loads(client, superuser):
    from ..factories import ProfileClaimFactory

    claim = ProfileClaimFactory()
    client.force_login(superuser)
    response = client.get(reverse("admin:therapists_profileclaim_change", args=[claim.pk]))
    assert response.status_code == HTTPStatus.OK and claim.message.encode() in response.content
