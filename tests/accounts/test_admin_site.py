"""The admin's log-in: the site's throttle (finding 2), and a second factor with real TOTP codes: set up from the
two-factor page, asked at the admin's log-in, backup codes, turned off with a code, required by a setting."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"


def _code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for this device's secret."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def _admin_log_in(client, username: str, password: str = PASSWORD, code: str = "", address: str = "10.0.0.1"):
    data = {"username": username, "password": password, "otp_token": code, "next": "/admin/"}
    return client.post("/admin/login/", data, REMOTE_ADDR=address)


def _turn_on(client, user, time_machine) -> tuple[TOTPDevice, list[str]]:
    """The staff member sets up an authenticator from the two-factor page with a real code; returns the device
    and the backup codes shown. Moves the clock on a step, so the next code is a new one."""
    client.force_login(user)
    page = client.get(reverse("two_factor"))
    assert page.status_code == HTTPStatus.OK
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two_factor"), {"token": _code(device)})
    assert response.status_code == HTTPStatus.OK
    codes = re.findall(r"<code>([a-z2-7]{4} [a-z2-7]{4})</code>", response.content.decode())
    time_machine.shift(datetime.timedelta(seconds=30))
    client.logout()
    return device, codes


def test_admin_login_is_throttled_like_the_sites_and_answers_429(client):
    """Finding 2: 100 wrong guesses at /admin/login/ were all answered 200, then the right password let in."""
    UserFactory(username="staffer", is_staff=True)
    statuses = [_admin_log_in(client, "staffer", "wrong").status_code for _ in range(12)]
    assert statuses == [HTTPStatus.OK] * 10 + [HTTPStatus.TOO_MANY_REQUESTS] * 2
    refused = _admin_log_in(client, "staffer")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed log-in attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # The staff member at another address still gets in.
    assert _admin_log_in(Client(), "staffer", address="192.168.1.1").status_code == HTTPStatus.FOUND


def test_admin_login_and_site_login_share_one_count(client):
    UserFactory(username="staffer", is_staff=True)
    for _ in range(5):
        client.post(reverse("login"), {"username": "staffer", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    for _ in range(5):
        _admin_log_in(client, "staffer", "wrong")
    assert _admin_log_in(client, "staffer").status_code == HTTPStatus.TOO_MANY_REQUESTS
    site = client.post(reverse("login"), {"username": "staffer", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert site.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_admin_login_without_a_second_factor_needs_no_code(client):
    UserFactory(username="staffer", is_staff=True)
    response = _admin_log_in(client, "staffer")
    assert response.status_code == HTTPStatus.FOUND and response.url == "/admin/"
    assert client.get("/admin/").status_code == HTTPStatus.OK


def test_admin_login_page_asks_for_the_code(client):
    content = client.get(ADMIN_LOGIN).content.decode()
    assert 'name="otp_token"' in content and "Authentication code" in content


def test_two_factor_end_to_end_with_real_codes(client, today, time_machine):
    staffer = UserFactory(username="staffer", is_staff=True)
    device, backup_codes = _turn_on(client, staffer, time_machine)
    assert device.__class__.objects.get(pk=device.pk).confirmed and len(backup_codes) == 10

    # The password alone no longer opens the admin; a wrong code neither.
    no_code = _admin_log_in(client, "staffer")
    assert no_code.status_code == HTTPStatus.OK and "Enter the 6-digit code" in no_code.content.decode()
    wrong = _admin_log_in(client, "staffer", code="000000" if _code(device) != "000000" else "111111")
    assert wrong.status_code == HTTPStatus.OK and "That code is not right" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    # django-otp's own delay after a wrong code (1 s, doubling) passes; the current code lets in, verified.
    time_machine.shift(datetime.timedelta(seconds=30))
    response = _admin_log_in(client, "staffer", code=_code(device))
    assert response.status_code == HTTPStatus.FOUND and response.url == "/admin/"
    assert client.get("/admin/").status_code == HTTPStatus.OK

    # A code is good once; a backup code works once, typed with or without its space.
    client.logout()
    assert _admin_log_in(client, "staffer", code=backup_codes[0].upper()).status_code == HTTPStatus.FOUND
    client.logout()
    time_machine.shift(datetime.timedelta(seconds=5))
    assert _admin_log_in(client, "staffer", code=backup_codes[0].replace(" ", "")).status_code == HTTPStatus.OK
    assert StaticDevice.objects.get(user=staffer).token_set.count() == 9


def test_two_factor_a_session_without_the_code_is_refused_by_the_admin(client, today, time_machine):
    """Logging in on the site (password only) does not open the admin to someone with a second factor."""
    staffer = UserFactory(username="staffer", is_staff=True)
    _turn_on(client, staffer, time_machine)
    assert client.post(reverse("login"), {"username": "staffer", "password": PASSWORD}).status_code == (
        HTTPStatus.FOUND
    )
    response = client.get("/admin/")
    assert response.status_code == HTTPStatus.FOUND and response.url.startswith("/admin/login/")


def test_two_factor_wrong_codes_count_in_the_log_in_throttle(client, today, time_machine, settings):
    # django-otp's own growing delay after a wrong code is off here, to see the log-in throttle alone.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    staffer = UserFactory(username="staffer", is_staff=True)
    device, _ = _turn_on(client, staffer, time_machine)
    wrong = "000000" if _code(device) != "000000" else "111111"
    statuses = [_admin_log_in(client, "staffer", code=wrong).status_code for _ in range(10)]
    assert statuses == [HTTPStatus.OK] * 10
    assert _admin_log_in(client, "staffer", code=_code(device)).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "_auth_user_id" not in client.session


def test_two_factor_setup_shows_an_inline_svg_qr_code_and_the_key(client):
    client.force_login(UserFactory(username="staffer", is_staff=True))
    content = client.get(reverse("two_factor")).content.decode()
    assert (
        "<svg" in content
        and "<script" not in content
        and "data:" not in content
        and "http" not in (content[content.index("<svg") : content.index("</svg>")])
    )
    assert re.search(r"<code>([A-Z2-7]{4} )+[A-Z2-7]{1,4}</code>", content)


def test_two_factor_setup_refuses_a_wrong_code_and_stays_off(client):
    staffer = UserFactory(username="staffer", is_staff=True)
    client.force_login(staffer)
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=staffer)
    wrong = "000000" if _code(device) != "000000" else "111111"
    response = client.post(reverse("two_factor"), {"token": wrong})
    assert response.status_code == HTTPStatus.BAD_REQUEST and "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=staffer, confirmed=True).exists()


def test_two_factor_is_turned_off_with_a_code_only(client, today, time_machine):
    staffer = UserFactory(username="staffer", is_staff=True)
    device, _ = _turn_on(client, staffer, time_machine)
    client.force_login(staffer)
    assert "is <strong>on</strong>" in client.get(reverse("two_factor")).content.decode()
    refused = client.post(reverse("two_factor"), {"token": "nonsense"})
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert TOTPDevice.objects.filter(user=staffer, confirmed=True).exists()
    time_machine.shift(datetime.timedelta(seconds=30))
    response = client.post(reverse("two_factor"), {"token": _code(device)})
    assert response.status_code == HTTPStatus.FOUND
    assert not TOTPDevice.objects.filter(user=staffer).exists() and not StaticDevice.objects.filter(user=staffer)
    assert _admin_log_in(Client(), "staffer").status_code == HTTPStatus.FOUND


@pytest.mark.parametrize(("who", "status"), [("anonymous", HTTPStatus.FOUND), ("client", HTTPStatus.FORBIDDEN)])
def test_two_factor_page_is_for_staff_only(client, who, status):
    if who == "client":
        client.force_login(UserFactory())
    assert client.get(reverse("two_factor")).status_code == status
    assert client.post(reverse("two_factor"), {"token": "123456"}).status_code == status
    assert not TOTPDevice.objects.exists()


def test_staff_two_factor_required_sends_staff_without_one_to_set_it_up(client, settings, today, time_machine):
    settings.STAFF_TWO_FACTOR_REQUIRED = True
    staffer = UserFactory(username="staffer", is_staff=True)
    response = _admin_log_in(client, "staffer", address="127.0.0.1")
    assert response.status_code == HTTPStatus.FOUND
    page = client.get(response.url, follow=True)
    setup_url = "/accounts/two-factor/?next=%2Fadmin%2F"
    assert page.status_code == HTTPStatus.OK and page.redirect_chain[-1][0] == setup_url
    device = TOTPDevice.objects.get(user=staffer, confirmed=False)
    done = client.post(setup_url, {"token": _code(device), "next": "/admin/"})
    assert done.status_code == HTTPStatus.OK and 'href="/admin/"' in done.content.decode()
    # The session that proved the code is verified: the admin opens.
    assert client.get("/admin/").status_code == HTTPStatus.OK


def test_staff_two_factor_required_off_by_default(settings):
    assert settings.STAFF_TWO_FACTOR_REQUIRED is False
