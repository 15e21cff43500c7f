"""therapists.dashboard: the therapist's own pages (profile, photo, certifications, claim) and the document views."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common.storage import private_storage
from common.uploads import MAX_UPLOAD_BYTES
from therapists.models import Certification, CertificationDecision, Language, ProfileClaim, Specialty, Therapist
from therapists.services.certifications import CertificationDetails, certification_decide, certification_submit
from therapists.services.photos import therapist_set_photo
from therapists.uploads import clean_document, image_processing_slot, process_photo

from ..factories import CertificationFactory, PlaceFactory, TherapistFactory, UserFactory
from . import corpus
from .helpers import assert_no_metadata, open_image

pytestmark = pytest.mark.django_db

CORPUS = corpus.corpus()
STORED_DOCUMENTS = [item for item in CORPUS if item.document == corpus.STORED]
RANDOM_PHOTO = re.compile(r"^photos/[0-9a-f]{32}\.jpg$")
RANDOM_THUMB = re.compile(r"^thumbs/[0-9a-f]{32}\.jpg$")
RANDOM_DOCUMENT = re.compile(r"^certifications/[0-9a-f]{32}\.(pdf|jpg|png|webp)$")
PROFILE = {
    "name": "Ana López",
    "headline": "Deep tissue for desk workers",
    "bio": "I listen first.",
    "gender": "female",
    "years_experience": "7",
    "city": "Denver",
    "region": "",
    "postal_code": "",
    "accepting_new_clients": "on",
    "phone": "+1 (303) 555-0100",
    "email": "ana@example.com",
    "website": "https://ana.example.com",
}
VALID = {
    "kind": "license",
    "title": "Licensed Massage Therapist",
    "issuing_body": "Colorado Board of Massage Therapy",
    "region": "CO",
    "credential_number": "LMT-42",
    "issued_on": "2022-03-01",
    "expires_on": "2099-03-01",
}
CLAIM_MESSAGE = "License LMT-123, phone 303-555-0199."


def _post_profile(client, url_name, **changes):
    return client.post(reverse(url_name), {**PROFILE, **changes})


def _pdf():
    return corpus.Hostile("license", "license.pdf", corpus.PDF, "application/pdf", "", "").upload()


# --- the dashboard itself ---


def test_dashboard_shows_each_certification_status_note_and_expiry(
    client, therapist_owner, owned_therapist, verifier, today
):
    expired = CertificationFactory(
        therapist=owned_therapist,
        title="Old license",
        issued_on=today - datetime.timedelta(days=800),
        expires_on=today - datetime.timedelta(days=1),
        status=Certification.Status.VERIFIED,
    )
    rejected = CertificationFactory(therapist=owned_therapist, title="Hot stone course")
    certification_decide(
        certification=rejected,
        decided_by=verifier,
        status="rejected",
        note="The certificate does not name you.",
        reason="name_mismatch",
    )
    CertificationFactory(therapist=owned_therapist, title="New license", expires_on=None)
    client.force_login(therapist_owner)
    html = client.get("/dashboard/").content.decode()
    assert "Old license" in html and "badge-expired" in html
    assert expired.expires_on.strftime("%Y-%m-%d") in html
    assert "The certificate does not name you." in html and "badge-rejected" in html
    assert "The name does not match the profile." in html
    assert "Awaiting verification" in html and "Never" in html


def test_dashboard_escapes_what_the_therapist_typed(client, therapist_owner, owned_therapist):
    Therapist.objects.filter(pk=owned_therapist.pk).update(name="<script>alert(1)</script>")
    client.force_login(therapist_owner)
    content = client.get(reverse("dashboard:home")).content
    assert b"<script>alert(1)" not in content and b"&lt;script&gt;" in content


def test_dashboard_nav_links_to_the_dashboard_for_signed_in_users(client, client_user):
    assert b'href="/dashboard/"' not in client.get("/").content
    client.force_login(client_user)
    assert b'href="/dashboard/"' in client.get("/").content


def test_dashboard_pages_label_every_input_and_have_no_inline_script_or_style(client, therapist_owner, certification):
    client.force_login(therapist_owner)
    for name, args in [
        ("dashboard:home", []),
        ("dashboard:profile_edit", []),
        ("dashboard:photo", []),
        ("dashboard:certification_create", []),
        ("dashboard:certification_edit", [certification.pk]),
        ("dashboard:certification_withdraw", [certification.pk]),
        ("dashboard:certification_renew", [certification.pk]),
    ]:
        html = client.get(reverse(name, args=args)).content.decode()
        assert "<script" not in html and " style=" not in html and "<style" not in html, name
        for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{input_id}"' in html, f"{name}: #{input_id} has no label"


# --- the profile: create, edit, publish ---


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


def test_profile_create_with_an_unknown_city_shows_an_error_and_keeps_what_was_typed(client, client_user, denver):
    client.force_login(client_user)
    response = _post_profile(client, "dashboard:profile_create", city="Atlantis", headline="Calm <b>and</b> careful")
    assert response.status_code == HTTPStatus.OK
    assert b"We could not find this city" in response.content
    assert b'value="Atlantis"' in response.content
    assert b"Calm &lt;b&gt;and&lt;/b&gt; careful" in response.content
    assert not Therapist.objects.filter(owner=client_user).exists()


def test_profile_create_refuses_a_city_the_postal_code_contradicts_and_keeps_what_was_typed(
    client, client_user, denver
):
    """Issue 10, finding 10: "Beverly Hills, CA" with an Indianapolis ZIP showed 0.6 km from Indianapolis."""
    PlaceFactory(kind="postal_code", postal_code="46204", name="Indianapolis", search_name="indianapolis",
                 region="IN", latitude=39.77, longitude=-86.16)  # fmt: skip
    client.force_login(client_user)
    response = _post_profile(client, "dashboard:profile_create", city="Beverly Hills", postal_code="46204")
    assert response.status_code == HTTPStatus.OK
    assert "The postal code 46204 is in Indianapolis, IN, not in Beverly Hills" in response.content.decode()
    assert b'value="Beverly Hills"' in response.content and b'value="46204"' in response.content
    assert not Therapist.objects.filter(owner=client_user).exists()
    response = _post_profile(client, "dashboard:profile_create", city="indianapolis", postal_code="46204")
    assert response.status_code == HTTPStatus.FOUND
    therapist = Therapist.objects.get(owner=client_user)
    assert (therapist.city, therapist.region, therapist.latitude) == ("Indianapolis", "IN", 39.77)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"years_experience": "81"}, b"less than or equal to 80"),
        ({"years_experience": "-1"}, b"greater than or equal to 0"),
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
def test_profile_edit_bad_input_shows_a_field_error_and_changes_nothing(
    client, therapist_owner, owned_therapist, changes, error
):
    client.force_login(therapist_owner)
    before = Therapist.objects.filter(pk=owned_therapist.pk).values().get()
    response = _post_profile(client, "dashboard:profile_edit", **changes)
    assert response.status_code == HTTPStatus.OK
    assert error in response.content
    assert Therapist.objects.filter(pk=owned_therapist.pk).values().get() == before


def test_profile_edit_saves_the_fields_and_keeps_review_aggregates(client, therapist_owner, owned_therapist):
    Therapist.objects.filter(pk=owned_therapist.pk).update(
        review_count=12, rating_avg=4.5, communication_avg=4.0, cleanliness_avg=5.0, recommend_count=10
    )
    client.force_login(therapist_owner)
    response = _post_profile(client, "dashboard:profile_edit", years_experience="20")
    assert response.status_code == HTTPStatus.FOUND
    owned_therapist.refresh_from_db()
    assert owned_therapist.name == "Ana López" and owned_therapist.years_experience == 20
    assert owned_therapist.review_count == 12 and owned_therapist.rating_avg == 4.5
    assert owned_therapist.status == Therapist.Status.PUBLISHED, "editing does not change the status"
    assert owned_therapist.slug != "ana-lopez", "the slug, and so the public address, stays"


def test_profile_publish_and_unpublish(client, therapist_owner, owned_therapist):
    client.force_login(therapist_owner)
    client.post(reverse("dashboard:profile_publish"), {"publish": "false"})
    owned_therapist.refresh_from_db()
    assert owned_therapist.status == Therapist.Status.DRAFT
    client.post(reverse("dashboard:profile_publish"), {"publish": "true"})
    owned_therapist.refresh_from_db()
    assert owned_therapist.status == Therapist.Status.PUBLISHED


def test_profile_publish_cannot_lift_a_suspension(client, therapist_owner, owned_therapist):
    Therapist.objects.filter(pk=owned_therapist.pk).update(status=Therapist.Status.SUSPENDED)
    client.force_login(therapist_owner)
    response = client.post(reverse("dashboard:profile_publish"), {"publish": "true"}, follow=True)
    owned_therapist.refresh_from_db()
    assert owned_therapist.status == Therapist.Status.SUSPENDED
    assert b"suspended by our staff" in response.content


def test_profile_publish_refuses_get(client, therapist_owner, owned_therapist):
    client.force_login(therapist_owner)
    assert client.get(reverse("dashboard:profile_publish")).status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- claiming a listed profile ---


def test_profile_claim_request_waits_for_staff(client, client_user):
    listed = TherapistFactory(slug="mia-chen", owner=None)
    client.force_login(client_user)
    response = client.post(
        reverse("dashboard:profile_claim"),
        {"profile": "https://example.com/therapists/mia-chen/", "message": CLAIM_MESSAGE},
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
    response = client.post(reverse("dashboard:profile_claim"), {"profile": profile, "message": CLAIM_MESSAGE})
    assert response.status_code == HTTPStatus.OK and error in response.content
    assert not ProfileClaim.objects.exists()


# --- the photo page ---


@pytest.mark.parametrize("item", [item for item in CORPUS if item.photo == corpus.ERROR], ids=lambda item: item.id)
def test_photo_upload_refuses_each_hostile_file_it_cannot_clean(
    client, therapist_owner, owned_therapist, stored_files, item
):
    client.force_login(therapist_owner)
    before = stored_files()
    response = client.post(reverse("dashboard:photo"), {"photo": item.upload()})
    owned_therapist.refresh_from_db()
    assert response.status_code == HTTPStatus.OK
    assert item.message.encode() in response.content
    assert b'class="errorlist' in response.content
    assert not owned_therapist.photo and stored_files() == before


@pytest.mark.parametrize("item", [item for item in CORPUS if item.photo == corpus.STORED], ids=lambda item: item.id)
def test_photo_upload_stores_each_other_hostile_file_cleaned(client, therapist_owner, owned_therapist, item):
    client.force_login(therapist_owner)
    response = client.post(reverse("dashboard:photo"), {"photo": item.upload()})
    owned_therapist.refresh_from_db()
    assert response.status_code == HTTPStatus.FOUND
    assert RANDOM_PHOTO.match(owned_therapist.photo.name)
    assert RANDOM_THUMB.match(owned_therapist.photo_thumbnail.name)
    photo = default_storage.open(owned_therapist.photo.name).read()
    assert open_image(photo).format == "JPEG"
    assert b"<script" not in photo and b"<html" not in photo
    assert_no_metadata(photo)
    thumbnail = default_storage.open(owned_therapist.photo_thumbnail.name).read()
    assert open_image(thumbnail).size == (144, 144)


def test_photo_upload_refused_keeps_the_current_photo(client, therapist_owner, owned_therapist, upload):
    therapist = therapist_set_photo(therapist=owned_therapist, photo=process_photo(upload()))
    current = therapist.photo.name
    client.force_login(therapist_owner)
    response = client.post(reverse("dashboard:photo"), {"photo": upload("x.jpg", corpus.HTML)})
    assert response.status_code == HTTPStatus.OK
    therapist.refresh_from_db()
    assert therapist.photo.name == current and default_storage.exists(current)


def test_photo_upload_of_a_huge_file_is_refused_by_its_size(client, therapist_owner, owned_therapist):
    """The capped upload handler keeps only the start of the file; the form still sees it is too large."""
    client.force_login(therapist_owner)
    huge = corpus.Hostile("huge", "huge.jpg", b"\xff" * (MAX_UPLOAD_BYTES * 2), "image/jpeg", "", "")
    response = client.post(reverse("dashboard:photo"), {"photo": huge.upload()})
    assert response.status_code == HTTPStatus.OK
    assert b"larger than 10 MB" in response.content


# --- the certification pages ---


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"kind": "specialty"}, b"Choose the specialty"),
        ({"kind": "wizard"}, b"Select a valid choice"),
        ({"issued_on": "2022-13-45"}, b"Enter a valid date"),
        ({"issued_on": datetime.timedelta(days=3)}, b"cannot be in the future"),
        ({"expires_on": "2021-01-01"}, b"must come after the issue date"),
        ({"expires_on": datetime.timedelta(days=-1)}, b"has expired"),
        ({"title": ""}, b"This field is required"),
        ({"title": "t" * 161}, b"at most 160 characters"),
        ({"specialty": "99999"}, b"Select a valid choice"),
    ],
)
def test_certification_create_bad_input_stores_nothing(
    client, therapist_owner, owned_therapist, stored_files, today, changes, error
):
    # Dates given as a timedelta are that far from today.
    changes = {
        name: (today + value).isoformat() if isinstance(value, datetime.timedelta) else value
        for name, value in changes.items()
    }
    client.force_login(therapist_owner)
    before = stored_files()
    response = client.post(reverse("dashboard:certification_create"), {**VALID, **changes, "document": _pdf()})
    assert response.status_code == HTTPStatus.OK and error in response.content
    assert not Certification.objects.exists() and stored_files() == before
    assert b'value="Colorado Board of Massage Therapy"' in response.content


def test_certification_create_needs_a_document(client, therapist_owner, owned_therapist):
    client.force_login(therapist_owner)
    response = client.post(reverse("dashboard:certification_create"), VALID)
    assert response.status_code == HTTPStatus.OK and b"This field is required" in response.content
    assert not Certification.objects.exists()


def test_certification_create_stores_a_pending_specialty_certificate(client, therapist_owner, owned_therapist):
    client.force_login(therapist_owner)
    prenatal = Specialty.objects.get(slug="prenatal")
    data = {**VALID, "kind": "specialty", "specialty": prenatal.pk, "expires_on": "", "document": _pdf()}
    response = client.post(reverse("dashboard:certification_create"), data, follow=True)
    assert b"Our verifiers will check it" in response.content
    certification = Certification.objects.get()
    assert (certification.therapist, certification.specialty, certification.status) == (
        owned_therapist,
        prenatal,
        "pending",
    )
    assert certification.expires_on is None and certification.document.name.endswith(".pdf")


@pytest.mark.parametrize("item", [item for item in CORPUS if item.document == corpus.ERROR], ids=lambda item: item.id)
def test_certification_create_refuses_each_hostile_document_it_cannot_clean(
    client, therapist_owner, owned_therapist, stored_files, item
):
    client.force_login(therapist_owner)
    before = stored_files()
    response = client.post(reverse("dashboard:certification_create"), {**VALID, "document": item.upload()})
    assert response.status_code == HTTPStatus.OK
    assert item.document_error in response.content.decode().replace("&#x27;", "'")
    assert not Certification.objects.exists() and stored_files() == before
    # What the therapist typed is still there.
    assert b'value="LMT-42"' in response.content


def _check_download(client, certification) -> None:
    download = client.get(reverse("dashboard:certification_document", args=[certification.pk]))
    assert download.status_code == HTTPStatus.OK
    assert download["Content-Type"] in {"application/pdf", "image/jpeg", "image/png", "image/webp"}
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "item", [item for item in STORED_DOCUMENTS if item.document_extension == ".pdf"], ids=lambda item: item.id
)
def test_certification_create_keeps_a_pdf_as_sent_up_to_its_end_for_download_only(
    client, therapist_owner, owned_therapist, item
):
    client.force_login(therapist_owner)
    response = client.post(reverse("dashboard:certification_create"), {**VALID, "document": item.upload()})
    assert response.status_code == HTTPStatus.FOUND
    certification = Certification.objects.get()
    assert RANDOM_DOCUMENT.match(certification.document.name) and certification.document.name.endswith(".pdf")
    stored = private_storage().open(certification.document.name).read()
    # As sent, less anything after its last %%EOF (an archive appended to make a polyglot).
    assert stored.startswith(b"%PDF-") and item.content.startswith(stored) and stored.rstrip().endswith(b"%%EOF")
    assert b"PK\x03\x04" not in stored and b"<script" not in stored
    _check_download(client, certification)


@pytest.mark.parametrize(
    "item", [item for item in STORED_DOCUMENTS if item.document_extension != ".pdf"], ids=lambda item: item.id
)
def test_certification_create_stores_each_hostile_image_cleaned(client, therapist_owner, owned_therapist, item):
    client.force_login(therapist_owner)
    response = client.post(reverse("dashboard:certification_create"), {**VALID, "document": item.upload()})
    assert response.status_code == HTTPStatus.FOUND
    certification = Certification.objects.get()
    assert RANDOM_DOCUMENT.match(certification.document.name)
    assert certification.document.name.endswith(item.document_extension)
    stored = private_storage().open(certification.document.name).read()
    assert b"<script" not in stored and b"<html" not in stored
    assert_no_metadata(stored)
    _check_download(client, certification)


def test_certification_edit_of_a_verified_one_says_it_waits_again(client, therapist_owner, verifier, certification):
    certification_decide(certification=certification, decided_by=verifier, status="verified")
    client.force_login(therapist_owner)
    url = reverse("dashboard:certification_edit", args=[certification.pk])
    page = client.get(url)
    assert b"If you change it, it waits for our verifiers again" in page.content
    assert b'value="LMT-' in page.content
    data = {**VALID, "credential_number": "LMT-NEW", "issued_on": certification.issued_on.isoformat()}
    data["expires_on"] = certification.expires_on.isoformat()
    response = client.post(url, data, follow=True)
    assert b"waits for verification again" in response.content
    certification.refresh_from_db()
    assert certification.status == "pending" and certification.credential_number == "LMT-NEW"
    assert certification.document, "an edit without a new file keeps the document"
    assert CertificationDecision.objects.filter(status="pending").exists()


def test_certification_edit_keeps_an_expired_date_that_did_not_change(client, therapist_owner, owned_therapist, today):
    old = CertificationFactory(
        therapist=owned_therapist,
        issued_on=today - datetime.timedelta(days=900),
        expires_on=today - datetime.timedelta(days=10),
    )
    client.force_login(therapist_owner)
    data = {
        **VALID,
        "title": "Renamed",
        "issued_on": old.issued_on.isoformat(),
        "expires_on": old.expires_on.isoformat(),
    }
    response = client.post(reverse("dashboard:certification_edit", args=[old.pk]), data)
    assert response.status_code == HTTPStatus.FOUND
    old.refresh_from_db()
    assert old.title == "Renamed"


def test_certification_withdraw_asks_first_then_removes(client, therapist_owner, certification):
    client.force_login(therapist_owner)
    url = reverse("dashboard:certification_withdraw", args=[certification.pk])
    page = client.get(url)
    assert page.status_code == HTTPStatus.OK and b"Withdraw this certification?" in page.content
    assert Certification.objects.filter(pk=certification.pk).exists()
    assert client.post(url).status_code == HTTPStatus.FOUND
    assert not Certification.objects.filter(pk=certification.pk).exists()


# --- the document views ---


def test_certification_document_uses_the_type_its_content_proved(client, therapist_owner, owned_therapist):
    client.force_login(therapist_owner)
    item = next(item for item in CORPUS if item.id == "pdf-named-jpg")
    client.post(reverse("dashboard:certification_create"), {**VALID, "document": item.upload()})
    certification = Certification.objects.get()
    response = client.get(reverse("dashboard:certification_document", args=[certification.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="certification-{certification.pk}.pdf"' in response["Content-Disposition"]


def test_certification_document_preview_shows_images_inline_for_verifiers(client, verifier, owned_therapist):
    document = clean_document(corpus.Hostile("png", "scan.png", corpus.png(), "image/png", "", "").upload())
    certification = certification_submit(
        therapist=owned_therapist,
        details=CertificationDetails(kind="license", title="LMT", issuing_body="Board", region="CO",
                                     issued_on=owned_therapist.created_at.date().replace(year=2020)),
        document=document,
    )  # fmt: skip
    client.force_login(verifier)
    response = client.get(reverse("dashboard:certification_document_preview", args=[certification.pk]))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "image/png"
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("license.pdf", corpus.PDF, "application/pdf"), ("scan.png", corpus.png(), "image/png")],
    ids=["pdf", "image"],
)
def test_certification_document_preview_is_sandboxed_and_never_sniffed(
    client, verifier, owned_therapist, name, content, content_type
):
    """Issue 10, finding 12: the verifier's inline preview of a PDF had no Content-Security-Policy."""
    certification = certification_submit(
        therapist=owned_therapist,
        details=CertificationDetails(kind="license", title="LMT", issuing_body="Board", region="CO",
                                     issued_on=owned_therapist.created_at.date().replace(year=2020)),
        document=clean_document(corpus.Hostile("d", name, content, content_type, "", "").upload()),
    )  # fmt: skip
    client.force_login(verifier)
    response = client.get(reverse("dashboard:certification_document_preview", args=[certification.pk]))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("url_name", "field", "make"),
    [("dashboard:photo", "photo", corpus.jpeg), ("dashboard:certification_create", "document", lambda: corpus.PDF)],
    ids=["photo", "document"],
)
def test_upload_when_every_processing_slot_is_taken_says_try_again(
    client, settings, therapist_owner, owned_therapist, stored_files, url_name, field, make
):
    """Issue 10, finding 6: decoding is bounded per process; a request that waits too long gets a form error."""
    settings.UPLOAD_IMAGE_CONCURRENCY = 1
    settings.UPLOAD_IMAGE_WAIT_SECONDS = 0.05
    client.force_login(therapist_owner)
    before = stored_files()
    data = {**VALID, field: SimpleUploadedFile("upload", make())}
    with image_processing_slot():  # another request of this process is decoding its upload
        response = client.post(reverse(url_name), data)
    assert response.status_code == HTTPStatus.OK
    assert "We are busy processing other uploads" in response.content.decode()
    assert stored_files() == before
    data[field] = SimpleUploadedFile("upload", make())
    assert client.post(reverse(url_name), data).status_code == HTTPStatus.FOUND, "the slot is free again"


