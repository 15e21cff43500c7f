"""Integrity signals measured on every new review, and the one table of rules that holds a review for a moderator.

`measure()` records, under the therapist's row lock and in at most three queries, what a moderator would want to
know about a new review (stored in Review.signals, a flat dict with a "version" key):

- `account_age_days`: whole days since the author's account was opened;
- `author_reviews_last_day`: reviews by this account in the 24 hours before this one (any therapist);
- `new_account_reviews`: reviews of this therapist within REVIEW_CLUSTER_HOURS from accounts that were younger
  than REVIEW_NEW_ACCOUNT_DAYS when they posted, this one included when its account is new;
- `shared_address`: another account reviewed this therapist from the same address (compared by its keyed hash)
  within REVIEW_CLUSTER_HOURS;
- `therapist_address`, `therapist_device`, `therapist_footprint`: the review was posted from an address, a
  browser, either, that the reviewed therapist's own account used within REVIEW_FOOTPRINT_DAYS
  (accounts.footprints; compared by keyed hashes, never in clear);
- `burst`: reviews of this therapist within `burst_hours` (REVIEW_BURST_HOURS), this one included;
  `burst_usual`: how many it usually receives in that many hours, over the REVIEW_BURST_BASELINE_DAYS before;
- `near_duplicate_of`: the id of the most alike review not hidden (any therapist, the last
  REVIEW_NEAR_DUPLICATE_DAYS, the newest REVIEW_NEAR_DUPLICATE_SCAN of them) when it is at least
  REVIEW_NEAR_DUPLICATE_SIMILARITY alike, else null; `near_duplicate_similarity`: how alike the closest one is.
  Alike is the Jaccard index of the two texts' sets of three-word shingles, words compared after Unicode
  normalisation and case folding, punctuation ignored: 1.0 for the same words in the same order, 0.8 when a
  few words of a paragraph were changed.

Reviews held or hidden still count in the counts: they were received. The signals never hold the rating, and
the rules below read only the signals: a 1-star and a 5-star review are held alike.

Every threshold is a setting (config.settings.base, REVIEW_*), read when a review is measured.
"""

import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Q

from accounts.footprints import footprint_hashes, footprints_used
from accounts.models import AccountFootprint

from .models import Review

SIGNALS_VERSION = 1

SHINGLE_WORDS = 3
WORD = re.compile(r"\w+")


def threshold(name: str):
    """A rule's threshold: its setting (config.settings.base, REVIEW_*), read when the rule runs."""
    return getattr(settings, name)


# ---------------------------------------------------------------------------------------------------------------
# The rules


@dataclass(frozen=True)
class Rule:
    reason: Review.HoldReason
    # The rule in words, as the moderators' help and the public "How we handle reviews" page can say it.
    says: str
    trips: Callable[[dict], bool]


def _is_new_account(signals: dict) -> bool:
    return signals["account_age_days"] < threshold("REVIEW_NEW_ACCOUNT_DAYS")


def _is_burst(signals: dict) -> bool:
    return signals["burst"] >= max(
        threshold("REVIEW_BURST_MIN_REVIEWS"), threshold("REVIEW_BURST_FACTOR") * signals["burst_usual"]
    )


