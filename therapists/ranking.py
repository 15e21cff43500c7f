"""The "best match" ranking: the article's five criteria turned into one score, in pure functions.

A therapist's score (0-100) is a weighted mean of seven parts, each between 0 and 1:

| part           | weight | from                                                                  |
| -------------- | ------ | --------------------------------------------------------------------- |
| credentials    | 2.0    | 1 when the therapist is Verified (models.VERIFIED_MEANING)            |
| reviews        | 3.0    | Bayesian average of the overall rating, shrunk towards the site mean  |
| recommendations| 2.0    | Wilson lower bound (95%) of the share who would recommend             |
| communication  | 1.0    | Bayesian average of the communication sub-rating                      |
| cleanliness    | 1.0    | Bayesian average of the cleanliness sub-rating                        |
| experience     | 0.5    | years in practice, capped at 30: a tie-breaker                        |
| accepting      | 0.5    | 1 when accepting new clients and confirmed within the last 60 days    |
|                |        | (models.ACCEPTING_CONFIRMATION_DAYS); 0 when not accepting, or when   |
|                |        | the therapist has not confirmed it for longer                         |

The accepting part is small on purpose, the size of the experience tie-breaker: it lifts someone a person can
actually book above an equal who may not answer, and never outweighs credentials or reviews. An answer left
unconfirmed counts like no answer.

Two parts depend on the day, not only on what is stored: the Verified badge lapses when a credential expires, and
a confirmation stops counting 60 days after it was given, with no write to announce either. Writes refresh a
therapist's own score at once (a confirmation from the dashboard does); the stored scores of everyone else go
stale as time passes until the `refresh_scores` command rescores them, so the daily scan (issue 16's scheduler)
must run it every day.

Bayesian average: (C * site_mean + n * mean) / (C + n) with C = PRIOR_WEIGHT reviews, so a single
5-star review does not outrank 200 reviews at 4.8, and more reviews move a therapist towards their
own mean. The Wilson lower bound does the same for recommendations: 3 of 3 is less sure than 95 of 100.
Ratings are mapped from 1..5 onto 0..1 before weighting.

How much a review counts as evidence (the `n` of the Bayesian averages and the trials of the Wilson bound, which
is where the number of reviews enters the score):

| review                                                                  | counts as  | constant                  |
| ----------------------------------------------------------------------- | ---------- | ------------------------- |
| verified client: written through the invitation of a visit booked here | 1.0 review | VERIFIED_REVIEW_WEIGHT    |
| that took place (Review.visit; Therapist.verified_review_count)         |            |                           |
| any other review                                                        | 0.5 review | UNVERIFIED_REVIEW_WEIGHT  |

So ten verified-client reviews are as much evidence as twenty others: good or bad, a therapist's own mean takes
over from the site average sooner when it rests on visits the site saw take place, and a pile of unverifiable reviews
moves the score half as fast. The weight is on the evidence, not on the mean: the means stay the plain means of every
published review (one rule set for every review and every star level, and what the filters read), so one verified
review does not pull the mean harder than another review; it makes the mean count sooner. Weighted means would need
their own stored columns. The share who would recommend is counted at the same weight (recommendations times the
weighted count over the count). Held and hidden reviews count nowhere.

A profile's completeness (photo, services and prices, hours, payment, the length of the bio: the dashboard's
"What your profile still lacks", therapists.completeness) is advice to the therapist and no part of this formula:
completeness must not buy rank. Only the Verified badge, which the formula already weighs, is on both lists.
"""

import math
from dataclasses import dataclass

# The one exception to "imports nothing of ours": constants, so "why this rank" says the badge's meaning in the
# same words as the profile, the cards and "How we check", and the accepting window in the same days as the filter.
from .models import ACCEPTING_CONFIRMATION_DAYS, VERIFIED_MEANING

PRIOR_WEIGHT = 5
# How much one review counts as evidence (the table above): a verified client's in full, any other's at half.
VERIFIED_REVIEW_WEIGHT = 1.0
UNVERIFIED_REVIEW_WEIGHT = 0.5
WILSON_Z = 1.96
EXPERIENCE_CAP_YEARS = 30

WEIGHTS = {
    "credentials": 2.0,
    "reviews": 3.0,
    "recommendations": 2.0,
    "communication": 1.0,
    "cleanliness": 1.0,
    "experience": 0.5,
    "accepting": 0.5,
}


@dataclass(frozen=True)
class Priors:
    """Site-wide means that a therapist with little evidence is shrunk towards."""

    rating: float = 4.0
    communication: float = 4.0
    cleanliness: float = 4.0

    @classmethod
    def from_totals(
        cls, *, reviews: int | None, rating: float | None, communication: float | None, cleanliness: float | None
    ) -> "Priors":
        """Means weighted by review count, from the sums of each average times its count; the defaults
        above while nobody has been reviewed."""
        if not reviews:
            return cls()
        return cls(rating=rating / reviews, communication=communication / reviews, cleanliness=cleanliness / reviews)


