"""Loading a state board's license roster (docs/license-registry.md), and withdrawing the verifications it contradicts.

One import: the file is decoded and every row validated whole (a bad row is refused with its line and reason, and
never stops the others); the valid rows are then written in bulk, in one transaction with the withdrawals, so an
import is applied entirely or not at all.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from common.email import send_email

from ..models import Certification, CertificationDecision, LicenseRecord, LicenseRoster, Therapist
from ..models import normalise_license_number as normalise_number
from ..registry import record_is_inactive
from .scoring import therapist_refresh_credentials

COLUMNS = ("state", "license_number", "name", "status", "issued_on", "expires_on")
# What boards print, in our four statuses; anything else is refused (docs/license-registry.md lists them).
STATUS_WORDS = {
    "active": LicenseRecord.Status.ACTIVE,
    "current": LicenseRecord.Status.ACTIVE,
    "expired": LicenseRecord.Status.EXPIRED,
    "lapsed": LicenseRecord.Status.EXPIRED,
    "inactive": LicenseRecord.Status.EXPIRED,
    "suspended": LicenseRecord.Status.SUSPENDED,
    "revoked": LicenseRecord.Status.REVOKED,
}
MAX_NUMBER = LicenseRecord._meta.get_field("license_number").max_length
MAX_NAME = LicenseRecord._meta.get_field("name").max_length
# Refusals beyond this many are counted but their reasons not kept: a file that is wrong throughout needs fixing,
# not reading row by row.
KEPT_REFUSALS = 300
BATCH_SIZE = 2000
# bulk_update writes one CASE per field and row: small batches keep each statement cheap to plan.
UPDATE_BATCH_SIZE = 250
STATE_CODE = re.compile(r"[A-Z]{2}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The fields a newer roster may change on a license it lists again.
COMPARED = ("name", "status", "issued_on", "expires_on")


class RosterError(ValidationError):
    """The whole file is refused (encoding, header, state): nothing was imported."""


@dataclass(frozen=True)
class RosterRow:
    line: int
    license_number: str
    name: str
    status: str
    issued_on: datetime.date | None
    expires_on: datetime.date | None


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    refusals: list[dict] = field(default_factory=list)
    refused: int = 0
    rows_read: int = 0

    def refuse(self, line: int, reason: str) -> None:
        self.refused += 1
        if len(self.refusals) < KEPT_REFUSALS:
            self.refusals.append({"line": line, "reason": reason})


def clean_state(value: str) -> str:
    state = (value or "").strip().upper()
    if not STATE_CODE.fullmatch(state):
        raise RosterError("Give the state as its two-letter code, e.g. CO.", code="state")
    return state


def decode_roster(data: bytes) -> str:
    """UTF-8, with or without a byte-order mark; any other encoding is refused rather than guessed, since a guess
    garbles names ("Ramírez" read as cp1252 is "RamÃ­rez") and every garbled name would then "differ"."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RosterError(
            "The file is UTF-16; save it as “CSV UTF-8” (or UTF-8 text) and upload it again.", code="encoding"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RosterError(
            "The file is not UTF-8 (line %(line)s has the byte 0x%(byte)s, as cp1252 or Latin-1 files do); save it "
            "as “CSV UTF-8” and upload it again. Nothing was imported.",
            code="encoding",
            params={"line": line, "byte": f"{data[error.start]:02X}"},
        ) from error
    return text


def _date(value: str, column: str) -> datetime.date | None:
    if not value:
        return None
    if ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{column} “{value[:40]}” is not a date as YYYY-MM-DD")


