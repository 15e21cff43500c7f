"""The place autocomplete: a small JSON list of gazetteer places for the search's "City or ZIP code" box."""

import hashlib
from http import HTTPStatus

from django.core.cache import cache
from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .places import AUTOCOMPLETE_MAX_LENGTH, AUTOCOMPLETE_MIN_LENGTH, autocomplete_places

SUGGESTIONS = 8
# The gazetteer changes only when places are loaded: browsers, proxies and the shared cache keep an answer an hour.
CACHE_SECONDS = 60 * 60


# CSRF protects a request that changes something; this view changes nothing and refuses every unsafe method. Without
# the exemption, a POST without a token meets Django's HTML "CSRF verification failed" page before the view can say
# in JSON that the method is not allowed.
@method_decorator(csrf_exempt, name="dispatch")
class PlaceAutocompleteView(View):
    """GET ?q=den -> [{"label": "Denver, CO", "query": "Denver, CO"}, ...], at most eight, home country first.

    Shorter than two characters gives an empty list (the box is being typed in); longer than a hundred, or
    holding control characters, is refused with 400. Answers are cached, so a burst of keystrokes costs at most
    one query per distinct prefix.
    """

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        typed = request.GET.get("q", "")
        if len(typed) > AUTOCOMPLETE_MAX_LENGTH:
            return _refused(f"Type at most {AUTOCOMPLETE_MAX_LENGTH} characters.")
        if any(not character.isprintable() for character in typed):
            return _refused("Type a city name or a ZIP code.")
        typed = " ".join(typed.split())
        if len(typed) < AUTOCOMPLETE_MIN_LENGTH:
            return _cached(JsonResponse([], safe=False))
        key = "places:autocomplete:" + hashlib.sha256(typed.casefold().encode()).hexdigest()
        found = cache.get(key)
        if found is None:
            found = [{"label": c.label, "query": c.query} for c in autocomplete_places(typed, limit=SUGGESTIONS)]
            cache.set(key, found, CACHE_SECONDS)
        return _cached(JsonResponse(found, safe=False))

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = JsonResponse({"error": "Only GET is allowed here."}, status=HTTPStatus.METHOD_NOT_ALLOWED)
        response["Allow"] = ", ".join(method.upper() for method in self._allowed_methods())
        return response


def _cached(response: JsonResponse) -> JsonResponse:
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


def _refused(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=HTTPStatus.BAD_REQUEST)
