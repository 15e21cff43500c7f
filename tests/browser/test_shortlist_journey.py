"""A client shortlists three therapists from the search cards, compares them side by side, shares the comparison,
and a friend opens the link in a fresh browser; all of it at a phone's width too, without a serious axe finding."""

import re

import pytest

from ..factories import UserFactory
from .helpers import PHONE, assert_accessible, expect, log_in, overflowing_elements, page_width, phone_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_shortlist_compare_and_share_with_a_friend(page, browser, live_server, directory):
    UserFactory(username="alex")
    log_in(page, "alex")
    page.goto("/therapists/?near=Denver&specialty=swedish")
    for name in ("Maya Chen", "Jonas Reed", "Ruth Alvarez"):
        page.get_by_role("button", name=f"Add {name} to shortlist").click()
        # Back on the same search, at the card, which now says so.
        expect(page).to_have_url(re.compile(r"/therapists/\?near=Denver&specialty=swedish#shortlist-"))
        expect(page.get_by_role("button", name=f"Remove {name} from your shortlist")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Shortlist (3)")
    assert_accessible(page, "search with a shortlist")

    page.get_by_role("link", name="Shortlist (3)").click()
    table = page.get_by_role("table", name="Your chosen therapists side by side")
    expect(table.get_by_role("columnheader")).to_have_count(4)
    expect(table.get_by_role("row", name=re.compile("^Verified credentials"))).to_contain_text("Best")
    expect(table.get_by_role("row", name=re.compile("^Rating"))).to_contain_text("Not stated")  # Ruth: no reviews
    expect(table.get_by_role("row", name=re.compile("^Distance"))).to_contain_text("From Denver")
    expect(table.get_by_role("row", name=re.compile("^Experience"))).to_contain_text("Best")
    assert_accessible(page, "shortlist compare")

    # Compare two of them only.
    page.get_by_label("Ruth Alvarez").uncheck()
    page.get_by_role("button", name="Compare the chosen").click()
    expect(table.get_by_role("columnheader")).to_have_count(3)

    page.get_by_role("button", name="Share this comparison").click()
    expect(page.get_by_role("status")).to_contain_text("Your comparison is shared")
    link = page.locator(".share-url").first.input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/shortlist/shared/[\w-]{{43}}/", link)

    with phone_width(page):
        page.reload()
        assert page_width(page) <= PHONE["width"], overflowing_elements(page, PHONE["width"])
        expect(page.get_by_role("region", name=re.compile("side by side"))).to_be_visible()
        assert_accessible(page, "shortlist compare at 375 px")

    # A friend, in a browser with no cookies of the client's.
    friend = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-US")
    try:
        other = friend.new_page()
        other.goto(link)
        expect(other.get_by_role("heading", level=1)).to_have_text("A comparison shared with you")
        shared = other.get_by_role("table", name="The shared therapists side by side")
        expect(shared.get_by_role("columnheader", name=re.compile("Maya Chen"))).to_be_visible()
        expect(shared.get_by_role("columnheader", name=re.compile("Jonas Reed"))).to_be_visible()
        expect(other.get_by_text("alex")).to_have_count(0)
        assert page_width(other) <= PHONE["width"], overflowing_elements(other, PHONE["width"])
        assert_accessible(other, "shared comparison at 375 px")

        page.get_by_role("button", name=re.compile("^Stop sharing")).click()
        other.reload()
        expect(other.get_by_role("heading", level=1)).to_have_text("This comparison is no longer shared")
    finally:
        friend.close()
