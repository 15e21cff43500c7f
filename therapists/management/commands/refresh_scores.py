"""Rescore every therapist with today's credentials and the current site averages (run daily)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from therapists.models import Therapist
from therapists.selectors import site_priors
from therapists.services.scoring import compute_score

SCORE_INPUTS = [
    "score", "updated_at", "verified_until", "review_count", "rating_avg", "communication_avg",
    "cleanliness_avg", "recommend_count", "years_experience", "accepting_new_clients", "accepting_confirmed_at",
    "verified_review_count",
]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Recompute every therapist's best-match score. Writes refresh a therapist's own score at once; "
        "this catches what no write announces: a credential passing its expiry date, and the site averages "
        "that every score is weighed against. Run it daily."
    )

    def handle(self, *args, **options):
        priors = site_priors(fresh=True)
        checked = changed = 0
        for therapist in Therapist.objects.only(*SCORE_INPUTS).order_by("pk").iterator(chunk_size=2000):
            checked += 1
            score = compute_score(therapist, priors)
            if abs(score - therapist.score) < 1e-9:
                continue
            # Only if the row is unchanged since it was read: a write meanwhile has scored it already.
            changed += Therapist.objects.filter(pk=therapist.pk, updated_at=therapist.updated_at).update(
                score=score, updated_at=timezone.now()
            )
        self.stdout.write(self.style.SUCCESS(f"Checked {checked} therapists; rescored {changed}."))