def test_certification_create_offers_the_practice_state_for_a_license(client, therapist_owner, owned_therapist):
    client.force_login(therapist_owner)
    response = client.get(reverse("dashboard:certification_create"))
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].fields["region"].initial == owned_therapist.region == "CO"


# --- renewal of an expiring credential (issue 11) ---


@pytest.fixture
def expiring_license(owned_therapist, verifier, today):
    """A verified Colorado license of `owned_therapist` expiring in 10 days: it earns the badge until then."""
    license_ = CertificationFactory(
        therapist=owned_therapist,
        title="Licensed Massage Therapist",
        issuing_body="Colorado Board",
        region="CO",
        credential_number="LMT-7",
        expires_on=today + datetime.timedelta(days=10),
    )
    return certification_decide(certification=license_, decided_by=verifier, status="verified")


def _renewal(**changes):
    return {
        "kind": "license",
        "title": "Licensed Massage Therapist",
        "issuing_body": "Colorado Board",
        "region": "CO",
        "credential_number": "LMT-7",
        "issued_on": "2026-06-01",
        "expires_on": "2028-06-30",
        "document": _pdf(),
        **changes,
    }


def test_dashboard_offers_a_renewal_only_for_a_verified_credential_expiring_soon(
    client, therapist_owner, owned_therapist, expiring_license, today
):
    CertificationFactory(therapist=owned_therapist, status="verified", expires_on=today + datetime.timedelta(days=90))
    client.force_login(therapist_owner)
    html = client.get(reverse("dashboard:home")).content.decode()
    assert html.count("Upload a renewal") == 1
    assert reverse("dashboard:certification_renew", args=[expiring_license.pk]) in html


