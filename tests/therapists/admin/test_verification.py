"""therapists.admin.verification: the queue (order, expiry), change page, bulk actions, who decides, the audit trail."""

import datetime
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from therapists.admin.verification import CertificationAdminForm
from therapists.models import Certification, CertificationDecision, Expiry, Therapist
from therapists.services.certifications import certification_decide, certification_take

from ...factories import CertificationFactory, TherapistFactory
from ..helpers import ACTORS, ADMIN_LOGIN, OK, check_admin_pages_load, check_outcome, registered_on

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:therapists_certification_changelist"
DESK = registered_on("therapists.admin.verification")
DECIDERS = {"verifier", "superuser"}
ADMIN_QUEUE = {actor: OK for actor in ACTORS} | {
    "anonymous": ADMIN_LOGIN,
    "client": ADMIN_LOGIN,
    "other_therapist": ADMIN_LOGIN,
    "owner": ADMIN_LOGIN,
}


def _change_data(certification, **changes):
    data = {
        "kind": certification.kind,
        "title": certification.title,
        "issuing_body": certification.issuing_body,
        "region": certification.region,
        "credential_number": certification.credential_number,
        "specialty": certification.specialty_id or "",
        "issued_on": certification.issued_on.isoformat(),
        "expires_on": certification.expires_on.isoformat() if certification.expires_on else "",
        "decision": "",
        "decision_text": "",
        "decision_reason": "",
        "decisions-TOTAL_FORMS": "0",
        "decisions-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_verification_queue_lists_pending_first_then_oldest_first(client, verifier):
    now = timezone.now()
    decided_old = CertificationFactory(status="verified", created_at=now - datetime.timedelta(days=30))
    pending_new = CertificationFactory(created_at=now - datetime.timedelta(days=1))
    pending_old = CertificationFactory(created_at=now - datetime.timedelta(days=9))
    client.force_login(verifier)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == HTTPStatus.OK
    assert list(response.context["cl"].result_list) == [pending_old, pending_new, decided_old]


def test_verification_queue_filters_by_expiry(client, verifier, today):
    expired = CertificationFactory(issued_on=today - datetime.timedelta(days=900), expires_on=today)
    Certification.objects.filter(pk=expired.pk).update(expires_on=today - datetime.timedelta(days=1))
    soon = CertificationFactory(expires_on=today + datetime.timedelta(days=5))
    CertificationFactory(expires_on=today + datetime.timedelta(days=300))
    client.force_login(verifier)
    for value, expected in (("expired", [expired]), ("soon", [soon])):
        response = client.get(reverse(CHANGELIST), {"expiry": value})
        assert list(response.context["cl"].result_list) == expected


def test_certification_change_page_previews_the_document_and_shows_the_other_credentials(
    client, verifier, certification
):
    other = CertificationFactory(therapist=certification.therapist, title="Prenatal course")
    certification_decide(
        certification=other, decided_by=verifier, status="rejected", note="Blurry", reason="unreadable"
    )
    client.force_login(verifier)
    response = client.get(reverse("admin:therapists_certification_change", args=[certification.pk]))
    html = response.content.decode()
    preview = reverse("dashboard:certification_document_preview", args=[certification.pk])
    assert f'<object data="{preview}" type="application/pdf"' in html
    assert reverse("dashboard:certification_document", args=[certification.pk]) in html
    assert "Prenatal course" in html and "Rejected" in html
    assert "Audit trail of decisions" in html
    assert 'name="decision"' in html and 'name="decision_text"' in html


def test_certification_change_page_policy_lets_only_its_own_preview_be_embedded(client, verifier, certification):
    client.force_login(verifier)
    change = client.get(reverse("admin:therapists_certification_change", args=[certification.pk]))
    changelist = client.get(reverse("admin:therapists_certification_changelist"))
    directives = dict(part.strip().split(" ", 1) for part in change["Content-Security-Policy"].split(";"))
    assert directives["object-src"] == "'self'"
    assert "'unsafe-inline'" not in change["Content-Security-Policy"]
    # Every other page keeps the site's policy, which embeds nothing.
    assert "object-src 'none'" in changelist["Content-Security-Policy"]


def test_certification_change_page_decision_verifies_and_emails(
    client, verifier, certification, django_capture_on_commit_callbacks
):
    client.force_login(verifier)
    url = reverse("admin:therapists_certification_change", args=[certification.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _change_data(certification, decision="verified", decision_text="Board record OK"))
    assert response.status_code == HTTPStatus.FOUND
    certification.refresh_from_db()
    assert certification.status == "verified" and certification.decided_by == verifier
    assert CertificationDecision.objects.get().note == "Board record OK"
    assert Therapist.objects.get(pk=certification.therapist_id).verified_until == certification.expires_on
    assert len(mail.outbox) == 1 and "verified" in mail.outbox[0].subject


def test_certification_change_page_reject_without_a_note_is_a_form_error(client, verifier, certification):
    client.force_login(verifier)
    url = reverse("admin:therapists_certification_change", args=[certification.pk])
    response = client.post(url, _change_data(certification, decision="rejected", decision_reason="unreadable"))
    assert response.status_code == HTTPStatus.OK
    assert b"Say why the certification is rejected" in response.content
    certification.refresh_from_db()
    assert certification.status == "pending" and not CertificationDecision.objects.exists()


def test_certification_change_page_refuses_an_impossible_transition(client, verifier, certification):
    certification_decide(certification=certification, decided_by=verifier, status="verified")
    client.force_login(verifier)
    url = reverse("admin:therapists_certification_change", args=[certification.pk])
    response = client.post(url, _change_data(certification, decision="verified"))
    assert response.status_code == HTTPStatus.OK and b"cannot be marked verified" in response.content


def test_certification_change_page_edit_of_a_verified_one_returns_it_to_pending(client, verifier, certification):
    certification_decide(certification=certification, decided_by=verifier, status="verified")
    client.force_login(verifier)
    url = reverse("admin:therapists_certification_change", args=[certification.pk])
    response = client.post(url, _change_data(certification, credential_number="LMT-CHANGED"))
    assert response.status_code == HTTPStatus.FOUND
    certification.refresh_from_db()
    assert certification.status == "pending" and certification.credential_number == "LMT-CHANGED"
    assert Therapist.objects.get(pk=certification.therapist_id).verified_until is None


def test_certification_change_page_has_no_status_field_to_write(client, superuser, certification):
    client.force_login(superuser)
    url = reverse("admin:therapists_certification_change", args=[certification.pk])
    client.post(url, _change_data(certification, status="verified", decided_by=superuser.pk))
    certification.refresh_from_db()
    assert certification.status == "pending" and certification.decided_by is None


def test_certification_bulk_verify_decides_each_and_reports_what_it_could_not(
    client, verifier, django_capture_on_commit_callbacks
):
    pending = CertificationFactory(therapist=TherapistFactory(owner=None))
    already = CertificationFactory(status="verified")
    client.force_login(verifier)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST),
            {"action": "verify_selected", "_selected_action": [pending.pk, already.pk]},
            follow=True,
        )
    pending.refresh_from_db()
    assert pending.status == "verified"
    text = response.content.decode()
    assert "1 certification verified; the therapist is emailed." in text and "Not verified" in text
    assert CertificationDecision.objects.count() == 1
    assert mail.outbox == [], "a profile without an owner has nobody to email"


