"""Where uploads are kept: personal documents in storage that no URL ever points at; photos, on a server or in a bucket.

The file system is the default (config.settings.base). With AWS_STORAGE_BUCKET_NAME set, both live in S3-compatible
object storage (django-storages): photos as public objects under `public/`, documents as private objects under
`private/` (in AWS_PRIVATE_STORAGE_BUCKET_NAME when given), read only with the app's key and sent only through the
permission-checked document views, which stream them (therapists.dashboard.DocumentView).
"""

from botocore.config import Config
from django.core.files.storage import FileSystemStorage, storages
from storages.backends.s3 import S3Storage
from storages.utils import setting

# Short, so that a request waiting on a storage that has gone away fails (and says so) instead of holding a worker.
S3_CONNECT_TIMEOUT_SECONDS = 5
S3_READ_TIMEOUT_SECONDS = 30
# A presigned URL would be a bearer token for a health credential: if anything ever asks for one, it lives a minute.
PRIVATE_URL_MAX_SECONDS = 60


class NoUrlMixin:
    """A storage whose files have no URL at all, signed or not."""

    def url(self, name, *args, **kwargs):
        raise ValueError("Private documents have no URL; send them through a view that checks who is asking.")


class PrivateStorage(NoUrlMixin, FileSystemStorage):
    pass


def private_storage():
    """The "private" storage of STORAGES: personal documents, never under a public URL."""
    return storages["private"]


class _S3Storage(S3Storage):
    """The S3 settings of config.settings.base, with timeouts, and names never reused: a random upload name that
    happened to exist would be given a new one, never overwrite another person's file."""

    file_overwrite = False

    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults["client_config"] = setting("AWS_S3_CLIENT_CONFIG") or Config(
            s3={"addressing_style": defaults["addressing_style"]},
            signature_version=defaults["signature_version"],
            proxies=defaults["proxies"],
            connect_timeout=S3_CONNECT_TIMEOUT_SECONDS,
            read_timeout=S3_READ_TIMEOUT_SECONDS,
            retries={"max_attempts": 3, "mode": "standard"},
        )
        return defaults


class PublicMediaStorage(_S3Storage):
    """Profile photos: public objects under a plain, permanent URL (AWS_S3_CUSTOM_DOMAIN, a CDN, when given).

    The bucket (or its `public/` prefix) must be readable by anyone: a bucket policy, or the public-read ACL with
    AWS_DEFAULT_ACL. Names are random and never reused, so browsers may keep a photo for a year.
    """

    location = "public"
    querystring_auth = False

    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults["object_parameters"] = {
            "CacheControl": "public, max-age=31536000, immutable",
            **defaults["object_parameters"],
        }
        return defaults


class PrivateMediaStorage(NoUrlMixin, _S3Storage):
    """Certification documents: private objects under `private/`, never public, never on a CDN, never a URL.

    Only the app's key reads them; the document views stream them after their permission check, with the headers
    that keep a document from running anything (a presigned URL would carry none of those, and would let anyone
    who saw it read a health credential until it expired).
    """

    location = "private"
    # Objects are private unless a bucket policy says otherwise; no ACL is sent (many buckets refuse ACLs).
    custom_domain = None
    querystring_auth = True
    querystring_expire = PRIVATE_URL_MAX_SECONDS

    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults["bucket_name"] = setting("AWS_PRIVATE_STORAGE_BUCKET_NAME") or defaults["bucket_name"]
        defaults["object_parameters"] = {"CacheControl": "private, no-store"}
        return defaults
