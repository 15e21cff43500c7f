"""therapists.services.profiles: creating a profile, editing and publishing it, deleting profiles."""

import dataclasses
import datetime

import pytest
from django.core.exceptions import ValidationError

from therapists.models import FAR_FUTURE, Specialty, Therapist
from therapists.selectors import directory_generation
from therapists.services.offerings import ServiceItem, therapist_set_services
from therapists.services.profiles import (
    PRACTICE_COLUMNS,
    PROFILE_COLUMNS,
    RADIUS_FIELD,
    PracticeDetails,
    ProfileDetails,
    therapist_create,
    therapist_set_practice,
    therapist_set_published,
    therapist_set_status,
    therapist_update_profile,
    therapists_delete,
)
from therapists.services.scoring import therapist_refresh_credentials

from ...factories import CertificationFactory, PlaceFactory, ReviewFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_profile_details_carries_every_profile_field_but_those_of_other_pages():
    """The 60-minute price follows the menu; "travels to the client" goes with its radius (therapist_set_practice)."""
    expected = set(Therapist.PROFILE_FIELDS)
    assert not {"price_60", "travels_to_client"} & expected
    assert {field.name for field in dataclasses.fields(ProfileDetails)} == expected
    assert set(PROFILE_COLUMNS) == expected - set(Therapist.PROFILE_LINK_FIELDS)


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


# --- where and payment (therapist_set_practice), and the menu following the types of massage ---


def _practice(**changes) -> PracticeDetails:
    return PracticeDetails(**{"street_address": "1420 Larimer St", "accepts_card": True, **changes})


def test_therapist_set_practice_writes_every_practice_column_and_bumps_updated_at(owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(
        updated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    practice = PracticeDetails(
        street_address="  1420 Larimer St  ",
        show_address=True,
        travels_to_client=True,
        travel_radius_km=30,
        accepts_cash=True,
        accepts_card=True,
        accepts_hsa_fsa=True,
        gives_hsa_receipts=True,
        sells_gift_cards=True,
        cancellation_policy="24 hours' notice.",
    )
    therapist_set_practice(therapist=owned_therapist, practice=practice)
    stored = Therapist.objects.filter(pk=owned_therapist.pk).values(*PRACTICE_COLUMNS, "updated_at").get()
    assert stored.pop("updated_at") > datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    assert stored == dataclasses.asdict(practice) | {"street_address": "1420 Larimer St"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"street_address": "", "show_address": True}, "show_address"),
        ({"travels_to_client": True}, RADIUS_FIELD),
        ({"travel_radius_km": 10}, RADIUS_FIELD),
        ({"travels_to_client": True, "travel_radius_km": 201}, RADIUS_FIELD),
        ({"travels_to_client": True, "travel_radius_km": 0}, RADIUS_FIELD),
        ({"street_address": "1 Main St\nDenver"}, "street_address"),
        ({"street_address": "1 Main St, 80302"}, "street_address"),
        ({"street_address": "1 Main St, Reno, NV"}, "street_address"),
        ({"street_address": "1 Main St NV 89501"}, "street_address"),
        ({"cancellation_policy": "One\nTwo"}, "cancellation_policy"),
        ({"cancellation_policy": "x" * 201}, "cancellation_policy"),
    ],
)
def test_therapist_set_practice_refuses_by_field_and_changes_nothing(owned_therapist, changes, field):
    Therapist.objects.filter(pk=owned_therapist.pk).update(postal_code="80202")
    before = Therapist.objects.filter(pk=owned_therapist.pk).values().get()
    with pytest.raises(ValidationError) as refused:
        therapist_set_practice(therapist=owned_therapist, practice=_practice(**changes))
    assert list(refused.value.message_dict) == [field]
    assert Therapist.objects.filter(pk=owned_therapist.pk).values().get() == before


@pytest.mark.parametrize(
    "street",
    ["1420 Larimer St, Denver, CO 80202", "1420 Larimer St, Unit 7", "100 Colorado Blvd, Apt NE", "PO Box 80"],
)
def test_therapist_set_practice_accepts_a_street_that_agrees_with_the_profile(owned_therapist, street):
    """Its own ZIP and state, and numbers or capitals that name no other ZIP code or state, are fine."""
    Therapist.objects.filter(pk=owned_therapist.pk).update(postal_code="80202")
    therapist_set_practice(therapist=owned_therapist, practice=_practice(street_address=street))
    assert Therapist.objects.get(pk=owned_therapist.pk).street_address == street


def test_therapist_set_practice_checks_the_address_against_the_place_as_stored_now(owned_therapist):
    """The service reads the locked row: a city changed meanwhile is the one the address must agree with."""
    stale = Therapist.objects.get(pk=owned_therapist.pk)
    Therapist.objects.filter(pk=owned_therapist.pk).update(city="Reno", region="NV", postal_code="89501")
    with pytest.raises(ValidationError, match="not in Reno, NV"):
        therapist_set_practice(therapist=stale, practice=_practice(street_address="1 Main St, CO 80202"))


def test_therapist_update_profile_drops_the_services_of_a_type_taken_off(owned_therapist, denver):
    swedish, deep = Specialty.objects.get(slug="swedish"), Specialty.objects.get(slug="deep-tissue")
    owned_therapist.specialties.set([swedish, deep])
    therapist_set_services(therapist=owned_therapist, items=[ServiceItem(swedish, 60, 70), ServiceItem(deep, 60, 95)])
    details = ProfileDetails(name=owned_therapist.name, city="Denver", specialties=[deep])
    therapist_update_profile(therapist=owned_therapist, details=details)
    assert list(owned_therapist.services.values_list("specialty__slug", "price")) == [("deep-tissue", 95)]
    assert Therapist.objects.get(pk=owned_therapist.pk).price_60 == 95


def test_therapist_update_profile_leaves_the_price_and_the_practice_alone(owned_therapist, denver):
    Therapist.objects.filter(pk=owned_therapist.pk).update(price_60=80, travels_to_client=True, travel_radius_km=10)
    therapist_update_profile(therapist=owned_therapist, details=ProfileDetails(name="New Name", city="Denver"))
    stored = Therapist.objects.get(pk=owned_therapist.pk)
    assert (stored.name, stored.price_60, stored.travels_to_client, stored.travel_radius_km) == (
        "New Name",
        80,
        True,
        10,
    )
