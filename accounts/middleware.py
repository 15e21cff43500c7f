"""Footprints noted where an account is used: after a log-in and after a profile owner's dashboard write."""

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse

from common.throttles import client_address

from .footprints import DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, device_id, footprint_hashes, footprint_record

# Set on the request by the log-in signal, read once the response is ready.
LOGGED_IN_ATTRIBUTE = "footprint_logged_in"


def _note_log_in(sender, request, user, **kwargs) -> None:
    if request is not None:
        setattr(request, LOGGED_IN_ATTRIBUTE, True)


def _is_dashboard_write(request: HttpRequest, response: HttpResponse) -> bool:
    match = getattr(request, "resolver_match", None)
    return (
        request.method == "POST"
        and response.status_code < 400
        and match is not None
        and "dashboard" in match.namespaces
    )


class FootprintMiddleware:
    """After a log-in, and after a successful dashboard write, note the account's footprints (address and
    browser) and give the browser its device cookie if it has none.

    Only those two moments: other requests never touch the user, the session or the database here. Place it
    after AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        user_logged_in.connect(_note_log_in, dispatch_uid="accounts.footprints.note_log_in")

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, LOGGED_IN_ATTRIBUTE, False) or _is_dashboard_write(request, response):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                self._record(request, response, user)
        return response

    def _record(self, request: HttpRequest, response: HttpResponse, user: AbstractBaseUser) -> None:
        device = device_id(request)
        if device is None:
            device = secrets.token_urlsafe(32)
            response.set_cookie(
                DEVICE_COOKIE,
                device,
                max_age=DEVICE_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        footprint_record(user=user, hashes=footprint_hashes(address=client_address(request), device=device))
