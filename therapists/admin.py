"""Admin for the directory: vocabularies, therapists, places, the verification queue, claims and the audit trail.

Decisions on certifications and claims go through the services in `verification` and
`services` (they keep the audit trail, the Verified badge and the emails right); the admin
never writes a status itself.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from . import images, services, verification
from .forms import ClaimRejectForm, DecisionNoteForm
from .models import (
    Amenity,
    Certification,
    CertificationDecision,
    FocusArea,
    Language,
    Place,
    ProfileClaim,
    Specialty,
    Therapist,
)
from .vocabulary import clear_vocabulary_cache

EXPIRING_SOON_DAYS = 30


class VocabularyCacheMixin:
    """Search reads the vocabularies from a cache: any change in the admin clears it."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        clear_vocabulary_cache()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        clear_vocabulary_cache()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        clear_vocabulary_cache()


@admin.register(Specialty, FocusArea, Amenity)
class VocabularyAdmin(VocabularyCacheMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Language)
class LanguageAdmin(VocabularyCacheMixin, admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "postal_code", "region", "country", "population", "latitude", "longitude"]
    list_filter = ["kind", "country"]
    search_fields = ["search_name", "=postal_code"]
    show_full_result_count = False
    list_per_page = 50


class CertificationInline(admin.TabularInline):
    """Read-only here: therapists submit credentials, verifiers decide in the queue."""

    model = Certification
    extra = 0
    fields = ["kind", "title", "specialty", "issued_on", "expires_on", "status"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "city",
        "region",
        "status",
        "years_experience",
        "price_60",
        "review_count",
        "rating_avg",
        "score",
        "created_at",
    ]
    list_filter = ["status", "gender", "accepting_new_clients", "travels_to_client", "specialties", "country"]
    search_fields = ["name", "slug", "city", "postal_code", "owner__username", "owner__email"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["owner", "place"]
    filter_horizontal = ["specialties", "focus_areas", "languages", "amenities"]
    readonly_fields = [
        *Therapist.REVIEW_AGGREGATE_FIELDS,
        "verified_until",
        "score",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["owner"]
    show_full_result_count = False
    inlines = [CertificationInline]
    actions = ["suspend", "publish", "remove_photos"]
    fieldsets = [
        (None, {"fields": ["owner", "name", "slug", "headline", "bio", "photo", "photo_thumbnail", "status"]}),
        (
            "Practice",
            {
                "fields": [
                    "gender",
                    "years_experience",
                    "price_60",
                    "accepting_new_clients",
                    "hypoallergenic_products",
                    "travels_to_client",
                ]
            },
        ),
        ("What they offer", {"fields": ["specialties", "focus_areas", "languages", "amenities"]}),
        ("Place", {"fields": ["place", "city", "region", "country", "postal_code", "latitude", "longitude"]}),
        ("Contact", {"fields": ["phone", "email", "website"]}),
        ("Reviews and ranking (kept by the system)", {"classes": ["collapse"], "fields": readonly_fields}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Photos arrive only through the dashboard, which checks and cleans them; staff may remove them.
        return [*super().get_readonly_fields(request, obj), "photo", "photo_thumbnail"]

    def delete_model(self, request, obj):
        services.therapists_delete(queryset=Therapist.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.therapists_delete(queryset=queryset)

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Write only the columns the form edits: review aggregates and the score, which review
        # writes may have changed since the page was loaded, are left as they are in the database.
        columns = {field.name for field in obj._meta.concrete_fields}
        obj.save(update_fields=[name for name in form.fields if name in columns] + ["updated_at"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Experience feeds the score; keep the derived columns right after a staff edit too,
        # from the row as stored (its aggregates may be newer than the form's copy).
        form.instance.refresh_from_db()
        services.therapist_refresh_credentials(therapist=form.instance)

    @admin.action(description="Suspend the selected profiles", permissions=["change"])
    def suspend(self, request, queryset):
        updated = queryset.update(status=Therapist.Status.SUSPENDED, updated_at=timezone.now())
        self.message_user(request, f"{updated} profile(s) suspended.")

    @admin.action(description="Publish the selected profiles", permissions=["change"])
    def publish(self, request, queryset):
        updated = queryset.update(status=Therapist.Status.PUBLISHED, updated_at=timezone.now())
        self.message_user(request, f"{updated} profile(s) published.")

    @admin.action(description="Remove the photos of the selected profiles", permissions=["change"])
    def remove_photos(self, request, queryset):
        for therapist in queryset.exclude(photo=""):
            services.therapist_remove_photo(therapist=therapist)
        self.message_user(request, "Photos removed.")


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [
            ("expired", "Expired"),
            ("soon", f"Expires within {EXPIRING_SOON_DAYS} days"),
            ("current", "Not expired"),
            ("never", "Never expires"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "expired":
            return queryset.filter(expires_on__lt=today)
        if self.value() == "soon":
            soon = today + datetime.timedelta(days=EXPIRING_SOON_DAYS)
            return queryset.filter(expires_on__gte=today, expires_on__lte=soon)
        if self.value() == "current":
            return queryset.current(today)
        if self.value() == "never":
            return queryset.filter(expires_on__isnull=True)
        return queryset


class CertificationAdminForm(forms.ModelForm):
    """The credential's fields, a replacement document, and, for verifiers, the decision."""

    new_document = forms.FileField(
        label="Replace the document",
        required=False,
        help_text="A PDF, or a JPEG, PNG or WebP image, up to 10 MB. A verified certification goes back to pending.",
    )
    decision = forms.ChoiceField(
        label="Decision",
        required=False,
        choices=[
            ("", "No decision now"),
            (Certification.Status.VERIFIED, "Verify"),
            (Certification.Status.REJECTED, "Reject"),
        ],
        widget=forms.RadioSelect,
    )
    decision_text = forms.CharField(
        label="Note to the therapist",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to reject. The therapist reads it in an email and on their dashboard.",
    )
    decider = None  # the signed-in user, set by CertificationAdmin.get_form

    class Meta:
        model = Certification
        fields = [
            "therapist",
            "kind",
            "title",
            "issuing_body",
            "credential_number",
            "specialty",
            "issued_on",
            "expires_on",
        ]

    def clean_new_document(self):
        upload = self.cleaned_data.get("new_document")
        return images.clean_document(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision:
            therapist = self.instance.therapist if self.instance.pk else cleaned.get("therapist")
            # A new or changed certification is pending by the time the decision is taken.
            changed = set(self.changed_data) & {*verification.DETAIL_FIELDS, "new_document"}
            current = self.instance.status if self.instance.pk and not changed else Certification.Status.PENDING
            if therapist is not None:
                try:
                    verification.check_decision(
                        therapist=therapist,
                        current=current,
                        decided_by=self.decider,
                        status=decision,
                        note=cleaned.get("decision_text", ""),
                    )
                except (ValidationError, PermissionDenied) as error:
                    field = "decision_text" if getattr(error, "code", "") == "note" else "decision"
                    self.add_error(field, error if isinstance(error, ValidationError) else str(error))
        return cleaned


class CertificationDecisionInline(admin.TabularInline):
    """The certification's own audit trail, read-only."""

    model = CertificationDecision
    extra = 0
    fields = ["decided_at", "status", "decided_by", "note"]
    readonly_fields = fields
    can_delete = False
    ordering = ["-decided_at", "-id"]
    verbose_name_plural = "Audit trail of decisions"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    """The verification queue: pending first, oldest first; document and other credentials side by side."""

    form = CertificationAdminForm
    list_display = [
        "title",
        "therapist",
        "kind",
        "specialty",
        "status",
        "issued_on",
        "expires_on",
        "expiry_state",
        "created_at",
    ]
    list_filter = ["status", ExpiryFilter, "kind", "specialty"]
    search_fields = ["title", "credential_number", "issuing_body", "therapist__name"]
    raw_id_fields = ["therapist"]
    list_select_related = ["therapist", "specialty"]
    readonly_fields = [
        "document_preview",
        "other_credentials",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    inlines = [CertificationDecisionInline]
    actions = ["verify_selected", "reject_selected"]
    ordering = ["created_at"]  # the column the changelist marks as sorted; get_ordering puts pending first

    def get_ordering(self, request):
        pending_first = Case(
            When(status=Certification.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return [pending_first.asc(), "created_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A credential stays with the profile it was submitted for.
        return [*fields, "therapist"] if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        credential = ["therapist", "kind", "title", "issuing_body", "credential_number", "specialty", "issued_on"]
        credential += ["expires_on", "new_document"]
        fieldsets = []
        if obj is not None:
            side_by_side = ["document_preview", "other_credentials"]
            fieldsets.append(("Document and the therapist's credentials", {"fields": side_by_side}))
        fieldsets.append(("Credential", {"fields": credential}))
        decision = ["status", "decided_by", "decided_at", "decision_note"] if obj is not None else []
        if verification.can_verify(request.user):
            decision += ["decision", "decision_text"]
        if decision:
            fieldsets.append(("Decision", {"fields": decision}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.decider = request.user  # the factory made this class for this request alone
        return form

    def save_model(self, request, obj, form, change):
        details = verification.CertificationDetails.from_form(form.cleaned_data)
        document = form.cleaned_data.get("new_document")
        if change:
            saved = verification.certification_update(
                certification=obj, details=details, document=document, changed_by=request.user
            )
        else:
            saved = verification.certification_submit(
                therapist=form.cleaned_data["therapist"], details=details, document=document
            )
        if form.cleaned_data.get("decision"):
            saved = verification.certification_decide(
                certification=saved,
                decided_by=request.user,
                status=form.cleaned_data["decision"],
                note=form.cleaned_data.get("decision_text", ""),
            )
        # The admin goes on with `obj` (its message, its log entry, the redirect).
        for field in Certification._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def delete_model(self, request, obj):
        verification.certification_withdraw(certification=obj)

    def delete_queryset(self, request, queryset):
        for certification in queryset:
            verification.certification_withdraw(certification=certification)

    def has_verify_permission(self, request):
        return verification.can_verify(request.user)

    @admin.display(description="expiry")
    def expiry_state(self, obj):
        if obj.expires_on is None:
            return "Never expires"
        today = timezone.localdate()
        if obj.expires_on < today:
            return "Expired"
        if obj.expires_on <= today + datetime.timedelta(days=EXPIRING_SOON_DAYS):
            return "Expires soon"
        return "Current"

    @admin.display(description="Document")
    def document_preview(self, obj):
        if obj is None or not obj.pk or not obj.document:
            return "No document was uploaded."
        download = reverse("dashboard:certification_document", args=[obj.pk])
        preview = reverse("dashboard:certification_document_preview", args=[obj.pk])
        content_type = images.content_type_for(obj.document.name)
        if content_type.startswith("image/"):
            shown = format_html('<img src="{}" alt="The uploaded document" width="720">', preview)
        else:
            shown = format_html(
                '<object data="{}" type="application/pdf" width="720" height="900" aria-label="The uploaded document">'
                "<p>This browser cannot show the PDF here; download it instead.</p></object>",
                preview,
            )
        return format_html('<div>{}</div><p><a href="{}">Download the document</a></p>', shown, download)

    @admin.display(description="The therapist and their other credentials")
    def other_credentials(self, obj):
        if obj is None or not obj.pk:
            return "—"
        therapist = obj.therapist
        today = timezone.localdate()
        others = therapist.certifications.exclude(pk=obj.pk).select_related("specialty").order_by("-issued_on")
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a>{} — {} · {}{}</li>',
            (
                (
                    reverse("admin:therapists_certification_change", args=[other.pk]),
                    other.title,
                    f" ({other.specialty.name})" if other.specialty else "",
                    other.issuing_body,
                    other.get_status_display(),
                    " · expired" if other.is_expired(today) else "",
                )
                for other in others
            ),
        )
        owner = therapist.owner.get_username() if therapist.owner_id else "no owner"
        return format_html(
            '<p><a href="{}">{}</a>, {} ({}; account: {})</p><ul>{}</ul>',
            reverse("admin:therapists_therapist_change", args=[therapist.pk]),
            therapist.name,
            therapist.location_label,
            therapist.get_status_display(),
            owner,
            rows or format_html("<li>{}</li>", "No other credentials."),
        )

    def _decide_all(self, request, queryset, status: str, note: str = "") -> None:
        done, refused = 0, []
        for certification in queryset.select_related("therapist"):
            try:
                verification.certification_decide(
                    certification=certification, decided_by=request.user, status=status, note=note
                )
                done += 1
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                refused.append(f"{certification.title} ({certification.therapist}): {reason}")
        label = Certification.Status(status).label.lower()
        if done:
            self.message_user(request, f"{done} certification(s) {label}; the therapists are emailed.")
        for line in refused:
            self.message_user(request, f"Not {label}: {line}", level=messages.WARNING)

    @admin.action(description="Verify the selected certifications", permissions=["verify"])
    def verify_selected(self, request, queryset):
        self._decide_all(request, queryset, Certification.Status.VERIFIED)

    @admin.action(description="Reject the selected certifications (asks for a note)", permissions=["verify"])
    def reject_selected(self, request, queryset):
        form = DecisionNoteForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._decide_all(request, queryset, Certification.Status.REJECTED, form.cleaned_data["note"])
            return None
        return _note_page(
            self,
            request,
            queryset,
            form,
            action="reject_selected",
            title="Reject certifications",
            intro="Reject these certifications? Their therapists are emailed the note below.",
        )


def _note_page(model_admin, request, queryset, form, *, action: str, title: str, intro: str):
    """The intermediate page of an action that needs a note; it posts back to the same action."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        # Both models' names show their therapist (and a claim its user): fetch them with the rows.
        "objects": queryset.select_related(
            *[name for name in ("therapist", "user") if any(f.name == name for f in queryset.model._meta.fields)]
        ),
        "form": form,
        "action": action,
        "opts": model_admin.model._meta,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/therapists/action_note.html", context)


@admin.register(ProfileClaim)
class ProfileClaimAdmin(admin.ModelAdmin):
    """Claims on unowned profiles: staff check the claimant, then approve or reject."""

    list_display = ["therapist", "user", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["therapist__name", "therapist__slug", "user__username", "user__email"]
    list_select_related = ["therapist", "user", "decided_by"]
    readonly_fields = [
        "therapist",
        "user",
        "claimant_email",
        "message",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "created_at",
    ]
    fields = readonly_fields
    actions = ["approve_claims", "reject_claims"]
    ordering = ["created_at"]  # the column the changelist marks as sorted; get_ordering puts pending first

    def get_ordering(self, request):
        pending_first = Case(
            When(status=ProfileClaim.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return [pending_first.asc(), "created_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="claimant's email")
    def claimant_email(self, obj):
        return obj.user.email

    def _decide_all(self, request, queryset, decide) -> None:
        done = 0
        for claim in queryset:
            try:
                decide(claim)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{claim}: {reason}", level=messages.WARNING)
        if done:
            self.message_user(request, f"{done} claim(s) decided; the claimants are emailed.")

    @admin.action(description="Approve the selected claims (the claimant becomes the owner)", permissions=["change"])
    def approve_claims(self, request, queryset):
        self._decide_all(
            request, queryset, lambda claim: services.profile_claim_approve(claim=claim, decided_by=request.user)
        )

    @admin.action(description="Reject the selected claims (asks for a note)", permissions=["change"])
    def reject_claims(self, request, queryset):
        form = ClaimRejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            note = form.cleaned_data["note"]
            self._decide_all(
                request,
                queryset,
                lambda claim: services.profile_claim_reject(claim=claim, decided_by=request.user, note=note),
            )
            return None
        return _note_page(
            self,
            request,
            queryset,
            form,
            action="reject_claims",
            title="Reject claims",
            intro="Reject these claims? The claimants are emailed the note below.",
        )


@admin.register(CertificationDecision)
class CertificationDecisionAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is appended to by the verification service alone."""

    list_display = ["decided_at", "certification_label", "status", "decided_by", "note"]
    list_filter = ["status"]
    search_fields = ["certification_label", "note", "decided_by__username"]
    list_select_related = ["decided_by"]
    readonly_fields = ["certification", "certification_label", "status", "note", "decided_by", "decided_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
