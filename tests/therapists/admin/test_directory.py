"""therapists.admin.directory: the vocabularies, places and therapists desk."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from common.storage import private_storage
from therapists.models import Therapist
from therapists.selectors import search
from therapists.services.profiles import therapist_set_status

from ...factories import CertificationFactory, PlaceFactory, TherapistFactory, UserFactory
from ..helpers import check_admin_pages_load, registered_on, submitted_form

pytestmark = pytest.mark.django_db

SUSPEND = {"action": "suspend", "apply": "yes", "note": "Several clients reported an unlicensed substitute."}

DESK = registered_on("therapists.admin.directory")


@pytest.mark.parametrize("model", DESK, ids=lambda m: m._meta.label)
def test_directory_admin_changelist_and_forms_load(client, superuser, one_of_each, model):
    check_admin_pages_load(client, superuser, model)


def test_directory_admin_shows_the_directory_models():
    assert {model._meta.model_name for model in DESK} == {
        "amenity",
        "focusarea",
        "language",
        "place",
        "specialty",
        "therapist",
    }


def test_therapist_admin_suspend_action_hides_a_profile(client, superuser):
    therapist = TherapistFactory()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:therapists_therapist_changelist"),
        {**SUSPEND, "_selected_action": [therapist.pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    therapist.refresh_from_db()
    assert therapist.status == Therapist.Status.SUSPENDED


def test_specialty_admin_new_specialty_appears_in_search_at_once(client, superuser):
    client.get("/therapists/")  # fills the vocabulary cache
    client.force_login(superuser)
    response = client.post(
        reverse("admin:therapists_specialty_add"),
        {"name": "Reflexology", "slug": "reflexology", "description": "Pressure on the feet.", "position": 9},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert 'value="reflexology"' in client.get("/therapists/").content.decode()


def test_therapist_admin_suspend_and_publish_actions_need_the_change_permission(client, verifier):
    therapist = TherapistFactory()
    client.force_login(verifier)  # may view therapists, may not change them
    client.post(reverse("admin:therapists_therapist_changelist"), {**SUSPEND, "_selected_action": [therapist.pk]})
    therapist.refresh_from_db()
    assert therapist.status == Therapist.Status.PUBLISHED


def test_therapist_admin_edit_keeps_review_aggregates_written_meanwhile(client, superuser, denver):
    listing = TherapistFactory(name="Before", owner=None)
    client.force_login(superuser)
    change = reverse("admin:therapists_therapist_change", args=[listing.pk])
    data = submitted_form(client.get(change), "therapist_form")
    # A review lands while the admin form is open.
    Therapist.objects.filter(pk=listing.pk).update(
        review_count=7, rating_avg=4.5, communication_avg=4.0, cleanliness_avg=5.0, recommend_count=6
    )
    response = client.post(change, {**data, "name": "After"})
    assert response.status_code == HTTPStatus.FOUND
    listing.refresh_from_db()
    assert listing.name == "After"
    assert (listing.review_count, listing.rating_avg) == (7, 4.5)


def test_therapist_admin_delete_removes_files_and_refreshes_search_counts(
    client, superuser, django_capture_on_commit_callbacks
):
    therapist = TherapistFactory(slug="leaving")
    therapist.photo.name = default_storage.save("photos/leaving.jpg", ContentFile(b"x"))
    therapist.save(update_fields=["photo"])
    certification = CertificationFactory(therapist=therapist)
    certification.document.name = private_storage().save("certifications/leaving.pdf", ContentFile(b"%PDF-1.4"))
    certification.save(update_fields=["document"])
    TherapistFactory(slug="staying")
    assert search({}).paginator.count == 2
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:therapists_therapist_delete", args=[therapist.pk]), {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert not default_storage.exists("photos/leaving.jpg")
    assert not private_storage().exists("certifications/leaving.pdf")
    assert search({}).paginator.count == 1


def test_therapist_admin_moderators_suspend_profiles_and_manage_focus_areas(client, moderator):
    therapist = TherapistFactory()
    client.force_login(moderator)
    client.post(reverse("admin:therapists_therapist_changelist"), {**SUSPEND, "_selected_action": [therapist.pk]})
    therapist.refresh_from_db()
    assert therapist.status == Therapist.Status.SUSPENDED
    response = client.post(
        reverse("admin:therapists_focusarea_add"), {"name": "Hip pain", "slug": "hip-pain", "position": 9}
    )
    assert response.status_code == HTTPStatus.FOUND


def test_therapist_admin_shows_credentials_read_only(client, superuser, certification):
    client.force_login(superuser)
    response = client.get(reverse("admin:therapists_therapist_change", args=[certification.therapist_id]))
    assert response.status_code == HTTPStatus.OK
    assert b'name="certifications-0-status"' not in response.content
    assert b'name="certifications-0-expires_on"' not in response.content


@pytest.mark.parametrize("actor", ["moderator", "superuser"])
def test_therapist_admin_owner_cannot_be_changed_through_the_change_form(
    client, request, actor, therapist_owner, owned_therapist, certification
):
    """The attack of issue 10: a moderator posts the change form with himself as owner, then reads the document."""
    staff = request.getfixturevalue(actor)
    document = reverse("dashboard:certification_document", args=[certification.pk])
    client.force_login(staff)
    if actor == "moderator":
        assert client.get(document).status_code == HTTPStatus.NOT_FOUND
    change = reverse("admin:therapists_therapist_change", args=[owned_therapist.pk])
    form_page = client.get(change)
    assert b'name="owner"' not in form_page.content
    response = client.post(change, {**submitted_form(form_page, "therapist_form"), "owner": staff.pk})
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.OK)
    owned_therapist.refresh_from_db()
    assert owned_therapist.owner == therapist_owner
    expected = HTTPStatus.NOT_FOUND if actor == "moderator" else HTTPStatus.OK  # superusers verify
    assert client.get(document).status_code == expected


def test_therapist_admin_says_how_ownership_moves(client, superuser, owned_therapist):
    client.force_login(superuser)
    response = client.get(reverse("admin:therapists_therapist_change", args=[owned_therapist.pk]))
    assert "Ownership moves only through a claim" in response.content.decode()


def test_therapist_admin_owned_profile_details_are_the_owners(client, moderator, owned_therapist):
    """A moderator rewriting the contact details would take the therapist's clients: he may suspend, not edit."""
    client.force_login(moderator)
    change = reverse("admin:therapists_therapist_change", args=[owned_therapist.pk])
    data = submitted_form(client.get(change), "therapist_form")
    client.post(change, {**data, "name": "Call 555-0100 instead", "phone": "555-0100", "status": "draft"})
    owned_therapist.refresh_from_db()
    assert (owned_therapist.name, owned_therapist.phone) == ("Olivia Owner", "")
    assert owned_therapist.status == Therapist.Status.PUBLISHED


