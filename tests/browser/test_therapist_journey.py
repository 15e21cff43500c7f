"""A therapist signs up, fills in the profile, uploads a photo and a certificate on /dashboard/, and publishes."""

import re

import pytest

from .helpers import confirm_email, expect, sign_up
from .images import certificate_pdf, portrait_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_therapist_signs_up_fills_the_profile_uploads_photo_and_certificate(page, denver):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    sign_up(page, "lena")
    confirm_email(page)
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    page.get_by_role("link", name="Create your profile").click()

    page.get_by_label("Your name as clients see it").fill("Lena Ortiz")
    page.get_by_label("Headline").fill("Prenatal and Swedish massage with a gentle touch")
    page.get_by_label("Bio").fill("Ten years of prenatal and Swedish massage; I trained as a nurse first.")
    page.get_by_label("Years in practice").fill("10")
    specialties = page.get_by_role("group", name=re.compile("^Specialties"))
    specialties.get_by_label("Swedish").check()
    specialties.get_by_label("Prenatal").check()
    page.get_by_role("group", name=re.compile("^Languages")).get_by_label("Spanish").check()
    page.get_by_label("City").fill("Denver")
    page.get_by_label("State or region").fill("CO")
    page.get_by_label("Allergy-friendly products").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved as a draft")
    expect(page.get_by_role("heading", name="Lena Ortiz")).to_be_visible()

    page.get_by_role("link", name="Add your photo").click()
    page.get_by_label("Profile photo").set_input_files(
        {"name": "lena.jpg", "mimeType": "image/jpeg", "buffer": portrait_jpeg(hue=280)}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("Your photo is saved")
    expect(page.get_by_role("img", name="Your photo")).to_be_visible()

    page.get_by_role("link", name="Add a certification").click()
    page.get_by_label("Type").select_option(label="State license")
    page.get_by_label("Title").fill("Licensed Massage Therapist")
    page.get_by_label("Issuing body").fill("Colorado Office of Massage Therapy")
    page.get_by_label("Issuing state").fill("CO")
    page.get_by_label("License or certificate number").fill("MT.0012345")
    page.get_by_label("Issued on").fill("2020-03-01")
    page.get_by_label("Document").set_input_files(
        {"name": "license.pdf", "mimeType": "application/pdf", "buffer": certificate_pdf()}
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your certification is saved")
    certification = page.get_by_role("row").filter(has_text="Licensed Massage Therapist")
    expect(certification).to_contain_text("Awaiting verification")

    page.get_by_role("button", name="Publish your profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is published")
    page.get_by_role("link", name="See your public profile").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lena Ortiz")
    photo = page.get_by_role("img", name="Photo of Lena Ortiz")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "the uploaded photo does not load"
    credentials = page.get_by_role("region", name="Qualifications and certifications")
    expect(credentials).to_contain_text("Licensed Massage Therapist")
    expect(credentials).to_contain_text("Awaiting verification")
    expect(page.get_by_role("heading", level=1).get_by_text("Verified")).to_have_count(0)
