"""A client finds a therapist as a person would: type and place on the home page, narrow, open a profile."""

import re

import pytest

from .helpers import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_search_by_specialty_and_place_narrows_with_filters_and_opens_a_profile(page, directory):
    page.goto("/")
    search = page.get_by_role("search")
    search.get_by_label("Type of massage").select_option(label="Swedish")
    search.get_by_label("City or ZIP code").fill("Denver")
    search.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("near Denver")
    results = page.locator(".results")
    # Swedish near Denver: not Priya (deep tissue only), not Sam (Portland).
    expect(page.get_by_role("status")).to_contain_text("3 therapists")
    for name in ("Maya Chen", "Jonas Reed", "Ruth Alvarez"):
        expect(results.get_by_role("link", name=name)).to_be_visible()
    expect(results.get_by_role("link", name="Priya Patel")).to_have_count(0)
    expect(results.get_by_role("link", name="Sam Okafor")).to_have_count(0)
    expect(page.get_by_label("City or ZIP code")).to_have_value("Denver")

    filters = page.get_by_role("search", name="Search and filters")
    filters.get_by_label(re.compile(r"^Accepting new clients")).check()
    filters.get_by_role("button", name="Show therapists").click()
    expect(page.get_by_role("status")).to_contain_text("2 therapists")
    expect(results.get_by_role("link", name="Jonas Reed")).to_have_count(0)

    filters.get_by_label(re.compile(r"^Verified credentials")).check()
    filters.get_by_role("button", name="Show therapists").click()
    expect(page.get_by_role("status")).to_contain_text("1 therapist")
    card = results.get_by_role("listitem").filter(has_text="Maya Chen").first
    expect(card.get_by_text("Verified", exact=True)).to_be_visible()
    expect(card).to_contain_text("2 reviews")

    card.get_by_role("link", name="Maya Chen").click()
    expect(page).to_have_url(re.compile(r"/therapists/maya-chen/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maya Chen")
    expect(page.get_by_role("heading", name="Qualifications and certifications")).to_be_visible()
    expect(page.get_by_role("heading", name="Listened first, then worked")).to_be_visible()
