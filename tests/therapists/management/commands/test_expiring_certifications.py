"""The expiring_certifications command: lists what is about to expire and emails the owners."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from therapists.models import Certification
from therapists.selectors import certifications_expiring
from therapists.services.certifications import notify_expiring

from ....factories import CertificationFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def expiring_certifications(today):
    """Verified, pending and never-expiring credentials of one owner, and one of a profile nobody owns."""

    def _in(days):
        return today + datetime.timedelta(days=days)

    owner = UserFactory(username="expiring", email="expiring@example.com")
    therapist = TherapistFactory(owner=owner, name="Erin Expiring")
    return {
        "soon": CertificationFactory(therapist=therapist, title="State license", status="verified", expires_on=_in(10)),
        "today": CertificationFactory(therapist=therapist, title="Thai cert", status="verified", expires_on=today),
        "later": CertificationFactory(therapist=therapist, title="Board cert", status="verified", expires_on=_in(45)),
        "pending": CertificationFactory(therapist=therapist, title="Pending cert", expires_on=_in(5)),
        "never": CertificationFactory(therapist=therapist, title="Forever", status="verified", expires_on=None),
        "unowned": CertificationFactory(title="Unowned license", status="verified", expires_on=_in(3)),
    }


def _run(*args):
    out = StringIO()
    call_command("expiring_certifications", *args, stdout=out)
    return out.getvalue()


def test_expiring_certifications_lists_those_about_to_expire_and_emails_owners(
    expiring_certifications, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = _run("--days", "30")
    assert "State license" in output and "Thai cert" in output and "Unowned license" in output
    assert "Board cert" not in output and "Pending cert" not in output and "Forever" not in output
    assert "3 certifications expire within 30 days; 1 owner emailed." in output
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["expiring@example.com"]
    assert "State license" in message.body and "Thai cert" in message.body and "Board cert" not in message.body


def test_expiring_certifications_no_email_only_lists(expiring_certifications, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = _run("--days", "60", "--no-email")
    assert "Board cert" in output and mail.outbox == []
    assert "4 certifications expire within 60 days; 0 owners emailed." in output


def test_expiring_certifications_message_says_one_in_the_singular(today, django_capture_on_commit_callbacks):
    CertificationFactory(status="verified", expires_on=today + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        output = _run("--days", "1")
    assert "1 certification expires within 1 day; 0 owners emailed." in output and "(s)" not in output


def test_expiring_certifications_refuses_negative_days(db):
    with pytest.raises(CommandError):
        _run("--days", "-1")


def test_expiring_certifications_run_again_sends_no_second_email(
    expiring_certifications, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _run("--days", "30")
    with django_capture_on_commit_callbacks(execute=True):
        output = _run("--days", "30")
    assert "3 certifications expire within 30 days; 0 owners emailed." in output
    assert len(mail.outbox) == 1
    soon, today_cert = expiring_certifications["soon"], expiring_certifications["today"]
    soon.refresh_from_db()
    today_cert.refresh_from_db()
    assert (
        soon.expiry_reminder_sent_for == soon.expires_on
        and today_cert.expiry_reminder_sent_for == today_cert.expires_on
    )


def test_expiring_certifications_a_wider_window_reminds_only_of_what_is_new(
    expiring_certifications, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _run("--days", "30")
        output = _run("--days", "60")
    assert "4 certifications expire within 60 days; 1 owner emailed." in output
    first, second = mail.outbox
    assert "State license" in first.body and "Board cert" not in first.body
    assert "Board cert" in second.body and "State license" not in second.body


def test_expiring_certifications_a_new_expiry_date_is_reminded_of_again(
    expiring_certifications, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _run("--days", "30")
    soon = expiring_certifications["soon"]
    # The date was corrected (by staff, say) to another date still within the window: a reminder of the new date.
    Certification.objects.filter(pk=soon.pk).update(expires_on=today + datetime.timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        output = _run("--days", "30")
    assert "1 owner emailed" in output
    assert len(mail.outbox) == 2 and "State license" in mail.outbox[1].body and "Thai cert" not in mail.outbox[1].body


def test_expiring_certifications_an_unowned_profile_is_not_marked_reminded(
    expiring_certifications, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _run("--days", "30")
    unowned = Certification.objects.get(pk=expiring_certifications["unowned"].pk)
    # Nobody was told: once the profile is claimed, its owner is reminded.
    assert unowned.expiry_reminder_sent_for is None


def test_notify_expiring_queries(
    expiring_certifications, django_assert_num_queries, django_capture_on_commit_callbacks
):
    certifications = list(certifications_expiring(within_days=30))
    # Per therapist: a savepoint, its row locked, the owner, the certifications due, their update, the release;
    # the unowned profile stops after its owner check (savepoint, lock, release).
    with django_assert_num_queries(9), django_capture_on_commit_callbacks(execute=False):
        assert notify_expiring(certifications=certifications) == 1
