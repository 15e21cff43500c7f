"""Role-aware navigation and the owner's own profile (issue 12, point 11), as a matrix of roles.

"Dashboard" is for therapists: users who own a profile (a draft included) or are setting one up on the
dashboard's pages; staff keep the admin link. An owner never gets a review form for their own profile.
"""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from .factories import TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "client", "owner", "other_owner", "staff"]


@pytest.fixture
def profile(db):
    """A published profile and the people around it, every account with a confirmed email."""
    confirmed = {"email_confirmed_at": timezone.now()}
    owner = UserFactory(username="owner", **confirmed)
    other_owner = UserFactory(username="other-owner", **confirmed)
    TherapistFactory(owner=other_owner, slug="someone-else")
    users = {
        "anonymous": None,
        "client": UserFactory(username="client", **confirmed),
        "owner": owner,
        "other_owner": other_owner,
        "staff": UserFactory(username="staff", is_staff=True, **confirmed),
    }
    return TherapistFactory(owner=owner, slug="the-profile", name="Ana Owner"), users


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _nav(content: str) -> str:
    return re.search(r'<nav aria-label="Main">(.*?)</nav>', content, re.S).group(1)


def _nav_links(content: str) -> dict[str, str]:
    """The main menu as {label: href}."""
    return {
        re.sub(r"\s+", " ", label).strip(): href
        for href, label in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', _nav(content), re.S)
    }


# role: (Dashboard in the menu, "For therapists" in the menu, Admin in the menu)
MENU = {
    "anonymous": (False, False, False),
    "client": (False, True, False),
    "owner": (True, False, False),
    "other_owner": (True, False, False),
    "staff": (False, False, True),
}


@pytest.mark.parametrize("role", ROLES)
def test_menu_offers_the_dashboard_only_to_therapists(client, profile, role):
    _therapist, users = profile
    links = _nav_links(_as(client, users[role]).get(reverse("home")).content.decode())
    dashboard, for_therapists, admin = MENU[role]
    assert ("Dashboard" in links) is dashboard
    assert ("For therapists" in links) is for_therapists
    assert ("Admin" in links) is admin
    if dashboard:
        assert links["Dashboard"] == reverse("dashboard:home")
    if for_therapists:
        # Where a client can list or claim a practice.
        assert links["For therapists"] == reverse("dashboard:home")


def test_menu_shows_the_dashboard_to_a_user_creating_a_profile(client, profile):
    _therapist, users = profile
    client.force_login(users["client"])
    response = client.get(reverse("dashboard:profile_create"))
    assert response.status_code == HTTPStatus.OK
    links = _nav_links(response.content.decode())
    assert links["Dashboard"] == reverse("dashboard:home")
    assert "For therapists" not in links


def test_menu_shows_the_dashboard_to_the_owner_of_a_draft(client, profile):
    _therapist, users = profile
    drafter = UserFactory(username="drafter")
    TherapistFactory(owner=drafter, status="draft")
    client.force_login(drafter)
    assert "Dashboard" in _nav_links(client.get(reverse("home")).content.decode())


def test_staff_who_own_a_profile_see_both_admin_and_dashboard(client, profile):
    therapist, _users = profile
    staff_owner = UserFactory(username="staff-owner", is_staff=True)
    TherapistFactory(owner=staff_owner)
    client.force_login(staff_owner)
    links = _nav_links(client.get(reverse("home")).content.decode())
    assert {"Admin", "Dashboard"} <= set(links)


# role: what the profile's review area offers
PROFILE_CTA = {
    "anonymous": "write",
    "client": "write",
    "owner": "own",
    "other_owner": "write",
    "staff": "write",
}


@pytest.mark.parametrize("role", ROLES)
def test_profile_tells_its_owner_it_is_theirs_instead_of_offering_a_review(client, profile, role):
    therapist, users = profile
    content = _as(client, users[role]).get(therapist.get_absolute_url()).content.decode()
    write_link = f'href="{reverse("reviews:create", args=[therapist.slug])}"'
    if PROFILE_CTA[role] == "own":
        assert "This is your profile." in content
        cta = content[content.index('class="review-cta"') :]
        assert f'<a href="{reverse("dashboard:home")}">' in cta[: cta.index("</div>")]
        assert write_link not in content
    else:
        assert "This is your profile" not in content
        assert write_link in content


@pytest.mark.parametrize("role", ROLES)
def test_review_form_page_tells_an_owner_before_they_type(client, profile, role):
    therapist, users = profile
    response = _as(client, users[role]).get(reverse("reviews:create", args=[therapist.slug]))
    if role == "anonymous":
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    if role == "owner":
        assert "This is your own profile." in content
        assert f'<a href="{reverse("dashboard:home")}">Go to your dashboard</a>' in content
        # No form to fill in for nothing: no rating, no text box, no submit button.
        assert 'name="rating"' not in content
        assert 'name="body"' not in content
        assert "Publish review" not in content
    else:
        assert "This is your own profile" not in content
        assert 'name="rating"' in content and "Publish review" in content


def test_owner_posting_a_review_anyway_is_refused_and_nothing_is_stored(client, profile):
    therapist, users = profile
    client.force_login(users["owner"])
    response = client.post(
        reverse("reviews:create", args=[therapist.slug]),
        {"rating": 5, "technique": 5, "professionalism": 5, "communication": 5, "cleanliness": 5,
         "would_recommend": "on", "title": "Great", "body": "Best ever."},
    )  # fmt: skip
    assert response.status_code == HTTPStatus.OK
    assert "This is your own profile" in response.content.decode()
    assert not therapist.reviews.exists()
