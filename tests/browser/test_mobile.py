"""The main pages on a 375 px phone: all fits, nothing scrolls sideways; each page's phone screenshot is saved."""

import pytest

from .helpers import MAIN_PAGES, PHONE, expect, log_in, overflowing_elements, page_width, phone_width, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_main_pages_fit_a_375px_screen_without_sideways_scrolling(page, maya_owner, client_account):
    too_wide = {}
    with phone_width(page):
        # Anonymous pages first: the sign-up and log-in pages send a signed-in visitor away.
        for who in (None, "client", "therapist"):
            if who:
                log_in(page, {"client": client_account, "therapist": maya_owner}[who].username)
            for name, path, needs in MAIN_PAGES:
                if needs != who:
                    continue
                page.goto(path)
                expect(page.get_by_role("heading", level=1)).to_be_visible()
                save_screenshot(page, name)
                if page_width(page) > PHONE["width"]:
                    too_wide[name] = (page_width(page), overflowing_elements(page, PHONE["width"]))
            if who:
                page.context.clear_cookies()
    assert not too_wide, "pages wider than 375 px (scrollWidth, elements past the edge):\n" + "\n".join(
        f"- {name}: {width} px; {elements}" for name, (width, elements) in too_wide.items()
    )
