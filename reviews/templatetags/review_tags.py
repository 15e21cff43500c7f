"""Template helpers for the review list: which actions the viewer may take on a review."""

from django import template

from reviews import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def review_actions(context, review, therapist=None) -> dict:
    """`{% review_actions review therapist as can %}` then `can.edit`, `can.delete`, `can.reply`, `can.flag`."""
    user = context.get("user")
    if user is None:
        return {"edit": False, "delete": False, "reply": False, "flag": False}
    return {
        "edit": permissions.can_edit(user, review),
        "delete": permissions.can_delete(user, review),
        "reply": permissions.can_reply(user, review, therapist),
        "flag": permissions.can_flag(user, review),
    }


@register.simple_tag(takes_context=True)
def may_review(context, therapist) -> bool:
    user = context.get("user")
    return user is None or permissions.can_review(user, therapist)


@register.simple_tag(takes_context=True)
def review_refusal(context, therapist):
    """`{% review_refusal therapist as refusal %}`: why the viewer may not review here (code, messages), or None."""
    user = context.get("user")
    return None if user is None else permissions.review_refusal(user, therapist)