def _row(values: dict[str, str], *, line: int, state: str) -> RosterRow:
    """One row validated whole; ValueError says why it is refused."""
    if any("\x00" in value for value in values.values()):
        raise ValueError("the row holds a NUL byte")
    values = {name: " ".join(value.split()) for name, value in values.items()}
    if values["state"].upper() != state:
        raise ValueError(f"state “{values['state'][:10]}” in a roster of {state}")
    if not values["license_number"]:
        raise ValueError("no license number")
    number = normalise_number(values["license_number"])
    if not number:
        raise ValueError(f"license number “{values['license_number'][:40]}” has no letters or digits")
    if len(number) > MAX_NUMBER:
        raise ValueError(f"license number longer than {MAX_NUMBER} characters")
    if not values["name"]:
        raise ValueError("no name")
    if len(values["name"]) > MAX_NAME:
        raise ValueError(f"name longer than {MAX_NAME} characters")
    status = STATUS_WORDS.get(values["status"].casefold())
    if status is None:
        raise ValueError(f"unknown status “{values['status'][:40]}” (active, expired, suspended or revoked)")
    issued_on = _date(values["issued_on"], "issued_on")
    expires_on = _date(values["expires_on"], "expires_on")
    if issued_on and expires_on and expires_on < issued_on:
        raise ValueError(f"expires_on {expires_on.isoformat()} is before issued_on {issued_on.isoformat()}")
    return RosterRow(line, number, values["name"], status, issued_on, expires_on)


