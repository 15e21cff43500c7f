"""The request pages: sending, refusals that keep the form, the client's list, the inbox and answers, the hooks on
the shared pages, and the query budgets of the lists."""

import datetime
from http import HTTPStatus

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.models import AppointmentRequest

from ..factories import TherapistFactory
from .helpers import IN_A_WEEK, Status, confirmed_account, local_input, request_form_data, request_in

pytestmark = pytest.mark.django_db

# The client's list: session, user, the count, the menu's "does this user own a profile" (base.html), the page of
# requests (therapist and kind of massage joined). The inbox: the same, the owner's profile the view reads, and the
# count of unanswered requests it writes to the cache for the dashboard home. The navigation's "Your requests"
# reads the cache only. Whatever the number of requests.
INBOX_QUERIES = 7
MY_REQUESTS_QUERIES = 5
# Pages that show the cached figures, warm and just after a cache flush: when the cache does not know them, the
# navigation's "Your requests" costs one query (the account page: 7 + 1) and the dashboard home's unanswered count
# one more (6 + the navigation's + the count). Nothing else on these pages is cached.
ACCOUNT_QUERIES = {"warm": 7, "cold": 8}
DASHBOARD_QUERIES = {"warm": 6, "cold": 8}


def _create_url(therapist) -> str:
    return reverse("appointments:create", args=[therapist.slug])


# --- sending a request ---


def test_a_client_sends_a_request_and_sees_it_in_their_list(
    client, client_account, therapist, django_capture_on_commit_callbacks
):
    client.force_login(client_account)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_create_url(therapist), request_form_data())
    appointment = AppointmentRequest.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('appointments:mine')}#request-{appointment.pk}"
    assert (appointment.preferred_days, appointment.preferred_times, appointment.specialty.slug) == (
        ["mon", "wed"],
        ["evening"],
        "swedish",
    )
    assert mail.outbox[0].to == ["owner@example.com"]
    page = client.get(reverse("appointments:mine")).content.decode()
    assert "Lena Ortiz" in page and "Waiting for an answer" in page and "Monday, Wednesday" in page


def test_the_form_offers_only_the_therapists_kinds_of_massage(client, client_account, therapist, deep):
    client.force_login(client_account)
    form = client.get(_create_url(therapist)).context["form"]
    assert [s.slug for s in form.fields["specialty"].queryset] == ["swedish"]
    response = client.post(_create_url(therapist), request_form_data(specialty="deep-tissue"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Choose one of the kinds of massage this therapist offers." in response.content.decode()


def test_the_honeypot_refuses_a_bot_and_stores_nothing(client, client_account, therapist):
    client.force_login(client_account)
    response = client.post(_create_url(therapist), request_form_data(website="http://spam.example"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "We could not send this request." in response.content.decode()
    assert not AppointmentRequest.objects.exists()
    assert mail.outbox == []


def test_the_honeypot_is_hidden_from_people(client, client_account, therapist):
    client.force_login(client_account)
    page = client.get(_create_url(therapist)).content.decode()
    assert 'class="field request-website" aria-hidden="true"' in page
    assert 'tabindex="-1"' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"message": "x" * 2001}, "Ensure this value has at most 2000 characters"),
        ({"preferred_days": ["someday"]}, "Choose days from the list."),
        ({"preferred_days": None, "preferred_times": None, "preferred_note": ""}, "Tell the therapist when suits you"),
    ],
)
def test_bad_input_is_a_field_error_and_the_form_keeps_what_was_typed(
    client, client_account, therapist, overrides, message
):
    client.force_login(client_account)
    response = client.post(_create_url(therapist), request_form_data(precautions="Allergic to nut oils", **overrides))
    content = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in content
    assert "Allergic to nut oils" in content
    assert "Everything you wrote is kept." in content
    assert not AppointmentRequest.objects.exists()


def test_a_therapist_not_accepting_says_so_before_and_refuses_after_keeping_the_form(client, client_account, therapist):
    therapist.accepting_new_clients = False
    therapist.save(update_fields=["accepting_new_clients"])
    client.force_login(client_account)
    page = client.get(_create_url(therapist))
    assert page.status_code == HTTPStatus.OK
    assert "Lena Ortiz is not accepting new clients at the moment" in page.content.decode()
    assert "Send request" not in page.content.decode()
    response = client.post(_create_url(therapist), request_form_data(message="Please fit me in"))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "not accepting new clients" in response.content.decode()
    assert "Please fit me in" in response.content.decode()
    assert not AppointmentRequest.objects.exists()


