"""django-filter parts that any FilterSet may use: strict integers and "true to require" switches."""

import django_filters as filters
from django import forms


class RequireField(forms.Field):
    """A "true to require" switch: true/1/on/yes require it; empty, false/0/off/no leave it out."""

    TRUE = {"true", "1", "on", "yes"}
    FALSE = {"", "false", "0", "off", "no"}

    def to_python(self, value):
        text = (value or "").strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return None
        raise forms.ValidationError("Use true to require this, or leave it out.", code="invalid_switch")


class RequireFilter(filters.Filter):
    """Filters on `field_name` being true when the switch is on; does nothing otherwise."""

    field_class = RequireField

    def filter(self, qs, value):
        if value is True:
            return self.get_method(qs)(**{self.field_name: True})
        return qs


class IntegerFilter(filters.NumberFilter):
    """A whole number: "2.5" is an error, not a silently rounded 2."""

    field_class = forms.IntegerField
