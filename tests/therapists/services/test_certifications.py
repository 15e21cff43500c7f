"""therapists.services.certifications: the state machine, the audit trail, verified_until after each change, emails."""

import dataclasses
import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from common.storage import private_storage
from therapists.desk import CLAIM_LIMIT
from therapists.models import FAR_FUTURE, Certification, CertificationDecision, Therapist
from therapists.services.certifications import (
    CertificationDetails,
    certification_decide,
    certification_release,
    certification_take,
    certification_update,
    certification_withdraw,
)
from therapists.uploads import CleanDocument, clean_document

from ...factories import CertificationFactory, TherapistFactory, UserFactory
from .. import corpus

pytestmark = pytest.mark.django_db

PENDING, VERIFIED, REJECTED = Certification.Status.PENDING, Certification.Status.VERIFIED, Certification.Status.REJECTED


def _details(certification: Certification, **changes) -> CertificationDetails:
    values = {name: getattr(certification, name) for name in Certification.DETAIL_FIELDS}
    return CertificationDetails(**{**values, **changes})


def _document() -> CleanDocument:
    return clean_document(corpus.Hostile("d", "d.pdf", corpus.PDF, "application/pdf", "", "").upload())


def _decide(certification, verifier, status, note="", reason=""):
    if status == REJECTED and not reason:
        reason = Certification.RejectionReason.UNREADABLE
    return certification_decide(
        certification=certification, decided_by=verifier, status=status, note=note, reason=reason
    )


def _therapist(pk) -> Therapist:
    return Therapist.objects.get(pk=pk)


def test_certification_decide_verify_records_who_when_and_appends_to_the_audit_trail(certification, verifier):
    decided = _decide(certification, verifier, VERIFIED, "Checked with the board.")
    assert decided.status == VERIFIED and decided.decided_by == verifier and decided.decided_at
    assert decided.decision_note == "Checked with the board."
    entry = CertificationDecision.objects.get()
    assert (entry.certification, entry.status, entry.decided_by, entry.note) == (
        decided,
        VERIFIED,
        verifier,
        "Checked with the board.",
    )
    assert entry.certification_label == str(decided)


def test_certification_decide_refreshes_verified_until_and_the_badge(certification, verifier):
    assert not Therapist.objects.verified().filter(pk=certification.therapist_id).exists()
    _decide(certification, verifier, VERIFIED)
    therapist = _therapist(certification.therapist_id)
    assert therapist.verified_until == certification.expires_on
    assert Therapist.objects.verified().filter(pk=therapist.pk).exists()
    assert therapist.score > 0


def test_certification_decide_reject_needs_a_note(certification, verifier):
    with pytest.raises(ValidationError, match="Say why"):
        _decide(certification, verifier, REJECTED, "  ")
    certification.refresh_from_db()
    assert certification.status == PENDING and not CertificationDecision.objects.exists()


@pytest.mark.parametrize(
    ("start", "wanted"),
    [(PENDING, VERIFIED), (PENDING, REJECTED), (VERIFIED, REJECTED), (REJECTED, VERIFIED)],
)
def test_certification_decide_takes_the_allowed_transitions(certification, verifier, start, wanted):
    reason = Certification.RejectionReason.OTHER if start == REJECTED else ""
    Certification.objects.filter(pk=certification.pk).update(status=start, rejection_reason=reason)
    certification.refresh_from_db()
    assert _decide(certification, verifier, wanted, "note").status == wanted


@pytest.mark.parametrize(
    ("start", "wanted"),
    [(VERIFIED, VERIFIED), (REJECTED, REJECTED), (VERIFIED, PENDING), (PENDING, PENDING), (PENDING, "approved")],
)
def test_certification_decide_refuses_every_other_transition(certification, verifier, start, wanted):
    reason = Certification.RejectionReason.OTHER if start == REJECTED else ""
    Certification.objects.filter(pk=certification.pk).update(status=start, rejection_reason=reason)
    certification.refresh_from_db()
    with pytest.raises(ValidationError):
        _decide(certification, verifier, wanted, "note")
    certification.refresh_from_db()
    assert certification.status == start


def test_certification_decide_revoking_removes_the_badge(certification, verifier):
    _decide(certification, verifier, VERIFIED)
    _decide(certification, verifier, REJECTED, "The board has no record of this number.")
    assert _therapist(certification.therapist_id).verified_until is None
    assert list(CertificationDecision.objects.order_by("id").values_list("status", flat=True)) == [VERIFIED, REJECTED]


