"""therapists.forms: each form edits the one list of fields its model names, and checks what a service cannot."""

import pytest

from therapists.forms import CertificationForm, ProfileClaimForm, TherapistProfileForm
from therapists.models import Certification, Therapist

from ..factories import CertificationFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

CLAIM_MESSAGE = "License LMT-123, phone 303-555-0199."


def test_therapist_profile_form_edits_the_profile_fields_in_their_order():
    assert TherapistProfileForm._meta.fields == list(Therapist.PROFILE_FIELDS)
    assert list(TherapistProfileForm().fields) == list(Therapist.PROFILE_FIELDS)


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
