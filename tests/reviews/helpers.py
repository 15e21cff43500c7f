"""Helpers shared by the review tests: a client who may review, a valid form post and the aggregate check."""

import datetime

import pytest
from django.utils import timezone
from faker import Faker

from reviews.selectors import compute_aggregates
from reviews.services import AGGREGATE_FIELDS, ReviewContent
from therapists.models import Specialty, Therapist

from ..factories import UserFactory

BODY_START = "They asked about my back pain first and checked the pressure throughout the hour."
# Each default body ends in a sentence of its own, so reviews a test posts are never near-duplicates of each other
# (reviews.integrity) unless the test means it.
_words = Faker()
_words.seed_instance(15)


def review_body() -> str:
    """A body of its own: the same start, then a random sentence of twelve words."""
    return f"{BODY_START} {_words.sentence(nb_words=12)}"


# Well past REVIEW_NEW_ACCOUNT_DAYS: an established client, whose reviews no new-account cluster holds.
ESTABLISHED_ACCOUNT_AGE = datetime.timedelta(days=365)


def client_account(**fields):
    """A client who may post a review: email confirmed, account opened a year ago. Override either field."""
    now = timezone.now()
    return UserFactory(**{"email_confirmed_at": now, "date_joined": now - ESTABLISHED_ACCOUNT_AGE, **fields})


def new_account(**fields):
    """A client who may post a review from an account opened today: what a sock puppet looks like."""
    return client_account(**{"date_joined": timezone.now(), **fields})


def review_form_data(**overrides) -> dict:
    """A valid POST for the review form; give a field as None to leave it out."""
    data = {
        "rating": "4",
        "technique": "5",
        "professionalism": "4",
        "communication": "3",
        "cleanliness": "5",
        "would_recommend": "yes",
        "massage_type": "swedish",
        "visit_month": timezone.localdate().replace(day=1).strftime("%Y-%m"),
        "title": "Eased my lower back",
        "body": review_body(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def review_content(**overrides) -> ReviewContent:
    """Valid content for review_create and review_update."""
    kwargs = {
        "rating": 4,
        "technique": 5,
        "professionalism": 4,
        "communication": 3,
        "cleanliness": 5,
        "would_recommend": True,
        "massage_type": Specialty.objects.get(slug="swedish"),
        "visit_month": timezone.localdate().replace(day=1),
        "title": "Eased my lower back",
        "body": review_body(),
    }
    kwargs.update(overrides)
    return ReviewContent(**kwargs)


def stored_aggregates(therapist_id: int) -> dict:
    return Therapist.objects.values(*AGGREGATE_FIELDS).get(pk=therapist_id)


def assert_aggregates_exact(therapist_id: int) -> None:
    """The therapist's stored aggregates equal a fresh recomputation over its visible reviews."""
    stored = stored_aggregates(therapist_id)
    fresh = compute_aggregates(therapist_id)
    # approx(None) equals None only, so a missing average must be missing on both sides.
    assert {field: stored[field] for field in fresh} == {field: pytest.approx(value) for field, value in fresh.items()}
