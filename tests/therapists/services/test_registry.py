"""therapists.services.registry: the roster import (valid, broken, duplicate, encodings, idempotent) and revocation."""

import pytest
from django.core import mail

from therapists.models import Certification, CertificationDecision, LicenseRecord, LicenseRoster, Therapist
from therapists.services.registry import RosterError, roster_import
from therapists.services.scoring import therapist_refresh_credentials

from ...factories import CertificationFactory

pytestmark = pytest.mark.django_db

HEADER = "state,license_number,name,status,issued_on,expires_on\n"


def roster(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{row}\n" for row in rows)).encode()


def test_roster_import_adds_valid_rows_and_normalises_numbers(today):
    result = roster_import(
        state="co",
        data=roster('CO,ma-12 345,"SMITH, Jane",Active,2024-01-01,2027-01-01', "CO,MT.0067890,Ruth Alvarez,lapsed,,"),
    )
    assert (result.region, result.rows_read, result.added, result.changed, result.unchanged, result.refused) == (
        "CO",
        2,
        2,
        0,
        0,
        0,
    )
    records = {r.license_number: r for r in LicenseRecord.objects.all()}
    assert set(records) == {"MA12345", "MT0067890"}
    assert records["MA12345"].name == "SMITH, Jane" and records["MA12345"].status == "active"
    assert records["MT0067890"].status == "expired" and records["MT0067890"].expires_on is None


def test_roster_import_twice_adds_and_changes_nothing(today):
    data = roster("CO,A1,Ann Lee,active,2024-01-01,2027-01-01", "CO,B2,Bo Kim,revoked,2020-01-01,2022-01-01")
    roster_import(state="CO", data=data)
    again = roster_import(state="CO", data=data)
    assert (again.added, again.changed, again.unchanged, again.refused, again.withdrawn) == (0, 0, 2, 0, 0)
    assert LicenseRecord.objects.count() == 2


def test_roster_import_updates_a_license_a_newer_roster_changes(today):
    roster_import(state="CO", data=roster("CO,A1,Ann Lee,active,2024-01-01,2027-01-01"))
    newer = roster_import(state="CO", data=roster("CO,A1,Ann Lee-Park,suspended,2024-01-01,2027-01-01"))
    assert (newer.added, newer.changed, newer.unchanged) == (0, 1, 0)
    record = LicenseRecord.objects.get()
    assert (record.name, record.status, record.roster) == ("Ann Lee-Park", "suspended", newer)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("CO,A1,Ann Lee,active,2024-01-01", "5 columns where the header has 6"),
        ("CO,A1,Ann Lee,active,2024-01-01,2027-01-01,extra", "7 columns where the header has 6"),
        ("CO,,Ann Lee,active,2024-01-01,2027-01-01", "no license number"),
        ("CO,--,Ann Lee,active,2024-01-01,2027-01-01", "has no letters or digits"),
        ("CO,A1,,active,2024-01-01,2027-01-01", "no name"),
        ("CO,A1,Ann Lee,active,2024-13-01,2027-01-01", "issued_on “2024-13-01” is not a date"),
        ("CO,A1,Ann Lee,active,01/02/2024,2027-01-01", "issued_on “01/02/2024” is not a date"),
        ("CO,A1,Ann Lee,active,2024-01-01,2023-01-01", "expires_on 2023-01-01 is before issued_on 2024-01-01"),
        ("CO,A1,Ann Lee,pending,2024-01-01,2027-01-01", "unknown status “pending”"),
        (f"CO,{'9' * 61},Ann Lee,active,,", "license number longer than 60 characters"),
        (f"CO,A1,{'n' * 201},active,,", "name longer than 200 characters"),
        ("CO,A1,Ann\x00Lee,active,,", "NUL byte"),
        ("WY,A1,Ann Lee,active,,", "state “WY” in a roster of CO"),
    ],
    ids=[
        "short",
        "long",
        "no-number",
        "blank-number",
        "no-name",
        "bad-date",
        "us-date",
        "expiry-before-issue",
        "status",
        "overlong-number",
        "overlong-name",
        "nul",
        "other-state",
    ],  # fmt: skip
)
def test_roster_import_refuses_a_broken_row_with_its_line_and_imports_the_rest(today, row, reason):
    result = roster_import(state="CO", data=roster("CO,OK1,Good Row,active,,", row, "CO,OK2,Also Good,active,,"))
    assert (result.rows_read, result.added, result.refused) == (3, 2, 1)
    assert len(result.refusals) == 1 and result.refusals[0]["line"] == 3
    assert reason in result.refusals[0]["reason"]
    assert set(LicenseRecord.objects.values_list("license_number", flat=True)) == {"OK1", "OK2"}
    assert LicenseRoster.objects.get().refusals == result.refusals