# Checked in this order; the first rule a review trips is the reason it is held.
RULES = (
    Rule(
        Review.HoldReason.THERAPIST_FOOTPRINT,
        "Posted from an address or a browser that the reviewed therapist's own account used in the last "
        "REVIEW_FOOTPRINT_DAYS days.",
        lambda signals: signals["therapist_footprint"],
    ),
    Rule(
        Review.HoldReason.NEW_ACCOUNT_CLUSTER,
        "From a new account (younger than REVIEW_NEW_ACCOUNT_DAYS days), and the therapist received at least "
        "REVIEW_CLUSTER_SIZE reviews from new accounts, this one included, within REVIEW_CLUSTER_HOURS hours.",
        lambda signals: _is_new_account(signals) and signals["new_account_reviews"] >= threshold("REVIEW_CLUSTER_SIZE"),
    ),
    Rule(
        Review.HoldReason.SHARED_ADDRESS,
        "Another account reviewed this therapist from the same address within REVIEW_CLUSTER_HOURS hours.",
        lambda signals: signals["shared_address"],
    ),
    Rule(
        Review.HoldReason.BUSY_NEW_ACCOUNT,
        "From a new account that already posted REVIEW_BUSY_ACCOUNT_REVIEWS reviews or more in the day before.",
        lambda signals: (
            _is_new_account(signals) and signals["author_reviews_last_day"] >= threshold("REVIEW_BUSY_ACCOUNT_REVIEWS")
        ),
    ),
    Rule(
        Review.HoldReason.BURST,
        "The therapist received REVIEW_BURST_MIN_REVIEWS reviews or more within REVIEW_BURST_HOURS hours, this "
        "one included, and REVIEW_BURST_FACTOR times as many as usual or more.",
        _is_burst,
    ),
    Rule(
        Review.HoldReason.NEAR_DUPLICATE,
        "Its text is at least REVIEW_NEAR_DUPLICATE_SIMILARITY alike (three-word shingles, Jaccard) with "
        "another review, not hidden, from the last REVIEW_NEAR_DUPLICATE_DAYS days.",
        lambda signals: signals["near_duplicate_of"] is not None,
    ),
)


def tripped_rules(signals: dict) -> list[Rule]:
    return [rule for rule in RULES if rule.trips(signals)]


def hold_reason(signals: dict) -> str:
    """The reason a review with these signals waits for a moderator (the first rule it trips), or "" to publish it."""
    tripped = tripped_rules(signals)
    return tripped[0].reason if tripped else ""


# ---------------------------------------------------------------------------------------------------------------
# The signals


def shingles(text: str) -> frozenset[str]:
    """The text's runs of SHINGLE_WORDS words, normalised; a shorter text is one shingle."""
    words = WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) <= SHINGLE_WORDS:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1))


def similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """The Jaccard index of two sets of shingles: shared over all."""
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def _near_duplicate(review: Review) -> tuple[int | None, float]:
    since = review.created_at - datetime.timedelta(days=threshold("REVIEW_NEAR_DUPLICATE_DAYS"))
    recent = (
        Review.objects.filter(is_hidden=False, created_at__gte=since)
        .order_by("-created_at", "-pk")
        .values_list("pk", "body")[: threshold("REVIEW_NEAR_DUPLICATE_SCAN")]
    )
    own = shingles(review.body)
    closest, closest_similarity = None, 0.0
    for pk, body in recent:
        alike = similarity(own, shingles(body))
        if alike > closest_similarity:
            closest, closest_similarity = pk, alike
    if closest_similarity < threshold("REVIEW_NEAR_DUPLICATE_SIMILARITY"):
        closest = None
    return closest, round(closest_similarity, 3)


def _counts(review: Review) -> dict:
    """The review counts, in one aggregate query over the author's last day and the therapist's recent reviews."""
    posted_at = review.created_at
    day_ago = posted_at - datetime.timedelta(days=1)
    cluster_since = posted_at - datetime.timedelta(hours=threshold("REVIEW_CLUSTER_HOURS"))
    burst_since = posted_at - datetime.timedelta(hours=threshold("REVIEW_BURST_HOURS"))
    baseline_since = burst_since - datetime.timedelta(days=threshold("REVIEW_BURST_BASELINE_DAYS"))
    new_account_age = datetime.timedelta(days=threshold("REVIEW_NEW_ACCOUNT_DAYS"))

    by_author = Q(author_id=review.author_id, created_at__gte=day_ago)
    on_therapist = Q(therapist_id=review.therapist_id)
    in_cluster_window = on_therapist & Q(created_at__gte=cluster_since)
    counted = {
        "author_reviews_last_day": Count("pk", filter=by_author),
        "new_account_reviews": Count(
            "pk", filter=in_cluster_window & Q(author__date_joined__gt=F("created_at") - new_account_age)
        ),
        "burst": Count("pk", filter=on_therapist & Q(created_at__gte=burst_since)),
        "baseline": Count("pk", filter=on_therapist & Q(created_at__gte=baseline_since, created_at__lt=burst_since)),
    }
    if review.client_address_hash:
        counted["shared_address"] = Count(
            "pk",
            filter=in_cluster_window
            & Q(client_address_hash=review.client_address_hash)
            & ~Q(author_id=review.author_id),
        )
    earliest = min(cluster_since, baseline_since)
    return Review.objects.filter(by_author | (on_therapist & Q(created_at__gte=earliest))).aggregate(**counted)


