"""List the verified certifications about to expire and email their owners, e.g. `--days 30` from a daily job."""

from django.core.management.base import BaseCommand, CommandError

from common.admin import count_phrase
from therapists.selectors import certifications_expiring
from therapists.services.certifications import notify_expiring


class Command(BaseCommand):
    help = "List verified certifications that expire within --days days (default 30) and email their owners."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="How many days ahead to look (default 30).")
        parser.add_argument("--no-email", action="store_true", help="Only list them; send no email.")

    def handle(self, *args, days, no_email, **options):
        if days < 0 or days > 3650:
            raise CommandError("--days must be between 0 and 3650.")
        certifications = list(certifications_expiring(within_days=days))
        for certification in certifications:
            therapist = certification.therapist
            owner = therapist.owner.email if therapist.owner_id and therapist.owner.email else "no owner email"
            self.stdout.write(
                f"{certification.expires_on:%Y-%m-%d}  {certification.title}  —  {therapist.name} "
                f"(certification {certification.pk}, {owner})"
            )
        emailed = 0 if no_email else notify_expiring(certifications=certifications)
        expiring = count_phrase(len(certifications), "certification expires", "certifications expire")
        window = count_phrase(days, "day", "days")
        owners = count_phrase(emailed, "owner emailed", "owners emailed")
        self.stdout.write(self.style.SUCCESS(f"{expiring} within {window}; {owners}."))