def test_certification_bulk_reject_asks_for_a_note_on_an_intermediate_page(client, verifier, certification):
    client.force_login(verifier)
    page = client.post(reverse(CHANGELIST), {"action": "reject_selected", "_selected_action": [certification.pk]})
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert 'name="note"' in html and f'value="{certification.pk}"' in html and str(certification) in html
    certification.refresh_from_db()
    assert certification.status == "pending"

    empty = client.post(
        reverse(CHANGELIST),
        {"action": "reject_selected", "_selected_action": [certification.pk], "apply": "yes", "note": ""},
    )
    assert empty.status_code == HTTPStatus.OK and b"This field is required" in empty.content
    certification.refresh_from_db()
    assert certification.status == "pending"


def test_certification_bulk_reject_with_a_note_rejects_logs_and_emails(
    client, verifier, certification, django_capture_on_commit_callbacks
):
    client.force_login(verifier)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST),
            {
                "action": "reject_selected",
                "_selected_action": [certification.pk],
                "apply": "yes",
                "reason": "not_in_registry",
                "note": "The number is not on the board's register.",
            },
        )
    assert response.status_code == HTTPStatus.FOUND
    certification.refresh_from_db()
    assert certification.status == "rejected"
    assert certification.decision_note == "The number is not on the board's register."
    assert CertificationDecision.objects.get().status == "rejected"
    assert "not on the board" in mail.outbox[0].body


def test_certification_admin_delete_refreshes_the_badge(client, superuser, certification, verifier):
    certification_decide(certification=certification, decided_by=verifier, status="verified")
    client.force_login(superuser)
    url = reverse("admin:therapists_certification_delete", args=[certification.pk])
    assert client.post(url, {"post": "yes"}).status_code == HTTPStatus.FOUND
    assert Therapist.objects.get(pk=certification.therapist_id).verified_until is None