def test_therapist_admin_slug_stays_as_made(client, superuser, denver):
    listing = TherapistFactory(owner=None, slug="kept-address")
    client.force_login(superuser)
    change = reverse("admin:therapists_therapist_change", args=[listing.pk])
    client.post(change, {**submitted_form(client.get(change), "therapist_form"), "slug": "hijacked"})
    listing.refresh_from_db()
    assert listing.slug == "kept-address"


def test_therapist_admin_add_makes_an_unowned_listing_placed_by_the_gazetteer(client, superuser, denver):
    client.force_login(superuser)
    add = reverse("admin:therapists_therapist_add")
    data = submitted_form(client.get(add), "therapist_form")
    data.update({"name": "Nina Listing", "city": "denver", "region": "", "status": "published", "slug": "x"})
    response = client.post(add, data)
    assert response.status_code == HTTPStatus.FOUND
    listing = Therapist.objects.get(name="Nina Listing")
    assert (listing.owner, listing.slug, listing.status) == (None, "nina-listing", Therapist.Status.PUBLISHED)
    assert (listing.city, listing.region, listing.latitude) == ("Denver", "CO", denver.latitude)


def test_therapist_admin_refuses_a_city_that_contradicts_the_postal_code(client, superuser, denver):
    PlaceFactory(kind="postal_code", postal_code="46204", name="Indianapolis", search_name="indianapolis",
                 region="IN", latitude=39.77, longitude=-86.16)  # fmt: skip
    listing = TherapistFactory(owner=None, city="Denver", region="CO")
    client.force_login(superuser)
    change = reverse("admin:therapists_therapist_change", args=[listing.pk])
    data = submitted_form(client.get(change), "therapist_form")
    response = client.post(change, {**data, "city": "Beverly Hills", "region": "", "postal_code": "46204"})
    assert response.status_code == HTTPStatus.OK
    assert "is in Indianapolis, IN, not in Beverly Hills" in response.content.decode()
    assert response.context["adminform"].form["city"].value() == "Beverly Hills", "what staff typed is kept"
    listing.refresh_from_db()
    assert (listing.city, listing.postal_code) == ("Denver", "")


def test_therapist_admin_suspension_lifts_only_what_staff_suspended(client, moderator, owned_therapist):
    draft = TherapistFactory(owner=UserFactory(), status=Therapist.Status.DRAFT)
    client.force_login(moderator)
    changelist = reverse("admin:therapists_therapist_changelist")
    client.post(changelist, {**SUSPEND, "_selected_action": [owned_therapist.pk]})
    owned_therapist.refresh_from_db()
    assert owned_therapist.status == Therapist.Status.SUSPENDED
    client.post(changelist, {"action": "lift_suspension", "_selected_action": [owned_therapist.pk, draft.pk]})
    owned_therapist.refresh_from_db()
    draft.refresh_from_db()
    assert owned_therapist.status == Therapist.Status.PUBLISHED
    assert draft.status == Therapist.Status.DRAFT, "publishing an owned profile is its owner's choice"


