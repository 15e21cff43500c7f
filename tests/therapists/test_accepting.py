""" "Accepting new clients" stays honest: the 60-day confirmation rule, the filter and its count, the words on cards,
profiles and the dashboard, the one-click confirmation and who may use it, and the ranking's documented part."""

import datetime
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from therapists import ranking
from therapists.filters import TherapistFilterSet
from therapists.models import ACCEPTING_CONFIRMATION_DAYS, Therapist
from therapists.selectors import _facets, ranking_evidence, search
from therapists.services.profiles import (
    ProfileDetails,
    therapist_confirm_accepting,
    therapist_create,
    therapist_update_profile,
)
from therapists.services.scoring import compute_score

from ..factories import TherapistFactory, UserFactory
from .helpers import ACTORS, LOGIN, check_outcome, query, slugs

pytestmark = pytest.mark.django_db

CONFIRM_URL = reverse("dashboard:accepting_confirm")
HOME, CREATE = "dashboard:home", "dashboard:profile_create"


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def accepting_set(today):
    """One of each: confirmed 59 days ago, 61 days ago, never; not accepting (confirmed yesterday)."""
    return {
        "fresh": TherapistFactory(slug="fresh", accepting_confirmed_at=days_ago(59)),
        "stale": TherapistFactory(slug="stale", accepting_confirmed_at=days_ago(61)),
        "never": TherapistFactory(slug="never", accepting_confirmed_at=None),
        "closed": TherapistFactory(slug="closed", accepting_new_clients=False, accepting_confirmed_at=days_ago(1)),
    }


# --- the rule ---


def test_accepting_window_is_sixty_days():
    assert ACCEPTING_CONFIRMATION_DAYS == 60


@pytest.mark.parametrize(
    ("accepting", "confirmed_days_ago", "counts"),
    [
        (True, 0, True),
        (True, 59, True),
        (True, 59.99, True),
        (True, 60.01, False),
        (True, 61, False),
        (True, None, False),
        (False, 1, False),
    ],
)
def test_accepting_counts_only_when_confirmed_within_sixty_days(today, accepting, confirmed_days_ago, counts):
    confirmed = None if confirmed_days_ago is None else days_ago(confirmed_days_ago)
    therapist = TherapistFactory(accepting_new_clients=accepting, accepting_confirmed_at=confirmed)
    assert therapist.is_accepting_confirmed() is counts
    # The same rule in SQL, as the filter, its count and the ranking's reads apply it.
    assert Therapist.objects.accepting().filter(pk=therapist.pk).exists() is counts


def test_accepting_lapses_as_time_passes_without_any_write(today, time_machine):
    therapist = TherapistFactory(accepting_confirmed_at=timezone.now())
    time_machine.move_to(timezone.now() + datetime.timedelta(days=59), tick=False)
    assert therapist.is_accepting_confirmed() and Therapist.objects.accepting().count() == 1
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2), tick=False)
    assert not therapist.is_accepting_confirmed() and Therapist.objects.accepting().count() == 0


@pytest.mark.parametrize(
    ("confirmed", "words"),
    [
        (datetime.timedelta(hours=1), "today"),
        (datetime.timedelta(days=1), "yesterday"),
        (datetime.timedelta(days=3), "3 days ago"),
        (datetime.timedelta(days=75), "75 days ago"),
        (None, ""),
    ],
)
def test_accepting_confirmed_ago_in_words(today, confirmed, words):
    therapist = TherapistFactory.build(accepting_confirmed_at=None if confirmed is None else timezone.now() - confirmed)
    assert therapist.accepting_confirmed_ago() == words


def test_a_new_profile_is_confirmed_as_created_only_with_the_box_ticked(today, denver):
    ticked = therapist_create(owner=None, details=ProfileDetails(name="Ana", city="Denver"))
    unticked = therapist_create(
        owner=None, details=ProfileDetails(name="Bo", city="Denver", accepting_new_clients=False)
    )
    assert ticked.accepting_confirmed_at == timezone.now()
    assert Therapist.objects.get(pk=unticked.pk).accepting_confirmed_at is None


# --- the search: the filter and its count ---


def test_accepting_filter_keeps_only_the_recently_confirmed(accepting_set):
    assert slugs({"accepting": "true"}) == ["fresh"]
    assert sorted(slugs({})) == ["closed", "fresh", "never", "stale"]


