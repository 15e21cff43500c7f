"""Storage for personal documents: files on disk that no URL ever points at."""

from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Private documents have no URL; send them through dashboard:certification_document.")
