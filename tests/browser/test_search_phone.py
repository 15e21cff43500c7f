"""The search page on a phone and when it does not understand: results first, filters behind one control, chips,
a failed place search that keeps the rest, filters that apply on change, and one-click zero-result recovery."""

import re

import pytest

from ..factories import PlaceFactory
from .helpers import PHONE, assert_accessible, expect, phone_width, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_search_on_a_phone_shows_results_first_and_filters_behind_one_control(page, directory):
    with phone_width(page):
        page.goto("/therapists/?specialty=swedish&near=Denver")
        first = page.locator(".results > li").first
        expect(first).to_be_visible()
        box = first.bounding_box()
        assert box["y"] + 80 < PHONE["height"], f"the first result starts {box['y']:.0f} px down"
        toggle = page.get_by_role("link", name="Filters (2 active)")
        expect(toggle).to_be_visible()
        expect(page.get_by_label(re.compile(r"^Accepting new clients"))).to_be_hidden()
        save_screenshot(page, "search-phone")
        assert_accessible(page, "the search page on a phone")

        # The panel opens without JavaScript's help (a :target panel) and applies with its button.
        toggle.click()
        accepting = page.get_by_label(re.compile(r"^Accepting new clients"))
        expect(accepting).to_be_visible()
        accepting.check()
        save_screenshot(page, "search-phone-filters")
        page.get_by_role("button", name="Show therapists").click()
        expect(page.get_by_role("status")).to_contain_text("2 therapists")
        expect(page.get_by_role("link", name="Filters (3 active)")).to_be_visible()
        expect(accepting).to_be_hidden()

        # Each active filter is a chip above the results that removes itself.
        page.locator(".chips").get_by_role("link", name=re.compile(r"^Accepting new clients")).click()
        expect(page.get_by_role("status")).to_contain_text("3 therapists")
        expect(page.get_by_role("link", name="Filters (2 active)")).to_be_visible()


def test_search_on_a_phone_works_without_javascript(browser, live_server, directory):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/therapists/?near=Denver")
        expect(page.locator(".results > li").first).to_be_in_viewport()
        page.get_by_role("link", name=re.compile(r"^Filters")).click()
        page.get_by_label(re.compile(r"^Swedish")).check()
        page.get_by_role("button", name="Show therapists").click()
        expect(page.get_by_role("status")).to_contain_text("3 therapists")
    finally:
        context.close()


def test_failed_place_search_keeps_the_rest_and_offers_the_place_as_a_link(page, directory):
    page.goto("/therapists/?near=Denvr&specialty=swedish")
    near = page.get_by_label("City or ZIP code")
    expect(near).to_have_value("Denvr")
    expect(
        page.get_by_text("We could not find “Denvr”, so the results are not limited to a place.").first
    ).to_be_visible()
    # Swedish therapists everywhere, Sam in Portland too.
    expect(page.get_by_role("status")).to_contain_text("4 therapists")
    expect(page.locator(".results").get_by_role("link", name="Sam Okafor")).to_be_visible()
    expect(page.locator("input[name=lat], input[name=lng], select[multiple]")).to_have_count(0)
    save_screenshot(page, "search-place-not-found")
    assert_accessible(page, "a failed place search")

    page.locator(".suggestions").get_by_role("link", name="Denver, CO").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("near Denver, CO")
    expect(page.get_by_role("status")).to_contain_text("3 therapists within 15 miles of Denver, CO")
    expect(page.get_by_role("group", name="Type of massage").get_by_label(re.compile(r"^Swedish"))).to_be_checked()


def test_filters_apply_on_change_and_nearest_appears_with_a_place(page, directory):
    page.goto("/therapists/?specialty=swedish")
    sort = page.get_by_label("Sort by")
    expect(sort.locator("option[value=distance]")).to_have_count(0)
    page.get_by_label(re.compile(r"^Verified credentials")).check()
    # No button pressed: the change applied the filter.
    expect(page).to_have_url(re.compile(r"verified=true"))
    expect(page.get_by_role("status")).to_contain_text("1 therapist")

    page.goto("/therapists/?near=Denver")
    page.get_by_label("Sort by").select_option(label="Nearest")
    expect(page).to_have_url(re.compile(r"sort=distance"))
    expect(page.get_by_label("Sort by")).to_have_value("distance")


def test_zero_results_offer_one_click_relaxations_with_counts(page, directory):
    page.goto("/therapists/?specialty=swedish&near=Denver&hypoallergenic=true&accepting=true&min_experience=20")
    expect(page.get_by_role("heading", name="No therapists match all of that")).to_be_visible()
    relax = page.get_by_role("link", name="Remove 20 years in practice or more: 1 therapist")
    expect(relax).to_be_visible()
    save_screenshot(page, "search-zero-results")
    assert_accessible(page, "an empty search with relaxations")
    relax.click()
    expect(page.get_by_role("status")).to_contain_text("1 therapist")
    expect(page.locator(".results").get_by_role("link", name="Maya Chen")).to_be_visible()


