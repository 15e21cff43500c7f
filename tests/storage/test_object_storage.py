"""Photos and certification documents on a real S3-compatible server (SeaweedFS, auth on), through the app's paths."""

import urllib.error
import urllib.request
from http import HTTPStatus

import pytest
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common.storage import PrivateMediaStorage, PublicMediaStorage, private_storage
from therapists.models import Certification, Therapist

from ..factories import TherapistFactory, UserFactory
from ..therapists import corpus
from ..therapists.test_dashboard import VALID as CERTIFICATION_FORM
from .conftest import DOCUMENT_BUCKET, PHOTO_BUCKET

pytestmark = [pytest.mark.s3, pytest.mark.django_db]


def _get(url: str) -> tuple[int, bytes, dict]:
    """An anonymous GET straight to the storage server, as a browser (or a stranger) would send it."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a loopback http URL of the test
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def _jpeg():
    return SimpleUploadedFile("photo.jpg", corpus.jpeg(), content_type="image/jpeg")


def _object(s3, bucket: str, key: str) -> bytes | None:
    """The object's bytes read with the app's key, or None if there is none."""
    try:
        return s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        assert error.response["Error"]["Code"] in ("NoSuchKey", "404")
        return None


@pytest.fixture
def owner(db):
    return UserFactory(username="owner-user")


@pytest.fixture
def therapist(owner, denver):
    return TherapistFactory(owner=owner, name="Olivia Owner", place=denver)


@pytest.fixture
def stored_certification(client, owner, therapist, s3_storages):
    """A license uploaded through the dashboard, as its owner does it."""
    client.force_login(owner)
    document = corpus.Hostile("license", "license.pdf", corpus.PDF, "application/pdf", "", "").upload()
    response = client.post(reverse("dashboard:certification_create"), {**CERTIFICATION_FORM, "document": document})
    assert response.status_code == HTTPStatus.FOUND
    client.logout()
    return Certification.objects.get()


# --- the server: authentication is on ---


def test_seaweed_refuses_requests_without_valid_keys(seaweed):
    with pytest.raises(ClientError, match="InvalidAccessKeyId"):
        seaweed.client(access_key="not-a-key", secret_key="not-a-secret").list_buckets()
    with pytest.raises(ClientError, match="SignatureDoesNotMatch|AccessDenied"):
        seaweed.client(secret_key="the-wrong-secret").list_buckets()
    with pytest.raises(ClientError, match="AccessDenied"):
        seaweed.client(anonymous=True).list_objects_v2(Bucket=PHOTO_BUCKET)
    with pytest.raises(ClientError, match="AccessDenied"):
        seaweed.client(anonymous=True).put_object(Bucket=PHOTO_BUCKET, Key="public/x.jpg", Body=b"x")
    assert {bucket["Name"] for bucket in seaweed.client().list_buckets()["Buckets"]} >= {PHOTO_BUCKET, DOCUMENT_BUCKET}


# --- profile photos: public objects ---


def test_photo_upload_lands_in_the_public_bucket_and_its_url_serves_it(client, owner, therapist, s3_storages):
    assert isinstance(default_storage, PublicMediaStorage)
    client.force_login(owner)
    response = client.post(reverse("dashboard:photo"), {"photo": _jpeg()})
    assert response.status_code == HTTPStatus.FOUND
    therapist.refresh_from_db()
    stored = _object(s3_storages, PHOTO_BUCKET, f"public/{therapist.photo.name}")
    assert stored is not None and stored[:3] == b"\xff\xd8\xff"
    assert _object(s3_storages, PHOTO_BUCKET, f"public/{therapist.photo_thumbnail.name}") is not None

    url = therapist.photo.url
    assert url == f"{s3_storages.endpoint_url}/{PHOTO_BUCKET}/public/{therapist.photo.name}"
    status, body, headers = _get(url)
    assert status == HTTPStatus.OK and body == stored
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    page = client.get(therapist.get_absolute_url())
    assert url in page.content.decode()


def test_photo_removal_deletes_both_objects(client, owner, therapist, s3_storages, django_capture_on_commit_callbacks):
    client.force_login(owner)
    client.post(reverse("dashboard:photo"), {"photo": _jpeg()})
    therapist.refresh_from_db()
    keys = [f"public/{therapist.photo.name}", f"public/{therapist.photo_thumbnail.name}"]
    assert all(_object(s3_storages, PHOTO_BUCKET, key) for key in keys)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:photo_remove"))
    assert response.status_code == HTTPStatus.FOUND
    assert [_object(s3_storages, PHOTO_BUCKET, key) for key in keys] == [None, None]
    assert not Therapist.objects.get(pk=therapist.pk).photo


def test_photo_replaced_deletes_the_old_objects(
    client, owner, therapist, s3_storages, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    client.post(reverse("dashboard:photo"), {"photo": _jpeg()})
    therapist.refresh_from_db()
    old = f"public/{therapist.photo.name}"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:photo"), {"photo": _jpeg()})
    therapist.refresh_from_db()
    assert _object(s3_storages, PHOTO_BUCKET, old) is None
    assert _object(s3_storages, PHOTO_BUCKET, f"public/{therapist.photo.name}") is not None


# --- certification documents: private objects, served only through the app ---


def test_certification_document_lands_in_the_private_bucket_and_has_no_url(stored_certification, s3_storages):
    name = stored_certification.document.name
    assert isinstance(private_storage(), PrivateMediaStorage)
    assert _object(s3_storages, DOCUMENT_BUCKET, f"private/{name}") == corpus.PDF
    assert _object(s3_storages, PHOTO_BUCKET, f"private/{name}") is None
    assert _object(s3_storages, PHOTO_BUCKET, f"public/{name}") is None
    with pytest.raises(ValueError, match="Private documents have no URL"):
        stored_certification.document.url  # noqa: B018 - the property is the rule under test
    with pytest.raises(ValueError, match="Private documents have no URL"):
        private_storage().url(name, expire=10)


def test_certification_document_object_refuses_anonymous_reads(stored_certification, s3_storages):
    # The object's address, as path-style S3 would give it: SeaweedFS itself answers 403 to a request without a key.
    key = f"private/{stored_certification.document.name}"
    status, body, _headers = _get(f"{s3_storages.endpoint_url}/{DOCUMENT_BUCKET}/{key}")
    assert status == HTTPStatus.FORBIDDEN and b"AccessDenied" in body and corpus.PDF not in body
    # A request signed with another key is refused too.
    with pytest.raises(ClientError, match="InvalidAccessKeyId"):
        s3_storages.client(access_key="someone-else", secret_key="x").get_object(Bucket=DOCUMENT_BUCKET, Key=key)


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("anonymous", "login"),
        ("client", HTTPStatus.NOT_FOUND),
        ("other_therapist", HTTPStatus.NOT_FOUND),
        ("owner", HTTPStatus.OK),
        ("staff", HTTPStatus.NOT_FOUND),
        ("verifier", HTTPStatus.OK),
        ("superuser", HTTPStatus.OK),
    ],
)
def test_certification_document_view_streams_the_object_to_owner_and_verifiers_only(
    client, request, stored_certification, actor, expected
):
    users = {
        "client": lambda: UserFactory(username="client-user"),
        "other_therapist": lambda: TherapistFactory(owner=UserFactory(username="other-therapist")).owner,
        "owner": lambda: stored_certification.therapist.owner,
        "staff": lambda: UserFactory(username="staff-user", is_staff=True),
        "verifier": lambda: request.getfixturevalue("verifier"),
        "superuser": lambda: request.getfixturevalue("superuser"),
    }
    if actor != "anonymous":
        client.force_login(users[actor]())
    response = client.get(reverse("dashboard:certification_document", args=[stored_certification.pk]))
    if expected == "login":
        assert response.status_code == HTTPStatus.FOUND and response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == expected
    if expected == HTTPStatus.OK:
        assert b"".join(response.streaming_content) == corpus.PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Length"] == str(len(corpus.PDF))
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Content-Disposition"].startswith("attachment;")
    else:
        assert corpus.PDF not in response.content


def test_certification_document_preview_streams_inline_for_verifiers(client, verifier, stored_certification):
    client.force_login(verifier)
    response = client.get(reverse("dashboard:certification_document_preview", args=[stored_certification.pk]))
    assert response.status_code == HTTPStatus.OK
    assert b"".join(response.streaming_content) == corpus.PDF
    assert response["Content-Disposition"].startswith("inline;")


def test_certification_document_view_of_a_missing_object_is_not_found(client, owner, stored_certification, s3_storages):
    s3_storages.client().delete_object(Bucket=DOCUMENT_BUCKET, Key=f"private/{stored_certification.document.name}")
    client.force_login(owner)
    response = client.get(reverse("dashboard:certification_document", args=[stored_certification.pk]))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_certification_withdrawn_deletes_its_object(
    client, owner, stored_certification, s3_storages, django_capture_on_commit_callbacks
):
    key = f"private/{stored_certification.document.name}"
    assert _object(s3_storages, DOCUMENT_BUCKET, key) == corpus.PDF
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:certification_withdraw", args=[stored_certification.pk]))
    assert response.status_code == HTTPStatus.FOUND
    assert not Certification.objects.exists()
    assert _object(s3_storages, DOCUMENT_BUCKET, key) is None


def test_certification_document_in_a_shared_bucket_stays_under_private(settings, s3_storages):
    # One bucket for both: the documents keep their own prefix, which the bucket's public-read policy leaves out.
    settings.AWS_PRIVATE_STORAGE_BUCKET_NAME = ""
    settings.STORAGES = {**settings.STORAGES}
    storage = private_storage()
    assert storage.bucket_name == PHOTO_BUCKET and storage.location == "private"
    name = storage.save("certifications/shared.pdf", ContentFile(corpus.PDF))
    try:
        assert _object(s3_storages, PHOTO_BUCKET, f"private/{name}") == corpus.PDF
        status, body, _headers = _get(f"{s3_storages.endpoint_url}/{PHOTO_BUCKET}/private/{name}")
        assert status == HTTPStatus.FORBIDDEN and corpus.PDF not in body
    finally:
        storage.delete(name)
    assert _object(s3_storages, PHOTO_BUCKET, f"private/{name}") is None
