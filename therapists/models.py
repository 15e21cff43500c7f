"""The directory's domain: therapists, what they offer, their credentials and the places they work."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from common.files import random_upload_name
from common.models import LockingQuerySet
from common.storage import private_storage


def photo_upload_to(instance, filename):
    return random_upload_name("photos", filename)


def thumbnail_upload_to(instance, filename):
    return random_upload_name("thumbs", filename)


def document_upload_to(instance, filename):
    return random_upload_name("certifications", filename)


# A vocabulary holds at most this many terms: each term has a bit of its own (0..62) in the therapists'
# `<kind>_bits` columns, which a signed 64-bit integer holds (therapists.term_bits).
MAX_TERMS = 63


class TermBitModel(models.Model):
    """A vocabulary term with its own bit in Therapist.<kind>_bits: the lowest free one, given when it is created
    and kept for its lifetime; a deleted term's bit is free again."""

    bit = models.PositiveSmallIntegerField(
        unique=True,
        editable=False,
        validators=[MaxValueValidator(MAX_TERMS - 1)],
        help_text="Its bit in the search's counts.",
    )

    FULL_MESSAGE = "This list is full: it holds at most %(limit)d entries. Remove one before adding another."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.bit is None:
            self.bit = self.free_bit()
            if self.bit is None:
                raise ValidationError(self.FULL_MESSAGE, code="full", params={"limit": MAX_TERMS})
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.bit is None and self.free_bit() is None:
            raise ValidationError(self.FULL_MESSAGE, code="full", params={"limit": MAX_TERMS})

    def free_bit(self) -> int | None:
        taken = set(type(self)._default_manager.values_list("bit", flat=True))
        return next((bit for bit in range(MAX_TERMS) if bit not in taken), None)


