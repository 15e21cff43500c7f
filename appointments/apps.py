"""App configuration for appointment requests: a client asks, the therapist answers; the record of a visit."""

from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointment requests"
