"""The therapist's own profile: create, edit, publish; where they practise and how clients pay; and deleting
profiles with everything they hold.

Writes that touch a therapist lock its row first (Therapist.objects.lock), as review and credential
writes do, so they serialise instead of deadlocking on PostgreSQL.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from common.email import send_email
from common.files import delete_stored_files
from common.forms import dataclass_from_form
from common.storage import private_storage

from ..models import MAX_TRAVEL_RADIUS_KM, Amenity, Certification, FocusArea, Language, Place, Specialty, Therapist
from ..places import NEARBY_KM, US_REGION_CODES, Origin, practice_place, within_radius
from ..selectors import GENERATION_CACHE_KEY
from .certifications import document_in_use
from .offerings import services_drop_unoffered
from .photos import photo_in_use, photo_storage
from .scoring import therapist_refresh_credentials, therapist_refresh_score

HAS_PROFILE_MESSAGE = "You already have a profile."
SUSPENDED_MESSAGE = (
    "This profile is suspended by our staff, so it cannot be published or unpublished here. Please contact us."
)
OWNERS_CHOICE_MESSAGE = (
    "Whether an owned profile is published is its owner's choice: staff may suspend it or lift a suspension."
)
SLUG_ATTEMPTS = 5


@dataclass(frozen=True, kw_only=True)
class ProfileDetails:
    """What a therapist says about their practice: every field they may edit themselves."""

    name: str
    city: str
    headline: str = ""
    bio: str = ""
    gender: str = ""
    years_experience: int = 0
    region: str = ""
    postal_code: str = ""
    accepting_new_clients: bool = True
    hypoallergenic_products: bool = False
    phone: str = ""
    email: str = ""
    website: str = ""
    # The to-many links, Therapist.PROFILE_LINK_FIELDS.
    specialties: Sequence[Specialty] = ()
    focus_areas: Sequence[FocusArea] = ()
    languages: Sequence[Language] = ()
    amenities: Sequence[Amenity] = ()

    @classmethod
    def from_form(cls, cleaned_data: dict) -> "ProfileDetails":
        return dataclass_from_form(cls, cleaned_data)


# The profile's own columns (its links are set apart): what ProfileDetails carries. Not price_60, which the menu of
# services keeps (services.offerings), nor travels_to_client, which the "where and payment" page sets with its radius.
PROFILE_COLUMNS = tuple(
    name
    for name in Therapist.PROFILE_FIELDS
    if name not in Therapist.PROFILE_LINK_FIELDS and name in ProfileDetails.__dataclass_fields__
)
PLACE_FIELDS = ("place", "country", "latitude", "longitude")


def _apply_profile(therapist: Therapist, details: ProfileDetails) -> None:
    for name in PROFILE_COLUMNS:
        setattr(therapist, name, getattr(details, name))
    # What is shown and where the map puts it come from one gazetteer entry (places.practice_place).
    resolved = practice_place(city=details.city, region=details.region, postal_code=details.postal_code)
    place = resolved.place
    therapist.city = resolved.city[: Therapist._meta.get_field("city").max_length]
    therapist.region = resolved.region[: Therapist._meta.get_field("region").max_length]
    therapist.place = place
    therapist.country = place.country
    therapist.latitude = place.latitude
    therapist.longitude = place.longitude


def _set_profile_links(therapist: Therapist, details: ProfileDetails) -> None:
    for name in Therapist.PROFILE_LINK_FIELDS:
        getattr(therapist, name).set(getattr(details, name))


# Paths under /therapists/ that come before a profile's <slug>/ in therapists/urls.py: no profile may take them.
RESERVED_SLUGS = frozenset({"places"})


def _slug_candidates(name: str):
    base = slugify(name)[:120].strip("-") or "therapist"
    # Only the base and its numbered forms: a short base ("a") must not read thousands of slugs.
    numbered = Q(slug=base) | Q(slug__regex=rf"^{re.escape(base)}-[0-9]+$")
    taken = set(Therapist.objects.filter(numbered).values_list("slug", flat=True)) | RESERVED_SLUGS
    number = 1
    while True:
        candidate = base if number == 1 else f"{base}-{number}"
        if candidate not in taken:
            yield candidate
        number += 1


def therapist_create(
    *, owner: AbstractBaseUser | None, details: ProfileDetails, status: str = Therapist.Status.DRAFT
) -> Therapist:
    """A new profile owned by the user, as a draft until they publish it; its slug is unique.

    Without an owner it is a listing staff add in the admin (status as they choose), which a therapist claims.
    """
    with transaction.atomic():
        if owner is not None and Therapist.objects.filter(owner=owner).exists():
            raise ValidationError(HAS_PROFILE_MESSAGE, code="has_profile")
        therapist = Therapist(owner=owner, status=status)
        _apply_profile(therapist, details)
        # Created with the box ticked is confirmed now (the column's default); unticked, it never was.
        if not details.accepting_new_clients:
            therapist.accepting_confirmed_at = None
        therapist.slug = "pending"
        therapist.full_clean(exclude=["slug", "owner"])
        for attempt, slug in enumerate(_slug_candidates(details.name)):
            therapist.slug = slug
            try:
                # A savepoint: a concurrent sign-up may take the slug (or this owner) first.
                with transaction.atomic():
                    therapist.save(force_insert=True)
                break
            except IntegrityError:
                therapist.pk = None
                if owner is not None and Therapist.objects.filter(owner=owner).exists():
                    raise ValidationError(HAS_PROFILE_MESSAGE, code="has_profile") from None
                if attempt >= SLUG_ATTEMPTS:
                    raise
        _set_profile_links(therapist, details)
        therapist_refresh_score(therapist=therapist)
    return therapist


def therapist_update_profile(*, therapist: Therapist, details: ProfileDetails) -> Therapist:
    """Save the therapist's own edits; the score follows, since experience is one of its inputs, and so does
    the Verified badge when the practice state changes (it rests on a license from that state). A type of
    massage taken off drops its services from the menu, and the 60-minute price follows.

    Saving with "accepting new clients" ticked confirms it (accepting_confirmed_at): the box is on the form the
    therapist just reviewed and sent. Unticked, the last confirmation stays; it counts only while accepting."""
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
        region_before = locked.region
        _apply_profile(locked, details)
        if details.accepting_new_clients:
            locked.accepting_confirmed_at = timezone.now()
        locked.full_clean(exclude=["slug", "owner"])
        # Only the therapist's fields: review aggregates written meanwhile must not be overwritten.
        locked.save(update_fields=[*PROFILE_COLUMNS, *PLACE_FIELDS, "accepting_confirmed_at", "updated_at"])
        _set_profile_links(locked, details)
        services_drop_unoffered(therapist=locked)
        if locked.region.upper() != region_before.upper():
            therapist_refresh_credentials(therapist=locked)
        else:
            therapist_refresh_score(therapist=locked)
    return locked


def therapist_confirm_accepting(*, therapist: Therapist, accepting: bool) -> Therapist:
    """The therapist says, in one click on the dashboard, whether they take new clients now: confirming that they
    do, or switching it off or on, which is as much a confirmation. The `accepting` filter and the ranking count
    it for ACCEPTING_CONFIRMATION_DAYS from now; the score follows at once, and updated_at moves, since it
    versions the search's cached counts."""
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
        locked.accepting_new_clients = accepting
        locked.accepting_confirmed_at = timezone.now()
        locked.save(update_fields=["accepting_new_clients", "accepting_confirmed_at", "updated_at"])
        therapist_refresh_score(therapist=locked)
    return locked


