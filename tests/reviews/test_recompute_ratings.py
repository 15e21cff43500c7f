"""recompute_ratings: --check reports drift and fails; without it, the drift is repaired."""

import pytest
from django.core.management import CommandError, call_command

from therapists.models import Therapist

from ..factories import ReviewFactory, TherapistFactory
from .helpers import assert_aggregates_exact

pytestmark = pytest.mark.django_db


def test_recompute_ratings_check_passes_when_nothing_drifted(review, therapist, capsys):
    TherapistFactory()  # no reviews at all
    call_command("refresh_aggregates", "--check")
    assert "All 2 therapists' aggregates match" in capsys.readouterr().out


def test_recompute_ratings_check_reports_drift_and_changes_nothing(review, therapist, capsys):
    Therapist.objects.filter(pk=therapist.pk).update(review_count=7, rating_avg=2.5)
    ReviewFactory(therapist=(unreviewed := TherapistFactory(slug="bulk-inserted")), rating=3)  # no refresh
    with pytest.raises(CommandError, match="2 of 2 therapists"):
        call_command("refresh_aggregates", "--check")
    out = capsys.readouterr().out
    assert "lena-ortiz: review_count 7 ≠ 1; rating_avg 2.5 ≠ 4.0" in out
    assert "bulk-inserted: review_count 0 ≠ 1" in out
    assert Therapist.objects.get(pk=therapist.pk).review_count == 7
    assert Therapist.objects.get(pk=unreviewed.pk).review_count == 0


def test_recompute_ratings_repairs_drift_and_the_score(review, therapist, capsys):
    Therapist.objects.filter(pk=therapist.pk).update(review_count=7, rating_avg=2.5, score=0)
    hidden = ReviewFactory(therapist=therapist, is_hidden=True, rating=1)
    call_command("refresh_aggregates")
    assert "repaired 1" in capsys.readouterr().out
    assert_aggregates_exact(therapist.pk)
    therapist.refresh_from_db()
    assert therapist.review_count == 1 and therapist.score > 0
    assert hidden.pk  # the hidden review stayed, uncounted
    call_command("refresh_aggregates", "--check")
