"""Demo therapists for `seed_demo`: realistic, deterministic for a seed, bulk-inserted so 100,000 load quickly."""

import datetime
import io
import math
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker
from PIL import Image, ImageDraw, ImageFont

from common.storage import private_storage
from therapists import ranking, vocabulary
from therapists.models import (
    Amenity,
    Certification,
    CertificationDecision,
    FocusArea,
    Language,
    OpeningPeriod,
    Place,
    Service,
    Specialty,
    Therapist,
    credentials_valid_until,
    specialty_certified_until,
)
from therapists.selectors import ranking_evidence
from therapists.term_bits import refresh_term_bits

from . import content, offerings

BATCH_SIZE = 2000
# Rows of a few columns (links, services, opening periods) go 5,000 at a time: 20,000 parameters, well under
# PostgreSQL's 65,535 (SQLite's 999-variable bound makes its own smaller batches).
NARROW_BATCH_SIZE = 5000
DEMO_DOCUMENT_NAME = "certifications/demo-credential.pdf"
# A tiny but well-formed PDF: the one document every demo certification points at.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# The demo practises in this many cities: the biggest well-known ones of the gazetteer (content.CITY_AREA_CODES).
DEMO_CITY_COUNT = 80
# Two cities closer than this are one town under two names (a borough, a district, a twin): the bigger one stays.
SAME_TOWN_KM = 10
KM_PER_DEGREE = 111.2
# About a third of the demo profiles have been claimed by their therapist (an owner account): only those can
# answer reviews, so the demo's replies are theirs. The accounts have unusable passwords, like the demo clients.
JOINED_SHARE = 0.35
OWNER_PREFIX = "demo-owner-"
PALETTE = [(15, 107, 97), (46, 94, 140), (122, 75, 138), (160, 82, 45), (58, 110, 60), (94, 96, 120)]


@dataclass
class TherapistPlan:
    """One demo therapist before insertion: the row, its links, its credentials and its practice's menu and week."""

    therapist: Therapist
    specialty_ids: list[int]
    practice: offerings.Practice = field(default_factory=offerings.Practice)
    focus_ids: list[int] = field(default_factory=list)
    language_ids: list[int] = field(default_factory=list)
    amenity_ids: list[int] = field(default_factory=list)
    certifications: list[Certification] = field(default_factory=list)
    # Names of its specialties by id, and its focus areas as (slug, name): what its reviews talk about.
    specialty_names: dict[int, str] = field(default_factory=dict)
    focus_terms: list[tuple[str, str]] = field(default_factory=list)
    # The therapist has joined the directory: insert_plans gives the profile an owner account.
    joined: bool = False


def _weighted_status(rng: random.Random) -> str:
    return rng.choices(
        [Certification.Status.VERIFIED, Certification.Status.PENDING, Certification.Status.REJECTED],
        weights=[78, 15, 7],
    )[0]


def _certifications(
    rng: random.Random,
    fake: Faker,
    specialty_ids: list[int],
    specialty_names: dict[int, str],
    today: datetime.date,
    region: str,
) -> list[Certification]:
    certs = []
    issued = today - datetime.timedelta(days=rng.randint(200, 3000))
    # Licenses run for two years; about one in eight demo licenses has lapsed.
    lapsed = rng.random() < 0.12
    expires = (
        today - datetime.timedelta(days=rng.randint(1, 300))
        if lapsed
        else today + datetime.timedelta(days=rng.randint(10, 720))
    )
    if expires <= issued:
        issued = expires - datetime.timedelta(days=730)
    certs.append(
        Certification(
            kind=Certification.Kind.LICENSE,
            title="Licensed Massage Therapist (LMT)",
            issuing_body=f"{region or 'State'} Board of Massage Therapy",
            # Issued where the therapist practises, so it earns the Verified badge once verified.
            region=region or "CO",
            credential_number=f"LMT-{rng.randint(10000, 999999)}",
            issued_on=issued,
            expires_on=expires,
            status=_weighted_status(rng),
        )
    )
    if rng.random() < 0.25:
        certs.append(
            Certification(
                kind=Certification.Kind.BOARD,
                title="Board Certified in Therapeutic Massage and Bodywork",
                issuing_body="National Certification Board for Therapeutic Massage & Bodywork",
                credential_number=f"NCB-{rng.randint(100000, 999999)}",
                issued_on=today - datetime.timedelta(days=rng.randint(100, 2500)),
                expires_on=None,
                status=_weighted_status(rng),
            )
        )
    for specialty_id in specialty_ids:
        if rng.random() < 0.55:
            issued_on = today - datetime.timedelta(days=rng.randint(60, 2500))
            certs.append(
                Certification(
                    kind=Certification.Kind.SPECIALTY,
                    title=f"Certificate in {specialty_names[specialty_id]} massage",
                    issuing_body=rng.choice(
                        [
                            "Pacific School of Massage",
                            "Institute of Bodywork Studies",
                            "American Academy of Massage",
                            "Northern College of Massage",
                        ]
                    ),
                    credential_number=f"SC-{rng.randint(1000, 99999)}",
                    specialty_id=specialty_id,
                    issued_on=issued_on,
                    expires_on=rng.choice([None, issued_on + datetime.timedelta(days=rng.randint(400, 1800))]),
                    status=_weighted_status(rng),
                )
            )
    return certs


