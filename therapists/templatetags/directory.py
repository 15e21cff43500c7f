"""Template filters for the directory's pages."""

import math

from django import template

from ..models import VERIFIED_MEANING
from ..units import format_distance

register = template.Library()


@register.simple_tag
def verified_meaning() -> str:
    """What the Verified badge promises, in the one sentence every page uses."""
    return VERIFIED_MEANING


@register.filter
def star_class(rating) -> str:
    """The CSS class that fills a row of five stars to the rating, in half stars: 4.3 -> "stars-45"."""
    try:
        value = float(rating)
    except (TypeError, ValueError):
        return "stars-0"
    halves = round(min(5.0, max(0.0, value)) * 2)
    return f"stars-{halves * 5}"


@register.filter
def distance(km) -> str:
    """A distance in kilometres as the site's readers count it: 5.2 -> "3.2 mi" on a US site; "" when unknown."""
    try:
        value = float(km)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(value) or value < 0:  # No search produces these; show nothing rather than fail.
        return ""
    return format_distance(value)
