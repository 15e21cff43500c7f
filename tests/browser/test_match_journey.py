"""Issue 14's guided match in a browser: a pregnant client with an oil allergy answers the match on a 375 px phone
and reaches a prenatal-certified therapist with allergy-friendly products; a red flag leads with "See a healthcare
professional first" and shows therapists only once the person confirms, without JavaScript too."""

import pytest

from therapists.models import Certification, Specialty

from ..factories import TherapistFactory
from .conftest import TIMEOUT_MS, _verify
from .helpers import (
    DESKTOP,
    assert_accessible,
    expect,
    overflowing_elements,
    page_width,
    phone_width,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_fits_the_phone(page, name: str) -> None:
    width = page.viewport_size["width"]
    assert page_width(page) <= width, f"{name} scrolls sideways: {overflowing_elements(page, width)}"


@pytest.fixture
def hana(directory):
    """Beside the directory (Ruth Alvarez offers prenatal massage but holds no certificate in it; Maya Chen has
    allergy-friendly products but no prenatal massage): Hana Holt, certified in prenatal massage by a credential our
    staff verified, with allergy-friendly products."""
    prenatal = Specialty.objects.get(slug="prenatal")
    hana = TherapistFactory(
        name="Hana Holt", slug="hana-holt", headline="Prenatal massage with fragrance-free oils",
        specialties=[prenatal], years_experience=8, hypoallergenic_products=True,
    )  # fmt: skip
    _verify(hana)
    _verify(hana, kind=Certification.Kind.SPECIALTY, specialty=prenatal, title="Certified prenatal massage therapist")
    return hana


def test_pregnant_client_with_an_oil_allergy_reaches_a_prenatal_certified_allergy_friendly_therapist(page, hana):
    page.goto("/")
    page.goto("/match/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a therapist who suits you")
    assert_accessible(page, "the guided match")
    save_screenshot(page, "match")
    with phone_width(page):
        assert_fits_the_phone(page, "the guided match")
        page.get_by_label("I am pregnant").check()
        page.get_by_label("Trimester").select_option(label="Second trimester")
        page.get_by_label("I am allergic or sensitive to some oils or lotions").check()
        page.get_by_label("City or ZIP code").fill("Denver")
        page.get_by_role("button", name="Show my matches").click()

        # Answered on the same page: the URL carries none of it.
        assert page.url.endswith("/match/")
        reasons = page.get_by_role("region", name="The filters we chose, and why")
        expect(reasons).to_contain_text("Pregnant: only therapists with a verified prenatal certification")
        expect(reasons).to_contain_text("Allergies: only therapists who offer allergy-friendly products")
        expect(page.get_by_role("region", name="Before you book")).to_contain_text("specializes in prenatal massage")
        matches = page.get_by_role("region", name="Your matches")
        expect(matches.get_by_role("status")).to_have_text("1 therapist matches your answers")
        expect(matches.get_by_role("link", name="Hana Holt")).to_be_visible()
        expect(matches).not_to_contain_text("Ruth Alvarez")
        expect(matches).not_to_contain_text("Maya Chen")
        expect(matches).to_contain_text("✓ Certified")
        expect(matches).to_contain_text("Allergy-friendly products")
        # What was answered is kept for another look.
        expect(page.get_by_label("I am pregnant")).to_be_checked()
        assert_fits_the_phone(page, "the match's answer")
        save_screenshot(page, "match-answer")
        assert_accessible(page, "the match's answer at 375 px")

        matches.get_by_role("link", name="See this search on the search page").click()
        page.wait_for_load_state()
        assert "specialty=prenatal" in page.url and "hypoallergenic=true" in page.url
        assert (
            "pregnan" not in page.url
            and "trimester" not in page.url
            and "allerg" not in page.url.replace("hypoallergenic", "")
        )
        expect(page.get_by_role("link", name="Hana Holt")).to_be_visible()
        page.get_by_role("link", name="Hana Holt").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hana Holt")
        expect(page.get_by_text("Certified prenatal massage therapist").first).to_be_visible()
    assert_accessible(page, "the guided match's answer")


def test_red_flag_asks_for_a_professional_first_and_a_confirmation(page, hana):
    page.goto("/match/")
    page.get_by_label("Fracture").check()
    page.get_by_label("I am allergic or sensitive to some oils or lotions").check()
    page.get_by_role("button", name="Show my matches").click()

    stop = page.get_by_role("region", name="See a healthcare professional first")
    expect(stop).to_contain_text("You told us about: Fracture")
    expect(stop).to_contain_text("contraindicate massage altogether")
    expect(page.get_by_role("region", name="Your matches")).to_have_count(0)
    expect(page.get_by_role("link", name="Hana Holt")).to_have_count(0)
    assert_accessible(page, "the match's red-flag step")
    save_screenshot(page, "match-red-flag")
    with phone_width(page):
        assert_fits_the_phone(page, "the match's red-flag step")
        assert_accessible(page, "the match's red-flag step at 375 px")

    stop.get_by_label("My doctor has said massage is safe for me").check()
    stop.get_by_role("button", name="Show me therapists").click()
    expect(page.get_by_role("region", name="See a healthcare professional first")).to_be_visible()
    matches = page.get_by_role("region", name="Your matches")
    # Verified, five years in practice or more, allergy-friendly: Hana (8 years) and Maya Chen (12).
    expect(matches.get_by_role("link", name="Hana Holt")).to_be_visible()
    expect(matches.get_by_role("link", name="Maya Chen")).to_be_visible()
    expect(page.get_by_label("Fracture")).to_be_checked()
    assert_accessible(page, "the match's answer after the confirmation")


def test_match_works_without_javascript(browser, live_server, hana):
    """The questions, the red-flag step and the answer are plain forms: no script is needed for any of them."""
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/match/")
        page.get_by_label("I am pregnant").check()
        page.get_by_label("Severe or persistent pain").check()
        page.get_by_role("button", name="Show my matches").click()
        stop = page.get_by_role("region", name="See a healthcare professional first")
        expect(stop).to_contain_text("persistent or severe back pain")
        stop.get_by_label("My doctor has said massage is safe for me").check()
        stop.get_by_role("button", name="Show me therapists").click()
        expect(page.get_by_role("region", name="Your matches").get_by_role("link", name="Hana Holt")).to_be_visible()
    finally:
        context.close()