def test_certification_admin_add_goes_through_the_service(client, superuser, owned_therapist):
    client.force_login(superuser)
    data = {
        "therapist": owned_therapist.pk,
        "kind": "license",
        "title": "LMT",
        "issuing_body": "Board",
        "region": "CO",
        "credential_number": "1",
        "specialty": "",
        "issued_on": "2021-01-01",
        "expires_on": "",
        "decision": "verified",
        "decision_text": "",
        "decision_reason": "",
        "decisions-TOTAL_FORMS": "0",
        "decisions-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:therapists_certification_add"), data)
    assert response.status_code == HTTPStatus.FOUND, response.content[:3000]
    certification = Certification.objects.get()
    assert certification.status == "verified"
    assert Therapist.objects.get(pk=owned_therapist.pk).verified_until is not None


@pytest.mark.parametrize("model", DESK, ids=lambda m: m._meta.label)
def test_verification_admin_changelist_and_forms_load(client, superuser, one_of_each, model):
    check_admin_pages_load(client, superuser, model)


def test_verification_admin_shows_certifications_and_their_audit_trail():
    assert DESK == [Certification, CertificationDecision]


def test_certification_admin_form_edits_the_detail_fields_of_a_certification():
    assert CertificationAdminForm._meta.fields == ["therapist", *Certification.DETAIL_FIELDS]


@pytest.mark.parametrize(
    ("expires_in", "state", "listed_under"),
    [
        (-1, Expiry.EXPIRED, {Expiry.EXPIRED}),
        (0, Expiry.SOON, {Expiry.SOON, Expiry.CURRENT}),
        (30, Expiry.SOON, {Expiry.SOON, Expiry.CURRENT}),
        (31, Expiry.CURRENT, {Expiry.CURRENT}),
        (None, Expiry.NEVER, {Expiry.NEVER, Expiry.CURRENT}),
    ],
    ids=["yesterday", "today", "today+30", "today+31", "never"],
)
def test_verification_queue_expiry_column_and_filter_agree(client, verifier, today, expires_in, state, listed_under):
    expires_on = None if expires_in is None else today + datetime.timedelta(days=expires_in)
    certification = CertificationFactory(issued_on=today - datetime.timedelta(days=900), expires_on=expires_on)
    client.force_login(verifier)
    response = client.get(reverse(CHANGELIST))
    assert f'<td class="field-expiry_state">{state.label}</td>' in response.content.decode()
    for value in Expiry.values:
        listed = client.get(reverse(CHANGELIST), {"expiry": value}).context["cl"].result_list
        assert (certification in listed) == (value in listed_under), value


@pytest.mark.parametrize("actor", ACTORS)
def test_verification_queue_and_change_page_are_for_staff_who_may_see_certifications(as_actor, certification, actor):
    client = as_actor(actor)
    changelist = client.get(reverse(CHANGELIST))
    change = client.get(reverse("admin:therapists_certification_change", args=[certification.pk]))
    check_outcome(changelist, ADMIN_QUEUE[actor])
    check_outcome(change, ADMIN_QUEUE[actor])


@pytest.mark.parametrize("actor", [actor for actor, expected in ADMIN_QUEUE.items() if expected == OK])
def test_verification_queue_offers_decisions_to_verifiers_and_superusers_only(as_actor, certification, actor):
    client = as_actor(actor)
    changelist = client.get(reverse(CHANGELIST)).content
    change = client.get(reverse("admin:therapists_certification_change", args=[certification.pk])).content
    decides = actor in DECIDERS
    assert (b"verify_selected" in changelist) == decides and (b"reject_selected" in changelist) == decides
    assert (b'name="decision"' in change) == decides


@pytest.mark.parametrize("actor", ACTORS)
def test_certification_admin_verify_action_is_for_verifiers_and_superusers_only(as_actor, certification, actor):
    as_actor(actor).post(reverse(CHANGELIST), {"action": "verify_selected", "_selected_action": [certification.pk]})
    certification.refresh_from_db()
    assert (certification.status == Certification.Status.VERIFIED) == (actor in DECIDERS)


@pytest.mark.parametrize("actor", ACTORS)
def test_certification_admin_reject_action_is_for_verifiers_and_superusers_only(as_actor, certification, actor):
    as_actor(actor).post(
        reverse(CHANGELIST),
        {
            "action": "reject_selected",
            "_selected_action": [certification.pk],
            "apply": "yes",
            "note": "Unreadable.",
            "reason": "unreadable",
        },
    )
    certification.refresh_from_db()
    assert (certification.status == Certification.Status.REJECTED) == (actor in DECIDERS)


