"""Admin for reviews: moderation of flagged reviews, replies and flags."""

from django.contrib import admin

from .models import Review, ReviewFlag, ReviewResponse


class ReviewResponseInline(admin.StackedInline):
    model = ReviewResponse
    extra = 0
    raw_id_fields = ["author"]


class ReviewFlagInline(admin.TabularInline):
    model = ReviewFlag
    extra = 0
    raw_id_fields = ["reporter"]
    fields = ["reporter", "reason", "details", "is_resolved", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "therapist", "author", "rating", "would_recommend", "is_hidden", "created_at"]
    list_filter = ["is_hidden", "rating", "would_recommend", "massage_type"]
    search_fields = ["title", "body", "therapist__name", "author__username"]
    raw_id_fields = ["therapist", "author", "hidden_by"]
    list_select_related = ["therapist", "author"]
    show_full_result_count = False
    inlines = [ReviewResponseInline, ReviewFlagInline]


@admin.register(ReviewFlag)
class ReviewFlagAdmin(admin.ModelAdmin):
    list_display = ["review", "reason", "reporter", "is_resolved", "created_at"]
    list_filter = ["is_resolved", "reason"]
    search_fields = ["review__title", "details", "reporter__username"]
    raw_id_fields = ["review", "reporter"]
    list_select_related = ["review__therapist", "reporter"]


@admin.register(ReviewResponse)
class ReviewResponseAdmin(admin.ModelAdmin):
    list_display = ["review", "author", "created_at", "updated_at"]
    search_fields = ["body", "review__title"]
    raw_id_fields = ["review", "author"]
    list_select_related = ["review__therapist", "author"]
