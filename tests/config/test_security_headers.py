"""The security headers on every kind of page (finding 11): Content-Security-Policy, Permissions-Policy, COOP."""

from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ..factories import CertificationFactory, TherapistFactory, UserFactory
from ..therapists import corpus

pytestmark = pytest.mark.django_db

SITE_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}


def _policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.fixture
def therapist_with_documents(db):
    """An owned profile with a PDF and a PNG certification document, stored as the dashboard stores them."""
    therapist = TherapistFactory(owner=UserFactory())
    pdf, png = CertificationFactory(therapist=therapist), CertificationFactory(therapist=therapist)
    pdf.document.save("document.pdf", SimpleUploadedFile("x.pdf", corpus.PDF), save=True)
    png.document.save("scan.png", SimpleUploadedFile("scan.png", corpus.png()), save=True)
    return therapist, pdf, png


def test_security_headers_on_public_pages(client, therapist_with_documents):
    therapist, _, _ = therapist_with_documents
    for url in [reverse("home"), reverse("therapists:list"), therapist.get_absolute_url(), reverse("login")]:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert _policy(response) == SITE_POLICY
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_security_headers_on_the_admin(client, superuser, therapist_with_documents):
    therapist, pdf, _ = therapist_with_documents
    assert _policy(client.get(reverse("admin:login"))) == SITE_POLICY
    client.force_login(superuser)
    for url in [
        reverse("admin:index"),
        reverse("admin:therapists_therapist_changelist"),
        reverse("admin:therapists_therapist_change", args=[therapist.pk]),
        reverse("admin:therapists_certification_change", args=[pdf.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert _policy(response)["script-src"] == ["'self'"]
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "microphone=()" in response["Permissions-Policy"]


def test_security_headers_keep_the_stricter_policy_a_document_view_sets(client, therapist_with_documents, verifier):
    therapist, pdf, png = therapist_with_documents
    client.force_login(therapist.owner)
    download = client.get(reverse("dashboard:certification_document", args=[pdf.pk]))
    assert download.status_code == HTTPStatus.OK
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "payment=()" in download["Permissions-Policy"]
    client.force_login(verifier)
    for certification in (pdf, png):
        preview = client.get(reverse("dashboard:certification_document_preview", args=[certification.pk]))
        assert preview.status_code == HTTPStatus.OK
        # The view's own policy, not the site's: it keeps the verification page free to embed the preview.
        assert _policy(preview)["default-src"] == ["'none'"]
        assert "frame-ancestors" not in _policy(preview)
        assert preview["X-Frame-Options"] == "SAMEORIGIN"


def test_security_headers_forbid_framing_any_other_page(client):
    response = client.get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert _policy(response)["frame-ancestors"] == ["'none'"]


def test_security_headers_on_errors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert _policy(response) == SITE_POLICY
    assert "usb=()" in response["Permissions-Policy"]
