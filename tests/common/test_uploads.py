"""CappedUploadHandler: however large an upload, at most one byte over the limit reaches the disk."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from common.uploads import MAX_UPLOAD_BYTES, CappedUploadHandler

pytestmark = pytest.mark.django_db


def test_capped_upload_handler_is_the_first_handler(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == "common.uploads.CappedUploadHandler"


def test_capped_upload_handler_passes_on_only_the_start_of_a_file():
    handler = CappedUploadHandler()
    chunk = b"x" * (4 * 1024 * 1024)
    passed = [handler.receive_data_chunk(chunk, start) for start in range(0, 4 * len(chunk), len(chunk))]
    assert [len(part) if part is not None else None for part in passed] == [
        len(chunk),
        len(chunk),
        MAX_UPLOAD_BYTES + 1 - 2 * len(chunk),
        None,
    ]
    assert handler.file_complete(4 * len(chunk)) is None


@pytest.mark.parametrize(("size", "kept"), [(1000, 1000), (MAX_UPLOAD_BYTES, MAX_UPLOAD_BYTES),
                                            (3 * MAX_UPLOAD_BYTES, MAX_UPLOAD_BYTES + 1)])  # fmt: skip
def test_capped_upload_handler_caps_what_a_real_request_stores(size, kept):
    """Through Django's own multipart parser and the configured handlers, as a view would see the file."""
    upload = SimpleUploadedFile("huge.jpg", b"\xff" * size, content_type="image/jpeg")
    request = RequestFactory().post("/dashboard/photo/", {"photo": upload})
    stored = request.FILES["photo"]
    assert (stored.name, stored.size) == ("huge.jpg", kept)
