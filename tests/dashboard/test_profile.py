"""Creating, editing and publishing one's own profile, and claiming a listed one."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from therapists.models import Language, Place, ProfileClaim, Specialty, Therapist
from therapists.places import practice_place
from therapists.services.claims import profile_claim_approve, profile_claim_request
from therapists.services.profiles import ProfileDetails, therapist_create, therapist_update_profile

from ..factories import PlaceFactory, ProfileClaimFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = {
    "name": "Ana López",
    "headline": "Deep tissue for desk workers",
    "bio": "I listen first.",
    "gender": "female",
    "years_experience": "7",
    "city": "Denver",
    "region": "",
    "postal_code": "",
    "price_60": "95",
    "accepting_new_clients": "on",
    "phone": "+1 (303) 555-0100",
    "email": "ana@example.com",
    "website": "https://ana.example.com",
}


def _post_profile(client, url_name, **changes):
    return client.post(reverse(url_name), {**PROFILE, **changes})


def test_profile_create_makes_a_draft_owned_by_the_user_with_gazetteer_coordinates(client, client_user, denver):
    client.force_login(client_user)
    deep = Specialty.objects.get(slug="deep-tissue")
    spanish = Language.objects.get(code="es")
    response = _post_profile(client, "dashboard:profile_create", specialties=[deep.pk], languages=[spanish.pk])
    assert response.status_code == HTTPStatus.FOUND and response["Location"] == reverse("dashboard:home")
    therapist = Therapist.objects.get(owner=client_user)
    assert therapist.status == Therapist.Status.DRAFT
    assert therapist.slug == "ana-lopez"
    assert (therapist.place, therapist.latitude, therapist.longitude) == (denver, denver.latitude, denver.longitude)
    assert therapist.region == "CO" and therapist.country == "US"
    assert list(therapist.specialties.all()) == [deep] and list(therapist.languages.all()) == [spanish]
    assert client.get(therapist.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND, "a draft is not public"


def test_profile_create_gives_a_unique_slug(client_user, denver):
    TherapistFactory(slug="ana-lopez")
    TherapistFactory(slug="ana-lopez-2")
    details = ProfileDetails(name="Ana Lopez", city="Denver")
    assert therapist_create(owner=client_user, details=details).slug == "ana-lopez-3"
    assert therapist_create(owner=UserFactory(), details=details).slug == "ana-lopez-4"


def test_profile_create_falls_back_when_the_name_makes_no_slug(client_user, denver):
    details = ProfileDetails(name="李娜", city="Denver")
    assert therapist_create(owner=client_user, details=details).slug == "therapist"


def test_profile_create_only_once_per_user(client_user, denver):
    details = ProfileDetails(name="Ana", city="Denver")
    therapist_create(owner=client_user, details=details)
    with pytest.raises(ValidationError, match="already have a profile"):
        therapist_create(owner=client_user, details=details)
    assert Therapist.objects.filter(owner=client_user).count() == 1


def test_profile_create_with_an_unknown_city_shows_an_error_and_keeps_what_was_typed(client, client_user, denver):
    client.force_login(client_user)
    response = _post_profile(client, "dashboard:profile_create", city="Atlantis", headline="Calm <b>and</b> careful")
    assert response.status_code == HTTPStatus.OK
    assert b"We could not find this city" in response.content
    assert b'value="Atlantis"' in response.content
    assert b"Calm &lt;b&gt;and&lt;/b&gt; careful" in response.content
    assert not Therapist.objects.filter(owner=client_user).exists()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"years_experience": "81"}, b"less than or equal to 80"),
        ({"years_experience": "-1"}, b"greater than or equal to 0"),
        ({"price_60": "-5"}, b"greater than or equal to 0"),
        ({"price_60": "lots"}, b"Enter a whole number"),
        ({"email": "not-an-email"}, b"valid email"),
        ({"website": "javascript:alert(1)"}, b"valid URL"),
        ({"phone": "<script>"}, b"digits, spaces"),
        ({"gender": "robot"}, b"Select a valid choice"),
        ({"specialties": ["999999"]}, b"Select a valid choice"),
        ({"name": ""}, b"This field is required"),
        ({"name": "x" * 121}, b"at most 120 characters"),
        ({"postal_code": "00000"}, b"We do not know this postal code"),
    ],
)
def test_profile_edit_bad_input_shows_a_field_error_and_changes_nothing(client, owner, therapist, changes, error):
    client.force_login(owner)
    before = Therapist.objects.filter(pk=therapist.pk).values().get()
    response = _post_profile(client, "dashboard:profile_edit", **changes)
    assert response.status_code == HTTPStatus.OK
    assert error in response.content
    assert Therapist.objects.filter(pk=therapist.pk).values().get() == before


def test_profile_edit_saves_the_fields_and_keeps_review_aggregates(client, owner, therapist):
    Therapist.objects.filter(pk=therapist.pk).update(
        review_count=12, rating_avg=4.5, communication_avg=4.0, cleanliness_avg=5.0, recommend_count=10
    )
    client.force_login(owner)
    response = _post_profile(client, "dashboard:profile_edit", years_experience="20", travels_to_client="on")
    assert response.status_code == HTTPStatus.FOUND
    therapist.refresh_from_db()
    assert therapist.name == "Ana López" and therapist.years_experience == 20 and therapist.travels_to_client
    assert therapist.review_count == 12 and therapist.rating_avg == 4.5
    assert therapist.status == Therapist.Status.PUBLISHED, "editing does not change the status"
    assert therapist.slug != "ana-lopez", "the slug, and so the public address, stays"


def test_profile_edit_refreshes_the_score_from_experience(owner, therapist):
    details = ProfileDetails(name=therapist.name, city="Denver", years_experience=0)
    low = therapist_update_profile(therapist=therapist, details=details).score
    details = ProfileDetails(name=therapist.name, city="Denver", years_experience=30)
    high = therapist_update_profile(therapist=therapist, details=details).score
    assert high > low
    assert Therapist.objects.get(pk=therapist.pk).score == high


def test_practice_place_prefers_the_postal_code_then_the_most_populous_city(db):
    PlaceFactory(name="Portland", search_name="portland", region="OR", population=650_000, latitude=45.5)
    maine = PlaceFactory(name="Portland", search_name="portland", region="ME", population=68_000, latitude=43.6)
    zip_place = PlaceFactory(
        kind=Place.Kind.POSTAL_CODE, name="Portland", search_name="portland", region="ME", postal_code="04101",
        population=0, latitude=43.66,
    )  # fmt: skip
    assert practice_place(city="Portland").region == "OR"
    assert practice_place(city="  PORTLAND ", region="me") == maine
    assert practice_place(city="Anything", postal_code="04101-1234") == zip_place
    with pytest.raises(ValidationError):
        practice_place(city="Portland", region="TX")


def test_profile_publish_and_unpublish(client, owner, therapist):
    client.force_login(owner)
    client.post(reverse("dashboard:profile_publish"), {"publish": "false"})
    therapist.refresh_from_db()
    assert therapist.status == Therapist.Status.DRAFT
    client.post(reverse("dashboard:profile_publish"), {"publish": "true"})
    therapist.refresh_from_db()
    assert therapist.status == Therapist.Status.PUBLISHED


def test_profile_publish_cannot_lift_a_suspension(client, owner, therapist):
    Therapist.objects.filter(pk=therapist.pk).update(status=Therapist.Status.SUSPENDED)
    client.force_login(owner)
    response = client.post(reverse("dashboard:profile_publish"), {"publish": "true"}, follow=True)
    therapist.refresh_from_db()
    assert therapist.status == Therapist.Status.SUSPENDED
    assert b"suspended by our staff" in response.content


def test_profile_publish_refuses_get(client, owner, therapist):
    client.force_login(owner)
    assert client.get(reverse("dashboard:profile_publish")).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_dashboard_escapes_what_the_therapist_typed(client, owner, therapist):
    Therapist.objects.filter(pk=therapist.pk).update(name="<script>alert(1)</script>")
    client.force_login(owner)
    content = client.get(reverse("dashboard:home")).content
    assert b"<script>alert(1)" not in content and b"&lt;script&gt;" in content


def test_dashboard_nav_links_to_the_dashboard_for_signed_in_users(client, client_user):
    assert b'href="/dashboard/"' not in client.get("/").content
    client.force_login(client_user)
    assert b'href="/dashboard/"' in client.get("/").content


# Claims: asking for a listed profile changes nothing until staff approve.


def test_profile_claim_request_waits_for_staff(client, client_user):
    listed = TherapistFactory(slug="mia-chen", owner=None)
    client.force_login(client_user)
    response = client.post(
        reverse("dashboard:profile_claim"),
        {"profile": "https://example.com/therapists/mia-chen/", "message": "License LMT-123, phone 303-555-0199."},
    )
    assert response.status_code == HTTPStatus.FOUND
    claim = ProfileClaim.objects.get()
    assert (claim.therapist, claim.user, claim.status) == (listed, client_user, ProfileClaim.Status.PENDING)
    listed.refresh_from_db()
    assert listed.owner is None
    assert b"Waiting for our staff" in client.get(reverse("dashboard:home")).content


def test_profile_claim_form_can_be_opened_from_a_profile_link(client, client_user):
    client.force_login(client_user)
    response = client.get(reverse("dashboard:profile_claim"), {"profile": 'mia-chen"><script>'})
    assert b'value="mia-chen&quot;&gt;&lt;script&gt;"' in response.content


@pytest.mark.parametrize(
    ("profile", "error"),
    [
        ("owned-one", b"already has an owner"),
        ("no-such-profile", b"could not find a listed profile"),
        ("hidden-one", b"could not find a listed profile"),
        ("../../admin/", b"could not find a listed profile"),
    ],
)
def test_profile_claim_refuses_what_cannot_be_claimed(client, client_user, profile, error):
    TherapistFactory(slug="owned-one", owner=UserFactory())
    TherapistFactory(slug="hidden-one", status=Therapist.Status.DRAFT)
    client.force_login(client_user)
    response = client.post(
        reverse("dashboard:profile_claim"), {"profile": profile, "message": "License LMT-123, phone 303-555-0199."}
    )
    assert response.status_code == HTTPStatus.OK and error in response.content
    assert not ProfileClaim.objects.exists()


def test_profile_claim_one_pending_claim_at_a_time(client_user):
    first, second = TherapistFactory(), TherapistFactory()
    profile_claim_request(user=client_user, therapist=first, message="License LMT-123, phone 303-555-0199.")
    with pytest.raises(ValidationError, match="already have a claim"):
        profile_claim_request(user=client_user, therapist=second, message="Me again, LMT-123 and more.")


def test_profile_claim_approve_makes_the_owner_and_turns_down_the_others(
    superuser, client_user, django_capture_on_commit_callbacks
):
    listed = TherapistFactory()
    claim = ProfileClaimFactory(therapist=listed, user=client_user)
    rival = ProfileClaimFactory(therapist=listed, user=UserFactory(email="rival@example.com"))
    with django_capture_on_commit_callbacks(execute=True):
        profile_claim_approve(claim=claim, decided_by=superuser)
    listed.refresh_from_db()
    rival.refresh_from_db()
    assert listed.owner == client_user
    assert rival.status == ProfileClaim.Status.REJECTED
    assert sorted(message.to[0] for message in mail.outbox) == ["client-user@example.com", "rival@example.com"]
    assert any("approved" in message.subject for message in mail.outbox)


def test_profile_claim_decisions_need_staff_permission(verifier, client_user):
    claim = ProfileClaimFactory(user=client_user)
    with pytest.raises(PermissionDenied):
        profile_claim_approve(claim=claim, decided_by=verifier)
    with pytest.raises(PermissionDenied):
        profile_claim_approve(claim=claim, decided_by=client_user)
    assert Therapist.objects.get(pk=claim.therapist_id).owner is None


def test_profile_claim_nobody_approves_their_own(superuser):
    claim = ProfileClaimFactory(user=superuser)
    with pytest.raises(ValidationError, match="own claim"):
        profile_claim_approve(claim=claim, decided_by=superuser)


def test_profile_claim_approve_refuses_when_the_profile_got_an_owner(superuser, client_user):
    claim = ProfileClaimFactory(user=client_user)
    Therapist.objects.filter(pk=claim.therapist_id).update(owner=UserFactory())
    with pytest.raises(ValidationError, match="already has an owner"):
        profile_claim_approve(claim=claim, decided_by=superuser)


def test_admin_claim_actions_approve_and_reject_with_a_note(client, superuser, client_user):
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