@pytest.mark.parametrize("actor", ACTORS)
def test_certification_admin_change_form_decision_is_for_verifiers_and_superusers_only(as_actor, certification, actor):
    data = {
        "kind": certification.kind,
        "title": certification.title,
        "issuing_body": certification.issuing_body,
        "region": certification.region,
        "credential_number": certification.credential_number,
        "issued_on": certification.issued_on.isoformat(),
        "expires_on": certification.expires_on.isoformat(),
        "decision": "verified",
        "decision_text": "",
        "decision_reason": "",
        "decisions-TOTAL_FORMS": "0",
        "decisions-INITIAL_FORMS": "0",
    }
    as_actor(actor).post(reverse("admin:therapists_certification_change", args=[certification.pk]), data)
    certification.refresh_from_db()
    assert (certification.status == Certification.Status.VERIFIED) == (actor in DECIDERS)


def test_certification_decision_admin_refuses_add_and_delete(client, superuser, one_of_each):
    client.force_login(superuser)
    decision = CertificationDecision.objects.get()
    assert client.get(reverse("admin:therapists_certificationdecision_add")).status_code == HTTPStatus.FORBIDDEN
    url = reverse("admin:therapists_certificationdecision_delete", args=[decision.pk])
    assert client.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert CertificationDecision.objects.filter(pk=decision.pk).exists()


@pytest.mark.parametrize("actor", sorted(DECIDERS))
def test_certification_decision_admin_cannot_be_changed_or_deleted_even_by_verifiers(as_actor, certification, actor):
    client = as_actor(actor)
    entry = CertificationDecision.objects.create(
        certification=certification, certification_label=str(certification), status="verified"
    )
    assert client.get(reverse("admin:therapists_certificationdecision_changelist")).status_code == HTTPStatus.OK
    delete = reverse("admin:therapists_certificationdecision_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    change = reverse("admin:therapists_certificationdecision_change", args=[entry.pk])
    client.post(change, {"note": "rewritten", "status": "rejected"})
    entry.refresh_from_db()
    assert entry.note == "" and entry.status == "verified"


def test_certification_bulk_verify_message_is_plural_for_several(client, verifier, django_capture_on_commit_callbacks):
    pending = CertificationFactory.create_batch(2)
    client.force_login(verifier)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST), {"action": "verify_selected", "_selected_action": [c.pk for c in pending]}, follow=True
        )
    assert "2 certifications verified; the therapists are emailed." in response.content.decode()


def test_verification_queue_shows_dates_in_the_site_format(client, verifier, certification):
    expiring = datetime.date(2031, 11, 24)
    other = CertificationFactory(therapist=certification.therapist, title="Prenatal course")
    Certification.objects.filter(pk__in=[certification.pk, other.pk]).update(expires_on=expiring)
    client.force_login(verifier)
    changelist = client.get(reverse(CHANGELIST)).content.decode()
    change = client.get(reverse("admin:therapists_certification_change", args=[certification.pk])).content.decode()
    shown = date_format(expiring, "DATE_FORMAT")
    assert shown == "Nov. 24, 2031"  # Django's en-us format: settings.DATE_FORMAT does not override a locale's
    assert f'<td class="field-expires_on nowrap">{shown}</td>' in changelist and "2031-11-24" not in changelist
    assert f"Prenatal course</a> — {other.issuing_body} · {other.get_status_display()} · expires {shown}</li>" in change


# --- the desk: take/release, age, the "taken" filter, expired items, reasons (issue 11) ---


