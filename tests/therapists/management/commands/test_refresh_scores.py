"""The refresh_scores command: a credential that expired without any write stops counting in the score."""

import datetime

import pytest
from django.core.management import call_command

from therapists.models import Therapist
from therapists.services.scoring import compute_score

from ....factories import TherapistFactory

pytestmark = pytest.mark.django_db


def test_refresh_scores_drops_the_credential_part_after_expiry(capsys, today):
    lapsed = TherapistFactory(verified_until=today - datetime.timedelta(days=1))
    current = TherapistFactory(verified_until=today + datetime.timedelta(days=30))
    # As stored on the day before expiry: both scored as verified.
    lapsed_old = compute_score(current)
    Therapist.objects.filter(pk__in=[lapsed.pk, current.pk]).update(score=lapsed_old)
    call_command("refresh_scores")
    lapsed.refresh_from_db()
    current.refresh_from_db()
    assert lapsed.score < lapsed_old
    assert current.score == pytest.approx(lapsed_old)
    assert "rescored 1" in capsys.readouterr().out
