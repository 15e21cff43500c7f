"""The profile's star histogram: counts and shares of shown reviews, bars that filter the list (`review_stars`)."""

import re
from http import HTTPStatus

import pytest

from reviews import selectors, services
from reviews.models import Review
from reviews.selectors import StarBar

from ..factories import ReviewFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

HELD = {"is_held": True, "held_reason": Review.HoldReason.NEW_ACCOUNT_CLUSTER}
# Ratings of the shown reviews: 5 five-star, 2 four-star, none three-star, 1 two-star, 2 one-star (10 in all).
RATINGS = [5, 5, 5, 5, 5, 4, 4, 2, 1, 1]


@pytest.fixture
def rated(reviewed_therapist):
    for rating in RATINGS:
        ReviewFactory(therapist=reviewed_therapist, author=UserFactory(), rating=rating, title=f"{rating} stars")
    # Neither of these shows, so neither counts.
    ReviewFactory(therapist=reviewed_therapist, author=UserFactory(), rating=3, is_hidden=True)
    ReviewFactory(therapist=reviewed_therapist, author=UserFactory(), rating=3, **HELD)
    services.refresh_aggregates(therapist_id=reviewed_therapist.pk)
    reviewed_therapist.refresh_from_db()
    return reviewed_therapist


def test_star_histogram_counts_shown_reviews_by_star_level_in_one_query(rated, django_assert_num_queries):
    with django_assert_num_queries(1):
        histogram = selectors.star_histogram(therapist=rated)
    assert histogram.total == 10
    assert histogram.bars == (
        StarBar(stars=5, count=5, percent=50),
        StarBar(stars=4, count=2, percent=20),
        StarBar(stars=3, count=0, percent=0),
        StarBar(stars=2, count=1, percent=10),
        StarBar(stars=1, count=2, percent=20),
    )
    assert histogram.count(4) == 2 and histogram.count(3) == 0


def test_star_histogram_of_a_profile_without_reviews_runs_no_query(reviewed_therapist, django_assert_num_queries):
    with django_assert_num_queries(0):
        histogram = selectors.star_histogram(therapist=reviewed_therapist)
    assert histogram.total == 0 and [bar.count for bar in histogram.bars] == [0] * 5


def test_star_histogram_counts_only_its_own_therapist(rated):
    ReviewFactory(therapist=TherapistFactory(), author=UserFactory(), rating=3)
    assert selectors.star_histogram(therapist=rated).count(3) == 0


def test_profile_histogram_shows_each_level_as_an_accessible_bar_linking_to_its_reviews(client, rated):
    content = client.get(rated.get_absolute_url()).content.decode()
    histogram = content.split('<ul class="star-histogram" aria-label="Reviews by star rating">', 1)[1].split("</ul>")[0]
    bars = re.findall(
        r'<(a|span) (?:href="([^"]*)" )?class="star-bar"[^>]*>\s*<span class="star-label">(\d) stars?</span>\s*'
        r'<meter min="0" max="100" value="(\d+)" aria-hidden="true"></meter>\s*'
        r'<span class="star-share">(\d+)%</span>\s*'
        r'<span class="star-count muted">(\d+) reviews?</span>',
        histogram,
    )
    assert bars == [
        ("a", "?review_stars=5#reviews", "5", "50", "50", "5"),
        ("a", "?review_stars=4#reviews", "4", "20", "20", "2"),
        ("span", "", "3", "0", "0", "0"),  # nothing to filter to: no link
        ("a", "?review_stars=2#reviews", "2", "10", "10", "1"),
        ("a", "?review_stars=1#reviews", "1", "20", "20", "2"),
    ]
    assert "style=" not in histogram


def test_profile_histogram_is_absent_without_reviews(client, reviewed_therapist):
    content = client.get(reviewed_therapist.get_absolute_url()).content.decode()
    assert "star-histogram" not in content and "review-sort" not in content


def test_profile_filtered_to_a_star_level_shows_only_those_reviews_and_the_way_back(client, rated):
    response = client.get(rated.get_absolute_url(), {"review_stars": "1", "review_sort": "lowest"})
    content = response.content.decode()
    assert [review.rating for review in response.context["reviews_page"]] == [1, 1]
    assert response.context["reviews_page"].paginator.count == 2
    assert "Showing the 2 reviews with 1 star." in content
    assert 'href="?review_sort=lowest#reviews">Show all reviews</a>' in content
    assert 'href="?review_stars=1&amp;review_sort=lowest#reviews" class="star-bar" aria-current="true"' in content
    # The other bars keep the sort and change the level.
    assert 'href="?review_stars=5&amp;review_sort=lowest#reviews" class="star-bar">' in content


def test_profile_filtered_to_an_empty_star_level_says_so(client, rated):
    response = client.get(rated.get_absolute_url(), {"review_stars": "3"})
    assert response.status_code == HTTPStatus.OK
    assert list(response.context["reviews_page"]) == []
    content = response.content.decode()
    assert content.count("No reviews with 3 stars.") == 1
    assert "No reviews yet" not in content  # the profile has reviews, only none at that level


@pytest.mark.parametrize("value", ["0", "6", "-1", "4.5", "five", " 4", "4,5", "9" * 400])
def test_profile_ignores_a_bad_star_level_and_says_so(client, rated, value):
    response = client.get(rated.get_absolute_url(), {"review_stars": value})
    assert response.status_code == HTTPStatus.OK
    assert selectors.UNKNOWN_STARS_NOTE in response.content.decode()
    assert response.context["review_options"].stars is None
    assert response.context["reviews_page"].paginator.count == 10


def test_profile_with_an_empty_star_level_shows_all_without_a_note(client, rated):
    response = client.get(rated.get_absolute_url(), {"review_stars": ""})
    assert selectors.UNKNOWN_STARS_NOTE not in response.content.decode()
    assert response.context["reviews_page"].paginator.count == 10