def test_therapist_admin_shows_figures_rounded_and_sorts_by_them(client, superuser):
    rounded_up = TherapistFactory(name="Averaged")
    Therapist.objects.filter(pk=rounded_up.pk).update(
        review_count=9, rating_avg=34 / 9, technique_avg=4.25, recommend_count=8, recommend_pct=800 / 9, score=71.2567
    )
    top = TherapistFactory(name="Top")
    Therapist.objects.filter(pk=top.pk).update(
        review_count=1, rating_avg=4.9, recommend_count=1, recommend_pct=100, score=10
    )
    client.force_login(superuser)
    changelist = client.get(reverse("admin:therapists_therapist_changelist"), {"o": "8"})  # by rating (8th column)
    html = changelist.content.decode()
    assert changelist.status_code == HTTPStatus.OK
    assert '<td class="field-rating_avg_shown">3.8</td>' in html
    assert '<td class="field-score_shown">71.3</td>' in html
    assert str(34 / 9) not in html and "71.2567" not in html
    assert [t.name for t in changelist.context["cl"].result_list] == ["Averaged", "Top"]
    by_score = client.get(reverse("admin:therapists_therapist_changelist"), {"o": "9"})
    assert [t.name for t in by_score.context["cl"].result_list] == ["Top", "Averaged"]
    change = client.get(reverse("admin:therapists_therapist_change", args=[rounded_up.pk])).content.decode()
    for label, shown in [
        ("Average rating", "3.8"),
        ("Technique", "4.3"),
        ("Would recommend", "89%"),
        ("Score", "71.3"),
    ]:
        assert f"<label>{label}:</label>" in change and f'<div class="readonly">{shown}</div>' in change
    assert str(800 / 9) not in change


def test_therapist_admin_suspension_message_counts_profiles(client, superuser):
    one, two, three = TherapistFactory.create_batch(3)
    client.force_login(superuser)
    changelist = reverse("admin:therapists_therapist_changelist")
    single = client.post(changelist, {**SUSPEND, "_selected_action": [one.pk]}, follow=True)
    plural = client.post(changelist, {**SUSPEND, "_selected_action": [two.pk, three.pk]}, follow=True)
    assert "1 profile suspended; owners are emailed the reason." in single.content.decode()
    assert "2 profiles suspended; owners are emailed the reason." in plural.content.decode()


# --- suspension with a reason (issue 11) ---


def test_therapist_admin_suspend_asks_for_a_reason_first(client, superuser, owned_therapist):
    client.force_login(superuser)
    changelist = reverse("admin:therapists_therapist_changelist")
    page = client.post(changelist, {"action": "suspend", "_selected_action": [owned_therapist.pk]})
    assert page.status_code == HTTPStatus.OK and b"Reason for the suspension" in page.content
    empty = client.post(changelist, {**SUSPEND, "note": "  ", "_selected_action": [owned_therapist.pk]})
    assert empty.status_code == HTTPStatus.OK and b"This field is required" in empty.content
    owned_therapist.refresh_from_db()
    assert owned_therapist.status == Therapist.Status.PUBLISHED and owned_therapist.suspension_reason == ""


def test_therapist_admin_suspend_stores_the_reason_emails_the_owner_and_lifting_clears_it(
    client, superuser, owned_therapist, therapist_owner, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    changelist = reverse("admin:therapists_therapist_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {**SUSPEND, "_selected_action": [owned_therapist.pk]})
    owned_therapist.refresh_from_db()
    assert owned_therapist.status == Therapist.Status.SUSPENDED
    assert owned_therapist.suspension_reason == SUSPEND["note"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [therapist_owner.email]
    assert "suspended" in mail.outbox[0].subject and SUSPEND["note"] in mail.outbox[0].body
    client.force_login(therapist_owner)
    dashboard = client.get(reverse("dashboard:home")).content.decode()
    assert "suspended this profile" in dashboard and SUSPEND["note"] in dashboard
    client.force_login(superuser)
    client.post(changelist, {"action": "lift_suspension", "_selected_action": [owned_therapist.pk]})
    owned_therapist.refresh_from_db()
    assert (owned_therapist.status, owned_therapist.suspension_reason) == (Therapist.Status.PUBLISHED, "")


def test_therapist_set_status_refuses_a_suspension_without_a_reason(owned_therapist):
    with pytest.raises(ValidationError, match="Say why the profile is suspended"):
        therapist_set_status(therapist=owned_therapist, status=Therapist.Status.SUSPENDED, reason=" ")
    owned_therapist.refresh_from_db()
    assert owned_therapist.status == Therapist.Status.PUBLISHED


def test_therapist_admin_change_form_sends_a_suspension_to_the_action(client, superuser, denver):
    listing = TherapistFactory(owner=None, place=denver)
    client.force_login(superuser)
    url = reverse("admin:therapists_therapist_change", args=[listing.pk])
    data = submitted_form(client.get(url), "therapist_form")
    data["status"] = [Therapist.Status.SUSPENDED]
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.OK and "it asks for the reason" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == Therapist.Status.PUBLISHED
