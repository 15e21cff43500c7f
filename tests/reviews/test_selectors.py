"""Reads of reviews: a profile's review list, a client's own reviews, the aggregates as the reviews give them."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from reviews import selectors, services
from reviews.models import Review

from ..factories import ReviewFactory, ReviewResponseFactory, TherapistFactory, UserFactory
from .helpers import review_content

pytestmark = pytest.mark.django_db

# The profile of a signed-in owner, caches warm: the therapist, its terms, its credentials, its services and hours
# (one UNION), session, user, the star histogram, the page of reviews with author, reply, massage type and the
# viewer's helpful votes joined in, and the viewer's own review; as many for 2 reviews as for 10.
PROFILE_QUERIES = 9
# A review waiting for a moderator's check: on no profile, in no aggregate, in its author's own list.
HELD = {"is_held": True, "held_reason": Review.HoldReason.NEW_ACCOUNT_CLUSTER}


def _profile(client, therapist) -> str:
    return client.get(therapist.get_absolute_url()).content.decode()


def _add_replied_reviews(therapist, count: int) -> None:
    for _ in range(count):
        ReviewResponseFactory(review=ReviewFactory(therapist=therapist, author=UserFactory()))
    services.refresh_aggregates(therapist_id=therapist.pk)


def test_profile_reviews_show_sub_ratings_visit_type_and_the_owners_reply(
    client, reviewed_therapist, review_author, swedish_specialty
):
    review = services.review_create(
        therapist=reviewed_therapist,
        author=review_author,
        content=review_content(
            technique=5, professionalism=3, visit_month=datetime.date(2025, 3, 1), title="Loose shoulders"
        ),
    )
    ReviewResponseFactory(review=review, body="Glad it helped, see you soon.")
    content = _profile(client, reviewed_therapist)
    assert "Loose shoulders" in content
    assert "<dt>Technique</dt><dd>5 out of 5</dd>" in content
    assert "<dt>Professionalism</dt><dd>3 out of 5</dd>" in content
    assert "<dt>Would recommend</dt><dd>Yes</dd>" in content
    assert "visited in March 2025" in content and "Swedish" in content
    assert "Reply from Lena Ortiz" in content and "Glad it helped, see you soon." in content


def test_profile_reviews_never_show_hidden_reviews(client, reviewed_therapist, published_review, moderator):
    services.review_hide(review=published_review, moderator=moderator)
    content = _profile(client, reviewed_therapist)
    assert published_review.title not in content
    assert "No reviews yet." in content


def test_profile_reviews_page_runs_the_same_exact_queries_for_few_and_many_reviews(
    client, page_queries, reviewed_therapist, reviewed_owner
):
    client.force_login(reviewed_owner)
    _add_replied_reviews(reviewed_therapist, 2)
    few = page_queries(reviewed_therapist.get_absolute_url(), PROFILE_QUERIES)
    _add_replied_reviews(reviewed_therapist, 8)
    many = page_queries(reviewed_therapist.get_absolute_url(), PROFILE_QUERIES)
    assert (len(few.context["reviews_page"]), len(many.context["reviews_page"])) == (2, 10)


def test_profile_reviews_are_the_visible_ones_newest_first_counted_from_the_aggregate(
    reviewed_therapist, time_machine, django_assert_num_queries
):
    time_machine.move_to(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), tick=False)
    older = ReviewFactory(therapist=reviewed_therapist)
    time_machine.shift(datetime.timedelta(days=1))
    newer = ReviewFactory(therapist=reviewed_therapist)
    ReviewFactory(therapist=reviewed_therapist, is_hidden=True)
    ReviewFactory(therapist=reviewed_therapist, **HELD)
    ReviewFactory()  # another therapist's
    reviewed_therapist = services.refresh_aggregates(therapist_id=reviewed_therapist.pk)
    # One query: the page's rows; the count comes from the stored review_count.
    with django_assert_num_queries(1):
        page = selectors.profile_reviews(therapist=reviewed_therapist)
        reviews = list(page)
    assert reviews == [newer, older]
    assert page.paginator.count == 2


def test_profile_reviews_pages_by_the_given_size(reviewed_therapist):
    ReviewFactory.create_batch(5, therapist=reviewed_therapist)
    reviewed_therapist = services.refresh_aggregates(therapist_id=reviewed_therapist.pk)
    page = selectors.profile_reviews(therapist=reviewed_therapist, page_number="3", per_page=2)
    assert (page.number, page.paginator.num_pages, len(page)) == (3, 3, 1)
    # A page past the end shows the last one, never an error.
    assert selectors.profile_reviews(therapist=reviewed_therapist, page_number="99", per_page=2).number == 3


def test_compute_aggregates_counts_only_visible_reviews(reviewed_therapist):
    ReviewFactory(therapist=reviewed_therapist, rating=5, technique=4, would_recommend=True)
    ReviewFactory(therapist=reviewed_therapist, rating=2, technique=2, would_recommend=False)
    ReviewFactory(therapist=reviewed_therapist, rating=1, would_recommend=False, is_hidden=True)
    ReviewFactory(therapist=reviewed_therapist, rating=1, would_recommend=False, **HELD)
    totals = selectors.compute_aggregates(reviewed_therapist.pk)
    assert totals == {
        "review_count": 2,
        "rating_avg": pytest.approx(3.5),
        "technique_avg": pytest.approx(3.0),
        "professionalism_avg": pytest.approx(5.0),
        "communication_avg": pytest.approx(5.0),
        "cleanliness_avg": pytest.approx(5.0),
        "recommend_count": 1,
        "recommend_pct": pytest.approx(50.0),
        "verified_review_count": 0,
    }


def test_compute_aggregates_of_no_reviews_has_no_averages(reviewed_therapist):
    totals = selectors.compute_aggregates(reviewed_therapist.pk)
    assert (totals["review_count"], totals["recommend_count"]) == (0, 0)
    assert {totals[name] for name in ("rating_avg", "recommend_pct", "cleanliness_avg")} == {None}


def test_all_aggregates_equal_each_therapists_own_in_one_query(reviewed_therapist, django_assert_num_queries):
    other = TherapistFactory()
    TherapistFactory()  # no reviews: not listed
    ReviewFactory.create_batch(3, therapist=reviewed_therapist, rating=4)
    ReviewFactory(therapist=other, rating=1, would_recommend=False)
    ReviewFactory(therapist=other, rating=5, is_hidden=True)
    ReviewFactory(therapist=other, rating=5, **HELD)
    with django_assert_num_queries(1):
        everyone = selectors.all_aggregates()
    assert everyone == {
        reviewed_therapist.pk: selectors.compute_aggregates(reviewed_therapist.pk),
        other.pk: selectors.compute_aggregates(other.pk),
    }
    assert everyone[other.pk]["rating_avg"] == pytest.approx(1.0)


def test_review_by_finds_the_authors_review_shown_or_hidden(reviewed_therapist, review_author, other_client):
    hidden = ReviewFactory(therapist=reviewed_therapist, author=review_author, is_hidden=True)
    assert selectors.review_by(author=review_author, therapist=reviewed_therapist) == hidden
    assert selectors.review_by(author=other_client, therapist=reviewed_therapist) is None
    assert selectors.review_by(author=AnonymousUser(), therapist=reviewed_therapist) is None


def test_reviews_by_lists_a_clients_own_reviews_newest_first(review_author, time_machine):
    time_machine.move_to(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), tick=False)
    first = ReviewFactory(author=review_author)
    time_machine.shift(datetime.timedelta(hours=1))
    hidden = ReviewFactory(author=review_author, is_hidden=True)
    time_machine.shift(datetime.timedelta(hours=1))
    held = ReviewFactory(author=review_author, **HELD)
    ReviewFactory()  # someone else's
    assert list(selectors.reviews_by(author=review_author)) == [held, hidden, first]
