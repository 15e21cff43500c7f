"""The therapist's dashboard: their own profile, photo, certifications, services, hours, where and how clients pay,
and the private document views.

Every view acts on the signed-in user's own profile only: objects are looked up through
`request.user`, so another user's certification is simply not found (404), never forbidden,
which would reveal that it exists.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import TemplateView

from common.views import ServiceFormView

from . import permissions, uploads
from .completeness import missing_items
from .desk import renewable_ids
from .forms import (
    CertificationForm,
    OpeningHoursForm,
    PhotoForm,
    PracticeForm,
    ProfileClaimForm,
    ServiceMenuFormSet,
    TherapistProfileForm,
)
from .models import Certification, ProfileClaim
from .selectors import own_profile
from .services import certifications as verification
from .services.claims import profile_claim_request
from .services.offerings import ServiceItem, therapist_set_hours, therapist_set_services
from .services.photos import therapist_remove_photo, therapist_set_photo
from .services.profiles import (
    PracticeDetails,
    ProfileDetails,
    therapist_confirm_accepting,
    therapist_create,
    therapist_set_practice,
    therapist_set_published,
    therapist_update_profile,
)

HOME = reverse_lazy("dashboard:home")
DOCUMENT_POLICY = "default-src 'none'; sandbox"


class OwnProfileMixin(LoginRequiredMixin):
    """The signed-in user's profile as `self.therapist`; users without one are sent to create it."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.therapist = own_profile(request.user)
        if self.therapist is None:
            messages.info(request, "Create your profile first.")
            return redirect("dashboard:profile_create")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(therapist=self.therapist, **kwargs)


@method_decorator(never_cache, name="dispatch")
class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "dashboard/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        therapist = own_profile(self.request.user)
        context["therapist"] = therapist
        if therapist is None:
            context["claim"] = (
                ProfileClaim.objects.filter(user=self.request.user)
                .select_related("therapist")
                .order_by("-created_at")
                .first()
            )
        else:
            context["certifications"] = list(
                therapist.certifications.select_related("specialty", "renews").order_by("-created_at", "-pk")
            )
            # Verified credentials that expired or expire within 30 days and have no renewal waiting yet.
            context["renewable_ids"] = renewable_ids(context["certifications"])
            context["missing_items"] = missing_items(therapist)
        return context


class NoProfileYetMixin(LoginRequiredMixin):
    """Pages for signed-in users without a profile; those who own one are sent to `has_profile_url`."""

    has_profile_url = HOME

    def dispatch(self, request, *args, **kwargs):
        if own_profile(request.user) is not None:
            return redirect(self.has_profile_url)
        return super().dispatch(request, *args, **kwargs)


class ProfileCreateView(NoProfileYetMixin, ServiceFormView):
    template_name = "dashboard/therapist_form.html"
    form_class = TherapistProfileForm
    success_url = HOME
    success_message = "Your profile is saved as a draft. Publish it when it is ready."
    has_profile_url = reverse_lazy("dashboard:profile_edit")

    def get_context_data(self, **kwargs):
        return super().get_context_data(creating=True, **kwargs)

    def perform(self, form):
        return therapist_create(owner=self.request.user, details=ProfileDetails.from_form(form.cleaned_data))


class ProfileUpdateView(OwnProfileMixin, ServiceFormView):
    template_name = "dashboard/therapist_form.html"
    form_class = TherapistProfileForm
    success_url = HOME
    success_message = "Your profile is saved."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.therapist}

    def perform(self, form):
        return therapist_update_profile(therapist=self.therapist, details=ProfileDetails.from_form(form.cleaned_data))