@pytest.mark.parametrize("who", ["client_user", "staff_user", "other_therapist_user"])
def test_certification_decide_is_refused_to_non_verifiers(request, certification, who):
    with pytest.raises(PermissionDenied):
        _decide(certification, request.getfixturevalue(who), VERIFIED)
    certification.refresh_from_db()
    assert certification.status == PENDING


def test_certification_decide_superuser_may_decide(certification, superuser):
    assert _decide(certification, superuser, VERIFIED).status == VERIFIED


def test_certification_decide_nobody_verifies_their_own(certification, therapist_owner):
    therapist_owner.groups.add(Group.objects.get(name="Verifiers"))
    verifying_owner = type(therapist_owner).objects.get(pk=therapist_owner.pk)  # drop the cached permissions
    with pytest.raises(ValidationError, match="own certification"):
        _decide(certification, verifying_owner, VERIFIED)


def test_certification_decide_emails_the_therapist(certification, verifier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _decide(certification, verifier, REJECTED, "The scan is unreadable; please upload a clearer one.")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    assert "rejected" in message.subject.lower() and certification.title in message.subject
    assert "The scan is unreadable" in message.body and "/dashboard/" in message.body


def test_certification_decide_sends_no_email_before_the_commit(certification, verifier):
    _decide(certification, verifier, VERIFIED)
    assert mail.outbox == []  # the test's transaction never commits


def test_certification_decide_sets_verified_until_to_the_latest_expiry_or_far_future(owned_therapist, verifier, today):
    soon = CertificationFactory(therapist=owned_therapist, expires_on=today + datetime.timedelta(days=10))
    later = CertificationFactory(therapist=owned_therapist, expires_on=today + datetime.timedelta(days=400))
    forever = CertificationFactory(therapist=owned_therapist, expires_on=None)
    _decide(soon, verifier, VERIFIED)
    assert _therapist(owned_therapist.pk).verified_until == soon.expires_on
    _decide(later, verifier, VERIFIED)
    assert _therapist(owned_therapist.pk).verified_until == later.expires_on
    _decide(forever, verifier, VERIFIED)
    assert _therapist(owned_therapist.pk).verified_until == FAR_FUTURE
    certification_withdraw(certification=forever)
    assert _therapist(owned_therapist.pk).verified_until == later.expires_on


@pytest.mark.parametrize(
    "changes",
    [
        {"credential_number": "LMT-999999"},
        {"issued_on": datetime.timedelta(days=-30)},
        {"expires_on": datetime.timedelta(days=900)},
        {"expires_on": None},
        {"title": "Board Certified Therapist"},
        {"issuing_body": "Another board"},
        {"kind": Certification.Kind.BOARD},
        {"document": True},
    ],
    ids=lambda changes: next(iter(changes)),
)
def test_certification_update_of_a_verified_one_goes_back_to_pending(
    certification, verifier, therapist_owner, today, changes
):
    # Dates given as a timedelta are that far from today.
    changes = {
        name: today + value if isinstance(value, datetime.timedelta) else value for name, value in changes.items()
    }
    _decide(certification, verifier, VERIFIED, "OK")
    replaces_document = changes.pop("document", False)
    document = _document() if replaces_document else None
    old_document = certification.document.name
    updated = certification_update(
        certification=certification,
        details=_details(certification, **changes),
        document=document,
        changed_by=therapist_owner,
    )
    assert updated.status == PENDING
    assert updated.decided_by is None and updated.decided_at is None and updated.decision_note == ""
    assert _therapist(certification.therapist_id).verified_until is None
    entry = CertificationDecision.objects.order_by("-id").first()
    assert entry.status == PENDING and entry.decided_by == therapist_owner and "changed" in entry.note
    assert (updated.document.name != old_document) == replaces_document


def test_certification_update_without_changes_keeps_the_decision(certification, verifier, therapist_owner):
    _decide(certification, verifier, VERIFIED)
    updated = certification_update(
        certification=certification, details=_details(certification), document=None, changed_by=therapist_owner
    )
    assert updated.status == VERIFIED
    assert CertificationDecision.objects.count() == 1


def test_certification_update_of_a_rejected_one_resubmits_it(certification, verifier, therapist_owner):
    _decide(certification, verifier, REJECTED, "Blurry.")
    updated = certification_update(
        certification=certification, details=_details(certification), document=_document(), changed_by=therapist_owner
    )
    assert updated.status == PENDING


def test_certification_update_of_a_pending_one_stays_pending_without_an_audit_entry(certification, therapist_owner):
    updated = certification_update(
        certification=certification,
        details=_details(certification, title="Renamed"),
        document=None,
        changed_by=therapist_owner,
    )
    assert updated.status == PENDING and updated.title == "Renamed"
    assert not CertificationDecision.objects.exists()


def test_certification_update_replacing_the_document_deletes_the_old_file(
    certification, therapist_owner, django_capture_on_commit_callbacks
):
    old = certification.document.name
    with django_capture_on_commit_callbacks(execute=True):
        updated = certification_update(
            certification=certification,
            details=_details(certification),
            document=_document(),
            changed_by=therapist_owner,
        )
    assert not private_storage().exists(old) and private_storage().exists(updated.document.name)


def test_certification_withdraw_keeps_the_audit_trail_by_label(
    certification, verifier, django_capture_on_commit_callbacks
):
    _decide(certification, verifier, VERIFIED)
    label, document = str(certification), certification.document.name
    with django_capture_on_commit_callbacks(execute=True):
        certification_withdraw(certification=certification)
    assert not Certification.objects.filter(pk=certification.pk).exists()
    entry = CertificationDecision.objects.get()
    assert entry.certification is None and entry.certification_label == label
    assert _therapist(certification.therapist_id).verified_until is None
    assert not private_storage().exists(document)


def test_certification_decide_leaves_other_therapists_badges_alone(certification, verifier):
    other = CertificationFactory(therapist=TherapistFactory(owner=UserFactory()))
    _decide(other, verifier, VERIFIED)
    assert _therapist(certification.therapist_id).verified_until is None


def test_certification_details_carries_every_detail_field():
    assert {field.name for field in dataclasses.fields(CertificationDetails)} == set(Certification.DETAIL_FIELDS)
    assert len(dataclasses.fields(CertificationDetails)) == len(Certification.DETAIL_FIELDS)


def test_certification_withdraw_keeps_a_document_file_other_rows_share(owned_therapist, certification):
    twin = CertificationFactory(therapist=owned_therapist, document=certification.document.name)
    certification_withdraw(certification=twin)
    assert private_storage().exists(certification.document.name)


# --- the desk: reasons, expiry, claims (issue 11) ---


def test_certification_decide_reject_needs_a_reason_from_the_list(certification, verifier):
    for reason in ("", "because"):
        with pytest.raises(ValidationError, match="Pick the reason"):
            certification_decide(
                certification=certification, decided_by=verifier, status=REJECTED, note="Blurry.", reason=reason
            )
    certification.refresh_from_db()
    assert certification.status == PENDING and not CertificationDecision.objects.exists()


def test_certification_decide_reject_stores_the_reason_and_the_audit_trail_keeps_it(
    certification, verifier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _decide(certification, verifier, REJECTED, "No such number.", Certification.RejectionReason.NOT_IN_REGISTRY)
    certification.refresh_from_db()
    assert certification.rejection_reason == Certification.RejectionReason.NOT_IN_REGISTRY
    assert CertificationDecision.objects.get().reason == Certification.RejectionReason.NOT_IN_REGISTRY
    assert "Reason: The state registry has no such license" in mail.outbox[0].body
    assert "No such number." in mail.outbox[0].body


def test_certification_decide_refuses_to_verify_an_expired_credential(owned_therapist, verifier, today):
    expired = CertificationFactory(
        therapist=owned_therapist,
        issued_on=today - datetime.timedelta(days=800),
        expires_on=today - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="expired on"):
        _decide(expired, verifier, VERIFIED)
    expired.refresh_from_db()
    assert expired.status == PENDING and not CertificationDecision.objects.exists()


def test_certification_decide_verifies_one_that_expires_today(owned_therapist, verifier, today):
    last_day = CertificationFactory(therapist=owned_therapist, expires_on=today)
    assert _decide(last_day, verifier, VERIFIED).status == VERIFIED


def _second_verifier():
    user = UserFactory(username="second-verifier", is_staff=True)
    user.groups.add(Group.objects.get(name="Verifiers"))
    return user


def test_certification_take_shows_who_holds_it_and_refuses_another_verifier(certification, verifier, today):
    taken = certification_take(certification=certification, verifier=verifier)
    assert taken.claimed_by == verifier and taken.claimed_at == timezone.now()
    with pytest.raises(ValidationError, match="Already taken by verifier-user since"):
        certification_take(certification=certification, verifier=_second_verifier())
    certification.refresh_from_db()
    assert certification.claimed_by == verifier


def test_certification_decide_refuses_an_item_another_verifier_holds(certification, verifier, today):
    certification_take(certification=certification, verifier=verifier)
    with pytest.raises(ValidationError, match="Taken by verifier-user since .*: ask them or release it."):
        _decide(certification, _second_verifier(), VERIFIED)
    certification.refresh_from_db()
    assert certification.status == PENDING and not CertificationDecision.objects.exists()


def test_certification_decide_by_the_holder_releases_the_item(certification, verifier, today):
    certification_take(certification=certification, verifier=verifier)
    decided = _decide(certification, verifier, VERIFIED)
    assert (decided.status, decided.claimed_by, decided.claimed_at) == (VERIFIED, None, None)


def test_certification_claim_lapses_after_the_limit(certification, verifier, time_machine, today):
    certification_take(certification=certification, verifier=verifier)
    time_machine.shift(CLAIM_LIMIT + datetime.timedelta(seconds=1))
    other = _second_verifier()
    assert certification_take(certification=certification, verifier=other).claimed_by == other


def test_certification_release_own_item_or_any_as_superuser(certification, verifier, superuser, today):
    certification_take(certification=certification, verifier=verifier)
    with pytest.raises(ValidationError, match="only they or a superuser release it"):
        certification_release(certification=certification, released_by=_second_verifier())
    assert certification_release(certification=certification, released_by=superuser).claimed_by is None
    certification_take(certification=certification, verifier=verifier)
    assert certification_release(certification=certification, released_by=verifier).claimed_by is None


@pytest.mark.parametrize("who", ["client_user", "staff_user", "therapist_owner"])
def test_certification_take_and_release_are_for_verifiers_only(request, certification, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        certification_take(certification=certification, verifier=user)
    with pytest.raises(PermissionDenied):
        certification_release(certification=certification, released_by=user)


def test_certification_take_refuses_a_decided_item(certification, verifier):
    _decide(certification, verifier, VERIFIED)
    with pytest.raises(ValidationError, match="Only a pending certification is taken"):
        certification_take(certification=certification, verifier=verifier)


def test_certification_decide_refuses_when_another_verifier_decided_meanwhile(certification, verifier):
    seen = certification.status
    _decide(certification, verifier, VERIFIED)
    with pytest.raises(ValidationError, match="Meanwhile verifier-user marked it verified"):
        certification_decide(
            certification=certification,
            decided_by=_second_verifier(),
            status=REJECTED,
            note="Blurry.",
            reason=Certification.RejectionReason.UNREADABLE,
            expected_status=seen,
        )
    assert list(CertificationDecision.objects.values_list("status", flat=True)) == [VERIFIED]


def test_certification_decide_keeps_certified_until_from_verified_specialty_certifications(
    owned_therapist, verifier, today, vocab
):
    """Therapist.certified_until, which the search's "certified in a type" switch reads, follows every decision:
    only verified specialty certifications count, the latest expiry wins, one without expiry is FAR_FUTURE."""
    specialty = {"kind": Certification.Kind.SPECIALTY, "region": "", "specialty": vocab["swedish"]}
    license_ = CertificationFactory(therapist=owned_therapist, expires_on=today + datetime.timedelta(days=900))
    soon = CertificationFactory(therapist=owned_therapist, expires_on=today + datetime.timedelta(days=10), **specialty)
    forever = CertificationFactory(therapist=owned_therapist, expires_on=None, **specialty)
    _decide(license_, verifier, VERIFIED)
    assert _therapist(owned_therapist.pk).certified_until is None
    _decide(soon, verifier, VERIFIED)
    assert _therapist(owned_therapist.pk).certified_until == soon.expires_on
    _decide(forever, verifier, VERIFIED)
    assert _therapist(owned_therapist.pk).certified_until == FAR_FUTURE
    _decide(forever, verifier, REJECTED, "No such certificate.")
    assert _therapist(owned_therapist.pk).certified_until == soon.expires_on
    certification_withdraw(certification=soon)
    assert _therapist(owned_therapist.pk).certified_until is None
