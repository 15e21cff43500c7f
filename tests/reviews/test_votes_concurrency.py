"""Concurrent helpful votes on a real database (a SQLite file in WAL mode, or PostgreSQL): counts stay exact."""

# These tests commit for real (transaction=True) and vote from several threads, each with its own connection,
# closed when the thread ends. A "database is locked" error, a deadlock or any other server error would come out
# of the thread as an exception and fail the test.

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from reviews import votes
from reviews.models import Review, ReviewVote

from .helpers import client_account

# No serialized_rollback, as in the other concurrency tests: the fixtures create what they need.
pytestmark = pytest.mark.django_db(transaction=True)

VOTERS = 50
SAME_VOTER_ATTEMPTS = 10


def _all_at_once(work, items) -> list[str]:
    """Run `work(item)` for every item, each on its own thread, released together; the outcome or refusal code."""
    start = threading.Barrier(len(items))

    def run(item):
        try:
            start.wait()
            work(item)
            return "stored"
        except ValidationError as error:
            return error.error_list[0].code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(run, items))


def test_50_simultaneous_helpful_votes_from_50_readers_are_all_counted(published_review):
    readers = [client_account() for _ in range(VOTERS)]
    outcomes = _all_at_once(lambda reader: votes.review_vote_helpful(review=published_review, voter=reader), readers)
    assert outcomes == ["stored"] * VOTERS
    assert ReviewVote.objects.filter(review=published_review).count() == VOTERS
    assert Review.objects.get(pk=published_review.pk).helpful_count == VOTERS


def test_one_reader_voting_10_times_at_once_leaves_exactly_one_vote(published_review, other_client):
    attempts = range(SAME_VOTER_ATTEMPTS)
    outcomes = _all_at_once(lambda _: votes.review_vote_helpful(review=published_review, voter=other_client), attempts)
    assert sorted(outcomes) == ["duplicate_vote"] * (SAME_VOTER_ATTEMPTS - 1) + ["stored"]
    assert ReviewVote.objects.filter(review=published_review, voter=other_client).count() == 1
    assert Review.objects.get(pk=published_review.pk).helpful_count == 1


def test_votes_and_withdrawals_racing_each_other_leave_the_count_exact(published_review):
    readers = [client_account() for _ in range(20)]
    for reader in readers[:10]:
        votes.review_vote_helpful(review=published_review, voter=reader)
    # The first ten withdraw while the other ten vote.
    actions = [("withdraw", reader) for reader in readers[:10]] + [("vote", reader) for reader in readers[10:]]

    def act(item):
        action, reader = item
        service = votes.review_vote_withdraw if action == "withdraw" else votes.review_vote_helpful
        service(review=published_review, voter=reader)

    assert _all_at_once(act, actions) == ["stored"] * 20
    assert set(ReviewVote.objects.values_list("voter", flat=True)) == {reader.pk for reader in readers[10:]}
    assert Review.objects.get(pk=published_review.pk).helpful_count == 10
