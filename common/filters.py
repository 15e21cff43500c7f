"""django-filter parts that any FilterSet may use: strict integers, "true to require" switches, and choices read as
people type them."""

import django_filters as filters
from django import forms
from django_filters import fields

# How many unknown entries an error names ("“a”, “b” or “c”"), and how much of each: the error repeats what was
# typed, and a link may carry anything.
NAMED_UNKNOWN = 3
NAMED_LENGTH = 40


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
        raise forms.ValidationError("This switch is either on or off; we left it off.", code="invalid_switch")


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


def _by_code_or_name(choices) -> dict[str, str]:
    """Each choice's value under its value and its name, folded: "swedish" and "swedish massage", "en" and
    "english"."""
    found = {}
    for value, label in choices:
        if value not in ("", None):
            found.setdefault(str(label).strip().casefold(), str(value))
            found[str(value).strip().casefold()] = str(value)
    return found


def _quoted(entries: list[str]) -> str:
    """ "“a”", "“a” or “b”", "“a”, “b” or “c”": the first few entries, each cut short."""
    shown = [f"“{e[:NAMED_LENGTH]}{'…' if len(e) > NAMED_LENGTH else ''}”" for e in entries[:NAMED_UNKNOWN]]
    if len(entries) > NAMED_UNKNOWN:
        return f"{', '.join(shown)} and {len(entries) - NAMED_UNKNOWN} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


class SharedChoicesMixin:
    """A choice field whose copies share its list of choices: a form copies every field it is built with, and
    ChoiceField copies its choices deeply, pair by pair (about a thousand copy calls for the search form's
    vocabularies). The (value, label) pairs are never changed in place, so sharing them is safe."""

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        choices = self._choices
        shared = isinstance(choices, fields.ChoiceIterator)
        result._choices = self.iterator(result, choices.choices) if shared else choices
        return result


class TolerantChoiceField(SharedChoicesMixin, fields.ChoiceField):
    """One choice, by its code or its name, in any case: "Rating" and "highest rated" are `rating`."""

    def to_python(self, value):
        text = super().to_python(value)
        return _by_code_or_name(self.choices).get(text.strip().casefold(), text) if text else text


class TolerantMultipleChoiceField(SharedChoicesMixin, fields.MultipleChoiceField):
    """Several entries of a list, each by its code or its name, in any case ("Swedish", "English", "EN").

    Entries not on the list are an error that names them in the words of `noun` ("We have no amenity called
    “sauna”"), but one unknown entry does not undo the others: the error carries the known ones as
    `params["kept"]`, for the form to search by them still (therapists.filters.SearchForm.clean). Blank entries
    say nothing and are dropped.
    """

    def __init__(self, *args, noun: str = "choice", **kwargs):
        self.noun = noun
        super().__init__(*args, **kwargs)

    def clean(self, value):
        lookup = _by_code_or_name(self.choices)
        kept, unknown = [], []
        for entry in self.to_python(value):
            if not entry.strip():
                continue
            known = lookup.get(entry.strip().casefold())
            if known is None:
                unknown.append(entry)
            elif known not in kept:
                kept.append(known)
        if unknown:
            # The words go in as params, so a "%" in what was typed is never read as a placeholder.
            raise forms.ValidationError(
                "We have no %(noun)s called %(names)s. Choose from the list.",
                code="unknown_choice",
                params={"noun": self.noun, "names": _quoted(unknown), "kept": kept},
            )
        return kept


class TolerantChoiceFilter(filters.ChoiceFilter):
    field_class = TolerantChoiceField


class TolerantMultipleChoiceFilter(filters.MultipleChoiceFilter):
    """A list filter (any of, unless the method says otherwise) read by TolerantMultipleChoiceField; `noun` names
    one entry in its errors."""

    field_class = TolerantMultipleChoiceField
