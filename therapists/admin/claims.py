"""The claims desk: staff check who asks for an unowned profile, then approve (ownership moves) or reject."""

from django.contrib import admin

from common.admin import action_with_note, count_phrase, decide_each, pending_first

from ..models import ProfileClaim
from ..services.claims import profile_claim_approve, profile_claim_reject


@admin.register(ProfileClaim)
class ProfileClaimAdmin(admin.ModelAdmin):
    """Claims on unowned profiles, pending first; decisions go through the claim services, never a field."""

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
        return pending_first("status", ProfileClaim.Status.PENDING)

    def has_add_permission(self, request):
        return False

    @admin.display(description="claimant's email")
    def claimant_email(self, obj):
        return obj.user.email

    def _decide_all(self, request, queryset, decide) -> None:
        decide_each(
            self,
            request,
            queryset.select_related("therapist", "user"),
            decide,
            done_message=lambda done: count_phrase(
                done, "claim decided; the claimant is emailed.", "claims decided; the claimants are emailed."
            ),
            refused="Not decided",
        )

    @admin.action(description="Approve the selected claims (the claimant becomes the owner)", permissions=["change"])
    def approve_claims(self, request, queryset):
        self._decide_all(request, queryset, lambda claim: profile_claim_approve(claim=claim, decided_by=request.user))

    @admin.action(description="Reject the selected claims (asks for a note)", permissions=["change"])
    def reject_claims(self, request, queryset):
        return action_with_note(
            self,
            request,
            note={
                "label": "Note to the claimants",
                "help_text": "Why the claim is turned down. Each claimant reads it in an email.",
            },
            run=lambda note: self._decide_all(
                request, queryset, lambda claim: profile_claim_reject(claim=claim, decided_by=request.user, note=note)
            ),
            items=((claim.pk, str(claim), claim.message) for claim in queryset.select_related("therapist", "user")),
            action="reject_claims",
            title="Reject claims",
            intro="Reject these claims? The claimants are emailed the note below.",
        )
