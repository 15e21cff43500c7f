"""Private storage: personal documents are kept outside the public media and never get a URL."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

from common.storage import PrivateStorage, private_storage

pytestmark = pytest.mark.django_db


def test_private_storage_is_the_private_storage_of_the_settings():
    assert private_storage() is storages["private"]
    assert isinstance(private_storage(), PrivateStorage)


def test_private_storage_keeps_files_outside_the_public_media():
    name = private_storage().save("certifications/license.pdf", ContentFile(b"%PDF-1.4"))
    try:
        path = Path(private_storage().path(name)).resolve()
        assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
        assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
        assert not default_storage.exists(name)
        assert private_storage().open(name).read() == b"%PDF-1.4"
    finally:
        private_storage().delete(name)


def test_private_storage_never_gives_a_url():
    with pytest.raises(ValueError, match="Private documents have no URL"):
        private_storage().url("certifications/license.pdf")
