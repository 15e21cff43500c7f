"""App configuration for the directory's core."""

from django.apps import AppConfig


class TherapistsConfig(AppConfig):
    name = "therapists"
    verbose_name = "Directory"

    def ready(self):
        # The links' bits follow the links (therapists.term_bits); the module reaches the models.
        from .term_bits import connect

        connect()
