"""therapists.admin.directory: the vocabularies, places and therapists desk."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from common.storage import private_storage
from therapists.models import Therapist
from therapists.selectors import search

from ...factories import CertificationFactory, TherapistFactory
from ..helpers import check_admin_pages_load, registered_on

pytestmark = pytest.mark.django_db

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
        {"action": "suspend", "_selected_action": [therapist.pk]},
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
    client.post(
        reverse("admin:therapists_therapist_changelist"), {"action": "suspend", "_selected_action": [therapist.pk]}
    )
    therapist.refresh_from_db()
    assert therapist.status == Therapist.Status.PUBLISHED


def test_therapist_admin_edit_keeps_review_aggregates_written_meanwhile(rf, superuser):
    therapist = TherapistFactory(name="Before")
    stale = Therapist.objects.get(pk=therapist.pk)  # what the admin form was built from
    # A review lands while the admin form is open.
    Therapist.objects.filter(pk=therapist.pk).update(
        review_count=7, rating_avg=4.5, communication_avg=4.0, cleanliness_avg=5.0, recommend_count=6
    )
    model_admin = admin.site._registry[Therapist]
    request = rf.post("/")
    request.user = superuser
    form = model_admin.get_form(request, stale, change=True)(instance=stale)
    stale.name = "After"
    model_admin.save_model(request, stale, form, change=True)
    therapist.refresh_from_db()
    assert therapist.name == "After"
    assert (therapist.review_count, therapist.rating_avg) == (7, 4.5)


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
    client.post(
        reverse("admin:therapists_therapist_changelist"), {"action": "suspend", "_selected_action": [therapist.pk]}
    )
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