def test_accepting_count_is_the_filtered_result_count_in_the_same_aggregate(accepting_set, django_assert_num_queries):
    filterset = TherapistFilterSet(query({}), queryset=Therapist.objects.published())
    filterset.is_valid()
    # The vocabularies' union and one aggregate, as before the rule: the count is one more conditional count.
    with django_assert_num_queries(2):
        facets, total = _facets(filterset)
    assert facets["switches"]["accepting"] == 1 and total == 4
    switched = search(query({"accepting": "true"}))
    assert switched.paginator.count == switched.facets["switches"]["accepting"] == 1


def test_accepting_count_follows_a_confirmation_at_once(accepting_set, time_machine):
    assert search(query({})).facets["switches"]["accepting"] == 1
    # A moment later (the cached counts are versioned by the newest updated_at, which the confirmation moves).
    time_machine.move_to(timezone.now() + datetime.timedelta(seconds=1), tick=False)
    therapist_confirm_accepting(therapist=accepting_set["stale"], accepting=True)
    assert search(query({})).facets["switches"]["accepting"] == 2
    assert sorted(slugs({"accepting": "true"})) == ["fresh", "stale"]


def test_facet_index_covers_the_confirmation_so_the_count_reads_the_index():
    index = next(i for i in Therapist._meta.indexes if i.name == "therapist_facet_switches")
    assert {"accepting_new_clients", "accepting_confirmed_at"} <= set(index.fields)


# --- the words clients read ---


def _card_flags(page: str, therapist: Therapist) -> str:
    """The flags line ("Accepting new clients · Travels to you") of the therapist's card on a search page."""
    card = next(c for c in page.split('<li class="card result">')[1:] if therapist.get_absolute_url() in c)
    return card.split('<p class="result-flags muted">', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize(
    ("slug", "words"),
    [
        ("fresh", "Accepting new clients"),
        ("stale", "Accepting new clients (not confirmed recently)"),
        ("never", "Accepting new clients (not confirmed recently)"),
        ("closed", "Not accepting new clients"),
    ],
)
def test_search_cards_say_accepting_only_when_confirmed_recently(client, accepting_set, slug, words):
    page = client.get("/therapists/").content.decode()
    assert _card_flags(page, accepting_set[slug]).split(" · ")[0] == words


@pytest.mark.parametrize(
    ("slug", "expected", "absent"),
    [
        ("fresh", 'Accepting <span class="accepting-when">— confirmed 59 days ago</span>', "Not confirmed recently"),
        (
            "stale",
            'Not confirmed recently <span class="muted">(last said accepting 61 days ago)</span>',
            "confirmed 61",
        ),
        ("never", "<dd>Not confirmed recently</dd>", "last said accepting"),
        ("closed", "<dd>Not accepting now</dd>", "Not confirmed recently"),
    ],
)
def test_profile_says_when_accepting_was_last_confirmed(client, accepting_set, slug, expected, absent):
    page = client.get(accepting_set[slug].get_absolute_url()).content.decode()
    assert expected in page
    assert absent not in page


# --- the dashboard ---


@pytest.fixture
def owner_client(client, therapist_owner, owned_therapist):
    client.force_login(therapist_owner)
    return client


def test_dashboard_shows_when_it_was_last_confirmed_with_a_one_click_confirm(owner_client, owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_confirmed_at=days_ago(3))
    page = owner_client.get(reverse(HOME)).content.decode()
    assert "<strong>Accepting new clients</strong> — last confirmed 3 days ago." in page
    assert f'action="{CONFIRM_URL}"' in page and 'name="accepting" value="true"' in page
    assert 'name="accepting" value="false"' in page and "Stop taking new clients" in page
    assert "Not confirmed recently" not in page


def test_dashboard_warns_when_the_confirmation_has_lapsed(owner_client, owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_confirmed_at=days_ago(61))
    page = owner_client.get(reverse(HOME)).content.decode()
    assert "Not confirmed recently." in page and "You last confirmed that you accept new clients 61 days ago." in page
    assert "accepting-stale" in page


def test_dashboard_offers_to_start_taking_new_clients_when_off(owner_client, owned_therapist):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_new_clients=False)
    page = owner_client.get(reverse(HOME)).content.decode()
    assert "Not accepting new clients." in page and "Start taking new clients" in page
    assert 'name="accepting" value="false"' not in page


