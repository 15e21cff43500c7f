"""config.settings.base, "Object storage": the file system unless a bucket is named; then S3, and the CSP follows."""

import json

from ..config.test_project import _settings_probe

STORAGE = (
    "__import__('json').dumps({'storages': settings.STORAGES, "
    "'img_src': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], "
    "'private_bucket': getattr(settings, 'AWS_PRIVATE_STORAGE_BUCKET_NAME', None)})"
)


def _storage_settings(**environment) -> dict:
    result = _settings_probe({"DEBUG": "true", "AWS_STORAGE_BUCKET_NAME": "", **environment}, STORAGE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_keep_uploads_on_the_file_system_by_default():
    loaded = _storage_settings()
    assert loaded["storages"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert loaded["storages"]["private"]["BACKEND"] == "common.storage.PrivateStorage"
    assert loaded["img_src"] == ["'self'", "data:"]


def test_settings_with_a_bucket_put_photos_and_documents_in_object_storage():
    loaded = _storage_settings(AWS_STORAGE_BUCKET_NAME="site-media", AWS_S3_ENDPOINT_URL="https://s3.example.net/")
    assert loaded["storages"]["default"] == {"BACKEND": "common.storage.PublicMediaStorage"}
    assert loaded["storages"]["private"] == {"BACKEND": "common.storage.PrivateMediaStorage"}
    assert loaded["private_bucket"] == "site-media", "one bucket, two prefixes, unless a second bucket is named"
    assert loaded["img_src"] == ["'self'", "data:", "https://s3.example.net"]


def test_settings_with_a_custom_domain_allow_images_from_it_only():
    loaded = _storage_settings(
        AWS_STORAGE_BUCKET_NAME="site-photos",
        AWS_PRIVATE_STORAGE_BUCKET_NAME="site-documents",
        AWS_S3_CUSTOM_DOMAIN="media.example.com",
    )
    assert loaded["private_bucket"] == "site-documents"
    assert loaded["img_src"] == ["'self'", "data:", "https://media.example.com"]


def test_settings_with_amazon_s3_allow_images_from_the_bucket_host():
    loaded = _storage_settings(AWS_STORAGE_BUCKET_NAME="site-photos")
    assert loaded["img_src"] == ["'self'", "data:", "https://site-photos.s3.amazonaws.com"]
