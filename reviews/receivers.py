"""What the reviews app does when another app tells it something (connected in apps.ReviewsConfig.ready)."""

from . import invitations


def invite_to_review(sender, visit, **kwargs) -> None:
    """A visit took place (appointments.signals.visit_took_place): its client is invited to review, in the same
    transaction, so the outcome is never recorded without its invitation."""
    invitations.invitation_issue(visit=visit)
