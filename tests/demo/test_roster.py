"""demo.roster: the demo states' rosters agree with the demo licenses and show every cross-check outcome."""

import pytest
from django.core.management import call_command

from demo.roster import plan_rosters, seed_rosters
from therapists.models import Certification, CertificationDecision, LicenseRecord, LicenseRoster
from therapists.registry import Match, registry_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(small_gazetteer, today):
    call_command("seed_demo", "--therapists", "200", "--reviews", "0", "--seed", "3", "--photos", "0", "--no-logins")


def test_seed_demo_loads_a_roster_per_demo_state_that_shows_every_cross_check_outcome(demo):
    # seed_demo itself imported the rosters (the demo fixture ran it): one per demo state, nothing refused, and
    # no verified demo license withdrawn by them.
    assert LicenseRoster.objects.count() == len(plan_rosters(seed=3)) > 0
    assert set(LicenseRoster.objects.values_list("withdrawn", "refused").distinct()) == {(0, 0)}
    assert not CertificationDecision.objects.filter(reason=Certification.RejectionReason.REGISTRY_INACTIVE).exists()
    pending = Certification.objects.filter(kind="license", status="pending").select_related("therapist")
    outcomes = {answer.match for answer in registry_answers(pending).values()}
    assert {Match.MATCHES, Match.NAME_DIFFERS, Match.NOT_FOUND, Match.INACTIVE, Match.EXPIRY_DIFFERS} <= outcomes
    assert 1 <= LicenseRecord.objects.filter(status="revoked").count()
    assert registry_answers(Certification.objects.filter(status="verified", kind="license")).values()


def test_plan_rosters_is_the_same_for_the_same_seed(demo):
    assert plan_rosters(seed=3) == plan_rosters(seed=3)


def test_seed_rosters_again_changes_nothing(demo):
    seed_rosters(seed=3)
    seed_rosters(seed=3)
    latest = LicenseRoster.objects.order_by("-pk").first()
    assert (latest.added, latest.changed, latest.refused) == (0, 0, 0) and latest.unchanged > 0
