"""reviews.invitations and its pages: one invitation per visit that took place, its token, the verified review it
writes, the 4xx of every link that cannot be used, the account's list, the labels and counts on the profile."""

import datetime
import hashlib
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import AppointmentRequest
from reviews import invitations, services
from reviews.models import Review, ReviewInvitation
from therapists.models import Therapist

from ..appointments.helpers import request_in
from ..factories import ReviewFactory, TherapistFactory, UserFactory
from ..therapists.helpers import LOGIN, check_outcome
from .helpers import client_account, review_content, review_form_data
from .test_selectors import PROFILE_QUERIES

pytestmark = pytest.mark.django_db

Status = AppointmentRequest.Status
# 2026-06-03 16:00 UTC: 10:00 in Denver, where the factories' therapists practise (a June visit either way).
VISIT_AT = datetime.datetime(2026, 6, 3, 16, 0, tzinfo=datetime.UTC)


@pytest.fixture
def visit(today, reviewed_therapist, review_author):
    """Ana's visit to Lena on 3 June 2026 that took place (the clock: 15 June 2026)."""
    return request_in(Status.HELD, client=review_author, therapist=reviewed_therapist, agreed_at=VISIT_AT)


@pytest.fixture
def issued(visit) -> invitations.IssuedInvitation:
    return invitations.invitation_issue(visit=visit)


def _form(**overrides) -> dict:
    data = review_form_data(**overrides)
    data.pop("visit_month")
    return data


def _stored(review: Review) -> Therapist:
    return Therapist.objects.get(pk=review.therapist_id)


# --- issuing ---


def test_an_invitation_keeps_only_the_hash_of_a_token_of_at_least_128_random_bits(issued, visit, review_author):
    invitation = ReviewInvitation.objects.get()
    # token_urlsafe(32): 32 random bytes, 43 URL-safe characters of 6 bits.
    assert len(issued.token) >= 43 and invitations.TOKEN_BYTES * 8 >= 128
    assert invitation.token_hash == hashlib.sha256(issued.token.encode()).hexdigest() != issued.token
    assert issued.token not in str(ReviewInvitation.objects.values().get().values())
    assert (invitation.visit, invitation.client, invitation.therapist) == (visit, review_author, visit.therapist)
    assert invitation.expires_at == invitation.created_at + datetime.timedelta(days=60)
    assert invitation.used_at is None


def test_every_token_is_new(visit, reviewed_therapist, review_author):
    second = request_in(Status.HELD, client=review_author, therapist=reviewed_therapist, agreed_at=VISIT_AT)
    tokens = {invitations.invitation_issue(visit=v).token for v in (visit, second)}
    assert len(tokens) == 2 and ReviewInvitation.objects.count() == 2


def test_a_visit_invites_once_and_only_when_it_took_place(issued, visit, reviewed_therapist, review_author):
    assert invitations.invitation_issue(visit=visit) is None
    missed = request_in(Status.NO_SHOW, client=review_author, therapist=reviewed_therapist, agreed_at=VISIT_AT)
    assert invitations.invitation_issue(visit=missed) is None
    assert list(ReviewInvitation.objects.values_list("visit", flat=True)) == [visit.pk]


