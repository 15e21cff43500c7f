"""What a state board's license roster says about a license a therapist submitted: the verifier's cross-check.

The roster itself is loaded by services.registry (docs/license-registry.md describes its CSV format); this module
only reads it. One query answers a whole page of the verification queue.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from .models import Certification, LicenseRecord, normalise_license_number
from .places import normalise_name


class Match(models.TextChoices):
    """The registry's answer about one license, from the best to the worst."""

    MATCHES = "matches", "Matches the registry (name, number, expiry)"
    EXPIRY_DIFFERS = "expiry_differs", "Number and name found; the registry's expiry differs"
    NAME_DIFFERS = "name_differs", "Number found, name differs"
    INACTIVE = "inactive", "Registry says expired or revoked"
    NOT_FOUND = "not_found", "Not found in the registry"
    NO_ROSTER = "no_roster", "No roster loaded for this state"
    NOT_APPLICABLE = "not_applicable", "Not a state license"


@dataclass(frozen=True)
class RegistryAnswer:
    match: Match
    record: LicenseRecord | None = None

    @property
    def text(self) -> str:
        """The answer in the desk's words, with what the registry says where it differs."""
        record = self.record
        if record is None:
            return self.match.label
        if self.match == Match.NAME_DIFFERS:
            return f"{self.match.label} (registry: {record.name})"
        if self.match == Match.INACTIVE:
            says = record.get_status_display().lower()
            if record.status == LicenseRecord.Status.ACTIVE:
                says = "expired"
            return f"Registry says {says}" + (
                f" (expiry {date_format(record.expires_on)})" if record.expires_on else ""
            )
        if self.match == Match.EXPIRY_DIFFERS:
            expiry = date_format(record.expires_on) if record.expires_on else "no expiry"
            return f"{self.match.label} (registry: {expiry})"
        return self.match.label

    @property
    def is_good(self) -> bool:
        return self.match == Match.MATCHES


def person_name_key(value: str) -> tuple[str, ...]:
    """How a roster name is compared with a profile's: accent-free, case-free, punctuation-free, word order free
    ("SMITH, Jane A." and "Jane A Smith" are the same person)."""
    letters = "".join(ch if ch.isalnum() else " " for ch in normalise_name(value))
    return tuple(sorted(letters.split()))


def names_agree(roster_name: str, profile_name: str) -> bool:
    """The same words, or the profile's name within the roster's (a middle name or initial the profile leaves out)."""
    roster, profile = person_name_key(roster_name), person_name_key(profile_name)
    if not roster or not profile:
        return False
    return roster == profile or set(profile) <= set(roster)


def record_is_inactive(record: LicenseRecord, today: datetime.date) -> bool:
    return record.status != LicenseRecord.Status.ACTIVE or (record.expires_on is not None and record.expires_on < today)


def answer_for(
    certification: Certification,
    record: LicenseRecord | None,
    *,
    roster_states: set[str],
    today: datetime.date | None = None,
) -> RegistryAnswer:
    """Compare one license with its roster row (None when the roster has no such number)."""
    today = today or timezone.localdate()
    if certification.kind != Certification.Kind.LICENSE:
        return RegistryAnswer(Match.NOT_APPLICABLE)
    if record is None:
        state = certification.region.strip().upper()
        return RegistryAnswer(Match.NOT_FOUND if state in roster_states else Match.NO_ROSTER)
    if record_is_inactive(record, today):
        return RegistryAnswer(Match.INACTIVE, record)
    if not names_agree(record.name, certification.therapist.name):
        return RegistryAnswer(Match.NAME_DIFFERS, record)
    if record.expires_on != certification.expires_on:
        return RegistryAnswer(Match.EXPIRY_DIFFERS, record)
    return RegistryAnswer(Match.MATCHES, record)


def registry_answers(certifications: Iterable[Certification], today=None) -> dict[int, RegistryAnswer]:
    """The registry's answer for each certification (their therapists loaded), in two queries whatever their number."""
    certifications = list(certifications)
    licenses = [c for c in certifications if c.kind == Certification.Kind.LICENSE]
    records = {}
    roster_states: set[str] = set()
    if licenses:
        records = {
            (record.region, record.license_number): record for record in LicenseRecord.objects.for_licenses(licenses)
        }
        states = {c.region.strip().upper() for c in licenses}
        roster_states = set(
            LicenseRecord.objects.filter(region__in=states).order_by().values_list("region", flat=True).distinct()
        )
    answers = {}
    for certification in certifications:
        key = (certification.region.strip().upper(), normalise_license_number(certification.credential_number))
        answers[certification.pk] = answer_for(
            certification, records.get(key), roster_states=roster_states, today=today
        )
    return answers
