"""Helpers of the directory's tests: a search by its parameters, the permission matrix, admin pages, stored images."""

import io
from http import HTTPStatus
from urllib.parse import urlencode

from django.contrib import admin
from django.http import QueryDict
from django.urls import reverse
from PIL import Image

from therapists.selectors import search

SEARCH_URL = "/therapists/"


def query(params) -> QueryDict:
    """The parameters as the search page receives them."""
    return QueryDict(urlencode(params, doseq=True))


def slugs(params) -> list[str]:
    """The slugs a valid search finds, in its order."""
    result = search(query(params), page_size=100)
    assert result.filterset.is_valid(), result.filterset.errors
    return [t.slug for t in result.page.object_list]


def errors(params) -> dict:
    """The field errors of an invalid search."""
    result = search(query(params))
    assert not result.filterset.is_valid()
    return result.filterset.errors


# The permission matrix: who is asking (signed in by the `as_actor` fixture) and what they get.
ACTORS = ["anonymous", "client", "other_therapist", "owner", "verifier", "superuser", "staff"]
# The fixture that gives each actor's user, where its name differs from the actor's.
ACTOR_FIXTURES = {
    "client": "client_user",
    "other_therapist": "other_therapist_user",
    "staff": "staff_user",
    "owner": "therapist_owner",
}
LOGIN = "login"
ADMIN_LOGIN = "admin_login"
OK, NOT_FOUND, FORBIDDEN = HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN


def check_outcome(response, expected) -> None:
    """A status code, a redirect to a log-in page, or a redirect to the named URL."""
    if expected == LOGIN:
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("login"))
    elif expected == ADMIN_LOGIN:
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("admin:login"))
    elif isinstance(expected, str):
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse(expected)
    else:
        assert response.status_code == expected


def registered_on(desk: str) -> list:
    """The models whose ModelAdmin lives in the module `desk` (e.g. "therapists.admin.directory")."""
    models = [model for model, model_admin in admin.site._registry.items() if type(model_admin).__module__ == desk]
    return sorted(models, key=lambda model: model._meta.label)


def check_admin_pages_load(client, user, model) -> None:
    """The model's changelist (also searched), a change form, and the add form or its refusal, for `user`."""
    client.force_login(user)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == HTTPStatus.OK
    assert client.get(changelist, {"q": "a"}).status_code == HTTPStatus.OK
    obj = model._default_manager.first()
    assert obj is not None, f"no {opts.label} to open"
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert client.get(change).status_code == HTTPStatus.OK
    may_add = admin.site._registry[model].has_add_permission(type("Request", (), {"user": user})())
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert client.get(add).status_code == (HTTPStatus.OK if may_add else HTTPStatus.FORBIDDEN)


def open_image(content: bytes) -> Image.Image:
    """The image fully decoded, or Pillow's exception."""
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def assert_no_metadata(content: bytes) -> None:
    """No EXIF (GPS, camera, orientation) and no colour profile left in a stored image."""
    image = open_image(content)
    assert not image.getexif(), "EXIF (GPS, camera, orientation) must be gone"
    assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in content[:4096] and b"SpyCam" not in content
