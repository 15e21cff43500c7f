"""Issue 13's journey: a therapist lists two services, Saturday hours and payment methods from the dashboard on a
375 px phone; a client then searches for 90 minutes under $130 at weekends and reads it all on the profile."""

import re

import pytest

from .helpers import assert_accessible, expect, log_in, overflowing_elements, page_width, phone_width, save_screenshot

OPENS = re.compile(r"^Opens:?$")  # the first period's; the second's is "Opens again"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_fits_the_phone(page, name: str) -> None:
    width = page.viewport_size["width"]
    assert page_width(page) <= width, f"{name} scrolls sideways: {overflowing_elements(page, width)}"


def test_therapist_lists_services_hours_and_payment_and_a_client_finds_them(page, maya_owner, directory):
    with phone_width(page):
        log_in(page, "maya")
        page.goto("/dashboard/")
        lacking = page.get_by_role("region", name="What your profile still lacks")
        expect(lacking).to_contain_text("services")

        page.get_by_role("link", name="Services and prices").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your services and prices")
        assert_fits_the_phone(page, "the services page")
        assert_accessible(page, "the services page")
        first, second = page.get_by_role("group", name="Line 1"), page.get_by_role("group", name="Line 2")
        first.get_by_label("Type of massage").select_option(label="Swedish")
        first.get_by_label("Length").select_option(label="60 minutes")
        first.get_by_label("Price in dollars").fill("95")
        second.get_by_label("Type of massage").select_option(label="Swedish")
        second.get_by_label("Length").select_option(label="90 minutes")
        second.get_by_label("Price in dollars").fill("0")
        page.get_by_role("button", name="Save your services").click()
        # A refused menu keeps what was typed and says what is wrong beside the price.
        second = page.get_by_role("group", name="Line 2")
        expect(second).to_contain_text("Give a price between")
        expect(page.get_by_role("group", name="Line 1").get_by_label("Price in dollars")).to_have_value("95")
        second.get_by_label("Price in dollars").fill("125")
        page.get_by_role("button", name="Save your services").click()
        expect(page.get_by_role("status")).to_contain_text("Your services and prices are saved")

        page.get_by_role("link", name="Opening hours").click()
        assert_fits_the_phone(page, "the hours page")
        assert_accessible(page, "the hours page")
        saturday = page.get_by_role("group", name="Saturday")
        saturday.get_by_label(OPENS).fill("10:00")
        saturday.get_by_label("Closes").first.fill("16:00")
        monday = page.get_by_role("group", name="Monday")
        monday.get_by_label(OPENS).fill("09:00")
        monday.get_by_label("Closes").first.fill("17:00")
        page.get_by_role("button", name="Save your hours").click()
        expect(page.get_by_role("status")).to_contain_text("Your opening hours are saved")

        page.get_by_role("link", name="Where you work and payment").click()
        assert_fits_the_phone(page, "the where-and-payment page")
        assert_accessible(page, "the where-and-payment page")
        page.get_by_label("Credit or debit card").check()
        page.get_by_label("HSA or FSA card").check()
        page.get_by_label("I give itemised receipts for HSA/FSA claims").check()
        page.get_by_label("Cancellation policy").fill("Free cancellation up to 24 hours before.")
        page.get_by_role("button", name=re.compile("^Save")).click()
        expect(page.get_by_role("status")).to_contain_text("Where you work and how clients pay are saved")
        save_screenshot(page, "dashboard-after-practical")

    page.context.clear_cookies()
    page.goto("/therapists/?near=Denver")
    page.get_by_label("Session length").select_option(label="90 min")
    page.get_by_label(re.compile(r"^Max price")).fill("130")
    page.get_by_label(re.compile(r"^Open weekends")).check()
    page.get_by_role("button", name="Show therapists").click()
    expect(page.get_by_role("status")).to_contain_text("1 therapist")
    card = page.locator(".results > li").filter(has_text="Maya Chen")
    expect(card).to_contain_text("from $125 for 90 min")
    assert_accessible(page, "the search for 90 minutes under $130 at weekends")
    card.get_by_role("link", name=re.compile("Maya Chen")).first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Maya Chen")
    expect(page.get_by_text(re.compile(r"90 min\s*—\s*\$125"))).to_be_visible()
    hours = page.get_by_role("table").filter(has_text="Saturday")
    expect(hours.get_by_role("row", name=re.compile("Saturday"))).to_contain_text("10 am–4 pm")
    expect(page.get_by_text("HSA or FSA card").first).to_be_visible()
    expect(page.get_by_text("Free cancellation up to 24 hours before.")).to_be_visible()
    assert_accessible(page, "the profile with its menu, hours and payment")
