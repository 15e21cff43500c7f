"""Admin parts every desk uses: pending work first, an action's note, decisions one by one, read-only rows."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import formats, translation
from django.utils.timezone import override as timezone_override

from common.admin import (
    ActionNoteForm,
    count_phrase,
    day,
    decide_each,
    moment,
    note_action_page,
    pending_first,
    percent,
    rating,
    rounded,
)
from reviews.models import Review
from therapists.models import ProfileClaim

from ..factories import ProfileClaimFactory, ReviewFactory, ReviewFlagFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
START = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


def test_pending_first_orders_pending_rows_first_then_the_oldest():
    Status = ProfileClaim.Status
    made = {
        name: ProfileClaimFactory(status=status, created_at=START + days * DAY)
        for name, status, days in [
            ("old approved", Status.APPROVED, 0),
            ("new pending", Status.PENDING, 3),
            ("old pending", Status.PENDING, 1),
            ("new rejected", Status.REJECTED, 4),
            ("mid approved", Status.APPROVED, 2),
        ]
    }
    ordered = ProfileClaim.objects.order_by(*pending_first("status", Status.PENDING))
    names = {claim.pk: name for name, claim in made.items()}
    assert [names[claim.pk] for claim in ordered] == [
        "old pending",
        "new pending",
        "old approved",
        "mid approved",
        "new rejected",
    ]


def test_action_note_form_required_by_default():
    form = ActionNoteForm({"note": "   "}, label="Note to the therapist")
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["note"]] == ["required"]
    assert form.fields["note"].label == "Note to the therapist"


def test_action_note_form_optional_when_asked():
    form = ActionNoteForm({"note": ""}, label="Reason", help_text="Kept for the record.", required=False)
    assert form.is_valid() and form.cleaned_data["note"] == ""
    assert form.fields["note"].help_text == "Kept for the record."


def test_action_note_form_unbound_is_not_valid_so_the_action_asks_first():
    assert not ActionNoteForm(None, label="Reason", required=False).is_valid()


def test_action_note_form_max_length_is_checked_and_shown_to_the_browser():
    assert ActionNoteForm({"note": "x" * 200}, label="Reason", max_length=200).is_valid()
    long = ActionNoteForm({"note": "x" * 201}, label="Reason", max_length=200)
    assert [error.code for error in long.errors.as_data()["note"]] == ["max_length"]
    assert long.fields["note"].widget.attrs["maxlength"] == "200"
    assert 'maxlength="200"' in str(long["note"])


def test_action_note_form_each_form_keeps_its_own_limit():
    ActionNoteForm({"note": "x"}, label="Short", max_length=10).is_valid()
    roomy = ActionNoteForm({"note": "x" * 50}, label="Long", max_length=2000)
    assert roomy.is_valid()
    assert roomy.fields["note"].widget.attrs["maxlength"] == "2000"


def _admin_request(rf, user, data=None):
    request = rf.post("/admin/", data or {})
    request.user = user
    # What the admin's middleware gives a request: a session, and messages kept in it.
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    return request


def test_note_action_page_lists_the_selection_and_posts_it_back(rf, superuser):
    review_admin = admin.site._registry[Review]
    form = ActionNoteForm(None, label="Reason", required=False, max_length=200)
    items = [(41, "Great — Lena Ortiz, 5 out of 5", "Flags: Looks fake"), (42, "Calm — Lena Ortiz, 4 out of 5", "")]
    response = note_action_page(
        review_admin,
        _admin_request(rf, superuser),
        items=iter(items),
        form=form,
        action="hide_reviews",
        title="Hide reviews",
        intro="These reviews will disappear.",
    )
    content = response.render().content.decode()
    assert response.status_code == HTTPStatus.OK
    for pk in (41, 42):
        assert f'<input type="hidden" name="{ACTION_CHECKBOX_NAME}" value="{pk}">' in content
    assert '<input type="hidden" name="action" value="hide_reviews">' in content
    assert '<input type="hidden" name="apply" value="yes">' in content
    assert '<input type="submit" class="default" value="Hide reviews">' in content  # the title, by default
    assert "These reviews will disappear." in content and "Flags: Looks fake" in content
    assert reverse("admin:reviews_review_changelist") in content


def test_decide_each_applies_each_decision_and_reports_each_refusal_by_name(rf, superuser):
    claims = ProfileClaimFactory.create_batch(4)
    refused = {claims[1].pk: ValidationError("Already owned."), claims[2].pk: PermissionDenied("Not yours to decide.")}
    decided = []

    def decide(claim):
        if claim.pk in refused:
            raise refused[claim.pk]
        decided.append(claim.pk)

    request = _admin_request(rf, superuser)
    done = decide_each(
        admin.site._registry[ProfileClaim],
        request,
        claims,
        decide,
        done_message=lambda count: f"{count} claim(s) decided.",
        refused="Not decided",
    )
    assert (done, decided) == (2, [claims[0].pk, claims[3].pk])
    assert [(message.level_tag, str(message)) for message in get_messages(request)] == [
        ("warning", f"Not decided: {claims[1]}: Already owned."),
        ("warning", f"Not decided: {claims[2]}: Not yours to decide."),
        ("success", "2 claim(s) decided."),
    ]


def test_decide_each_says_no_success_when_nothing_was_decided(rf, superuser):
    (claim,) = ProfileClaimFactory.create_batch(1)
    request = _admin_request(rf, superuser)

    def refuse(obj):
        raise ValidationError("Already decided.")

    done = decide_each(
        admin.site._registry[ProfileClaim], request, [claim], refuse, done_message=str, refused="Not decided"
    )
    assert done == 0
    assert [message.level_tag for message in get_messages(request)] == ["warning"]


def test_read_only_tabular_inline_shows_rows_without_inputs_or_add_and_delete(client, moderator):
    review = ReviewFactory()
    ReviewFlagFactory(review=review, details="Never a client here.")
    client.force_login(moderator)
    response = client.get(reverse("admin:reviews_review_change", args=[review.pk]))
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "Never a client here." in content
    assert 'name="flags-0-details"' not in content and 'name="flags-0-reason"' not in content
    assert 'name="flags-0-DELETE"' not in content
    assert 'name="flags-TOTAL_FORMS" value="1"' in content  # the existing row only, no empty extra


@pytest.mark.parametrize(
    ("value", "shown"), [(34 / 9, "3.8"), (4.75, "4.8"), (4.65, "4.7"), (5.0, "5.0"), (1, "1.0"), (None, "—")]
)
def test_rating_rounds_half_up_to_one_decimal(value, shown):
    assert rating(value) == shown


@pytest.mark.parametrize(("value", "shown"), [(92.85714285714286, "93%"), (100.0, "100%"), (0, "0%"), (None, "—")])
def test_percent_rounds_to_the_whole_percent(value, shown):
    assert percent(value) == shown


def test_rounded_takes_the_places_asked():
    assert (rounded(71.23456), rounded(71.25), rounded(71.23456, 2), rounded(0.0)) == ("71.2", "71.3", "71.23", "0.0")


@pytest.mark.parametrize(("count", "shown"), [(0, "0 reviews hidden"), (1, "1 review hidden"), (3, "3 reviews hidden")])
def test_count_phrase_pluralises_the_words(count, shown):
    assert count_phrase(count, "review hidden", "reviews hidden") == shown


def test_day_and_moment_use_the_site_formats_in_its_time_zone():
    late = datetime.datetime(2026, 11, 24, 23, 30, tzinfo=datetime.UTC)
    with translation.override("en-us"), timezone_override("America/Denver"):
        local = datetime.datetime(2026, 11, 24, 16, 30)
        assert day(datetime.date(2026, 11, 24)) == formats.date_format(datetime.date(2026, 11, 24), "DATE_FORMAT")
        assert day(late) == formats.date_format(local.date(), "DATE_FORMAT")
        assert moment(late) == formats.date_format(local, "DATETIME_FORMAT")
        # What Django renders for en-us today (its locale's formats win over settings.DATE_FORMAT).
        assert day(datetime.date(2026, 11, 24)) == "Nov. 24, 2026"
        assert moment(late) == "Nov. 24, 2026, 4:30 p.m."
    assert (day(None), moment(None)) == ("—", "—")
