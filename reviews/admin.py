"""Admin for reviews: the flagged-review queue where moderators hide or restore, replies and flags.

Every change that moves a therapist's aggregates (hide, restore, delete) goes through reviews.services;
what clients wrote is read-only here, since a moderator decides whether a review shows, never what it says.
"""

from django.contrib import admin, messages
from django.db.models import Count, Min, Q

from common.admin import ReadOnlyTabularInline, action_with_note

from . import permissions, services
from .models import HIDDEN_REASON_MAX_LENGTH, FlaggedReview, Review, ReviewFlag, ReviewResponse, has_open_flags

# What the client wrote: shown, never edited, in the admin.
CLIENT_FIELDS = ["therapist", "author", *Review.CONTENT_FIELDS]
MODERATION_FIELDS = [*services.MODERATION_FIELDS, "created_at", "updated_at"]


def _open_flags(review: Review) -> str:
    """The open flags' reasons and details in one line (the flags prefetched)."""
    reasons = [
        flag.get_reason_display() + (f" (“{flag.details[:120]}”)" if flag.details else "")
        for flag in review.flags.all()
        if not flag.is_resolved
    ]
    return "Flags: " + "; ".join(reasons) if reasons else ""


class OpenFlagsFilter(admin.SimpleListFilter):
    title = "open flags"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("open", "Has open flags"), ("none", "No open flags")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.with_open_flags()
        if self.value() == "none":
            return queryset.filter(~has_open_flags())
        return queryset


class ReviewResponseInline(admin.StackedInline):
    model = ReviewResponse
    extra = 0
    raw_id_fields = ["author"]


class ReviewFlagInline(ReadOnlyTabularInline):
    model = ReviewFlag
    fields = ["reporter", "reason", "details", "is_resolved", "resolved_by", "resolved_at", "created_at"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "therapist",
        "author",
        "rating",
        "would_recommend",
        "is_hidden",
        "open_flag_count",
        "created_at",
    ]
    list_filter = [OpenFlagsFilter, "is_hidden", "rating", "would_recommend", "massage_type"]
    search_fields = ["title", "body", "therapist__name", "therapist__slug", "author__username"]
    list_select_related = ["therapist", "author"]
    show_full_result_count = False
    readonly_fields = [*CLIENT_FIELDS, *MODERATION_FIELDS]
    fieldsets = [
        ("The review, as the client wrote it", {"fields": CLIENT_FIELDS}),
        ("Moderation", {"fields": MODERATION_FIELDS}),
    ]
    inlines = [ReviewResponseInline, ReviewFlagInline]
    actions = ["hide_reviews", "restore_reviews", "dismiss_flags"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_flag_count=Count("flags", filter=Q(flags__is_resolved=False), distinct=True))
        )

    @admin.display(description="open flags", ordering="open_flag_count")
    def open_flag_count(self, obj):
        return obj.open_flag_count

    def has_add_permission(self, request):
        # Reviews come from signed-in clients on the site, never from the admin.
        return False

    def has_moderate_permission(self, request):
        return permissions.can_moderate(request.user)

    def delete_model(self, request, obj):
        services.review_delete(review=obj)

    def delete_queryset(self, request, queryset):
        for review in queryset:
            services.review_delete(review=review)

    @admin.action(description="Hide selected reviews", permissions=["moderate"])
    def hide_reviews(self, request, queryset):
        def hide_all(reason: str) -> None:
            for review in queryset:
                services.review_hide(review=review, moderator=request.user, reason=reason)
            self.message_user(request, f"{len(queryset)} review(s) hidden; their flags are resolved.", messages.SUCCESS)

        return action_with_note(
            self,
            request,
            note={
                "label": "Reason (kept for the record, not shown to the public)",
                "required": False,
                "max_length": HIDDEN_REASON_MAX_LENGTH,
            },
            run=hide_all,
            items=(
                (review.pk, f"{review.title} — {review.therapist.name}, {review.rating} out of 5", _open_flags(review))
                for review in queryset.select_related("therapist").prefetch_related("flags")
            ),
            action="hide_reviews",
            title="Hide reviews",
            intro="These reviews will disappear from their profiles and stop counting in ratings. "
            "Their open flags are resolved. You can restore them later.",
            submit=lambda count: f"Hide {count} review{'s' if count != 1 else ''}",
        )

    @admin.action(description="Restore selected reviews", permissions=["moderate"])
    def restore_reviews(self, request, queryset):
        for review in queryset:
            services.review_restore(review=review, moderator=request.user)
        self.message_user(request, f"{len(queryset)} review(s) shown again and counted.", messages.SUCCESS)

    @admin.action(description="Keep selected reviews, dismiss their flags", permissions=["moderate"])
    def dismiss_flags(self, request, queryset):
        closed = sum(services.review_flags_dismiss(review=review, moderator=request.user) for review in queryset)
        self.message_user(request, f"{closed} flag(s) dismissed.", messages.SUCCESS)


@admin.register(FlaggedReview)
class FlaggedReviewAdmin(ReviewAdmin):
    """The moderation queue: reviews with open flags, the longest-waiting first."""

    list_display = [
        "title",
        "therapist",
        "author",
        "rating",
        "is_hidden",
        "open_flag_count",
        "flag_reasons",
        "flagged_at",
    ]
    list_filter = ["is_hidden"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_open_flags()
            .annotate(flagged_at=Min("flags__created_at", filter=Q(flags__is_resolved=False)))
            .prefetch_related("flags")
            .order_by("flagged_at", "pk")
        )

    @admin.display(description="reasons")
    def flag_reasons(self, obj):
        reasons = sorted({flag.get_reason_display() for flag in obj.flags.all() if not flag.is_resolved})
        return "; ".join(reasons)

    @admin.display(description="first flagged", ordering="flagged_at")
    def flagged_at(self, obj):
        return obj.flagged_at

    def has_delete_permission(self, request, obj=None):
        # The queue decides between hiding and keeping; deleting stays in the full review list.
        return False


@admin.register(ReviewFlag)
class ReviewFlagAdmin(admin.ModelAdmin):
    list_display = ["review", "reason", "reporter", "is_resolved", "created_at"]
    list_filter = ["is_resolved", "reason"]
    search_fields = ["review__title", "details", "reporter__username"]
    raw_id_fields = ["review", "reporter", "resolved_by"]
    list_select_related = ["review__therapist", "reporter"]


@admin.register(ReviewResponse)
class ReviewResponseAdmin(admin.ModelAdmin):
    list_display = ["review", "author", "created_at", "updated_at"]
    search_fields = ["body", "review__title"]
    raw_id_fields = ["review", "author"]
    list_select_related = ["review__therapist", "author"]
