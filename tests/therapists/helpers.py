"""Helpers of the directory's tests: a search by its parameters, the permission matrix, admin pages, stored images."""

import io
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import urlencode

from django.contrib import admin
from django.http import QueryDict
from django.test import RequestFactory
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
    # A row the desk lists (a queue such as flagged or held reviews shows only some of the model's rows).
    request = RequestFactory().get(changelist)
    request.user = user
    obj = admin.site._registry[model].get_queryset(request).first()
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


class _FormFields(HTMLParser):
    """The name/value pairs a browser would submit from one form of a page (files and buttons left out)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.in_form, self.pairs = form_id, False, []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        if not self.in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("file", "submit", "button", "image", "reset"):
                self.pairs.append((name, attrs.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.pairs.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one newline that follows <textarea>.
            self.pairs.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def submitted_form(response, form_id: str) -> dict[str, list[str]]:
    """What a browser would post back, unchanged, from the form `form_id` of a page (e.g. "therapist_form")."""
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    assert data, f"no form {form_id!r} on the page"
    return data