def test_verification_queue_shows_each_pending_items_age(client, verifier, today):
    CertificationFactory(created_at=timezone.now() - datetime.timedelta(days=3, hours=2))
    CertificationFactory(created_at=timezone.now() - datetime.timedelta(hours=5))
    CertificationFactory(created_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(verifier)
    html = client.get(reverse(CHANGELIST)).content.decode()
    for shown in ("3 days", "1 day", "5 hours"):
        assert f'<td class="field-age">{shown}</td>' in html


def test_verification_queue_take_action_then_filter_by_who_holds_it(client, verifier, superuser, today):
    mine, others, free = CertificationFactory.create_batch(3)
    client.force_login(verifier)
    client.post(reverse(CHANGELIST), {"action": "take_selected", "_selected_action": [mine.pk]})
    certification_take(certification=others, verifier=superuser)
    listed = {
        state: list(client.get(reverse(CHANGELIST), {"taken": state}).context["cl"].result_list)
        for state in ("mine", "others", "free")
    }
    assert listed == {"mine": [mine], "others": [others], "free": [free]}
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert "Taken by verifier-user since" in html and "Taken by root since" in html


def test_verification_queue_take_refused_names_the_holder(client, verifier, superuser, today):
    certification = CertificationFactory()
    certification_take(certification=certification, verifier=superuser)
    client.force_login(verifier)
    response = client.post(
        reverse(CHANGELIST), {"action": "take_selected", "_selected_action": [certification.pk]}, follow=True
    )
    assert "Not taken" in response.content.decode() and "Already taken by root since" in response.content.decode()
    certification.refresh_from_db()
    assert certification.claimed_by == superuser


def test_verification_queue_release_action_frees_own_item(client, verifier, today):
    certification = CertificationFactory()
    certification_take(certification=certification, verifier=verifier)
    client.force_login(verifier)
    client.post(reverse(CHANGELIST), {"action": "release_selected", "_selected_action": [certification.pk]})
    certification.refresh_from_db()
    assert certification.claimed_by is None


def test_certification_change_page_refuses_a_decision_on_an_item_another_holds(
    client, verifier, superuser, certification, today
):
    certification_take(certification=certification, verifier=superuser)
    client.force_login(verifier)
    url = reverse("admin:therapists_certification_change", args=[certification.pk])
    response = client.post(url, _change_data(certification, decision="verified"))
    assert response.status_code == HTTPStatus.OK
    assert "Taken by root since" in response.content.decode() and "ask them or release it" in response.content.decode()
    certification.refresh_from_db()
    assert certification.status == "pending" and not CertificationDecision.objects.exists()


def test_certification_change_page_reject_needs_a_reason(client, verifier, certification):
    client.force_login(verifier)
    url = reverse("admin:therapists_certification_change", args=[certification.pk])
    response = client.post(url, _change_data(certification, decision="rejected", decision_text="Blurry."))
    assert response.status_code == HTTPStatus.OK and b"Pick the reason for the rejection" in response.content
    response = client.post(
        url, _change_data(certification, decision="rejected", decision_text="Blurry.", decision_reason="unreadable")
    )
    assert response.status_code == HTTPStatus.FOUND
    assert CertificationDecision.objects.get().reason == "unreadable"


def test_certification_bulk_verify_refuses_expired_items_and_says_which(client, verifier, today):
    current = CertificationFactory(therapist=TherapistFactory(owner=None))
    expired = CertificationFactory(
        therapist=TherapistFactory(owner=None, name="Ed Expired"),
        title="Old license",
        issued_on=today - datetime.timedelta(days=800),
        expires_on=today - datetime.timedelta(days=2),
    )
    client.force_login(verifier)
    response = client.post(
        reverse(CHANGELIST), {"action": "verify_selected", "_selected_action": [current.pk, expired.pk]}, follow=True
    )
    shown = date_format(expired.expires_on, "DATE_FORMAT")
    assert f"Not verified: Old license (Ed Expired) expired on {shown}" in response.content.decode()
    current.refresh_from_db(), expired.refresh_from_db()
    assert (current.status, expired.status) == ("verified", "pending")


def test_certification_bulk_reject_page_asks_for_a_reason(client, verifier, certification):
    client.force_login(verifier)
    data = {"action": "reject_selected", "_selected_action": [certification.pk], "apply": "yes", "note": "Blurry."}
    page = client.post(reverse(CHANGELIST), data)
    assert page.status_code == HTTPStatus.OK and b'name="reason"' in page.content
    assert b"The document is unreadable or incomplete" in page.content
    certification.refresh_from_db()
    assert certification.status == "pending"


def test_certification_change_page_take_and_release_buttons(client, verifier, superuser, certification, today):
    client.force_login(verifier)
    change = reverse("admin:therapists_certification_change", args=[certification.pk])
    take = reverse("admin:therapists_certification_take", args=[certification.pk])
    assert f'formaction="{take}"' in client.get(change).content.decode()
    response = client.post(take, follow=True)
    assert "You hold this item now." in response.content.decode()
    assert "Taken by verifier-user since" in response.content.decode()
    client.force_login(superuser)
    refused = client.post(take, follow=True)
    assert "Already taken by verifier-user since" in refused.content.decode()
    client.post(reverse("admin:therapists_certification_release", args=[certification.pk]))
    certification.refresh_from_db()
    assert certification.claimed_by is None, "a superuser may release anyone's item"


@pytest.mark.parametrize("actor", ACTORS)
def test_certification_take_url_is_for_verifiers_and_superusers_only(as_actor, certification, actor):
    as_actor(actor).post(reverse("admin:therapists_certification_take", args=[certification.pk]))
    certification.refresh_from_db()
    assert (certification.claimed_by_id is not None) == (actor in DECIDERS)
