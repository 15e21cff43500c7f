"""therapists.ranking: the "best match" formula's documented properties, checked over random evidence; the priors."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therapists.ranking import Evidence, Priors, bayesian_average, explain, score, wilson_lower_bound

ratings = st.floats(min_value=1, max_value=5, allow_nan=False)
priors = st.builds(Priors, rating=ratings, communication=ratings, cleanliness=ratings)


@st.composite
def evidence(draw):
    n = draw(st.integers(min_value=0, max_value=500))
    return Evidence(
        verified=draw(st.booleans()),
        review_count=n,
        rating_avg=draw(ratings) if n else None,
        communication_avg=draw(ratings) if n else None,
        cleanliness_avg=draw(ratings) if n else None,
        recommend_count=draw(st.integers(min_value=0, max_value=n)),
        years_experience=draw(st.integers(min_value=0, max_value=60)),
    )


def with_five_star_review(e: Evidence) -> Evidence:
    n = e.review_count

    def add(mean):
        return ((mean or 0) * n + 5) / (n + 1)

    return Evidence(
        verified=e.verified, review_count=n + 1, rating_avg=add(e.rating_avg),
        communication_avg=add(e.communication_avg), cleanliness_avg=add(e.cleanliness_avg),
        recommend_count=e.recommend_count + 1, years_experience=e.years_experience,
    )  # fmt: skip


@settings(max_examples=300)
@given(evidence(), priors)
def test_ranking_a_five_star_review_never_lowers_the_score(e, p):
    assert score(with_five_star_review(e), p) >= score(e, p) - 1e-9


@settings(max_examples=200)
@given(evidence(), priors)
def test_ranking_a_verified_credential_never_lowers_the_score(e, p):
    unverified = Evidence(**{**e.__dict__, "verified": False})
    verified = Evidence(**{**e.__dict__, "verified": True})
    assert score(verified, p) > score(unverified, p)


@settings(max_examples=200)
@given(ratings, st.integers(min_value=1, max_value=1000), st.integers(min_value=1, max_value=1000), ratings)
def test_ranking_more_evidence_moves_towards_the_own_average(mean, n, extra, prior):
    few, many = bayesian_average(mean, n, prior), bayesian_average(mean, n + extra, prior)
    assert abs(many - mean) <= abs(few - mean) + 1e-9


def test_ranking_one_perfect_review_does_not_outrank_two_hundred_at_four_point_eight():
    p = Priors(rating=4.2, communication=4.2, cleanliness=4.2)
    one = Evidence(review_count=1, rating_avg=5, communication_avg=5, cleanliness_avg=5, recommend_count=1)
    many = Evidence(review_count=200, rating_avg=4.8, communication_avg=4.8, cleanliness_avg=4.8, recommend_count=190)
    assert score(many, p) > score(one, p)


def test_wilson_lower_bound_is_cautious_with_few_votes():
    assert wilson_lower_bound(3, 3) < wilson_lower_bound(95, 100)
    assert wilson_lower_bound(0, 0) == 0
    assert 0 <= wilson_lower_bound(5, 10) <= 0.5


def test_score_stays_between_0_and_100():
    best = Evidence(True, 1000, 5, 5, 5, 1000, 40)
    worst = Evidence(False, 1000, 1, 1, 1, 0, 0)
    assert score(best, Priors()) <= 100 and score(worst, Priors()) >= 0


@pytest.mark.parametrize("n", [0, 1, 12])
def test_explain_speaks_in_plain_words(n):
    e = Evidence(verified=bool(n), review_count=n, rating_avg=4.5 if n else None,
                 communication_avg=4.0 if n else None, cleanliness_avg=4.9 if n else None,
                 recommend_count=n, years_experience=7)  # fmt: skip
    text = " ".join(explain(e, Priors()))
    assert "7 years in practice" in text
    assert ("No reviews yet" in text) == (n == 0)
    assert "verified" in text.lower()


@pytest.mark.parametrize("reviews", [None, 0])
def test_priors_from_totals_without_reviews_are_the_defaults(reviews):
    assert Priors.from_totals(reviews=reviews, rating=None, communication=None, cleanliness=None) == Priors()
    assert Priors() == Priors(rating=4.0, communication=4.0, cleanliness=4.0)


def test_priors_from_totals_are_means_weighted_by_review_count():
    # 10 reviews averaging 4.5 (communication 4.0, cleanliness 5.0) and 30 averaging 3.5 (5.0, 4.0).
    priors = Priors.from_totals(
        reviews=40, rating=10 * 4.5 + 30 * 3.5, communication=10 * 4.0 + 30 * 5.0, cleanliness=10 * 5.0 + 30 * 4.0
    )
    assert priors.rating == pytest.approx(3.75)
    assert priors.communication == pytest.approx(4.75)
    assert priors.cleanliness == pytest.approx(4.25)
