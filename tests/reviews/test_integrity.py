"""The integrity signals of a new review and the one rule table that holds it (reviews.integrity), rule by rule."""

import datetime
import json
import logging

import pytest
from django.utils import timezone

from accounts.footprints import footprint_hash
from accounts.models import AccountFootprint
from reviews import integrity, services
from reviews.models import Review

from ..factories import ReviewFactory, TherapistFactory
from .helpers import assert_aggregates_exact, client_account, new_account, review_content

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
DEVICE = "d" * 43  # the shape of accounts.footprints.device_id: 43 URL-safe characters
# Twenty distinct words: eighteen three-word shingles.
TEXT = (
    "Arrived early, quiet room, warm towels, firm pressure on my shoulders, asked before every change, "
    "left feeling loose and rested"
)


@pytest.fixture(autouse=True)
def _frozen_clock(today):
    """The clock stops before any account is opened, so account ages come out exact."""


QUIET = {
    "version": integrity.SIGNALS_VERSION,
    "account_age_days": 365,
    "author_reviews_last_day": 0,
    "new_account_reviews": 0,
    "shared_address": False,
    "therapist_address": False,
    "therapist_device": False,
    "therapist_footprint": False,
    "burst": 1,
    "burst_hours": 24,
    "burst_usual": 0.0,
    "near_duplicate_of": None,
    "near_duplicate_similarity": 0.0,
}


def _post(therapist, author, *, rating=4, address=None, device=None, body=None):
    content = review_content(rating=rating, **({"body": body} if body else {}))
    return services.review_create(
        therapist=therapist, author=author, content=content, client_address=address, device=device
    )


def _footprint(user, kind, value, *, days_ago=0):
    seen = timezone.now() - datetime.timedelta(days=days_ago)
    return AccountFootprint.objects.create(
        user=user, kind=kind, value_hash=footprint_hash(kind, value), first_seen=seen, last_seen=seen
    )


def _received(therapist, count, *, hours_ago=1):
    """`count` reviews of the therapist from established accounts, posted `hours_ago` (any text, any stars)."""
    at = timezone.now() - datetime.timedelta(hours=hours_ago)
    for i in range(count):
        ReviewFactory(therapist=therapist, author=client_account(), created_at=at, body=f"Review number {i} here.")


# --- The table, on signals alone -------------------------------------------------------------------------------

# For each rule: the signals that trip it, and the same signal just under its threshold (defaults).
TRIPS_AND_JUST_UNDER = {
    Review.HoldReason.THERAPIST_FOOTPRINT: (
        {"therapist_footprint": True, "therapist_device": True},
        {"therapist_footprint": False},
    ),
    Review.HoldReason.NEW_ACCOUNT_CLUSTER: (
        {"account_age_days": 6, "new_account_reviews": 3},
        {"account_age_days": 6, "new_account_reviews": 2},
    ),
    Review.HoldReason.SHARED_ADDRESS: ({"shared_address": True}, {"shared_address": False}),
    Review.HoldReason.BUSY_NEW_ACCOUNT: (
        {"account_age_days": 6, "author_reviews_last_day": 2},
        {"account_age_days": 6, "author_reviews_last_day": 1},
    ),
    Review.HoldReason.BURST: ({"burst": 8, "burst_usual": 2.0}, {"burst": 7, "burst_usual": 2.0}),
    Review.HoldReason.NEAR_DUPLICATE: (
        {"near_duplicate_of": 12, "near_duplicate_similarity": 0.8},
        {"near_duplicate_of": None, "near_duplicate_similarity": 0.79},
    ),
}


def test_rules_table_has_one_rule_per_hold_reason():
    assert [rule.reason for rule in integrity.RULES] == list(TRIPS_AND_JUST_UNDER)
    assert set(TRIPS_AND_JUST_UNDER) == set(Review.HoldReason)
    assert all(rule.says for rule in integrity.RULES)


