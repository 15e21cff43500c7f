"""Middleware every request passes: NUL characters and oversized requests refused, browser features denied, a
database outage as a 503."""

import logging
import sys

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.log import log_response
from django.views import defaults

logger = logging.getLogger(__name__)

NUL = "\x00"
NUL_REFUSED_MESSAGE = "Bad request: the request contains a NUL character, which no field of this site accepts.\n"
# Bodies whose fields Django parses into request.POST; any other body (JSON, a raw upload) is left to its view.
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# What reading the query string or a form body raises when it holds more than the settings allow
# (DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES, DATA_UPLOAD_MAX_MEMORY_SIZE): the client's error.
OVERSIZED_REQUEST_ERRORS = (TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig)

# Browser features no page of the directory uses: denied to the site and to anything it embeds, so an injected
# script or frame cannot ask for them. An empty allowlist, "()", denies a feature everywhere.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Object storage (common.storage on S3) that does not answer or refuses: the upload or the document was not stored
# or read, and trying again shortly is the advice, as for the database. A missing object is the views' 404.
STORAGE_ERRORS = (BotoCoreError, ClientError)


def _holds_nul(pairs) -> bool:
    return any(NUL in name or any(NUL in value for value in values) for name, values in pairs)


def oversized_request(request, error: Exception) -> HttpResponse:
    """The site's 400 page (handler400's template) for a request holding more fields, files or bytes than allowed.

    Answered here in both DEBUG modes: left to Django, DEBUG's technical page reads request.GET again, which
    raises again, and more than DATA_UPLOAD_MAX_NUMBER_FIELDS query parameters became a 500. Logged as Django
    logs it, to django.security.<error's class>.
    """
    response = defaults.bad_request(request, error)
    security_logger = logging.getLogger(f"django.security.{type(error).__name__}")
    log_response(str(error), request=request, response=response, level="error", logger=security_logger, exception=error)
    return response


class RejectNulMiddleware:
    """Refuse with a 400 any request whose path, query string, cookies or form fields hold a NUL character.

    No field of the site accepts one, and PostgreSQL cannot store one in text: a NUL reaching a query there
    (an admin filter, a search) is a DataError, a 500. Refused here once, before any view or the session
    reads the value. Uploaded files' contents are not looked at; their field names are.

    Being the first to read the query string and the form body, it is also where a request holding more than
    the settings allow is met: answered with the site's 400 page (oversized_request), never a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            holds_nul = self._holds_nul(request)
        except OVERSIZED_REQUEST_ERRORS as error:
            return oversized_request(request, error)
        if holds_nul:
            return HttpResponseBadRequest(NUL_REFUSED_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _holds_nul(request) -> bool:
        if NUL in request.path_info or _holds_nul(request.GET.lists()):
            return True
        if any(NUL in name or NUL in value for name, value in request.COOKIES.items()):
            return True
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            # Parsing here is what CsrfViewMiddleware does next anyway. Too much data is answered by the caller;
            # a malformed multipart body raises MultiPartParserError, Django's 400 (the same page) in both modes.
            return _holds_nul(request.POST.lists()) or any(NUL in name for name in request.FILES)
        return False


class PermissionsPolicyMiddleware:
    """Deny, on every response, the browser features the site never uses (DENIED_FEATURES)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def database_unavailable() -> HttpResponse:
    """The 503 page, with Retry-After: the database did not answer, and a retry soon may well succeed.

    Rendered without the request's context: the context processors would read the user, from the very
    database that is not answering.
    """
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After, not 500, when a view finds the database unavailable.

    A PostgreSQL restart refuses connections for a few seconds, and a SQLite writer waits at most
    SQLITE_BUSY_TIMEOUT_SECONDS for another's lock: the request failed, nothing was written (the
    transaction rolled back), and trying again shortly is the right advice. Other exceptions pass on
    untouched to Django's 500 handling.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, STORAGE_ERRORS):
            logger.warning("Object storage unavailable on %s %s", request.method, request.path, exc_info=exception)
            return database_unavailable()
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("Database unavailable on %s %s", request.method, request.path, exc_info=exception)
        return database_unavailable()


def server_error(request, template_name: str = "500.html"):
    """The site's handler500: a database error raised outside a view (the session saved after it, a
    middleware reading the user) is the same outage as one inside it, so it gets the same 503."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable()
    return defaults.server_error(request, template_name=template_name)
