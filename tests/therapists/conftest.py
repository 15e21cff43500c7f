"""Fixtures of the directory's tests: the people of the permission matrix, their profile and files, the vocabularies."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from common.storage import private_storage
from therapists.models import Amenity, FocusArea, Language, Specialty

from ..factories import CertificationFactory, TherapistFactory, UserFactory
from . import corpus
from .helpers import ACTOR_FIXTURES


@pytest.fixture
def swedish(db):
    return Specialty.objects.get(slug="swedish")


@pytest.fixture
def deep(db):
    return Specialty.objects.get(slug="deep-tissue")


@pytest.fixture
def therapist_owner(db):
    """The user who owns `owned_therapist`."""
    return UserFactory(username="owner-user", email="owner@example.com")


@pytest.fixture
def owned_therapist(therapist_owner, denver):
    """A published profile in Denver, owned by `therapist_owner`."""
    return TherapistFactory(owner=therapist_owner, name="Olivia Owner", place=denver, email="")


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
def certification(owned_therapist):
    """A pending license of `owned_therapist` with a PDF document, as the dashboard stores it."""
    cert = CertificationFactory(therapist=owned_therapist)
    cert.document.save("document.pdf", SimpleUploadedFile("x.pdf", corpus.PDF), save=True)
    return cert


@pytest.fixture
def as_actor(client, request, therapist_owner, certification):
    """Sign the test client in as one of the actors of the permission matrix (helpers.ACTORS)."""

    def sign_in(actor: str):
        if actor != "anonymous":
            client.force_login(request.getfixturevalue(ACTOR_FIXTURES.get(actor, actor)))
        return client

    return sign_in


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
    """Makes an uploaded file; a valid JPEG unless told otherwise."""

    def make(name="photo.jpg", content=None, content_type="image/jpeg"):
        return SimpleUploadedFile(name, corpus.jpeg() if content is None else content, content_type=content_type)

    return make


@pytest.fixture
def vocab(db):
    """The seeded vocabulary terms the search tests filter by, by slug or language code."""
    return {
        "swedish": Specialty.objects.get(slug="swedish"),
        "thai": Specialty.objects.get(slug="thai"),
        "prenatal": Specialty.objects.get(slug="prenatal"),
        "es": Language.objects.get(code="es"),
        "en": Language.objects.get(code="en"),
        "sciatica": FocusArea.objects.get(slug="sciatica"),
        "private-room": Amenity.objects.get(slug="private-room"),
        "fresh-linens": Amenity.objects.get(slug="fresh-linens"),
    }
