"""The daily jobs as periodic tasks (therapists.tasks, appointments.tasks), run eagerly: each run twice sends no
second email and writes nothing more; the scheduler names each of them."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from appointments.models import AppointmentRequest
from appointments.services import OUTCOME_QUESTION_DAYS
from appointments.tasks import ask_about_visits
from config import celery_app
from therapists.models import Certification, Therapist
from therapists.services.scoring import compute_score
from therapists.tasks import refresh_scores, remind_expiring_certifications

from ..appointments.helpers import confirmed_account, request_in
from ..factories import CertificationFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_beat_schedule_runs_every_daily_job_once_a_day():
    celery_app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {entry["task"] for entry in schedule.values()} == {
        "therapists.tasks.refresh_scores",
        "therapists.tasks.remind_expiring_certifications",
        "appointments.tasks.ask_about_visits",
    }
    for entry in schedule.values():
        assert entry["task"] in celery_app.tasks
        # Once a day: at one hour and minute, every day of every month.
        assert len(entry["schedule"].hour) == 1 and len(entry["schedule"].minute) == 1
        assert len(entry["schedule"].day_of_month) == 31 and len(entry["schedule"].day_of_week) == 7


def test_remind_expiring_certifications_twice_emails_each_owner_once(today):
    owner = UserFactory(username="expiring", email="expiring@example.com")
    therapist = TherapistFactory(owner=owner, name="Erin Expiring")
    soon = today + datetime.timedelta(days=10)
    CertificationFactory(therapist=therapist, title="State license", status="verified", expires_on=soon)
    CertificationFactory(therapist=therapist, title="Thai cert", status="verified", expires_on=soon)
    CertificationFactory(status="verified", expires_on=soon, therapist__owner=UserFactory(email="other@example.com"))
    assert remind_expiring_certifications.delay().get() == 2
    assert remind_expiring_certifications.delay().get() == 0
    assert sorted(message.to[0] for message in mail.outbox) == ["expiring@example.com", "other@example.com"]
    assert Certification.objects.filter(expiry_reminder_sent_for=soon).count() == 3


def test_refresh_scores_twice_rescores_once(today, caplog):
    lapsed = TherapistFactory(verified_until=today - datetime.timedelta(days=1))
    stale = compute_score(TherapistFactory.build(verified_until=today + datetime.timedelta(days=30)))
    Therapist.objects.filter(pk=lapsed.pk).update(score=stale)
    caplog.set_level("INFO", logger="therapists.tasks")
    refresh_scores.delay()
    after_first = Therapist.objects.values_list("score", "updated_at").get(pk=lapsed.pk)
    refresh_scores.delay()
    assert Therapist.objects.values_list("score", "updated_at").get(pk=lapsed.pk) == after_first
    assert after_first[0] < stale
    messages = [record.getMessage() for record in caplog.records if record.name == "therapists.tasks"]
    assert messages == [
        "refresh_scores: Checked 1 therapists; rescored 1.",
        "refresh_scores: Checked 1 therapists; rescored 0.",
    ]
    assert mail.outbox == []


def test_ask_about_visits_twice_asks_each_client_once():
    therapist = TherapistFactory(owner=confirmed_account(username="owner"), name="Lena Ortiz")
    past = timezone.now() - datetime.timedelta(days=OUTCOME_QUESTION_DAYS + 1)
    visit = request_in(
        AppointmentRequest.Status.ACCEPTED, client=confirmed_account(username="maria"), therapist=therapist
    )
    AppointmentRequest.objects.filter(pk=visit.pk).update(agreed_at=past)
    assert ask_about_visits.delay().get() == 1
    assert ask_about_visits.delay().get() == 0
    (message,) = mail.outbox
    assert message.to == ["maria@example.com"]
    assert AppointmentRequest.objects.filter(outcome_asked_at__isnull=False).count() == 1