def _accepting_confirmed_at(slug: str, now: datetime.datetime) -> datetime.datetime:
    """When the therapist last confirmed taking new clients: most within the last 60 days, about one in seven
    longer ago (they show "not confirmed recently"). Drawn from the slug, so the main sequence stays as it was."""
    own = random.Random(f"accepting:{slug}")
    days = own.randint(61, 240) if own.random() < 0.15 else own.randint(0, 58)
    return now - datetime.timedelta(days=days, seconds=own.randint(0, 86399))


def _joined(slug: str) -> bool:
    """Whether the therapist has claimed the profile; drawn from the slug, so the main sequence stays as it was."""
    return random.Random(f"joined:{slug}").random() < JOINED_SHARE


def distance_km(a: Place, b: Place) -> float:
    """How far apart two places are, on a flat map: exact enough to tell a town from its neighbour."""
    north = (a.latitude - b.latitude) * KM_PER_DEGREE
    east = (a.longitude - b.longitude) * KM_PER_DEGREE * math.cos(math.radians((a.latitude + b.latitude) / 2))
    return math.hypot(north, east)


def demo_cities(count: int = DEMO_CITY_COUNT) -> list[Place]:
    """The `count` most populous well-known US cities of the gazetteer (content.CITY_AREA_CODES), leaving out any
    within SAME_TOWN_KM of a bigger one chosen: a city where people would say they live, each under one name."""
    names = {name for name, _region in content.CITY_AREA_CODES}
    chosen: list[Place] = []
    for place in Place.objects.filter(kind=Place.Kind.CITY, country="US", name__in=names).order_by("-population", "pk"):
        if (place.name, place.region) not in content.CITY_AREA_CODES:
            continue
        if any(distance_km(place, bigger) < SAME_TOWN_KM for bigger in chosen):
            continue
        chosen.append(place)
        if len(chosen) == count:
            break
    return chosen