def therapist_set_published(*, therapist: Therapist, published: bool) -> Therapist:
    """Publish or unpublish one's own profile; a suspended profile stays suspended."""
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
        if locked.status == Therapist.Status.SUSPENDED:
            raise ValidationError(SUSPENDED_MESSAGE, code="suspended")
        locked.status = Therapist.Status.PUBLISHED if published else Therapist.Status.DRAFT
        locked.save(update_fields=["status", "updated_at"])
    return locked


@dataclass(frozen=True, kw_only=True)
class PracticeDetails:
    """Where the therapist sees clients and how clients pay: the "where and payment" page, written as one."""

    street_address: str = ""
    show_address: bool = False
    travels_to_client: bool = False
    travel_radius_km: int | None = None
    accepts_cash: bool = False
    accepts_card: bool = False
    accepts_hsa_fsa: bool = False
    gives_hsa_receipts: bool = False
    sells_gift_cards: bool = False
    cancellation_policy: str = ""


PRACTICE_COLUMNS = tuple(PracticeDetails.__dataclass_fields__)
# The page asks for the radius in the site's unit (miles on a US site) under this name, so the errors about the
# radius are keyed by it and show beside that field; the service itself stores kilometres.
RADIUS_FIELD = "travel_radius"
CANCELLATION_POLICY_LENGTH = Therapist._meta.get_field("cancellation_policy").max_length
STREET_ADDRESS_LENGTH = Therapist._meta.get_field("street_address").max_length
# A US ZIP code (ZIP+4 too), and a state's two-letter code where addresses put it: before a ZIP code, or last
# after a comma ("..., Boulder, CO 80302", "..., CO"). Capitals only: "Ne" or "co" in a street name is no state.
_ZIP_CODE = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
_STATE_CODE = re.compile(r"\b([A-Z]{2})\s+\d{5}(?:-\d{4})?\b|,\s*([A-Z]{2})\s*$")


