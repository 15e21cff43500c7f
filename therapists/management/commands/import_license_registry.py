"""Load one state board's license roster from a CSV file (docs/license-registry.md) and print the import's report."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from therapists.services.registry import RosterError, roster_import

# Refusals printed in full; the rest are counted (the admin's report keeps the first few hundred).
PRINTED_REFUSALS = 50


class Command(BaseCommand):
    help = "Import a state's license roster (CSV: state,license_number,name,status,issued_on,expires_on)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The roster's CSV file, UTF-8.")
        parser.add_argument("--state", required=True, help="The state the roster is for, e.g. CO.")
        parser.add_argument("--by", default="", help="Username of the staff member importing it (audit trail).")

    def handle(self, *args, path, state, by, **options):
        importer = None
        if by:
            importer = get_user_model().objects.filter(username=by).first()
            if importer is None:
                raise CommandError(f"No user named {by!r}.")
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        try:
            roster = roster_import(state=state, data=data, source_name=Path(path).name, imported_by=importer)
        except RosterError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"{roster.region} roster: {roster.rows_read} rows read; {roster.added} added, {roster.changed} changed, "
            f"{roster.unchanged} unchanged, {roster.refused} refused; {roster.withdrawn} verified licenses withdrawn."
        )
        for refusal in roster.refusals[:PRINTED_REFUSALS]:
            self.stdout.write(f"  line {refusal['line']}: {refusal['reason']}")
        if roster.refused > PRINTED_REFUSALS:
            self.stdout.write(f"  … and {roster.refused - PRINTED_REFUSALS} more refused rows.")