def test_hold_reason_of_quiet_signals_is_empty():
    assert integrity.hold_reason(QUIET) == ""


@pytest.mark.parametrize("reason", list(TRIPS_AND_JUST_UNDER))
def test_hold_reason_each_rule_trips_on_its_signal_and_not_just_under(reason):
    trips, just_under = TRIPS_AND_JUST_UNDER[reason]
    assert integrity.hold_reason({**QUIET, **trips}) == reason
    assert integrity.hold_reason({**QUIET, **just_under}) == ""


@pytest.mark.parametrize(
    ("changes", "held"),
    [
        ({"account_age_days": 7, "new_account_reviews": 5}, False),  # old enough: no cluster
        ({"account_age_days": 7, "author_reviews_last_day": 4}, False),  # old enough: not a busy new account
        ({"burst": 5}, False),  # under REVIEW_BURST_MIN_REVIEWS, however quiet the therapist usually is
        ({"burst": 6}, True),
    ],
)
def test_hold_reason_new_account_and_burst_boundaries(changes, held):
    assert bool(integrity.hold_reason({**QUIET, **changes})) is held


def test_hold_reason_reads_thresholds_from_settings(settings):
    settings.REVIEW_BUSY_ACCOUNT_REVIEWS = 5
    signals = {**QUIET, "account_age_days": 1, "author_reviews_last_day": 4}
    assert integrity.hold_reason(signals) == ""
    settings.REVIEW_BUSY_ACCOUNT_REVIEWS = 4
    assert integrity.hold_reason(signals) == Review.HoldReason.BUSY_NEW_ACCOUNT


def test_hold_reason_first_rule_in_the_table_wins():
    signals = {**QUIET, "shared_address": True, "near_duplicate_of": 3, "therapist_footprint": True}
    assert integrity.hold_reason(signals) == Review.HoldReason.THERAPIST_FOOTPRINT
    assert [rule.reason for rule in integrity.tripped_rules(signals)] == [
        Review.HoldReason.THERAPIST_FOOTPRINT,
        Review.HoldReason.SHARED_ADDRESS,
        Review.HoldReason.NEAR_DUPLICATE,
    ]


def test_shingles_ignore_case_punctuation_and_unicode_forms():
    assert integrity.shingles("Great MASSAGE, truly great!") == integrity.shingles("great massage truly  great")
    assert integrity.shingles("ﬁne work") == integrity.shingles("fine work")  # NFKC: the ligature is "fi"
    assert integrity.shingles("one two") == frozenset({"one two"})
    assert integrity.shingles("...") == frozenset()


def test_similarity_is_jaccard_of_shingles():
    same = integrity.shingles(TEXT)
    one_word_changed = integrity.shingles(TEXT.replace("rested", "sleepy"))
    assert integrity.similarity(same, same) == 1.0
    assert integrity.similarity(same, one_word_changed) == pytest.approx(17 / 19)
    assert integrity.similarity(same, frozenset()) == 0.0


# --- Measured on posting, rule by rule, every star alike ---------------------------------------------------------


@pytest.mark.parametrize("rating", [1, 5])
@pytest.mark.parametrize("kind", [AccountFootprint.Kind.ADDRESS, AccountFootprint.Kind.DEVICE])
def test_review_create_holds_a_review_from_where_the_therapist_account_was_used(
    reviewed_therapist, reviewed_owner, review_author, today, settings, rating, kind
):
    assert integrity.threshold("REVIEW_FOOTPRINT_DAYS") == 30
    _footprint(reviewed_owner, kind, ADDRESS if kind == AccountFootprint.Kind.ADDRESS else DEVICE, days_ago=29)
    review = _post(reviewed_therapist, review_author, rating=rating, address=ADDRESS, device=DEVICE)
    assert (review.is_held, review.held_reason) == (True, Review.HoldReason.THERAPIST_FOOTPRINT)
    assert review.published_at is None
    assert review.signals["therapist_footprint"] is True
    assert review.signals["therapist_address"] is (kind == AccountFootprint.Kind.ADDRESS)
    assert review.signals["therapist_device"] is (kind == AccountFootprint.Kind.DEVICE)
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 0
    assert_aggregates_exact(reviewed_therapist.pk)