def _zip_code_in_practice_place(therapist: Therapist, code: str) -> bool:
    """Whether a ZIP code typed in the street line is the practice's: its postal code when the profile has one,
    else a gazetteer entry of that code in the practice's state and near its position (places.NEARBY_KM)."""
    if therapist.postal_code:
        return code == therapist.postal_code.strip()[:5]
    places = Place.objects.filter(postal_code=code, country=therapist.country)
    if therapist.region:
        places = places.filter(region__iexact=therapist.region)
    if therapist.latitude is None or therapist.longitude is None:
        return places.exists()
    return within_radius(places, Origin(therapist.latitude, therapist.longitude, ""), NEARBY_KM).exists()


def _street_address_errors(therapist: Therapist, street: str) -> str | None:
    """The street line must not contradict the place the profile's city, state and postal code give: the map,
    the distance search and "open now" all read that place."""
    if "\n" in street or "\r" in street:
        return "Write the street address on one line; your city, state and postal code come from your profile."
    if len(street) > STREET_ADDRESS_LENGTH:
        return f"Keep the street address under {STREET_ADDRESS_LENGTH} characters."
    if therapist.country != "US":
        return None
    fix = "change your city on the profile page or fix the address."
    where = therapist.location_label
    for found in _ZIP_CODE.finditer(street):
        if not _zip_code_in_practice_place(therapist, found[1]):
            return f"The ZIP code {found[1]} is not in {where}; {fix}"
    region = therapist.region.strip().upper()
    for found in _STATE_CODE.finditer(street):
        state = found[1] or found[2]
        if region and state in US_REGION_CODES and state != region:
            return f"This address names the state {state}, but your practice is in {where}; {fix}"
    return None


