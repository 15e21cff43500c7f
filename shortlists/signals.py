"""At log-in, the shortlist made before signing in joins the account's (connected in apps.ShortlistsConfig)."""

from django.contrib import messages

from . import services


def merge_on_log_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    dropped = services.shortlist_merge(user=user, session=request.session)
    if dropped:
        messages.warning(
            request,
            f"Your shortlist is full, so {dropped} therapist{'' if dropped == 1 else 's'} you picked before "
            "logging in could not be added.",
            fail_silently=True,
        )
