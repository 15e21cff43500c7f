"""Email after commit: a message leaves once its write commits, and a mail failure never undoes the write."""

import os
import socket

import pytest
from django.core import mail
from django.db import transaction

from common.email import send_email
from config.settings import base as base_settings
from therapists.models import ProfileClaim

from ..factories import ProfileClaimFactory

# Real commits and rollbacks: the message waits for the outermost transaction to commit.
pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    """Raised inside a transaction to roll it back."""


@pytest.fixture
def approved_claim():
    return ProfileClaimFactory(therapist__name="Lena Ortiz", status=ProfileClaim.Status.APPROVED)


def _send(claim, to="maria@example.com"):
    send_email(to=to, template="claim_decision", context={"claim": claim})


def test_send_email_leaves_only_after_the_commit(approved_claim, settings):
    settings.SITE_URL = "https://directory.example/"
    with transaction.atomic():
        _send(approved_claim)
        inside = len(mail.outbox)
    assert inside == 0
    (message,) = mail.outbox
    assert message.to == ["maria@example.com"]
    assert message.subject == "Your claim on the profile of Lena Ortiz was approved"
    assert "Your dashboard: https://directory.example/dashboard/" in message.body


def test_send_email_sends_nothing_when_the_write_rolls_back(approved_claim):
    with pytest.raises(Rollback), transaction.atomic():
        _send(approved_claim)
        raise Rollback
    assert mail.outbox == []


def test_send_email_to_nobody_sends_nothing(approved_claim):
    with transaction.atomic():
        _send(approved_claim, to="")
    assert mail.outbox == []


def _closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_send_email_a_mail_server_that_is_down_never_undoes_the_write(approved_claim, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 5
    with transaction.atomic():
        ProfileClaim.objects.filter(pk=approved_claim.pk).update(decision_note="Approved after a call.")
        _send(approved_claim)
    assert ProfileClaim.objects.get(pk=approved_claim.pk).decision_note == "Approved after a call."
    assert "Error calling" in caplog.text and "on_commit" in caplog.text


@pytest.mark.skipif("EMAIL_BACKEND" in os.environ, reason="the environment chooses the mail backend")
def test_send_email_goes_to_the_console_by_default():
    assert base_settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
