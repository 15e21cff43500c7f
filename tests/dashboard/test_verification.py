"""The certification state machine, the audit trail, verified_until after every change, expiry and the emails."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from therapists import uploads as images
from therapists.models import FAR_FUTURE, Certification, CertificationDecision, Therapist
from therapists.services import certifications as verification

from ..factories import CertificationFactory, TherapistFactory, UserFactory
from . import corpus

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PENDING, VERIFIED, REJECTED = Certification.Status.PENDING, Certification.Status.VERIFIED, Certification.Status.REJECTED


def _details(certification: Certification, **changes) -> verification.CertificationDetails:
    values = {name: getattr(certification, name) for name in Certification.DETAIL_FIELDS}
    return verification.CertificationDetails(**{**values, **changes})


def _document() -> images.CleanDocument:
    return images.clean_document(corpus.Hostile("d", "d.pdf", corpus.PDF, "application/pdf", "", "").upload())


def _decide(certification, verifier, status, note=""):
    return verification.certification_decide(certification=certification, decided_by=verifier, status=status, note=note)


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
    ("start", "wanted", "allowed"),
    [
        (PENDING, VERIFIED, True),
        (PENDING, REJECTED, True),
        (VERIFIED, REJECTED, True),
        (REJECTED, VERIFIED, True),
        (VERIFIED, VERIFIED, False),
        (REJECTED, REJECTED, False),
        (VERIFIED, PENDING, False),
        (PENDING, PENDING, False),
        (PENDING, "approved", False),
    ],
)
def test_certification_decide_follows_the_state_machine(certification, verifier, start, wanted, allowed):
    Certification.objects.filter(pk=certification.pk).update(status=start)
    certification.refresh_from_db()
    if allowed:
        assert _decide(certification, verifier, wanted, "note").status == wanted
    else:
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


def test_certification_decide_nobody_verifies_their_own(certification, owner, django_db_setup):
    from django.contrib.auth.models import Group

    owner.groups.add(Group.objects.get(name="Verifiers"))
    owner = type(owner).objects.get(pk=owner.pk)  # drop the cached permissions
    with pytest.raises(ValidationError, match="own certification"):
        _decide(certification, owner, VERIFIED)


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


def test_verified_until_is_the_latest_expiry_and_far_future_for_a_credential_that_never_expires(therapist, verifier):
    soon = CertificationFactory(therapist=therapist, expires_on=TODAY + datetime.timedelta(days=10))
    later = CertificationFactory(therapist=therapist, expires_on=TODAY + datetime.timedelta(days=400))
    forever = CertificationFactory(therapist=therapist, expires_on=None)
    _decide(soon, verifier, VERIFIED)
    assert _therapist(therapist.pk).verified_until == soon.expires_on
    _decide(later, verifier, VERIFIED)
    assert _therapist(therapist.pk).verified_until == later.expires_on
    _decide(forever, verifier, VERIFIED)
    assert _therapist(therapist.pk).verified_until == FAR_FUTURE
    verification.certification_withdraw(certification=forever)
    assert _therapist(therapist.pk).verified_until == later.expires_on


@pytest.mark.parametrize(
    "changes",
    [
        {"credential_number": "LMT-999999"},
        {"issued_on": TODAY - datetime.timedelta(days=30)},
        {"expires_on": TODAY + datetime.timedelta(days=900)},
        {"expires_on": None},
        {"title": "Board Certified Therapist"},
        {"issuing_body": "Another board"},
        {"kind": Certification.Kind.BOARD},
        {"document": True},
    ],
    ids=lambda changes: next(iter(changes)),
)
def test_certification_update_of_a_verified_one_goes_back_to_pending(certification, verifier, owner, changes):
    _decide(certification, verifier, VERIFIED, "OK")
    document = _document() if changes.pop("document", None) else None
    old_document = certification.document.name
    updated = verification.certification_update(
        certification=certification, details=_details(certification, **changes), document=document, changed_by=owner
    )
    assert updated.status == PENDING
    assert updated.decided_by is None and updated.decided_at is None and updated.decision_note == ""
    assert _therapist(certification.therapist_id).verified_until is None
    entry = CertificationDecision.objects.order_by("-id").first()
    assert entry.status == PENDING and entry.decided_by == owner and "changed" in entry.note
    if document:
        assert updated.document.name != old_document


def test_certification_update_without_changes_keeps_the_decision(certification, verifier, owner):
    _decide(certification, verifier, VERIFIED)
    updated = verification.certification_update(
        certification=certification, details=_details(certification), document=None, changed_by=owner
    )
    assert updated.status == VERIFIED
    assert CertificationDecision.objects.count() == 1


def test_certification_update_of_a_rejected_one_resubmits_it(certification, verifier, owner):
    _decide(certification, verifier, REJECTED, "Blurry.")
    updated = verification.certification_update(
        certification=certification, details=_details(certification), document=_document(), changed_by=owner
    )
    assert updated.status == PENDING


def test_certification_update_of_a_pending_one_stays_pending_without_an_audit_entry(certification, owner):
    updated = verification.certification_update(
        certification=certification, details=_details(certification, title="Renamed"), document=None, changed_by=owner
    )
    assert updated.status == PENDING and updated.title == "Renamed"
    assert not CertificationDecision.objects.exists()


def test_certification_update_replacing_the_document_deletes_the_old_file(
    certification, owner, django_capture_on_commit_callbacks
):
    from common.storage import private_storage

    old = certification.document.name
    with django_capture_on_commit_callbacks(execute=True):
        updated = verification.certification_update(
            certification=certification, details=_details(certification), document=_document(), changed_by=owner
        )
    assert not private_storage().exists(old) and private_storage().exists(updated.document.name)


def test_certification_withdraw_keeps_the_audit_trail_by_label(
    certification, verifier, django_capture_on_commit_callbacks
):
    from common.storage import private_storage

    _decide(certification, verifier, VERIFIED)
    label, document = str(certification), certification.document.name
    with django_capture_on_commit_callbacks(execute=True):
        verification.certification_withdraw(certification=certification)
    assert not Certification.objects.filter(pk=certification.pk).exists()
    entry = CertificationDecision.objects.get()
    assert entry.certification is None and entry.certification_label == label
    assert _therapist(certification.therapist_id).verified_until is None
    assert not private_storage().exists(document)


def test_certification_expiry_stops_counting_at_once(therapist, verifier):
    certification = CertificationFactory(
        therapist=therapist, issued_on=TODAY - datetime.timedelta(days=700), expires_on=TODAY
    )
    _decide(certification, verifier, VERIFIED)
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert Therapist.objects.verified(today=TODAY).filter(pk=therapist.pk).exists()
    assert not Therapist.objects.verified(today=tomorrow).filter(pk=therapist.pk).exists()
    assert list(Certification.objects.currently_verified(TODAY)) == [certification]
    assert not Certification.objects.currently_verified(tomorrow).exists()
    assert _therapist(therapist.pk).is_verified(TODAY) and not _therapist(therapist.pk).is_verified(tomorrow)


def test_dashboard_shows_each_certification_status_note_and_expiry(client, owner, therapist, verifier):
    expired = CertificationFactory(
        therapist=therapist,
        title="Old license",
        issued_on=TODAY - datetime.timedelta(days=800),
        expires_on=TODAY - datetime.timedelta(days=1),
        status=VERIFIED,
    )
    rejected = CertificationFactory(therapist=therapist, title="Hot stone course")
    _decide(rejected, verifier, REJECTED, "The certificate does not name you.")
    CertificationFactory(therapist=therapist, title="New license", expires_on=None)
    client.force_login(owner)
    html = client.get("/dashboard/").content.decode()
    assert "Old license" in html and "badge-expired" in html
    assert expired.expires_on.strftime("%Y-%m-%d") in html
    assert "The certificate does not name you." in html and "badge-rejected" in html
    assert "Awaiting verification" in html and "Never" in html


def test_certification_decide_leaves_other_therapists_badges_alone(certification, verifier):
    other = CertificationFactory(therapist=TherapistFactory(owner=UserFactory()))
    _decide(other, verifier, VERIFIED)
    assert _therapist(certification.therapist_id).verified_until is None