def parse_roster(text: str, *, state: str) -> ParsedRoster:
    """Every row of the file, valid or refused with its line and reason; the first of duplicate numbers wins."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise RosterError("The first line is not a CSV header: %(error)s.", params={"error": error}) from error
    names = [name.strip().lower() for name in header or []]
    if sorted(names) != sorted(COLUMNS):
        raise RosterError(
            "The first line must name the columns %(expected)s (in any order); it has %(found)s.",
            code="header",
            params={"expected": ",".join(COLUMNS), "found": ",".join(names)[:200] or "nothing"},
        )
    parsed = ParsedRoster()
    seen: dict[str, int] = {}
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            line = max(reader.line_num, start)
            parsed.rows_read += 1
            parsed.refuse(start, f"not readable as CSV ({error})")
            continue
        line = reader.line_num
        if not values or not any(value.strip() for value in values):
            continue  # blank lines are not rows
        parsed.rows_read += 1
        if len(values) != len(names):
            parsed.refuse(start, f"{len(values)} columns where the header has {len(names)}")
            continue
        try:
            row = _row(dict(zip(names, values, strict=True)), line=start, state=state)
        except ValueError as error:
            parsed.refuse(start, str(error))
            continue
        if row.license_number in seen:
            parsed.refuse(start, f"duplicate of line {seen[row.license_number]}")
            continue
        seen[row.license_number] = start
        parsed.rows.append(row)
    return parsed


def _says(record: LicenseRecord) -> str:
    """What the roster says of an inactive license, in one word."""
    return "expired" if record.status == LicenseRecord.Status.ACTIVE else record.get_status_display().lower()


def withdrawal_note(*, record: LicenseRecord, roster: LicenseRoster) -> str:
    return (
        f"The {record.region} registry's roster of {date_format(timezone.localtime(roster.imported_at).date())} "
        f"says this license is {_says(record)}."
    )


def _withdraw(
    *, therapist_id: int, certification_id: int, record: LicenseRecord, roster: LicenseRoster, today: datetime.date
) -> bool:
    """Send a verified license the roster contradicts back to the queue; False when it no longer needs it (decided
    again meanwhile, or past its own expiry, when it counts for nothing already and keeps its history)."""
    # The therapist's row first, as every write on its credentials does.
    therapist = Therapist.objects.lock(therapist_id)
    certification = Certification.objects.lock(certification_id)
    if certification.status != Certification.Status.VERIFIED or certification.is_expired(today):
        return False
    certification.status = Certification.Status.PENDING
    certification.decided_by, certification.decided_at = None, None
    certification.decision_note, certification.rejection_reason = "", ""
    certification.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "rejection_reason", "updated_at"]
    )
    note = withdrawal_note(record=record, roster=roster)
    CertificationDecision.objects.create(
        certification=certification,
        certification_label=str(certification),
        status=Certification.Status.PENDING,
        reason=Certification.RejectionReason.REGISTRY_INACTIVE,
        note=note,
        decided_by=roster.imported_by,
        decided_at=roster.imported_at,
    )
    therapist_refresh_credentials(therapist=therapist)
    if therapist.owner_id:
        send_email(
            to=therapist.owner.email,
            template="certification_registry_withdrawn",
            context={"therapist": therapist, "certification": certification, "record": record, "note": note},
        )
    return True


def _verified_licenses_of(state: str, numbers: set[str], today: datetime.date) -> list[tuple[int, int, str]]:
    """(therapist id, certification id, normalised number) of the state's verified, unexpired licenses with these
    numbers (one past its own expiry counts for nothing already and keeps its history).

    Therapists type numbers as they like ("MT.0067890"), so they are normalised here, not in the query."""
    if not numbers:
        return []
    verified = (
        Certification.objects.currently_verified(today)
        .filter(kind=Certification.Kind.LICENSE, region__iexact=state)
        .values_list("therapist_id", "pk", "credential_number")
    )
    found = [(t, c, normalise_number(n)) for t, c, n in verified.order_by()]
    return sorted(item for item in found if item[2] in numbers)


def roster_import(
    *, state: str, data: bytes, source_name: str = "", imported_by: AbstractBaseUser | None = None
) -> LicenseRoster:
    """Load one state's roster and withdraw the verified licenses it newly says are expired, suspended or revoked.

    Idempotent: the same file again adds and changes nothing. A license the roster leaves out is kept as the board
    last listed it (a board lists lapsed licenses as expired; a partial file must not erase the rest).
    """
    state = clean_state(state)
    parsed = parse_roster(decode_roster(data), state=state)
    today = timezone.localdate()
    now = timezone.now()
    try:
        with transaction.atomic():
            roster = LicenseRoster.objects.create(
                region=state,
                source_name=source_name[:255],
                imported_by=imported_by if imported_by and imported_by.is_authenticated else None,
                imported_at=now,
                rows_read=parsed.rows_read,
                refused=parsed.refused,
                refusals=parsed.refusals,
            )
            existing = {record.license_number: record for record in LicenseRecord.objects.filter(region=state)}
            added, changed, newly_inactive = [], [], {}
            for row in parsed.rows:
                record = existing.get(row.license_number)
                if record is None:
                    record = LicenseRecord(region=state, license_number=row.license_number, roster=roster)
                    added.append(record)
                    was_inactive = False
                elif any(getattr(record, name) != getattr(row, name) for name in COMPARED):
                    was_inactive = record_is_inactive(record, today)
                    changed.append(record)
                else:
                    continue
                for name in COMPARED:
                    setattr(record, name, getattr(row, name))
                record.roster, record.updated_at = roster, now
                if record_is_inactive(record, today) and not was_inactive:
                    newly_inactive[record.license_number] = record
            LicenseRecord.objects.bulk_create(added, batch_size=BATCH_SIZE)
            LicenseRecord.objects.bulk_update(
                changed, [*COMPARED, "roster", "updated_at"], batch_size=UPDATE_BATCH_SIZE
            )
            roster.added, roster.changed = len(added), len(changed)
            roster.unchanged = len(parsed.rows) - len(added) - len(changed)
            # Therapists in id order, as every writer locking several of them does.
            for therapist_id, certification_id, number in _verified_licenses_of(state, set(newly_inactive), today):
                roster.withdrawn += _withdraw(
                    therapist_id=therapist_id,
                    certification_id=certification_id,
                    record=newly_inactive[number],
                    roster=roster,
                    today=today,
                )
            roster.save(update_fields=["added", "changed", "unchanged", "withdrawn"])
    except IntegrityError as error:
        raise RosterError(
            "Another import of the %(state)s roster changed it at the same time; nothing was imported from this "
            "file. Upload it again.",
            code="conflict",
            params={"state": state},
        ) from error
    return roster
