"""axe-core in each main page: no serious or critical violation; each page's desktop screenshot is saved."""

import pytest

from .helpers import MAIN_PAGES, assert_accessible, expect, log_in, save_screenshot, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize(("name", "path", "who"), MAIN_PAGES, ids=[name for name, _, _ in MAIN_PAGES])
def test_main_page_has_no_serious_accessibility_violation(page, maya_owner, client_account, name, path, who):
    if who:
        log_in(page, {"client": client_account, "therapist": maya_owner}[who].username)
    response = page.goto(path)
    assert response.ok, f"{path} answered {response.status}"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    save_screenshot(page, name)
    assert_accessible(page, name)


def test_form_errors_show_inline_and_accessible(page, db):
    page.goto("/accounts/signup/")
    sign_up(page, "alex", password="a-good-Passw0rd", confirmation="a-different-Passw0rd")
    expect(page.get_by_role("alert")).to_be_visible()
    error = page.locator(".field-error")
    expect(error.first).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("alex")
    save_screenshot(page, "sign-up-errors")
    assert_accessible(page, "the sign-up form with errors")


def test_empty_search_and_missing_page_help_the_reader_on(page, directory):
    page.goto("/therapists/?specialty=thai&near=Denver")
    expect(page.get_by_role("heading", name="No therapists match all of that")).to_be_visible()
    save_screenshot(page, "search-empty")
    assert_accessible(page, "an empty search")

    response = page.goto("/therapists/nobody-by-this-name/")
    assert response.status == 404
    expect(page.get_by_role("link", name="Search therapists")).to_be_visible()
    save_screenshot(page, "not-found")
    assert_accessible(page, "the 404 page")


def test_server_error_page_is_styled_and_accessible(page, live_server, settings):
    # The 500 page is plain HTML (no template tags, so that it renders whatever broke); shown as served.
    page.goto("/")
    page.set_content((settings.BASE_DIR / "templates" / "500.html").read_text())
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong on our side")
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui"), "no stylesheet"
    save_screenshot(page, "server-error")
    assert_accessible(page, "the 500 page")
