"""therapists.services.profiles: creating a profile, editing and publishing it, deleting profiles."""

import dataclasses

import pytest
from django.core.exceptions import ValidationError

from therapists.models import FAR_FUTURE, Therapist
from therapists.selectors import directory_generation
from therapists.services.profiles import (
    ProfileDetails,
    therapist_create,
    therapist_set_published,
    therapist_set_status,
    therapist_update_profile,
    therapists_delete,
)
from therapists.services.scoring import therapist_refresh_credentials

from ...factories import CertificationFactory, PlaceFactory, ReviewFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_profile_details_carries_every_profile_field():
    assert {field.name for field in dataclasses.fields(ProfileDetails)} == set(Therapist.PROFILE_FIELDS)
    assert len(dataclasses.fields(ProfileDetails)) == len(Therapist.PROFILE_FIELDS)


def test_therapist_create_gives_a_unique_slug(client_user, denver):
    TherapistFactory(slug="ana-lopez")
    TherapistFactory(slug="ana-lopez-2")
    details = ProfileDetails(name="Ana Lopez", city="Denver")
    assert therapist_create(owner=client_user, details=details).slug == "ana-lopez-3"
    assert therapist_create(owner=UserFactory(), details=details).slug == "ana-lopez-4"


def test_therapist_create_falls_back_when_the_name_makes_no_slug(client_user, denver):
    details = ProfileDetails(name="李娜", city="Denver")
    assert therapist_create(owner=client_user, details=details).slug == "therapist"


def test_therapist_create_only_once_per_user(client_user, denver):
    details = ProfileDetails(name="Ana", city="Denver")
    therapist_create(owner=client_user, details=details)
    with pytest.raises(ValidationError, match="already have a profile"):
        therapist_create(owner=client_user, details=details)
    assert Therapist.objects.filter(owner=client_user).count() == 1


def test_therapist_update_profile_refreshes_the_score_from_experience(owned_therapist):
    details = ProfileDetails(name=owned_therapist.name, city="Denver", years_experience=0)
    low = therapist_update_profile(therapist=owned_therapist, details=details).score
    details = ProfileDetails(name=owned_therapist.name, city="Denver", years_experience=30)
    high = therapist_update_profile(therapist=owned_therapist, details=details).score
    assert high > low
    assert Therapist.objects.get(pk=owned_therapist.pk).score == high


def test_therapist_set_published_leaves_a_suspension_alone(owned_therapist):
    Therapist.objects.filter(pk=owned_therapist.pk).update(status=Therapist.Status.SUSPENDED)
    with pytest.raises(ValidationError, match="suspended by our staff"):
        therapist_set_published(therapist=owned_therapist, published=True)
    assert Therapist.objects.get(pk=owned_therapist.pk).status == Therapist.Status.SUSPENDED


def test_therapists_delete_removes_what_they_hold_and_bumps_the_directory_generation(owned_therapist):
    CertificationFactory(therapist=owned_therapist)
    ReviewFactory(therapist=owned_therapist)
    kept = TherapistFactory()
    before = directory_generation()
    therapists_delete(queryset=Therapist.objects.filter(pk=owned_therapist.pk))
    assert list(Therapist.objects.all()) == [kept]
    assert not owned_therapist.certifications.exists() and not owned_therapist.reviews.exists()
    assert directory_generation() == before + 1


def test_therapist_create_without_an_owner_is_a_listing_with_the_chosen_status(denver):
    details = ProfileDetails(name="Listed Lee", city="Denver")
    first = therapist_create(owner=None, details=details, status=Therapist.Status.PUBLISHED)
    second = therapist_create(owner=None, details=details)
    assert (first.owner, first.status, first.slug) == (None, Therapist.Status.PUBLISHED, "listed-lee")
    assert (second.owner, second.status, second.slug) == (None, Therapist.Status.DRAFT, "listed-lee-2")


@pytest.mark.parametrize(
    ("before", "after"), [("published", "suspended"), ("draft", "suspended"), ("suspended", "published")]
)
def test_therapist_set_status_on_an_owned_profile_suspends_or_lifts_a_suspension(owned_therapist, before, after):
    Therapist.objects.filter(pk=owned_therapist.pk).update(status=before)
    assert (
        therapist_set_status(therapist=owned_therapist, status=after, reason="Unlicensed substitute.").status == after
    )
    assert Therapist.objects.get(pk=owned_therapist.pk).status == after


@pytest.mark.parametrize(("before", "after"), [("draft", "published"), ("published", "draft"), ("suspended", "draft")])
def test_therapist_set_status_leaves_an_owned_profiles_publication_to_its_owner(owned_therapist, before, after):
    Therapist.objects.filter(pk=owned_therapist.pk).update(status=before)
    with pytest.raises(ValidationError, match="owner's choice"):
        therapist_set_status(therapist=owned_therapist, status=after)
    assert Therapist.objects.get(pk=owned_therapist.pk).status == before


def test_therapist_set_status_on_an_unowned_listing_takes_any_status(denver):
    listing = TherapistFactory(owner=None, status=Therapist.Status.PUBLISHED)
    assert therapist_set_status(therapist=listing, status=Therapist.Status.DRAFT).status == Therapist.Status.DRAFT


def test_therapist_set_status_refuses_an_unknown_status(denver):
    listing = TherapistFactory(owner=None)
    with pytest.raises(ValidationError):
        therapist_set_status(therapist=listing, status="deleted")
    assert Therapist.objects.get(pk=listing.pk).status == Therapist.Status.PUBLISHED


def test_therapist_update_profile_shows_the_gazetteers_city_and_region(owned_therapist, denver):
    details = ProfileDetails(name=owned_therapist.name, city="DENVER", region="co")
    updated = therapist_update_profile(therapist=owned_therapist, details=details)
    assert (updated.city, updated.region, updated.place) == ("Denver", "CO", denver)


def test_therapist_update_profile_recomputes_the_badge_when_the_practice_state_changes(owned_therapist, denver, today):
    wichita = PlaceFactory(name="Wichita", search_name="wichita", region="KS", latitude=37.69, longitude=-97.34)
    CertificationFactory(therapist=owned_therapist, kind="license", region="CO", status="verified", expires_on=None)
    board = CertificationFactory(therapist=owned_therapist, kind="board", status="verified")
    therapist_refresh_credentials(therapist=owned_therapist)
    assert Therapist.objects.get(pk=owned_therapist.pk).verified_until == FAR_FUTURE

    moved = therapist_update_profile(
        therapist=owned_therapist, details=ProfileDetails(name=owned_therapist.name, city="Wichita", region="KS")
    )
    assert (moved.region, moved.place) == ("KS", wichita)
    assert Therapist.objects.get(pk=owned_therapist.pk).verified_until == board.expires_on

    therapist_update_profile(
        therapist=owned_therapist, details=ProfileDetails(name=owned_therapist.name, city="Denver", region="CO")
    )
    assert Therapist.objects.get(pk=owned_therapist.pk).verified_until == FAR_FUTURE


def test_therapist_create_never_takes_a_slug_the_directory_uses_as_a_path(client_user, denver):
    details = ProfileDetails(name="Places", city="Denver")
    assert therapist_create(owner=client_user, details=details).slug == "places-2"
