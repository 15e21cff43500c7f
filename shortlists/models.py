"""A person's shortlist of therapists, and the read-only comparisons they share with friends and family."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from common.models import LockingQuerySet
from therapists.models import Therapist

# How many therapists a shortlist holds, and how many are compared side by side.
MAX_ENTRIES = 20
MAX_COMPARED = 5
# Shared comparisons still open per person (a new one past this asks to stop sharing an older one first).
MAX_OPEN_SHARES = 10


class Shortlist(models.Model):
    """A signed-in person's shortlist; an anonymous visitor's lives in the session (shortlists.session)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shortlist")
    created_at = models.DateTimeField(default=timezone.now)

    objects = LockingQuerySet.as_manager()

    def __str__(self):
        return f"Shortlist of {self.user}"


class ShortlistEntry(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="entries")
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name_plural = "shortlist entries"
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "therapist"], name="shortlist_entry_once"),
        ]

    def __str__(self):
        return f"{self.therapist} on {self.shortlist}"


class SharedComparisonQuerySet(models.QuerySet):
    def open(self):
        return self.filter(revoked_at__isnull=True)


class SharedComparison(models.Model):
    """A read-only comparison anyone with its link may open: the therapists chosen when it was shared.

    The link's token is random (not derived from anything of the owner's) and the page shows nothing of the
    owner; `owner` is empty for a visitor who shared without an account (their session holds the link's id).
    A revoked link stays, so that its page can say it was withdrawn rather than that it never existed.
    """

    token = models.CharField(max_length=43, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="shared_comparisons"
    )
    therapists = models.ManyToManyField(Therapist, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = SharedComparisonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Shared comparison of {self.created_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.revoked_at is None