def plan_therapists(*, count: int, rng: random.Random, fake: Faker, existing_slugs: set[str]) -> list[TherapistPlan]:
    cities = demo_cities()
    if not cities:
        raise ValueError("The gazetteer has none of the demo's cities: run `python manage.py load_places` first.")
    city_weights = [max(1.0, c.population**0.5) for c in cities]
    specialty_terms = {s.pk: (s.slug, s.name) for s in Specialty.objects.order_by("pk")}
    specialties = {pk: name for pk, (_slug, name) in specialty_terms.items()}
    specialty_ids = list(specialties)
    focus_terms = {
        pk: (slug, name) for pk, slug, name in FocusArea.objects.order_by("pk").values_list("pk", "slug", "name")
    }
    focus_ids = list(focus_terms)
    languages = dict(Language.objects.values_list("code", "pk"))
    english = languages.get("en")
    other_languages = [pk for code, pk in languages.items() if code != "en"]
    amenity_ids = list(Amenity.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    now = timezone.now()
    plans = []
    for _ in range(count):
        gender = rng.choices(list(Therapist.Gender.values), weights=[60, 35, 5])[0]
        first = (
            fake.first_name_female()
            if gender == Therapist.Gender.FEMALE
            else (fake.first_name_male() if gender == Therapist.Gender.MALE else fake.first_name_nonbinary())
        )
        name = f"{first} {fake.last_name()}"
        city = rng.choices(cities, weights=city_weights)[0]
        base_slug = slugify(f"{name} {city.name}")[:120] or "therapist"
        slug, n = base_slug, 1
        while slug in existing_slugs:
            n += 1
            slug = f"{base_slug}-{n}"
        existing_slugs.add(slug)
        chosen_specialties = rng.sample(specialty_ids, k=rng.choices([1, 2, 3], weights=[35, 45, 20])[0])
        chosen_focus = rng.sample(focus_ids, k=rng.randint(0, min(3, len(focus_ids))))
        years = min(40, int(rng.expovariate(1 / 9)))
        travels, hypoallergenic = rng.random() < 0.25, rng.random() < 0.4
        practice = offerings.plan_practice(
            specialties=[(pk, specialty_terms[pk][0]) for pk in chosen_specialties], travels=travels, rng=rng
        )
        # The words come from the facts: its own specialties and focus areas, years, city and practicalities.
        offered = [specialty_terms[pk] for pk in chosen_specialties]
        focus = [focus_terms[pk] for pk in chosen_focus]
        therapist = Therapist(
            name=name,
            slug=slug,
            headline=content.tagline(specialties=offered, focus=focus, city=city.name, rng=rng),
            bio=content.bio(
                specialties=offered,
                focus=focus,
                years=years,
                city=city.name,
                travels=travels,
                hypoallergenic=hypoallergenic,
                rng=rng,
                mobile_only=practice.mobile_only,
                when=content.when_sentence(
                    by_appointment=practice.by_appointment,
                    evening_closes=practice.evening_closes,
                    weekends=practice.open_weekends,
                ),
            ),
            gender=gender,
            years_experience=years,
            place=city,
            city=city.name,
            region=city.region,
            country=city.country,
            # Within about 8 km of the city centre.
            latitude=round(city.latitude + rng.uniform(-0.07, 0.07), 6),
            longitude=round(city.longitude + rng.uniform(-0.09, 0.09), 6),
            travels_to_client=travels,
            # Where, when, how to pay, and price_60 as the cheapest 60-minute service (the contract's max_price).
            **practice.therapist_fields(),
            accepting_new_clients=rng.random() < 0.8,
            accepting_confirmed_at=_accepting_confirmed_at(slug, now),
            hypoallergenic_products=hypoallergenic,
            phone=content.phone_number(city.region, rng, city=city.name),
            email=f"{slug[:40]}@example.com",
            status=rng.choices(list(Therapist.Status.values), weights=[2, 96, 2])[0],
            created_at=now - datetime.timedelta(days=rng.randint(0, 1100), seconds=rng.randint(0, 86399)),
        )
        languages_spoken = [english] if english else []
        if other_languages and rng.random() < 0.35:
            languages_spoken.append(rng.choice(other_languages))
        plan = TherapistPlan(
            therapist=therapist,
            specialty_ids=chosen_specialties,
            practice=practice,
            focus_ids=chosen_focus,
            language_ids=languages_spoken,
            amenity_ids=rng.sample(amenity_ids, k=rng.randint(1, min(4, len(amenity_ids)))) if amenity_ids else [],
            certifications=_certifications(rng, fake, chosen_specialties, specialties, today, city.region),
            specialty_names={pk: specialties[pk] for pk in chosen_specialties},
            focus_terms=focus,
            joined=_joined(slug),
        )
        therapist.verified_until = credentials_valid_until(plan.certifications, practice_region=therapist.region)
        therapist.certified_until = specialty_certified_until(plan.certifications)
        plans.append(plan)
    return plans


def score_plans(plans: list[TherapistPlan]) -> None:
    """Fill in each planned therapist's score from its planned aggregates, before the bulk insert."""
    reviewed = [p.therapist for p in plans if p.therapist.review_count]
    priors = ranking.Priors.from_totals(
        reviews=sum(t.review_count for t in reviewed),
        rating=sum(t.rating_avg * t.review_count for t in reviewed),
        communication=sum(t.communication_avg * t.review_count for t in reviewed),
        cleanliness=sum(t.cleanliness_avg * t.review_count for t in reviewed),
    )
    for plan in plans:
        plan.therapist.score = ranking.score(ranking_evidence(plan.therapist), priors)


def _avatar(name: str, rng: random.Random, size: int) -> bytes:
    colour = rng.choice(PALETTE)
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    for i in range(size // 2, 0, -max(1, size // 12)):
        shade = tuple(min(255, c + (size // 2 - i) // 3) for c in colour)
        draw.ellipse([size // 2 - i, size // 2 - i, size // 2 + i, size // 2 + i], fill=shade)
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    font = ImageFont.load_default(size=size // 3)
    draw.text((size / 2, size / 2), initials, fill=(255, 255, 255), font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()


def _insert_menus_and_weeks(plans: list[TherapistPlan]) -> None:
    """Every planned service and opening period in bulk: a few queries whatever the number of therapists.
    The planner already kept the menus' rules (own types, one price per type and length) and the weeks' (no overlap)."""
    Service.objects.bulk_create(
        (
            Service(therapist_id=p.therapist.pk, specialty_id=line.specialty_id, minutes=line.minutes, price=line.price)
            for p in plans
            for line in p.practice.menu
        ),
        batch_size=NARROW_BATCH_SIZE,
    )
    OpeningPeriod.objects.bulk_create(
        (
            OpeningPeriod(therapist_id=p.therapist.pk, weekday=period.weekday, opens=period.opens, closes=period.closes)
            for p in plans
            for period in p.practice.periods
        ),
        batch_size=NARROW_BATCH_SIZE,
    )


def _give_owners(plans: list[TherapistPlan]) -> None:
    """An owner account for every therapist who has joined, named like the therapist (existing demo owner accounts
    of the same slug, left over from deleted profiles, are reused): the accounts' bulk insert and one query."""
    User = get_user_model()
    now = timezone.now()
    accounts = []
    for plan in plans:
        if plan.joined:
            first, _space, last = plan.therapist.name.partition(" ")
            username = f"{OWNER_PREFIX}{plan.therapist.slug}"[:150]
            account = User(
                username=username, email=f"{username}@example.com", first_name=first, last_name=last,
                email_confirmed_at=now,
            )  # fmt: skip
            account.set_unusable_password()
            accounts.append(account)
    if not accounts:
        return
    User.objects.bulk_create(accounts, batch_size=BATCH_SIZE, ignore_conflicts=True)
    free = {
        username: pk
        for username, pk, profile in User.objects.filter(username__startswith=OWNER_PREFIX).values_list(
            "username", "pk", "therapist_profile"
        )
        if profile is None
    }
    for plan in plans:
        if plan.joined:
            plan.therapist.owner_id = free.get(f"{OWNER_PREFIX}{plan.therapist.slug}"[:150])


def insert_plans(plans: list[TherapistPlan], *, photos: int, rng: random.Random) -> list[Therapist]:
    """Bulk-insert the therapists, their links, menus, hours and credentials; give the first `photos` a photo."""
    storage = private_storage()
    if not storage.exists(DEMO_DOCUMENT_NAME):
        storage.save(DEMO_DOCUMENT_NAME, ContentFile(DEMO_PDF))
    for plan in plans[:photos]:
        t = plan.therapist
        t.photo.name = default_storage.save(f"photos/demo-{t.slug}.jpg", ContentFile(_avatar(t.name, rng, 480)))
        t.photo_thumbnail.name = default_storage.save(
            f"thumbs/demo-{t.slug}.jpg", ContentFile(_avatar(t.name, random.Random(t.slug), 144))
        )
    therapists = [p.therapist for p in plans]
    with transaction.atomic():
        _give_owners(plans)
        Therapist.objects.bulk_create(therapists, batch_size=BATCH_SIZE)
        planned = {"specialty": "specialty_ids", "focus": "focus_ids", "language": "language_ids",
                   "amenity": "amenity_ids"}  # fmt: skip
        for kind, (through, column) in vocabulary.LINKS.items():
            attribute = planned[kind]
            rows = [
                through(therapist_id=p.therapist.pk, **{column: target})
                for p in plans
                for target in getattr(p, attribute)
            ]
            through.objects.bulk_create(rows, batch_size=NARROW_BATCH_SIZE)
        if therapists:
            # Link rows inserted in bulk send no m2m_changed: the links' bits are recomputed here (term_bits).
            ids = [t.pk for t in therapists]
            refresh_term_bits(Q(pk__gte=min(ids), pk__lte=max(ids)))
        _insert_menus_and_weeks(plans)
        certifications = []
        for plan in plans:
            for cert in plan.certifications:
                cert.therapist_id = plan.therapist.pk
                cert.document.name = DEMO_DOCUMENT_NAME
                if cert.status != Certification.Status.PENDING:
                    cert.decided_at = timezone.now()
                    cert.decision_note = (
                        ""
                        if cert.status == Certification.Status.VERIFIED
                        else ("The license number did not match the state board's register.")
                    )
                    if cert.status == Certification.Status.REJECTED:
                        cert.rejection_reason = Certification.RejectionReason.NOT_IN_REGISTRY
                certifications.append(cert)
        Certification.objects.bulk_create(certifications, batch_size=BATCH_SIZE)
        CertificationDecision.objects.bulk_create(
            [
                CertificationDecision(
                    certification=cert,
                    certification_label=f"{cert.title} — {cert.credential_number}"[:400],
                    status=cert.status,
                    note=cert.decision_note,
                    decided_at=cert.decided_at,
                )
                for cert in certifications
                if cert.decided_at
            ],
            batch_size=BATCH_SIZE,
        )
    return therapists
