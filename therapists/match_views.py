"""The guided match's page: the questions, then the filters they chose and why, the article's safety notes and the
matching therapists, all in the answer to the POST that carried them (never in a URL, a log line, the session or
the database)."""

from http import HTTPStatus

from django.conf import settings
from django.http import QueryDict
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView

from . import selectors, units
from .match import MatchForm, Outcome


def search_params(outcome: Outcome) -> QueryDict:
    """The outcome's filters as the search reads them (lists as repeated parameters)."""
    params = QueryDict(mutable=True)
    for name, value in outcome.params.items():
        params.setlist(name, value if isinstance(value, list) else [value])
    return params


# The page holds health answers: no browser or proxy keeps a copy of it.
@method_decorator(never_cache, name="dispatch")
class MatchView(FormView):
    """GET: the questions (a query string is never read: answers travel only in a POST body). POST: the answers'
    outcome on the same response; with a red flag, the notes and a confirmation step before any therapist."""

    template_name = "therapists/match.html"
    form_class = MatchForm

    def form_invalid(self, form):
        # An answer that is not one of the choices (or too long): the questions again with the errors, as a 400.
        return self.render_to_response(self.get_context_data(form=form), status=HTTPStatus.BAD_REQUEST)

    def form_valid(self, form):
        outcome = form.outcome()
        context = {"outcome": outcome, "hidden_answers": form.hidden_answers()}
        if outcome.needs_confirmation and not form.cleaned_data["confirmed"]:
            return self.render_to_response(self.get_context_data(form=form, **context))
        result = selectors.search(search_params(outcome), None, settings.SEARCH_PAGE_SIZE)
        units.label_distances(result.page.object_list)
        context.update(
            result=result,
            therapists=result.page.object_list,
            search_errors=[error for errors in result.filterset.form.errors.values() for error in errors],
            search_url=outcome.search_url(),
            # Offered to a request only through a POST form button (appointments' request page, "prefill only").
            precautions=form.precautions(),
        )
        return self.render_to_response(self.get_context_data(form=form, **context))
