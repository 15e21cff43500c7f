"""The admin site's log-in: the site's throttle, then a second factor for staff who have one (django-otp's
OTPAdminSite pattern), required of every staff member with STAFF_TWO_FACTOR_REQUIRED."""

from http import HTTPStatus

from django.conf import settings
from django.contrib.admin import AdminSite
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from . import selectors
from .forms import AdminLoginForm


class StaffAdminSite(AdminSite):
    """Installed over `admin.site` by config/urls.py (`admin.site.__class__ = StaffAdminSite`, as django-otp
    documents for OTPAdminSite), so every app's registrations stay where they are."""

    login_form = AdminLoginForm
    login_template = "accounts/admin_login.html"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        # A staff member with a second factor is admitted only by a session that proved it; without one,
        # only while the setting leaves it optional.
        if selectors.two_factor_enabled(request.user):
            return request.user.is_verified()
        return not settings.STAFF_TWO_FACTOR_REQUIRED

    def login(self, request, extra_context=None):
        user = request.user
        if (
            settings.STAFF_TWO_FACTOR_REQUIRED
            and user.is_active
            and user.is_staff
            and not selectors.two_factor_enabled(user)
        ):
            # Signed in, but the admin needs a second factor first: set it up, then come back.
            next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
            return HttpResponseRedirect(f"{reverse('two_factor')}?{urlencode({'next': next_url})}")
        response = super().login(request, extra_context)
        form = getattr(response, "context_data", None) and response.context_data.get("form")
        if request.method == "POST" and form is not None and form.has_error(NON_FIELD_ERRORS, code="throttled"):
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response
