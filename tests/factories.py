"""factory_boy factories for every model the tests touch."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from reviews.models import Review, ReviewFlag, ReviewResponse
from therapists.models import Certification, Place, ProfileClaim, Specialty, Therapist, specialty_certified_until

PASSWORD = "a-good-Passw0rd"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    external_id = factory.Sequence(lambda n: f"test:{n}")
    kind = Place.Kind.CITY
    name = factory.Faker("city")
    search_name = factory.LazyAttribute(lambda p: p.name.casefold())
    country = "US"
    region = "CO"
    latitude = 39.7392
    longitude = -104.9903
    population = 10000


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Specialty {n}")
    slug = factory.LazyAttribute(lambda s: slugify(s.name))


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist
        skip_postgeneration_save = True

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"therapist-{n}")
    bio = factory.Faker("paragraph")
    city = "Denver"
    region = "CO"
    latitude = 39.7392
    longitude = -104.9903
    years_experience = 5
    price_60 = 90
    status = Therapist.Status.PUBLISHED

    @factory.post_generation
    def specialties(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.specialties.set(extracted)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification
        skip_postgeneration_save = True

    therapist = factory.SubFactory(TherapistFactory)
    kind = Certification.Kind.LICENSE
    title = "Licensed Massage Therapist"
    issuing_body = "Colorado Board of Massage Therapy"
    # A license names its state (TherapistFactory practises in CO); other kinds need none.
    region = factory.LazyAttribute(lambda cert: "CO" if cert.kind == Certification.Kind.LICENSE else "")
    credential_number = factory.Sequence(lambda n: f"LMT-{n:06d}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))
    status = Certification.Status.PENDING
    rejection_reason = factory.LazyAttribute(
        lambda cert: Certification.RejectionReason.OTHER if cert.status == Certification.Status.REJECTED else ""
    )

    @factory.post_generation
    def keep_certified_until(certification, create, extracted, **kwargs):
        """The search reads Therapist.certified_until, which the certification services keep; so does the factory."""
        if create:
            held = Certification.objects.filter(therapist_id=certification.therapist_id)
            Therapist.objects.filter(pk=certification.therapist_id).update(
                certified_until=specialty_certified_until(held)
            )


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    therapist = factory.SubFactory(TherapistFactory)
    author = factory.SubFactory(UserFactory)
    rating = 5
    technique = 5
    professionalism = 5
    communication = 5
    cleanliness = 5
    would_recommend = True
    visit_month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    title = "A calm and careful session"
    body = "They listened to what I said about my back and adjusted the pressure."


class ReviewResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewResponse

    review = factory.SubFactory(ReviewFactory)
    author = factory.LazyAttribute(lambda r: r.review.therapist.owner)
    body = "Thank you for coming in."


class ReviewFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewFlag

    review = factory.SubFactory(ReviewFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = ReviewFlag.Reason.OFFENSIVE


class ProfileClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfileClaim

    therapist = factory.SubFactory(TherapistFactory)
    user = factory.SubFactory(UserFactory)
    message = "My license number is LMT-001234 and my practice phone is 303-555-0100."
