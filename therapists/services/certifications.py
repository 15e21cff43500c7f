"""The certification workflow: therapists submit, edit and withdraw; verifiers decide; every step keeps the badge right.

States: a certification starts `pending`. A verifier moves it to `verified` or `rejected`
(a reason from RejectionReason and a note are required to reject; a credential past its expiry is never
verified), and may later revoke a verification or reverse a rejection.
The desk: a verifier takes a pending item (claimed_by, claimed_at) so that others leave it; an item another
verifier holds is neither taken nor decided by anyone else until it is released or the claim lapses
(desk.CLAIM_LIMIT); a decision releases it. Every step locks the therapist's row, then the certification's.
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
from django.db.models import F
from django.utils import timezone

from common.admin import day, moment
from common.email import send_email
from common.files import delete_stored_files, discard_written_files
from common.forms import dataclass_from_form
from common.storage import private_storage

from ..desk import claim_holder, is_renewable
from ..models import EXPIRING_SOON_DAYS, Certification, CertificationDecision, Specialty, Therapist
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


def _check_renewal(*, therapist: Therapist, renews: Certification, details: CertificationDetails) -> None:
    """A renewal renews a verified credential of the same profile that expired or expires soon, is of the same
    kind, and expires later than it; one renewal waits at a time."""
    if renews.therapist_id != therapist.pk:
        raise ValidationError("A renewal renews a credential of the same profile.", code="renewal_other_profile")
    if not is_renewable(renews):
        raise ValidationError(
            "Only a verified credential that has expired or expires within %(days)s days can be renewed.",
            code="renewal_not_due",
            params={"days": EXPIRING_SOON_DAYS},
        )
    if Certification.objects.pending().filter(renews=renews).exists():
        raise ValidationError("A renewal of this credential already waits for our verifiers.", code="renewal_waiting")
    if details.kind != renews.kind:
        raise ValidationError(
            {"kind": "A renewal is of the same kind as the credential it renews."}, code="renewal_kind"
        )
    if details.expires_on is not None and renews.expires_on is not None and details.expires_on <= renews.expires_on:
        raise ValidationError(
            {
                "expires_on": ValidationError(
                    "A renewal expires after the credential it renews (%(expires)s).",
                    code="renewal_expiry",
                    params={"expires": day(renews.expires_on)},
                )
            }
        )


def certification_submit(
    *,
    therapist: Therapist,
    details: CertificationDetails,
    document: CleanDocument | None,
    renews: Certification | None = None,
) -> Certification:
    """Add a credential to a profile; it waits, pending, for a verifier.

    With `renews`, it is the renewal of an expiring credential, which keeps counting until its own expiry.
    """
    written: list[str] = []
    try:
        with transaction.atomic():
            therapist = Therapist.objects.lock(therapist.pk)
            if renews is not None:
                renews = Certification.objects.lock(renews.pk)
                _check_renewal(therapist=therapist, renews=renews, details=details)
            certification = Certification(therapist=therapist, status=Status.PENDING, renews=renews)
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
                locked.decision_note, locked.rejection_reason = "", ""
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


def check_decision(
    *,
    therapist: Therapist,
    current: str,
    decided_by: AbstractBaseUser,
    status: str,
    note: str,
    reason: str = "",
    expires_on: datetime.date | None = None,
) -> None:
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
    if status == Status.VERIFIED and expires_on is not None and expires_on < timezone.localdate():
        raise ValidationError(
            "It expired on %(date)s: a credential past its expiry is never verified. The therapist can upload a "
            "renewal from their dashboard.",
            code="expired",
            params={"date": day(expires_on)},
        )
    if status == Status.REJECTED and reason not in Certification.RejectionReason.values:
        raise ValidationError("Pick the reason for the rejection from the list.", code="reason")
    if status == Status.REJECTED and not note.strip():
        raise ValidationError("Say why the certification is rejected; the therapist reads this note.", code="note")


def check_claim(*, certification: Certification, user: AbstractBaseUser) -> None:
    """Raise when another verifier holds the item: they decide it, unless they or a superuser release it."""
    holder = claim_holder(certification)
    if holder is not None and holder.pk != user.pk:
        raise ValidationError(
            "Taken by %(holder)s since %(since)s: ask them or release it.",
            code="taken",
            params={"holder": holder.get_username(), "since": moment(certification.claimed_at)},
        )


def _check_unchanged(locked: Certification, expected_status: str | None) -> None:
    """The decision was taken on what the verifier saw: if another verifier decided meanwhile, say so."""
    if expected_status is None or locked.status == expected_status:
        return
    who = locked.decided_by.get_username() if locked.decided_by_id else "the therapist"
    raise ValidationError(
        "Meanwhile %(who)s marked it %(status)s (%(when)s); nothing was changed. Open it again to see why.",
        code="changed_meanwhile",
        params={"who": who, "status": locked.get_status_display().lower(), "when": moment(locked.updated_at)},
    )


def certification_decide(
    *,
    certification: Certification,
    decided_by: AbstractBaseUser,
    status: str,
    note: str = "",
    reason: str = "",
    expected_status: str | None = None,
) -> Certification:
    """Verify or reject: record who, when and why, append to the audit trail, release the item, refresh the
    badge, tell the therapist.

    `expected_status` is the state the verifier saw when they chose (the admin passes it): if another verifier
    decided meanwhile, this decision is refused rather than taken on top of theirs. A rejection needs a reason
    from Certification.RejectionReason and a note; an item another verifier holds is theirs to decide.
    """
    with transaction.atomic():
        therapist, locked = _lock(certification)
        _check_unchanged(locked, expected_status)
        check_decision(
            therapist=therapist,
            current=locked.status,
            decided_by=decided_by,
            status=status,
            note=note,
            reason=reason,
            expires_on=locked.expires_on,
        )
        check_claim(certification=locked, user=decided_by)
        locked.status = status
        locked.decided_by = decided_by
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.rejection_reason = reason if status == Status.REJECTED else ""
        locked.claimed_by, locked.claimed_at = None, None
        locked.full_clean(exclude=["document"])
        locked.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "decision_note",
                "rejection_reason",
                "claimed_by",
                "claimed_at",
                "updated_at",
            ]
        )
        CertificationDecision.objects.create(
            certification=locked,
            certification_label=str(locked),
            status=status,
            reason=locked.rejection_reason,
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


def certification_take(*, certification: Certification, verifier: AbstractBaseUser) -> Certification:
    """The verifier takes a pending item: the others see who holds it and since when, and leave it to them.

    Taking one's own item again renews the claim; an item another verifier holds is refused, naming them.
    """
    with transaction.atomic():
        _therapist, locked = _lock(certification)
        if not can_verify(verifier):
            raise PermissionDenied("Only verifiers take items of the verification queue.")
        if locked.status != Status.PENDING:
            raise ValidationError(
                "Only a pending certification is taken; this one is %(status)s.",
                code="not_pending",
                params={"status": locked.get_status_display().lower()},
            )
        holder = claim_holder(locked)
        if holder is not None and holder.pk != verifier.pk:
            raise ValidationError(
                "Already taken by %(holder)s since %(since)s.",
                code="taken",
                params={"holder": holder.get_username(), "since": moment(locked.claimed_at)},
            )
        locked.claimed_by, locked.claimed_at = verifier, timezone.now()
        locked.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    return locked


def certification_release(*, certification: Certification, released_by: AbstractBaseUser) -> Certification:
    """Give an item back to the queue: one's own, or, for a superuser, anyone's. A lapsed claim is anyone's."""
    with transaction.atomic():
        _therapist, locked = _lock(certification)
        if not can_verify(released_by):
            raise PermissionDenied("Only verifiers release items of the verification queue.")
        if locked.claimed_by_id is None:
            return locked
        holder = claim_holder(locked)
        if holder is not None and holder.pk != released_by.pk and not released_by.is_superuser:
            raise ValidationError(
                "Taken by %(holder)s since %(since)s: only they or a superuser release it.",
                code="taken",
                params={"holder": holder.get_username(), "since": moment(locked.claimed_at)},
            )
        locked.claimed_by, locked.claimed_at = None, None
        locked.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    return locked


