"""Demo reviews for `seed_demo`, planned in memory so each therapist's aggregates match its reviews exactly."""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from faker.providers.person.en_US import Provider as NamesProvider

from reviews.models import Review, ReviewFlag, ReviewResponse

from . import content
from .therapists import BATCH_SIZE, TherapistPlan

CLIENT_PREFIX = "demo-client-"
# Faker's US first and last names, in its order: a demo client's name is drawn from them by its number.
FIRST_NAMES = list(NamesProvider.first_names)
LAST_NAMES = list(NamesProvider.last_names)
# The share of the reviews of a profile with an owner that the owner has answered.
REPLY_SHARE = 0.4
FLAG_DETAILS = ["Reads like an advert.", "Mentions another client by name.", "I do not think they visited.", ""]


@dataclass
class ReviewPlan:
    plan_index: int
    values: dict


def client_name(number: int) -> tuple[str, str]:
    """The first and last name of demo client `number`, shown on reviews as "Maria G." (User.public_name).
    Drawn from the number alone, so a client keeps their name whichever seed or run created the account."""
    own = random.Random(f"client:{number}")
    return own.choice(FIRST_NAMES), own.choice(LAST_NAMES)


def _client_pool(size: int) -> list[int]:
    """Ids of `size` demo client accounts, creating the missing ones (unusable passwords)."""
    User = get_user_model()
    existing = list(User.objects.filter(username__startswith=CLIENT_PREFIX).order_by("pk").values_list("pk", flat=True))
    missing = size - len(existing)
    if missing > 0:
        now = timezone.now()
        start = len(existing)
        users = []
        for i in range(start, start + missing):
            username = f"{CLIENT_PREFIX}{i:06d}"
            first, last = client_name(i)
            user = User(
                username=username, email=f"{username}@example.com", first_name=first, last_name=last,
                email_confirmed_at=now,
            )  # fmt: skip
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        existing = list(
            User.objects.filter(username__startswith=CLIENT_PREFIX).order_by("pk").values_list("pk", flat=True)
        )
    return existing[:size]


def _clamp(value: float) -> int:
    return max(1, min(5, round(value)))


def plan_reviews(
    plans: list[TherapistPlan], *, total: int, rng: random.Random, specialty_ids: list[int]
) -> list[ReviewPlan]:
    """Spread `total` reviews over the published therapists (skewed: a few have many) and set their aggregates."""
    published = [i for i, p in enumerate(plans) if p.therapist.status == "published"]
    if not published or total <= 0:
        return []
    weights = [rng.paretovariate(1.6) for _ in published]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    # Hand out the remainder so the total is exact.
    for k in range(total - sum(counts)):
        counts[k % len(counts)] += 1
    today = timezone.localdate()
    reviews = []
    for plan_index, count in zip(published, counts, strict=True):
        if not count:
            continue
        therapist = plans[plan_index].therapist
        quality = min(4.95, max(2.0, rng.gauss(4.3, 0.45)))
        sums = {"rating": 0, "technique": 0, "professionalism": 0, "communication": 0, "cleanliness": 0}
        recommended = 0
        for _ in range(count):
            rating = _clamp(rng.gauss(quality, 0.7))
            values = {
                "rating": rating,
                "technique": _clamp(rng.gauss(rating, 0.5)),
                "professionalism": _clamp(rng.gauss(rating + 0.2, 0.5)),
                "communication": _clamp(rng.gauss(rating, 0.6)),
                "cleanliness": _clamp(rng.gauss(rating + 0.3, 0.5)),
                "would_recommend": rating >= 4 or (rating == 3 and rng.random() < 0.3),
                "massage_type_id": rng.choice(plans[plan_index].specialty_ids or specialty_ids),
            }
            for key in sums:
                sums[key] += values[key]
            recommended += values["would_recommend"]
            months_ago = rng.randint(0, 30)
            visit = (today.replace(day=1) - datetime.timedelta(days=30 * months_ago)).replace(day=1)
            values["visit_month"] = visit
            values["created_at"] = timezone.make_aware(
                datetime.datetime.combine(visit + datetime.timedelta(days=rng.randint(1, 27)), datetime.time(12))
            )
            if values["created_at"] > timezone.now():
                values["created_at"] = timezone.now()
            # Demo reviews show at once: published when posted.
            values["published_at"] = values["created_at"]
            plan = plans[plan_index]
            values["title"], values["body"] = content.review_text(
                rating=rating,
                massage=plan.specialty_names.get(values["massage_type_id"], "relaxation"),
                focus=plan.focus_terms,
                name=plan.therapist.name.split()[0],
                rng=rng,
            )
            reviews.append(ReviewPlan(plan_index, values))
        therapist.review_count = count
        therapist.rating_avg = sums["rating"] / count
        therapist.technique_avg = sums["technique"] / count
        therapist.professionalism_avg = sums["professionalism"] / count
        therapist.communication_avg = sums["communication"] / count
        therapist.cleanliness_avg = sums["cleanliness"] / count
        therapist.recommend_count = recommended
        therapist.recommend_pct = 100 * recommended / count
    return reviews


