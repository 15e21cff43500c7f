"""therapists.forms: each form edits the one list of fields its model names, and checks what a service cannot."""

import datetime

import pytest

from therapists.forms import (
    MAX_SERVICE_LINES,
    CertificationForm,
    OpeningHoursForm,
    PracticeForm,
    ProfileClaimForm,
    ServiceMenuFormSet,
    TherapistProfileForm,
)
from therapists.models import Certification, OpeningPeriod, Therapist
from therapists.services.profiles import PRACTICE_COLUMNS as PRACTICE_FIELDS

from ..factories import CertificationFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

CLAIM_MESSAGE = "License LMT-123, phone 303-555-0199."


# Edited on their own pages: the price follows the menu of services; travel goes with its radius.
NOT_ON_THE_PROFILE_FORM = {"price_60", "travels_to_client", *PRACTICE_FIELDS}


def test_therapist_profile_form_edits_the_profile_fields_in_their_order():
    expected = [name for name in Therapist.PROFILE_FIELDS if name not in NOT_ON_THE_PROFILE_FORM]
    assert TherapistProfileForm._meta.fields == expected
    assert list(TherapistProfileForm().fields) == expected


def test_therapist_profile_form_leaves_the_price_and_the_practice_to_their_own_pages():
    assert not NOT_ON_THE_PROFILE_FORM & set(TherapistProfileForm().fields)


def test_certification_form_edits_the_detail_fields_and_the_document():
    assert CertificationForm._meta.fields == list(Certification.DETAIL_FIELDS)
    assert list(CertificationForm().fields) == [*Certification.DETAIL_FIELDS, "document"]


def test_certification_form_needs_a_document_only_for_a_new_certification():
    assert CertificationForm().fields["document"].required
    assert not CertificationForm(instance=CertificationFactory()).fields["document"].required


@pytest.mark.parametrize(
    "typed",
    [
        "mia-chen",
        "/therapists/mia-chen/",
        "https://example.com/therapists/mia-chen/",
        "https://example.com/therapists/mia-chen?utm_source=mail",
        "  mia-chen/  ",
    ],
)
def test_profile_claim_form_finds_the_profile_from_its_address_or_slug(typed):
    listed = TherapistFactory(slug="mia-chen", owner=None)
    form = ProfileClaimForm({"profile": typed, "message": CLAIM_MESSAGE})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["profile"] == listed


def test_profile_claim_form_refuses_an_owned_profile_and_a_short_message():
    TherapistFactory(slug="owned-one", owner=UserFactory())
    form = ProfileClaimForm({"profile": "owned-one", "message": "Me."})
    assert not form.is_valid()
    assert form.errors["profile"] == ["This profile already has an owner."]
    assert "message" in form.errors


def test_certification_form_a_license_names_its_state_defaulting_to_the_practice_state():
    data = {"kind": "license", "title": "LMT", "issuing_body": "Board", "issued_on": "2020-01-01"}
    form = CertificationForm(data=data)
    assert not form.is_valid() and form.errors["region"] == ["Name the state that issued this license."]
    assert CertificationForm(practice_region="KS").fields["region"].initial == "KS"
    named = CertificationForm(data={**data, "region": " co "})
    named.is_valid()
    assert named.cleaned_data["region"] == "CO"


def test_practice_form_asks_the_radius_in_miles_and_carries_kilometres():
    therapist = TherapistFactory(travels_to_client=True, travel_radius_km=161)
    form = PracticeForm(therapist=therapist)
    assert form.initial["travel_radius"] == 100 and form.initial["travels_to_client"] is True
    bound = PracticeForm({"travels_to_client": "on", "travel_radius": "124"}, therapist=therapist)
    assert bound.is_valid() and bound.practice_data()["travel_radius_km"] == 200
    assert set(bound.practice_data()) == set(PRACTICE_FIELDS)


def test_opening_hours_form_shows_the_first_two_periods_of_each_day_in_order():
    periods = [
        OpeningPeriod(weekday=2, opens=datetime.time(13), closes=datetime.time(18)),
        OpeningPeriod(weekday=2, opens=datetime.time(8), closes=datetime.time(12)),
    ]
    form = OpeningHoursForm(periods=periods)
    assert (form.initial["day2_opens_1"], form.initial["day2_closes_2"]) == (datetime.time(8), datetime.time(18))
    assert len(form.fields) == 1 + 7 * 4


def test_service_menu_formset_builds_no_more_lines_than_its_cap():
    therapist = TherapistFactory()
    data = {"services-TOTAL_FORMS": "100000", "services-INITIAL_FORMS": "0"}
    formset = ServiceMenuFormSet(data, prefix="services", therapist=therapist)
    assert not formset.is_valid() and len(formset.forms) == MAX_SERVICE_LINES
