"""Account forms: sign-up with a required, unique email; a log-in form whose throttle counts each account once."""

import pytest

from accounts.forms import SignupForm, ThrottledAuthenticationForm, account_throttle_keys

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Good-passw0rd"


def _signup(**overrides) -> SignupForm:
    data = {"username": "maria", "email": "maria@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return SignupForm({**data, **overrides})


def test_signup_form_asks_for_username_email_and_password_twice():
    assert list(SignupForm.base_fields) == ["username", "email", "password1", "password2"]


@pytest.mark.parametrize("email", ["", "   "])
def test_signup_form_email_is_required(email):
    form = _signup(email=email)
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["email"]] == ["required"]


def test_signup_form_refuses_an_email_taken_in_another_case_with_a_clear_error():
    UserFactory(email="maria@example.com")
    form = _signup(email="MARIA@Example.com")
    assert not form.is_valid()
    (error,) = form.errors.as_data()["email"]
    assert error.code == "duplicate_email"
    assert error.message == "An account with this email already exists. Log in, or reset your password."


def test_signup_form_saves_the_email_with_its_domain_in_lower_case():
    user = _signup(email="Maria@EXAMPLE.com").save()
    assert user.email == "Maria@example.com" and user.check_password(NEW_PASSWORD)


def test_account_throttle_keys_name_one_account_whether_typed_as_username_or_email_in_any_case():
    lena = UserFactory(username="lena", email="lena@example.com")
    for typed in ("lena", " lena ", "LENA", "lena@example.com", "LENA@Example.COM"):
        assert account_throttle_keys(typed) == [f"account:{lena.pk}"], typed


def test_account_throttle_keys_for_an_unknown_name_fold_its_case():
    assert account_throttle_keys(" Nobody@Example.com ") == ["account:nobody@example.com"]


def test_account_throttle_keys_count_against_every_account_a_name_could_mean():
    named = UserFactory(username="shared@example.com", email="named@example.com")
    emailed = UserFactory(username="bee", email="shared@example.com")
    assert set(account_throttle_keys("shared@example.com")) == {f"account:{named.pk}", f"account:{emailed.pk}"}


def _log_in(rf, identifier: str, password: str, address: str) -> ThrottledAuthenticationForm:
    request = rf.post("/accounts/login/", REMOTE_ADDR=address)
    form = ThrottledAuthenticationForm(request, data={"username": identifier, "password": password})
    form.is_valid()
    return form


def test_throttled_authentication_form_locks_an_account_after_ten_mixed_failures(rf):
    lena = UserFactory(username="lena", email="lena@example.com")
    typed = ["lena", "LENA@example.com", "Lena", "lena@EXAMPLE.com", "lena@example.com"] * 2
    codes = [
        _log_in(rf, name, "wrong", f"10.1.0.{i}").errors.as_data()["__all__"][0].code for i, name in enumerate(typed)
    ]
    assert codes == ["invalid_login"] * 10
    refused = _log_in(rf, "lena", PASSWORD, "192.168.0.1")
    assert not refused.is_valid()
    (error,) = refused.errors.as_data()["__all__"]
    assert error.code == "throttled" and "wait 15 minutes" in error.message % error.params
    # Another account is not affected.
    maria = UserFactory(username="maria")
    assert _log_in(rf, "maria", PASSWORD, "192.168.0.2").get_user() == maria
    assert lena.pk != maria.pk


def test_throttled_authentication_form_without_a_request_counts_the_account_only():
    UserFactory(username="lena")
    for _ in range(10):
        assert not ThrottledAuthenticationForm(data={"username": "lena", "password": "wrong"}).is_valid()
    refused = ThrottledAuthenticationForm(data={"username": "lena", "password": PASSWORD})
    assert not refused.is_valid() and refused.has_error("__all__", code="throttled")


def test_throttled_authentication_form_labels_the_name_username_or_email():
    assert ThrottledAuthenticationForm().fields["username"].label == "Username or email"
