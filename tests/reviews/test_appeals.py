"""Removals with a reason the author is told, and the author's one appeal, decided by a moderator."""

from http import HTTPStatus

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reviews import appeals, services
from reviews.models import Review, ReviewAppeal

from ..factories import ReviewFactory, TherapistFactory, UserFactory
from .helpers import assert_aggregates_exact, client_account, review_content

pytestmark = pytest.mark.django_db

STATEMENT = "I was a client in March; the booking confirmation is in my inbox."
NOTE = "Posted from the therapist's own network."


@pytest.fixture
def removed_review(published_review, moderator, django_capture_on_commit_callbacks):
    """The published review, removed as fake with a note (the author's email already sent and cleared)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.review_hide(
            review=published_review, moderator=moderator, reason=NOTE, removal_reason=Review.RemovalReason.FAKE
        )
    mail.outbox.clear()
    return published_review


@pytest.fixture
def appeal(removed_review, review_author):
    return appeals.appeal_create(review=removed_review, author=review_author, statement=STATEMENT)


# Removal with a reason


def test_review_hide_keeps_the_reason_and_emails_the_author_why(
    published_review, moderator, review_author, reviewed_therapist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.review_hide(
            review=published_review, moderator=moderator, reason=NOTE, removal_reason=Review.RemovalReason.CONFLICT
        )
    published_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert (published_review.is_hidden, published_review.removal_reason, published_review.hidden_reason) == (
        True,
        Review.RemovalReason.CONFLICT,
        NOTE,
    )
    assert reviewed_therapist.review_count == 0
    [message] = mail.outbox
    assert message.to == [review_author.email]
    assert message.subject == "Your review of Lena Ortiz was removed"
    assert "Why: Written by someone connected to the therapist" in message.body
    assert f"The moderator's note: {NOTE}" in message.body
    assert "http://localhost:8000/accounts/" in message.body and "appeal once" in message.body


def test_review_hide_twice_emails_once(removed_review, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.review_hide(review=removed_review, moderator=moderator, removal_reason=Review.RemovalReason.OTHER)
    removed_review.refresh_from_db()
    assert mail.outbox == [] and removed_review.removal_reason == Review.RemovalReason.FAKE


def test_review_restore_clears_the_removal_reason(removed_review, moderator, reviewed_therapist):
    services.review_restore(review=removed_review, moderator=moderator)
    removed_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert (removed_review.is_hidden, removed_review.removal_reason, removed_review.hidden_reason) == (False, "", "")
    assert reviewed_therapist.review_count == 1


def test_review_hide_refuses_an_unknown_reason_and_changes_nothing(published_review, moderator, reviewed_therapist):
    with pytest.raises(ValidationError) as caught:
        services.review_hide(review=published_review, moderator=moderator, removal_reason="dislike")
    assert "removal_reason" in caught.value.message_dict
    published_review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert not published_review.is_hidden and reviewed_therapist.review_count == 1
    assert_aggregates_exact(reviewed_therapist.pk)


def test_review_remove_held_keeps_the_reason(reviewed_therapist, moderator, django_capture_on_commit_callbacks):
    held = ReviewFactory(therapist=reviewed_therapist, is_held=True, held_reason=Review.HoldReason.BURST)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_remove_held(review=held, moderator=moderator, removal_reason=Review.RemovalReason.OFFENSIVE)
    held.refresh_from_db()
    assert (held.is_held, held.is_hidden, held.removal_reason) == (False, True, Review.RemovalReason.OFFENSIVE)
    assert held.published_at is None
    assert [m.to for m in mail.outbox] == [[held.author.email]]


NOT_MODERATORS = ["review_author", "reviewed_owner", "other_client", "staff_without_permission"]


def _person(request, role):
    if role == "staff_without_permission":
        return UserFactory(is_staff=True)
    return request.getfixturevalue(role)


@pytest.mark.parametrize("role", NOT_MODERATORS)
def test_only_moderators_hide_or_remove_a_review(request, role, published_review, reviewed_therapist):
    person = _person(request, role)
    held = ReviewFactory(therapist=reviewed_therapist, is_held=True, held_reason=Review.HoldReason.BURST)
    with pytest.raises(PermissionDenied):
        services.review_hide(review=published_review, moderator=person, removal_reason=Review.RemovalReason.FAKE)
    with pytest.raises(PermissionDenied):
        services.review_remove_held(review=held, moderator=person, removal_reason=Review.RemovalReason.FAKE)
    published_review.refresh_from_db()
    held.refresh_from_db()
    assert published_review.is_visible() and held.is_held and not held.is_hidden


# Appeal once


def test_appeal_create_by_the_author_of_a_removed_review_waits_for_a_moderator(appeal, removed_review, review_author):
    assert (appeal.review, appeal.author, appeal.outcome) == (removed_review, review_author, "pending")
    assert appeal.statement == STATEMENT and appeal.decided_at is None


def test_appeal_create_a_second_time_is_refused_and_saves_nothing(appeal, removed_review, review_author):
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_create(review=removed_review, author=review_author, statement=STATEMENT + " Again.")
    assert caught.value.code == "appealed"
    assert ReviewAppeal.objects.get().statement == STATEMENT


@pytest.mark.parametrize("role", ["other_client", "reviewed_owner", "moderator"])
def test_appeal_create_by_anyone_but_the_author_is_refused(request, role, removed_review):
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_create(review=removed_review, author=request.getfixturevalue(role), statement=STATEMENT)
    assert caught.value.code == "not_author"
    assert not ReviewAppeal.objects.exists()


def test_appeal_create_on_a_shown_review_is_refused(published_review, review_author):
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_create(review=published_review, author=review_author, statement=STATEMENT)
    assert caught.value.code == "not_removed"
    assert not ReviewAppeal.objects.exists()


def test_appeal_create_on_a_held_review_is_refused(reviewed_therapist):
    held = ReviewFactory(therapist=reviewed_therapist, is_held=True, held_reason=Review.HoldReason.BURST)
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_create(review=held, author=held.author, statement=STATEMENT)
    assert caught.value.code == "not_removed"


def test_appeal_create_refuses_a_short_statement(removed_review, review_author):
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_create(review=removed_review, author=review_author, statement="   Unfair.  ")
    assert "statement" in caught.value.message_dict
    assert not ReviewAppeal.objects.exists()


def test_appeal_create_sees_a_restore_made_since_the_page_was_read(removed_review, review_author, moderator):
    stale = Review.objects.get(pk=removed_review.pk)
    services.review_restore(review=removed_review, moderator=moderator)
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_create(review=stale, author=review_author, statement=STATEMENT)
    assert caught.value.code == "not_removed"
    assert not ReviewAppeal.objects.exists()


# A moderator decides


def test_appeal_reinstated_shows_and_counts_the_review_and_emails_the_author(
    appeal, moderator, reviewed_therapist, review_author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_decide(appeal=appeal, moderator=moderator, outcome="reinstated", note="Booking confirmed.")
    appeal.refresh_from_db()
    review = appeal.review
    review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert (appeal.outcome, appeal.decided_by, appeal.decision_note) == ("reinstated", moderator, "Booking confirmed.")
    assert appeal.decided_at is not None
    assert review.is_visible() and review.removal_reason == ""
    assert reviewed_therapist.review_count == 1
    assert_aggregates_exact(reviewed_therapist.pk)
    [message] = mail.outbox
    assert message.to == [review_author.email]
    assert message.subject == "Your review of Lena Ortiz is shown again"
    assert "the review is reinstated" in message.body and "Booking confirmed." in message.body


def test_appeal_upheld_keeps_the_review_off_and_emails_the_note(
    appeal, moderator, reviewed_therapist, review_author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_decide(appeal=appeal, moderator=moderator, outcome="upheld", note="Same network as the owner.")
    appeal.refresh_from_db()
    appeal.review.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert appeal.outcome == "upheld" and appeal.review.is_hidden
    assert reviewed_therapist.review_count == 0
    [message] = mail.outbox
    assert message.to == [review_author.email]
    assert "the removal is upheld" in message.body and "Same network as the owner." in message.body


def test_appeal_upheld_needs_a_note(appeal, moderator):
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_decide(appeal=appeal, moderator=moderator, outcome="upheld", note="  ")
    assert caught.value.code == "note_required"
    appeal.refresh_from_db()
    assert appeal.outcome == "pending"


@pytest.mark.parametrize("outcome", ["pending", "deleted", ""])
def test_appeal_decide_refuses_an_unknown_outcome(appeal, moderator, outcome):
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_decide(appeal=appeal, moderator=moderator, outcome=outcome, note="x")
    assert caught.value.code == "invalid_outcome"


def test_appeal_decided_once(appeal, moderator, reviewed_therapist):
    appeals.appeal_decide(appeal=appeal, moderator=moderator, outcome="upheld", note="Stands.")
    stale = ReviewAppeal.objects.get(pk=appeal.pk)
    stale.outcome = "pending"  # as a second moderator's page still shows it
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_decide(appeal=stale, moderator=moderator, outcome="reinstated")
    assert caught.value.code == "decided"
    appeal.refresh_from_db()
    appeal.review.refresh_from_db()
    assert appeal.outcome == "upheld" and appeal.review.is_hidden


def test_appeal_upheld_refused_once_the_review_shows_again(appeal, moderator):
    services.review_restore(review=appeal.review, moderator=moderator)
    with pytest.raises(ValidationError) as caught:
        appeals.appeal_decide(appeal=appeal, moderator=moderator, outcome="upheld", note="Stands.")
    assert caught.value.code == "not_removed"


@pytest.mark.parametrize("role", NOT_MODERATORS)
def test_appeal_decided_only_by_moderators(request, role, appeal):
    with pytest.raises(PermissionDenied):
        appeals.appeal_decide(appeal=appeal, moderator=_person(request, role), outcome="reinstated")
    appeal.refresh_from_db()
    appeal.review.refresh_from_db()
    assert appeal.outcome == "pending" and appeal.review.is_hidden


# The appeal page and the account page


def _appeal_url(review) -> str:
    return reverse("reviews:appeal", kwargs={"pk": review.pk})


# Who may appeal over the site: the author only; anyone else is refused before anything is read or saved.
APPEAL_ROLES = {
    "anonymous": "login",
    "review_author": HTTPStatus.FOUND,
    "other_client": HTTPStatus.FORBIDDEN,
    "reviewed_owner": HTTPStatus.FORBIDDEN,
    "staff_without_permission": HTTPStatus.FORBIDDEN,
    "moderator": HTTPStatus.FORBIDDEN,
    "superuser": HTTPStatus.FORBIDDEN,
}


@pytest.mark.parametrize("role", APPEAL_ROLES)
def test_appeal_page_permissions(client, request, role, removed_review):
    if role != "anonymous":
        client.force_login(_person(request, role))
    response = client.post(_appeal_url(removed_review), {"statement": STATEMENT})
    if APPEAL_ROLES[role] == "login":
        assert response.status_code == HTTPStatus.FOUND and response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == APPEAL_ROLES[role]
    assert ReviewAppeal.objects.exists() is (role == "review_author")


def test_appeal_page_shows_the_reason_then_sends_the_appeal(client, review_author, removed_review):
    client.force_login(review_author)
    page = client.get(_appeal_url(removed_review))
    assert page.status_code == HTTPStatus.OK
    assert "Not a genuine client&#x27;s experience" in page.content.decode()
    assert NOTE.replace("'", "&#x27;") in page.content.decode()
    response = client.post(_appeal_url(removed_review), {"statement": STATEMENT}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account"))
    assert "Your appeal is sent" in response.content.decode()
    assert ReviewAppeal.objects.get().statement == STATEMENT


def test_appeal_page_a_second_appeal_is_a_conflict(client, review_author, appeal, removed_review):
    client.force_login(review_author)
    assert client.get(_appeal_url(removed_review)).status_code == HTTPStatus.CONFLICT
    response = client.post(_appeal_url(removed_review), {"statement": STATEMENT + " Again."})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "already appealed" in response.content.decode()
    assert ReviewAppeal.objects.get().statement == STATEMENT


def test_appeal_page_on_a_shown_review_is_a_conflict(client, review_author, published_review):
    client.force_login(review_author)
    response = client.post(_appeal_url(published_review), {"statement": STATEMENT})
    assert response.status_code == HTTPStatus.CONFLICT
    assert not ReviewAppeal.objects.exists()


def test_appeal_page_keeps_a_short_statement_with_its_error(client, review_author, removed_review):
    client.force_login(review_author)
    response = client.post(_appeal_url(removed_review), {"statement": "Unfair <b>!</b>"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.context["form"].errors["statement"]
    assert "Unfair &lt;b&gt;!&lt;/b&gt;" in response.content.decode()
    assert not ReviewAppeal.objects.exists()


def test_appeal_page_of_an_unknown_review_is_not_found(client, review_author):
    client.force_login(review_author)
    assert client.get(reverse("reviews:appeal", kwargs={"pk": 999_999})).status_code == HTTPStatus.NOT_FOUND


def test_appeal_page_needs_the_csrf_token(review_author, removed_review):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(review_author)
    assert strict.post(_appeal_url(removed_review), {"statement": STATEMENT}).status_code == HTTPStatus.FORBIDDEN
    assert not ReviewAppeal.objects.exists()


def test_account_page_lists_removed_reviews_with_the_reason_and_the_appeal_form(client, review_author, removed_review):
    client.force_login(review_author)
    content = client.get(reverse("account")).content.decode()
    assert "Removed reviews" in content and removed_review.title in content
    assert "Not a genuine client&#x27;s experience" in content
    assert f'action="{_appeal_url(removed_review)}"' in content


def test_account_page_shows_the_appeal_instead_of_the_form_once_sent(client, review_author, appeal, moderator):
    appeals.appeal_decide(appeal=appeal, moderator=moderator, outcome="upheld", note="Stands <for now>.")
    client.force_login(review_author)
    content = client.get(reverse("account")).content.decode()
    assert "Removal upheld" in content and "Stands &lt;for now&gt;." in content
    assert f'action="{_appeal_url(appeal.review)}"' not in content


def test_account_page_without_removed_reviews_says_nothing_of_them(client, review_author, published_review):
    client.force_login(review_author)
    assert "Removed reviews" not in client.get(reverse("account")).content.decode()


# Session, user, two-factor devices (two), the navigation's own profile, the open invitations, and the removed
# reviews with their appeals (one, whatever their number).
ACCOUNT_PAGE_QUERIES = 7


@pytest.mark.parametrize("count", [1, 4])
def test_account_page_reads_removed_reviews_in_one_query_whatever_their_number(
    client, review_author, moderator, count, django_assert_num_queries
):
    for i in range(count):
        review = services.review_create(
            therapist=TherapistFactory(), author=review_author, content=review_content(title=f"Visit {i}")
        )
        services.review_hide(review=review, moderator=moderator, removal_reason=Review.RemovalReason.PRIVATE)
        if i % 2:
            appeals.appeal_create(review=review, author=review_author, statement=STATEMENT)
    client.force_login(review_author)
    client.get(reverse("account"))
    with django_assert_num_queries(ACCOUNT_PAGE_QUERIES):
        response = client.get(reverse("account"))
    assert response.content.decode().count("Shares private information") == count


# The appeals desk in the admin

APPEALS = "admin:reviews_reviewappeal_changelist"


def test_appeals_desk_lists_waiting_appeals_first_with_the_reason_and_statement(
    client, moderator, appeal, reviewed_therapist
):
    decided = ReviewFactory(therapist=reviewed_therapist, is_hidden=True, removal_reason="offensive")
    older = ReviewAppeal.objects.create(
        review=decided, author=decided.author, statement=STATEMENT, outcome="upheld", decided_at=appeal.created_at
    )
    client.force_login(moderator)
    response = client.get(reverse(APPEALS))
    assert response.status_code == HTTPStatus.OK
    assert [a.pk for a in response.context["cl"].result_list] == [appeal.pk, older.pk]
    detail = client.get(reverse("admin:reviews_reviewappeal_change", args=[appeal.pk])).content.decode()
    assert "Not a genuine client&#x27;s experience" in detail
    assert STATEMENT in detail and NOTE.replace("'", "&#x27;") in detail


def test_appeals_desk_uphold_asks_for_a_note_then_decides(client, moderator, appeal):
    client.force_login(moderator)
    chosen = {"action": "uphold_appeals", "_selected_action": [appeal.pk]}
    first = client.post(reverse(APPEALS), chosen)
    assert first.status_code == HTTPStatus.OK and STATEMENT in first.content.decode()
    empty = client.post(reverse(APPEALS), {**chosen, "apply": "yes", "note": ""})
    assert empty.context["form"].errors["note"]
    appeal.refresh_from_db()
    assert appeal.outcome == "pending"
    done = client.post(reverse(APPEALS), {**chosen, "apply": "yes", "note": "Stands."}, follow=True)
    assert "1 appeal decided: removal upheld." in done.content.decode()
    appeal.refresh_from_db()
    assert (appeal.outcome, appeal.decision_note, appeal.decided_by) == ("upheld", "Stands.", moderator)


def test_appeals_desk_reinstate_counts_the_review_again_and_reports_a_decided_one(
    client, moderator, appeal, reviewed_therapist
):
    client.force_login(moderator)
    chosen = {"action": "reinstate_appeals", "_selected_action": [appeal.pk], "apply": "yes", "note": ""}
    client.post(reverse(APPEALS), chosen)
    appeal.refresh_from_db()
    reviewed_therapist.refresh_from_db()
    assert appeal.outcome == "reinstated" and reviewed_therapist.review_count == 1
    assert_aggregates_exact(reviewed_therapist.pk)
    again = client.post(reverse(APPEALS), chosen, follow=True)
    assert "Not decided" in again.content.decode() and "already been decided" in again.content.decode()


# Who may open the appeals desk and decide there: moderators and superusers.
APPEALS_DESK_ROLES = {
    "anonymous": ("login", False),
    "review_author": ("login", False),
    "reviewed_owner": ("login", False),
    "verifier": (HTTPStatus.FORBIDDEN, False),
    "staff_without_permission": (HTTPStatus.FORBIDDEN, False),
    "moderator": (HTTPStatus.OK, True),
    "superuser": (HTTPStatus.OK, True),
}


@pytest.mark.parametrize("role", APPEALS_DESK_ROLES)
def test_appeals_desk_permissions(client, request, role, appeal):
    expected_page, may_decide = APPEALS_DESK_ROLES[role]
    if role != "anonymous":
        client.force_login(_person(request, role))
    page = client.get(reverse(APPEALS))
    answer = "login" if page.status_code == HTTPStatus.FOUND and "/admin/login/" in page.url else page.status_code
    assert answer == expected_page
    client.post(
        reverse(APPEALS),
        {"action": "reinstate_appeals", "_selected_action": [appeal.pk], "apply": "yes", "note": ""},
    )
    appeal.refresh_from_db()
    assert (appeal.outcome == "reinstated") is may_decide


def test_appeals_desk_adds_changes_and_deletes_nothing(client, moderator, appeal):
    client.force_login(moderator)
    assert client.get(reverse("admin:reviews_reviewappeal_add")).status_code == HTTPStatus.FORBIDDEN
    delete = client.post(reverse("admin:reviews_reviewappeal_delete", args=[appeal.pk]), {"post": "yes"})
    assert delete.status_code == HTTPStatus.FORBIDDEN
    client.post(reverse("admin:reviews_reviewappeal_change", args=[appeal.pk]), {"outcome": "reinstated"})
    appeal.refresh_from_db()
    assert appeal.outcome == "pending"


def test_admin_hide_needs_a_reason_from_the_list(client, moderator, published_review):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "hide_reviews", "_selected_action": [published_review.pk], "apply": "yes", "note": "Spam"},
    )
    assert response.status_code == HTTPStatus.OK and response.context["form"].errors["reason"]
    published_review.refresh_from_db()
    assert not published_review.is_hidden


def test_admin_hide_emails_each_author_the_reason(
    client, moderator, published_review, reviewed_therapist, review_author, django_capture_on_commit_callbacks
):
    second = services.review_create(
        therapist=reviewed_therapist, author=client_account(), content=review_content(title="Second visit")
    )
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:reviews_review_changelist"),
            {
                "action": "hide_reviews",
                "_selected_action": [published_review.pk, second.pk],
                "apply": "yes",
                "reason": "off_topic",
                "note": "",
            },
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([review_author.email, second.author.email])
    assert all("Why: Not about this therapist" in m.body for m in mail.outbox)
    assert all("moderator's note" not in m.body for m in mail.outbox)
