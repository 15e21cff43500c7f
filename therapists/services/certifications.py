"""The certification workflow: therapists submit, edit and withdraw; verifiers decide; every step keeps the badge right.

States: a certification starts `pending`. A verifier moves it to `verified` or `rejected`
(a note is required to reject), and may later revoke a verification or reverse a rejection.
When the therapist changes a certification that was decided, it goes back to `pending`.
Each decision is appended to the audit trail (CertificationDecision) and emailed to the
therapist; after every change `therapist_refresh_credentials` recomputes `verified_until`.
Expiry needs no state: it is compared with today whenever credentials are read.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from common.email import send_email
from common.files import delete_stored_files, discard_written_files
from common.forms import dataclass_from_form
from common.storage import private_storage

from ..models import Certification, CertificationDecision, Specialty, Therapist
from ..permissions import can_verify
from ..uploads import CleanDocument
from .scoring import therapist_refresh_credentials

Status = Certification.Status

# Which decisions a verifier may take from each state. Returning to pending is not a
# decision: it happens when the therapist changes what was checked.
TRANSITIONS = {
    Status.PENDING: {Status.VERIFIED, Status.REJECTED},
    Status.VERIFIED: {Status.REJECTED},
    Status.REJECTED: {Status.VERIFIED},
}
RESUBMITTED_NOTE = "Back to pending: the therapist changed the certification after the decision."


@dataclass(frozen=True, kw_only=True)
class CertificationDetails:
    """What the therapist states about a credential; every field is something a verifier checks."""

    kind: str
    title: str
    issuing_body: str
    issued_on: datetime.date
    region: str = ""
    credential_number: str = ""
    specialty: Specialty | None = None
    expires_on: datetime.date | None = None

    @classmethod
    def from_form(cls, cleaned_data: dict) -> "CertificationDetails":
        return dataclass_from_form(cls, cleaned_data)


def document_in_use(name: str) -> bool:
    return Certification.objects.filter(document=name).exists()


def _lock(certification: Certification) -> tuple[Therapist, Certification]:
    # The therapist's row first, as every write on its credentials or reviews does.
    return Therapist.objects.lock(certification.therapist_id), Certification.objects.lock(certification.pk)


def _store_document(certification: Certification, document: CleanDocument, written: list[str]) -> None:
    certification.document.save(f"document{document.extension}", ContentFile(document.content), save=False)
    written.append(certification.document.name)


def certification_submit(
    *, therapist: Therapist, details: CertificationDetails, document: CleanDocument | None
) -> Certification:
    """Add a credential to a profile; it waits, pending, for a verifier."""
    written: list[str] = []
    try:
        with transaction.atomic():
            therapist = Therapist.objects.lock(therapist.pk)
            certification = Certification(therapist=therapist, status=Status.PENDING)
            for name in Certification.DETAIL_FIELDS:
                setattr(certification, name, getattr(details, name))
            certification.full_clean(exclude=["document"])
            if document is not None:
                _store_document(certification, document, written)
            certification.save()
            therapist_refresh_credentials(therapist=therapist)
    except Exception:
        discard_written_files(storage=private_storage(), names=written)
        raise
    return certification


def certification_update(
    *,
    certification: Certification,
    details: CertificationDetails,
    document: CleanDocument | None,
    changed_by: AbstractBaseUser,
) -> Certification:
    """Save changes; a decided certification that changes goes back to pending for a new check.

    The issue names the document, the number and the dates; kind, specialty, title and issuer are
    just as much what the verifier checked (a changed specialty would otherwise show as
    "Certified" unchecked), so any change counts.
    """
    written: list[str] = []
    try:
        with transaction.atomic():
            therapist, locked = _lock(certification)
            changed = [name for name in Certification.DETAIL_FIELDS if getattr(locked, name) != getattr(details, name)]
            if not changed and document is None:
                return locked
            for name in changed:
                setattr(locked, name, getattr(details, name))
            locked.full_clean(exclude=["document"])
            old_document = locked.document.name
            if document is not None:
                _store_document(locked, document, written)
                delete_stored_files(storage=private_storage(), names=[old_document], still_used=document_in_use)
            was_decided = locked.status != Status.PENDING
            if was_decided:
                locked.status, locked.decided_by, locked.decided_at = Status.PENDING, None, None
                locked.decision_note = ""
            locked.save()
            if was_decided:
                CertificationDecision.objects.create(
                    certification=locked,
                    certification_label=str(locked),
                    status=Status.PENDING,
                    note=RESUBMITTED_NOTE,
                    decided_by=changed_by,
                )
            therapist_refresh_credentials(therapist=therapist)
    except Exception:
        discard_written_files(storage=private_storage(), names=written)
        raise
    return locked


def certification_withdraw(*, certification: Certification) -> None:
    """Remove a credential and its document; past decisions stay in the audit trail by their label."""
    with transaction.atomic():
        therapist, locked = _lock(certification)
        document = locked.document.name
        locked.delete()
        delete_stored_files(storage=private_storage(), names=[document], still_used=document_in_use)
        therapist_refresh_credentials(therapist=therapist)


def check_decision(*, therapist: Therapist, current: str, decided_by: AbstractBaseUser, status: str, note: str) -> None:
    """Raise unless this verifier may take this decision on a certification now in state `current`.

    The admin's form calls it too, so a refused decision shows as a form error.
    """
    if not can_verify(decided_by):
        raise PermissionDenied("Only verifiers decide on certifications.")
    if therapist.owner_id is not None and therapist.owner_id == decided_by.pk:
        raise ValidationError("Nobody decides on their own certification.", code="own_certification")
    if status not in TRANSITIONS.get(current, set()):
        raise ValidationError(
            "A certification that is %(current)s cannot be marked %(wanted)s.",
            code="invalid_transition",
            params={
                "current": Status(current).label.lower(),
                "wanted": Status(status).label.lower() if status in Status.values else status,
            },
        )
    if status == Status.REJECTED and not note.strip():
        raise ValidationError("Say why the certification is rejected; the therapist reads this note.", code="note")


def certification_decide(
    *, certification: Certification, decided_by: AbstractBaseUser, status: str, note: str = ""
) -> Certification:
    """Verify or reject: record who and when, append to the audit trail, refresh the badge, tell the therapist."""
    with transaction.atomic():
        therapist, locked = _lock(certification)
        check_decision(therapist=therapist, current=locked.status, decided_by=decided_by, status=status, note=note)
        locked.status = status
        locked.decided_by = decided_by
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.full_clean(exclude=["document"])
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        CertificationDecision.objects.create(
            certification=locked,
            certification_label=str(locked),
            status=status,
            note=locked.decision_note,
            decided_by=decided_by,
            decided_at=locked.decided_at,
        )
        therapist_refresh_credentials(therapist=therapist)
        if therapist.owner_id:
            send_email(
                to=therapist.owner.email,
                template="certification_decision",
                context={"certification": locked, "therapist": therapist},
            )
    return locked


def notify_expiring(*, certifications: list[Certification]) -> int:
    """One email to each owner listing their certifications about to expire; returns emails queued."""
    by_therapist: dict[int, list[Certification]] = {}
    for certification in certifications:
        by_therapist.setdefault(certification.therapist_id, []).append(certification)
    sent = 0
    with transaction.atomic():
        for items in by_therapist.values():
            therapist = items[0].therapist
            if therapist.owner_id and therapist.owner.email:
                send_email(
                    to=therapist.owner.email,
                    template="certification_expiring",
                    context={"therapist": therapist, "certifications": items},
                )
                sent += 1
    return sent