def test_confirm_stamps_now_refreshes_the_score_and_returns_to_the_dashboard(owner_client, owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_confirmed_at=days_ago(90), score=0)
    response = owner_client.post(CONFIRM_URL, {"accepting": "true"})
    check_outcome(response, HOME)
    stored = Therapist.objects.get(pk=owned_therapist.pk)
    assert stored.accepting_new_clients and stored.accepting_confirmed_at == timezone.now()
    assert stored.score == compute_score(stored) > 0
    assert stored.updated_at == timezone.now()
    page = owner_client.get(reverse(HOME)).content.decode()
    assert "clients see that you accept new clients, confirmed today" in page
    assert "last confirmed today" in page


def test_switching_off_and_on_each_counts_as_a_confirmation(owner_client, owned_therapist, today, time_machine):
    check_outcome(owner_client.post(CONFIRM_URL, {"accepting": "false"}), HOME)
    off = Therapist.objects.get(pk=owned_therapist.pk)
    assert not off.accepting_new_clients and off.accepting_confirmed_at == timezone.now()
    assert not off.is_accepting_confirmed() and slugs({"accepting": "true"}) == []
    time_machine.move_to(timezone.now() + datetime.timedelta(days=100), tick=False)
    check_outcome(owner_client.post(CONFIRM_URL, {"accepting": "true"}), HOME)
    on = Therapist.objects.get(pk=owned_therapist.pk)
    assert on.accepting_new_clients and on.accepting_confirmed_at == timezone.now()
    assert slugs({"accepting": "true"}) == [owned_therapist.slug]


@pytest.mark.parametrize("value", ["", "yes", "TRUE", "1", "x" * 5000])
def test_confirm_refuses_any_other_value_and_changes_nothing(owner_client, owned_therapist, today, value):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_confirmed_at=days_ago(61))
    before = Therapist.objects.get(pk=owned_therapist.pk)
    response = owner_client.post(CONFIRM_URL, {"accepting": value})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "We could not tell whether you accept new clients." in response.content.decode()
    after = Therapist.objects.get(pk=owned_therapist.pk)
    assert (after.accepting_confirmed_at, after.updated_at) == (before.accepting_confirmed_at, before.updated_at)


def test_confirm_without_a_value_changes_nothing(owner_client, owned_therapist):
    assert owner_client.post(CONFIRM_URL).status_code == HTTPStatus.BAD_REQUEST


def test_confirm_is_post_only(owner_client):
    assert owner_client.get(CONFIRM_URL).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_confirm_needs_the_csrf_token(therapist_owner, owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_confirmed_at=days_ago(61))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(therapist_owner)
    assert browser.post(CONFIRM_URL, {"accepting": "true"}).status_code == HTTPStatus.FORBIDDEN
    assert not Therapist.objects.get(pk=owned_therapist.pk).is_accepting_confirmed()


# Only the owner confirms the owner's profile; another therapist's click confirms their own; the rest own none.
CONFIRM_OUTCOME = {actor: CREATE for actor in ACTORS} | {"anonymous": LOGIN, "owner": HOME, "other_therapist": HOME}


@pytest.mark.parametrize("actor", ACTORS)
def test_confirm_acts_on_ones_own_profile_only(as_actor, owned_therapist, other_therapist_user, actor, today):
    Therapist.objects.update(accepting_confirmed_at=days_ago(61))
    response = as_actor(actor).post(CONFIRM_URL, {"accepting": "true"})
    check_outcome(response, CONFIRM_OUTCOME[actor])
    assert Therapist.objects.get(pk=owned_therapist.pk).is_accepting_confirmed() == (actor == "owner")
    others = Therapist.objects.get(owner=other_therapist_user)
    assert others.is_accepting_confirmed() == (actor == "other_therapist")


# --- the profile form ---


def _details(therapist: Therapist, **changes) -> ProfileDetails:
    return ProfileDetails(name=therapist.name, city=therapist.city, region=therapist.region, **changes)


def test_saving_the_profile_with_the_box_ticked_confirms(owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_confirmed_at=days_ago(61))
    saved = therapist_update_profile(therapist=owned_therapist, details=_details(owned_therapist))
    stored = Therapist.objects.get(pk=owned_therapist.pk)
    assert stored.accepting_confirmed_at == saved.accepting_confirmed_at == timezone.now()
    assert stored.score == compute_score(stored)


