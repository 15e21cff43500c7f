"""Fixtures of the dashboard and verification tests: the people of the permission matrix, places, files."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from common.storage import private_storage

from ..factories import CertificationFactory, TherapistFactory, UserFactory
from . import corpus


@pytest.fixture
def owner(db):
    return UserFactory(username="owner-user", email="owner@example.com")


@pytest.fixture
def therapist(owner, denver):
    return TherapistFactory(owner=owner, name="Olivia Owner", place=denver, email="")


@pytest.fixture
def other_therapist_user(db):
    user = UserFactory(username="other-therapist", email="other@example.com")
    TherapistFactory(owner=user, name="Theo Other")
    return user


@pytest.fixture
def staff_user(db):
    """Staff who may view and change certifications but is not a verifier."""
    user = UserFactory(username="staff-user", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_certification", "change_certification", "view_therapist"])
    )
    return user


@pytest.fixture
def certification(therapist):
    """A pending license with a PDF document, as the dashboard stores it."""
    cert = CertificationFactory(therapist=therapist)
    cert.document.save("document.pdf", SimpleUploadedFile("x.pdf", corpus.PDF), save=True)
    return cert


@pytest.fixture
def stored_files():
    """The names under the public and the private storage, listed on demand."""

    def walk(storage, folder=""):
        dirs, files = storage.listdir(folder) if storage.exists(folder or ".") else ([], [])
        names = [f"{folder}/{name}" if folder else name for name in files]
        for sub in dirs:
            names += walk(storage, f"{folder}/{sub}" if folder else sub)
        return names

    def listing() -> dict[str, set[str]]:
        return {"public": set(walk(default_storage)), "private": set(walk(private_storage()))}

    return listing


@pytest.fixture
def upload():
    def make(name="photo.jpg", content=None, content_type="image/jpeg"):
        return SimpleUploadedFile(name, corpus.jpeg() if content is None else content, content_type=content_type)

    return make
