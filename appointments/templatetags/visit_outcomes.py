"""Template helpers for "did the visit take place?" in the inbox and the client's requests (reads no table)."""

from django import template

from appointments import permissions

register = template.Library()


@register.filter
def outcome_due(appointment) -> bool:
    """`{% if appointment|outcome_due %}`: accepted, and the agreed time has passed (permissions.outcome_due)."""
    return permissions.outcome_due(appointment)


@register.simple_tag(takes_context=True)
def may_answer_outcome(context, appointment) -> bool:
    """`{% may_answer_outcome appointment as asked %}`: the client was asked and may answer now."""
    user = context.get("user")
    return user is not None and permissions.may_answer_outcome(user, appointment)