def test_saving_the_profile_unticked_keeps_the_last_confirmation(owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_confirmed_at=days_ago(10))
    therapist_update_profile(therapist=owned_therapist, details=_details(owned_therapist, accepting_new_clients=False))
    stored = Therapist.objects.get(pk=owned_therapist.pk)
    assert not stored.accepting_new_clients and stored.accepting_confirmed_at == days_ago(10)


def test_profile_form_post_with_the_box_ticked_confirms(owner_client, owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_confirmed_at=days_ago(61))
    data = {"name": owned_therapist.name, "city": "Denver", "years_experience": "5", "accepting_new_clients": "on"}
    check_outcome(owner_client.post(reverse("dashboard:profile_edit"), data), HOME)
    assert Therapist.objects.get(pk=owned_therapist.pk).accepting_confirmed_at == timezone.now()


# --- the ranking ---


def test_ranking_documents_the_accepting_part_and_its_weight():
    assert ranking.WEIGHTS["accepting"] == 0.5
    doc = ranking.__doc__
    assert "| accepting      | 0.5    | 1 when accepting new clients and confirmed within the last 60 days" in doc
    assert "refresh_scores" in doc and "daily" in doc


def test_ranking_gives_an_unconfirmed_accepting_therapist_less_by_the_documented_weight():
    confirmed = ranking.Evidence(review_count=3, rating_avg=4.5, communication_avg=4, cleanliness_avg=5,
                                 recommend_count=2, years_experience=4, accepting_confirmed=True)  # fmt: skip
    unconfirmed = ranking.Evidence(**{**confirmed.__dict__, "accepting_confirmed": False})
    priors = ranking.Priors()
    gap = ranking.score(confirmed, priors) - ranking.score(unconfirmed, priors)
    assert gap == pytest.approx(100 * 0.5 / sum(ranking.WEIGHTS.values()), abs=1e-3)


@pytest.mark.parametrize(
    ("confirmed", "words"),
    [
        (True, "Confirmed within the last 60 days that they accept new clients: this small part counts in full."),
        (False, "Not confirmed as accepting new clients within the last 60 days, so this small part adds nothing."),
    ],
)
def test_why_this_rank_says_whether_accepting_counted(confirmed, words):
    assert words in ranking.explain(ranking.Evidence(accepting_confirmed=confirmed), ranking.Priors())


def test_a_stale_profile_ranks_below_its_confirmed_twin(accepting_set):
    fresh, stale = accepting_set["fresh"], accepting_set["stale"]
    assert compute_score(fresh) > compute_score(stale)
    assert ranking_evidence(fresh).accepting_confirmed and not ranking_evidence(stale).accepting_confirmed


def test_a_confirmation_refreshes_the_stored_score(owned_therapist, today):
    Therapist.objects.filter(pk=owned_therapist.pk).update(accepting_confirmed_at=days_ago(61))
    owned_therapist.refresh_from_db()
    stale_score = compute_score(owned_therapist)
    Therapist.objects.filter(pk=owned_therapist.pk).update(score=stale_score)
    confirmed = therapist_confirm_accepting(therapist=owned_therapist, accepting=True)
    stored = Therapist.objects.get(pk=owned_therapist.pk).score
    assert stored == confirmed.score == compute_score(confirmed) > stale_score


def test_refresh_scores_takes_the_part_away_once_the_confirmation_lapses(today, time_machine, capsys):
    therapist = TherapistFactory(accepting_confirmed_at=timezone.now())
    Therapist.objects.filter(pk=therapist.pk).update(score=compute_score(therapist))
    scored = Therapist.objects.get(pk=therapist.pk).score
    time_machine.move_to(timezone.now() + datetime.timedelta(days=ACCEPTING_CONFIRMATION_DAYS + 1), tick=False)
    call_command("refresh_scores")
    assert Therapist.objects.get(pk=therapist.pk).score < scored
    assert "rescored 1" in capsys.readouterr().out


def test_the_dashboard_confirmation_is_a_users_own_action_not_staffs(client, owned_therapist):
    """Staff have no profile of their own, so the button sends them to create one: it never reaches the owner's."""
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    check_outcome(client.post(CONFIRM_URL, {"accepting": "false"}), CREATE)
    assert Therapist.objects.get(pk=owned_therapist.pk).accepting_new_clients
