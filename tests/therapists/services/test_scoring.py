"""therapists.services.scoring: the credential columns and the score, recomputed from what is stored."""

import datetime

import pytest

from therapists import ranking
from therapists.models import FAR_FUTURE, Specialty, Therapist
from therapists.selectors import ranking_evidence, site_priors
from therapists.services.scoring import compute_score, therapist_refresh_credentials, therapist_refresh_score

from ...factories import CertificationFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def test_compute_score_weighs_the_evidence_against_the_site_priors_or_the_given_ones():
    TherapistFactory(review_count=10, rating_avg=3.0, communication_avg=3.0, cleanliness_avg=3.0, recommend_count=5)
    therapist = TherapistFactory(
        review_count=2, rating_avg=5.0, communication_avg=5.0, cleanliness_avg=5.0, recommend_count=2
    )
    priors = ranking.Priors(rating=4.5, communication=4.5, cleanliness=4.5)
    assert compute_score(therapist) == ranking.score(ranking_evidence(therapist), site_priors())
    assert compute_score(therapist, priors) == ranking.score(ranking_evidence(therapist), priors)
    assert compute_score(therapist, priors) != compute_score(therapist)


def test_therapist_refresh_credentials_counts_verified_credentials_only(owned_therapist, today):
    CertificationFactory(therapist=owned_therapist, status="pending", expires_on=None)
    CertificationFactory(therapist=owned_therapist, status="rejected", expires_on=None)
    verified = CertificationFactory(
        therapist=owned_therapist, status="verified", expires_on=today + datetime.timedelta(days=40)
    )
    unscored = owned_therapist.score
    refreshed = therapist_refresh_credentials(therapist=owned_therapist)
    stored = Therapist.objects.get(pk=owned_therapist.pk)
    assert refreshed.verified_until == stored.verified_until == verified.expires_on
    assert stored.score == refreshed.score == compute_score(stored) > unscored


def test_therapist_refresh_credentials_clears_the_badge_when_nothing_is_verified(owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(verified_until=today)
    owned_therapist.refresh_from_db()
    CertificationFactory(therapist=owned_therapist, status="pending")
    therapist_refresh_credentials(therapist=owned_therapist)
    assert Therapist.objects.get(pk=owned_therapist.pk).verified_until is None


def test_therapist_refresh_score_stores_the_computed_score(owned_therapist):
    Therapist.objects.filter(pk=owned_therapist.pk).update(score=0, years_experience=30)
    owned_therapist.refresh_from_db()
    refreshed = therapist_refresh_score(therapist=owned_therapist)
    assert refreshed.score == compute_score(owned_therapist) > 0
    assert Therapist.objects.get(pk=owned_therapist.pk).score == refreshed.score


def test_therapist_refresh_credentials_a_specialty_certificate_or_another_states_license_is_not_verified(
    owned_therapist, today
):
    prenatal = Specialty.objects.get(slug="prenatal")
    CertificationFactory(therapist=owned_therapist, kind="specialty", specialty=prenatal, status="verified")
    CertificationFactory(therapist=owned_therapist, kind="license", region="NM", status="verified")
    CertificationFactory(therapist=owned_therapist, kind="board", status="verified", expires_on=None)
    therapist_refresh_credentials(therapist=owned_therapist)
    stored = Therapist.objects.get(pk=owned_therapist.pk)
    assert stored.verified_until is None and not stored.is_verified(today)
    assert not Therapist.objects.verified(today).filter(pk=stored.pk).exists()
    assert set(Therapist.objects.certified_in([prenatal.pk], today).values_list("pk", flat=True)) == {stored.pk}


def test_therapist_refresh_credentials_a_board_certification_where_the_state_issues_no_license(owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(region="KS")
    owned_therapist.refresh_from_db()
    CertificationFactory(therapist=owned_therapist, kind="board", status="verified", expires_on=None)
    therapist_refresh_credentials(therapist=owned_therapist)
    assert Therapist.objects.get(pk=owned_therapist.pk).verified_until == FAR_FUTURE
