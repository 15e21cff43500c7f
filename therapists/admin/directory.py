"""The directory desk: vocabularies, places and therapists; writes that feed derived columns go through services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from common.admin import (
    ReadOnlyTabularInline,
    action_with_note,
    count_phrase,
    decide_each,
    figure_column,
    percent,
    rating,
    rounded,
)
from common.forms import add_service_error

from ..models import Amenity, Certification, FocusArea, Language, OpeningPeriod, Place, Service, Specialty, Therapist
from ..places import practice_place
from ..services.photos import therapist_remove_photo
from ..services.profiles import (
    PRACTICE_COLUMNS,
    ProfileDetails,
    therapist_create,
    therapist_set_status,
    therapist_update_profile,
    therapists_delete,
)
from ..services.scoring import therapist_refresh_credentials

# Search reads the vocabularies from a cache: every save or deletion of a term clears it, on any path, through the
# signals therapists.term_bits connects (a term's bit must never be read stale).


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


class ServiceInline(ReadOnlyTabularInline):
    """The menu, as the therapist set it on their dashboard."""

    model = Service
    fields = ["specialty", "minutes", "price"]


class OpeningPeriodInline(ReadOnlyTabularInline):
    model = OpeningPeriod
    fields = ["weekday", "opens", "closes"]


class CertificationInline(ReadOnlyTabularInline):
    """Read-only here: therapists submit credentials, verifiers decide in the queue."""

    model = Certification
    fields = ["kind", "title", "specialty", "issued_on", "expires_on", "status"]
    show_change_link = True


# The system's figures as staff read them: averages to one decimal, the share in whole percent, the score to one
# decimal; each column sorts by its field. Counts are shown as they are.
FIGURES = {
    "rating_avg": figure_column("rating_avg", rating, description="average rating"),
    "technique_avg": figure_column("technique_avg", rating, description="technique"),
    "professionalism_avg": figure_column("professionalism_avg", rating, description="professionalism"),
    "communication_avg": figure_column("communication_avg", rating, description="communication"),
    "cleanliness_avg": figure_column("cleanliness_avg", rating, description="cleanliness"),
    "recommend_pct": figure_column("recommend_pct", percent, description="would recommend"),
    "score": figure_column("score", rounded, description="score"),
}
# Kept by the system: review aggregates, credentials and score, timestamps.
SYSTEM_FIELDS = [
    *(FIGURES[name].__name__ if name in FIGURES else name for name in Therapist.REVIEW_AGGREGATE_FIELDS),
    "verified_until",
    FIGURES["score"].__name__,
    "created_at",
    "updated_at",
]
# Never edited here, for anyone, superusers included:
# - owner: ownership moves only through an approved claim (the claims desk), never through a field;
# - slug: the profile's public address, made once from the name, so shared links keep working;
# - photos: they arrive only through the dashboard, which checks and cleans them (staff may remove them);
# - place, country, coordinates: the gazetteer fills them in from the city and postal code.
# - the menu's price, where and how to pay, the hours: the dashboard's own pages check them together (the price
#   follows the menu, the address agrees with the gazetteer place, the radius goes with the travel).
PRACTICE_READ_ONLY = ["price_60", *PRACTICE_COLUMNS, "by_appointment"]
ALWAYS_READ_ONLY = [
    "owner", "slug", "photo", "photo_thumbnail", "place", "country", "latitude", "longitude", *PRACTICE_READ_ONLY
]  # fmt: skip
# What a therapist says about their practice, and whether it is published, is theirs once they own the profile:
# staff edit these only on unowned listings; on an owned profile they suspend it or lift a suspension.
OWNERS_FIELDS = [*Therapist.PROFILE_FIELDS, "status"]
OWNERSHIP_HELP = (
    "The owner cannot be changed here, by anyone. Ownership moves only through a claim: the therapist asks for "
    "the profile from their dashboard (“Claim a profile”), and staff approve the claim on the Profile claims "
    "desk after checking who is asking. To take ownership away, delete the account or ask a developer. "
    "An owned profile's details and publication are its owner's; staff suspend it (or lift a suspension) "
    "with the actions of the list."
)


SUSPENDED_DONE = "suspended; owners are emailed the reason"


class TherapistAdminForm(forms.ModelForm):
    """The editable fields of an unowned listing; its place is checked against the gazetteer before saving."""

    class Meta:
        model = Therapist
        fields = [*OWNERS_FIELDS]

    def clean(self):
        cleaned = super().clean()
        # A suspension needs a reason for the owner: it is taken by the list's action, which asks for it.
        if cleaned.get("status") == Therapist.Status.SUSPENDED and self.instance.status != Therapist.Status.SUSPENDED:
            self.add_error("status", "Suspend a profile with the “Suspend” action of the list: it asks for the reason.")
        place_fields = ("city", "region", "postal_code")
        if all(name in self.fields for name in place_fields) and not any(name in self.errors for name in place_fields):
            try:
                practice_place(**{name: cleaned.get(name) or "" for name in place_fields})
            except ValidationError as error:
                add_service_error(self, error)
        return cleaned


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    form = TherapistAdminForm
    list_display = [
        "name",
        "city",
        "region",
        "status",
        "years_experience",
        "price_60",
        "review_count",
        "rating_avg_shown",
        "score_shown",
        "created_at",
    ]
    list_filter = ["status", "gender", "accepting_new_clients", "travels_to_client", "specialties", "country"]
    search_fields = ["name", "slug", "city", "postal_code", "owner__username", "owner__email"]
    filter_horizontal = ["specialties", "focus_areas", "languages", "amenities"]
    readonly_fields = [*SYSTEM_FIELDS, *ALWAYS_READ_ONLY, "suspension_reason"]
    list_select_related = ["owner"]
    show_full_result_count = False
    inlines = [CertificationInline, ServiceInline, OpeningPeriodInline]
    actions = ["suspend", "lift_suspension", "remove_photos"]
    # The figures' columns, under the names list_display and the fieldsets use.
    rating_avg_shown = FIGURES["rating_avg"]
    technique_avg_shown = FIGURES["technique_avg"]
    professionalism_avg_shown = FIGURES["professionalism_avg"]
    communication_avg_shown = FIGURES["communication_avg"]
    cleanliness_avg_shown = FIGURES["cleanliness_avg"]
    recommend_pct_shown = FIGURES["recommend_pct"]
    score_shown = FIGURES["score"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "owner",
                    "name",
                    "slug",
                    "headline",
                    "bio",
                    "photo",
                    "photo_thumbnail",
                    "status",
                    "suspension_reason",
                ],
                "description": OWNERSHIP_HELP,
            },
        ),
        (
            "Practice",
            {
                "fields": [
                    "gender",
                    "years_experience",
                    "accepting_new_clients",
                    "hypoallergenic_products",
                ]
            },
        ),
        (
            "Where, when and payment (set by the therapist on their dashboard)",
            {"classes": ["collapse"], "fields": PRACTICE_READ_ONLY},
        ),
        ("What they offer", {"fields": ["specialties", "focus_areas", "languages", "amenities"]}),
        ("Place", {"fields": ["city", "region", "postal_code", "place", "country", "latitude", "longitude"]}),
        ("Contact", {"fields": ["phone", "email", "website"]}),
        ("Reviews and ranking (kept by the system)", {"classes": ["collapse"], "fields": SYSTEM_FIELDS}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.owner_id is not None:
            fields += OWNERS_FIELDS
        return fields

    def delete_model(self, request, obj):
        therapists_delete(queryset=Therapist.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        therapists_delete(queryset=queryset)

    def save_model(self, request, obj, form, change):
        # Through the same services as the dashboard: the gazetteer places the listing, the score follows,
        # and only the profile's own columns are written (review aggregates written meanwhile stay).
        if "name" not in form.fields:
            return  # an owned profile: nothing here is staff's to edit
        details = ProfileDetails.from_form(form.cleaned_data)
        if change:
            saved = therapist_update_profile(therapist=obj, details=details)
            saved = therapist_set_status(therapist=saved, status=form.cleaned_data["status"])
        else:
            saved = therapist_create(owner=None, details=details, status=form.cleaned_data["status"])
        # The admin goes on with `obj` (its message, its log entry, the links it saves next, the redirect).
        for field in Therapist._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Experience feeds the score; keep the derived columns right after a staff edit too,
        # from the row as stored (its aggregates may be newer than the form's copy).
        form.instance.refresh_from_db()
        therapist_refresh_credentials(therapist=form.instance)

    def _set_status_each(self, request, queryset, status: str, done: str, refused: str, reason: str = "") -> None:
        decide_each(
            self,
            request,
            queryset,
            lambda therapist: therapist_set_status(therapist=therapist, status=status, reason=reason),
            done_message=lambda count: count_phrase(count, f"profile {done}.", f"profiles {done}."),
            refused=refused,
        )

    @admin.action(description="Suspend the selected profiles (asks for a reason)", permissions=["change"])
    def suspend(self, request, queryset):
        return action_with_note(
            self,
            request,
            note={
                "label": "Reason for the suspension",
                "help_text": "Each owner is emailed it and reads it on their dashboard until the suspension is lifted.",
            },
            run=lambda reason: self._set_status_each(
                request, queryset, Therapist.Status.SUSPENDED, SUSPENDED_DONE, "Not suspended", reason
            ),
            items=((t.pk, t.name, t.location_label) for t in queryset),
            action="suspend",
            title="Suspend profiles",
            intro="Suspend these profiles? Clients no longer see them, and each owner is emailed the reason below.",
        )

    @admin.action(description="Lift the suspension of the selected profiles (published again)", permissions=["change"])
    def lift_suspension(self, request, queryset):
        self._set_status_each(
            request,
            queryset.filter(status=Therapist.Status.SUSPENDED),
            Therapist.Status.PUBLISHED,
            "published again",
            "Still suspended",
        )

    @admin.action(description="Remove the photos of the selected profiles", permissions=["change"])
    def remove_photos(self, request, queryset):
        for therapist in queryset.exclude(photo=""):
            therapist_remove_photo(therapist=therapist)
        self.message_user(request, "Photos removed.")
