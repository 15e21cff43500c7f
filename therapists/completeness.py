"""What a therapist's profile still lacks, in the order clients look at a profile, each with why and where to fix it.

Completeness is advice to the therapist, never a ranking input: therapists.ranking weighs only the facts its
documented formula names (the Verified badge among them), so a fuller profile does not buy a higher place.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse

from .models import Certification, OpeningPeriod, Service, Therapist

# What counts as a bio clients can judge rapport from: a few sentences on training, approach and who they help.
BIO_MIN_CHARACTERS = 200


@dataclass(frozen=True)
class Item:
    """One thing the profile lacks: what, why it matters to clients (one line), and the page that fixes it."""

    key: str
    label: str
    why: str
    url: str
    action: str


def _facts(therapist: Therapist) -> dict:
    """Whether the profile lists services, hours, and a license waiting for verification: one query."""
    own = {"therapist": OuterRef("pk")}
    return (
        Therapist.objects.filter(pk=therapist.pk)
        .annotate(
            has_services=Exists(Service.objects.filter(**own)),
            has_hours=Exists(OpeningPeriod.objects.filter(**own)),
            license_pending=Exists(
                Certification.objects.pending().filter(
                    **own, kind__in=[Certification.Kind.LICENSE, Certification.Kind.BOARD]
                )
            ),
        )
        .values("has_services", "has_hours", "license_pending")
        .get()
    )


def _license_item(license_pending: bool) -> Item:
    if license_pending:
        return Item(
            "license",
            "A verified license: yours is awaiting verification",
            "Our staff are checking it; clients see the Verified badge as soon as they confirm it.",
            reverse("dashboard:home") + "#certifications-heading",
            "See your certifications",
        )
    return Item(
        "license",
        "A verified license",
        "It is the first thing clients check: the Verified badge shows once our staff confirm your state license.",
        reverse("dashboard:certification_create"),
        "Add your license",
    )


def missing_items(therapist: Therapist) -> list[Item]:
    """What the profile lacks, in the order clients look: photo, license, services, hours, bio. Empty when complete."""
    facts = _facts(therapist)
    items = []
    if not therapist.photo:
        items.append(
            Item(
                "photo",
                "A photo of you",
                "Clients choose someone they can picture; a face makes the first call easier.",
                reverse("dashboard:photo"),
                "Upload a photo",
            )
        )
    if not therapist.is_verified():
        items.append(_license_item(facts["license_pending"]))
    if not facts["has_services"]:
        items.append(
            Item(
                "services",
                "Your services and prices",
                "Clients compare what a session costs, by type and length, before they get in touch.",
                reverse("dashboard:services"),
                "Add your services",
            )
        )
    if not facts["has_hours"] and not therapist.by_appointment:
        items.append(
            Item(
                "hours",
                "Your opening hours, or “by appointment”",
                "Clients plan a visit around when you are open.",
                reverse("dashboard:hours"),
                "Add your hours",
            )
        )
    bio_length = len(therapist.bio.strip())
    if bio_length < BIO_MIN_CHARACTERS:
        written = f" (yours has {bio_length})" if bio_length else ""
        items.append(
            Item(
                "bio",
                f"A bio of at least {BIO_MIN_CHARACTERS} characters{written}",
                "Your training, your approach and who you help best: how clients judge rapport before they meet you.",
                reverse("dashboard:profile_edit"),
                "Write your bio",
            )
        )
    return items
