"""The directory desk: vocabularies, places and therapists; writes that feed derived columns go through services."""

from django.contrib import admin
from django.utils import timezone

from common.admin import ReadOnlyTabularInline

from ..models import Amenity, Certification, FocusArea, Language, Place, Specialty, Therapist
from ..services.photos import therapist_remove_photo
from ..services.profiles import therapists_delete
from ..services.scoring import therapist_refresh_credentials
from ..vocabulary import clear_vocabulary_cache


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


class CertificationInline(ReadOnlyTabularInline):
    """Read-only here: therapists submit credentials, verifiers decide in the queue."""

    model = Certification
    fields = ["kind", "title", "specialty", "issued_on", "expires_on", "status"]
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
        therapists_delete(queryset=Therapist.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        therapists_delete(queryset=queryset)

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
        therapist_refresh_credentials(therapist=form.instance)

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
            therapist_remove_photo(therapist=therapist)
        self.message_user(request, "Photos removed.")