class NamedSlugModel(TermBitModel):
    """A small, staff-managed vocabulary item addressed by its slug in URLs and filters."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists; lower first.")

    class Meta(TermBitModel.Meta):
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Specialty(NamedSlugModel):
    """A type of massage from the article (Swedish, deep tissue, ...)."""

    class Meta(NamedSlugModel.Meta):
        verbose_name_plural = "specialties"


class FocusArea(NamedSlugModel):
    """A back issue a therapist works on (lower back pain, sciatica, ...)."""


class Amenity(NamedSlugModel):
    """Part of a clean and professional environment (private room, fresh linens, ...)."""

    class Meta(NamedSlugModel.Meta):
        verbose_name_plural = "amenities"


class Language(TermBitModel):
    code = models.CharField(max_length=8, unique=True, help_text="ISO 639-1 code, e.g. en.")
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Place(models.Model):
    """An entry of the gazetteer: a city or a postal code with its coordinates."""

    class Kind(models.TextChoices):
        CITY = "city", "City"
        POSTAL_CODE = "postal_code", "Postal code"

    external_id = models.CharField(max_length=40, unique=True, help_text="Source key, e.g. gn:5128581.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=200)
    # Lower-case, accent-free name: the lookup key for "near".
    search_name = models.CharField(max_length=200, db_index=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2.")
    region = models.CharField(max_length=40, blank=True, help_text="State or province code.")
    postal_code = models.CharField(max_length=12, blank=True, db_index=True)
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    population = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-population", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__range=(-90, 90)), name="place_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__range=(-180, 180)), name="place_longitude_range"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        parts = [self.postal_code] if self.kind == self.Kind.POSTAL_CODE else []
        parts.append(self.name)
        if self.region:
            parts.append(self.region)
        parts.append(self.country)
        return ", ".join(parts)


FAR_FUTURE = datetime.date(9999, 12, 31)
EXPIRING_SOON_DAYS = 30

# States that do not license massage therapists at the state level, so a board certification stands in for the
# license there. Source: the state licensing boards as listed by the AMTA and the FSMTB (Kansas, Minnesota, Vermont
# and Wyoming issue no state license). Staff cannot edit it yet: a change is a code change.
STATES_WITHOUT_MASSAGE_LICENSING = frozenset({"KS", "MN", "VT", "WY"})

# What the "Verified" badge promises, in the words every page uses (profile, cards, "How we check", the ranking).
VERIFIED_MEANING = (
    "Verified: our staff checked a current massage-therapy license from the state where they practise "
    "(or, where that state issues none, a current board certification)."
)


# What a session can last, in minutes, and what it can cost, in whole dollars: a service outside these is a typo.
SESSION_LENGTHS = (30, 45, 60, 75, 90, 120)
STANDARD_SESSION_MINUTES = 60  # the length the search's `max_price` means (the contract)
MIN_SERVICE_PRICE = 10
MAX_SERVICE_PRICE = 1000
MAX_TRAVEL_RADIUS_KM = 200
# "Accepting new clients" counts (the `accepting` filter and its count, the ranking, the cards' plain words) only
# while the therapist has confirmed it within this many days: an answer nobody has looked at for two months is
# no longer a promise a client can rely on.
ACCEPTING_CONFIRMATION_DAYS = 60


def state_licenses_massage(region: str) -> bool:
    return region.strip().upper() not in STATES_WITHOUT_MASSAGE_LICENSING


def accepting_confirmed_since(now: datetime.datetime | None = None) -> datetime.datetime:
    """The oldest confirmation that still counts at `now`."""
    return (now or timezone.now()) - datetime.timedelta(days=ACCEPTING_CONFIRMATION_DAYS)


def accepting_confirmed_q(now: datetime.datetime | None = None) -> Q:
    """Accepting new clients and confirmed recently: one condition for the filter, its count and the ranking's
    reads. Both columns are in the facet index (therapist_facet_switches), and the date is compared with a
    value computed once, never a function of the row, so the count stays an index read."""
    return Q(accepting_new_clients=True, accepting_confirmed_at__gte=accepting_confirmed_since(now))


# Therapist's links as bits (therapists.term_bits), written only from the links.
LINK_BITS = ("specialty_bits", "focus_bits", "language_bits", "amenity_bits")
# The columns the search's "at least" and "at most" filters read, at the end of the facet index so that the counts
# under such a filter read the index too (therapists_therapist's own indexes on some of them serve the sorts).
FACET_RANGE_COLUMNS = (
    "rating_avg",
    "review_count",
    "recommend_pct",
    "communication_avg",
    "cleanliness_avg",
    "years_experience",
    "price_60",
)


class TherapistQuerySet(LockingQuerySet):
    def published(self):
        return self.filter(status=Therapist.Status.PUBLISHED)

    def verified(self, today=None):
        """Holds the Verified badge (VERIFIED_MEANING) today: verified_until, kept by credentials_valid_until(),
        compared with today at query time."""
        return self.filter(verified_until__gte=today or timezone.localdate())

    def accepting(self, now=None):
        """Accepting new clients, as confirmed by the therapist within ACCEPTING_CONFIRMATION_DAYS of `now`."""
        return self.filter(accepting_confirmed_q(now))

    def certified_in(self, specialty_ids, today=None):
        """Every one of the specialties is backed by a verified, unexpired certification."""
        queryset = self
        for specialty_id in specialty_ids:
            queryset = queryset.filter(
                Exists(
                    Certification.objects.currently_verified(today).filter(
                        therapist=OuterRef("pk"), specialty_id=specialty_id
                    )
                )
            )
        return queryset


class Therapist(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NONBINARY = "nonbinary", "Non-binary"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        SUSPENDED = "suspended", "Suspended"

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="therapist_profile",
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    headline = models.CharField(max_length=160, blank=True)
    bio = models.TextField(blank=True, max_length=5000)
    photo = models.ImageField(upload_to=photo_upload_to, blank=True)
    photo_thumbnail = models.ImageField(upload_to=thumbnail_upload_to, blank=True)
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    years_experience = models.PositiveSmallIntegerField(default=0)

    specialties = models.ManyToManyField(Specialty, blank=True, related_name="therapists")
    focus_areas = models.ManyToManyField(FocusArea, blank=True, related_name="therapists")
    languages = models.ManyToManyField(Language, blank=True, related_name="therapists")
    amenities = models.ManyToManyField(Amenity, blank=True, related_name="therapists")
    # The same links as bits, one per term (the term's `bit`), recomputed from the links whenever they change
    # (therapists.term_bits): the search counts its link facets by grouping the matching rows on these columns,
    # read from the facet index, instead of reading every link row of every matching therapist.
    specialty_bits = models.BigIntegerField(default=0, editable=False)
    focus_bits = models.BigIntegerField(default=0, editable=False)
    language_bits = models.BigIntegerField(default=0, editable=False)
    amenity_bits = models.BigIntegerField(default=0, editable=False)

    place = models.ForeignKey(Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    city = models.CharField(max_length=120)
    region = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, default="US")
    postal_code = models.CharField(max_length=12, blank=True)
    # Indexed by therapist_lat_lng (Meta), which also carries the links' bits: no index of their own (0016).
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    travels_to_client = models.BooleanField("travels to the client", default=False)

    # Where exactly: shown only when the therapist chooses (many work from home and show only the area).
    street_address = models.CharField(max_length=200, blank=True)
    show_address = models.BooleanField("show the street address", default=False)
    travel_radius_km = models.PositiveSmallIntegerField(
        "travel radius (km)", null=True, blank=True, help_text="How far they travel to a client, when they do."
    )
    by_appointment = models.BooleanField(
        "by appointment only", default=False, help_text="Sees clients only at times agreed beforehand."
    )
    # How to pay.
    accepts_cash = models.BooleanField("cash", default=False)
    accepts_card = models.BooleanField("credit or debit card", default=False)
    accepts_hsa_fsa = models.BooleanField("HSA or FSA card", default=False)
    gives_hsa_receipts = models.BooleanField(
        "itemised receipts for HSA/FSA claims", default=False, help_text="Gives receipts a health-savings plan accepts."
    )
    sells_gift_cards = models.BooleanField("gift cards", default=False)
    cancellation_policy = models.CharField(
        max_length=200, blank=True, help_text='In one line, e.g. "Free cancellation up to 24 hours before."'
    )
    # What the menu and the week say, kept by services.offerings in the same transaction as the menu or the
    # hours: the search filters and counts read these columns (and the facet index covers them) instead of
    # probing the services and opening periods for every row, which costs seconds over 100,000 therapists.
    lists_prices = models.BooleanField("lists services and prices", default=False, editable=False)
    open_weekends = models.BooleanField("open on Saturday or Sunday", default=False, editable=False)
    open_evenings = models.BooleanField("open after 17:00 on some day", default=False, editable=False)

    price_60 = models.PositiveIntegerField(
        "price of a 60-minute session", null=True, blank=True, db_index=True, help_text="Whole currency units."
    )
    accepting_new_clients = models.BooleanField(default=True)
    # When the therapist last said whether they take new clients: the dashboard's one-click confirmation, its
    # switch, or saving the profile form with the box ticked (services.profiles). A new profile is confirmed as it
    # is created. Compared with now at query time (accepting_confirmed_q), like verified_until; null: never.
    accepting_confirmed_at = models.DateTimeField(
        "accepting new clients confirmed at", null=True, blank=True, default=timezone.now, editable=False
    )
    hypoallergenic_products = models.BooleanField(
        "allergy-friendly products", default=False, help_text="Offers fragrance-free, hypoallergenic oils and lotions."
    )
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED, db_index=True)
    # Why staff suspended the profile, as its owner was told; cleared when the suspension is lifted.
    suspension_reason = models.TextField(blank=True, max_length=2000)

    # Denormalised review aggregates, kept exact by the reviews service in the same
    # transaction as each review write; read paths never aggregate reviews.
    review_count = models.PositiveIntegerField(default=0, db_index=True)
    rating_avg = models.FloatField(null=True, blank=True, db_index=True)
    technique_avg = models.FloatField(null=True, blank=True)
    professionalism_avg = models.FloatField(null=True, blank=True)
    communication_avg = models.FloatField(null=True, blank=True, db_index=True)
    cleanliness_avg = models.FloatField(null=True, blank=True, db_index=True)
    recommend_count = models.PositiveIntegerField(default=0)
    recommend_pct = models.FloatField(null=True, blank=True, db_index=True, help_text="Would-recommend share, 0-100.")
    # Of review_count, the reviews written through an invitation after a visit on this site ("Verified client").
    verified_review_count = models.PositiveIntegerField(default=0)
    # The last day on which the therapist still holds the Verified badge (credentials_valid_until():
    # a license from the practice state, or a board certification where it issues none); null when none.
    # Kept by services.scoring.therapist_refresh_credentials; compared with today at query time.
    verified_until = models.DateField(null=True, blank=True, db_index=True)
    # The last day on which the therapist still holds a verified certification in some type of massage
    # (specialty_certified_until()); null when none. Kept with verified_until; the search's "certified in a type"
    # switch, when no type is chosen, compares it with today instead of reading every certification.
    certified_until = models.DateField(null=True, blank=True)
    # The "best match" score (see therapists.ranking), refreshed whenever its inputs change.
    score = models.FloatField(default=0, db_index=True)
    # Null-free sort keys, so "highest rated" and "lowest price" walk an index on every database
    # (unrated and unpriced therapists last) instead of sorting every row.
    rating_sort = models.GeneratedField(
        expression=Coalesce("rating_avg", Value(0.0)), output_field=models.FloatField(), db_persist=True
    )
    price_sort = models.GeneratedField(
        expression=Coalesce("price_60", Value(1_000_000_000)), output_field=models.BigIntegerField(), db_persist=True
    )

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Indexed: the newest change versions the search's cached facet counts.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = TherapistQuerySet.as_manager()

    # For the templates ("confirm it at least every 60 days").
    ACCEPTING_CONFIRMATION_DAYS = ACCEPTING_CONFIRMATION_DAYS

    # What the therapist edits on their own profile, in the order the form shows it: one list for the
    # form, the service that writes it and the dataclass that carries it (the links are to-many).
    PROFILE_FIELDS = (
        "name",
        "headline",
        "bio",
        "gender",
        "years_experience",
        "specialties",
        "focus_areas",
        "languages",
        "amenities",
        "city",
        "region",
        "postal_code",
        "accepting_new_clients",
        "hypoallergenic_products",
        "phone",
        "email",
        "website",
    )
    PROFILE_LINK_FIELDS = ("specialties", "focus_areas", "languages", "amenities")

    # The denormalised review columns, in one place for the service that writes them, the
    # command that checks them and the admin that shows them.
    REVIEW_AGGREGATE_FIELDS = (
        "review_count",
        "rating_avg",
        "technique_avg",
        "professionalism_avg",
        "communication_avg",
        "cleanliness_avg",
        "recommend_count",
        "recommend_pct",
        "verified_review_count",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(price_60__gte=0), name="therapist_price_not_negative"),
            models.CheckConstraint(condition=Q(years_experience__gte=0), name="therapist_years_not_negative"),
            models.CheckConstraint(condition=Q(years_experience__lte=80), name="therapist_years_plausible"),
            models.CheckConstraint(
                condition=Q(travel_radius_km__isnull=True) | Q(travel_radius_km__range=(1, MAX_TRAVEL_RADIUS_KM)),
                name="therapist_travel_radius_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__range=(-90, 90)), name="therapist_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__range=(-180, 180)),
                name="therapist_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(rating_avg__isnull=True) | Q(rating_avg__range=(1, 5)), name="therapist_rating_avg_range"
            ),
            models.CheckConstraint(
                condition=Q(recommend_pct__isnull=True) | Q(recommend_pct__range=(0, 100)),
                name="therapist_recommend_pct_range",
            ),
        ]
        indexes = [
            # One index per sort order, each led by status, so a page is an index walk.
            models.Index(fields=["status", "-score", "id"], name="therapist_status_score"),
            models.Index(fields=["status", "-rating_sort", "-review_count", "id"], name="therapist_sort_rating"),
            # The indexes SQLite picks for "at least N reviews" and "N years or more" end with the links' bits, so
            # that the link facets under such a filter read no wide row (PERFORMANCE.md, 2026-12-07).
            models.Index(fields=["status", "-review_count", "-score", "id", *LINK_BITS], name="therapist_sort_reviews"),
            models.Index(
                fields=["status", "-years_experience", "-score", "id", *LINK_BITS], name="therapist_sort_experience"
            ),
            models.Index(fields=["status", "price_sort", "-score", "id"], name="therapist_sort_price"),
            models.Index(fields=["status", "-created_at", "id"], name="therapist_sort_newest"),
            # And the coordinates' index, for a search near a place: the only one on them, so that the counts near a
            # place read it and no wide row (a single-column index on longitude drew SQLite's planner away).
            models.Index(fields=["latitude", "longitude", *LINK_BITS], name="therapist_lat_lng"),
            # Covers the gender, verified, switch and link counts and the filters on a number, so that a cold search
            # counts from the index, never from the wide rows (PERFORMANCE.md).
            models.Index(
                fields=[
                    "status",
                    "gender",
                    "verified_until",
                    "accepting_new_clients",
                    "accepting_confirmed_at",
                    "travels_to_client",
                    "hypoallergenic_products",
                    "lists_prices",
                    "open_weekends",
                    "open_evenings",
                    "certified_until",
                    *LINK_BITS,
                    *FACET_RANGE_COLUMNS,
                ],
                name="therapist_facet_switches",
            ),
        ]

    # Written only by therapists.term_bits, from the links.
    LINK_BITS_FIELDS = LINK_BITS

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A profile read before its links changed still holds the old bits: saving it must not put them back.
        # (Fields left unloaded by .only() stay out too, as Django leaves them out of such a save.)
        if not self._state.adding and self.pk is not None and kwargs.get("update_fields") is None:
            if not kwargs.get("force_insert"):
                unloaded = self.get_deferred_fields()
                kwargs["update_fields"] = [
                    field.name
                    for field in self._meta.concrete_fields
                    if not field.primary_key
                    and not field.generated
                    and field.name not in self.LINK_BITS_FIELDS
                    and field.attname not in unloaded
                ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("therapists:detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def is_verified(self, today=None) -> bool:
        return self.verified_until is not None and self.verified_until >= (today or timezone.localdate())

    def is_accepting_confirmed(self, now: datetime.datetime | None = None) -> bool:
        """Accepting new clients, confirmed within ACCEPTING_CONFIRMATION_DAYS (accepting_confirmed_q, per row)."""
        confirmed = self.accepting_confirmed_at
        return self.accepting_new_clients and confirmed is not None and confirmed >= accepting_confirmed_since(now)

    def accepting_confirmed_ago(self, now: datetime.datetime | None = None) -> str:
        """When the answer was last confirmed, in words: "today", "yesterday", "3 days ago"; "" when never."""
        if self.accepting_confirmed_at is None:
            return ""
        days = (timezone.localdate(now or timezone.now()) - timezone.localdate(self.accepting_confirmed_at)).days
        if days <= 0:
            return "today"
        return "yesterday" if days == 1 else f"{days} days ago"

    @property
    def location_label(self) -> str:
        return ", ".join(part for part in (self.city, self.region) if part)


class Service(models.Model):
    """One line of a therapist's menu: a type of massage, a length and its price. One price per type and length."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="services")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="services")
    minutes = models.PositiveSmallIntegerField(choices=[(m, f"{m} minutes") for m in SESSION_LENGTHS])
    price = models.PositiveIntegerField(
        validators=[MinValueValidator(MIN_SERVICE_PRICE), MaxValueValidator(MAX_SERVICE_PRICE)],
        help_text="Whole dollars.",
    )

    class Meta:
        ordering = ["specialty__position", "specialty__name", "minutes"]
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "specialty", "minutes"],
                name="service_one_price_per_type_and_length",
                violation_error_message="This type and length already has a price.",
            ),
            models.CheckConstraint(condition=Q(minutes__in=SESSION_LENGTHS), name="service_length_listed"),
            models.CheckConstraint(
                condition=Q(price__range=(MIN_SERVICE_PRICE, MAX_SERVICE_PRICE)), name="service_price_plausible"
            ),
        ]
        indexes = [
            # The search's price filter and sort at a length: the cheapest service of that length per therapist.
            models.Index(fields=["minutes", "price", "therapist"], name="service_length_price"),
        ]

    def __str__(self):
        return f"{self.specialty} · {self.minutes} min · ${self.price}"


