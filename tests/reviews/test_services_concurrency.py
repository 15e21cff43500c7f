"""Concurrent review writes on a real database (a SQLite file in WAL mode, or PostgreSQL): aggregates stay exact."""

# These tests commit for real (transaction=True) and write from several threads, each with its own
# connection, closed when the thread ends. A "database is locked" error, a deadlock or any other server
# error would surface as an exception from the test client and fail the test.

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import Client
from django.urls import reverse

from reviews import services
from reviews.models import Review

from ..factories import TherapistFactory, UserFactory
from .helpers import assert_aggregates_exact, client_account, new_account, review_content, review_form_data

# No serialized_rollback: a transactional test that ran before may have flushed the data migrations'
# rows and let Django recreate the content types, and restoring the copy would then clash. These tests
# create what they need (the swedish_specialty fixture makes the specialty when it is missing).
pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
REVIEWS = 200
DUPLICATES = 20


def _run_in_threads(work, items, threads):
    """Run `work(item)` for every item on `threads` threads; each thread closes its connections at the end."""

    def run(item):
        try:
            return work(item)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, items))


def test_review_create_200_concurrent_reviews_keep_aggregates_exact(reviewed_therapist, swedish_specialty, settings):
    # 200 reviews in a day are a burst (reviews.integrity), held; this test is about the aggregates of published ones.
    settings.REVIEW_BURST_MIN_REVIEWS = REVIEWS + 1
    users = [client_account() for _ in range(REVIEWS)]
    rng = random.Random(4)
    # Each client from an address of their own, as 200 people at home would be.
    posts = [
        (user, review_form_data(rating=str(rng.randint(1, 5)), cleanliness=str(rng.randint(1, 5)),
                                would_recommend=rng.choice(["yes", "no"])))
        for user in users
    ]  # fmt: skip
    url = reverse("reviews:create", kwargs={"slug": reviewed_therapist.slug})

    def post(item):
        user, data = item
        client = Client(REMOTE_ADDR=f"10.0.{user.pk // 256 % 256}.{user.pk % 256}")
        client.force_login(user)
        return client.post(url, data).status_code

    statuses = _run_in_threads(post, posts, THREADS)

    assert statuses == [HTTPStatus.FOUND] * REVIEWS
    assert Review.objects.filter(therapist=reviewed_therapist).count() == REVIEWS
    assert_aggregates_exact(reviewed_therapist.pk)
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == REVIEWS
    assert reviewed_therapist.rating_avg == pytest.approx(sum(int(data["rating"]) for _, data in posts) / REVIEWS)
    assert reviewed_therapist.recommend_count == sum(data["would_recommend"] == "yes" for _, data in posts)


def test_review_create_20_simultaneous_duplicates_give_exactly_one_review(
    reviewed_therapist, review_author, swedish_specialty, settings
):
    # The post throttle counts each attempt before the write (then gives back the refused ones): raised here so
    # that every duplicate reaches the uniqueness check, which is what this test is about.
    settings.REVIEW_POST_LIMIT = settings.REVIEW_POST_ADDRESS_LIMIT = DUPLICATES
    url = reverse("reviews:create", kwargs={"slug": reviewed_therapist.slug})
    start = threading.Barrier(DUPLICATES)

    def post(attempt):
        client = Client()
        client.force_login(review_author)
        start.wait(timeout=30)
        response = client.post(url, review_form_data(title=f"Attempt {attempt}"))
        return response.status_code, response.status_code == HTTPStatus.OK and "already reviewed" in response.text

    results = _run_in_threads(post, range(DUPLICATES), DUPLICATES)

    assert Review.objects.filter(therapist=reviewed_therapist, author=review_author).count() == 1
    assert sorted(status for status, _ in results) == [HTTPStatus.OK] * (DUPLICATES - 1) + [HTTPStatus.FOUND]
    assert sum(said_duplicate for _, said_duplicate in results) == DUPLICATES - 1
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_mixed_concurrent_writes_keep_aggregates_exact(reviewed_therapist, swedish_specialty, settings):
    """Creates, edits, deletes, hides and restores at once, on one therapist."""
    # 80 reviews in a day are a burst (reviews.integrity), held; this test is about the aggregates of published ones.
    settings.REVIEW_BURST_MIN_REVIEWS = 81
    # Staff without the Moderators group, which comes from a data migration (see above); services do not
    # check permissions, the admin does.
    moderator = UserFactory(is_staff=True, is_superuser=True)
    seeded = [
        services.review_create(
            therapist=reviewed_therapist, author=client_account(), content=review_content(rating=(i % 5) + 1)
        )
        for i in range(40)
    ]
    newcomers = [client_account() for _ in range(40)]
    rng = random.Random(9)
    jobs = (
        [("create", user) for user in newcomers]
        + [("update", review) for review in seeded[:10]]
        + [("delete", review) for review in seeded[10:20]]
        + [("hide", review) for review in seeded[20:30]]
        + [("hide-restore", review) for review in seeded[30:40]]
    )
    rng.shuffle(jobs)

    def work(job):
        kind, target = job
        if kind == "create":
            services.review_create(
                therapist=reviewed_therapist, author=target, content=review_content(rating=rng.randint(1, 5))
            )
        elif kind == "update":
            services.review_update(review=target, content=review_content(rating=1, would_recommend=False))
        elif kind == "delete":
            services.review_delete(review=target)
        elif kind == "hide":
            services.review_hide(review=target, moderator=moderator)
        else:
            services.review_hide(review=target, moderator=moderator)
            services.review_restore(review=target, moderator=moderator)
        return kind

    assert len(_run_in_threads(work, jobs, THREADS)) == len(jobs)

    assert_aggregates_exact(reviewed_therapist.pk)
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == 40 + 40 - 10 - 10
    assert Review.objects.filter(therapist=reviewed_therapist, is_hidden=True).count() == 10


