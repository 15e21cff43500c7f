"""The issue's "done when": a therapist's upload, verified by a verifier in the admin, shows as a badge in search."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from therapists.models import Certification, Therapist

from . import corpus

pytestmark = pytest.mark.django_db


def test_verification_journey_upload_verified_in_the_admin_shows_as_a_badge_in_search(
    client_user, verifier, denver, django_capture_on_commit_callbacks
):
    therapist_client, verifier_client, visitor = Client(), Client(), Client()
    therapist_client.force_login(client_user)
    response = therapist_client.post(
        reverse("dashboard:profile_create"),
        {"name": "Vera Verified", "city": "Denver", "years_experience": "6", "accepting_new_clients": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND
    therapist_client.post(reverse("dashboard:profile_publish"), {"publish": "true"})
    document = corpus.Hostile("license", "license.pdf", corpus.PDF, "application/pdf", "", "").upload()
    response = therapist_client.post(
        reverse("dashboard:certification_create"),
        {
            "kind": "license",
            "title": "Licensed Massage Therapist",
            "issuing_body": "Colorado Board of Massage Therapy",
            "region": "CO",
            "credential_number": "LMT-0042",
            "issued_on": "2023-05-01",
            "expires_on": "2099-05-01",
            "document": document,
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    certification = Certification.objects.get()
    assert certification.status == Certification.Status.PENDING

    search = reverse("therapists:list")
    assert b"Vera Verified" not in visitor.get(search, {"verified": "true"}).content

    verifier_client.force_login(verifier)
    queue = verifier_client.get(reverse("admin:therapists_certification_changelist"))
    assert b"Licensed Massage Therapist" in queue.content
    assert (
        verifier_client.get(reverse("dashboard:certification_document", args=[certification.pk])).status_code
        == HTTPStatus.OK
    )
    with django_capture_on_commit_callbacks(execute=True):
        verifier_client.post(
            reverse("admin:therapists_certification_changelist"),
            {"action": "verify_selected", "_selected_action": [certification.pk]},
        )

    therapist = Therapist.objects.get(owner=client_user)
    assert therapist.is_verified()
    assert mail.outbox and mail.outbox[0].to == [client_user.email]
    html = visitor.get(search, {"verified": "true"}).content.decode()
    assert "Vera Verified" in html and "badge-verified" in html
    assert "Verified" in therapist_client.get(reverse("dashboard:home")).content.decode()