def test_roster_import_keeps_the_first_of_duplicate_numbers(today):
    result = roster_import(
        state="CO", data=roster("CO,A-1,First Person,active,,", "CO,B2,Other,active,,", "CO,a1,Second Person,active,,")
    )
    assert (result.added, result.refused) == (2, 1)
    assert result.refusals == [{"line": 4, "reason": "duplicate of line 2"}]
    assert LicenseRecord.objects.get(license_number="A1").name == "First Person"


def test_roster_import_reads_utf8_with_a_bom_and_header_in_any_order(today):
    data = "\ufeffName,State,License_Number,Status,Issued_On,Expires_On\nJosé Ramírez,CO,A1,ACTIVE,,\n".encode()
    result = roster_import(state="CO", data=data)
    assert result.added == 1
    assert LicenseRecord.objects.get().name == "José Ramírez"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((HEADER + "CO,A1,José Ramírez,active,,\n").encode("cp1252"), "not UTF-8 (line 2 has the byte 0xE9"),
        ((HEADER + "CO,A1,Ann,active,,\n").encode("utf-16"), "UTF-16"),
        (b"number,name\nA1,Ann\n", "The first line must name the columns"),
        (b"", "The first line must name the columns"),
    ],
    ids=["cp1252", "utf16", "header", "empty"],
)
def test_roster_import_refuses_a_whole_file_it_cannot_read_and_imports_nothing(today, data, message):
    with pytest.raises(RosterError) as error:
        roster_import(state="CO", data=data)
    assert message in " ".join(error.value.messages)
    assert not LicenseRoster.objects.exists() and not LicenseRecord.objects.exists()


@pytest.mark.parametrize("state", ["", "C", "COL", "1A"])
def test_roster_import_refuses_a_state_that_is_not_a_two_letter_code(state):
    with pytest.raises(RosterError):
        roster_import(state=state, data=roster("CO,A1,Ann,active,,"))


def test_roster_import_keeps_a_few_hundred_reasons_and_counts_every_refusal(today):
    result = roster_import(state="CO", data=roster(*["CO,,Nobody,active,,"] * 500, "CO,A1,Ann,active,,"))
    assert (result.rows_read, result.refused, result.added, len(result.refusals)) == (501, 500, 1, 300)


@pytest.fixture
def verified_license(owned_therapist, verifier, today):
    certification = CertificationFactory(
        therapist=owned_therapist, credential_number="MT.0067890", status=Certification.Status.VERIFIED,
        decided_by=verifier,
    )  # fmt: skip
    therapist_refresh_credentials(therapist=owned_therapist)
    assert Therapist.objects.get(pk=owned_therapist.pk).verified_until is not None
    return certification