def check_practice(*, therapist: Therapist, practice: PracticeDetails) -> dict[str, str]:
    """What is wrong with where and how a therapist practises, by the field the page shows it beside."""
    errors = {}
    street = practice.street_address.strip()
    if street_error := _street_address_errors(therapist, street):
        errors["street_address"] = street_error
    if practice.show_address and not street:
        errors["show_address"] = "Give your street address to show it, or untick this box."
    radius = practice.travel_radius_km
    if practice.travels_to_client and radius is None:
        errors[RADIUS_FIELD] = "Say how far you travel to clients."
    elif not practice.travels_to_client and radius is not None:
        errors[RADIUS_FIELD] = "Leave the radius empty unless you travel to clients (tick the box above)."
    elif radius is not None and not 1 <= radius <= MAX_TRAVEL_RADIUS_KM:
        errors[RADIUS_FIELD] = f"Give a radius between 1 and {MAX_TRAVEL_RADIUS_KM} km."
    policy = practice.cancellation_policy.strip()
    if "\n" in policy or "\r" in policy or len(policy) > CANCELLATION_POLICY_LENGTH:
        errors["cancellation_policy"] = f"Say it in one line of at most {CANCELLATION_POLICY_LENGTH} characters."
    return errors


def therapist_set_practice(*, therapist: Therapist, practice: PracticeDetails) -> Therapist:
    """Save where the therapist sees clients and how clients pay, all or nothing; raises ValidationError by field.

    Checked against the locked row, so a city changed meanwhile on the profile page is the one the address must
    agree with. updated_at moves too: it versions the search's cached counts ("travels to the client" is one).
    """
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
        errors = check_practice(therapist=locked, practice=practice)
        if errors:
            raise ValidationError(
                {field: ValidationError(message, code="practice") for field, message in errors.items()}
            )
        for name in PRACTICE_COLUMNS:
            value = getattr(practice, name)
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        locked.full_clean(exclude=["slug", "owner"])
        locked.save(update_fields=[*PRACTICE_COLUMNS, "updated_at"])
    return locked


SUSPENSION_REASON_MESSAGE = "Say why the profile is suspended; its owner reads the reason."


def therapist_set_status(*, therapist: Therapist, status: str, reason: str = "") -> Therapist:
    """Staff set a profile's status: any status on an unowned listing; on an owned profile only a suspension
    or lifting one (the profile is published again), since publishing is otherwise the owner's choice.

    A suspension needs a reason: it is stored in `suspension_reason` and emailed to the owner; lifting the
    suspension (any other status) clears it.
    """
    with transaction.atomic():
        locked = Therapist.objects.lock(therapist.pk)
        if locked.status == status:
            return locked
        suspending = status == Therapist.Status.SUSPENDED
        lifting = locked.status == Therapist.Status.SUSPENDED and status == Therapist.Status.PUBLISHED
        if locked.owner_id is not None and not suspending and not lifting:
            raise ValidationError(OWNERS_CHOICE_MESSAGE, code="owners_choice")
        if suspending and not reason.strip():
            raise ValidationError(SUSPENSION_REASON_MESSAGE, code="suspension_reason")
        locked.status = status
        locked.suspension_reason = reason.strip() if suspending else ""
        locked.full_clean(exclude=["slug", "owner"])
        locked.save(update_fields=["status", "suspension_reason", "updated_at"])
        if suspending and locked.owner_id and locked.owner.email:
            send_email(to=locked.owner.email, template="therapist_suspended", context={"therapist": locked})
    return locked


def therapists_delete(*, queryset: QuerySet[Therapist]) -> int:
    """Delete therapists with their certifications and reviews, their photos and documents once the
    deletion commits, and retire cached search counts."""
    with transaction.atomic():
        photos = [name for pair in queryset.values_list("photo", "photo_thumbnail") for name in pair]
        documents = list(
            Certification.objects.filter(therapist__in=queryset).exclude(document="").values_list("document", flat=True)
        )
        deleted, _ = queryset.delete()
        delete_stored_files(storage=photo_storage(), names=photos, still_used=photo_in_use)
        delete_stored_files(
            storage=private_storage(),
            names=documents,
            still_used=document_in_use,
        )
    # Deletions leave no newer updated_at behind: the search's cached counts key on this generation too.
    try:
        cache.incr(GENERATION_CACHE_KEY)
    except ValueError:
        cache.set(GENERATION_CACHE_KEY, 1, None)
    return deleted