@pytest.mark.parametrize("rating", [1, 5])
def test_review_create_publishes_when_the_therapist_footprint_is_older_than_the_window(
    reviewed_therapist, reviewed_owner, review_author, other_client, today, rating
):
    _footprint(reviewed_owner, AccountFootprint.Kind.ADDRESS, ADDRESS, days_ago=31)
    _footprint(reviewed_owner, AccountFootprint.Kind.DEVICE, "e" * 43)  # another browser
    _footprint(other_client, AccountFootprint.Kind.DEVICE, DEVICE)  # someone else's account
    review = _post(reviewed_therapist, review_author, rating=rating, address=ADDRESS, device=DEVICE)
    assert (review.is_held, review.signals["therapist_footprint"]) == (False, False)
    assert review.published_at == review.created_at


@pytest.mark.parametrize("rating", [1, 5])
def test_review_create_holds_a_new_account_busy_posting_and_not_one_just_under(
    review_author, today, swedish_specialty, rating
):
    newcomer = new_account()
    first, second, third = (_post(TherapistFactory(), newcomer, rating=rating) for _ in range(3))
    assert [r.signals["author_reviews_last_day"] for r in (first, second, third)] == [0, 1, 2]
    assert [(r.is_held, r.held_reason) for r in (first, second, third)] == [
        (False, ""),
        (False, ""),
        (True, Review.HoldReason.BUSY_NEW_ACCOUNT),
    ]
    # An established account posting as much is not held.
    assert [_post(TherapistFactory(), review_author, rating=rating).is_held for _ in range(3)] == [False] * 3


def test_review_create_counts_only_the_author_s_last_day(review_author, today, time_machine):
    newcomer = new_account()
    _post(TherapistFactory(), newcomer)
    _post(TherapistFactory(), newcomer)
    time_machine.shift(datetime.timedelta(days=1, seconds=1))
    review = _post(TherapistFactory(), newcomer)
    assert (review.signals["author_reviews_last_day"], review.is_held) == (0, False)


@pytest.mark.parametrize("rating", [1, 5])
def test_review_create_holds_a_burst_and_not_one_just_under(reviewed_therapist, today, rating):
    _received(reviewed_therapist, 4)
    under = _post(reviewed_therapist, client_account(), rating=rating)
    burst = _post(reviewed_therapist, client_account(), rating=rating)
    assert (under.signals["burst"], under.is_held) == (5, False)
    assert (burst.signals["burst"], burst.is_held, burst.held_reason) == (6, True, Review.HoldReason.BURST)
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 5  # the held one counts nowhere
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_create_burst_is_measured_against_the_usual_rate(reviewed_therapist, today):
    # 120 reviews over the 60 days before: 2 a day usually, so 4 x 2 = 8 in a day is a burst, 7 is not.
    for day in range(60):
        _received(reviewed_therapist, 2, hours_ago=24 * (day + 1) + 1)
    _received(reviewed_therapist, 6)
    seventh = _post(reviewed_therapist, client_account())
    eighth = _post(reviewed_therapist, client_account())
    assert seventh.signals["burst_usual"] == 2.0
    assert (seventh.signals["burst"], seventh.is_held) == (7, False)
    assert (eighth.signals["burst"], eighth.held_reason) == (8, Review.HoldReason.BURST)


