"""refresh_aggregates: --check reports drift and fails; without it, the drift is repaired."""

import pytest
from django.core.management import CommandError, call_command

from reviews.models import Review
from therapists.models import Therapist

from ....factories import ReviewFactory, TherapistFactory
from ...helpers import assert_aggregates_exact

pytestmark = pytest.mark.django_db


def test_refresh_aggregates_check_passes_when_nothing_drifted(published_review, reviewed_therapist, capsys):
    TherapistFactory()  # no reviews at all
    call_command("refresh_aggregates", "--check")
    assert "All 2 therapists' aggregates match" in capsys.readouterr().out


def test_refresh_aggregates_check_reports_drift_and_changes_nothing(published_review, reviewed_therapist, capsys):
    Therapist.objects.filter(pk=reviewed_therapist.pk).update(review_count=7, rating_avg=2.5)
    ReviewFactory(therapist=(unreviewed := TherapistFactory(slug="bulk-inserted")), rating=3)  # no refresh
    with pytest.raises(CommandError, match="2 of 2 therapists"):
        call_command("refresh_aggregates", "--check")
    out = capsys.readouterr().out
    assert "lena-ortiz: review_count 7 ≠ 1; rating_avg 2.5 ≠ 4.0" in out
    assert "bulk-inserted: review_count 0 ≠ 1" in out
    assert Therapist.objects.get(pk=reviewed_therapist.pk).review_count == 7
    assert Therapist.objects.get(pk=unreviewed.pk).review_count == 0


def test_refresh_aggregates_repairs_drift_and_the_score(published_review, reviewed_therapist, capsys):
    Therapist.objects.filter(pk=reviewed_therapist.pk).update(review_count=7, rating_avg=2.5, score=0)
    hidden = ReviewFactory(therapist=reviewed_therapist, is_hidden=True, rating=1)
    call_command("refresh_aggregates")
    assert "repaired 1" in capsys.readouterr().out
    assert_aggregates_exact(reviewed_therapist.pk)
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 1 and reviewed_therapist.score > 0
    assert Review.objects.filter(pk=hidden.pk, is_hidden=True).exists()  # the hidden review stayed, uncounted
    call_command("refresh_aggregates", "--check")


def test_refresh_aggregates_old_name_recompute_ratings_is_gone():
    """One thing, one name: the command is called like the service it repairs through."""
    with pytest.raises(CommandError, match="Unknown command"):
        call_command("recompute_ratings")
