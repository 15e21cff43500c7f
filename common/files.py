"""Stored files: random names for uploads, and deleting files in step with the rows that point at them."""

import secrets
from collections.abc import Callable, Iterable
from pathlib import PurePath

from django.core.files.storage import Storage
from django.db import transaction


def random_upload_name(folder: str, filename: str) -> str:
    """A new name under `folder`: the uploader's file name never reaches the disk or a URL, only its suffix."""
    suffix = PurePath(filename).suffix.lower()[:6]
    return f"{folder}/{secrets.token_hex(16)}{suffix}"


def delete_stored_files(*, storage: Storage, names: Iterable[str], still_used: Callable[[str], bool]) -> None:
    """Delete files once the transaction commits, unless some row still points at one (demo data shares)."""
    names = [name for name in names if name]

    def delete():
        for name in names:
            if not still_used(name):
                storage.delete(name)

    # Robust: a file that cannot be deleted is logged; the write it follows has succeeded.
    transaction.on_commit(delete, robust=True)


def discard_written_files(*, storage: Storage, names: Iterable[str]) -> None:
    """Remove files a failed write stored: no row points at them, so nothing would ever clean them up."""
    for name in names:
        storage.delete(name)
