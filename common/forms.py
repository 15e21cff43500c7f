"""Form helpers every app uses."""

from dataclasses import fields

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)
    else:
        form.add_error(None, error)


def dataclass_from_form(cls, cleaned_data: dict):
    """A service's input dataclass from a form's cleaned data: the fields the dataclass has, nothing else."""
    names = {f.name for f in fields(cls)}
    return cls(**{name: value for name, value in cleaned_data.items() if name in names})
