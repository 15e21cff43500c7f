"""Appointment requests in the admin: read only, for staff to look into a complaint; every change goes through
the site, by the client or the therapist. The client's health notes are never shown here."""

from django.contrib import admin

from .models import AppointmentRequest


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(admin.ModelAdmin):
    list_display = ("therapist", "client", "status", "created_at", "answered_at", "agreed_at")
    list_filter = ("status",)
    search_fields = ("therapist__name", "client__username", "client__email")
    list_select_related = ("therapist", "client")
    date_hierarchy = "created_at"
    # Health notes are the client's, shared with one therapist: staff see that there are some, not what.
    exclude = ("precautions",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "precautions"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
