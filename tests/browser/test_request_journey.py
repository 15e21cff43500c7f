"""A signed-in client requests an appointment from a profile; the therapist accepts it from the dashboard with a
time; the client sees it accepted, with the time. All at a phone's width (375 px), axe finding nothing serious."""

import re

import pytest
from django.utils import timezone

from ..factories import TherapistFactory, UserFactory
from .helpers import PHONE, assert_accessible, expect, log_in, page_width, phone_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def people(db):
    """Lena, a therapist in Denver who owns her profile and accepts new clients, and Ana, a client."""
    from therapists.models import Specialty

    lena = UserFactory(username="lena", email="lena@example.com", email_confirmed_at=timezone.now())
    TherapistFactory(
        owner=lena, name="Lena Ortiz", slug="lena-ortiz", region="CO", accepting_new_clients=True,
        specialties=[Specialty.objects.get(slug="swedish")],
    )  # fmt: skip
    UserFactory(username="ana", first_name="Ana", last_name="Lopez", email_confirmed_at=timezone.now())


def _fits_the_phone(page, name: str) -> None:
    assert page_width(page) <= PHONE["width"], f"{name} scrolls sideways at {PHONE['width']} px"
    assert_accessible(page, name)


def test_a_request_sent_from_a_profile_is_accepted_from_the_dashboard(page, other_page, people):
    with phone_width(page):
        log_in(page, "ana")
        page.goto("/therapists/lena-ortiz/")
        page.get_by_role("link", name="Request an appointment").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Request an appointment with Lena Ortiz")
        _fits_the_phone(page, "request form")
        page.get_by_label("Kind of massage").select_option(label="Swedish")
        page.get_by_label("Tuesday").check()
        page.get_by_label("Evening (after 5 pm)").check()
        page.get_by_label("Message to the therapist (optional)").fill("Tight shoulders after long days at a desk.")
        page.get_by_role("button", name="Send request").click()

        expect(page).to_have_url(re.compile(r"/requests/#request-\d+$"))
        expect(page.get_by_role("status")).to_contain_text("Your request is sent to Lena Ortiz")
        expect(page.get_by_text("Waiting for an answer")).to_be_visible()
        _fits_the_phone(page, "your requests")

    # Lena, at her own phone, finds it in her dashboard and accepts it with a time.
    with phone_width(other_page):
        log_in(other_page, "lena")
        other_page.goto("/dashboard/")
        expect(other_page.get_by_text("1 request waits for your answer.")).to_be_visible()
        other_page.get_by_role("link", name="Open your requests").click()
        _fits_the_phone(other_page, "inbox")
        other_page.get_by_role("link", name=re.compile("^Answer")).click()
        expect(other_page.get_by_text("Tight shoulders after long days at a desk.")).to_be_visible()
        _fits_the_phone(other_page, "answer form")
        other_page.get_by_label("Accept, at the time below").check()
        other_page.get_by_label("Date and time").fill("2030-07-02T18:30")
        other_page.get_by_label("Note to the client (optional)").fill("Use the side door.")
        other_page.get_by_role("button", name="Send your answer").click()
        expect(other_page.get_by_role("status")).to_contain_text("Accepted. The client is told the time.")

    with phone_width(page):
        page.goto("/requests/")
        request = page.locator(".request").first
        expect(request).to_contain_text("Accepted")
        expect(request).to_contain_text("Tuesday 2 July 2030, 18:30 MDT")
        expect(request).to_contain_text("Use the side door.")
        _fits_the_phone(page, "your requests, accepted")
