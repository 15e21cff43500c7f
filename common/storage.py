"""Storage for personal documents: files that no URL ever points at."""

from django.core.files.storage import FileSystemStorage, storages


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Private documents have no URL; send them through a view that checks who is asking.")


def private_storage():
    """The "private" storage of STORAGES: personal documents, never under a public URL."""
    return storages["private"]
