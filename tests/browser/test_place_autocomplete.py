"""The place box: suggestions from the gazetteer while typing (JavaScript), and the same search without it."""

import pytest

from ..factories import PlaceFactory
from .conftest import TIMEOUT_MS
from .helpers import DESKTOP, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# A bare page holding only the box and the script: the script's behaviour whatever template includes it.
HARNESS = """<!doctype html><html lang="en"><head><title>Place box</title></head><body>
<form action="/therapists/" method="get" role="search">
  <label for="near">City or ZIP code</label>
  <input id="near" name="near" type="text" data-place-autocomplete="/therapists/places/">
  <button>Search</button>
</form>
<script src="/static/js/place-autocomplete.js"></script>
</body></html>"""


@pytest.fixture
def gazetteer(db):
    """St. Louis, MO, Saint Louis, MI (known by its postal code only), and Denver with a postal code."""
    PlaceFactory(name="St. Louis", search_name="st louis", region="MO", population=279_695, latitude=38.63,
                 longitude=-90.20)  # fmt: skip
    PlaceFactory(kind="postal_code", name="Saint Louis", search_name="saint louis", region="MI", postal_code="48880",
                 population=0, latitude=43.40, longitude=-84.60)  # fmt: skip
    PlaceFactory(name="Denver", search_name="denver", region="CO", population=715_000)
    PlaceFactory(kind="postal_code", name="Denver", search_name="denver", region="CO", postal_code="80202",
                 population=0)  # fmt: skip


def _options(page) -> list[tuple[str, str]]:
    found = page.locator("datalist option").evaluate_all("options => options.map(o => [o.value, o.label])")
    return [tuple(option) for option in found]


def _shown_by_chromium(page) -> list[str]:
    """The options' values Chromium lists in its popup for what the box holds.

    Headless Chromium draws no datalist popup, so this applies Chromium's filter to the options
    (HTMLInputElement::FilteredDataListOptions: the value or the label contains the typed text, ignoring case and
    white space).
    """
    return page.locator("datalist option").evaluate_all(
        """(options) => {
            const fold = (text) => text.toLowerCase().replace(/\\s+/g, "");
            const typed = fold(document.querySelector("input[list]").value);
            return options.filter((o) => fold(o.value).includes(typed) || fold(o.label).includes(typed))
                .map((o) => o.value);
        }"""
    )


@pytest.fixture
def harness(context, live_server):
    context.route(f"{live_server.url}/place-box/", lambda route: route.fulfill(body=HARNESS, content_type="text/html"))
    page = context.new_page()
    page.goto("/place-box/")
    return page


def test_place_box_suggests_places_from_the_gazetteer_while_typing(harness, gazetteer):
    box = harness.get_by_label("City or ZIP code")
    box.press_sequentially("saint lo")
    expect(harness.locator("datalist option")).to_have_count(2)
    # St. Louis was found through its other spelling: its label says what for, or Chromium would hide it.
    assert _options(harness) == [("St. Louis, MO", "St. Louis, MO (saint lo)"), ("Saint Louis, MI", "Saint Louis, MI")]
    assert _shown_by_chromium(harness) == ["St. Louis, MO", "Saint Louis, MI"]
    assert box.get_attribute("list") == harness.locator("datalist").get_attribute("id")

    box.fill("")
    box.press_sequentially("802")
    expect(harness.locator("datalist option")).to_have_count(1)
    assert _options(harness) == [("80202", "80202 (Denver, CO)")]

    # A chosen suggestion's value is the text that finds exactly that place.
    box.fill("Saint Louis, MI")
    box.press("Enter")
    expect(harness.get_by_role("heading", level=1)).to_contain_text("near Saint Louis, MI")


def test_place_box_clears_suggestions_for_a_single_letter(harness, gazetteer):
    box = harness.get_by_label("City or ZIP code")
    box.press_sequentially("den")
    expect(harness.locator("datalist option")).to_have_count(1)
    box.press("Backspace")
    box.press("Backspace")
    expect(harness.locator("datalist option")).to_have_count(0)


def test_search_page_place_box_suggests_with_javascript(page, gazetteer):
    page.goto("/therapists/")
    box = page.get_by_label("City or ZIP code")
    expect(box).to_have_attribute("data-place-autocomplete", "/therapists/places/")
    box.press_sequentially("St Lo")
    expect(page.locator("datalist option").first).to_have_attribute("label", "St. Louis, MO (St Lo)")
    assert _shown_by_chromium(page)[0] == "St. Louis, MO"
    box.fill("St. Louis, MO")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("near St. Louis, MO")


def test_search_page_place_box_works_without_javascript(browser, live_server, gazetteer):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/therapists/")
        box = page.get_by_label("City or ZIP code")
        expect(page.locator("datalist")).to_have_count(0)
        box.fill("Saint Louis")
        box.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("near St. Louis, MO")
        # The other Saint Louis is one click away, as a link that finds exactly it.
        page.get_by_role("link", name="Saint Louis, MI").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("near Saint Louis, MI")
        expect(page.get_by_label("City or ZIP code")).to_have_value("Saint Louis, MI")
    finally:
        context.close()


def test_place_box_shows_places_found_through_a_short_name(harness, gazetteer):
    PlaceFactory(name="New York City", search_name="new york city", region="NY", population=8_804_190,
                 latitude=40.71, longitude=-74.01)  # fmt: skip
    box = harness.get_by_label("City or ZIP code")
    box.press_sequentially("NYC")
    expect(harness.locator("datalist option")).to_have_count(1)
    assert _options(harness) == [("New York, NY", "New York, NY (NYC)")]
    assert _shown_by_chromium(harness) == ["New York, NY"]

    box.fill("New York, NY")
    box.press("Enter")
    expect(harness.get_by_role("heading", level=1)).to_contain_text("near New York, NY")


def test_place_box_keeps_a_label_that_already_shows_what_was_typed(harness, gazetteer):
    box = harness.get_by_label("City or ZIP code")
    box.press_sequentially("denv")
    expect(harness.locator("datalist option")).to_have_count(1)
    assert _options(harness) == [("Denver, CO", "Denver, CO")]
