"""Emails as tasks (common.tasks, common.email): sent once per key, retried while the mail server is unreachable,
given up with an error in the log, and never an error in the request: without a broker, or with one that is down."""

import socket
import threading
from contextlib import contextmanager
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.urls import reverse

from common.email import send_email
from common.tasks import deliver_email, send_email_task
from config import celery_app

from ..factories import ProfileClaimFactory
from .test_email import _closed_port

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-and-unusual-password-42"
EMAIL = {
    "key": "claim_decision:7",
    "template": "claim_decision",
    "to": "maria@example.com",
    "subject": "Your claim was approved",
    "body": "Reset your password: https://directory.example/reset/MQ/secret-token/",
}


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 5


@pytest.fixture
def smtp_refusing(settings):
    """A mail server on loopback that refuses every connection for good (554); counts the connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    connections = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            connections.append(conn)
            conn.sendall(b"554 5.7.1 No mail from you\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.getsockname()[1], 5
    yield connections
    server.close()


@contextmanager
def broker_down():
    """The app as a web process with a broker that does not answer (a closed port)."""
    conf = celery_app.conf
    saved = {"broker_url": conf.broker_url, "task_always_eager": conf.task_always_eager}
    conf.update(broker_url=f"redis://127.0.0.1:{_closed_port()}/0", task_always_eager=False)
    celery_app._pool = None
    try:
        yield
    finally:
        conf.update(saved)
        celery_app._pool = None


def test_send_email_task_sends_an_email_once_per_key():
    assert send_email_task.apply(kwargs=EMAIL).get() is True
    # The broker hands the same task over again (a worker died before acknowledging it): nothing more is sent.
    assert send_email_task.apply(kwargs=EMAIL).get() is False
    (message,) = mail.outbox
    assert message.to == ["maria@example.com"] and message.subject == "Your claim was approved"


def test_send_email_task_sends_emails_of_other_keys():
    send_email_task.apply(kwargs=EMAIL)
    send_email_task.apply(kwargs={**EMAIL, "key": "claim_decision:8"})
    assert len(mail.outbox) == 2


def test_send_email_with_a_key_sends_once_and_without_one_every_time(django_capture_on_commit_callbacks):
    claim = ProfileClaimFactory(therapist__name="Lena Ortiz", user__email="lena@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            send_email(to="lena@example.com", template="claim_decision", context={"claim": claim}, key="one")
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            send_email(to="lena@example.com", template="claim_decision", context={"claim": claim})
    assert len(mail.outbox) == 3


def test_deliver_email_a_failed_send_may_be_tried_again(smtp_down, settings):
    with pytest.raises(ConnectionRefusedError):
        deliver_email(**EMAIL)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_email(**EMAIL) is True
    assert len(mail.outbox) == 1


def test_deliver_email_sends_when_the_cache_remembers_nothing(settings):
    # A cache that keeps nothing (as Redis during an outage): every delivery sends; an email is never dropped.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert deliver_email(**EMAIL) is True and deliver_email(**EMAIL) is True
    assert len(mail.outbox) == 2


def test_send_email_task_retries_an_unreachable_mail_server_then_gives_up_with_an_error(smtp_down, settings, caplog):
    result = send_email_task.apply(kwargs=EMAIL)
    assert result.failed() and isinstance(result.result, ConnectionRefusedError)
    failures = [record for record in caplog.records if record.name == "common.tasks"]
    assert [record.levelname for record in failures] == ["ERROR"]
    assert failures[0].getMessage() == (
        f"Email claim_decision:7 (claim_decision) not sent after {settings.EMAIL_RETRY_LIMIT + 1} attempts: "
        "ConnectionRefusedError"
    )
    # Neither the address nor the body (a reset link) reaches any log line, the worker's own included.
    assert "maria@example.com" not in caplog.text and "secret-token" not in caplog.text
    assert mail.outbox == []


def test_send_email_task_a_permanent_refusal_is_not_retried(smtp_refusing, caplog):
    result = send_email_task.apply(kwargs=EMAIL)
    assert result.successful() and result.result is False
    assert len(smtp_refusing) == 1
    assert "Email claim_decision:7 (claim_decision) refused by the mail server for good: SMTPConnectError" in (
        caplog.text
    )
    assert "maria@example.com" not in caplog.text


def test_send_email_task_options(settings):
    assert send_email_task.max_retries == settings.EMAIL_RETRY_LIMIT
    assert celery_app.conf.task_acks_late is True and celery_app.conf.worker_prefetch_multiplier == 1
    assert celery_app.conf.accept_content == ["json"] and celery_app.conf.task_serializer == "json"


def test_send_email_without_a_broker_sends_in_the_process_after_commit():
    assert celery_app.conf.task_always_eager is True
    with transaction.atomic():
        send_email(to="maria@example.com", template="account_login_failures", context=_alert_context())
        assert mail.outbox == []
    assert len(mail.outbox) == 1


def _alert_context() -> dict:
    user = get_user_model()(username="maria", email="maria@example.com")
    return {"user": user, "failures": 20, "minutes": 15, "reset_path": "/accounts/password/reset/"}


def test_send_email_with_the_broker_down_sends_from_the_web_process_and_logs_it(caplog):
    with broker_down(), transaction.atomic():
        send_email(to="maria@example.com", template="account_login_failures", context=_alert_context())
    assert len(mail.outbox) == 1
    (record,) = [record for record in caplog.records if record.name == "common.email"]
    assert record.levelname == "ERROR"
    assert record.getMessage().startswith("Broker unavailable (OperationalError): email account_login_failures:")
    assert "maria@example.com" not in caplog.text


@pytest.mark.parametrize("broker", ["none", "down"])
def test_sign_up_with_the_mail_server_down_still_succeeds(client, smtp_down, broker, caplog):
    data = {"username": "maria", "email": "maria@example.com", "password1": PASSWORD, "password2": PASSWORD}
    if broker == "down":
        with broker_down():
            response = client.post(reverse("signup"), data)
    else:
        response = client.post(reverse("signup"), data)
    assert response.status_code == HTTPStatus.FOUND and response.url == reverse("signup_done")
    assert get_user_model().objects.filter(username="maria").exists()
    assert "Error calling" in caplog.text and "ConnectionRefusedError" not in response.content.decode()
    assert mail.outbox == []
