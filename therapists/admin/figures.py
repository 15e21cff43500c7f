"""The verification desk's figures: a small admin page for verifiers, linked from the certification queue."""

import datetime

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse

from common.admin import NOTHING, count_phrase, day, moment, rounded

from ..desk import verification_figures
from ..permissions import can_verify


def duration(value: datetime.timedelta | None) -> str:
    """A wait as staff read it: hours to one decimal under two days, days to one decimal above ("5.3 hours")."""
    if value is None:
        return NOTHING
    hours = value.total_seconds() / 3600
    amount, unit = (hours, "hour") if hours < 48 else (hours / 24, "day")
    shown = rounded(amount, 1)
    return f"{shown} {unit}" if shown == "1.0" else f"{shown} {unit}s"


class FiguresMixin:
    """For CertificationAdmin: the figures page at <changelist>/figures/, for verifiers and superusers."""

    change_list_template = "admin/therapists/verification_queue.html"

    def get_urls(self):
        figures = path(
            "figures/",
            self.admin_site.admin_view(self.figures_view),
            name="therapists_certification_figures",
        )
        return [figures, *super().get_urls()]

    def figures_view(self, request):
        if not can_verify(request.user):
            raise PermissionDenied
        figures = verification_figures()
        queue = reverse("admin:therapists_certification_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Verification figures",
            "pending": count_phrase(figures.pending, "credential waits", "credentials wait"),
            "pending_link": f"{queue}?status__exact=pending",
            "decided": count_phrase(figures.decided, "decision", "decisions"),
            "median_wait": duration(figures.median_wait),
            "p95_wait": duration(figures.p95_wait),
            "since": moment(figures.since),
            "expiring": count_phrase(figures.expiring, "verified credential", "verified credentials"),
            "expiring_until": day(figures.until),
            "expiring_link": f"{queue}?status__exact=verified&expiry=soon",
            "rejections": [
                (label, count_phrase(count, "rejection", "rejections")) for label, count in figures.rejections
            ],
        }
        return TemplateResponse(request, "admin/therapists/verification_figures.html", context)
