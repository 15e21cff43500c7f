"""Fill the database with realistic demo therapists, credentials and reviews, and the demo logins."""

import random
import secrets
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from faker import Faker

from demo import reviews as review_demo
from demo import roster as roster_demo
from demo import therapists as therapist_demo
from therapists.models import Specialty, Therapist
from therapists.selectors import site_priors

DEMO_ACCOUNTS = [
    # username, role shown, is_staff, is_superuser, group
    ("admin", "Administrator (superuser)", True, True, None),
    ("verifier", "Verifier (reviews certifications in the admin)", True, False, "Verifiers"),
    ("therapist", "Therapist (owns a profile, uses /dashboard/)", False, False, None),
    ("client", "Client (leaves reviews)", False, False, None),
]


class Command(BaseCommand):
    help = "Create demo therapists (with photos, certifications in every state, reviews) and demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--therapists", type=int, default=200, help="How many therapists (default 200).")
        parser.add_argument(
            "--reviews", type=int, default=None, help="How many reviews in all (default: 8 per therapist)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--photos", type=int, default=300, help="Generate photos for at most this many.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only add data when there are no therapists yet; logins are always (re)issued.",
        )
        parser.add_argument("--no-logins", action="store_true", help="Do not create or reset the demo logins.")

    def handle(self, *args, therapists, reviews, seed, photos, if_empty, no_logins, **options):
        if therapists < 0 or (reviews is not None and reviews < 0):
            raise CommandError("--therapists and --reviews must not be negative.")
        if if_empty and Therapist.objects.exists():
            self.stdout.write("Demo data already present; not adding more.")
        else:
            self._seed(therapists, 8 * therapists if reviews is None else reviews, seed, photos)
        if not no_logins:
            self._logins()

    def _seed(self, count: int, review_total: int, seed: int, photos: int):
        started = time.perf_counter()
        rng = random.Random(seed)
        fake = Faker("en_US")
        fake.seed_instance(seed)
        existing = set(Therapist.objects.values_list("slug", flat=True))
        try:
            plans = therapist_demo.plan_therapists(count=count, rng=rng, fake=fake, existing_slugs=existing)
        except ValueError as error:
            raise CommandError(str(error)) from error
        specialty_ids = list(Specialty.objects.values_list("pk", flat=True))
        review_plans = review_demo.plan_reviews(plans, total=review_total, rng=rng, specialty_ids=specialty_ids)
        therapist_demo.score_plans(plans)
        therapist_demo.insert_plans(plans, photos=photos, rng=rng)
        inserted = review_demo.insert_reviews(plans, review_plans, rng=rng)
        review_demo.insert_replies_and_flags(inserted, rng=rng)
        roster_demo.seed_rosters(seed=seed)
        site_priors(fresh=True)
        # Fresh planner statistics after a bulk load: without them SQLite guesses that
        # status = 'published' is selective and picks that index over coordinates or sort keys.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(plans)} therapists and {inserted} reviews in {time.perf_counter() - started:.1f}s."
            )
        )

    def _logins(self):
        User = get_user_model()
        lines = []
        for username, role, is_staff, is_superuser, group in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
            user.is_staff, user.is_superuser = is_staff, is_superuser
            # Demo addresses receive no mail: count them as confirmed, so the client can review at once.
            user.email_confirmed_at = user.email_confirmed_at or timezone.now()
            user.set_password(password)
            user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            lines.append(f"  {username:<10} {password:<18} {role}")
        owner = User.objects.get(username="therapist")
        if not Therapist.objects.filter(owner=owner).exists():
            profile = Therapist.objects.published().filter(owner__isnull=True).order_by("pk").first()
            if profile:
                profile.owner = owner
                profile.save(update_fields=["owner"])
        self.stdout.write("Demo logins (passwords are new on every run):")
        self.stdout.write("\n".join(lines))
