"""A visit booked here takes place and becomes a verified review: Ana's accepted request passes its time, Lena marks
it "took place" from her dashboard, the invitation waits under Ana's account, Ana writes her review through it, the
profile shows "Verified client", Bo marks it helpful, and sorting by most helpful puts it first."""

import datetime
import re

import pytest
from django.utils import timezone

from ..factories import ReviewFactory, TherapistFactory, UserFactory
from .conftest import TIMEOUT_MS
from .helpers import DESKTOP, PHONE, assert_accessible, expect, log_in, page_width, phone_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def third_page(browser, live_server):
    """A third person at a browser of their own (Bo, the reader who votes)."""
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def visit(db):
    """Lena's profile, and Ana's request to her, accepted for a time that has since passed (set through the ORM)."""
    from appointments import services
    from appointments.models import AppointmentRequest
    from therapists.models import Specialty

    confirmed = timezone.now() - datetime.timedelta(days=400)
    lena = UserFactory(username="lena", email="lena@example.com", email_confirmed_at=confirmed)
    therapist = TherapistFactory(
        owner=lena, name="Lena Ortiz", slug="lena-ortiz", region="CO", accepting_new_clients=True,
        specialties=[Specialty.objects.get(slug="swedish")],
    )  # fmt: skip
    ana = UserFactory(username="ana", first_name="Ana", last_name="Lopez", email_confirmed_at=confirmed,
                      date_joined=confirmed)  # fmt: skip
    UserFactory(username="bo", first_name="Bo", last_name="Berg", email_confirmed_at=confirmed, date_joined=confirmed)
    request = services.appointment_request_create(
        client=ana, therapist=therapist, details=services.RequestDetails(preferred_days=["tue"])
    )
    services.appointment_accept(
        appointment=request, therapist_user=lena, agreed_at=timezone.now() + datetime.timedelta(days=1)
    )
    agreed = timezone.now() - datetime.timedelta(days=3)
    AppointmentRequest.objects.filter(pk=request.pk).update(agreed_at=agreed)  # the time passes
    return AppointmentRequest.objects.get(pk=request.pk)


def _fits_the_phone(page, name: str) -> None:
    """At a phone's width (375 px) the page does not scroll sideways, and axe finds nothing serious."""
    with phone_width(page):
        assert page_width(page) <= PHONE["width"], f"{name} scrolls sideways at {PHONE['width']} px"
        assert_accessible(page, name)


def _a_later_review_by_someone_else(therapist_id: int) -> None:
    """Carl's review, posted after Ana's and not through a visit: newest first, it comes before hers."""
    from reviews.services import refresh_aggregates

    carl = UserFactory(username="carl", date_joined=timezone.now() - datetime.timedelta(days=400))
    ReviewFactory(therapist_id=therapist_id, author=carl, title="Nice room", published_at=timezone.now())
    refresh_aggregates(therapist_id=therapist_id)


def test_a_visit_that_took_place_becomes_a_verified_review_that_readers_find_helpful(
    page, other_page, third_page, visit
):
    from appointments.selectors import practice_zone

    visit_month = visit.agreed_at.astimezone(practice_zone(visit.therapist)).strftime("%B %Y")

    # Lena, at her dashboard, says the visit took place.
    log_in(other_page, "lena")
    other_page.goto("/dashboard/")
    other_page.get_by_role("link", name="Open your requests").click()
    outcome = other_page.get_by_role("group", name=re.compile("^Did the visit on .* take place\\?$"))
    expect(outcome).to_be_visible()
    _fits_the_phone(other_page, "inbox with a visit to record")
    outcome.get_by_role("button", name=re.compile("^It took place")).click()
    expect(other_page.get_by_role("status")).to_contain_text("The visit's outcome is recorded.")
    expect(other_page.locator(f"#request-{visit.pk}")).to_contain_text("Visit held")

    # Ana finds the invitation under her account, without the email's token, and writes her review.
    log_in(page, "ana")
    page.goto("/accounts/")
    invitations = page.get_by_role("region", name="Invitations to review")
    expect(invitations).to_contain_text(f"Lena Ortiz · visited {visit_month}")
    invitations.get_by_role("link", name=re.compile("^Write your review")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your visit with Lena Ortiz")
    _fits_the_phone(page, "invited review form")
    page.get_by_role("group", name=re.compile("^Overall experience")).get_by_label("5 – excellent").check()
    page.get_by_role("group", name=re.compile("^Technique")).get_by_label("5 – excellent").check()
    page.get_by_role("group", name=re.compile("^Professionalism")).get_by_label("4 – very good").check()
    page.get_by_role("group", name=re.compile("^Communication")).get_by_label("5 – excellent").check()
    page.get_by_role("group", name=re.compile("^Clean")).get_by_label("5 – excellent").check()
    page.get_by_role("group", name=re.compile("^Would you recommend")).get_by_label("Yes").check()
    page.get_by_label("Type of massage you received").select_option(label="Swedish")
    page.get_by_label("Title").fill("Booked here, and it helped")
    page.get_by_label("Your review").fill("She asked about my shoulders first and kept checking the pressure.")
    page.get_by_role("button", name="Publish review").click()

    expect(page).to_have_url(re.compile(r"/therapists/lena-ortiz/#review-\d+$"))
    expect(page.get_by_role("status")).to_contain_text("marked as from a verified client")
    review_id = page.url.rsplit("#review-", 1)[1]
    ana_review = page.locator(f"#review-{review_id}")
    expect(ana_review).to_contain_text(f"Verified client · visited {visit_month}")
    expect(page.get_by_text("1 from verified clients · 0 other")).to_be_visible()
    page.goto("/accounts/")
    expect(page.get_by_role("region", name="Invitations to review")).to_contain_text("No invitation to review")

    # Carl's review comes later, not through a visit; Bo finds Ana's helpful and sorts by most helpful.
    _a_later_review_by_someone_else(visit.therapist_id)
    log_in(third_page, "bo")
    third_page.goto("/therapists/lena-ortiz/")
    expect(third_page.locator("li.review").first).to_contain_text("Nice room")
    expect(third_page.locator("li.review").first).to_contain_text("Not verified as a visit booked here")
    third_page.locator(f"#review-{review_id}").get_by_role("button", name=re.compile("helpful", re.I)).click()
    expect(third_page.locator(f"#review-{review_id}")).to_contain_text("1 person found this helpful")
    third_page.get_by_label("Sort reviews").select_option(label="Most helpful")
    third_page.get_by_role("button", name="Sort", exact=True).click()
    expect(third_page).to_have_url(re.compile(r"review_sort=helpful"))
    first = third_page.locator("li.review").first
    expect(first).to_have_id(f"review-{review_id}")
    expect(first).to_contain_text("Verified client")
    assert_accessible(third_page, "profile sorted by most helpful")
