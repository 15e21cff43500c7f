"""Writes on therapists: their profile, photo and claims, and the derived columns (credentials, score)."""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from . import ranking
from .images import ProcessedPhoto
from .models import (
    FAR_FUTURE,
    Amenity,
    Certification,
    FocusArea,
    Language,
    Place,
    ProfileClaim,
    Specialty,
    Therapist,
    private_storage,
)
from .places import normalise_name

PRIORS_CACHE_KEY = "ranking:priors"
GENERATION_CACHE_KEY = "therapists:generation"
PRIORS_CACHE_SECONDS = 600


def directory_generation() -> int:
    """A number that changes whenever therapists are deleted (search caches key on it)."""
    return cache.get_or_set(GENERATION_CACHE_KEY, 0, None)


def therapists_delete(*, queryset) -> int:
    """Delete therapists with their certifications and reviews, their photos and documents once the
    deletion commits, and retire cached search counts."""
    with transaction.atomic():
        photos = [name for pair in queryset.values_list("photo", "photo_thumbnail") for name in pair if name]
        documents = list(
            Certification.objects.filter(therapist__in=queryset).exclude(document="").values_list("document", flat=True)
        )
        deleted, _ = queryset.delete()
        delete_stored_files(storage=Therapist._meta.get_field("photo").storage, names=photos, still_used=_photo_in_use)
        delete_stored_files(
            storage=private_storage(),
            names=documents,
            still_used=lambda name: Certification.objects.filter(document=name).exists(),
        )
    try:
        cache.incr(GENERATION_CACHE_KEY)
    except ValueError:
        cache.set(GENERATION_CACHE_KEY, 1, None)
    return deleted


def site_priors() -> ranking.Priors:
    """Site-wide review means, from the denormalised columns; cached, since they move slowly."""
    priors = cache.get(PRIORS_CACHE_KEY)
    if priors is None:
        from django.db.models import F

        totals = Therapist.objects.filter(review_count__gt=0).aggregate(
            n=Sum("review_count"),
            rating=Sum(F("rating_avg") * F("review_count")),
            communication=Sum(F("communication_avg") * F("review_count")),
            cleanliness=Sum(F("cleanliness_avg") * F("review_count")),
        )
        if totals["n"]:
            n = totals["n"]
            priors = ranking.Priors(
                rating=totals["rating"] / n,
                communication=totals["communication"] / n,
                cleanliness=totals["cleanliness"] / n,
            )
        else:
            priors = ranking.Priors()
        cache.set(PRIORS_CACHE_KEY, priors, PRIORS_CACHE_SECONDS)
    return priors


def evidence_for(therapist: Therapist) -> ranking.Evidence:
    return ranking.Evidence(
        verified=therapist.is_verified(),
        review_count=therapist.review_count,
        rating_avg=therapist.rating_avg,
        communication_avg=therapist.communication_avg,
        cleanliness_avg=therapist.cleanliness_avg,
        recommend_count=therapist.recommend_count,
        years_experience=therapist.years_experience,
    )


def compute_score(therapist: Therapist, priors: ranking.Priors | None = None) -> float:
    return ranking.score(evidence_for(therapist), priors or site_priors())


def compute_verified_until(therapist: Therapist):
    """The latest day any verified credential is valid; FAR_FUTURE when one never expires."""
    verified = Certification.objects.filter(therapist=therapist, status=Certification.Status.VERIFIED)
    result = verified.aggregate(
        latest=Max("expires_on"),
        open_ended=Max("pk", filter=Q(expires_on__isnull=True)),
    )
    if result["open_ended"] is not None:
        return FAR_FUTURE
    return result["latest"]


def therapist_refresh_credentials(*, therapist: Therapist) -> Therapist:
    """Recompute the credential columns and the score after a certification changes."""
    therapist.verified_until = compute_verified_until(therapist)
    therapist.score = compute_score(therapist)
    Therapist.objects.filter(pk=therapist.pk).update(
        verified_until=therapist.verified_until, score=therapist.score, updated_at=timezone.now()
    )
    return therapist


def therapist_refresh_score(*, therapist: Therapist) -> Therapist:
    therapist.score = compute_score(therapist)
    Therapist.objects.filter(pk=therapist.pk).update(score=therapist.score, updated_at=timezone.now())
    return therapist


# --- The therapist's own profile: create, edit, publish, photo, and claims on unowned profiles. ---
# Writes that touch a therapist lock its row first, as the reviews service does, so they
# serialise with review writes instead of deadlocking on PostgreSQL.

PROFILE_TEXT_FIELDS = (
    "name",
    "headline",
    "bio",
    "gender",
    "years_experience",
    "city",
    "region",
    "postal_code",
    "travels_to_client",
    "price_60",
    "accepting_new_clients",
    "hypoallergenic_products",
    "phone",
    "email",
    "website",
)
PLACE_FIELDS = ("place", "country", "latitude", "longitude")
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
    travels_to_client: bool = False
    price_60: int | None = None
    accepting_new_clients: bool = True
    hypoallergenic_products: bool = False
    phone: str = ""
    email: str = ""
    website: str = ""
    specialties: Sequence[Specialty] = ()
    focus_areas: Sequence[FocusArea] = ()
    languages: Sequence[Language] = ()
    amenities: Sequence[Amenity] = ()

    @classmethod
    def from_form(cls, cleaned_data: dict) -> "ProfileDetails":
        names = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in cleaned_data.items() if name in names})