def test_certification_renew_prefills_what_it_states_and_joins_the_queue_while_the_old_one_counts(
    client, therapist_owner, owned_therapist, expiring_license, today
):
    client.force_login(therapist_owner)
    url = reverse("dashboard:certification_renew", args=[expiring_license.pk])
    form = client.get(url).context["form"]
    assert (form.initial["title"], form.initial["credential_number"], form.initial["region"]) == (
        "Licensed Massage Therapist",
        "LMT-7",
        "CO",
    )
    assert "issued_on" not in form.initial and "expires_on" not in form.initial
    response = client.post(url, _renewal())
    assert response.status_code == HTTPStatus.FOUND, response.content[:2000]
    renewal = Certification.objects.get(renews=expiring_license)
    assert renewal.status == "pending" and renewal.document
    assert Therapist.objects.get(pk=owned_therapist.pk).verified_until == expiring_license.expires_on
    html = client.get(reverse("dashboard:home")).content.decode()
    assert "Upload a renewal" not in html, "one renewal waits at a time"
    assert "Renewal of the one expiring" in html


def test_certification_renew_refuses_an_expiry_that_is_not_later(client, therapist_owner, expiring_license, today):
    client.force_login(therapist_owner)
    url = reverse("dashboard:certification_renew", args=[expiring_license.pk])
    response = client.post(url, _renewal(expires_on=(today + datetime.timedelta(days=5)).isoformat()))
    assert response.status_code == HTTPStatus.OK
    assert "A renewal expires after the credential it renews" in response.content.decode()
    assert not Certification.objects.filter(renews=expiring_license).exists()


def test_certification_renew_refuses_a_credential_not_due(client, therapist_owner, owned_therapist, today):
    later = CertificationFactory(therapist=owned_therapist, status="verified", kind="license", region="CO")
    client.force_login(therapist_owner)
    response = client.post(reverse("dashboard:certification_renew", args=[later.pk]), _renewal())
    assert response.status_code == HTTPStatus.OK and "can be renewed" in response.content.decode()
    assert not Certification.objects.filter(renews=later).exists()


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("therapist_owner", HTTPStatus.OK),
        ("other_therapist_user", HTTPStatus.NOT_FOUND),
        ("client_user", HTTPStatus.NOT_FOUND),
        ("anonymous", HTTPStatus.FOUND),
    ],
)
def test_certification_renew_is_for_the_owner_only(request, client, expiring_license, actor, expected):
    if actor != "anonymous":
        client.force_login(request.getfixturevalue(actor))
    url = reverse("dashboard:certification_renew", args=[expiring_license.pk])
    assert client.get(url).status_code == expected
    response = client.post(url, _renewal())
    assert response.status_code == (HTTPStatus.FOUND if actor == "therapist_owner" else expected)
    if actor == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    assert Certification.objects.filter(renews=expiring_license).exists() == (actor == "therapist_owner")