def measure(*, review: Review, therapist_owner_id: int | None, address: str | None, device: str | None) -> dict:
    """The integrity signals of a review about to be stored (see the module's docstring).

    Call under the therapist's row lock, so simultaneous posts on one therapist are counted one after the other.
    Three queries: the counts, the therapist's footprints (only when the profile has an owner and the post
    carries an address or a device id), the recent reviews' texts. `address` and `device` are compared through
    their keyed hashes and are kept nowhere.
    """
    posted_at = review.created_at
    account_age = posted_at - review.author.date_joined
    account_age_days = max(0, account_age.days)
    is_new = account_age_days < threshold("REVIEW_NEW_ACCOUNT_DAYS")
    counts = _counts(review)

    used = set()
    if therapist_owner_id is not None and therapist_owner_id != review.author_id:
        used = footprints_used(
            user_id=therapist_owner_id,
            hashes=footprint_hashes(address=address, device=device),
            since=posted_at - datetime.timedelta(days=threshold("REVIEW_FOOTPRINT_DAYS")),
        )

    burst_hours = threshold("REVIEW_BURST_HOURS")
    baseline_hours = threshold("REVIEW_BURST_BASELINE_DAYS") * 24
    near_duplicate_of, near_duplicate_similarity = _near_duplicate(review)
    return {
        "version": SIGNALS_VERSION,
        "account_age_days": account_age_days,
        "author_reviews_last_day": counts["author_reviews_last_day"],
        "new_account_reviews": counts["new_account_reviews"] + int(is_new),
        "shared_address": bool(counts.get("shared_address")),
        "therapist_address": AccountFootprint.Kind.ADDRESS in used,
        "therapist_device": AccountFootprint.Kind.DEVICE in used,
        "therapist_footprint": bool(used),
        "burst": counts["burst"] + 1,
        "burst_hours": burst_hours,
        "burst_usual": round(counts["baseline"] * burst_hours / baseline_hours, 3) if baseline_hours else 0.0,
        "near_duplicate_of": near_duplicate_of,
        "near_duplicate_similarity": near_duplicate_similarity,
    }


# ---------------------------------------------------------------------------------------------------------------
# The signals in words, for the moderators


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def describe(signals: dict) -> list[tuple[str, int | None]]:
    """The signals as a moderator reads them: (sentence, id of the review it names or None), most telling first."""
    if not signals:
        return [("Not recorded: posted before integrity signals were kept.", None)]
    lines: list[tuple[str, int | None]] = []
    if signals["therapist_footprint"]:
        where = {
            (True, True): "an address and a browser",
            (True, False): "an address",
            (False, True): "a browser",
        }[(signals["therapist_address"], signals["therapist_device"])]
        lines.append((f"Posted from {where} the therapist's account used", None))
    if signals["near_duplicate_of"] is not None:
        percent = round(signals["near_duplicate_similarity"] * 100)
        lines.append(
            (
                f"Near-duplicate of review #{signals['near_duplicate_of']} ({percent}% alike)",
                signals["near_duplicate_of"],
            )
        )
    if signals["shared_address"]:
        lines.append(("Another account reviewed this therapist from the same address", None))
    lines.append((f"Account {_plural(signals['account_age_days'], 'day', 'days')} old", None))
    lines.append(
        (
            f"{_plural(signals['author_reviews_last_day'], 'review', 'reviews')} by this account in the last day",
            None,
        )
    )
    lines.append(
        (f"{_plural(signals['new_account_reviews'], 'review', 'reviews')} of this therapist from new accounts", None)
    )
    lines.append(
        (
            f"Burst: {_plural(signals['burst'], 'review', 'reviews')} in {signals['burst_hours']} h "
            f"(usually {signals['burst_usual']:g})",
            None,
        )
    )
    return lines
