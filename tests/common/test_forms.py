"""Form helpers: a service's ValidationError shown where the person looks, and a service's input from a form."""

from dataclasses import dataclass

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from common.forms import add_service_error, dataclass_from_form

pytestmark = pytest.mark.django_db


class NoteForm(forms.Form):
    title = forms.CharField()
    body = forms.CharField()


@dataclass(frozen=True)
class Note:
    title: str
    body: str


def _bound() -> NoteForm:
    form = NoteForm({"title": "A title", "body": "A body"})
    assert form.is_valid()
    return form


def test_add_service_error_puts_a_field_error_on_the_forms_field():
    form = _bound()
    add_service_error(form, ValidationError({"title": ValidationError("Taken.", code="taken")}))
    assert form.errors.as_data()["title"][0].code == "taken"
    assert NON_FIELD_ERRORS not in form.errors
    assert not form.is_valid() and "title" not in form.cleaned_data


def test_add_service_error_puts_an_error_on_a_field_the_form_lacks_above_the_form():
    form = _bound()
    add_service_error(form, ValidationError({"author": ValidationError("Not yours.", code="not_owner")}))
    assert [error.code for error in form.non_field_errors().as_data()] == ["not_owner"]
    assert "author" not in form.errors


def test_add_service_error_puts_an_error_with_no_field_above_the_form():
    form = _bound()
    add_service_error(form, ValidationError("Try again later.", code="throttled"))
    assert [error.code for error in form.non_field_errors().as_data()] == ["throttled"]
    assert not form.is_valid()


def test_add_service_error_keeps_every_message_of_a_list():
    form = _bound()
    add_service_error(form, ValidationError([ValidationError("One.", code="a"), ValidationError("Two.", code="b")]))
    assert [error.code for error in form.non_field_errors().as_data()] == ["a", "b"]


def test_dataclass_from_form_takes_the_dataclass_fields_and_ignores_extra_keys():
    note = dataclass_from_form(Note, {"title": "A title", "body": "A body", "next": "/", "is_staff": True})
    assert note == Note(title="A title", body="A body")


def test_dataclass_from_form_missing_a_field_is_an_error_not_a_default():
    with pytest.raises(TypeError, match="body"):
        dataclass_from_form(Note, {"title": "A title"})
