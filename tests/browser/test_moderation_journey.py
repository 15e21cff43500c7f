"""A client reports a review; a moderator hides it from the admin's flagged-review queue; the profile drops it."""

import re

import pytest

from .helpers import expect, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_flagged_review_hidden_by_a_moderator_leaves_the_profile(
    page, other_page, directory, client_account, moderator
):
    log_in(page, client_account.username)
    page.goto("/therapists/maya-chen/")
    review = page.get_by_role("article", name="Spotless room and kind")
    review.get_by_role("link", name="Report this review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Report a review")
    page.get_by_label("Offensive or abusive").check()
    page.get_by_label("Details (optional)").fill("Personal remarks about another client in the waiting room.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("status")).to_contain_text("A moderator will look at this review")

    admin = other_page
    log_in(admin, moderator.username, path="/admin/login/?next=/admin/")
    admin.get_by_role("link", name="Flagged reviews").click()
    row = admin.get_by_role("row").filter(has_text="Spotless room and kind")
    expect(row).to_contain_text("Offensive or abusive")
    row.get_by_role("checkbox").check()
    admin.get_by_role("combobox", name="Action").select_option(label="Hide selected reviews")
    admin.get_by_role("button", name="Go").click()
    admin.get_by_label(re.compile("^Reason")).select_option(label="Offensive or abusive")
    admin.get_by_label(re.compile("^Note")).fill("Comments on another client.")
    admin.get_by_role("button", name="Hide 1 review").click()
    expect(admin.locator(".messagelist")).to_contain_text("1 review hidden; their flags are resolved.")
    expect(admin.get_by_role("row").filter(has_text="Spotless room and kind")).to_have_count(0)

    page.goto("/therapists/maya-chen/")
    expect(page.get_by_role("article", name="Listened first, then worked")).to_be_visible()
    expect(page.get_by_role("article", name="Spotless room and kind")).to_have_count(0)
    expect(page.get_by_role("region", name="Reviews")).to_contain_text("5.0 / 5 from 1 review")
