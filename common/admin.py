"""Admin parts several desks use: pending work first, actions that ask for a note, decisions taken one by one,
and how figures, counts and dates read on every desk."""

import datetime
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import Case, IntegerField, Value, When
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import ngettext

NOTHING = "—"  # what a figure with no value yet (no reviews, no decision) reads as


def rounded(value: float | None, places: int = 1) -> str:
    """A figure rounded half up to `places` decimals in the site's number format ("3.8", not 3.7777777777777777)."""
    if value is None:
        return NOTHING
    # Through Decimal: Django's number_format cuts a float's digits off rather than rounding them.
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(exact, places)


def rating(value: float | None) -> str:
    """An average on the 1-5 scale, to one decimal: "4.7"."""
    return rounded(value, 1)


def percent(value: float | None) -> str:
    """A share kept as 0-100, to the whole percent: "93%"."""
    return NOTHING if value is None else f"{rounded(value, 0)}%"


def count_phrase(count: int, singular: str, plural: str) -> str:
    """A count and its words, pluralised by Django's ngettext: count_phrase(3, "review hidden", "reviews hidden")
    is "3 reviews hidden"."""
    return f"{number_format(count)} {ngettext(singular, plural, count)}"


def day(value: datetime.date | None) -> str:
    """A date in the site's DATE_FORMAT; a moment (datetime) is taken on its local day."""
    if value is None:
        return NOTHING
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return date_format(value, "DATE_FORMAT")


def moment(value: datetime.datetime | None) -> str:
    """A date and time in the site's DATETIME_FORMAT, in the site's time zone."""
    if value is None:
        return NOTHING
    return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")


def figure_column(field: str, shown: Callable[[float | None], str], *, description: str):
    """A ModelAdmin column or read-only field showing the model's `field` through `shown` (rating, percent, ...),
    sorted by the field itself: assign it in the class body, `rating = figure_column("rating_avg", rating, ...)`."""

    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return shown(getattr(obj, field))

    column.__name__ = f"{field}_shown"
    return column


class ReadOnlyTabularInline(admin.TabularInline):
    """Rows shown beside their parent for the record (flags, credentials, decisions): nothing is added,
    changed or deleted here; the services that own them do that."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


def pending_first(field: str, pending) -> list:
    """A queue's order: rows whose `field` is `pending` first, then the oldest first."""
    first = Case(When(**{field: pending}, then=Value(0)), default=Value(1), output_field=IntegerField())
    return [first.asc(), "created_at"]


class ActionNoteForm(forms.Form):
    """The note an admin action asks for before it runs (why certifications or claims are turned down, ...)."""

    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(
        self,
        data=None,
        *,
        label: str,
        help_text: str = "",
        required: bool = True,
        max_length: int = 2000,
        reason: dict | None = None,
    ):
        super().__init__(data)
        if reason is not None:
            # A reason picked from a list (label, choices, help_text), asked before the note.
            self.fields = {
                "reason": forms.ChoiceField(
                    label=reason["label"],
                    choices=[("", "---------"), *reason["choices"]],
                    help_text=reason.get("help_text", ""),
                ),
                **self.fields,
            }
        field = self.fields["note"]
        field.label, field.help_text, field.required, field.max_length = label, help_text, required, max_length
        field.validators.append(MaxLengthValidator(max_length))
        field.widget.attrs["maxlength"] = str(max_length)


def note_action_page(
    model_admin,
    request,
    *,
    items: Iterable,
    form,
    action: str,
    title: str,
    intro: str,
    submit: str | Callable[[int], str] = "",
):
    """The intermediate page of an action that needs a note; it posts the same selection back to the action.

    `items` are (pk, label, detail) triples: what is about to be decided, as the staff member should see it;
    `submit` labels the button (the title by default), or makes the label from the number of items.
    """
    items = list(items)
    context = {
        "submit": (submit(len(items)) if callable(submit) else submit) or title,
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "items": items,
        "form": form,
        "action": action,
        "opts": model_admin.model._meta,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/action_note.html", context)


def action_with_note(model_admin, request, *, note: dict, run: Callable[..., None], reason: dict | None = None, **page):
    """An admin action that asks for a note first: the note page until a valid note is posted, then `run(note)`.

    `note` configures the ActionNoteForm (label, help_text, required, max_length); with `reason` (label, choices,
    help_text) the page also asks for a reason from a list and calls `run(note, reason=...)`; `page` is what
    note_action_page shows (items, action, title, intro, submit).
    """
    form = ActionNoteForm(request.POST if "apply" in request.POST else None, reason=reason, **note)
    if form.is_valid():
        if reason is not None:
            run(form.cleaned_data["note"], reason=form.cleaned_data["reason"])
        else:
            run(form.cleaned_data["note"])
        return None
    return note_action_page(model_admin, request, form=form, **page)


def decide_each(
    model_admin, request, objects: Iterable, decide: Callable, *, done_message: Callable[[int], str], refused: str
) -> int:
    """Apply a service's decision to each object; a refused one is reported by name and reason, the rest go on."""
    done = 0
    for obj in objects:
        try:
            decide(obj)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            model_admin.message_user(request, f"{refused}: {obj}: {reason}", level=messages.WARNING)
    if done:
        model_admin.message_user(request, done_message(done), level=messages.SUCCESS)
    return done
