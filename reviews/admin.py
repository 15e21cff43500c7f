"""Admin for reviews: the flagged- and held-review queues where moderators decide, replies and flags.

Every change that moves a therapist's aggregates (hide, restore, delete) goes through reviews.services;
what clients wrote is read-only here, since a moderator decides whether a review shows, never what it says.
"""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from common.admin import (
    NOTHING,
    ReadOnlyTabularInline,
    action_with_note,
    count_phrase,
    decide_each,
    moment,
    pending_first,
)

from . import appeals, integrity, permissions, services
from .models import (
    HIDDEN_REASON_MAX_LENGTH,
    FlaggedReview,
    HeldReview,
    Review,
    ReviewAppeal,
    ReviewFlag,
    ReviewResponse,
    has_open_flags,
)

# What the client wrote: shown, never edited, in the admin.
CLIENT_FIELDS = ["therapist", "author", *Review.CONTENT_FIELDS]
# When the author last edited it, and how many readers found it helpful (kept by reviews.votes): shown, never edited.
READER_FIELDS = ["edited_at", "helpful_count"]
MODERATION_FIELDS = [*services.MODERATION_FIELDS, "removal_reason", "held_reason", "created_at", "updated_at"]
HIDE_NOTE = {
    "label": "Note (optional; kept for the record and shown to the review's author, never to the public)",
    "required": False,
    "max_length": HIDDEN_REASON_MAX_LENGTH,
}
REMOVAL_REASON = {
    "label": "Reason (the author is emailed it and may appeal once)",
    "choices": Review.RemovalReason.choices,
}


def _open_flags(review: Review) -> str:
    """The open flags' reasons and details in one line (the flags prefetched)."""
    reasons = [
        flag.get_reason_display() + (f" (“{flag.details[:120]}”)" if flag.details else "")
        for flag in review.flags.all()
        if not flag.is_resolved
    ]
    return "Flags: " + "; ".join(reasons) if reasons else ""


def _signals_list(review: Review) -> str:
    """The review's integrity signals in plain words (reviews.integrity.describe), a named review as a link."""
    return format_html(
        '<ul class="review-signals">{}</ul>',
        format_html_join(
            "",
            "<li>{}</li>",
            (
                (format_html('<a href="{}">{}</a>', reverse("admin:reviews_review_change", args=[other]), text),)
                if other is not None
                else (text,)
                for text, other in integrity.describe(review.signals)
            ),
        ),
    )


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


class ReviewResponseInline(ReadOnlyTabularInline):
    """The therapist's reply, as they wrote it: nobody edits another's words here."""

    model = ReviewResponse
    fields = ["author", "body", "created_at", "updated_at"]


