"""The verification desk: the queue of credentials (pending first, oldest first), each beside its document,
the therapist's other credentials and the audit trail; every decision goes through the certification services."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join

from common.admin import (
    ReadOnlyTabularInline,
    action_with_note,
    count_phrase,
    day,
    decide_each,
    moment,
    pending_first,
)

from .. import uploads
from ..desk import CLAIM_LIMIT, claim_holder, in_claim_state
from ..models import Certification, CertificationDecision, Expiry
from ..permissions import can_verify
from ..services import certifications as verification
from .figures import FiguresMixin
from .registry import RegistryCheckMixin

# How long a claim holds, as the take action says it (total_seconds: .seconds would drop whole days).
CLAIM_HOURS = int(CLAIM_LIMIT.total_seconds() // 3600)


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return Expiry.choices

    def queryset(self, request, queryset):
        if self.value() in Expiry.values:
            return queryset.in_expiry_state(self.value())
        return queryset


class ClaimFilter(admin.SimpleListFilter):
    """Who holds the item: the signed-in verifier, another one, or nobody (never taken, released, or lapsed)."""

    title = "taken"
    parameter_name = "taken"

    def lookups(self, request, model_admin):
        return [("mine", "Taken by me"), ("others", "Taken by others"), ("free", "Free")]

    def queryset(self, request, queryset):
        if self.value() in ("mine", "others", "free"):
            return in_claim_state(queryset, self.value(), request.user)
        return queryset


def waiting_phrase(since, now) -> str:
    """How long an item has waited, in whole days, or hours under a day: "3 days", "5 hours", "under an hour"."""
    waited = now - since
    if waited.days >= 1:
        return count_phrase(waited.days, "day", "days")
    hours = int(waited.total_seconds() // 3600)
    return count_phrase(hours, "hour", "hours") if hours >= 1 else "under an hour"


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
    decision_reason = forms.ChoiceField(
        label="Reason for a rejection",
        required=False,
        choices=[("", "---------"), *Certification.RejectionReason.choices],
        help_text="Required to reject; the therapist reads it with the note.",
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
                        reason=cleaned.get("decision_reason", ""),
                        expires_on=cleaned.get("expires_on"),
                    )
                    if self.instance.pk:
                        verification.check_claim(certification=self.instance, user=self.decider)
                except (ValidationError, PermissionDenied) as error:
                    code = getattr(error, "code", "")
                    field = {"note": "decision_text", "reason": "decision_reason"}.get(code, "decision")
                    self.add_error(field, error if isinstance(error, ValidationError) else str(error))
        return cleaned


class CertificationDecisionInline(ReadOnlyTabularInline):
    """The certification's own audit trail, read-only."""

    model = CertificationDecision
    fields = ["decided_at", "status", "reason", "decided_by", "note"]
    ordering = ["-decided_at", "-id"]
    verbose_name_plural = "Audit trail of decisions"

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Certification)
# The change page embeds the document's preview in an <object>, which the site's policy (object-src 'none') forbids
# everywhere else; the preview itself is served sandboxed with its own policy.
@method_decorator(csp_replace({"object-src": [SELF]}), name="change_view")
class CertificationAdmin(RegistryCheckMixin, FiguresMixin, admin.ModelAdmin):
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
        "registry_check",
        "created_at",
        "age",
        "taken",
        "renewal_of",
    ]
    list_filter = ["status", ClaimFilter, ExpiryFilter, "kind", "specialty"]
    search_fields = ["title", "credential_number", "issuing_body", "therapist__name"]
    raw_id_fields = ["therapist"]
    list_select_related = ["therapist", "specialty", "claimed_by", "renews"]
    readonly_fields = [
        "document_preview",
        "registry_check",
        "other_credentials",
        "taken",
        "take_or_release",
        "renewal_of",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    inlines = [CertificationDecisionInline]
    actions = ["take_selected", "release_selected", "verify_selected", "reject_selected"]
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
            side_by_side = ["document_preview", "registry_check", "other_credentials"]
            fieldsets.append(("Document and the therapist's credentials", {"fields": side_by_side}))
        fieldsets.append(("Credential", {"fields": credential}))
        decision = (
            ["take_or_release", "renewal_of", "status", "decided_by", "decided_at", "decision_note"] if obj else []
        )
        if can_verify(request.user):
            decision += ["decision", "decision_reason", "decision_text"]
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
                reason=form.cleaned_data.get("decision_reason", ""),
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

    @admin.display(description="waiting", ordering="-created_at")
    def age(self, obj):
        """How long a pending item has waited since it was submitted; sorting by it puts the youngest first."""
        if obj.status != Certification.Status.PENDING:
            return "—"
        return waiting_phrase(obj.created_at, timezone.now())

    @admin.display(description="taken")
    def taken(self, obj):
        holder = claim_holder(obj) if obj is not None and obj.pk else None
        if holder is None:
            return "Free"
        return f"Taken by {holder.get_username()} since {moment(obj.claimed_at)}"

    @admin.display(description="Taken")
    def take_or_release(self, obj):
        """On the change page: who holds the item, and a button to take or release it (posted with the change
        form's CSRF token to its own URL, so nothing else of the form is saved)."""
        if obj is None or not obj.pk:
            return "—"
        buttons = ""
        if obj.status == Certification.Status.PENDING:
            buttons = format_html(
                ' <button type="submit" class="button" formaction="{}">Take it</button>'
                ' <button type="submit" class="button" formaction="{}">Release it</button>',
                reverse("admin:therapists_certification_take", args=[obj.pk]),
                reverse("admin:therapists_certification_release", args=[obj.pk]),
            )
        return format_html("{}{}", self.taken(obj), buttons)

    def get_urls(self):
        own = [
            path(
                "<int:pk>/take/",
                self.admin_site.admin_view(self.claim_view),
                {"take": True},
                name="therapists_certification_take",
            ),
            path(
                "<int:pk>/release/",
                self.admin_site.admin_view(self.claim_view),
                {"take": False},
                name="therapists_certification_release",
            ),
        ]
        return [*own, *super().get_urls()]

    def claim_view(self, request, pk, take):
        """POST: take or release the item, then back to its change page with what happened."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        certification = get_object_or_404(Certification, pk=pk)
        try:
            if take:
                verification.certification_take(certification=certification, verifier=request.user)
            else:
                verification.certification_release(certification=certification, released_by=request.user)
        except PermissionDenied:
            raise
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.WARNING)
        else:
            self.message_user(request, "You hold this item now." if take else "The item is free again.")
        return HttpResponseRedirect(reverse("admin:therapists_certification_change", args=[pk]))

    @admin.display(description="renewal")
    def renewal_of(self, obj):
        if obj is None or obj.renews_id is None:
            return "—"
        return format_html(
            'Renewal of <a href="{}">{}</a> (expires {})',
            reverse("admin:therapists_certification_change", args=[obj.renews_id]),
            obj.renews.title,
            day(obj.renews.expires_on),
        )

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

    def _decide_all(self, request, queryset, status: str, note: str = "", reason: str = "") -> None:
        label = Certification.Status(status).label.lower()
        decide_each(
            self,
            request,
            queryset,
            lambda certification: verification.certification_decide(
                certification=certification,
                decided_by=request.user,
                status=status,
                note=note,
                reason=reason,
                expected_status=certification.status,
            ),
            done_message=lambda done: count_phrase(
                done,
                f"certification {label}; the therapist is emailed.",
                f"certifications {label}; the therapists are emailed.",
            ),
            refused=f"Not {label}",
        )

    @admin.action(description="Take the selected items (others leave them to you)", permissions=["verify"])
    def take_selected(self, request, queryset):
        decide_each(
            self,
            request,
            queryset.select_related("therapist"),
            lambda certification: verification.certification_take(certification=certification, verifier=request.user),
            done_message=lambda done: count_phrase(
                done,
                f"item taken; it is yours for {CLAIM_HOURS} hours or until you decide or release it.",
                f"items taken; they are yours for {CLAIM_HOURS} hours or until you decide or release them.",
            ),
            refused="Not taken",
        )

    @admin.action(description="Release the selected items", permissions=["verify"])
    def release_selected(self, request, queryset):
        decide_each(
            self,
            request,
            queryset.select_related("therapist"),
            lambda certification: verification.certification_release(
                certification=certification, released_by=request.user
            ),
            done_message=lambda done: count_phrase(done, "item released.", "items released."),
            refused="Not released",
        )

    @admin.action(description="Verify the selected certifications", permissions=["verify"])
    def verify_selected(self, request, queryset):
        today = timezone.localdate()
        selected = list(queryset.select_related("therapist"))
        expired = [c for c in selected if c.is_expired(today)]
        for certification in expired:
            self.message_user(
                request,
                f"Not verified: {certification} expired on {day(certification.expires_on)}",
                level=messages.WARNING,
            )
        self._decide_all(request, [c for c in selected if c not in expired], Certification.Status.VERIFIED)

    @admin.action(
        description="Reject the selected certifications (asks for a reason and a note)", permissions=["verify"]
    )
    def reject_selected(self, request, queryset):
        return action_with_note(
            self,
            request,
            reason={
                "label": "Reason",
                "choices": Certification.RejectionReason.choices,
                "help_text": "Counted on the figures page; the therapists read it with the note.",
            },
            note={
                "label": "Note to the therapists",
                "help_text": "Why they were rejected and what to send instead. Each therapist reads it in an email.",
            },
            run=lambda note, reason: self._decide_all(
                request, queryset.select_related("therapist"), Certification.Status.REJECTED, note, reason
            ),
            items=((c.pk, str(c), c.credential_number) for c in queryset.select_related("therapist")),
            action="reject_selected",
            title="Reject certifications",
            intro="Reject these certifications? Their therapists are emailed the reason and the note below.",
        )


@admin.register(CertificationDecision)
class CertificationDecisionAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is appended to by the verification service alone."""

    list_display = ["decided_at", "certification_label", "status", "reason", "decided_by", "note"]
    list_filter = ["status"]
    search_fields = ["certification_label", "note", "decided_by__username"]
    list_select_related = ["decided_by"]
    readonly_fields = ["certification", "certification_label", "status", "reason", "note", "decided_by", "decided_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
