"""Stored files: random upload names, deletion only once the write commits, clean-up after a failed write."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction

from common.files import delete_stored_files, discard_written_files, random_upload_name

# Real commits and rollbacks: the deletions wait for the outermost transaction to commit.
pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
def tmp_storage(tmp_path):
    return FileSystemStorage(location=tmp_path)


@pytest.fixture
def written_files(tmp_storage):
    """Two stored files, as a write left them: an old photo and the photo another profile shares."""
    return [tmp_storage.save(name, ContentFile(b"data")) for name in ("photos/old.jpg", "photos/shared.jpg")]


def _present(storage, names) -> list[bool]:
    return [storage.exists(name) for name in names]


def test_random_upload_name_keeps_only_the_folder_and_a_short_lower_case_suffix():
    name = random_upload_name("photos", "Me at the Beach.JPEG")
    assert re.fullmatch(r"photos/[0-9a-f]{32}\.jpeg", name)
    assert re.fullmatch(r"photos/[0-9a-f]{32}", random_upload_name("photos", "no-suffix"))
    assert random_upload_name("docs", "x.verylongsuffix").endswith(".veryl")
    assert random_upload_name("photos", "a.jpg") != random_upload_name("photos", "a.jpg")


def test_delete_stored_files_deletes_only_after_the_commit(tmp_storage, written_files):
    with transaction.atomic():
        delete_stored_files(storage=tmp_storage, names=written_files, still_used=lambda name: False)
        inside = _present(tmp_storage, written_files)
    assert inside == [True, True]
    assert _present(tmp_storage, written_files) == [False, False]


def test_delete_stored_files_waits_for_the_outermost_transaction(tmp_storage, written_files):
    with transaction.atomic():
        with transaction.atomic():
            delete_stored_files(storage=tmp_storage, names=written_files, still_used=lambda name: False)
        after_inner = _present(tmp_storage, written_files)
    assert after_inner == [True, True]
    assert _present(tmp_storage, written_files) == [False, False]


def test_delete_stored_files_keeps_everything_when_the_write_rolls_back(tmp_storage, written_files):
    with pytest.raises(Rollback), transaction.atomic():
        delete_stored_files(storage=tmp_storage, names=written_files, still_used=lambda name: False)
        raise Rollback
    assert _present(tmp_storage, written_files) == [True, True]


def test_delete_stored_files_keeps_files_still_used_and_skips_empty_names(tmp_storage, written_files):
    old, shared = written_files
    with transaction.atomic():
        delete_stored_files(storage=tmp_storage, names=[old, "", shared], still_used=lambda name: name == shared)
    assert _present(tmp_storage, written_files) == [False, True]


def test_delete_stored_files_asks_whether_a_file_is_used_at_commit_time(tmp_storage, written_files):
    """A row that points at the file by the time the write commits keeps it."""
    users = set()
    with transaction.atomic():
        delete_stored_files(storage=tmp_storage, names=written_files, still_used=users.__contains__)
        users.add(written_files[1])
    assert _present(tmp_storage, written_files) == [False, True]


def test_delete_stored_files_a_file_already_gone_does_not_fail_the_write(tmp_storage, written_files):
    with transaction.atomic():
        delete_stored_files(
            storage=tmp_storage, names=[*written_files, "photos/never-written.jpg"], still_used=lambda n: False
        )
    assert _present(tmp_storage, written_files) == [False, False]


def test_discard_written_files_deletes_at_once_even_inside_a_failing_write(tmp_storage, written_files):
    with pytest.raises(Rollback), transaction.atomic():
        discard_written_files(storage=tmp_storage, names=written_files)
        inside = _present(tmp_storage, written_files)
        raise Rollback
    assert inside == [False, False]
    assert _present(tmp_storage, written_files) == [False, False]
