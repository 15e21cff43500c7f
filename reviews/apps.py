"""App configuration for client reviews."""

from django.apps import AppConfig

from appointments.signals import visit_took_place


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self):
        # Django's pattern for receivers: the module reaches the models, which cannot load before the registry.
        from .receivers import invite_to_review

        visit_took_place.connect(invite_to_review, dispatch_uid="reviews.invite_to_review")