class ProfilePublishView(OwnProfileMixin, View):
    """POST only: publish or unpublish; the buttons live on the dashboard."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        publish = request.POST.get("publish") == "true"
        try:
            therapist_set_published(therapist=self.therapist, published=publish)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Your profile is published." if publish else "Your profile is hidden.")
        return redirect(HOME)


class AcceptingConfirmView(OwnProfileMixin, View):
    """POST only: confirm in one click whether one takes new clients (`accepting` true or false); the buttons live
    on the dashboard (templates/dashboard/_accepting.html). Any other value is refused and changes nothing."""

    http_method_names = ["post"]
    CHOICES = {"true": True, "false": False}
    UNCLEAR_MESSAGE = "We could not tell whether you accept new clients. Go back to your dashboard and use its buttons."

    def post(self, request, *args, **kwargs):
        accepting = self.CHOICES.get(request.POST.get("accepting", ""))
        if accepting is None:
            return HttpResponseBadRequest(self.UNCLEAR_MESSAGE, content_type="text/plain; charset=utf-8")
        therapist_confirm_accepting(therapist=self.therapist, accepting=accepting)
        if accepting:
            messages.success(request, "Thank you: clients see that you accept new clients, confirmed today.")
        else:
            messages.success(request, "Clients now see that you are not taking new clients.")
        return redirect(HOME)


class PhotoUpdateView(OwnProfileMixin, ServiceFormView):
    template_name = "dashboard/photo_form.html"
    form_class = PhotoForm
    success_url = HOME
    success_message = "Your photo is saved."

    def perform(self, form):
        return therapist_set_photo(therapist=self.therapist, photo=form.cleaned_data["photo"])


class PhotoDeleteView(OwnProfileMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        therapist_remove_photo(therapist=self.therapist)
        messages.success(request, "Your photo is removed.")
        return redirect(HOME)


class ServicesUpdateView(OwnProfileMixin, ServiceFormView):
    """The menu: one line per type of massage and length, with its price; saved whole or not at all."""

    template_name = "dashboard/services_form.html"
    form_class = ServiceMenuFormSet
    prefix = "services"
    success_url = HOME
    success_message = "Your services and prices are saved."

    def get_initial(self):
        return [
            {"specialty": s.specialty_id, "minutes": s.minutes, "price": s.price}
            for s in self.therapist.services.order_by("specialty__position", "specialty__name", "minutes", "pk")
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "therapist": self.therapist}

    def perform(self, form):
        lines = form.menu_lines()
        return therapist_set_services(
            therapist=self.therapist,
            items=[ServiceItem(specialty, minutes, price) for _, specialty, minutes, price in lines],
            lines=[number for number, *_ in lines],
        )


class HoursUpdateView(OwnProfileMixin, ServiceFormView):
    """The week's opening hours, two periods a day at most (a break between), and "by appointment only"."""

    template_name = "dashboard/hours_form.html"
    form_class = OpeningHoursForm
    success_url = HOME
    success_message = "Your opening hours are saved."

    def get_initial(self):
        return {"by_appointment": self.therapist.by_appointment}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "periods": list(self.therapist.opening_periods.all())}

    def perform(self, form):
        return therapist_set_hours(
            therapist=self.therapist, periods=form.periods(), by_appointment=form.cleaned_data["by_appointment"]
        )


class PracticeUpdateView(OwnProfileMixin, ServiceFormView):
    """Where the therapist sees clients (address, travel) and how clients pay."""

    template_name = "dashboard/practice_form.html"
    form_class = PracticeForm
    success_url = HOME
    success_message = "Where you work and how clients pay are saved."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "therapist": self.therapist}

    def perform(self, form):
        return therapist_set_practice(therapist=self.therapist, practice=PracticeDetails(**form.practice_data()))