def practice_place(*, city: str, region: str = "", postal_code: str = "") -> Place:
    """The gazetteer entry for a practice: by postal code when given, else by city; most populous first."""
    if postal_code.strip():
        place = Place.objects.filter(postal_code=postal_code.strip()[:5]).order_by("-population", "pk").first()
        if place is None:
            raise ValidationError({"postal_code": "We do not know this postal code. Check it, or leave it empty."})
        return place
    candidates = Place.objects.filter(search_name=normalise_name(city))
    if region.strip():
        candidates = candidates.filter(region__iexact=region.strip())
    # Cities before postal-code entries of the same name, then the most populous.
    place = candidates.order_by("kind", "-population", "pk").first()
    if place is None:
        raise ValidationError(
            {"city": "We could not find this city. Check the spelling and the state, or add a postal code."}
        )
    return place


def _apply_profile(therapist: Therapist, details: ProfileDetails) -> None:
    for name in PROFILE_TEXT_FIELDS:
        setattr(therapist, name, getattr(details, name))
    place = practice_place(city=details.city, region=details.region, postal_code=details.postal_code)
    therapist.place = place
    therapist.country = place.country
    therapist.latitude = place.latitude
    therapist.longitude = place.longitude
    if not therapist.region:
        therapist.region = place.region[:40]


def _set_profile_links(therapist: Therapist, details: ProfileDetails) -> None:
    therapist.specialties.set(details.specialties)
    therapist.focus_areas.set(details.focus_areas)
    therapist.languages.set(details.languages)
    therapist.amenities.set(details.amenities)


def _slug_candidates(name: str):
    base = slugify(name)[:120].strip("-") or "therapist"
    # Only the base and its numbered forms: a short base ("a") must not read thousands of slugs.
    numbered = Q(slug=base) | Q(slug__regex=rf"^{re.escape(base)}-[0-9]+$")
    taken = set(Therapist.objects.filter(numbered).values_list("slug", flat=True))
    number = 1
    while True:
        candidate = base if number == 1 else f"{base}-{number}"
        if candidate not in taken:
            yield candidate
        number += 1


def therapist_create(*, owner: AbstractBaseUser, details: ProfileDetails) -> Therapist:
    """A new profile owned by the user, as a draft until they publish it; its slug is unique."""
    with transaction.atomic():
        if Therapist.objects.filter(owner=owner).exists():
            raise ValidationError("You already have a profile.", code="has_profile")
        therapist = Therapist(owner=owner, status=Therapist.Status.DRAFT)
        _apply_profile(therapist, details)
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
                if Therapist.objects.filter(owner=owner).exists():
                    raise ValidationError("You already have a profile.", code="has_profile") from None
                if attempt >= SLUG_ATTEMPTS:
                    raise
        _set_profile_links(therapist, details)
        therapist_refresh_score(therapist=therapist)
    return therapist


def therapist_update_profile(*, therapist: Therapist, details: ProfileDetails) -> Therapist:
    """Save the therapist's own edits; the score follows, since experience is one of its inputs."""
    with transaction.atomic():
        locked = Therapist.objects.select_for_update().get(pk=therapist.pk)
        _apply_profile(locked, details)
        locked.full_clean(exclude=["slug", "owner"])
        # Only the therapist's fields: review aggregates written meanwhile must not be overwritten.
        locked.save(update_fields=[*PROFILE_TEXT_FIELDS, *PLACE_FIELDS, "updated_at"])
        _set_profile_links(locked, details)
        therapist_refresh_score(therapist=locked)
    return locked


def therapist_set_published(*, therapist: Therapist, published: bool) -> Therapist:
    """Publish or unpublish one's own profile; a suspended profile stays suspended."""
    with transaction.atomic():
        locked = Therapist.objects.select_for_update().get(pk=therapist.pk)
        if locked.status == Therapist.Status.SUSPENDED:
            raise ValidationError(
                "This profile is suspended by our staff, so it cannot be published or unpublished here. "
                "Please contact us.",
                code="suspended",
            )
        locked.status = Therapist.Status.PUBLISHED if published else Therapist.Status.DRAFT
        locked.save(update_fields=["status", "updated_at"])
    return locked


def delete_stored_files(*, storage, names: Iterable[str], still_used: Callable[[str], bool]) -> None:
    """Delete files once the transaction commits, unless some row still points at one (demo data shares)."""

    def delete():
        for name in names:
            if name and not still_used(name):
                storage.delete(name)

    # Robust: a file that cannot be deleted is logged; the write it follows has succeeded.
    transaction.on_commit(delete, robust=True)


def _photo_in_use(name: str) -> bool:
    return Therapist.objects.filter(Q(photo=name) | Q(photo_thumbnail=name)).exists()


