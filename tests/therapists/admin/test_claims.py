"""therapists.admin.claims: the claims desk, where staff approve or reject claims on listed profiles."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from therapists.models import ProfileClaim

from ...factories import ProfileClaimFactory
from ..helpers import check_admin_pages_load, registered_on

pytestmark = pytest.mark.django_db

DESK = registered_on("therapists.admin.claims")


@pytest.mark.parametrize("model", DESK, ids=lambda m: m._meta.label)
def test_claims_admin_changelist_and_forms_load(client, superuser, one_of_each, model):
    check_admin_pages_load(client, superuser, model)


def test_claims_admin_shows_profile_claims():
    assert DESK == [ProfileClaim]


def test_profile_claim_admin_change_page_shows_the_message(client, superuser):
    claim = ProfileClaimFactory()
    client.force_login(superuser)
    response = client.get(reverse("admin:therapists_profileclaim_change", args=[claim.pk]))
    assert response.status_code == HTTPStatus.OK and claim.message.encode() in response.content


def test_profile_claim_admin_actions_approve_and_reject_with_a_note(client, superuser, client_user):
    approved = ProfileClaimFactory(user=client_user)
    rejected = ProfileClaimFactory()
    client.force_login(superuser)
    changelist = reverse("admin:therapists_profileclaim_changelist")
    assert client.get(changelist).status_code == HTTPStatus.OK
    client.post(changelist, {"action": "approve_claims", "_selected_action": [approved.pk]})
    page = client.post(changelist, {"action": "reject_claims", "_selected_action": [rejected.pk]})
    assert page.status_code == HTTPStatus.OK and b'name="note"' in page.content
    client.post(
        changelist,
        {"action": "reject_claims", "_selected_action": [rejected.pk], "apply": "yes", "note": "No proof given."},
    )
    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert approved.status == ProfileClaim.Status.APPROVED
    assert rejected.status == ProfileClaim.Status.REJECTED and rejected.decision_note == "No proof given."


def test_profile_claim_admin_message_counts_claims_and_claimants(client, superuser):
    one, two, three = ProfileClaimFactory.create_batch(3)
    client.force_login(superuser)
    changelist = reverse("admin:therapists_profileclaim_changelist")
    single = client.post(changelist, {"action": "approve_claims", "_selected_action": [one.pk]}, follow=True)
    note = {"action": "reject_claims", "apply": "yes", "note": "No proof given."}
    plural = client.post(changelist, {**note, "_selected_action": [two.pk, three.pk]}, follow=True)
    assert "1 claim decided; the claimant is emailed." in single.content.decode()
    assert "2 claims decided; the claimants are emailed." in plural.content.decode()
