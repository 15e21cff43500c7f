"""Whatever the review form receives, the site answers without a server error and writes all or nothing."""

import datetime
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reviews.models import Review
from reviews.selectors import compute_aggregates

from .helpers import assert_aggregates_exact, review_form_data, stored_aggregates

pytestmark = pytest.mark.django_db

FIELDS = list(review_form_data())
TODAY = datetime.date.today()


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
    "visit_month": st.dates(min_value=datetime.date(2000, 1, 1), max_value=TODAY).map(lambda d: d.strftime("%Y-%m")),
    "title": _text(3, 120),
    "body": _text(20, 300),
}
JUNK = st.one_of(
    st.sampled_from(
        ["", " ", "0", "6", "-1", "3.5", "1e3", "true", "\x00", "<script>", "9" * 50, "2024-13", "0000-01"]
    ),
    st.text(max_size=40),
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
def test_review_form_random_input_never_errors_and_never_writes_partly(client, therapist, author, data):
    client.force_login(author)
    url = reverse("reviews:create", kwargs={"slug": therapist.slug})
    # Every example starts from the same state: no review, the aggregates of none, an unused rate limit.
    with transaction.atomic():
        cache.clear()
        before = stored_aggregates(therapist.pk)
        response = client.post(url, data)
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
        event(f"status {response.status_code}")
        reviews = list(Review.objects.filter(therapist=therapist))
        if response.status_code == HTTPStatus.FOUND:
            assert len(reviews) == 1
            assert reviews[0].title == data["title"].strip()
            assert_aggregates_exact(therapist.pk)
        else:
            assert response.context["form"].errors
            assert reviews == []
            assert stored_aggregates(therapist.pk) == before
            assert compute_aggregates(therapist.pk)["review_count"] == 0
        transaction.set_rollback(True)
