"""A visitor signs up on the way to reviewing a therapist, then sees the review and the new average on the profile."""

import re

import pytest
from django.utils import timezone

from .helpers import confirm_email, expect, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_review_after_signing_up_shows_on_the_profile_with_the_new_average(page, directory):
    page.goto("/therapists/maya-chen/")
    reviews = page.get_by_role("region", name="Reviews")
    expect(reviews).to_contain_text("4.5 / 5 from 2 reviews")
    page.get_by_role("link", name="Write a review").click()

    # Anonymous: the log-in page, which offers an account and brings the visitor back afterwards.
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    sign_up(page, "alex")
    # A new account confirms its email before it may review: the link in the email brings them back.
    expect(page.get_by_role("heading", level=1)).to_contain_text("email")
    confirm_email(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Review Maya Chen")

    page.get_by_role("group", name=re.compile("^Overall experience")).get_by_label("3 – good").check()
    page.get_by_role("group", name=re.compile("^Technique")).get_by_label("4 – very good").check()
    page.get_by_role("group", name=re.compile("^Professionalism")).get_by_label("3 – good").check()
    page.get_by_role("group", name=re.compile("^Communication")).get_by_label("2 – fair").check()
    page.get_by_role("group", name=re.compile("^Clean")).get_by_label("4 – very good").check()
    page.get_by_role("group", name=re.compile("^Would you recommend")).get_by_label("Yes").check()
    page.get_by_label("Type of massage you received").select_option(label="Hot stone")
    page.get_by_label("Month of your visit").fill(timezone.localdate().strftime("%Y-%m"))
    page.get_by_label("Title").fill("Relaxing, if a little brisk")
    page.get_by_label("Your review").fill("The stones were lovely and warm; the session ended a few minutes early.")
    page.get_by_role("button", name="Publish review").click()

    expect(page).to_have_url(re.compile(r"/therapists/maya-chen/#review-\d+$"))
    expect(page.get_by_role("status")).to_contain_text("your review is published")
    review = page.get_by_role("article", name="Relaxing, if a little brisk")
    expect(review).to_contain_text("3 out of 5")
    expect(review).to_contain_text("By A client")  # the public name; the log-in name is never shown
    # (5 + 4 + 3) / 3 reviews
    expect(reviews).to_contain_text("4.0 / 5 from 3 reviews")
    expect(page.get_by_text(re.compile(r"4\.0 out of 5 · 3 reviews"))).to_be_visible()
    expect(page.get_by_role("link", name="Edit your review").first).to_be_visible()
