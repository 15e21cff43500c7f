"""Views and view parts every app uses: forms whose data goes to a service, and the health check."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.generic import FormView

from .forms import add_service_error


class ServiceFormView(FormView):
    """A form whose valid data goes to a service; a service's ValidationError re-renders the form as typed.

    Subclasses implement `perform(form)` (call one service; its return value is kept as `self.result`)
    and may set `success_message`, or override `get_success_url`, which can read `self.result`.
    """

    success_message = ""
    result = None

    def form_valid(self, form):
        try:
            self.result = self.perform(form)
        except ValidationError as error:
            add_service_error(form, error)
            return self.service_error(form, error)
        if self.get_success_message():
            messages.success(self.request, self.get_success_message())
        return HttpResponseRedirect(self.get_success_url())

    def service_error(self, form, error: ValidationError):
        return self.form_invalid(form)

    def get_success_message(self) -> str:
        return self.success_message

    def perform(self, form):
        raise NotImplementedError


@never_cache
def healthz(request):
    """200 "ok" when the database answers; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