class ReviewFlagInline(ReadOnlyTabularInline):
    model = ReviewFlag
    fields = ["reporter", "reason", "details", "is_resolved", "resolved_by", "resolved_at", "created_at"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "therapist",
        "author_name",
        "rating",
        "would_recommend",
        "is_hidden",
        "is_held",
        "open_flag_count",
        "helpful_count",
        "created_at",
    ]
    list_filter = [OpenFlagsFilter, "is_hidden", "is_held", "rating", "would_recommend", "massage_type"]
    search_fields = ["title", "body", "therapist__name", "therapist__slug", "author__username"]
    list_select_related = ["therapist", "author"]
    show_full_result_count = False
    readonly_fields = [*CLIENT_FIELDS, *MODERATION_FIELDS, "integrity_signals", *READER_FIELDS]
    fieldsets = [
        ("The review, as the client wrote it", {"fields": CLIENT_FIELDS}),
        ("Readers", {"fields": READER_FIELDS}),
        ("Integrity signals, measured when it was posted", {"fields": ["integrity_signals"]}),
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

    @admin.display(description="signals")
    def integrity_signals(self, obj):
        return _signals_list(obj)

    @admin.display(description="author")
    def author_name(self, obj):
        # The name the public sees beside the review; staff find the account from the change page.
        return obj.author.public_name

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
        def hide_all(note: str, reason: str) -> None:
            for review in queryset:
                services.review_hide(review=review, moderator=request.user, reason=note, removal_reason=reason)
            hidden = count_phrase(len(queryset), "review hidden", "reviews hidden")
            self.message_user(request, f"{hidden}; their flags are resolved.", messages.SUCCESS)

        return action_with_note(
            self,
            request,
            note=HIDE_NOTE,
            reason=REMOVAL_REASON,
            run=hide_all,
            items=(
                (review.pk, f"{review.title} — {review.therapist.name}, {review.rating} out of 5", _open_flags(review))
                for review in queryset.select_related("therapist").prefetch_related("flags")
            ),
            action="hide_reviews",
            title="Hide reviews",
            intro="These reviews will disappear from their profiles and stop counting in ratings. "
            "Their open flags are resolved. Their authors are emailed the reason and may appeal once. "
            "You can restore them later.",
            submit=lambda count: f"Hide {count_phrase(count, 'review', 'reviews')}",
        )

    @admin.action(description="Restore selected reviews", permissions=["moderate"])
    def restore_reviews(self, request, queryset):
        for review in queryset:
            services.review_restore(review=review, moderator=request.user)
        shown = count_phrase(len(queryset), "review shown again and counted.", "reviews shown again and counted.")
        self.message_user(request, shown, messages.SUCCESS)

    @admin.action(description="Keep selected reviews, dismiss their flags", permissions=["moderate"])
    def dismiss_flags(self, request, queryset):
        closed = sum(services.review_flags_dismiss(review=review, moderator=request.user) for review in queryset)
        self.message_user(request, count_phrase(closed, "flag dismissed.", "flags dismissed."), messages.SUCCESS)


@admin.register(FlaggedReview)
class FlaggedReviewAdmin(ReviewAdmin):
    """The moderation queue: reviews with open flags, the longest-waiting first."""

    list_display = [
        "title",
        "therapist",
        "author_name",
        "rating",
        "is_hidden",
        "open_flag_count",
        "flag_reasons",
        "integrity_signals",
        "flagged_at",
    ]
    list_filter = ["is_hidden"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
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


@admin.register(HeldReview)
class HeldReviewAdmin(ReviewAdmin):
    """The held-review queue: reviews held for a moderator's check (reviews.services.hold_reason), those still
    waiting first, the longest-waiting first; released and removed ones stay below, for the record."""

    list_display = [
        "title",
        "therapist",
        "author_name",
        "author_joined",
        "rating",
        "held_reason",
        "integrity_signals",
        "is_held",
        "is_hidden",
        "created_at",
    ]
    list_filter = ["is_held", "held_reason"]
    list_select_related = ["therapist", "author"]
    actions = ["release_reviews", "remove_reviews"]
    ordering = ["created_at"]  # the column the changelist marks as sorted; get_ordering puts waiting ones first

    def get_ordering(self, request):
        return pending_first("is_held", True)

    @admin.display(description="account opened", ordering="author__date_joined")
    def author_joined(self, obj):
        return obj.author.date_joined

    def has_delete_permission(self, request, obj=None):
        # The queue decides between publishing and removing; deleting stays in the full review list.
        return False

    @admin.action(description="Release selected reviews (publish them)", permissions=["moderate"])
    def release_reviews(self, request, queryset):
        decide_each(
            self,
            request,
            queryset,
            lambda review: services.review_release(review=review, moderator=request.user),
            done_message=lambda count: count_phrase(
                count,
                "review released: shown and counted from now on.",
                "reviews released: shown and counted from now on.",
            ),
            refused="Not released",
        )

    @admin.action(description="Remove selected reviews", permissions=["moderate"])
    def remove_reviews(self, request, queryset):
        def remove_all(note: str, reason: str) -> None:
            decide_each(
                self,
                request,
                queryset,
                lambda review: services.review_remove_held(
                    review=review, moderator=request.user, reason=note, removal_reason=reason
                ),
                done_message=lambda count: count_phrase(
                    count, "review removed: it stays off its profile.", "reviews removed: they stay off their profiles."
                ),
                refused="Not removed",
            )

        return action_with_note(
            self,
            request,
            note=HIDE_NOTE,
            reason=REMOVAL_REASON,
            run=remove_all,
            items=(
                (
                    review.pk,
                    f"{review.title} — {review.therapist.name}, {review.rating} out of 5",
                    review.get_held_reason_display(),
                )
                for review in queryset.select_related("therapist")
            ),
            action="remove_reviews",
            title="Remove held reviews",
            intro="These reviews will not be published; they never counted in ratings. Their authors still see them "
            "in their own list, marked as hidden, are emailed the reason and may appeal once.",
            submit=lambda count: f"Remove {count_phrase(count, 'review', 'reviews')}",
        )


@admin.register(ReviewFlag)
class ReviewFlagAdmin(admin.ModelAdmin):
    """Flags are facts (who reported what, when): read here, resolved by the moderation actions on the review."""

    list_display = ["review", "reason", "reporter", "is_resolved", "created_at"]
    list_filter = ["is_resolved", "reason"]
    search_fields = ["review__title", "details", "reporter__username"]
    list_select_related = ["review__therapist", "reporter"]
    fields = ["review", "reporter", "reason", "details", "is_resolved", "resolved_by", "resolved_at", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(ReviewResponse)
class ReviewResponseAdmin(admin.ModelAdmin):
    """Replies are the therapists' own words: read here, never written or changed by staff."""

    list_display = ["review", "author", "created_at", "updated_at"]
    search_fields = ["body", "review__title"]
    list_select_related = ["review__therapist", "author"]
    fields = ["review", "author", "body", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@dataclass(frozen=True)
class AppealDecision:
    outcome: str
    note: dict  # the ActionNoteForm's label and whether it is required
    done: tuple[str, str]  # the message after, singular and plural
    title: str
    intro: str
    submit: tuple[str, str, str]  # the button: verb, singular and plural object


APPEAL_DECISIONS = {
    "uphold_appeals": AppealDecision(
        outcome=ReviewAppeal.Outcome.UPHELD,
        note={"label": "Why the removal stands (emailed to the author)"},
        done=("appeal decided: removal upheld.", "appeals decided: removals upheld."),
        title="Uphold removals",
        intro="These reviews stay off their profiles. Their authors are emailed your note; they cannot appeal again.",
        submit=("Uphold", "removal", "removals"),
    ),
    "reinstate_appeals": AppealDecision(
        outcome=ReviewAppeal.Outcome.REINSTATED,
        note={"label": "Note (optional; emailed to the author)", "required": False},
        done=("appeal decided: review shown again and counted.", "appeals decided: reviews shown again and counted."),
        title="Reinstate reviews",
        intro="These reviews show on their profiles again and count in ratings from now on. Their authors are emailed "
        "the decision.",
        submit=("Reinstate", "review", "reviews"),
    ),
}


@admin.register(ReviewAppeal)
class ReviewAppealAdmin(admin.ModelAdmin):
    """Appeals against removals: those waiting first, the oldest first. A moderator reads the review, why it was
    removed, its signals and the author's statement, then upholds the removal (with a note) or reinstates the
    review, through reviews.appeals; the author is emailed the decision."""

    list_display = ["review_title", "therapist_name", "removal_reason", "outcome", "created_at"]
    list_filter = ["outcome", "review__removal_reason"]
    list_select_related = ["review__therapist"]
    search_fields = ["review__title", "review__therapist__name", "statement"]
    fields = [
        "review_link",
        "therapist_name",
        "author_name",
        "review_rating",
        "review_text",
        "removal_reason",
        "removal_note",
        "removed_at",
        "held_reason",
        "review_signals",
        "statement",
        "created_at",
        "outcome",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = fields
    actions = ["uphold_appeals", "reinstate_appeals"]
    ordering = ["created_at"]  # the column the changelist marks as sorted; get_ordering puts waiting ones first

    def get_ordering(self, request):
        return pending_first("outcome", ReviewAppeal.Outcome.PENDING)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("review__therapist", "review__author", "decided_by")

    def has_view_permission(self, request, obj=None):
        # Appeals are the moderators' work: the moderation permission opens them, as it does every decision here.
        return permissions.can_moderate(request.user)

    def has_module_permission(self, request):
        return permissions.can_moderate(request.user) or super().has_module_permission(request)

    def has_add_permission(self, request):
        return False  # an appeal comes from the review's author, on the site

    def has_change_permission(self, request, obj=None):
        return False  # decided by the actions, through the service

    def has_delete_permission(self, request, obj=None):
        return False

    def has_moderate_permission(self, request):
        return permissions.can_moderate(request.user)

    @admin.display(description="review", ordering="review__title")
    def review_title(self, obj):
        return obj.review.title

    @admin.display(description="review")
    def review_link(self, obj):
        url = reverse("admin:reviews_review_change", args=[obj.review_id])
        return format_html('<a href="{}">{}</a>', url, obj.review.title)

    @admin.display(description="therapist", ordering="review__therapist__name")
    def therapist_name(self, obj):
        return obj.review.therapist.name

    @admin.display(description="author")
    def author_name(self, obj):
        return obj.review.author.public_name

    @admin.display(description="rating")
    def review_rating(self, obj):
        return f"{obj.review.rating} out of 5"

    @admin.display(description="what the client wrote")
    def review_text(self, obj):
        return obj.review.body

    @admin.display(description="removal reason", ordering="review__removal_reason")
    def removal_reason(self, obj):
        return obj.review.get_removal_reason_display() or NOTHING

    @admin.display(description="moderator's note on the removal")
    def removal_note(self, obj):
        return obj.review.hidden_reason or NOTHING

    @admin.display(description="removed")
    def removed_at(self, obj):
        return moment(obj.review.hidden_at)

    @admin.display(description="held for")
    def held_reason(self, obj):
        return obj.review.get_held_reason_display() or NOTHING

    @admin.display(description="signals when posted")
    def review_signals(self, obj):
        return _signals_list(obj.review)

    def _decide_appeals(self, request, queryset, action: str):
        """The note page, then the decision of APPEAL_DECISIONS[action] on each appeal through the service."""
        decision = APPEAL_DECISIONS[action]

        def decide_all(note: str) -> None:
            decide_each(
                self,
                request,
                queryset,
                lambda appeal: appeals.appeal_decide(
                    appeal=appeal, moderator=request.user, outcome=decision.outcome, note=note
                ),
                done_message=lambda count: count_phrase(count, *decision.done),
                refused="Not decided",
            )

        verb, singular, plural = decision.submit
        return action_with_note(
            self,
            request,
            note={**decision.note, "max_length": HIDDEN_REASON_MAX_LENGTH},
            run=decide_all,
            items=(
                (
                    appeal.pk,
                    f"{appeal.review.title} — {appeal.review.therapist.name}, {appeal.review.rating} out of 5",
                    f"Removed: {appeal.review.get_removal_reason_display() or NOTHING}. "
                    f"Appeal: “{appeal.statement[:200]}”",
                )
                for appeal in queryset.select_related("review__therapist")
            ),
            action=action,
            title=decision.title,
            intro=decision.intro,
            submit=lambda count: f"{verb} {count_phrase(count, singular, plural)}",
        )

    @admin.action(description="Uphold the removal (the review stays off)", permissions=["moderate"])
    def uphold_appeals(self, request, queryset):
        return self._decide_appeals(request, queryset, "uphold_appeals")

    @admin.action(description="Reinstate the review (show and count it again)", permissions=["moderate"])
    def reinstate_appeals(self, request, queryset):
        return self._decide_appeals(request, queryset, "reinstate_appeals")