class OpeningPeriod(models.Model):
    """When a practice is open on one weekday: a day with a break has two periods. Times are the practice's own,
    in its state's time zone (hours.time_zone_for); a period ends the same day (after midnight is the next day's)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")),
                name="opening_period_closes_after_opening",
                violation_error_message="Closing time must be after opening time.",
            ),
            models.CheckConstraint(condition=Q(weekday__range=(0, 6)), name="opening_period_weekday_range"),
            models.UniqueConstraint(fields=["therapist", "weekday", "opens"], name="opening_period_unique_start"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Expiry(models.TextChoices):
    """Where a credential stands against its expiry date, as the verification desk sorts them."""

    EXPIRED = "expired", "Expired"
    SOON = "soon", f"Expires within {EXPIRING_SOON_DAYS} days"
    CURRENT = "current", "Not expired"
    NEVER = "never", "Never expires"


class CertificationQuerySet(LockingQuerySet):
    def current(self, today=None):
        """Not expired on `today`: expiry is checked at query time, no job needed."""
        today = today or timezone.localdate()
        return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))

    def currently_verified(self, today=None):
        """Verified and unexpired: the credentials that earn a badge."""
        return self.filter(status=Certification.Status.VERIFIED).current(today)

    def pending(self):
        return self.filter(status=Certification.Status.PENDING)

    def in_expiry_state(self, state: str, today=None):
        today = today or timezone.localdate()
        soon = today + datetime.timedelta(days=EXPIRING_SOON_DAYS)
        conditions = {
            Expiry.EXPIRED: Q(expires_on__lt=today),
            Expiry.SOON: Q(expires_on__gte=today, expires_on__lte=soon),
            Expiry.CURRENT: Q(expires_on__isnull=True) | Q(expires_on__gte=today),
            Expiry.NEVER: Q(expires_on__isnull=True),
        }
        return self.filter(conditions[state])


class Certification(models.Model):
    class Kind(models.TextChoices):
        LICENSE = "license", "State license"
        BOARD = "board", "Board certification"
        SPECIALTY = "specialty", "Specialty certificate"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending verification"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    class RejectionReason(models.TextChoices):
        """Why a verifier rejects (or withdraws a verification), picked from a list so the desk's figures can count
        them; the note says the rest in the verifier's words."""

        UNREADABLE = "unreadable", "The document is unreadable or incomplete"
        NAME_MISMATCH = "name_mismatch", "The name does not match the profile"
        NOT_IN_REGISTRY = "not_in_registry", "The state registry has no such license"
        REGISTRY_INACTIVE = "registry_inactive", "The state registry says it is expired, revoked or suspended"
        EXPIRED = "expired", "The credential has expired"
        WRONG_STATE = "wrong_state", "It was issued by another state than the one of the practice"
        NOT_MASSAGE = "not_massage", "It is not a massage-therapy credential"
        OTHER = "other", "Another reason (see the note)"

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=160, help_text="e.g. Licensed Massage Therapist.")
    issuing_body = models.CharField(max_length=160)
    credential_number = models.CharField(max_length=60, blank=True)
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certifications",
        help_text="The specialty this certificate covers, if any.",
    )
    region = models.CharField(
        "state",
        max_length=40,
        blank=True,
        help_text="Two-letter code of the state that issued it, e.g. CO; required for a state license.",
    )
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    document = models.FileField(upload_to=document_upload_to, storage=private_storage, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)
    rejection_reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    # The verification desk: a verifier takes a pending item so that two verifiers don't check the same one.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # A renewal names the credential it renews; the old one keeps counting until its own expiry.
    renews = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="renewals")
    # The expiry date its owner was last reminded of (services.certifications.notify_expiring): the daily reminder
    # runs again without a second email, and a renewal's new date is reminded of in its turn.
    expiry_reminder_sent_for = models.DateField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CertificationQuerySet.as_manager()

    # What the therapist states and a verifier checks, in the order forms show it: one list for the
    # dashboard's form, the admin's form and the service (a change to any sends it back to pending).
    DETAIL_FIELDS = (
        "kind",
        "title",
        "issuing_body",
        "region",
        "credential_number",
        "specialty",
        "issued_on",
        "expires_on",
    )

    class Meta:
        ordering = ["-issued_on"]
        permissions = [("verify_certification", "Can verify or reject certifications")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("issued_on")),
                name="certification_expiry_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(kind="specialty") | Q(specialty__isnull=False),
                name="certification_specialty_certificate_names_specialty",
            ),
            models.CheckConstraint(
                condition=~Q(kind="license") | ~Q(region=""),
                name="certification_license_names_state",
                violation_error_message="Name the state that issued this license.",
            ),
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True) | Q(claimed_at__isnull=False),
                name="certification_claim_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="certification_rejection_has_reason",
                violation_error_message="Pick the reason for the rejection.",
            ),
        ]
        indexes = [
            models.Index(fields=["therapist", "status", "expires_on"], name="cert_therapist_status_exp"),
            models.Index(fields=["status", "created_at"], name="cert_queue"),
            # The registry's cross-check and revocation look licenses up by state and number.
            models.Index(fields=["region", "credential_number"], name="cert_license_lookup"),
        ]

    def __str__(self):
        return f"{self.title} ({self.therapist})"

    def is_expired(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.expires_on is not None and self.expires_on < today

    def is_currently_verified(self, today=None) -> bool:
        """Verified and not expired: it earns the badges today."""
        return self.status == self.Status.VERIFIED and not self.is_expired(today)

    def counts_for_badge(self, practice_region: str) -> bool:
        """Verified, and the kind of credential the Verified badge rests on where the therapist practises:
        a license from that state, or a board certification where the state issues no license. Expiry aside."""
        if self.status != self.Status.VERIFIED:
            return False
        region = practice_region.strip().upper()
        if self.kind == self.Kind.LICENSE:
            return bool(region) and self.region.strip().upper() == region
        return self.kind == self.Kind.BOARD and bool(region) and not state_licenses_massage(region)

    def earns_verified_badge(self, practice_region: str, today=None) -> bool:
        """Today, this credential alone earns its therapist the Verified badge (VERIFIED_MEANING)."""
        return self.counts_for_badge(practice_region) and not self.is_expired(today)

    def expiry_state(self, today=None) -> Expiry:
        """The most specific state: "expires soon" before "not expired"."""
        today = today or timezone.localdate()
        if self.expires_on is None:
            return Expiry.NEVER
        if self.expires_on < today:
            return Expiry.EXPIRED
        if self.expires_on <= today + datetime.timedelta(days=EXPIRING_SOON_DAYS):
            return Expiry.SOON
        return Expiry.CURRENT


def credentials_valid_until(certifications: Iterable[Certification], *, practice_region: str) -> datetime.date | None:
    """The last day a therapist practising in `practice_region` holds the Verified badge (VERIFIED_MEANING): the
    latest expiry among verified licenses from that state or, where the state issues no license, verified board
    certifications; FAR_FUTURE when one never expires; None when there is none. A specialty certificate never
    counts. Stored as Therapist.verified_until; the one place the badge's rule is decided."""
    expiries = [c.expires_on for c in certifications if c.counts_for_badge(practice_region)]
    if not expiries:
        return None
    return FAR_FUTURE if None in expiries else max(expiries)


def specialty_certified_until(certifications: Iterable[Certification]) -> datetime.date | None:
    """The last day a therapist holds a verified certification in some type of massage: the latest expiry among
    their verified specialty certifications, FAR_FUTURE when one never expires, None when there is none. Stored as
    Therapist.certified_until; Certification.objects.currently_verified() says the same thing about one day."""
    expiries = [
        c.expires_on for c in certifications if c.status == Certification.Status.VERIFIED and c.specialty_id is not None
    ]
    if not expiries:
        return None
    return FAR_FUTURE if None in expiries else max(expiries)


class CertificationDecision(models.Model):
    """The append-only audit trail of verification decisions."""

    # The trail outlives a withdrawn certification: the label keeps what it was.
    certification = models.ForeignKey(Certification, on_delete=models.SET_NULL, null=True, related_name="decisions")
    certification_label = models.CharField(max_length=400)
    status = models.CharField(max_length=10, choices=Certification.Status.choices)
    reason = models.CharField(max_length=20, choices=Certification.RejectionReason.choices, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{self.get_status_display()} — {self.certification_label} — {self.decided_at:%Y-%m-%d}"


class LicenseRoster(models.Model):
    """One import of a state board's published license roster (see docs/license-registry.md): what it changed
    and the rows it refused, with their reasons."""

    region = models.CharField("state", max_length=2)
    source_name = models.CharField(max_length=255, blank=True, help_text="The uploaded file's name.")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now, db_index=True)
    rows_read = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    # Verified licenses the roster says are no longer good, sent back to the queue.
    withdrawn = models.PositiveIntegerField(default=0)
    # [{"line": 12, "reason": "..."}], the first few hundred refused rows.
    refusals = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = "license roster import"

    def __str__(self):
        return f"{self.region} roster, {self.imported_at:%Y-%m-%d %H:%M}"


def normalise_license_number(value: str) -> str:
    """How license numbers are compared: upper case, without spaces, dashes, dots or slashes ("ma-12 345" is
    "MA12345"), the way state boards print the same number differently."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


class LicenseRecordQuerySet(models.QuerySet):
    def for_licenses(self, certifications: Iterable["Certification"]):
        """The roster rows for these licenses' states and numbers, in one query."""
        keys = {
            (c.region.strip().upper(), normalise_license_number(c.credential_number))
            for c in certifications
            if c.kind == Certification.Kind.LICENSE and c.credential_number
        }
        if not keys:
            return self.none()
        return self.filter(region__in={region for region, _ in keys}, license_number__in={number for _, number in keys})


class LicenseRecord(models.Model):
    """One license as a state board's roster lists it; the newest roster wins."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        SUSPENDED = "suspended", "Suspended"
        REVOKED = "revoked", "Revoked"

    region = models.CharField("state", max_length=2)
    # normalise_license_number(): "ma-12 345" is MA12345.
    license_number = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    roster = models.ForeignKey(LicenseRoster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = LicenseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["region", "license_number"]
        constraints = [
            models.UniqueConstraint(fields=["region", "license_number"], name="license_record_unique_number"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(issued_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="license_record_expiry_after_issue",
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.license_number} ({self.name})"


class ProfileClaimQuerySet(LockingQuerySet):
    def pending(self):
        return self.filter(status=ProfileClaim.Status.PENDING)


class ProfileClaim(models.Model):
    """A signed-in user's request to own an existing, unowned profile; staff decide it in the admin."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile_claims")
    message = models.TextField(max_length=2000, help_text="How staff can confirm the claimant is this therapist.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ProfileClaimQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="profile_claim_one_pending_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} claims {self.therapist}"