def therapist_set_photo(*, therapist: Therapist, photo: ProcessedPhoto) -> Therapist:
    """Store a checked, cleaned photo and its thumbnail under random names; the old files go."""
    storage = Therapist._meta.get_field("photo").storage
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = Therapist.objects.select_for_update().get(pk=therapist.pk)
            old = [locked.photo.name, locked.photo_thumbnail.name]
            locked.photo.save("photo.jpg", ContentFile(photo.photo), save=False)
            written.append(locked.photo.name)
            locked.photo_thumbnail.save("thumbnail.jpg", ContentFile(photo.thumbnail), save=False)
            written.append(locked.photo_thumbnail.name)
            locked.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
            delete_stored_files(storage=storage, names=old, still_used=_photo_in_use)
    except Exception:
        # Nothing in the database points at the new files: remove them so a failure leaves no trace.
        for name in written:
            storage.delete(name)
        raise
    return locked


def therapist_remove_photo(*, therapist: Therapist) -> Therapist:
    storage = Therapist._meta.get_field("photo").storage
    with transaction.atomic():
        locked = Therapist.objects.select_for_update().get(pk=therapist.pk)
        old = [locked.photo.name, locked.photo_thumbnail.name]
        locked.photo = ""
        locked.photo_thumbnail = ""
        locked.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
        delete_stored_files(storage=storage, names=old, still_used=_photo_in_use)
    return locked


def send_email(*, to: str, template: str, context: dict) -> None:
    """Render emails/<template>_subject.txt and emails/<template>.txt and send once the transaction commits."""
    if not to:
        return
    context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}.txt", context)
    # Robust: a mail server that is down is logged, and never turns a saved decision into an error page.
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]), robust=True)


def profile_claim_request(*, user: AbstractBaseUser, therapist: Therapist, message: str) -> ProfileClaim:
    """Ask to own a listed profile nobody owns; nothing changes until staff approve it."""
    with transaction.atomic():
        locked = Therapist.objects.select_for_update().get(pk=therapist.pk)
        if Therapist.objects.filter(owner=user).exists():
            raise ValidationError("You already have a profile.", code="has_profile")
        if locked.owner_id is not None or not locked.is_public:
            raise ValidationError({"profile": "This profile cannot be claimed."}, code="not_claimable")
        if ProfileClaim.objects.filter(user=user, status=ProfileClaim.Status.PENDING).exists():
            raise ValidationError("You already have a claim waiting for our staff.", code="claim_pending")
        claim = ProfileClaim(therapist=locked, user=user, message=message)
        claim.full_clean()
        claim.save()
    return claim


def _check_claim_decider(claim: ProfileClaim, decided_by: AbstractBaseUser) -> None:
    if not decided_by.has_perm("therapists.change_profileclaim"):
        raise PermissionDenied("Only staff who may change claims decide them.")
    if claim.user_id == decided_by.pk:
        raise ValidationError("Nobody decides on their own claim.", code="own_claim")
    if claim.status != ProfileClaim.Status.PENDING:
        raise ValidationError("This claim has already been decided.", code="decided")


def profile_claim_approve(*, claim: ProfileClaim, decided_by: AbstractBaseUser) -> ProfileClaim:
    """Make the claimant the owner; other claims on the profile are turned down."""
    with transaction.atomic():
        therapist = Therapist.objects.select_for_update().get(pk=claim.therapist_id)
        claim = ProfileClaim.objects.select_for_update().select_related("user").get(pk=claim.pk)
        _check_claim_decider(claim, decided_by)
        if therapist.owner_id is not None:
            raise ValidationError("This profile already has an owner.", code="owned")
        if Therapist.objects.filter(owner=claim.user).exists():
            raise ValidationError("The claimant already owns another profile.", code="has_profile")
        now = timezone.now()
        therapist.owner = claim.user
        therapist.save(update_fields=["owner", "updated_at"])
        claim.status, claim.decided_by, claim.decided_at = ProfileClaim.Status.APPROVED, decided_by, now
        claim.save(update_fields=["status", "decided_by", "decided_at"])
        others = ProfileClaim.objects.filter(therapist=therapist, status=ProfileClaim.Status.PENDING)
        for other in others.select_related("user"):
            other.status, other.decided_by, other.decided_at = ProfileClaim.Status.REJECTED, decided_by, now
            other.decision_note = "Another claim on this profile was approved."
            other.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            send_email(to=other.user.email, template="claim_decision", context={"claim": other})
        send_email(to=claim.user.email, template="claim_decision", context={"claim": claim})
    return claim


def profile_claim_reject(*, claim: ProfileClaim, decided_by: AbstractBaseUser, note: str) -> ProfileClaim:
    with transaction.atomic():
        claim = ProfileClaim.objects.select_for_update().select_related("user", "therapist").get(pk=claim.pk)
        _check_claim_decider(claim, decided_by)
        if not note.strip():
            raise ValidationError("Say why the claim is turned down.", code="note_required")
        claim.status, claim.decided_by, claim.decided_at = ProfileClaim.Status.REJECTED, decided_by, timezone.now()
        claim.decision_note = note.strip()
        claim.full_clean()
        claim.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        send_email(to=claim.user.email, template="claim_decision", context={"claim": claim})
    return claim