@pytest.mark.parametrize("status", ["revoked", "suspended", "expired"])
def test_roster_import_withdraws_a_verified_license_the_roster_says_is_no_longer_good(
    verified_license, verifier, today, status
):
    row = f"CO,MT-0067890,Olivia Owner,{status},2024-01-01,2027-01-01"
    result = roster_import(state="CO", data=roster(row), imported_by=verifier, source_name="co.csv")
    assert result.withdrawn == 1
    verified_license.refresh_from_db()
    assert verified_license.status == Certification.Status.PENDING
    assert (verified_license.decided_by, verified_license.decided_at, verified_license.decision_note) == (
        None,
        None,
        "",
    )
    assert Therapist.objects.get(pk=verified_license.therapist_id).verified_until is None
    decision = CertificationDecision.objects.get(certification=verified_license)
    assert decision.status == "pending" and decision.decided_by == verifier
    assert decision.reason == Certification.RejectionReason.REGISTRY_INACTIVE
    assert decision.note == f"The CO registry's roster of June 15, 2026 says this license is {status}."
    assert len(mail.outbox) == 0  # sent once the import commits


def test_roster_import_emails_the_therapist_whose_license_is_withdrawn(
    verified_license, django_capture_on_commit_callbacks, today
):
    with django_capture_on_commit_callbacks(execute=True):
        roster_import(state="CO", data=roster("CO,MT0067890,Olivia Owner,revoked,,"))
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert "says this license is revoked" in mail.outbox[0].body


def test_roster_import_leaves_a_verified_license_the_roster_confirms(verified_license, today):
    result = roster_import(state="CO", data=roster("CO,MT0067890,Olivia Owner,active,2024-01-01,2027-06-15"))
    assert result.withdrawn == 0
    verified_license.refresh_from_db()
    assert verified_license.status == "verified" and not CertificationDecision.objects.exists()


def test_roster_import_leaves_licenses_of_other_states_and_expired_verifications(owned_therapist, today):
    other_state = CertificationFactory(
        therapist=owned_therapist, region="WY", credential_number="A1", status="verified"
    )
    lapsed = CertificationFactory(
        therapist=owned_therapist, credential_number="B2", status="verified",
        issued_on=today.replace(year=2020), expires_on=today.replace(year=2025),
    )  # fmt: skip
    result = roster_import(state="CO", data=roster("CO,A1,Olivia Owner,revoked,,", "CO,B2,Olivia Owner,revoked,,"))
    assert result.withdrawn == 0
    assert {c.status for c in Certification.objects.filter(pk__in=[other_state.pk, lapsed.pk])} == {"verified"}


def test_roster_import_does_not_withdraw_again_what_a_verifier_verified_knowing_the_roster(
    verified_license, verifier, today
):
    data = roster("CO,MT0067890,Olivia Owner,revoked,,")
    assert roster_import(state="CO", data=data).withdrawn == 1
    from therapists.services.certifications import certification_decide

    certification_decide(certification=verified_license, decided_by=verifier, status="verified")
    assert roster_import(state="CO", data=data).withdrawn == 0
    verified_license.refresh_from_db()
    assert verified_license.status == "verified"


LARGE = 100_000


def test_roster_import_loads_100000_rows_in_bulk_with_bad_rows_refused(today, django_assert_max_num_queries):
    """A whole state's roster: every valid row in, every broken one refused with its line, in batches (a query
    per row would be 100,000; the time is printed by tests/perf/bench_registry.py, never asserted)."""
    rows = [f"CO,LMT{n:06d},Therapist {n},active,2024-01-01,2027-01-01" for n in range(LARGE)]
    rows[10] = "CO,LMT000010,Broken Date,active,2024-13-01,2027-01-01"
    rows[20] = "CO,LMT000005,Duplicate,active,2024-01-01,2027-01-01"
    # Batches of 2,000 rows where the database takes them whole; SQLite's bound-variable limit makes smaller ones.
    with django_assert_max_num_queries(LARGE // 100):
        result = roster_import(state="CO", data=roster(*rows))
    assert (result.rows_read, result.added, result.refused) == (LARGE, LARGE - 2, 2)
    assert [refusal["line"] for refusal in result.refusals] == [12, 22]
    assert "duplicate of line 7" in result.refusals[1]["reason"]
    assert LicenseRecord.objects.count() == LARGE - 2
    with django_assert_max_num_queries(10):
        again = roster_import(state="CO", data=roster(*rows))
    assert (again.added, again.changed, again.unchanged) == (0, 0, LARGE - 2)