def test_the_invitation_email_carries_the_link_with_the_token(visit, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issued = invitations.invitation_issue(visit=visit)
    (email,) = mailoutbox
    assert email.to == [visit.client.email]
    assert email.subject == "How was your visit with Lena Ortiz?"
    assert f"/reviews/invite/{issued.token}/" in email.body
    assert "Verified client" in email.body


# --- opening a link ---


def test_a_link_opens_for_its_client_only_and_says_why_not_otherwise(issued, review_author, other_client):
    assert invitations.invitation_for_token(token=issued.token, user=review_author) == issued.invitation
    cases = [("forged-" + issued.token, review_author, "unknown"), (issued.token, other_client, "not_yours")]
    for token, user, code in cases:
        with pytest.raises(ValidationError) as excinfo:
            invitations.invitation_for_token(token=token, user=user)
        assert excinfo.value.code == code


def test_a_used_or_expired_invitation_is_refused_for_what_it_was(issued, review_author, time_machine):
    time_machine.move_to(issued.invitation.expires_at, tick=False)
    with pytest.raises(ValidationError, match="expired on 14 August 2026") as excinfo:
        invitations.invitation_for_token(token=issued.token, user=review_author)
    assert excinfo.value.code == "expired"
    ReviewInvitation.objects.update(used_at=timezone.now(), expires_at=timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as excinfo:
        invitations.invitation_for_token(token=issued.token, user=review_author)
    assert excinfo.value.code == "used"


# --- writing the review ---


def test_the_invited_review_rests_on_the_visit_and_uses_the_invitation(issued, review_author, reviewed_therapist):
    review = invitations.review_create_from_invitation(
        invitation=issued.invitation,
        author=review_author,
        content=review_content(visit_month=datetime.date(2025, 1, 1)),
    )
    assert review.visit == issued.invitation.visit
    assert review.visit_month == datetime.date(2026, 6, 1)  # the visit's month, whatever the form said
    assert ReviewInvitation.objects.get().used_at == timezone.now()
    stored = _stored(review)
    assert (stored.review_count, stored.verified_review_count) == (1, 1)


def test_an_invitation_writes_one_review_then_answers_used(issued, review_author):
    invitations.review_create_from_invitation(
        invitation=issued.invitation, author=review_author, content=review_content()
    )
    with pytest.raises(ValidationError) as excinfo:
        invitations.review_create_from_invitation(
            invitation=issued.invitation, author=review_author, content=review_content(title="Second try")
        )
    assert excinfo.value.code == "used"
    assert list(Review.objects.values_list("title", flat=True)) == ["Eased my lower back"]


def test_nobody_else_writes_a_review_through_it(issued, other_client):
    with pytest.raises(ValidationError) as excinfo:
        invitations.review_create_from_invitation(
            invitation=issued.invitation, author=other_client, content=review_content()
        )
    assert excinfo.value.code == "not_yours"
    assert (Review.objects.count(), ReviewInvitation.objects.get().used_at) == (0, None)


def test_a_refused_review_leaves_the_invitation_unused(issued, review_author, reviewed_therapist):
    Therapist.objects.filter(pk=reviewed_therapist.pk).update(status=Therapist.Status.SUSPENDED)
    with pytest.raises(ValidationError) as excinfo:
        invitations.review_create_from_invitation(
            invitation=issued.invitation, author=review_author, content=review_content()
        )
    assert excinfo.value.code == "not_public"
    assert (Review.objects.count(), ReviewInvitation.objects.get().used_at) == (0, None)


def test_an_earlier_review_is_edited_through_the_invitation_and_becomes_verified(
    issued, review_author, reviewed_therapist
):
    earlier = services.review_create(
        therapist=reviewed_therapist, author=review_author, content=review_content(rating=2, title="Before")
    )
    assert (earlier.visit, _stored(earlier).verified_review_count) == (None, 0)
    review = invitations.review_create_from_invitation(
        invitation=issued.invitation, author=review_author, content=review_content(rating=5, title="After")
    )
    assert review.pk == earlier.pk and Review.objects.count() == 1
    stored = Review.objects.get()
    assert (stored.visit, stored.rating, stored.title, stored.edited_at) == (
        issued.invitation.visit,
        5,
        "After",
        timezone.now(),
    )
    therapist = _stored(review)
    assert (therapist.review_count, therapist.verified_review_count, therapist.rating_avg) == (1, 1, 5)


def test_a_verified_review_stops_counting_when_hidden(issued, review_author, moderator):
    review = invitations.review_create_from_invitation(
        invitation=issued.invitation, author=review_author, content=review_content()
    )
    services.review_hide(review=review, moderator=moderator)
    assert (_stored(review).review_count, _stored(review).verified_review_count) == (0, 0)


# --- the pages ---


def _token_url(issued) -> str:
    return reverse("reviews:invitation_token", args=[issued.token])


def _id_url(issued) -> str:
    return reverse("reviews:invitation", args=[issued.invitation.pk])


def test_the_link_shows_the_form_for_the_visits_therapist(client, issued, review_author):
    client.force_login(review_author)
    for url in (_token_url(issued), _id_url(issued)):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        page = response.content.decode()
        assert "Review your visit with Lena Ortiz" in page and "Visited in June 2026." in page
        assert 'name="visit_month"' not in page
        assert response["Cache-Control"].startswith("max-age=0")


def test_posting_the_form_publishes_a_verified_review_on_the_profile(client, issued, review_author, reviewed_therapist):
    client.force_login(review_author)
    response = client.post(_token_url(issued), _form(title="Truly eased my back"))
    review = Review.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reviewed_therapist.get_absolute_url()}#review-{review.pk}"
    profile = client.get(reviewed_therapist.get_absolute_url()).content.decode()
    assert "Truly eased my back" in profile
    assert "Verified client</span> · visited June 2026" in profile
    assert "1 from verified clients · 0 other" in profile


def test_a_bad_form_answers_400_and_keeps_what_was_typed(client, issued, review_author):
    client.force_login(review_author)
    response = client.post(_token_url(issued), _form(rating="9", title="Kept title"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Choose a rating from 1 to 5." in response.content.decode()
    assert 'value="Kept title"' in response.content.decode()
    assert (Review.objects.count(), ReviewInvitation.objects.get().used_at) == (0, None)


@pytest.mark.parametrize(
    ("case", "status"),
    [("forged", HTTPStatus.NOT_FOUND), ("someone_else", HTTPStatus.FORBIDDEN), ("used", HTTPStatus.GONE),
     ("expired", HTTPStatus.GONE)],
)  # fmt: skip
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_that_cannot_be_used_answers_its_4xx_and_saves_nothing(
    client, issued, review_author, other_client, time_machine, case, status, method
):
    token, user = issued.token, review_author
    if case == "forged":
        token = token[:-4] + "AAAA"
    elif case == "someone_else":
        user = other_client
    elif case == "used":
        ReviewInvitation.objects.update(used_at=timezone.now())
    else:
        time_machine.move_to(issued.invitation.expires_at + datetime.timedelta(seconds=1), tick=False)
    client.force_login(user)
    response = getattr(client, method)(reverse("reviews:invitation_token", args=[token]), _form())
    assert response.status_code == status
    assert "This invitation cannot be used" in response.content.decode()
    assert Review.objects.count() == 0


def test_a_refused_review_through_the_form_keeps_what_was_typed_under_its_status(
    client, issued, review_author, reviewed_therapist
):
    client.force_login(review_author)
    Therapist.objects.filter(pk=reviewed_therapist.pk).update(status=Therapist.Status.SUSPENDED)
    response = client.post(_token_url(issued), _form(title="Kept title"))
    assert response.status_code == HTTPStatus.CONFLICT
    assert 'value="Kept title"' in response.content.decode()
    assert ReviewInvitation.objects.get().used_at is None


ROLES = ["anonymous", "client", "other_client", "owner", "other_therapist", "staff", "moderator", "superuser"]


@pytest.fixture
def people(review_author, other_client, reviewed_owner, moderator, superuser):
    other_therapist = client_account(username="other-therapist")
    TherapistFactory(owner=other_therapist)
    return {
        "anonymous": None, "client": review_author, "other_client": other_client, "owner": reviewed_owner,
        "other_therapist": other_therapist, "staff": UserFactory(username="plain-staff", is_staff=True),
        "moderator": moderator, "superuser": superuser,
    }  # fmt: skip


# By the token only the invited client writes; anyone else signed in is told it is not theirs (403). By its id,
# the invitation of someone else is simply not found (404). Anonymous visitors log in first.
MATRIX = {
    "token": {role: HTTPStatus.FORBIDDEN for role in ROLES} | {"anonymous": LOGIN, "client": HTTPStatus.OK},
    "id": {role: HTTPStatus.NOT_FOUND for role in ROLES} | {"anonymous": LOGIN, "client": HTTPStatus.OK},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", MATRIX)
def test_who_may_open_and_use_an_invitation(client, issued, people, route, role):
    if people[role] is not None:
        client.force_login(people[role])
    url = _token_url(issued) if route == "token" else _id_url(issued)
    check_outcome(client.get(url), MATRIX[route][role])
    posted = client.post(url, _form())
    expected = MATRIX[route][role]
    check_outcome(posted, HTTPStatus.FOUND if expected == HTTPStatus.OK else expected)
    assert Review.objects.filter(visit__isnull=False).count() == (1 if role == "client" else 0)


def test_the_form_needs_the_csrf_token(issued, review_author):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(review_author)
    assert csrf_client.post(_token_url(issued), _form()).status_code == HTTPStatus.FORBIDDEN
    assert Review.objects.count() == 0


# --- the account and the profile ---


def test_the_account_lists_open_invitations_with_a_link_that_needs_no_token(
    client, issued, review_author, reviewed_therapist, time_machine
):
    used_visit = request_in(
        Status.HELD, client=review_author, therapist=TherapistFactory(name="Used One"), agreed_at=VISIT_AT
    )
    ReviewInvitation.objects.filter(pk=invitations.invitation_issue(visit=used_visit).invitation.pk).update(
        used_at=timezone.now()
    )
    client.force_login(review_author)
    page = client.get(reverse("account")).content.decode()
    assert "Invitations to review" in page
    assert f'href="{_id_url(issued)}"' in page and "Write your review" in page
    assert "Lena Ortiz</strong> · visited June 2026" in page
    assert "Used One" not in page and issued.token not in page
    ReviewInvitation.objects.filter(pk=issued.invitation.pk).update(expires_at=timezone.now())
    assert "No invitation to review waits for you." in client.get(reverse("account")).content.decode()


def _invite(client_user, name: str) -> None:
    held = request_in(Status.HELD, client=client_user, therapist=TherapistFactory(name=name), agreed_at=VISIT_AT)
    invitations.invitation_issue(visit=held)


def test_the_account_reads_the_invitations_in_one_query_however_many(
    client, review_author, django_assert_num_queries, today
):
    client.force_login(review_author)
    _invite(review_author, "One")
    client.get(reverse("account"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("account"))
    invitation_queries = [query for query in one.captured_queries if "reviews_reviewinvitation" in query["sql"]]
    assert len(invitation_queries) == 1  # the therapist and the visit joined in
    for name in ("Two", "Three", "Four"):
        _invite(review_author, name)
    with django_assert_num_queries(len(one)):
        page = client.get(reverse("account")).content.decode()
    assert page.count("Write your review") == 4


def test_the_profile_labels_each_review_by_where_it_comes_from_and_counts_both(
    client, issued, review_author, reviewed_therapist
):
    invitations.review_create_from_invitation(
        invitation=issued.invitation, author=review_author, content=review_content(title="Came through the site")
    )
    services.review_create(
        therapist=reviewed_therapist, author=client_account(username="walk-in"), content=review_content(title="Other")
    )
    page = client.get(reviewed_therapist.get_absolute_url()).content.decode()
    assert page.count("Verified client</span> · visited June 2026") == 1
    assert page.count("Not verified as a visit booked here") == 1
    assert "1 from verified clients · 1 other" in page


def test_the_profile_runs_the_same_exact_queries_with_verified_reviews_for_1_and_50(
    client, page_queries, reviewed_therapist, reviewed_owner, today
):
    client.force_login(reviewed_owner)

    def add_verified(count: int) -> None:
        for _ in range(count):
            author = client_account()
            held = request_in(Status.HELD, client=author, therapist=reviewed_therapist, agreed_at=VISIT_AT)
            ReviewFactory(
                therapist=reviewed_therapist, author=author, visit=held, visit_month=datetime.date(2026, 6, 1)
            )
        services.refresh_aggregates(therapist_id=reviewed_therapist.pk)

    add_verified(1)
    one = page_queries(reviewed_therapist.get_absolute_url(), PROFILE_QUERIES)
    add_verified(49)
    fifty = page_queries(reviewed_therapist.get_absolute_url(), PROFILE_QUERIES)
    assert one.content.decode().count("Verified client</span>") == 1
    assert fifty.content.decode().count("Verified client</span>") == len(fifty.context["reviews_page"]) == 10
    assert "50 from verified clients · 0 other" in fifty.content.decode()
