"""Tasks through the real broker to a real worker (a subprocess): an email queued at commit, a periodic task run
twice, and a mail server that stays down (retries, then an error in the worker's log)."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from common.email import send_email
from therapists.models import Certification
from therapists.tasks import refresh_scores, remind_expiring_certifications

from ..common.test_email import _closed_port
from ..factories import CertificationFactory, ProfileClaimFactory, TherapistFactory, UserFactory
from .conftest import publishing_to, sent_emails

# Real commits: the worker reads the rows from its own connection.
pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def test_send_email_is_queued_at_commit_and_sent_by_the_worker(broker, start_worker):
    worker, outbox = start_worker()
    claim = ProfileClaimFactory(therapist__name="Lena Ortiz", status="approved", user__email="lena@example.com")
    with publishing_to(broker), transaction.atomic():
        send_email(to="lena@example.com", template="claim_decision", context={"claim": claim})
        assert broker["client"].llen(broker["queue"]) == 0
    worker.finished("common.tasks.send_email_task")
    (message,) = sent_emails(outbox)
    assert "To: lena@example.com" in message
    assert "Subject: Your claim on the profile of Lena Ortiz was approved" in message
    worker.wait_for("common.tasks.send_email_task[", " received")
    # The worker's log (its JSON lines carry the task's arguments as shown) never says to whom or what it says.
    assert "lena@example.com" not in "\n".join(worker.lines) and "Lena Ortiz" not in "\n".join(worker.lines)


def test_periodic_tasks_run_twice_by_the_worker_email_once(broker, start_worker):
    worker, outbox = start_worker()
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=10)
    therapist = TherapistFactory(owner=UserFactory(email="erin@example.com"), name="Erin Expiring")
    CertificationFactory(therapist=therapist, title="State license", status="verified", expires_on=soon)
    with publishing_to(broker):
        for _ in range(2):
            remind_expiring_certifications.delay()
            refresh_scores.delay()
    worker.finished("therapists.tasks.remind_expiring_certifications", count=2)
    worker.finished("therapists.tasks.refresh_scores", count=2)
    (message,) = sent_emails(outbox)
    assert "To: erin@example.com" in message and "State license" in message
    assert Certification.objects.get(therapist=therapist).expiry_reminder_sent_for == soon
    for summary, runs in [
        ("remind_expiring_certifications: 1 expiring, 1 owners emailed", 1),
        ("remind_expiring_certifications: 1 expiring, 0 owners emailed", 1),
    ]:
        assert len(worker.wait_for(summary)) == runs
    # The first run may rescore the new profile; the second finds nothing to change.
    assert "rescored 0." in worker.wait_for("refresh_scores: Checked 1 therapists; rescored", count=2)[1]


def test_worker_retries_an_unreachable_mail_server_then_logs_an_error(broker, start_worker):
    worker, outbox = start_worker(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(_closed_port()),
        EMAIL_RETRY_LIMIT="2",
        EMAIL_RETRY_BACKOFF_SECONDS="1",
    )
    claim = ProfileClaimFactory(therapist__name="Lena Ortiz", status="approved", user__email="lena@example.com")
    with publishing_to(broker), transaction.atomic():
        send_email(to="lena@example.com", template="claim_decision", context={"claim": claim})
    (error,) = worker.wait_for("not sent after 3 attempts: ConnectionRefusedError")
    assert "claim_decision" in error
    assert len(worker.wait_for(" retry: ", count=2)) == 2
    assert sent_emails(outbox) == [] and "lena@example.com" not in "\n".join(worker.lines)
