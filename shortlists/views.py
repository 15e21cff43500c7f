"""Shortlist pages: the list and its side-by-side comparison, the add and remove buttons, shared comparisons."""

from http import HTTPStatus
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView, View

from common import throttles
from therapists.models import Therapist
from therapists.places import MAP_POSITION_LABEL, Origin, cached_resolve_place

from . import compare, selectors, services
from .forms import CompareForm, ShareForm, TherapistButtonForm
from .models import MAX_COMPARED, MAX_ENTRIES

# How each refusal of a service answers.
REFUSAL_STATUS = {"unpublished": HTTPStatus.NOT_FOUND, "full": HTTPStatus.CONFLICT,
                  "too_many": HTTPStatus.CONFLICT, "throttled": HTTPStatus.TOO_MANY_REQUESTS}  # fmt: skip
NOT_FOUND = "We could not find a published profile by that name: it may have been taken down."


def refused(request, message: str, status: int, back: str | None = None):
    """A refusal in plain words, with the way back; never a 5xx."""
    context = {"message": message, "back": back or reverse("shortlists:list")}
    return render(request, "shortlists/refused.html", context, status=status)


def safe_next(request, url: str | None) -> str | None:
    """The page a button came from, when it is on this site."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def search_origin(url: str) -> Origin | None:
    """The place of a search page's URL, for distances in the compare table, by the search page's rule: a typed
    place (`near`) wins; `lat` and `lng` count only without one, as "your location"."""
    parts = urlsplit(url)
    if parts.path != reverse("therapists:list"):
        return None
    params = QueryDict(parts.query)
    near = params.get("near", "").strip()[:200]
    if near:
        return cached_resolve_place(near)
    try:
        lat, lng = float(params["lat"]), float(params["lng"])
    except (KeyError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= lng <= 180:
        return Origin(lat, lng, MAP_POSITION_LABEL)
    return None


class ShortlistView(TemplateView):
    """The list, and up to MAX_COMPARED of it compared side by side (the first ones unless others are chosen)."""

    template_name = "shortlists/shortlist.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        ids = selectors.current_ids(request.user, request.session)
        services.shortlist_sync(user=request.user, session=request.session, ids=ids)
        therapists = selectors.shortlist_therapists(ids)
        choices = [(t.slug, t.name) for t in therapists]
        form = CompareForm(request.GET or None, choices=choices)
        chosen, origin = therapists[:MAX_COMPARED], selectors.session_origin(request.session)
        if form.is_bound and not form.is_valid():
            # A choice in error compares nobody until it is put right; a place in error measures from nowhere.
            chosen = [] if "compare" in form.errors else chosen
            origin = None if "near" in form.errors else origin
        if form.is_bound and "compare" not in form.errors and form.cleaned_data.get("compare"):
            picked = set(form.cleaned_data["compare"])
            chosen = [t for t in therapists if t.slug in picked]
        if form.is_bound and "near" not in form.errors and form.origin is not None:
            origin = form.origin
        # The boxes keep what was typed when it was refused, else show what is compared.
        checked = form.data.getlist("compare") if "compare" in form.errors else [t.slug for t in chosen]
        context.update(
            therapists=therapists,
            form=form,
            comparison=compare.compare(chosen, origin) if chosen else None,
            chosen_slugs=[t.slug for t in chosen],
            checked_slugs=checked,
            shares=list(selectors.open_shares(request.user, request.session)),
            max_entries=MAX_ENTRIES,
            max_compared=MAX_COMPARED,
        )
        return context


class ButtonView(View):
    """A shortlist button's POST: back to the page it came from, at the button."""

    http_method_names = ["post"]

    def post(self, request):
        form = TherapistButtonForm(request.POST)
        if not form.is_valid():
            return refused(request, "That button did not say which therapist: go back and try again.", 400)
        back = safe_next(request, form.cleaned_data["next"])
        therapist = Therapist.objects.filter(slug=form.cleaned_data["therapist"]).first()
        if therapist is None:
            return refused(request, NOT_FOUND, HTTPStatus.NOT_FOUND, back)
        try:
            message = self.change(therapist, back)
        except ValidationError as error:
            return refused(request, error.messages[0], REFUSAL_STATUS.get(error.code, 400), back)
        messages.success(request, message)
        target = back or reverse("shortlists:list")
        return HttpResponseRedirect(target if "#" in target else f"{target}#shortlist-{therapist.slug}")

    def change(self, therapist: Therapist, back: str | None) -> str:
        raise NotImplementedError


class AddView(ButtonView):
    def change(self, therapist, back):
        ids = services.shortlist_add(user=self.request.user, session=self.request.session, therapist=therapist)
        origin = search_origin(back) if back else None
        if origin is not None:
            services.remember_origin(session=self.request.session, origin=origin)
        return f"{therapist.name} is on your shortlist ({len(ids)} of {MAX_ENTRIES})."


class RemoveView(ButtonView):
    def change(self, therapist, back):
        services.shortlist_remove(user=self.request.user, session=self.request.session, therapist_id=therapist.pk)
        return f"{therapist.name} is off your shortlist."


class ShareView(View):
    """Share the chosen comparison: a link anyone may open, read-only."""

    http_method_names = ["post"]

    def post(self, request):
        ids = selectors.current_ids(request.user, request.session)
        therapists = selectors.shortlist_therapists(ids)
        form = ShareForm(request.POST, choices=[(t.slug, t.name) for t in therapists])
        if not form.is_valid():
            return refused(request, form.errors["compare"][0], HTTPStatus.BAD_REQUEST)
        picked = set(form.cleaned_data["compare"])
        try:
            link = services.share_create(
                user=request.user,
                session=request.session,
                therapist_ids=[t.pk for t in therapists if t.slug in picked],
                client_address=throttles.client_address(request),
            )
        except ValidationError as error:
            return refused(request, error.messages[0], REFUSAL_STATUS.get(error.code, 400))
        messages.success(request, "Your comparison is shared: anyone with the link below can see it, nothing more.")
        query = QueryDict(mutable=True)
        query.setlist("compare", sorted(picked))
        return HttpResponseRedirect(f"{reverse('shortlists:list')}?{query.urlencode()}#share-{link.pk}")


class SharedView(TemplateView):
    """A shared comparison, read-only, for anyone with the link: nothing of whoever shared it is shown."""

    template_name = "shortlists/shared.html"

    def get(self, request, *args, **kwargs):
        link = selectors.shared_comparison(kwargs["token"])
        if link is None:
            raise Http404("No shared comparison has this link.")
        if not link.is_open:
            return render(request, "shortlists/shared_revoked.html", status=HTTPStatus.GONE)
        therapists = selectors.shortlist_therapists(selectors.shared_ids(link))
        return self.render_to_response(
            self.get_context_data(comparison=compare.compare(therapists) if therapists else None, link=link)
        )


class RevokeView(View):
    """Stop sharing: only whoever shared it (their account, or the session that shared it without one)."""

    http_method_names = ["post"]

    def post(self, request, token):
        link = selectors.shared_comparison(token)
        if link is None or not selectors.may_revoke(request.user, request.session, link):
            raise Http404("No shared comparison of yours has this link.")
        services.share_revoke(link=link)
        messages.success(request, "You stopped sharing that comparison: its link now says so.")
        return HttpResponseRedirect(reverse("shortlists:list"))
