"""The account model: email required and unique whatever its case, by the database itself; the manager's look-ups."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_is_the_projects_user_model():
    assert get_user_model() is User
    assert "email" in User.REQUIRED_FIELDS


def test_user_email_is_required_by_the_model():
    with pytest.raises(ValidationError) as excinfo:
        User(username="maria", email="").full_clean()
    assert [error.code for error in excinfo.value.error_dict["email"]] == ["blank"]


def test_user_email_is_required_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="maria", email="")
    assert not User.objects.filter(username="maria").exists()


@pytest.mark.parametrize("second", ["A@x.com", "a@X.COM", "a@x.com"])
def test_user_email_is_unique_whatever_its_case_in_the_database(second):
    User.objects.create(username="first", email="a@x.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="second", email=second)
    assert list(User.objects.values_list("username", flat=True)) == ["first"]


def test_user_email_uniqueness_is_a_validation_error_with_the_accounts_message():
    UserFactory(email="a@x.com")
    with pytest.raises(ValidationError) as excinfo:
        User(username="second", email="A@X.com", password="x").full_clean()
    (error,) = excinfo.value.error_dict["__all__"]
    assert error.code == "duplicate_email"
    assert error.message == "An account with this email already exists. Log in, or reset your password."


def test_user_constraints_are_named_as_documented():
    assert {constraint.name for constraint in User._meta.constraints} == {
        "user_email_ci_unique",
        "user_email_required",
    }


def test_account_manager_with_email_matches_any_case_and_ignores_surrounding_space():
    lena = UserFactory(username="lena", email="Lena@Example.com")
    UserFactory(username="other", email="other@example.com")
    assert list(User.objects.with_email("  lena@EXAMPLE.com ")) == [lena]
    assert not User.objects.with_email("lena@example.org").exists()


def test_account_manager_for_login_finds_by_username_then_by_email():
    lena = UserFactory(username="lena", email="lena@example.com")
    assert User.objects.for_login("lena") == lena
    assert User.objects.for_login(" LENA@example.COM ") == lena
    assert User.objects.for_login("nobody") is None
    assert User.objects.for_login("   ") is None


def test_account_manager_for_login_prefers_a_username_equal_to_someone_elses_email():
    named = UserFactory(username="shared@example.com", email="named@example.com")
    UserFactory(username="bee", email="shared@example.com")
    assert User.objects.for_login("shared@example.com") == named


def test_account_manager_for_login_matches_usernames_exactly():
    # Usernames are case-sensitive in Django: "Lena" names no one here, and is no one's email either.
    UserFactory(username="lena", email="lena@example.com")
    assert User.objects.for_login("Lena") is None
