"""The state license registry on the admin: roster uploads and their reports, the licenses they list, and the
registry's answer beside each license on the verification desk."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join

from common.admin import count_phrase
from common.uploads import MAX_UPLOAD_BYTES

from ..models import LicenseRecord, LicenseRoster, normalise_license_number
from ..permissions import can_verify
from ..registry import registry_answers
from ..services import registry as services


class RegistryCheckMixin:
    """For CertificationAdmin: a "State registry" column and read-only field with the roster's answer.

    The changelist asks once for the whole page (two queries), not once per row.
    """

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        self._registry_answers = registry_answers(changelist.result_list)
        return changelist

    @admin.display(description="State registry")
    def registry_check(self, obj):
        answers = getattr(self, "_registry_answers", None) or {}
        answer = answers.get(obj.pk) or registry_answers([obj])[obj.pk]
        css = "registry-good" if answer.is_good else "registry-warn"
        return format_html('<span class="{}">{}</span>', css, answer.text)


class RosterUploadForm(forms.Form):
    """A state's roster as the board publishes it (docs/license-registry.md)."""

    state = forms.CharField(
        label="State",
        max_length=2,
        min_length=2,
        help_text="The two-letter code of the state whose board published the roster, e.g. CO.",
        widget=forms.TextInput(attrs={"size": 3, "autocomplete": "off"}),
    )
    roster = forms.FileField(
        label="Roster (CSV)",
        help_text=(
            "A CSV file in UTF-8 with the header state,license_number,name,status,issued_on,expires_on; up to "
            f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Larger rosters: the import_license_registry command."
        ),
    )

    def clean_state(self):
        try:
            return services.clean_state(self.cleaned_data["state"])
        except services.RosterError as error:
            raise forms.ValidationError(error.messages) from error

    def clean_roster(self):
        upload = self.cleaned_data["roster"]
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than %(limit)s MB; import it with the import_license_registry command.",
                params={"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        content = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than the limit.")
        if not content.strip():
            raise forms.ValidationError("The file is empty.")
        return content


class VerifiersOnly:
    """Rosters and the registry are the verifiers' tools: only they (and superusers) see them."""

    def has_module_permission(self, request):
        return can_verify(request.user)

    def has_view_permission(self, request, obj=None):
        return can_verify(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LicenseRoster)
class LicenseRosterAdmin(VerifiersOnly, admin.ModelAdmin):
    """The imports of state rosters, newest first; "Add" uploads one and opens its report."""

    list_display = ["imported_at", "region", "source_name", "imported_by", "rows_read", "added", "changed",
                    "unchanged", "refused", "withdrawn"]  # fmt: skip
    list_filter = ["region"]
    search_fields = ["source_name", "region"]
    list_select_related = ["imported_by"]
    fields = ["region", "source_name", "imported_by", "imported_at", "rows_read", "added", "changed", "unchanged",
              "refused", "withdrawn", "refusal_list"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return can_verify(request.user)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                roster = services.roster_import(
                    state=form.cleaned_data["state"],
                    data=form.cleaned_data["roster"],
                    source_name=request.FILES["roster"].name,
                    imported_by=request.user,
                )
            except services.RosterError as error:
                form.add_error("roster", error.messages)
            else:
                self.log_addition(request, roster, [{"added": {}}])
                self.message_user(request, self.summary(roster), messages.SUCCESS)
                return redirect(reverse("admin:therapists_licenseroster_change", args=[roster.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a state license roster",
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/therapists/licenseroster/upload.html", context)

    @staticmethod
    def summary(roster: LicenseRoster) -> str:
        parts = [
            count_phrase(roster.rows_read, "row read", "rows read"),
            f"{number_format(roster.added)} added",
            f"{number_format(roster.changed)} changed",
            f"{number_format(roster.unchanged)} unchanged",
            f"{number_format(roster.refused)} refused",
            count_phrase(roster.withdrawn, "verified license withdrawn", "verified licenses withdrawn"),
        ]
        return f"The {roster.region} roster is imported: " + ", ".join(parts) + "."

    @admin.display(description="Refused rows")
    def refusal_list(self, obj):
        if not obj.refusals:
            return "None: every row was valid."
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", ((r["line"], r["reason"]) for r in obj.refusals))
        more = obj.refused - len(obj.refusals)
        tail = format_html("<p>… and {} more, not listed.</p>", number_format(more)) if more > 0 else ""
        return format_html(
            '<table class="roster-refusals"><thead><tr><th scope="col">Line</th><th scope="col">Reason</th></tr>'
            "</thead><tbody>{}</tbody></table>{}",
            rows,
            tail,
        )


@admin.register(LicenseRecord)
class LicenseRecordAdmin(VerifiersOnly, admin.ModelAdmin):
    """The licenses the state rosters list, read-only: search by number (as printed anywhere) or name."""

    list_display = ["license_number", "region", "name", "status", "issued_on", "expires_on", "updated_at"]
    list_filter = ["region", "status"]
    search_fields = ["license_number", "name"]
    readonly_fields = ["region", "license_number", "name", "status", "issued_on", "expires_on", "roster", "updated_at"]

    def has_add_permission(self, request):
        return False

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # "ma-12 345" finds MA12345, the way the rosters store numbers.
        number = normalise_license_number(search_term)
        if number and number != search_term.strip():
            results |= queryset.filter(license_number=number)
        return results, may_have_duplicates