@pytest.mark.parametrize("rating", [1, 5])
def test_review_create_holds_a_near_duplicate_of_another_review_and_not_one_just_under(
    reviewed_therapist, review_author, other_client, today, settings, rating
):
    original = ReviewFactory(therapist=TherapistFactory(), body=TEXT)  # another therapist's
    copy = TEXT.replace("rested", "sleepy")
    alike = integrity.similarity(integrity.shingles(TEXT), integrity.shingles(copy))
    settings.REVIEW_NEAR_DUPLICATE_SIMILARITY = alike + 0.001
    under = _post(reviewed_therapist, review_author, rating=rating, body=copy)
    assert (under.is_held, under.signals["near_duplicate_of"]) == (False, None)
    assert under.signals["near_duplicate_similarity"] == round(alike, 3)
    settings.REVIEW_NEAR_DUPLICATE_SIMILARITY = alike
    held = _post(TherapistFactory(), other_client, rating=rating, body=copy)
    assert (held.is_held, held.held_reason) == (True, Review.HoldReason.NEAR_DUPLICATE)
    assert held.signals["near_duplicate_of"] in {original.pk, under.pk}


def test_review_create_near_duplicates_skip_hidden_and_old_reviews(review_author, today, settings):
    ReviewFactory(body=TEXT, is_hidden=True)
    ReviewFactory(body=TEXT, created_at=timezone.now() - datetime.timedelta(days=91))
    review = _post(TherapistFactory(), review_author, body=TEXT)
    assert (review.is_held, review.signals["near_duplicate_of"]) == (False, None)
    held_one = ReviewFactory(body=TEXT, is_held=True, held_reason=Review.HoldReason.BURST)
    review = _post(TherapistFactory(), client_account(), body=TEXT)
    assert (review.held_reason, review.signals["near_duplicate_of"]) in {
        (Review.HoldReason.NEAR_DUPLICATE, held_one.pk),
        (Review.HoldReason.NEAR_DUPLICATE, Review.objects.get(author=review_author).pk),
    }


def test_review_create_near_duplicate_scan_is_bounded_to_the_newest_reviews(review_author, today, settings):
    settings.REVIEW_NEAR_DUPLICATE_SCAN = 2
    ReviewFactory(body=TEXT, created_at=timezone.now() - datetime.timedelta(hours=3))
    ReviewFactory(body="Something else entirely, about the parking.", created_at=timezone.now())
    ReviewFactory(body="And another one about booking online quickly.", created_at=timezone.now())
    review = _post(TherapistFactory(), review_author, body=TEXT)
    assert review.signals["near_duplicate_of"] is None


def test_review_create_records_every_signal_with_its_version(reviewed_therapist, review_author, today):
    review = _post(reviewed_therapist, review_author, address=ADDRESS, device=DEVICE)
    review.refresh_from_db()
    assert review.signals == {
        **QUIET,
        "account_age_days": 365,
        "near_duplicate_similarity": review.signals["near_duplicate_similarity"],
    }
    assert review.signals["near_duplicate_similarity"] < 0.8


def test_review_create_same_decision_for_every_star_level(reviewed_therapist, reviewed_owner, today):
    """Every rule's tripping situation, posted once with 1 star and once with 5: the same decision each time."""
    decisions = {}
    for rating in (1, 5):
        Review.objects.all().delete()
        AccountFootprint.objects.all().delete()
        _footprint(reviewed_owner, AccountFootprint.Kind.ADDRESS, ADDRESS)
        footprint = _post(reviewed_therapist, client_account(), rating=rating, address=ADDRESS)
        AccountFootprint.objects.all().delete()
        busy_author = new_account()
        busy = [_post(TherapistFactory(), busy_author, rating=rating) for _ in range(3)]
        shared_therapist = TherapistFactory()
        shared = [_post(shared_therapist, client_account(), rating=rating, address="198.51.100.9") for _ in range(2)]
        burst_therapist = TherapistFactory()
        burst = [_post(burst_therapist, client_account(), rating=rating) for _ in range(6)]
        duplicate = [_post(TherapistFactory(), client_account(), rating=rating, body=TEXT) for _ in range(2)]
        cluster_therapist = TherapistFactory()
        cluster = [_post(cluster_therapist, new_account(), rating=rating) for _ in range(3)]
        decisions[rating] = [review.held_reason for review in [footprint, *cluster, *busy, *shared, *burst, *duplicate]]
    assert decisions[1] == decisions[5]
    assert set(decisions[1]) == {"", *Review.HoldReason.values}


