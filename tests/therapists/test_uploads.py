"""therapists.uploads: photos and documents checked by content and cleaned; the hostile corpus against each check."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from therapists.services.photos import therapist_set_photo
from therapists.uploads import (
    CONTENT_TYPES,
    DOCUMENT_MAX_SIDE,
    THUMBNAIL_SIDE,
    clean_document,
    content_type_for,
    process_photo,
)

from . import corpus
from .helpers import assert_no_metadata, open_image

CORPUS = corpus.corpus()
FORMATS = {".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP"}


def test_corpus_has_at_least_twelve_hostile_files():
    assert len(CORPUS) >= 12
    assert len({item.id for item in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("item", [item for item in CORPUS if item.photo == corpus.ERROR], ids=lambda item: item.id)
def test_process_photo_refuses_each_hostile_file_it_cannot_clean(item):
    with pytest.raises(ValidationError) as refused:
        process_photo(item.upload())
    assert item.message in " ".join(refused.value.messages)


@pytest.mark.parametrize("item", [item for item in CORPUS if item.photo == corpus.STORED], ids=lambda item: item.id)
def test_process_photo_re_encodes_each_other_hostile_file_as_a_clean_jpeg(item):
    processed = process_photo(item.upload())
    assert open_image(processed.photo).format == "JPEG"
    assert b"<script" not in processed.photo and b"<html" not in processed.photo
    assert_no_metadata(processed.photo)
    assert open_image(processed.thumbnail).size == (THUMBNAIL_SIDE, THUMBNAIL_SIDE)


@pytest.mark.parametrize("item", [item for item in CORPUS if item.document == corpus.ERROR], ids=lambda item: item.id)
def test_clean_document_refuses_each_hostile_file_it_cannot_clean(item):
    with pytest.raises(ValidationError) as refused:
        clean_document(item.upload())
    assert item.document_error in " ".join(refused.value.messages)


@pytest.mark.parametrize("item", [item for item in CORPUS if item.document == corpus.STORED], ids=lambda item: item.id)
def test_clean_document_keeps_each_other_hostile_file_under_the_extension_its_content_proves(item):
    document = clean_document(item.upload())
    assert document.extension == item.document_extension
    assert document.content_type == CONTENT_TYPES[item.document_extension]


@pytest.mark.django_db
def test_process_photo_turns_the_photo_upright_and_drops_its_gps_tags(owned_therapist):
    upload = corpus.Hostile("gps", "gps.jpg", corpus.gps_jpeg((200, 100)), "image/jpeg", "", "").upload()
    therapist = therapist_set_photo(therapist=owned_therapist, photo=process_photo(upload))
    photo = open_image(therapist.photo.read())
    assert photo.size == (100, 200), "EXIF orientation 6 means the stored photo is portrait"
    assert_no_metadata(therapist.photo.open().read())


def test_process_photo_resizes_to_at_most_1200_pixels_and_makes_a_square_thumbnail(upload):
    processed = process_photo(upload(content=corpus.encode(Image.new("RGB", (2400, 1600), "teal"), "PNG")))
    assert (processed.width, processed.height) == (1200, 800)
    assert open_image(processed.thumbnail).size == (THUMBNAIL_SIDE, THUMBNAIL_SIDE)


def test_process_photo_flattens_transparency_onto_white(upload):
    transparent = corpus.encode(Image.new("RGBA", (20, 20), (255, 0, 0, 0)), "PNG")
    photo = open_image(process_photo(upload(content=transparent)).photo)
    assert photo.mode == "RGB" and photo.getpixel((10, 10))[0] > 240


def test_process_photo_accepts_webp(upload):
    webp = corpus.encode(Image.new("RGB", (30, 20), "navy"), "WEBP")
    assert open_image(process_photo(upload(content=webp)).photo).format == "JPEG"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("certifications/a.pdf", "application/pdf"),
        ("certifications/a.JPG", "image/jpeg"),
        ("certifications/a.png", "image/png"),
        ("certifications/a.webp", "image/webp"),
        ("certifications/a.html", "application/octet-stream"),
        ("certifications/no-extension", "application/octet-stream"),
    ],
)
def test_content_type_for_follows_the_stored_extension(name, expected):
    assert content_type_for(name) == expected


SEEDS = [corpus.jpeg((48, 32)), corpus.png((24, 16)), corpus.encode(Image.new("RGB", (24, 16), "olive"), "WEBP")]


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.sampled_from(SEEDS),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8),
    cut=st.integers(min_value=1),
)
def test_uploads_damaged_files_give_a_validation_error_or_a_clean_result(seed, flips, cut):
    """Bytes flipped and files cut anywhere: never an exception other than ValidationError."""
    content = bytearray(seed[: max(1, cut % (len(seed) + 1))])
    for position, value in flips:
        content[position % len(content)] = value
    try:
        photo = process_photo(SimpleUploadedFile("fuzz.jpg", bytes(content)))
    except ValidationError as refused:
        assert refused.messages, "a refusal says why"
    else:
        assert open_image(photo.photo).format == "JPEG"
        assert open_image(photo.thumbnail).size == (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    try:
        document = clean_document(SimpleUploadedFile("fuzz.jpg", bytes(content)))
    except ValidationError as refused:
        assert refused.messages, "a refusal says why"
    else:
        assert document.extension == ".pdf" or open_image(document.content).format == FORMATS[document.extension]


def test_process_photo_takes_a_jpeg_above_the_png_cap_decoding_it_reduced(upload):
    """A 27-megapixel phone JPEG is decoded at a fraction of its size (Image.draft), so it stays welcome."""
    big = corpus.encode(Image.new("L", (6000, 4500), 128), "JPEG", quality=70)
    processed = process_photo(upload(content=big))
    assert (processed.width, processed.height) == (1200, 900)


def test_process_photo_refuses_a_png_above_24_megapixels_before_decoding_it(upload):
    with pytest.raises(ValidationError, match="more than 24 megapixels"):
        process_photo(upload("big.png", corpus.png_claiming_size(5_000, 5_000), "image/png"))


def test_clean_document_reduces_a_large_scan_to_a4_at_300_dpi(upload):
    scan = corpus.encode(Image.new("RGB", (5000, 4000), "white"), "PNG")
    document = clean_document(upload("scan.png", scan, "image/png"))
    assert open_image(document.content).size == (DOCUMENT_MAX_SIDE, 2806)
