"""Photos and documents: checked by content, cleaned, stored under random names; the hostile corpus."""

import io
import re
from http import HTTPStatus

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from common.storage import private_storage
from therapists import uploads as images
from therapists.models import Certification
from therapists.services import photos as services

from . import corpus

pytestmark = pytest.mark.django_db

CORPUS = corpus.corpus()
RANDOM_PHOTO = re.compile(r"^photos/[0-9a-f]{32}\.jpg$")
RANDOM_THUMB = re.compile(r"^thumbs/[0-9a-f]{32}\.jpg$")
RANDOM_DOCUMENT = re.compile(r"^certifications/[0-9a-f]{32}\.(pdf|jpg|png|webp)$")
CERTIFICATION_FIELDS = {
    "kind": "license",
    "title": "Licensed Massage Therapist",
    "issuing_body": "Colorado Board of Massage Therapy",
    "credential_number": "LMT-42",
    "issued_on": "2022-03-01",
    "expires_on": "2099-03-01",
}


def _open(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def _no_metadata(content: bytes) -> None:
    image = _open(content)
    assert not image.getexif(), "EXIF (GPS, camera, orientation) must be gone"
    assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in content[:4096] and b"SpyCam" not in content


def test_corpus_has_at_least_twelve_hostile_files():
    assert len(CORPUS) >= 12
    assert len({item.id for item in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: item.id)
def test_photo_upload_refuses_or_stores_safely_each_hostile_file(client, owner, therapist, stored_files, item):
    client.force_login(owner)
    before = stored_files()
    response = client.post(reverse("dashboard:photo"), {"photo": item.upload()})
    therapist.refresh_from_db()
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    if item.photo == corpus.ERROR:
        assert response.status_code == HTTPStatus.OK
        assert item.message.encode() in response.content
        assert b'class="errorlist' in response.content
        assert not therapist.photo and stored_files() == before
        return
    assert response.status_code == HTTPStatus.FOUND
    assert RANDOM_PHOTO.match(therapist.photo.name) and RANDOM_THUMB.match(therapist.photo_thumbnail.name)
    photo = default_storage.open(therapist.photo.name).read()
    assert _open(photo).format == "JPEG"
    assert b"<script" not in photo and b"<html" not in photo
    _no_metadata(photo)
    assert _open(default_storage.open(therapist.photo_thumbnail.name).read()).size == (144, 144)


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: item.id)
def test_document_upload_refuses_or_stores_safely_each_hostile_file(client, owner, therapist, stored_files, item):
    client.force_login(owner)
    before = stored_files()
    response = client.post(
        reverse("dashboard:certification_create"), {**CERTIFICATION_FIELDS, "document": item.upload()}
    )
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    if item.document == corpus.ERROR:
        assert response.status_code == HTTPStatus.OK
        assert item.message.encode() in response.content
        assert not Certification.objects.exists() and stored_files() == before
        # What the therapist typed is still there.
        assert b'value="LMT-42"' in response.content
        return
    assert response.status_code == HTTPStatus.FOUND
    certification = Certification.objects.get()
    assert RANDOM_DOCUMENT.match(certification.document.name)
    assert certification.document.name.endswith(item.document_extension)
    stored = private_storage().open(certification.document.name).read()
    assert b"<script" not in stored and b"<html" not in stored or stored.startswith(b"%PDF-")
    if not stored.startswith(b"%PDF-"):
        _no_metadata(stored)
    download = client.get(reverse("dashboard:certification_document", args=[certification.pk]))
    assert download.status_code == HTTPStatus.OK
    assert download["Content-Type"] in {"application/pdf", "image/jpeg", "image/png", "image/webp"}
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_photo_is_turned_upright_and_loses_its_gps_tags(owner, therapist):
    upload = corpus.Hostile("gps", "gps.jpg", corpus.gps_jpeg((200, 100)), "image/jpeg", "", "").upload()
    therapist = services.therapist_set_photo(therapist=therapist, photo=images.process_photo(upload))
    photo = _open(therapist.photo.read())
    assert photo.size == (100, 200), "EXIF orientation 6 means the stored photo is portrait"
    _no_metadata(therapist.photo.open().read())


def test_photo_is_resized_to_at_most_1200_pixels_and_gets_a_square_thumbnail(therapist, upload):
    processed = images.process_photo(upload(content=corpus.encode(Image.new("RGB", (2400, 1600), "teal"), "PNG")))
    assert (processed.width, processed.height) == (1200, 800)
    assert _open(processed.thumbnail).size == (images.THUMBNAIL_SIDE, images.THUMBNAIL_SIDE)


def test_photo_with_transparency_is_flattened_onto_white(upload):
    transparent = corpus.encode(Image.new("RGBA", (20, 20), (255, 0, 0, 0)), "PNG")
    photo = _open(images.process_photo(upload(content=transparent)).photo)
    assert photo.mode == "RGB" and photo.getpixel((10, 10))[0] > 240


def test_webp_photo_is_accepted(upload):
    webp = corpus.encode(Image.new("RGB", (30, 20), "navy"), "WEBP")
    assert _open(images.process_photo(upload(content=webp)).photo).format == "JPEG"


def test_photo_replaced_deletes_the_old_files(client, owner, therapist, upload, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:photo"), {"photo": upload()})
    therapist.refresh_from_db()
    first = [therapist.photo.name, therapist.photo_thumbnail.name]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:photo"), {"photo": upload()})
    assert response.status_code == HTTPStatus.FOUND
    therapist.refresh_from_db()
    assert therapist.photo.name not in first
    assert not any(default_storage.exists(name) for name in first)
    assert default_storage.exists(therapist.photo.name) and default_storage.exists(therapist.photo_thumbnail.name)


def test_photo_remove_deletes_its_files(client, owner, therapist, upload, django_capture_on_commit_callbacks):
    therapist = services.therapist_set_photo(therapist=therapist, photo=images.process_photo(upload()))
    names = [therapist.photo.name, therapist.photo_thumbnail.name]
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:photo_remove"))
    therapist.refresh_from_db()
    assert not therapist.photo and not therapist.photo_thumbnail
    assert not any(default_storage.exists(name) for name in names)


def test_photo_upload_refused_keeps_the_current_photo(client, owner, therapist, upload):
    therapist = services.therapist_set_photo(therapist=therapist, photo=images.process_photo(upload()))
    current = therapist.photo.name
    client.force_login(owner)
    response = client.post(reverse("dashboard:photo"), {"photo": upload("x.jpg", corpus.HTML)})
    assert response.status_code == HTTPStatus.OK
    therapist.refresh_from_db()
    assert therapist.photo.name == current and default_storage.exists(current)


def test_certification_withdraw_keeps_a_document_file_other_rows_share(therapist, certification):
    from therapists.services import certifications as verification

    from ..factories import CertificationFactory

    twin = CertificationFactory(therapist=therapist, document=certification.document.name)
    verification.certification_withdraw(certification=twin)
    assert private_storage().exists(certification.document.name)


def test_upload_handler_keeps_no_more_than_the_limit_of_a_huge_file(client, owner, therapist, stored_files):
    client.force_login(owner)
    huge = corpus.Hostile("huge", "huge.jpg", b"\xff" * (images.MAX_UPLOAD_BYTES * 2), "image/jpeg", "", "")
    response = client.post(reverse("dashboard:photo"), {"photo": huge.upload()})
    assert response.status_code == HTTPStatus.OK
    assert b"larger than 10 MB" in response.content


def test_document_download_uses_the_type_its_content_proved(client, owner, therapist):
    client.force_login(owner)
    item = next(item for item in CORPUS if item.id == "pdf-named-jpg")
    client.post(reverse("dashboard:certification_create"), {**CERTIFICATION_FIELDS, "document": item.upload()})
    certification = Certification.objects.get()
    response = client.get(reverse("dashboard:certification_document", args=[certification.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="certification-{certification.pk}.pdf"' in response["Content-Disposition"]


def test_document_preview_shows_images_inline_for_verifiers(client, verifier, therapist):
    from therapists.services import certifications as verification

    document = images.clean_document(corpus.Hostile("png", "scan.png", corpus.png(), "image/png", "", "").upload())
    certification = verification.certification_submit(
        therapist=therapist,
        details=verification.CertificationDetails(kind="license", title="LMT", issuing_body="Board",
                                                  issued_on=therapist.created_at.date().replace(year=2020)),
        document=document,
    )  # fmt: skip
    client.force_login(verifier)
    response = client.get(reverse("dashboard:certification_document_preview", args=[certification.pk]))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "image/png"
    assert response["X-Frame-Options"] == "SAMEORIGIN"


SEEDS = [corpus.jpeg((48, 32)), corpus.png((24, 16)), corpus.encode(Image.new("RGB", (24, 16), "olive"), "WEBP")]


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.sampled_from(SEEDS),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8),
    cut=st.integers(min_value=1),
)
def test_images_damaged_files_give_a_validation_error_or_a_clean_result(seed, flips, cut):
    """Bytes flipped and files cut anywhere: never an exception other than ValidationError."""
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = bytearray(seed[: max(1, cut % (len(seed) + 1))])
    for position, value in flips:
        content[position % len(content)] = value
    for check in (images.process_photo, images.clean_document):
        try:
            check(SimpleUploadedFile("fuzz.jpg", bytes(content)))
        except ValidationError:
            pass
