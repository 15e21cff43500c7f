"""The review forms: their fields are the review's content, and whatever they receive, nothing is written partly."""

import datetime
from dataclasses import fields
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reviews.forms import MonthField, ReviewForm
from reviews.models import Review
from reviews.selectors import compute_aggregates
from reviews.services import ReviewContent

from ..conftest import FROZEN_NOW
from .helpers import assert_aggregates_exact, stored_aggregates

pytestmark = pytest.mark.django_db

FIELDS = list(Review.CONTENT_FIELDS)
# The strategies are built at import, so their latest visit date is the date the fuzz test freezes the clock at.
FROZEN_DATE = FROZEN_NOW.date()


def test_review_form_fields_are_the_review_content_fields():
    """One list, Review.CONTENT_FIELDS, for the form, the service's input and the admin."""
    assert list(ReviewForm.base_fields) == list(Review.CONTENT_FIELDS)
    assert [field.name for field in fields(ReviewContent)] == list(Review.CONTENT_FIELDS)


def _as_posted(form: ReviewForm) -> dict:
    """The data a browser sends back for the form as rendered: each widget's formatted value, as text."""
    data = {}
    for bound in form:
        shown = bound.field.widget.format_value(bound.value())
        # Select and radio widgets format to a list of the chosen values; each of these fields has one.
        data[bound.name] = shown[0] if isinstance(shown, list) else shown
    return data


def test_review_form_initial_from_round_trips_to_an_equal_content(published_review):
    content = ReviewContent.of(published_review)
    rendered = ReviewForm(initial=ReviewForm.initial_from(content))
    posted = ReviewForm(_as_posted(rendered))
    assert posted.is_valid(), posted.errors
    assert ReviewContent.from_form(posted.cleaned_data) == content


def test_review_content_from_form_ignores_what_is_not_content(published_review):
    cleaned = {name: getattr(published_review, name) for name in Review.CONTENT_FIELDS}
    content = ReviewContent.from_form({**cleaned, "next": "/", "author": "someone else"})
    assert content == ReviewContent.of(published_review)


@pytest.mark.parametrize(
    ("typed", "month"),
    [
        ("2026-03", datetime.date(2026, 3, 1)),
        ("2026-3", datetime.date(2026, 3, 1)),
        (" 2026-03-17 ", datetime.date(2026, 3, 1)),
        (datetime.date(2026, 3, 17), datetime.date(2026, 3, 1)),
    ],
)
def test_month_field_gives_the_first_day_of_the_month(typed, month):
    assert MonthField().clean(typed) == month


@pytest.mark.parametrize("typed", ["2026-13", "2026-00", "last spring", "03/2026", "2026"])
def test_month_field_refuses_what_is_not_a_month(typed):
    field = MonthField()
    with pytest.raises(ValidationError, match="Enter a month as YYYY-MM") as excinfo:
        field.clean(typed)
    assert excinfo.value.code == "invalid"


def test_review_form_month_picker_stops_at_the_current_month(today):
    attrs = ReviewForm().fields["visit_month"].widget.attrs
    assert (attrs["min"], attrs["max"]) == ("2000-01", today.strftime("%Y-%m"))


def _text(min_size, max_size):
    return st.text(min_size=min_size, max_size=max_size).filter(
        lambda text: len(text.strip()) >= min_size and "\x00" not in text
    )


RATING = st.sampled_from(["1", "2", "3", "4", "5"])
VALID = {
    "rating": RATING,
    "technique": RATING,
    "professionalism": RATING,
    "communication": RATING,
    "cleanliness": RATING,
    "would_recommend": st.sampled_from(["yes", "no"]),
    "massage_type": st.sampled_from(["swedish", "thai", "deep-tissue"]),
    "visit_month": st.dates(min_value=datetime.date(2000, 1, 1), max_value=FROZEN_DATE).map(
        lambda d: d.strftime("%Y-%m")
    ),
    "title": _text(3, 120),
    "body": _text(20, 300),
}
# No NUL characters: common.middleware.RejectNulMiddleware answers 400 to any request holding one, before the
# form sees it (test_views checks that for the review form).
JUNK = st.one_of(
    st.sampled_from(["", " ", "0", "6", "-1", "3.5", "1e3", "true", "<script>", "9" * 50, "2024-13", "0000-01"]),
    st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=40),
    st.text(alphabet="abc ÄÖ€😀\n<>&\"'", min_size=3990, max_size=4130),
    st.dates().map(lambda d: d.strftime("%Y-%m")),
)


@st.composite
def posts(draw):
    """Each field valid (mostly), junk, or left out: some posts are good, most have a few bad fields."""
    data = {}
    for name in FIELDS:
        kind = draw(st.sampled_from(["valid"] * 8 + ["junk", "missing"]))
        if kind == "valid":
            data[name] = draw(VALID[name])
        elif kind == "junk":
            data[name] = draw(JUNK)
    return data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=posts())
def test_review_form_random_input_never_errors_and_never_writes_partly(
    client, today, reviewed_therapist, review_author, data
):
    assert today == FROZEN_DATE
    client.force_login(review_author)
    url = reverse("reviews:create", kwargs={"slug": reviewed_therapist.slug})
    # Every example starts from the same state: no review, the aggregates of none, an unused rate limit.
    with transaction.atomic():
        cache.clear()
        before = stored_aggregates(reviewed_therapist.pk)
        response = client.post(url, data)
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
        event(f"status {response.status_code}")
        stored = response.status_code == HTTPStatus.FOUND
        reviews = list(Review.objects.filter(therapist=reviewed_therapist))
        form_errors = response.context["form"].errors if response.context else {}
        # Either way, every path asserts: a redirect means one review, stored as typed, with exact
        # aggregates; a page means the form again with errors, nothing stored, the aggregates untouched.
        assert bool(form_errors) is not stored
        assert [review.title for review in reviews] == [data.get("title", "").strip()] * stored
        assert compute_aggregates(reviewed_therapist.pk)["review_count"] == int(stored)
        assert (stored_aggregates(reviewed_therapist.pk) == before) is not stored
        assert_aggregates_exact(reviewed_therapist.pk)
        transaction.set_rollback(True)
