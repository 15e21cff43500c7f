"""ask_about_visits: ask the clients of visits the therapist left unrecorded whether they took place (run daily)."""

from django.core.management.base import BaseCommand

from appointments.services import OUTCOME_QUESTION_DAYS, ask_clients_about_visits


class Command(BaseCommand):
    help = (
        f"Email the client of every accepted visit whose agreed time passed more than {OUTCOME_QUESTION_DAYS} days "
        "ago without the therapist saying whether it took place, and let them answer from their requests. "
        "Each client is asked once; running it again asks nobody twice. Run it daily."
    )

    def handle(self, *args, **options):
        asked = ask_clients_about_visits()
        self.stdout.write(self.style.SUCCESS(f"Asked {asked} client{'' if asked == 1 else 's'} about their visit."))
