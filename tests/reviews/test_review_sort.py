"""Sorting a profile's reviews (`review_sort`): the four orders, their ties, unknown values and the pages."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.http import QueryDict

from reviews import selectors, services
from reviews.models import Review
from reviews.selectors import ReviewListOptions, ReviewSort

from ..factories import ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture
def five_reviews(reviewed_therapist, time_machine) -> dict[str, Review]:
    """Posted a day apart, oldest first: ratings and helpful counts chosen so each order differs, with ties."""
    specs = {"a": (4, 2), "b": (2, 5), "c": (5, 0), "d": (4, 5), "e": (1, 0)}  # name: (rating, helpful_count)
    reviews = {}
    for day, (name, (rating, helpful)) in enumerate(specs.items()):
        time_machine.move_to(START + datetime.timedelta(days=day), tick=False)
        reviews[name] = ReviewFactory(
            therapist=reviewed_therapist,
            author=UserFactory(),
            rating=rating,
            helpful_count=helpful,
            title=f"Review {name}",
        )
    services.refresh_aggregates(therapist_id=reviewed_therapist.pk)
    return reviews


def _order(client, therapist, **params) -> list[str]:
    response = client.get(therapist.get_absolute_url(), params)
    assert response.status_code == HTTPStatus.OK
    return re.findall(r'<h3 id="review-\d+-title">Review (\w)</h3>', response.content.decode())


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["e", "d", "c", "b", "a"]),
        ("highest", ["c", "d", "a", "b", "e"]),  # the two 4-star reviews: newest first
        ("lowest", ["e", "b", "d", "a", "c"]),
        ("helpful", ["d", "b", "a", "e", "c"]),  # 5 helpful twice, 0 twice: newest first
    ],
)
def test_profile_reviews_sort_orders_with_ties_newest_first(client, reviewed_therapist, five_reviews, sort, expected):
    assert _order(client, reviewed_therapist, review_sort=sort) == expected


def test_profile_reviews_default_to_newest_without_a_note(client, reviewed_therapist, five_reviews):
    response = client.get(reviewed_therapist.get_absolute_url())
    assert _order(client, reviewed_therapist) == ["e", "d", "c", "b", "a"]
    assert selectors.UNKNOWN_SORT_NOTE not in response.content.decode()
    assert response.context["review_options"] == ReviewListOptions()


@pytest.mark.parametrize("value", ["best", "HELPFUL", "-created_at", "rating; DROP TABLE", "%" * 300])
def test_profile_reviews_unknown_sort_falls_back_to_newest_and_says_so(client, reviewed_therapist, five_reviews, value):
    response = client.get(reviewed_therapist.get_absolute_url(), {"review_sort": value})
    assert response.status_code == HTTPStatus.OK
    assert selectors.UNKNOWN_SORT_NOTE in response.content.decode()
    assert _order(client, reviewed_therapist, review_sort=value) == ["e", "d", "c", "b", "a"]


def test_profile_reviews_sort_with_a_nul_byte_is_a_400(client, reviewed_therapist, five_reviews):
    response = client.get(reviewed_therapist.get_absolute_url(), {"review_sort": "newest\x00"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_review_list_options_from_params_keeps_good_values_and_notes_bad_ones():
    assert ReviewListOptions.from_params(QueryDict("review_sort=lowest&review_stars=2")) == ReviewListOptions(
        sort=ReviewSort.LOWEST, stars=2
    )
    assert ReviewListOptions.from_params(QueryDict("review_sort=&review_stars=")) == ReviewListOptions()
    assert ReviewListOptions.from_params(QueryDict("review_sort=worst&review_stars=9")) == ReviewListOptions(
        notes=(selectors.UNKNOWN_SORT_NOTE, selectors.UNKNOWN_STARS_NOTE)
    )


def test_sort_form_works_without_javascript_and_shows_the_chosen_order(client, reviewed_therapist, five_reviews):
    content = client.get(reviewed_therapist.get_absolute_url(), {"review_sort": "lowest"}).content.decode()
    form = content.split('<form method="get" action="#reviews" class="review-sort">', 1)[1].split("</form>", 1)[0]
    assert (
        '<label for="review-sort">Sort reviews</label>' in form
        and '<select id="review-sort" name="review_sort">' in form
    )
    labels = re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', form)
    assert labels == [
        ("newest", "", "Newest"),
        ("highest", "", "Highest rated"),
        ("lowest", " selected", "Lowest rated"),
        ("helpful", "", "Most helpful"),
    ]
    assert '<button type="submit" class="button">Sort</button>' in form
    assert 'name="review_stars"' not in form


def test_sort_form_keeps_the_star_level(client, reviewed_therapist, five_reviews):
    content = client.get(reviewed_therapist.get_absolute_url(), {"review_stars": "4"}).content.decode()
    assert '<input type="hidden" name="review_stars" value="4">' in content


def test_review_pages_keep_the_sort_the_star_level_and_the_reviews_anchor(client, reviewed_therapist):
    for _ in range(12):
        ReviewFactory(therapist=reviewed_therapist, author=UserFactory(), rating=4)
    ReviewFactory(therapist=reviewed_therapist, author=UserFactory(), rating=5)
    services.refresh_aggregates(therapist_id=reviewed_therapist.pk)
    first = client.get(reviewed_therapist.get_absolute_url(), {"review_sort": "helpful", "review_stars": "4"})
    assert first.context["reviews_page"].paginator.count == 12
    assert 'href="?review_sort=helpful&amp;review_stars=4&amp;page=2#reviews"' in first.content.decode()
    second = client.get(
        reviewed_therapist.get_absolute_url(), {"review_sort": "helpful", "review_stars": "4", "page": "2"}
    )
    assert len(second.context["reviews_page"]) == 2
    assert 'href="?review_sort=helpful&amp;review_stars=4&amp;page=1#reviews"' in second.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", "99", "abc", "1e9"])
def test_review_pages_out_of_range_or_garbage_give_a_page_not_an_error(client, reviewed_therapist, five_reviews, page):
    response = client.get(reviewed_therapist.get_absolute_url(), {"review_sort": "highest", "page": page})
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["reviews_page"]) == 5