def insert_reviews(plans: list[TherapistPlan], reviews: list[ReviewPlan], *, rng: random.Random) -> int:
    """Insert the planned reviews with distinct demo clients per therapist."""
    if not reviews:
        return 0
    per_therapist: dict[int, int] = {}
    for review in reviews:
        per_therapist[review.plan_index] = per_therapist.get(review.plan_index, 0) + 1
    pool = _client_pool(max(500, 2 * max(per_therapist.values())))
    authors = {index: iter(rng.sample(pool, count)) for index, count in per_therapist.items()}
    with transaction.atomic():
        batch = []
        for review in reviews:
            batch.append(
                Review(
                    therapist_id=plans[review.plan_index].therapist.pk,
                    author_id=next(authors[review.plan_index]),
                    **review.values,
                )
            )
            if len(batch) >= 5000:
                Review.objects.bulk_create(batch)
                batch = []
        Review.objects.bulk_create(batch)
    return len(reviews)


def insert_replies_and_flags(count: int, *, rng: random.Random) -> tuple[int, int]:
    """Replies under some of the `count` newest reviews and a few open flags, for the profile and the moderation queue.

    Only a profile's owner can reply, so only the reviews of owned profiles get one, written by the owner and
    answering what the review says (content.reply_text). Neither replies nor open flags touch the aggregates: they
    do not change what a review counts for.
    """
    if count <= 0:
        return 0, 0
    newest = list(
        Review.objects.order_by("-pk").values_list(
            "pk", "author_id", "rating", "body", "therapist__owner_id", "created_at"
        )[:count]
    )
    now = timezone.now()
    replies = [
        ReviewResponse(
            review_id=pk,
            author_id=owner_id,
            body=content.reply_text(rating=rating, review=body, rng=rng),
            # Answered within a few days of the review.
            created_at=min(now, posted + datetime.timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 12))),
        )
        for pk, _author_id, rating, body, owner_id, posted in newest
        if owner_id is not None and rng.random() < REPLY_SHARE
    ]
    ReviewResponse.objects.bulk_create(replies, batch_size=BATCH_SIZE)
    reporters = list(
        get_user_model()
        .objects.filter(username__startswith=CLIENT_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    )
    flags = []
    for pk, author_id, *_rest in rng.sample(newest, min(len(newest), max(1, min(12, count // 200)))):
        candidates = [user for user in reporters if user != author_id]
        if candidates:
            flags.append(
                ReviewFlag(
                    review_id=pk,
                    reporter_id=rng.choice(candidates),
                    reason=rng.choice(ReviewFlag.Reason.values),
                    details=rng.choice(FLAG_DETAILS),
                )
            )
    ReviewFlag.objects.bulk_create(flags)
    return len(replies), len(flags)