# --- issue 12, the audit: a bad value never pushes the results off a phone's first screen ---

# (the search, the label of the notice's link, the id of the field or group the link leads to)
BAD_VALUES = {
    "rating": ("min_rating=foo", "Minimum rating", "id_min_rating"),
    "sort": ("sort=foo", "Sort by", "id_sort"),
    "specialty": ("specialty=foo", "Type of massage", "f-specialty"),
    "price": ("max_price=abc", re.compile(r"^Max price"), "id_max_price"),
    "radius": ("near=Denver&radius_km=abc", "Within", "id_radius_km"),
}


@pytest.mark.parametrize(("search", "label", "target"), BAD_VALUES.values(), ids=BAD_VALUES)
def test_search_on_a_phone_a_bad_value_leaves_the_results_in_the_first_screen(page, directory, search, label, target):
    with phone_width(page):
        page.goto(f"/therapists/?{search}")
        first = page.locator(".results > li").first
        expect(first).to_be_visible()
        top = first.bounding_box()["y"]
        assert top < PHONE["height"], f"the first result starts {top:.0f} px down"
        panel = page.locator("#filters")
        expect(panel).to_be_hidden()
        # A short notice above the results names the field, and its link opens the panel at the field's error.
        notice = page.get_by_role("alert")
        expect(notice).to_be_visible()
        assert notice.bounding_box()["y"] < top
        save_screenshot(page, f"search-phone-bad-{target}")
        notice.get_by_role("link", name=label).click()
        expect(panel).to_be_visible()
        expect(page.locator(f"#{target}-errors")).to_be_in_viewport()
        page.get_by_role("link", name="Close filters").click()
        expect(panel).to_be_hidden()


def test_failed_place_search_on_a_phone_says_so_once_and_keeps_the_results_in_the_first_screen(page, directory):
    with phone_width(page):
        page.goto("/therapists/?near=Denvr&specialty=swedish")
        expect(page.get_by_text("We could not find “Denvr”")).to_have_count(1)
        first = page.locator(".results > li").first
        expect(first).to_be_visible()
        top = first.bounding_box()["y"]
        assert top < PHONE["height"], f"the first result starts {top:.0f} px down"
        save_screenshot(page, "search-phone-place-not-found")


def test_a_typed_place_wins_over_the_map_position(page, directory):
    PlaceFactory(name="Portland", search_name="portland", region="OR", population=650_000, latitude=45.5152,
                 longitude=-122.6784)  # fmt: skip
    page.goto("/therapists/?lat=39.7392&lng=-104.9903")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Massage therapists near your location")
    page.get_by_label("City or ZIP code").fill("Portland")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(heading).to_have_text("Massage therapists near Portland, OR")
    # The edit dropped the map position: the address holds the place alone.
    assert "lat=" not in page.url and "lng=" not in page.url
    expect(page.locator(".results").get_by_role("link", name="Sam Okafor")).to_be_visible()


def test_a_typed_place_wins_over_the_map_position_without_javascript(browser, live_server, directory):
    PlaceFactory(name="Portland", search_name="portland", region="OR", population=650_000, latitude=45.5152,
                 longitude=-122.6784)  # fmt: skip
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/therapists/?lat=39.7392&lng=-104.9903")
        page.get_by_label("City or ZIP code").fill("Portland")
        page.get_by_role("button", name="Search", exact=True).click()
        # The hidden position went along, but the place that was typed is the one searched.
        expect(page.get_by_role("heading", level=1)).to_have_text("Massage therapists near Portland, OR")
        expect(page.get_by_role("status")).to_contain_text("1 therapist within 15 miles of Portland, OR")
        expect(page.locator("input[name=lat]")).to_have_count(0)
    finally:
        context.close()


def test_filters_applied_on_change_leave_defaults_and_empty_values_out_of_the_address(page, directory):
    page.goto("/therapists/?near=Denver")
    page.get_by_label(re.compile(r"^Verified credentials")).check()
    expect(page).to_have_url(re.compile(r"verified=true"))
    query = page.url.split("?", 1)[1]
    assert sorted(part.split("=")[0] for part in query.split("&")) == ["near", "verified"], query
    # The address changes once the next page starts to arrive; its deferred script, which applies a change, runs
    # once the page and its stylesheet are in. A person cannot choose within those milliseconds; the test can.
    page.wait_for_load_state("load")
    page.get_by_label("Within").select_option(label="50 miles")
    expect(page).to_have_url(re.compile(r"radius_km=80.47"))
    page.wait_for_load_state("load")
    page.get_by_label("Sort by").select_option(label="Nearest")
    expect(page).to_have_url(re.compile(r"sort=distance"))
    expect(page.get_by_label("Sort by")).to_have_value("distance")