SIMULTANEOUS_POSTS = 12


def test_review_create_throttle_holds_for_simultaneous_posts_by_one_client(review_author, swedish_specialty, settings):
    therapists = TherapistFactory.create_batch(SIMULTANEOUS_POSTS)
    start = threading.Barrier(SIMULTANEOUS_POSTS)

    def post(therapist):
        start.wait(timeout=30)
        try:
            services.review_create(therapist=therapist, author=review_author, content=review_content())
        except ValidationError as error:
            return error.code
        return "stored"

    outcomes = _run_in_threads(post, therapists, SIMULTANEOUS_POSTS)

    assert sorted(outcomes) == ["stored"] * settings.REVIEW_POST_LIMIT + ["throttled"] * (
        SIMULTANEOUS_POSTS - settings.REVIEW_POST_LIMIT
    )
    assert Review.objects.filter(author=review_author).count() == settings.REVIEW_POST_LIMIT


def test_review_create_address_limit_holds_for_simultaneous_posts_across_accounts(swedish_specialty, settings):
    """Many accounts posting at once from one address, each on a profile of its own: exactly the limit is stored."""
    posts = SIMULTANEOUS_POSTS + settings.REVIEW_POST_ADDRESS_LIMIT - settings.REVIEW_POST_LIMIT
    jobs = [(client_account(), therapist) for therapist in TherapistFactory.create_batch(posts)]
    start = threading.Barrier(posts)

    def post(job):
        author, therapist = job
        start.wait(timeout=30)
        try:
            services.review_create(
                therapist=therapist, author=author, content=review_content(), client_address="203.0.113.50"
            )
        except ValidationError as error:
            return error.code
        return "stored"

    outcomes = _run_in_threads(post, jobs, posts)

    limit = settings.REVIEW_POST_ADDRESS_LIMIT
    assert sorted(outcomes) == ["stored"] * limit + ["throttled"] * (posts - limit)
    assert Review.objects.count() == limit
    for _, therapist in jobs:
        assert_aggregates_exact(therapist.pk)


def test_review_create_simultaneous_new_accounts_on_one_therapist_hold_all_but_the_first_two(
    reviewed_therapist, swedish_specialty, settings
):
    """A burst of sock puppets on one profile, each from its own address: the therapist's row lock counts them
    one after the other, so exactly REVIEW_CLUSTER_SIZE - 1 are published, whatever the order or the stars."""
    authors = [new_account() for _ in range(SIMULTANEOUS_POSTS)]
    start = threading.Barrier(SIMULTANEOUS_POSTS)

    def post(indexed_author):
        index, author = indexed_author
        start.wait(timeout=30)
        review = services.review_create(
            therapist=reviewed_therapist,
            author=author,
            content=review_content(rating=1 + index % 5),
            client_address=f"198.51.100.{index}",
        )
        return review.is_held

    held = _run_in_threads(post, list(enumerate(authors)), SIMULTANEOUS_POSTS)

    published = settings.REVIEW_CLUSTER_SIZE - 1
    assert sorted(held) == [False] * published + [True] * (SIMULTANEOUS_POSTS - published)
    assert Review.objects.held().count() == SIMULTANEOUS_POSTS - published
    assert_aggregates_exact(reviewed_therapist.pk)
    reviewed_therapist.refresh_from_db()
    assert reviewed_therapist.review_count == published
