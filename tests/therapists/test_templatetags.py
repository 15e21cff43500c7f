"""therapists.templatetags.directory: the star_class filter fills five stars to the rating in half stars."""

import pytest

from therapists.templatetags.directory import star_class


@pytest.mark.parametrize(
    ("rating", "expected"),
    [(4.3, "stars-45"), (4.2, "stars-40"), (5, "stars-50"), (1, "stars-10"), (0.2, "stars-0"), (7, "stars-50"),
     (None, "stars-0"), ("x", "stars-0")],
)  # fmt: skip
def test_star_class_rounds_to_half_stars(rating, expected):
    assert star_class(rating) == expected
