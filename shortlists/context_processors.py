"""What every page knows of the visitor's shortlist: the ids on it, for the nav's count and the cards' buttons."""

from django.utils.functional import SimpleLazyObject

from . import selectors


def shortlist(request):
    """`shortlist_ids`, read only when a template asks: from the session, so a page pays no query for it (one
    for a signed-in person whose session holds no copy of their list yet)."""

    def ids() -> frozenset[int]:
        if not hasattr(request, "session") or not hasattr(request, "user"):
            return frozenset()
        return frozenset(selectors.shortlisted_ids(request.user, request.session))

    return {"shortlist_ids": SimpleLazyObject(ids)}
