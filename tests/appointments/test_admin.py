"""The requests desk: read only (changes go through the site), and the client's health notes stay out of it."""

import pytest
from django.contrib.admin import AdminSite
from django.test import RequestFactory

from appointments.admin import AppointmentRequestAdmin
from appointments.models import AppointmentRequest

pytestmark = pytest.mark.django_db


def test_the_desk_is_read_only_and_never_shows_health_notes(superuser):
    desk = AppointmentRequestAdmin(AppointmentRequest, AdminSite())
    request = RequestFactory().get("/")
    request.user = superuser
    stored = {field.name for field in AppointmentRequest._meta.fields}
    assert set(desk.get_readonly_fields(request)) == stored - {"precautions"}
    assert "precautions" in desk.exclude
    assert not desk.has_add_permission(request)
    assert not desk.has_delete_permission(request)
