"""therapists.services.photos: photo and thumbnail stored under random names; replaced and removed with their files."""

from http import HTTPStatus

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from therapists.models import Therapist
from therapists.services.photos import therapist_remove_photo, therapist_set_photo
from therapists.uploads import process_photo

from ...factories import TherapistFactory

pytestmark = pytest.mark.django_db


def test_therapist_set_photo_replacing_deletes_the_old_files(
    client, therapist_owner, owned_therapist, upload, django_capture_on_commit_callbacks
):
    client.force_login(therapist_owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:photo"), {"photo": upload()})
    owned_therapist.refresh_from_db()
    first = [owned_therapist.photo.name, owned_therapist.photo_thumbnail.name]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:photo"), {"photo": upload()})
    assert response.status_code == HTTPStatus.FOUND
    owned_therapist.refresh_from_db()
    assert owned_therapist.photo.name not in first
    assert not any(default_storage.exists(name) for name in first)
    assert default_storage.exists(owned_therapist.photo.name)
    assert default_storage.exists(owned_therapist.photo_thumbnail.name)


def test_therapist_remove_photo_deletes_its_files(
    client, therapist_owner, owned_therapist, upload, django_capture_on_commit_callbacks
):
    therapist = therapist_set_photo(therapist=owned_therapist, photo=process_photo(upload()))
    names = [therapist.photo.name, therapist.photo_thumbnail.name]
    client.force_login(therapist_owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dashboard:photo_remove"))
    therapist.refresh_from_db()
    assert not therapist.photo and not therapist.photo_thumbnail
    assert not any(default_storage.exists(name) for name in names)


def test_therapist_remove_photo_keeps_files_another_profile_shares(
    owned_therapist, upload, django_capture_on_commit_callbacks
):
    therapist = therapist_set_photo(therapist=owned_therapist, photo=process_photo(upload()))
    names = [therapist.photo.name, therapist.photo_thumbnail.name]
    twin = TherapistFactory(photo=names[0], photo_thumbnail=names[1])  # demo profiles share files
    with django_capture_on_commit_callbacks(execute=True):
        therapist_remove_photo(therapist=therapist)
    assert all(default_storage.exists(name) for name in names)
    assert Therapist.objects.get(pk=twin.pk).photo.name == names[0]