# --- Queries, privacy -------------------------------------------------------------------------------------------


def test_measure_runs_three_queries_whatever_the_number_of_reviews(
    reviewed_therapist, review_author, today, django_assert_num_queries
):
    for count in (0, 30):
        _received(reviewed_therapist, count, hours_ago=48)
        review = Review(therapist=reviewed_therapist, author=review_author, body=TEXT, created_at=timezone.now())
        with django_assert_num_queries(3):
            integrity.measure(
                review=review, therapist_owner_id=reviewed_therapist.owner_id, address=ADDRESS, device=DEVICE
            )


def test_measure_skips_the_footprint_query_when_there_is_nothing_to_compare(
    review_author, today, django_assert_num_queries
):
    unowned = TherapistFactory(owner=None)
    review = Review(therapist=unowned, author=review_author, body=TEXT, created_at=timezone.now())
    with django_assert_num_queries(2):
        signals = integrity.measure(review=review, therapist_owner_id=None, address=ADDRESS, device=DEVICE)
    assert signals["therapist_footprint"] is False


def test_review_create_keeps_no_address_or_device_in_clear_and_logs_neither(
    reviewed_therapist, reviewed_owner, review_author, today, caplog
):
    _footprint(reviewed_owner, AccountFootprint.Kind.DEVICE, DEVICE)
    caplog.set_level(logging.DEBUG)
    review = _post(reviewed_therapist, review_author, address=ADDRESS, device=DEVICE)
    stored = json.dumps(Review.objects.filter(pk=review.pk).values().get(), default=str)
    assert review.is_held
    assert ADDRESS not in stored and DEVICE not in stored
    assert ADDRESS not in caplog.text and DEVICE not in caplog.text


def test_held_review_counts_nowhere_until_released(reviewed_therapist, reviewed_owner, review_author, today, moderator):
    _footprint(reviewed_owner, AccountFootprint.Kind.ADDRESS, ADDRESS)
    review = _post(reviewed_therapist, review_author, rating=1, address=ADDRESS)
    reviewed_therapist.refresh_from_db()
    assert (review.is_held, reviewed_therapist.review_count) == (True, 0)
    assert not Review.objects.visible().filter(pk=review.pk).exists()
    services.review_release(review=review, moderator=moderator)
    reviewed_therapist.refresh_from_db()
    assert (reviewed_therapist.review_count, reviewed_therapist.rating_avg) == (1, pytest.approx(1))
    assert_aggregates_exact(reviewed_therapist.pk)


# --- In words, for moderators -----------------------------------------------------------------------------------


def test_describe_puts_the_signals_in_plain_words():
    signals = {
        **QUIET,
        "account_age_days": 2,
        "author_reviews_last_day": 3,
        "therapist_footprint": True,
        "therapist_device": True,
        "burst": 7,
        "burst_usual": 0.5,
        "near_duplicate_of": 12,
        "near_duplicate_similarity": 0.912,
        "shared_address": True,
        "new_account_reviews": 1,
    }
    assert integrity.describe(signals) == [
        ("Posted from a browser the therapist's account used", None),
        ("Near-duplicate of review #12 (91% alike)", 12),
        ("Another account reviewed this therapist from the same address", None),
        ("Account 2 days old", None),
        ("3 reviews by this account in the last day", None),
        ("1 review of this therapist from new accounts", None),
        ("Burst: 7 reviews in 24 h (usually 0.5)", None),
    ]


def test_describe_a_review_posted_before_signals_were_kept():
    assert integrity.describe({}) == [("Not recorded: posted before integrity signals were kept.", None)]
