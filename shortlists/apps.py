"""App configuration for the shortlist, side-by-side compare and share links."""

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class ShortlistsConfig(AppConfig):
    name = "shortlists"
    verbose_name = "Shortlists"

    def ready(self):
        # Django's pattern for receivers: the module reaches the models, which cannot load before the registry.
        from .signals import merge_on_log_in

        user_logged_in.connect(merge_on_log_in, dispatch_uid="shortlists.merge_on_log_in")
