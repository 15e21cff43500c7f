"""refresh_aggregates: compare every therapist's stored review aggregates with a fresh recomputation; repair drift.

The command and the service it repairs through share the name: reviews.services.refresh_aggregates.
"""

import math

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reviews.selectors import all_aggregates, compute_aggregates
from reviews.services import refresh_aggregates
from therapists.models import Therapist

COMPARED_FIELDS = list(Therapist.REVIEW_AGGREGATE_FIELDS)
# Averages are floats summed in a different order by each database; smaller gaps are not drift.
TOLERANCE = 1e-9


def _differs(stored, fresh) -> bool:
    if stored is None or fresh is None:
        return stored is not fresh
    return not math.isclose(stored, fresh, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


EMPTY = dict.fromkeys(COMPARED_FIELDS) | {"review_count": 0, "recommend_count": 0, "verified_review_count": 0}


class Command(BaseCommand):
    help = (
        "Recompute each therapist's review count, averages and recommend share from its visible reviews. "
        "With --check, only report drift (exit status 1 when there is any); without, repair it and the score."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Report drift without changing anything.")

    def _confirmed_gaps(self, therapist_id: int) -> list[str]:
        """Compare again under the therapist's row lock, so a review written meanwhile is not reported as drift."""
        with transaction.atomic():
            therapist = Therapist.objects.lock(therapist_id)
            expected = compute_aggregates(therapist_id)
        return [
            f"{field} {getattr(therapist, field)!r} ≠ {expected[field]!r}"
            for field in COMPARED_FIELDS
            if _differs(getattr(therapist, field), expected[field])
        ]

    def handle(self, *args, check, **options):
        fresh = all_aggregates()
        drifted = []
        checked = 0
        for therapist in Therapist.objects.only("pk", "slug", *COMPARED_FIELDS).order_by("pk").iterator(2000):
            checked += 1
            expected = fresh.get(therapist.pk, EMPTY)
            if any(_differs(getattr(therapist, field), expected[field]) for field in COMPARED_FIELDS):
                gaps = self._confirmed_gaps(therapist.pk)
            else:
                gaps = []
            if gaps:
                drifted.append(therapist.pk)
                self.stdout.write(f"{therapist.slug}: {'; '.join(gaps)}")
        if check:
            if drifted:
                raise CommandError(f"{len(drifted)} of {checked} therapists have drifted aggregates.")
            self.stdout.write(self.style.SUCCESS(f"All {checked} therapists' aggregates match their reviews."))
            return
        for therapist_id in drifted:
            # Each repair locks and recomputes in its own transaction, like any review write.
            refresh_aggregates(therapist_id=therapist_id)
        self.stdout.write(self.style.SUCCESS(f"Checked {checked} therapists; repaired {len(drifted)}."))