@dataclass(frozen=True)
class Evidence:
    """What is known of one therapist, read from the denormalised columns."""

    verified: bool = False
    review_count: int = 0
    rating_avg: float | None = None
    communication_avg: float | None = None
    cleanliness_avg: float | None = None
    recommend_count: int = 0
    years_experience: int = 0
    # Accepting new clients, confirmed within ACCEPTING_CONFIRMATION_DAYS (Therapist.is_accepting_confirmed).
    accepting_confirmed: bool = False
    # Of review_count, those written through an invitation after a visit booked here (Therapist.verified_review_count).
    verified_review_count: int = 0

    @property
    def weighted_review_count(self) -> float:
        """The reviews as evidence: verified clients' at VERIFIED_REVIEW_WEIGHT, others' at UNVERIFIED_REVIEW_WEIGHT."""
        verified = min(self.verified_review_count, self.review_count)
        return VERIFIED_REVIEW_WEIGHT * verified + UNVERIFIED_REVIEW_WEIGHT * (self.review_count - verified)

    @property
    def weighted_recommend_count(self) -> float:
        """Would-recommend answers at the same weight as the reviews they come with."""
        if not self.review_count:
            return 0.0
        return self.recommend_count * self.weighted_review_count / self.review_count


def bayesian_average(mean: float | None, count: float, prior_mean: float, prior_weight: float = PRIOR_WEIGHT) -> float:
    if not count or mean is None:
        return prior_mean
    return (prior_weight * prior_mean + count * mean) / (prior_weight + count)


def wilson_lower_bound(successes: float, trials: float, z: float = WILSON_Z) -> float:
    if trials <= 0:
        return 0.0
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = share + z * z / (2 * trials)
    margin = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - margin) / denominator)


def _unit(rating: float) -> float:
    """Map a 1..5 rating onto 0..1."""
    return min(1.0, max(0.0, (rating - 1) / 4))


def components(evidence: Evidence, priors: Priors) -> dict[str, float]:
    n = evidence.weighted_review_count
    return {
        "credentials": 1.0 if evidence.verified else 0.0,
        "reviews": _unit(bayesian_average(evidence.rating_avg, n, priors.rating)),
        "recommendations": wilson_lower_bound(evidence.weighted_recommend_count, n),
        "communication": _unit(bayesian_average(evidence.communication_avg, n, priors.communication)),
        "cleanliness": _unit(bayesian_average(evidence.cleanliness_avg, n, priors.cleanliness)),
        "experience": min(evidence.years_experience, EXPERIENCE_CAP_YEARS) / EXPERIENCE_CAP_YEARS,
        "accepting": 1.0 if evidence.accepting_confirmed else 0.0,
    }


def score(evidence: Evidence, priors: Priors) -> float:
    parts = components(evidence, priors)
    total = sum(WEIGHTS[name] * value for name, value in parts.items())
    return round(100 * total / sum(WEIGHTS.values()), 4)


def explain(evidence: Evidence, priors: Priors) -> list[str]:
    """The score in plain words, for "why this rank" on the profile."""
    n = evidence.review_count
    lines = []
    if evidence.verified:
        lines.append(f"{VERIFIED_MEANING} This part counts in full.")
    else:
        lines.append(f"Not Verified yet, so this part adds nothing. {VERIFIED_MEANING}")
    if n:
        weighted = evidence.weighted_review_count
        adjusted = bayesian_average(evidence.rating_avg, weighted, priors.rating)
        lines.append(
            f"Rated {evidence.rating_avg:.1f} out of 5 by {n} client{'s' if n != 1 else ''}; "
            f"weighed against the site average of {priors.rating:.1f}, that counts as {adjusted:.2f}. "
            "More reviews count for more."
        )
        lines.append(_review_weight_words(evidence))
        share = round(100 * evidence.recommend_count / n)
        cautious = wilson_lower_bound(evidence.weighted_recommend_count, weighted)
        lines.append(
            f"{share}% of reviewers would recommend them; we count the cautious end of that figure "
            f"({100 * cautious:.0f}%) until there are more reviews."
        )
        if evidence.communication_avg is not None and evidence.cleanliness_avg is not None:
            lines.append(
                f"Clients rate communication {evidence.communication_avg:.1f} and cleanliness "
                f"{evidence.cleanliness_avg:.1f} out of 5."
            )
    else:
        lines.append("No reviews yet, so ratings count as the site average and recommendations add nothing.")
    years = evidence.years_experience
    lines.append(f"{years} year{'s' if years != 1 else ''} in practice, used to break ties.")
    if evidence.accepting_confirmed:
        lines.append(
            f"Confirmed within the last {ACCEPTING_CONFIRMATION_DAYS} days that they accept new clients: "
            "this small part counts in full."
        )
    else:
        lines.append(
            f"Not confirmed as accepting new clients within the last {ACCEPTING_CONFIRMATION_DAYS} days, "
            "so this small part adds nothing."
        )
    return lines


def _count_words(count: float) -> str:
    return f"{count:g} review{'' if count == 1 else 's'}"


def _review_weight_words(evidence: Evidence) -> str:
    """How the reviews count as evidence: verified clients' in full, the others' at a lower weight."""
    verified = min(evidence.verified_review_count, evidence.review_count)
    others = evidence.review_count - verified
    return (
        f"{verified} of these reviews {'is' if verified == 1 else 'are'} from verified clients, whose visits were "
        f"booked here and took place; each counts as {_count_words(VERIFIED_REVIEW_WEIGHT)}. The other {others} "
        f"count{'s' if others == 1 else ''} as {_count_words(UNVERIFIED_REVIEW_WEIGHT)} each, so the ratings rest on "
        f"the weight of {_count_words(evidence.weighted_review_count)}."
    )
