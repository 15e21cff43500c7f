"""The account admin: staff add accounts with an email, list and search them; nobody else gets in."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import User

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Good-passw0rd"


def _add(client, **overrides):
    data = {
        "username": "newbie",
        "email": "newbie@example.com",
        "usable_password": "true",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "_save": "Save",
    }
    return client.post(reverse("admin:accounts_user_add"), {**data, **overrides})


def test_user_admin_add_form_asks_for_an_email(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_user_add"))
    assert response.status_code == HTTPStatus.OK
    assert 'name="email"' in response.content.decode()


def test_user_admin_superuser_adds_a_user_with_an_email(client, superuser):
    client.force_login(superuser)
    response = _add(client)
    assert response.status_code == HTTPStatus.FOUND
    user = User.objects.get(username="newbie")
    assert user.email == "newbie@example.com" and user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "This field is required."), ("Root@Example.com", "An account with this email already exists.")],
)
def test_user_admin_add_refuses_a_missing_or_taken_email(client, superuser, email, message):
    client.force_login(superuser)  # superuser's email is root@example.com
    response = _add(client, email=email)
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_user_admin_list_page_loads_and_searches_by_email(client, superuser):
    UserFactory(username="lena", email="lena@example.com")
    UserFactory(username="maria", email="maria@example.com")
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count == 3
    found = client.get(reverse("admin:accounts_user_changelist"), {"q": "LENA@example"})
    assert [user.username for user in found.context["cl"].result_list] == ["lena"]


def test_user_admin_change_page_loads(client, superuser):
    lena = UserFactory(username="lena")
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_user_change", args=[lena.pk]))
    assert response.status_code == HTTPStatus.OK
    assert "lena@example.com" in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "client"])
def test_user_admin_sends_non_staff_to_the_admin_log_in(client, who):
    if who == "client":
        client.force_login(UserFactory())
    for url in (reverse("admin:accounts_user_changelist"), reverse("admin:accounts_user_add")):
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND and response.url.startswith(reverse("admin:login"))
    assert User.objects.count() == (1 if who == "client" else 0)
