"""Template helpers for the review hooks on pages other apps own: the account page and the therapist's dashboard.

Those apps never import reviews (docs/architecture.md); their templates include the hook, which reads here.
"""

from django import template

from reviews import selectors
from reviews.forms import ReviewAppealForm

register = template.Library()


@register.simple_tag(takes_context=True)
def removed_reviews(context) -> list:
    """`{% removed_reviews as removed %}`: the signed-in user's removed reviews, each with its appeal; one query."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return []
    return selectors.removed_reviews_by(author=user)


@register.simple_tag
def owner_reviews(therapist) -> list:
    """`{% owner_reviews therapist as reviews %}`: the profile's shown reviews, unanswered first; one query."""
    return selectors.owner_reviews(therapist=therapist)


@register.simple_tag
def appeal_form(review) -> ReviewAppealForm:
    """`{% appeal_form review as form %}`: an empty appeal form whose ids are this review's own."""
    return ReviewAppealForm(auto_id=f"appeal-{review.pk}-%s")
