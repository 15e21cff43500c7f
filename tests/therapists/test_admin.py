"""Every model's admin changelist, add form and change form loads for a superuser."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.urls import reverse

from reviews.models import Review
from therapists.models import CertificationDecision, Place, Therapist

from ..factories import (
    CertificationFactory,
    PlaceFactory,
    ProfileClaimFactory,
    ReviewFactory,
    ReviewFlagFactory,
    ReviewResponseFactory,
    TherapistFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated():
    owner = UserFactory(username="owner")
    therapist = TherapistFactory(owner=owner)
    certification = CertificationFactory(therapist=therapist)
    CertificationDecision.objects.create(
        certification=certification, certification_label=str(certification), status="verified"
    )
    PlaceFactory()
    ProfileClaimFactory(therapist=TherapistFactory(), user=UserFactory(username="claimant"))
    review = ReviewFactory(therapist=therapist)
    ReviewResponseFactory(review=review)
    ReviewFlagFactory(review=review)


def _registered():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", _registered(), ids=lambda m: m._meta.label)
def test_admin_changelist_and_forms_load(client, superuser, populated, model):
    client.force_login(superuser)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == HTTPStatus.OK
    assert client.get(changelist, {"q": "a"}).status_code == HTTPStatus.OK
    obj = model._default_manager.first()
    assert obj is not None, f"no {opts.label} to open"
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert client.get(change).status_code == HTTPStatus.OK
    model_admin = admin.site._registry[model]
    if model_admin.has_add_permission(type("R", (), {"user": superuser})()):
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert client.get(add).status_code == HTTPStatus.OK


def test_every_domain_model_is_registered():
    for model in (Therapist, Place, Review, CertificationDecision):
        assert model in admin.site._registry


def test_audit_trail_cannot_be_edited_or_deleted_in_admin(client, superuser, populated):
    client.force_login(superuser)
    decision = CertificationDecision.objects.get()
    assert client.get(reverse("admin:therapists_certificationdecision_add")).status_code == HTTPStatus.FORBIDDEN
    url = reverse("admin:therapists_certificationdecision_delete", args=[decision.pk])
    assert client.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert CertificationDecision.objects.filter(pk=decision.pk).exists()


def test_suspend_action_hides_a_profile(client, superuser):
    therapist = TherapistFactory()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:therapists_therapist_changelist"),
        {"action": "suspend", "_selected_action": [therapist.pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    therapist.refresh_from_db()
    assert therapist.status == Therapist.Status.SUSPENDED


def test_new_specialty_from_admin_appears_in_search_at_once(client, superuser):
    client.get("/therapists/")  # fills the vocabulary cache
    client.force_login(superuser)
    response = client.post(
        reverse("admin:therapists_specialty_add"),
        {"name": "Reflexology", "slug": "reflexology", "description": "Pressure on the feet.", "position": 9},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert 'value="reflexology"' in client.get("/therapists/").content.decode()


def test_suspend_and_publish_actions_need_the_change_permission(client, verifier):
    therapist = TherapistFactory()
    client.force_login(verifier)  # may view therapists, may not change them
    client.post(
        reverse("admin:therapists_therapist_changelist"), {"action": "suspend", "_selected_action": [therapist.pk]}
    )
    therapist.refresh_from_db()
    assert therapist.status == Therapist.Status.PUBLISHED


def test_admin_edit_keeps_review_aggregates_written_meanwhile(rf, superuser):
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


def test_admin_delete_removes_files_and_refreshes_search_counts(client, superuser, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage, storages

    from therapists.selectors import search

    therapist = TherapistFactory(slug="leaving")
    therapist.photo.name = default_storage.save("photos/leaving.jpg", ContentFile(b"x"))
    therapist.save(update_fields=["photo"])
    certification = CertificationFactory(therapist=therapist)
    certification.document.name = storages["private"].save("certifications/leaving.pdf", ContentFile(b"%PDF-1.4"))
    certification.save(update_fields=["document"])
    TherapistFactory(slug="staying")
    assert search({}).paginator.count == 2
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:therapists_therapist_delete", args=[therapist.pk]), {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert not default_storage.exists("photos/leaving.jpg")
    assert not storages["private"].exists("certifications/leaving.pdf")
    assert search({}).paginator.count == 1


def test_moderators_suspend_profiles_and_manage_specialties(client, moderator):
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
