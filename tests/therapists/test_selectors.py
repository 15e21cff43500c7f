"""therapists.selectors: the search with its cached facet counts, the profile, the ranking's inputs and other reads."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from therapists import ranking
from therapists.models import Certification, Therapist
from therapists.selectors import (
    attach_terms,
    certifications_expiring,
    directory_generation,
    own_profile,
    ranking_evidence,
    search,
    site_priors,
    therapist_profile,
)
from therapists.services.profiles import therapists_delete

from ..factories import CertificationFactory, TherapistFactory
from .helpers import query

pytestmark = pytest.mark.django_db


def test_search_facets_count_under_the_other_filters(vocab, today):
    TherapistFactory(slug="a", specialties=[vocab["swedish"]], gender="female", verified_until=today)
    TherapistFactory(slug="b", specialties=[vocab["swedish"], vocab["thai"]], gender="male")
    TherapistFactory(slug="c", specialties=[vocab["thai"]], gender="female")
    result = search(query({"specialty": "swedish", "gender": "female"}))
    assert result.paginator.count == 1
    # Specialty counts ignore the specialty filter but keep the gender filter.
    assert result.facets["specialty"] == {vocab["swedish"].pk: 1, vocab["thai"].pk: 1}
    # Gender counts ignore the gender filter but keep the specialty filter.
    assert result.facets["gender"] == {"female": 1, "male": 1, "nonbinary": 0}
    assert result.facets["verified"] == 1


def test_search_cached_counts_follow_every_change(client, vocab, django_assert_num_queries):
    TherapistFactory(slug="first", specialties=[vocab["swedish"]])
    assert search(query({"specialty": "swedish"})).paginator.count == 1
    # The same search again reuses the counted facets: only the version lookup, page and links run.
    with django_assert_num_queries(3):
        result = search(query({"specialty": "swedish"}))
    assert result.paginator.count == 1
    TherapistFactory(slug="second", specialties=[vocab["swedish"]])
    assert search(query({"specialty": "swedish"})).paginator.count == 2


def test_search_cached_counts_follow_a_deletion(vocab):
    TherapistFactory(slug="stays", specialties=[vocab["swedish"]])
    gone = TherapistFactory(slug="goes", specialties=[vocab["swedish"]])
    assert search(query({"specialty": "swedish"})).paginator.count == 2
    Therapist.objects.filter(pk=gone.pk).update(updated_at=timezone.now() - datetime.timedelta(days=1))
    therapists_delete(queryset=Therapist.objects.filter(pk=gone.pk))
    assert search(query({"specialty": "swedish"})).paginator.count == 1


@pytest.mark.xfail(
    strict=True,
    reason="App bug: selectors._cached_facets versions the cached counts by the newest updated_at, so a write "
    "that commits after a newer one (its updated_at taken earlier) leaves the counts stale for FACET_CACHE_SECONDS.",
)
def test_search_cached_counts_follow_a_write_that_commits_late(vocab):
    TherapistFactory(slug="first", specialties=[vocab["swedish"]])
    assert search(query({"specialty": "swedish"})).paginator.count == 1
    # A second writer stamped its row a moment before the first one but committed after it.
    late = TherapistFactory(slug="late", specialties=[vocab["swedish"]])
    Therapist.objects.filter(pk=late.pk).update(updated_at=timezone.now() - datetime.timedelta(seconds=1))
    assert search(query({"specialty": "swedish"})).paginator.count == 2


def test_site_priors_are_the_review_weighted_means_of_the_directory():
    TherapistFactory(review_count=10, rating_avg=4.5, communication_avg=4.0, cleanliness_avg=5.0)
    TherapistFactory(review_count=30, rating_avg=3.5, communication_avg=5.0, cleanliness_avg=4.0)
    TherapistFactory(review_count=0)
    priors = site_priors()
    assert priors.rating == pytest.approx((10 * 4.5 + 30 * 3.5) / 40)
    assert priors.communication == pytest.approx((10 * 4.0 + 30 * 5.0) / 40)
    assert priors.cleanliness == pytest.approx((10 * 5.0 + 30 * 4.0) / 40)


def test_site_priors_without_reviews_are_the_defaults():
    TherapistFactory(review_count=0)
    assert site_priors() == ranking.Priors()


def test_site_priors_are_cached_until_asked_for_fresh(django_assert_num_queries):
    reviewed = TherapistFactory(review_count=10, rating_avg=4.0, communication_avg=4.0, cleanliness_avg=4.0)
    cached = site_priors()
    Therapist.objects.filter(pk=reviewed.pk).update(rating_avg=2.0)
    with django_assert_num_queries(0):
        assert site_priors() == cached
    with django_assert_num_queries(1):
        fresh = site_priors(fresh=True)
    assert fresh.rating == pytest.approx(2.0) and fresh != cached
    with django_assert_num_queries(0):
        assert site_priors() == fresh, "a fresh computation replaces the cached one"


def test_ranking_evidence_reads_the_stored_columns_and_todays_badge(today):
    therapist = TherapistFactory(
        verified_until=today, review_count=4, rating_avg=4.5, communication_avg=4.25, cleanliness_avg=5.0,
        recommend_count=3, years_experience=12,
    )  # fmt: skip
    assert ranking_evidence(therapist) == ranking.Evidence(
        verified=True, review_count=4, rating_avg=4.5, communication_avg=4.25, cleanliness_avg=5.0,
        recommend_count=3, years_experience=12, accepting_confirmed=True,
    )  # fmt: skip
    therapist.verified_until = today - datetime.timedelta(days=1)
    assert not ranking_evidence(therapist).verified
    therapist.accepting_confirmed_at -= datetime.timedelta(days=61)
    assert not ranking_evidence(therapist).accepting_confirmed


def test_attach_terms_gives_terms_in_order_and_current_certifications_in_one_query(
    vocab, today, django_assert_num_queries
):
    certified = TherapistFactory(specialties=[vocab["thai"], vocab["swedish"]])
    certified.languages.set([vocab["es"]])
    CertificationFactory(therapist=certified, kind="specialty", specialty=vocab["thai"], status="verified")
    CertificationFactory(therapist=certified, kind="specialty", specialty=vocab["swedish"], status="pending")
    CertificationFactory(
        therapist=certified, kind="specialty", specialty=vocab["prenatal"], status="verified",
        issued_on=today - datetime.timedelta(days=900), expires_on=today - datetime.timedelta(days=1),
    )  # fmt: skip
    bare = TherapistFactory()
    site_priors()  # the vocabularies are cached by the first search of the day
    search(query({}))
    with django_assert_num_queries(1):
        attach_terms([certified, bare], kinds=("specialty", "language"))
    assert [term.slug for term in certified.specialty_terms] == ["swedish", "thai"]
    assert [term.slug for term in certified.language_terms] == ["es"]
    assert certified.certified_specialty_ids == {vocab["thai"].pk}
    assert (bare.specialty_terms, bare.language_terms, bare.certified_specialty_ids) == ([], [], set())


def test_therapist_profile_lists_credentials_by_status_then_newest_and_explains_the_rank(today):
    therapist = TherapistFactory(technique_avg=4.5, cleanliness_avg=4.0)
    older = CertificationFactory(therapist=therapist, status="verified", issued_on=today - datetime.timedelta(days=900))
    newer = CertificationFactory(therapist=therapist, status="verified", issued_on=today - datetime.timedelta(days=100))
    pending = CertificationFactory(therapist=therapist, status="pending")
    profile = therapist_profile(therapist)
    assert profile.certifications == [pending, newer, older]
    assert profile.rank_reasons == ranking.explain(ranking_evidence(therapist), site_priors())
    assert dict(profile.sub_ratings) == {
        "Technique": 4.5,
        "Professionalism": None,
        "Communication": None,
        "Cleanliness": 4.0,
    }


def test_own_profile_is_the_signed_in_users_profile(therapist_owner, owned_therapist, client_user):
    assert own_profile(therapist_owner) == owned_therapist
    assert own_profile(client_user) is None
    assert own_profile(AnonymousUser()) is None


def test_certifications_expiring_are_current_verified_ones_soonest_first(today):
    def expiring(days, status="verified"):
        return CertificationFactory(
            status=status,
            issued_on=today - datetime.timedelta(days=900),
            expires_on=None if days is None else today + datetime.timedelta(days=days),
        )

    in_ten, in_zero, in_thirty = expiring(10), expiring(0), expiring(30)
    in_thirty_one = expiring(31)
    expiring(-1), expiring(5, status="pending"), expiring(None)
    assert list(certifications_expiring(within_days=30)) == [in_zero, in_ten, in_thirty]
    assert list(certifications_expiring(within_days=0)) == [in_zero]
    later = today + datetime.timedelta(days=20)
    assert list(certifications_expiring(within_days=20, today=later)) == [in_thirty, in_thirty_one]
    assert all(c.status == Certification.Status.VERIFIED for c in certifications_expiring(within_days=30))


def test_directory_generation_starts_at_zero_and_moves_with_each_deletion():
    assert directory_generation() == 0
    therapists_delete(queryset=Therapist.objects.filter(pk=TherapistFactory().pk))
    therapists_delete(queryset=Therapist.objects.filter(pk=TherapistFactory().pk))
    assert directory_generation() == 2
