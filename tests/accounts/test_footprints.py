"""Footprints (accounts.footprints) and the middleware that notes them: after a log-in and a dashboard write, as keyed
hashes only, once an hour at most, with a long-lived HttpOnly device cookie; and how a review finds them."""

import datetime
import logging
from http import HTTPStatus

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from accounts import footprints
from accounts.models import AccountFootprint
from reviews import services as review_services
from reviews.models import Review
from therapists.models import Therapist

from ..factories import PASSWORD, TherapistFactory, UserFactory
from ..reviews.helpers import client_account, review_content

pytestmark = pytest.mark.django_db

MIDDLEWARE = "accounts.middleware.FootprintMiddleware"
ADDRESS = "203.0.113.50"
DEVICE = "A" * 43


@pytest.fixture(autouse=True)
def _footprint_middleware(settings):
    """The middleware in place, after the authentication middleware (where base.py is to list it)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        after = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
        settings.MIDDLEWARE = [*settings.MIDDLEWARE[:after], MIDDLEWARE, *settings.MIDDLEWARE[after:]]


@pytest.fixture
def owner(db):
    user = UserFactory(username="owner")
    TherapistFactory(owner=user)
    return user


def _log_in(client, user, address=ADDRESS):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=address)


def _stored(user) -> dict[str, str]:
    return dict(AccountFootprint.objects.filter(user=user).values_list("kind", "value_hash"))


# --- Hashes and the cookie's value ------------------------------------------------------------------------------


def test_footprint_hash_is_keyed_on_the_secret_and_the_kind(settings):
    first = footprints.footprint_hash("address", ADDRESS)
    assert len(first) == 64 and ADDRESS not in first
    assert first != footprints.footprint_hash("device", ADDRESS)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert footprints.footprint_hash("address", ADDRESS) != first


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [(DEVICE, DEVICE), ("A" * 42, None), ("A" * 44, None), ("A" * 42 + "!", None), ("", None)],
)
def test_device_id_accepts_only_a_value_the_site_could_have_set(rf, cookie, expected):
    request = rf.get("/")
    request.COOKIES[footprints.DEVICE_COOKIE] = cookie
    assert footprints.device_id(request) == expected


# --- Recording ----------------------------------------------------------------------------------------------------


@pytest.mark.frozen_cache_clock
def test_footprint_record_writes_once_an_hour_per_account_kind_and_value(
    owner, today, time_machine, django_assert_num_queries
):
    hashes = footprints.footprint_hashes(address=ADDRESS, device=DEVICE)
    assert footprints.footprint_record(user=owner, hashes=hashes) == 2
    with django_assert_num_queries(0):
        assert footprints.footprint_record(user=owner, hashes=hashes) == 0
    time_machine.shift(datetime.timedelta(hours=1, seconds=1))
    with django_assert_num_queries(2):  # one update each: the rows exist
        assert footprints.footprint_record(user=owner, hashes=hashes) == 2
    rows = AccountFootprint.objects.filter(user=owner)
    assert rows.count() == 2
    assert all(row.last_seen - row.first_seen == datetime.timedelta(hours=1, seconds=1) for row in rows)


def test_footprint_record_a_write_that_fails_is_tried_again(owner, today, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("database gone")

    monkeypatch.setattr(footprints, "_upsert", broken)
    with pytest.raises(OperationalError):
        footprints.footprint_record(user=owner, hashes=footprints.footprint_hashes(address=ADDRESS, device=None))
    monkeypatch.undo()
    assert footprints.footprint_record(user=owner, hashes=footprints.footprint_hashes(address=ADDRESS, device=None))


def test_footprints_used_reads_only_this_account_s_recent_footprints(owner, today):
    other = UserFactory()
    hashes = footprints.footprint_hashes(address=ADDRESS, device=DEVICE)
    footprints.footprint_record(user=other, hashes=hashes)
    since = timezone.now() - datetime.timedelta(days=30)
    assert footprints.footprints_used(user_id=owner.pk, hashes=hashes, since=since) == set()
    footprints.footprint_record(user=owner, hashes={"device": hashes["device"]})
    assert footprints.footprints_used(user_id=owner.pk, hashes=hashes, since=since) == {"device"}
    assert footprints.footprints_used(user_id=owner.pk, hashes={}, since=since) == set()


def test_footprints_used_ignores_footprints_older_than_90_days_whatever_is_asked(owner, today):
    hashes = footprints.footprint_hashes(address=ADDRESS, device=None)
    seen = timezone.now() - datetime.timedelta(days=91)
    AccountFootprint.objects.create(
        user=owner, kind="address", value_hash=hashes["address"], first_seen=seen, last_seen=seen
    )
    since = timezone.now() - datetime.timedelta(days=365)
    assert footprints.footprints_used(user_id=owner.pk, hashes=hashes, since=since) == set()


# --- The middleware ---------------------------------------------------------------------------------------------


def test_log_in_sets_a_device_cookie_and_notes_both_footprints(client, owner):
    response = _log_in(client, owner)
    assert response.status_code == HTTPStatus.FOUND
    cookie = response.cookies[footprints.DEVICE_COOKIE]
    assert footprints.DEVICE_ID_PATTERN.fullmatch(cookie.value)
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == footprints.DEVICE_COOKIE_MAX_AGE
    assert _stored(owner) == {
        "address": footprints.footprint_hash("address", ADDRESS),
        "device": footprints.footprint_hash("device", cookie.value),
    }


def test_log_in_keeps_the_browser_s_device_cookie(client, owner):
    client.cookies[footprints.DEVICE_COOKIE] = DEVICE
    response = _log_in(client, owner)
    assert footprints.DEVICE_COOKIE not in response.cookies
    assert _stored(owner)["device"] == footprints.footprint_hash("device", DEVICE)


def test_log_in_replaces_a_device_cookie_the_site_did_not_set(client, owner):
    client.cookies[footprints.DEVICE_COOKIE] = "forged<script>"
    response = _log_in(client, owner)
    new = response.cookies[footprints.DEVICE_COOKIE].value
    assert footprints.DEVICE_ID_PATTERN.fullmatch(new)
    assert _stored(owner)["device"] == footprints.footprint_hash("device", new)


def test_failed_log_in_notes_nothing(client, owner):
    response = client.post(reverse("login"), {"username": owner.username, "password": "wrong"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == HTTPStatus.OK
    assert footprints.DEVICE_COOKIE not in response.cookies
    assert not AccountFootprint.objects.exists()


def test_pages_other_than_log_in_and_dashboard_writes_note_nothing(client, owner):
    client.force_login(owner)
    assert client.get(reverse("dashboard:home")).status_code == HTTPStatus.OK
    assert client.get(reverse("account")).status_code == HTTPStatus.OK
    response = client.post(reverse("account"), {"display_name": "Ana"})
    assert response.status_code == HTTPStatus.FOUND
    assert footprints.DEVICE_COOKIE not in response.cookies
    assert not AccountFootprint.objects.exists()


def test_anonymous_requests_note_nothing_and_ask_no_more_queries(client, owner, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("login"))
    assert response.status_code == HTTPStatus.OK
    assert footprints.DEVICE_COOKIE not in response.cookies
    assert not AccountFootprint.objects.exists()


def test_a_profile_owner_s_dashboard_write_notes_footprints(client, owner):
    client.force_login(owner)
    client.cookies[footprints.DEVICE_COOKIE] = DEVICE
    response = client.post(reverse("dashboard:accepting_confirm"), {"accepting": "true"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == HTTPStatus.FOUND
    assert _stored(owner) == {
        "address": footprints.footprint_hash("address", ADDRESS),
        "device": footprints.footprint_hash("device", DEVICE),
    }


def test_a_refused_dashboard_write_notes_nothing(client, owner):
    client.force_login(owner)
    response = client.post(reverse("dashboard:accepting_confirm"), {"accepting": "maybe"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not AccountFootprint.objects.exists()


def test_footprints_keep_no_address_or_device_in_clear_and_log_neither(client, owner, caplog):
    caplog.set_level(logging.DEBUG)
    client.cookies[footprints.DEVICE_COOKIE] = DEVICE
    _log_in(client, owner)
    stored = " ".join(str(value) for row in AccountFootprint.objects.values() for value in row.values())
    assert AccountFootprint.objects.count() == 2
    assert ADDRESS not in stored and DEVICE not in stored
    assert ADDRESS not in caplog.text and DEVICE not in caplog.text


# --- What a review makes of them --------------------------------------------------------------------------------


def test_a_review_from_the_browser_the_therapist_logged_in_with_is_held(client, owner, today):
    """The therapist logs in, logs out, and a second account reviews the profile from the same browser, from
    another network: the device cookie gives it away."""
    therapist = Therapist.objects.get(owner=owner)
    _log_in(client, owner)
    device = client.cookies[footprints.DEVICE_COOKIE].value
    client.post(reverse("logout"))
    sock_puppet = client_account()
    review = review_services.review_create(
        therapist=therapist,
        author=sock_puppet,
        content=review_content(rating=5),
        client_address="198.51.100.77",
        device=device,
    )
    assert (review.is_held, review.held_reason) == (True, Review.HoldReason.THERAPIST_FOOTPRINT)
    assert (review.signals["therapist_device"], review.signals["therapist_address"]) == (True, False)
    other_browser = review_services.review_create(
        therapist=therapist, author=client_account(), content=review_content(rating=5), device=DEVICE
    )
    assert not other_browser.is_held