class OwnCertificationMixin(OwnProfileMixin):
    """The certification in the URL, only if it belongs to the signed-in user's profile."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.certification = get_object_or_404(
                Certification.objects.select_related("specialty"), pk=kwargs["pk"], therapist__owner=request.user
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(certification=self.certification, **kwargs)


class CertificationCreateView(OwnProfileMixin, ServiceFormView):
    template_name = "dashboard/certification_form.html"
    form_class = CertificationForm
    success_url = HOME
    success_message = "Your certification is saved. Our verifiers will check it and email you."

    def get_form_kwargs(self):
        # A license is usually from the state the therapist practises in: offer it.
        return {**super().get_form_kwargs(), "practice_region": self.therapist.region}

    def perform(self, form):
        return verification.certification_submit(
            therapist=self.therapist,
            details=verification.CertificationDetails.from_form(form.cleaned_data),
            document=form.cleaned_data["document"],
        )


class CertificationUpdateView(OwnCertificationMixin, ServiceFormView):
    template_name = "dashboard/certification_form.html"
    form_class = CertificationForm
    success_url = HOME

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.certification}

    def perform(self, form):
        self.status_before = self.certification.status
        return verification.certification_update(
            certification=self.certification,
            details=verification.CertificationDetails.from_form(form.cleaned_data),
            document=form.cleaned_data["document"],
            changed_by=self.request.user,
        )

    def get_success_message(self) -> str:
        if self.status_before != Certification.Status.PENDING and self.result.status == Certification.Status.PENDING:
            return "Your changes are saved. The certification waits for verification again."
        return "Your changes are saved."


RENEWED_FIELDS = ("kind", "title", "issuing_body", "region", "credential_number", "specialty")


class CertificationRenewView(OwnCertificationMixin, ServiceFormView):
    """Upload the renewal of an expiring credential: what it states is prefilled, the dates and the document are
    new; it waits for a verifier while the old one keeps counting until its own expiry."""

    template_name = "dashboard/certification_form.html"
    form_class = CertificationForm
    success_url = HOME
    success_message = "Your renewal is saved. Our verifiers will check it; the current one counts until it expires."

    def get_initial(self):
        return {name: getattr(self.certification, name) for name in RENEWED_FIELDS}

    def get_context_data(self, **kwargs):
        # The form is for a new certification: the template's "edit" texts are for the renewed one.
        return super().get_context_data(renewing=self.certification, **kwargs) | {"certification": None}

    def perform(self, form):
        return verification.certification_submit(
            therapist=self.therapist,
            details=verification.CertificationDetails.from_form(form.cleaned_data),
            document=form.cleaned_data["document"],
            renews=self.certification,
        )


class CertificationWithdrawView(OwnCertificationMixin, TemplateView):
    template_name = "dashboard/certification_confirm_withdraw.html"

    def post(self, request, *args, **kwargs):
        verification.certification_withdraw(certification=self.certification)
        messages.success(request, "The certification and its document are removed.")
        return redirect(HOME)


class ProfileClaimView(NoProfileYetMixin, ServiceFormView):
    """Ask staff for an existing, unowned profile; ownership changes only when they approve."""

    template_name = "dashboard/claim_form.html"
    form_class = ProfileClaimForm
    success_url = HOME
    success_message = "Your claim is sent. Our staff will check it and email you."

    def get_initial(self):
        # A profile page can link here with ?profile=<slug> filled in.
        return {"profile": self.request.GET.get("profile", "")[:300]}

    def perform(self, form):
        return profile_claim_request(
            user=self.request.user, therapist=form.cleaned_data["profile"], message=form.cleaned_data["message"]
        )


class DocumentView(LoginRequiredMixin, View):
    """A certification document for its owner or a verifier, never cached, never rendered as a page."""

    inline = False

    def get(self, request, *args, **kwargs):
        certification = get_object_or_404(Certification.objects.select_related("therapist"), pk=kwargs["pk"])
        if not self.allowed(request.user, certification) or not certification.document:
            raise Http404("No such document.")
        name = certification.document.name
        try:
            handle = certification.document.storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404("No such document.") from None
        extension = name[name.rfind(".") :].lower() if "." in name else ""
        response = FileResponse(
            handle,
            as_attachment=not self.inline,
            filename=f"certification-{certification.pk}{extension}",
            content_type=uploads.content_type_for(name),
        )
        response["Cache-Control"] = "private, no-store"
        # Whether downloaded or shown inline, the document can run nothing in this origin: no scripts, no
        # requests, a unique origin. Chromium's PDF viewer still shows a PDF under this policy (checked with
        # Chromium 156, embedded by the verification page's <object>); images need nothing else either.
        response["Content-Security-Policy"] = DOCUMENT_POLICY
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def allowed(self, user, certification) -> bool:
        return permissions.can_read_document(user, certification)


@method_decorator(xframe_options_sameorigin, name="dispatch")
class DocumentPreviewView(DocumentView):
    """The same document shown inline, for the admin's verification page: verifiers only."""

    inline = True

    def allowed(self, user, certification) -> bool:
        return permissions.can_verify(user)
