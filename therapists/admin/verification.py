"""The verification desk: the queue of credentials (pending first, oldest first), each beside its document,
the therapist's other credentials and the audit trail; every decision goes through the certification services."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join

from common.admin import ReadOnlyTabularInline, action_with_note, count_phrase, day, decide_each, pending_first

from .. import uploads
from ..models import Certification, CertificationDecision, Expiry
from ..permissions import can_verify
from ..services import certifications as verification


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return Expiry.choices

    def queryset(self, request, queryset):
        if self.value() in Expiry.values:
            return queryset.in_expiry_state(self.value())
        return queryset


def _expiry_note(certification: Certification, today) -> str:
    """When the credential expires or expired, the date in the site's format; nothing if it never expires."""
    if certification.expires_on is None:
        return ""
    verb = "expired" if certification.is_expired(today) else "expires"
    return f" · {verb} {day(certification.expires_on)}"


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
        fields = ["therapist", *Certification.DETAIL_FIELDS]

    def clean_new_document(self):
        upload = self.cleaned_data.get("new_document")
        return uploads.clean_document(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision:
            therapist = self.instance.therapist if self.instance.pk else cleaned.get("therapist")
            # A new or changed certification is pending by the time the decision is taken.
            changed = set(self.changed_data) & {*Certification.DETAIL_FIELDS, "new_document"}
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


class CertificationDecisionInline(ReadOnlyTabularInline):
    """The certification's own audit trail, read-only."""

    model = CertificationDecision
    fields = ["decided_at", "status", "decided_by", "note"]
    ordering = ["-decided_at", "-id"]
    verbose_name_plural = "Audit trail of decisions"

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Certification)
# The change page embeds the document's preview in an <object>, which the site's policy (object-src 'none') forbids
# everywhere else; the preview itself is served sandboxed with its own policy.
@method_decorator(csp_replace({"object-src": [SELF]}), name="change_view")
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
        return pending_first("status", Certification.Status.PENDING)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A credential stays with the profile it was submitted for.
        return [*fields, "therapist"] if obj is not None else fields

    def get_fieldsets(self, request, obj=None):
        credential = ["therapist", *Certification.DETAIL_FIELDS, "new_document"]
        fieldsets = []
        if obj is not None:
            side_by_side = ["document_preview", "other_credentials"]
            fieldsets.append(("Document and the therapist's credentials", {"fields": side_by_side}))
        fieldsets.append(("Credential", {"fields": credential}))
        decision = ["status", "decided_by", "decided_at", "decision_note"] if obj is not None else []
        if can_verify(request.user):
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
        return can_verify(request.user)

    @admin.display(description="expiry")
    def expiry_state(self, obj):
        return obj.expiry_state().label

    @admin.display(description="Document")
    def document_preview(self, obj):
        if obj is None or not obj.pk or not obj.document:
            return "No document was uploaded."
        download = reverse("dashboard:certification_document", args=[obj.pk])
        preview = reverse("dashboard:certification_document_preview", args=[obj.pk])
        content_type = uploads.content_type_for(obj.document.name)
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
                    _expiry_note(other, today),
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
        label = Certification.Status(status).label.lower()
        decide_each(
            self,
            request,
            queryset.select_related("therapist"),
            lambda certification: verification.certification_decide(
                certification=certification, decided_by=request.user, status=status, note=note
            ),
            done_message=lambda done: count_phrase(
                done,
                f"certification {label}; the therapist is emailed.",
                f"certifications {label}; the therapists are emailed.",
            ),
            refused=f"Not {label}",
        )

    @admin.action(description="Verify the selected certifications", permissions=["verify"])
    def verify_selected(self, request, queryset):
        self._decide_all(request, queryset, Certification.Status.VERIFIED)

    @admin.action(description="Reject the selected certifications (asks for a note)", permissions=["verify"])
    def reject_selected(self, request, queryset):
        return action_with_note(
            self,
            request,
            note={
                "label": "Note to the therapists",
                "help_text": "Why they were rejected and what to send instead. Each therapist reads it in an email.",
            },
            run=lambda note: self._decide_all(request, queryset, Certification.Status.REJECTED, note),
            items=((c.pk, str(c), c.credential_number) for c in queryset.select_related("therapist")),
            action="reject_selected",
            title="Reject certifications",
            intro="Reject these certifications? Their therapists are emailed the note below.",
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
