"""Admin for the directory: vocabularies, therapists, places, credentials and their audit trail."""

from django.contrib import admin

from .models import Amenity, Certification, CertificationDecision, FocusArea, Language, Place, Specialty, Therapist


@admin.register(Specialty, FocusArea, Amenity)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
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
    model = Certification
    extra = 0
    fields = ["kind", "title", "specialty", "issued_on", "expires_on", "status"]
    readonly_fields = ["status"]
    show_change_link = True


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
        "review_count",
        "rating_avg",
        "technique_avg",
        "professionalism_avg",
        "communication_avg",
        "cleanliness_avg",
        "recommend_count",
        "recommend_pct",
        "score",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["owner"]
    show_full_result_count = False
    inlines = [CertificationInline]
    actions = ["suspend", "publish"]
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

    @admin.action(description="Suspend the selected profiles")
    def suspend(self, request, queryset):
        updated = queryset.update(status=Therapist.Status.SUSPENDED)
        self.message_user(request, f"{updated} profile(s) suspended.")

    @admin.action(description="Publish the selected profiles")
    def publish(self, request, queryset):
        updated = queryset.update(status=Therapist.Status.PUBLISHED)
        self.message_user(request, f"{updated} profile(s) published.")


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["title", "therapist", "kind", "specialty", "status", "issued_on", "expires_on", "created_at"]
    list_filter = ["status", "kind", "specialty"]
    search_fields = ["title", "credential_number", "issuing_body", "therapist__name"]
    raw_id_fields = ["therapist"]
    list_select_related = ["therapist", "specialty"]
    readonly_fields = ["decided_by", "decided_at", "created_at", "updated_at"]
    date_hierarchy = "created_at"


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
