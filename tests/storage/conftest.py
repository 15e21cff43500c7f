"""Fixtures of the object-storage tests: one real SeaweedFS for the session, and the app's storages pointed at it."""

import pytest
from django.core.files.storage import storages

from therapists.models import Certification

from ..s3 import SeaweedS3, SeaweedUnavailable
from ..servers import server_missing

PHOTO_BUCKET = "test-photos"
DOCUMENT_BUCKET = "test-documents"


@pytest.fixture(scope="session")
def seaweed():
    """SeaweedFS on free loopback ports, S3 auth on; anyone may read `public/` of the photo bucket, nothing else.

    Without the binary (or if it cannot start) the tests skip, except under CI, where they must run."""
    server = SeaweedS3(buckets=[PHOTO_BUCKET, DOCUMENT_BUCKET], public_reads=[f"{PHOTO_BUCKET}/public/*"])
    try:
        server.start()
    except SeaweedUnavailable as error:
        server_missing("SeaweedFS", error)
    yield server
    server.stop()


@pytest.fixture
def s3_storages(settings, seaweed, monkeypatch):
    """The storages of config.settings.base when a bucket is named: photos in one bucket, documents in the other.

    The document field took its storage when the models loaded, so it is pointed at the new one too."""
    for name, value in seaweed.settings().items():
        setattr(settings, name, value)
    settings.AWS_STORAGE_BUCKET_NAME = PHOTO_BUCKET
    settings.AWS_PRIVATE_STORAGE_BUCKET_NAME = DOCUMENT_BUCKET
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "common.storage.PublicMediaStorage"},
        "private": {"BACKEND": "common.storage.PrivateMediaStorage"},
    }
    monkeypatch.setattr(Certification._meta.get_field("document"), "storage", storages["private"])
    return seaweed
