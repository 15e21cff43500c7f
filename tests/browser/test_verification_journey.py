"""A verifier checks a pending license in the admin and verifies it; the Verified badge then shows in search."""

import datetime

import pytest

from .helpers import choose, expect, log_in
from .images import certificate_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def pending_license(directory):
    """Ruth Alvarez's license as she submitted it from her dashboard: pending, with its document."""
    from therapists.services import certifications as verification
    from therapists.uploads import CleanDocument

    details = verification.CertificationDetails(
        kind="license",
        title="Licensed Massage Therapist",
        issuing_body="Colorado Office of Massage Therapy",
        region="CO",
        credential_number="MT.0067890",
        issued_on=datetime.date(2023, 4, 1),
    )
    document = CleanDocument(content=certificate_pdf(), extension=".pdf")
    return verification.certification_submit(therapist=directory["ruth"], details=details, document=document)


def test_verifier_verifies_a_license_in_the_admin_and_the_badge_shows_in_search(
    page, other_page, pending_license, verifier
):
    page.goto("/therapists/?near=Denver")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Ruth Alvarez"))
    expect(card).to_be_visible()
    expect(card.get_by_text("Verified", exact=True)).to_have_count(0)

    admin = other_page
    log_in(admin, verifier.username, path="/admin/login/?next=/admin/")
    admin.get_by_role("link", name="Certifications").first.click()
    admin.get_by_role("row").filter(has_text="Ruth Alvarez").get_by_role(
        "link", name="Licensed Massage Therapist"
    ).click()
    expect(admin.get_by_role("link", name="Download the document")).to_be_visible()
    choose(admin.get_by_label("Verify", exact=True))
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator(".messagelist")).to_contain_text("Licensed Massage Therapist")
    row = admin.get_by_role("row").filter(has_text="Ruth Alvarez")
    expect(row).to_contain_text("Verified")

    page.reload()
    expect(card.get_by_text("Verified", exact=True)).to_be_visible()
    page.get_by_role("search", name="Search and filters").get_by_label("Verified credentials").check()
    page.get_by_role("button", name="Show therapists").click()
    expect(page.get_by_role("link", name="Ruth Alvarez")).to_be_visible()
    page.get_by_role("link", name="Ruth Alvarez").click()
    credentials = page.get_by_role("region", name="Qualifications and certifications")
    expect(credentials.get_by_text("Verified", exact=True)).to_be_visible()


ROSTER_HEADER = "state,license_number,name,status,issued_on,expires_on\n"


def test_verifier_sees_the_registry_answer_verifies_and_a_newer_roster_revokes_the_badge(
    page, other_page, pending_license, verifier
):
    from therapists.services.registry import roster_import

    roster_import(state="CO", data=(ROSTER_HEADER + 'CO,MT-0067890,"ALVAREZ, Ruth",active,2023-04-01,\n').encode())
    page.goto("/therapists/?near=Denver")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Ruth Alvarez"))
    expect(card.get_by_text("Verified", exact=True)).to_have_count(0)

    admin = other_page
    log_in(admin, verifier.username, path="/admin/login/?next=/admin/")
    admin.get_by_role("link", name="Certifications").first.click()
    row = admin.get_by_role("row").filter(has_text="Ruth Alvarez")
    expect(row).to_contain_text("Matches the registry (name, number, expiry)")
    row.get_by_role("link", name="Licensed Massage Therapist").click()
    expect(admin.get_by_text("Matches the registry (name, number, expiry)")).to_be_visible()
    choose(admin.get_by_label("Verify", exact=True))
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.get_by_role("row").filter(has_text="Ruth Alvarez")).to_contain_text("Verified")
    page.reload()
    expect(card.get_by_text("Verified", exact=True)).to_be_visible()

    # The board's newer roster says the license is revoked: uploaded through the admin, it takes the badge away.
    admin.goto("/admin/therapists/licenseroster/add/")
    admin.get_by_label("State").fill("CO")
    newer = ROSTER_HEADER + 'CO,MT0067890,"ALVAREZ, Ruth",revoked,2023-04-01,\n'
    admin.get_by_label("Roster (CSV)").set_input_files(
        files=[{"name": "co-newer.csv", "mimeType": "text/csv", "buffer": newer.encode()}]
    )
    admin.get_by_role("button", name="Import the roster").click()
    expect(admin.locator(".messagelist")).to_contain_text("0 added, 1 changed")
    expect(admin.locator(".messagelist")).to_contain_text("1 verified license withdrawn")

    page.reload()
    expect(card).to_be_visible()
    expect(card.get_by_text("Verified", exact=True)).to_have_count(0)
    admin.goto("/admin/therapists/certification/")
    expect(admin.get_by_role("row").filter(has_text="Ruth Alvarez")).to_contain_text("Registry says revoked")