def notify_expiring(*, certifications: list[Certification]) -> int:
    """One email to each owner listing their certifications about to expire that they were not reminded of yet;
    returns emails queued. Each is recorded with the expiry date it reminds of (`expiry_reminder_sent_for`), in the
    transaction that queues the email: a second run, the same day or at once beside the first, sends nothing more,
    and a renewed certification's new date gets its own reminder."""
    by_therapist: dict[int, list[int]] = {}
    for certification in certifications:
        by_therapist.setdefault(certification.therapist_id, []).append(certification.pk)
    sent = 0
    for therapist_id, pks in by_therapist.items():
        with transaction.atomic():
            therapist = Therapist.objects.lock(therapist_id)
            if not (therapist.owner_id and therapist.owner.email):
                continue
            due = list(
                Certification.objects.filter(pk__in=pks, expires_on__isnull=False)
                .exclude(expiry_reminder_sent_for=F("expires_on"))
                .order_by("expires_on", "pk")
            )
            if not due:
                continue
            Certification.objects.filter(pk__in=[item.pk for item in due]).update(
                expiry_reminder_sent_for=F("expires_on")
            )
            send_email(
                to=therapist.owner.email,
                template="certification_expiring",
                context={"therapist": therapist, "certifications": due},
                key=f"{therapist.pk}:" + ",".join(f"{item.pk}@{item.expires_on}" for item in due),
            )
            sent += 1
    return sent