def test_ones_own_profile_shows_no_form_and_a_post_is_forbidden(client, owner, therapist):
    client.force_login(owner)
    page = client.get(_create_url(therapist)).content.decode()
    assert "This is your own profile" in page and "Send request" not in page
    assert client.post(_create_url(therapist), request_form_data()).status_code == HTTPStatus.FORBIDDEN


def test_an_unconfirmed_email_is_told_how_to_confirm(client, therapist):
    client.force_login(confirmed_account(username="unconfirmed", email_confirmed_at=None))
    page = client.get(_create_url(therapist)).content.decode()
    assert "Confirm your email address before you request an appointment" in page
    response = client.post(_create_url(therapist), request_form_data(message="Kept"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Kept" in response.content.decode()


def test_an_open_request_is_pointed_to_and_a_second_is_a_conflict(client, client_account, therapist):
    first = request_in(Status.PENDING, client=client_account, therapist=therapist)
    client.force_login(client_account)
    page = client.get(_create_url(therapist)).content.decode()
    assert f"#request-{first.pk}" in page and "Send request" not in page
    response = client.post(_create_url(therapist), request_form_data(message="Again"))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "You already have an open request with this therapist." in response.content.decode()
    assert AppointmentRequest.objects.count() == 1


def test_the_hourly_limit_answers_429_and_keeps_the_form(client, client_account, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client.force_login(client_account)
    for _ in range(services.REQUEST_LIMIT):
        other = TherapistFactory(owner=confirmed_account(), specialties=[])
        assert client.post(_create_url(other), request_form_data(specialty=None)).status_code == HTTPStatus.FOUND
    last = TherapistFactory(owner=confirmed_account())
    response = client.post(_create_url(last), request_form_data(specialty=None, message="Sixth"))
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "the most we accept" in response.content.decode() and "Sixth" in response.content.decode()


# --- the client's list ---


def test_the_client_cancels_an_open_request(client, client_account, therapist):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    client.force_login(client_account)
    response = client.post(reverse("appointments:cancel", args=[appointment.pk]), follow=True)
    assert AppointmentRequest.objects.get(pk=appointment.pk).status == Status.CANCELLED
    assert "Your request is cancelled." in response.content.decode()
    assert "Cancelled by the client" in response.content.decode()


def test_cancelling_twice_is_a_clear_conflict(client, client_account, therapist):
    appointment = request_in(Status.CANCELLED, client=client_account, therapist=therapist)
    client.force_login(client_account)
    response = client.post(reverse("appointments:cancel", args=[appointment.pk]))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "The client has cancelled this request." in response.content.decode()


def test_the_client_takes_a_suggested_time(client, client_account, therapist):
    appointment = request_in(Status.SUGGESTED, client=client_account, therapist=therapist)
    client.force_login(client_account)
    page = client.get(reverse("appointments:mine")).content.decode()
    assert "Take the suggested time" in page
    client.post(reverse("appointments:take", args=[appointment.pk]))
    stored = AppointmentRequest.objects.get(pk=appointment.pk)
    assert (stored.status, stored.agreed_at) == (Status.ACCEPTED, appointment.proposed_at)


def test_the_list_shows_every_state_in_words(client, client_account, therapist):
    for status in Status:
        request_in(status, client=client_account, therapist=TherapistFactory(owner=confirmed_account()))
    client.force_login(client_account)
    page = client.get(reverse("appointments:mine")).content.decode()
    for status in Status:
        assert status.label in page


@pytest.mark.parametrize("count", [1, 15])
def test_my_requests_runs_the_same_exact_queries_for_few_and_many(client, page_queries, client_account, count):
    for _ in range(count):
        request_in(Status.ACCEPTED, client=client_account, therapist=TherapistFactory(owner=confirmed_account()))
    client.force_login(client_account)
    response = page_queries(reverse("appointments:mine"), MY_REQUESTS_QUERIES)
    assert len(response.context["appointments"]) == count


# --- the therapist's inbox and answers ---


def test_the_inbox_lists_newest_first_with_unanswered_marked(client, owner, therapist, time_machine):
    time_machine.move_to(timezone.now() - datetime.timedelta(days=2), tick=False)
    older = request_in(
        Status.DECLINED, client=confirmed_account(first_name="Old", last_name="One"), therapist=therapist
    )
    time_machine.move_to(timezone.now() + datetime.timedelta(days=1), tick=False)
    newer = request_in(Status.PENDING, client=confirmed_account(first_name="New", last_name="One"), therapist=therapist)
    client.force_login(owner)
    response = client.get(reverse("appointments:inbox"))
    assert list(response.context["appointments"]) == [newer, older]
    content = response.content.decode()
    assert content.count("request-unanswered") == 1
    assert content.index("New O.") < content.index("Old O.")


@pytest.mark.parametrize("count", [1, 15])
def test_the_inbox_runs_the_same_exact_queries_for_few_and_many(client, page_queries, owner, therapist, count):
    for _ in range(count):
        request_in(Status.PENDING, client=confirmed_account(), therapist=therapist)
    client.force_login(owner)
    response = page_queries(reverse("appointments:inbox"), INBOX_QUERIES)
    assert len(response.context["appointments"]) == count


def test_the_owner_accepts_with_a_time_on_the_practice_clock(
    client, owner, client_account, therapist, django_capture_on_commit_callbacks
):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist, precautions="Pregnant")
    client.force_login(owner)
    page = client.get(reverse("appointments:answer", args=[appointment.pk])).content.decode()
    assert "Pregnant" in page  # the health notes reach the therapist they were shared with
    when = datetime.datetime(2030, 7, 1, 20, 30, tzinfo=datetime.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("appointments:answer", args=[appointment.pk]),
            {"answer": "accept", "moment": "2030-07-01T14:30", "note": "Side door"},
        )
    assert response.status_code == HTTPStatus.FOUND
    stored = AppointmentRequest.objects.get(pk=appointment.pk)
    assert (stored.status, stored.agreed_at) == (Status.ACCEPTED, when)  # 14:30 in Denver is 20:30 UTC in July
    assert mail.outbox[0].to == ["client@example.com"]
    client.force_login(client_account)
    assert "Monday 1 July 2030, 14:30 MDT" in client.get(reverse("appointments:mine")).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"answer": "accept", "moment": ""}, "moment", "Choose a date and time."),
        ({"answer": "accept", "moment": "2020-01-01T10:00"}, "moment", "Choose a date and time in the future."),
        ({"answer": "suggest", "moment": "not a date"}, "moment", "Enter a date and time"),
        ({"answer": "decline"}, "decline_reason", "Choose a reason for declining."),
        ({"answer": "decline", "decline_reason": "busy"}, "decline_reason", "Choose a reason from the list."),
        ({"answer": "decline", "decline_reason": "other"}, "note", "Say in a few words why you decline."),
        ({"answer": "maybe"}, "answer", "Choose your answer from the list."),
        ({"answer": "decline", "decline_reason": "other", "note": "x" * 1001}, "note", "at most 1000 characters"),
    ],
)
def test_a_bad_answer_is_a_field_error_and_changes_nothing(
    client, owner, client_account, therapist, data, field, message
):
    appointment = request_in(Status.PENDING, client=client_account, therapist=therapist)
    client.force_login(owner)
    response = client.post(reverse("appointments:answer", args=[appointment.pk]), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in str(response.context["form"].errors[field])
    assert AppointmentRequest.objects.get(pk=appointment.pk).status == Status.PENDING
    assert mail.outbox == []


def test_answering_a_request_the_client_cancelled_is_a_conflict_that_keeps_the_form(
    client, owner, client_account, therapist
):
    appointment = request_in(Status.CANCELLED, client=client_account, therapist=therapist)
    client.force_login(owner)
    moment = local_input(timezone.now() + IN_A_WEEK, therapist)
    response = client.post(
        reverse("appointments:answer", args=[appointment.pk]), {"answer": "accept", "moment": moment, "note": "Kept"}
    )
    assert response.status_code == HTTPStatus.CONFLICT
    assert "The client has cancelled this request." in response.content.decode()
    assert "Kept" in response.content.decode()
    assert AppointmentRequest.objects.get(pk=appointment.pk).status == Status.CANCELLED


def test_the_owner_records_the_outcome_after_the_visit(client, owner, client_account, therapist, time_machine):
    appointment = request_in(Status.ACCEPTED, client=client_account, therapist=therapist)
    client.force_login(owner)
    url = reverse("appointments:outcome", args=[appointment.pk])
    early = client.post(url, {"outcome": "held"})
    assert early.status_code == HTTPStatus.CONFLICT and "still ahead" in early.content.decode()
    time_machine.move_to(appointment.agreed_at + datetime.timedelta(hours=1), tick=False)
    assert client.post(url, {"outcome": "nonsense"}).status_code == HTTPStatus.BAD_REQUEST
    assert client.post(url, {"outcome": "no_show"}).status_code == HTTPStatus.FOUND
    assert AppointmentRequest.objects.get(pk=appointment.pk).status == Status.NO_SHOW


# --- the hooks on shared pages ---


def test_the_profile_invites_a_signed_in_client_and_asks_others_to_log_in(client, client_account, therapist):
    anonymous = client.get(therapist.get_absolute_url()).content.decode()
    assert "Log in to request an appointment" in anonymous
    assert "?next=/therapists/lena-ortiz/request/" in anonymous
    client.force_login(client_account)
    signed_in = client.get(therapist.get_absolute_url()).content.decode()
    assert f'href="{_create_url(therapist)}">Request an appointment' in signed_in


def test_the_profile_says_when_requests_are_closed_and_sends_the_owner_to_the_inbox(client, owner, therapist):
    client.force_login(owner)
    assert "Answer them from your dashboard" in client.get(therapist.get_absolute_url()).content.decode()
    therapist.accepting_new_clients = False
    therapist.save(update_fields=["accepting_new_clients"])
    client.logout()
    page = client.get(therapist.get_absolute_url()).content.decode()
    assert "is not accepting new clients at the moment" in page
    assert "Request an appointment" not in page and "Log in to request" not in page


def test_the_profile_shows_how_the_therapist_usually_answers_once_there_are_three(client, therapist):
    def answered(hours):
        created = timezone.now() - datetime.timedelta(days=2)
        request_in(
            Status.DECLINED, client=confirmed_account(), therapist=therapist, created_at=created,
            answered_at=created + datetime.timedelta(hours=hours),
        )  # fmt: skip

    answered(2)
    answered(3)
    assert "Usually replies" not in client.get(therapist.get_absolute_url()).content.decode()
    answered(4)
    _forget_cached_figures()
    assert "Usually replies within a few hours" in client.get(therapist.get_absolute_url()).content.decode()


def _forget_cached_figures():
    """Rows written straight to the database bypass the services that forget the cached figures."""
    cache.clear()


def test_the_navigation_shows_your_requests_only_to_those_who_have_some(
    client, client_account, therapist, django_capture_on_commit_callbacks
):
    client.force_login(client_account)
    assert "Your requests" not in client.get(reverse("account")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_create_url(therapist), request_form_data())
    assert (
        f'<a href="{reverse("appointments:mine")}">Your requests</a>' in client.get(reverse("account")).content.decode()
    )


def test_the_account_page_links_to_the_requests(client, client_account):
    client.force_login(client_account)
    page = client.get(reverse("account")).content.decode()
    assert "Appointment requests" in page and f'href="{reverse("appointments:mine")}"' in page


def test_the_dashboard_counts_the_unanswered_even_after_a_flushed_cache(
    client, owner, therapist, django_assert_num_queries
):
    client.force_login(owner)
    assert "No request waits for your answer." in client.get(reverse("dashboard:home")).content.decode()
    for status in (Status.PENDING, Status.PENDING, Status.DECLINED):
        request_in(status, client=confirmed_account(), therapist=therapist)  # past the services: the cache is stale
    _forget_cached_figures()
    with django_assert_num_queries(DASHBOARD_QUERIES["cold"]):
        page = client.get(reverse("dashboard:home")).content.decode()
    assert "2 requests wait for your answer." in page and f'href="{reverse("appointments:inbox")}"' in page
    with django_assert_num_queries(DASHBOARD_QUERIES["warm"]):
        assert "2 requests wait for your answer." in client.get(reverse("dashboard:home")).content.decode()


def test_the_dashboard_count_follows_a_new_request(
    client, owner, client_account, therapist, django_capture_on_commit_callbacks
):
    client.force_login(client_account)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_create_url(therapist), request_form_data())
    client.force_login(owner)
    assert "1 request waits for your answer." in client.get(reverse("dashboard:home")).content.decode()


def test_the_navigation_shows_your_requests_even_after_a_flushed_cache(
    client, client_account, therapist, django_assert_num_queries
):
    client.force_login(client_account)
    assert "Your requests</a>" not in client.get(reverse("account")).content.decode()
    request_in(Status.PENDING, client=client_account, therapist=therapist)  # past the services: the cache is stale
    _forget_cached_figures()
    with django_assert_num_queries(ACCOUNT_QUERIES["cold"]):
        assert "Your requests</a>" in client.get(reverse("account")).content.decode()
    with django_assert_num_queries(ACCOUNT_QUERIES["warm"]):
        assert "Your requests</a>" in client.get(reverse("account")).content.decode()


def test_user_text_is_escaped_everywhere_it_shows(client, owner, client_account, therapist):
    appointment = request_in(
        Status.DECLINED, client=client_account, therapist=therapist, message="<script>alert(1)</script>",
        therapist_note="<b>no</b>",
    )  # fmt: skip
    client.force_login(owner)
    page = client.get(reverse("appointments:answer", args=[appointment.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    client.force_login(client_account)
    page = client.get(reverse("appointments:mine")).content.decode()
    assert "<b>no</b>" not in page and "&lt;b&gt;no&lt;/b&gt;" in page
