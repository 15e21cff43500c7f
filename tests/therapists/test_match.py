"""The guided match (issue 14): the answers-to-filters table row by row and combined, the red-flag confirmation
step, bad input, the query budget, and health answers kept out of every URL, log line, session and table."""

import logging
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse

from therapists import match
from therapists.filters import TherapistFilterSet
from therapists.match import ANY, RULES, VALUE, Answer, MatchForm, combine
from therapists.models import Certification, FocusArea, Language, Specialty
from therapists.services.scoring import therapist_refresh_credentials

from ..factories import CertificationFactory, TherapistFactory, UserFactory
from .helpers import SEARCH_URL

pytestmark = pytest.mark.django_db

MATCH_URL = "/match/"
# A value for each row that applies to any value of its answer, and how it reads.
ANY_VALUES = {
    "focus": ("upper-back-tension", "Upper back tension"),
    "gender": ("female", "Female"),
    "language": ("es", "Spanish"),
    "near": ("Denver", "Denver"),
    "max_price": ("90", "90"),
}
RED_FLAGS = {("conditions", "fracture"), ("conditions", "infection"), ("conditions", "tumour"),
             ("conditions", "blood-clot"), ("symptoms", "numbness"), ("symptoms", "severe-pain")}  # fmt: skip


def _answer(key) -> Answer:
    name, value = key
    if value == ANY:
        value, label = ANY_VALUES[name]
        return Answer(name, value, label)
    return Answer(name, value, f"label of {value}")


def _expected_params(rule, value) -> dict:
    return {
        name: [str(value) if v == VALUE else v for v in given] if isinstance(given, list) else (
            str(value) if given == VALUE else given)
        for name, given in rule.params.items()
    }  # fmt: skip


# --- the table, row by row ---


@pytest.mark.parametrize(("key", "rule"), RULES.items(), ids=[f"{f}={v}" for f, v in RULES])
def test_match_table_row_alone(key, rule):
    answer = _answer(key)
    outcome = combine([answer])
    assert outcome.params == _expected_params(rule, answer.value)
    assert outcome.reasons == ([rule.reason.replace("{label}", answer.label)] if rule.reason else [])
    assert outcome.notes == ([rule.note] if rule.note else [])
    assert outcome.red_flags == ([answer.label] if rule.red_flag else [])
    assert outcome.needs_confirmation is rule.red_flag


@pytest.mark.parametrize(("key", "rule"), RULES.items(), ids=[f"{f}={v}" for f, v in RULES])
def test_match_table_row_names_only_search_filters_and_seeded_terms(key, rule):
    for name in rule.params:
        assert name in TherapistFilterSet.base_filters, f"{name} is not a search parameter"
        assert name in match.MERGE, f"{name} has no rule for combining"
        assert name not in MatchForm.HEALTH_FIELDS
    for slug in rule.params.get("specialty", []):
        assert Specialty.objects.filter(slug=slug).exists()
    for slug in rule.params.get("focus", []):
        assert slug == VALUE or FocusArea.objects.filter(slug=slug).exists()


def test_match_table_red_flags_are_the_articles_unsafe_answers():
    assert {key for key, rule in RULES.items() if rule.red_flag} == RED_FLAGS


def test_match_table_covers_every_choice_of_the_form():
    form = MatchForm()
    for name in ("goals", "trimester", "conditions", "symptoms", "pressure"):
        for value, _ in form.fields[name].choices:
            assert value == "" or (name, value) in RULES, f"no row for {name}={value}"
    for name in ("pregnant", "oil_allergy", "injury", "mobile"):
        assert (name, True) in RULES
    for slug, _ in form.fields["focus"].choices:
        assert match.rule_for(Answer("focus", slug, slug)) is not None
    for name in ("gender", "language", "near", "max_price"):
        assert (name, ANY) in RULES


def test_match_table_reasons_quote_the_article():
    article_words = {
        ("pregnant", True): "Pregnant: only therapists with a verified prenatal certification",
        ("oil_allergy", True): "Allergies: only therapists who offer allergy-friendly products",
        ("focus", "lower-back-pain"): "Chronic lower back pain: deep tissue or sports specialists with at least 3 "
        "years in practice",
    }
    for key, words in article_words.items():
        assert RULES[key].reason.startswith(words)


# --- combinations ---


def _answers(**given) -> list[Answer]:
    form = MatchForm(given)
    assert form.is_valid(), form.errors
    return form.answers()


def test_match_pregnant_and_allergic_requires_a_prenatal_certification_and_allergy_friendly_products():
    outcome = combine(_answers(pregnant="on", oil_allergy="on"))
    assert outcome.params == {"specialty": ["prenatal"], "specialty_certified": "true", "hypoallergenic": "true"}
    assert [note.title for note in outcome.notes] == ["Pregnancy", "Allergies or sensitivities"]
    assert not outcome.needs_confirmation


def test_match_specialties_of_several_answers_are_any_of():
    outcome = combine(_answers(goals=["relaxation"], focus=["lower-back-pain"], pressure="firm"))
    assert outcome.params["specialty"] == ["swedish", "hot-stone", "deep-tissue", "sports"]
    assert outcome.params["focus"] == ["lower-back-pain"]


def test_match_floors_take_the_highest():
    outcome = combine(_answers(injury="on", focus=["lower-back-pain"], conditions=["arthritis"]))
    assert outcome.params["min_experience"] == "5"
    assert combine(_answers(injury="on", focus=["lower-back-pain"])).params["min_experience"] == "3"


def test_match_focus_from_goal_and_from_where_it_hurts_is_named_once():
    outcome = combine(_answers(goals=["posture"], focus=["posture-correction"]))
    assert outcome.params["focus"] == ["posture-correction"]


def test_match_prenatal_certification_sets_the_other_suggested_types_aside():
    outcome = combine(_answers(pregnant="on", goals=["relaxation", "pain"]))
    assert outcome.params["specialty"] == ["prenatal"] and outcome.params["specialty_certified"] == "true"
    assert outcome.reasons[-1] == match.SET_ASIDE_REASON.format(names="Swedish, Hot stone, Deep tissue")


def test_match_notes_once_each_and_red_flags_first():
    outcome = combine(_answers(oil_allergy="on", conditions=["fracture", "infection"], symptoms=["numbness"]))
    assert [note.title for note in outcome.notes] == [
        "Medical conditions", "Numbness or tingling sensations", "Allergies or sensitivities",
    ]  # fmt: skip
    assert outcome.red_flags == ["Fracture", "Infection", "Numbness or tingling"]


def test_match_no_answer_means_no_filter():
    outcome = combine([])
    assert outcome.params == {} and outcome.reasons == [] and outcome.notes == [] and not outcome.needs_confirmation


def test_match_search_link_carries_only_the_derived_filters():
    outcome = combine(_answers(pregnant="on", trimester="second", oil_allergy="on", near="Denver", max_price="90"))
    query = parse_qs(urlsplit(outcome.search_url()).query)
    assert query == {"specialty": ["prenatal"], "specialty_certified": ["true"], "hypoallergenic": ["true"],
                     "near": ["Denver"], "max_price": ["90"]}  # fmt: skip


# --- the page ---


def _verified_prenatal(name: str, *, hypoallergenic: bool, certified: bool = True, **fields):
    prenatal = Specialty.objects.get(slug="prenatal")
    therapist = TherapistFactory(name=name, specialties=[prenatal], hypoallergenic_products=hypoallergenic, **fields)
    if certified:
        CertificationFactory(
            therapist=therapist, kind=Certification.Kind.SPECIALTY, specialty=prenatal, title="Prenatal massage",
            status=Certification.Status.VERIFIED,
        )  # fmt: skip
        therapist_refresh_credentials(therapist=therapist)
    return therapist


@pytest.fixture
def prenatal_directory(db):
    """One prenatal-certified therapist with allergy-friendly products, and three who each miss one of the two."""
    return {
        "match": _verified_prenatal("Mira Match", hypoallergenic=True),
        "no_products": _verified_prenatal("Nora NoProducts", hypoallergenic=False),
        "uncertified": _verified_prenatal("Una Uncertified", hypoallergenic=True, certified=False),
        "swedish": TherapistFactory(
            name="Sven Swedish", specialties=[Specialty.objects.get(slug="swedish")], hypoallergenic_products=True
        ),
    }


def _names(response) -> list[str]:
    return [t.name for t in response.context["therapists"]]


def test_match_page_get_shows_the_questions_and_reads_no_query_string(client):
    response = client.get(MATCH_URL, {"pregnant": "on", "conditions": "fracture"})
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert 'method="post"' in content and 'action="/match/"' in content
    assert 'name="pregnant"' in content and 'id="id_pregnant" checked' not in content
    assert "outcome" not in response.context and "See a healthcare professional first" not in content
    assert reverse("match:match") == MATCH_URL


def test_match_page_pregnant_and_allergic_finds_the_certified_therapist_with_allergy_friendly_products(
    client, prenatal_directory
):
    response = client.post(MATCH_URL, {"pregnant": "on", "trimester": "second", "oil_allergy": "on"})
    assert response.status_code == HTTPStatus.OK
    assert _names(response) == ["Mira Match"]
    content = response.content.decode()
    assert "Pregnant: only therapists with a verified prenatal certification" in content
    assert "Allergies: only therapists who offer allergy-friendly products" in content
    assert match.PREGNANCY.text in content and match.ALLERGY.text in content
    assert "Tell your therapist you are in your second trimester" in content
    assert "1 therapist matches your answers" in content
    # The same search on /therapists/ finds the same therapists.
    link = response.context["search_url"]
    assert f'href="{link.replace("&", "&amp;")}"' in content
    assert [t.name for t in client.get(link).context["therapists"]] == ["Mira Match"]
    # What the person typed is kept.
    assert 'id="id_pregnant" checked' in content and '<option value="second" selected>' in content


def test_match_page_with_no_answer_shows_every_therapist(client, prenatal_directory):
    response = client.post(MATCH_URL, {})
    assert response.status_code == HTTPStatus.OK
    assert len(_names(response)) == 4
    assert "Your answers add no filter" in response.content.decode()


def test_match_page_uses_the_search_ranking(client, prenatal_directory):
    from therapists.models import Therapist

    Therapist.objects.filter(pk=prenatal_directory["swedish"].pk).update(score=0.99)
    Therapist.objects.exclude(pk=prenatal_directory["swedish"].pk).update(score=0.1)
    response = client.post(MATCH_URL, {"oil_allergy": "on"})
    searched = client.get(SEARCH_URL, {"hypoallergenic": "true"})
    assert _names(response)[0] == "Sven Swedish"
    assert _names(response) == [t.name for t in searched.context["therapists"]]


# --- red flags: a professional first, then a confirmation ---


@pytest.mark.parametrize(("field", "value"), sorted(RED_FLAGS))
def test_match_page_red_flag_leads_with_a_professional_and_shows_no_therapist(client, prenatal_directory, field, value):
    response = client.post(MATCH_URL, {field: value, "oil_allergy": "on"})
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "therapists" not in response.context and "result" not in response.context
    assert 'class="card result"' not in content
    stop = content.index("See a healthcare professional first")
    assert stop < content.index("The filters we will use, and why") < content.index("Your answers")
    assert RULES[(field, value)].note.text in content
    # The confirmation re-posts the answers in the form's body.
    confirm = content[stop:].split('class="match-confirm"', 1)[1].split("</form>", 1)[0]
    assert f'<input type="hidden" name="{field}" value="{value}">' in confirm
    assert '<input type="hidden" name="oil_allergy" value="on">' in confirm
    assert 'name="confirmed"' in confirm and "My doctor has said massage is safe for me" in confirm


def test_match_page_red_flag_confirmed_shows_the_therapists_under_the_notes(client, prenatal_directory):
    first = client.post(MATCH_URL, {"conditions": "fracture", "oil_allergy": "on"})
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', first.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in hidden:
        if name != "csrfmiddlewaretoken":
            data.setdefault(name, []).append(value)
    response = client.post(MATCH_URL, {**data, "confirmed": "on"})
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert content.index("See a healthcare professional first") < content.index("Your matches")
    assert 'class="match-confirm"' not in content
    # Verified, five years or more, allergy-friendly: the factories' five years, but none verified by a license.
    assert response.context["search_url"].endswith("hypoallergenic=true&verified=true&min_experience=5")
    assert response.context["result"].filterset.form.cleaned_data["verified"] is True


def test_match_page_tampered_hidden_answer_is_a_field_error(client, prenatal_directory):
    response = client.post(MATCH_URL, {"conditions": ["fracture", "<b>not-a-condition</b>"], "confirmed": "on"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    content = response.content.decode()
    assert "therapists" not in response.context and "outcome" not in response.context
    assert "Choose one of the answers listed." in content
    assert '<ul class="errorlist" id="id_conditions-errors">' in content
    assert "<b>not-a-condition</b>" not in content
    # What was valid is kept.
    assert re.search(r'value="fracture"[^>]*id="id_conditions_0"[^>]*checked', content)


# --- bad input ---

BAD_INPUT = {
    "unknown goal": ({"goals": "levitation"}, "goals", "Choose one of the answers listed."),
    "unknown focus": ({"focus": "elbow"}, "focus", "Choose one of the answers listed."),
    "unknown pressure": ({"pressure": "crushing"}, "pressure", "Choose one of the answers listed."),
    "unknown gender": ({"gender": "robot"}, "gender", "Choose one of the answers listed."),
    "unknown language": ({"language": "xx"}, "language", "Choose one of the answers listed."),
    "unknown trimester": ({"pregnant": "on", "trimester": "fourth"}, "trimester", "Choose one of the answers listed."),
    "trimester without pregnancy": ({"trimester": "first"}, "trimester", "Choose a trimester only if you are pregnant"),
    "where without injury": ({"injury_where": "left knee"}, "injury_where", "Say where only with a recent injury"),
    "too long place": ({"near": "x" * 101}, "near", "Keep this to 100 characters or fewer."),
    "too long where": ({"injury": "on", "injury_where": "y" * 101}, "injury_where", "Keep this to 100 characters"),
    "price not a number": ({"max_price": "cheap"}, "max_price", "Enter a whole dollar amount"),
    "negative price": ({"max_price": "-5"}, "max_price", "Enter a whole dollar amount"),
    "huge price": ({"max_price": "9" * 30}, "max_price", "Enter a whole dollar amount"),
    "decimal price": ({"max_price": "80.5"}, "max_price", "Enter a whole dollar amount"),
}


@pytest.mark.parametrize(("data", "field", "message"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_match_page_bad_input_is_an_error_beside_its_field(client, prenatal_directory, data, field, message):
    response = client.post(MATCH_URL, {**data, "mobile": "on", "near": data.get("near", "Springfield")})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    content = response.content.decode()
    errors = content.split(f'id="id_{field}-errors"', 1)[1].split("</ul>", 1)[0]
    assert message in errors
    assert f'aria-describedby="id_{field}-errors"' in content
    assert "outcome" not in response.context and "therapists" not in response.context
    # The rest of what was typed is kept.
    assert 'id="id_mobile" checked' in content


def test_match_page_keeps_what_was_typed_beside_an_error(client):
    response = client.post(MATCH_URL, {"injury": "on", "injury_where": "left shoulder", "max_price": "cheap",
                                       "near": "Boulder", "goals": ["relaxation", "sport"]})  # fmt: skip
    assert response.status_code == HTTPStatus.BAD_REQUEST
    content = response.content.decode()
    assert 'value="left shoulder"' in content and 'value="Boulder"' in content and 'value="cheap"' in content
    assert 'value="relaxation" id="id_goals_0" checked' in content
    assert 'value="sport" id="id_goals_2" checked' in content


def test_match_page_escapes_what_was_typed(client):
    response = client.post(MATCH_URL, {"injury": "on", "injury_where": "<script>x</script>", "near": "<i>Den</i>"})
    content = response.content.decode()
    assert "<script>x</script>" not in content and "<i>Den</i>" not in content
    assert "&lt;script&gt;x&lt;/script&gt;" in content


def test_match_page_unknown_place_is_said_and_the_rest_still_matches(client, prenatal_directory):
    response = client.post(MATCH_URL, {"oil_allergy": "on", "near": "Nowhereville"})
    assert response.status_code == HTTPStatus.OK
    assert "We could not find “Nowhereville”, so the results are not limited to a place." in response.content.decode()
    assert sorted(_names(response)) == ["Mira Match", "Sven Swedish", "Una Uncertified"]


def test_match_page_malformed_post_is_a_400(client):
    assert client.post(MATCH_URL, {"near": "Den\x00ver"}).status_code == HTTPStatus.BAD_REQUEST
    body = b'--x\r\nContent-Disposition: form-data; name="near"\r\n\r\nDenver\r\n--x--\r\n'
    response = client.generic("POST", MATCH_URL, body, content_type="multipart/form-data")  # no boundary
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_match_page_post_needs_the_csrf_token(db):
    guarded = Client(enforce_csrf_checks=True)
    assert guarded.post(MATCH_URL, {"pregnant": "on"}).status_code == HTTPStatus.FORBIDDEN
    page = guarded.get(MATCH_URL)
    token = page.cookies["csrftoken"].value
    response = guarded.post(MATCH_URL, {"pregnant": "on", "csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.OK and 'name="csrfmiddlewaretoken"' in page.content.decode()


# --- health answers stay in the POST and its page ---

# Answers that give away health: none may reach a link, a log line, the session or a table.
HEALTH_POST = {
    "pregnant": "on",
    "trimester": "third",
    "oil_allergy": "on",
    "injury": "on",
    "injury_where": "zx-left-rotator-cuff",
    "conditions": ["scoliosis", "herniated-disc", "fracture"],
    "symptoms": ["numbness", "difficulty-moving"],
    "confirmed": "on",
}
HEALTH_WORDS = ("pregnan", "trimester", "third", "oil_allergy", "injury", "zx-left-rotator-cuff", "scoliosis",
                "herniated", "fracture", "numbness", "difficulty", "symptom", "condition", "confirmed")  # fmt: skip


def test_match_page_links_hold_no_health_answer(client, prenatal_directory):
    response = client.post(MATCH_URL, HEALTH_POST)
    assert response.status_code == HTTPStatus.OK and "Your matches" in response.content.decode()
    content = response.content.decode()
    links = re.findall(r'(?:href|action|src)="([^"]*)"', content)
    assert links
    for link in links:
        query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
        assert set(query) <= set(TherapistFilterSet.base_filters), link
        assert not any(word in link.lower() for word in HEALTH_WORDS), link
    search_link = parse_qs(urlsplit(response.context["search_url"]).query)
    assert search_link == {"specialty": ["prenatal"], "specialty_certified": ["true"], "hypoallergenic": ["true"],
                           "verified": ["true"], "min_experience": ["5"]}  # fmt: skip


def test_match_page_is_never_a_redirect_and_never_cached(client):
    response = client.post(MATCH_URL, HEALTH_POST)
    assert response.status_code == HTTPStatus.OK and "Location" not in response
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "no-store" in client.get(MATCH_URL)["Cache-Control"]


def test_match_page_logs_no_health_answer(client, caplog, prenatal_directory):
    # Every query is logged too (django.db.backends at DEBUG, as with DEBUG=true): the SQL holds only filters.
    connection.force_debug_cursor = True
    try:
        with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="django.db.backends"):
            _post_health_answers(client)
    finally:
        connection.force_debug_cursor = False
    text = caplog.text.lower() + " ".join(str(record.__dict__) for record in caplog.records).lower()
    assert "/match/" in text and "select" in text  # the checks below read real log lines (the requests', the SQL)
    for word in ("zx-left-rotator-cuff", "scoliosis", "herniated", "fracture", "numbness", "trimester", "pregnan",
                 "zx-tampered"):  # fmt: skip
        assert word not in text


def _post_health_answers(client):
    client.post(MATCH_URL, HEALTH_POST)
    client.post(MATCH_URL, {**HEALTH_POST, "confirmed": ""})
    client.post(MATCH_URL, {**HEALTH_POST, "goals": "zx-tampered"})
    client.post(MATCH_URL, {**HEALTH_POST, "near": "zx\x00"})


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models(include_auto_created=True)}


def test_match_page_stores_nothing_anonymous(client, prenatal_directory):
    before = _row_counts()
    for data, status in ((HEALTH_POST, HTTPStatus.OK), ({**HEALTH_POST, "confirmed": ""}, HTTPStatus.OK),
                         ({**HEALTH_POST, "max_price": "x"}, HTTPStatus.BAD_REQUEST)):  # fmt: skip
        assert client.post(MATCH_URL, data).status_code == status
    assert _row_counts() == before
    assert "sessionid" not in client.cookies


def test_match_page_stores_nothing_signed_in(client, prenatal_directory):
    client.force_login(UserFactory(username="pat"))
    session = dict(client.session.items())
    before = _row_counts()
    assert client.post(MATCH_URL, HEALTH_POST).status_code == HTTPStatus.OK
    assert _row_counts() == before
    assert dict(client.session.items()) == session


# --- the precautions a client may take into a request ---

PRECAUTIONS = {
    "nothing about health": ({"goals": ["relaxation"], "near": "Denver"}, []),
    "pregnant": ({"pregnant": "on"}, ["Pregnant"]),
    "pregnant, with the trimester": ({"pregnant": "on", "trimester": "second"}, ["Pregnant, second trimester"]),
    "allergy": ({"oil_allergy": "on"}, ["Allergic or sensitive to oils and lotions"]),
    "injury": ({"injury": "on"}, ["Recent injury or wound"]),
    "injury, and where": ({"injury": "on", "injury_where": " lower   back "}, ["Recent injury or wound: lower back"]),
    "conditions": ({"conditions": ["herniated-disc", "other"]}, ["Herniated disc", "Another medical condition"]),
    "symptoms": ({"symptoms": ["numbness", "difficulty-moving"]},
                 ["Numbness or tingling", "Difficulty moving or doing daily tasks"]),
    "all of it, health first in the form's order": (
        {"symptoms": ["severe-pain"], "conditions": ["fracture"], "injury": "on", "oil_allergy": "on",
         "pregnant": "on", "trimester": "third"},
        ["Pregnant, third trimester", "Allergic or sensitive to oils and lotions", "Recent injury or wound", "Fracture",
         "Severe or persistent pain"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("data", "lines"), PRECAUTIONS.values(), ids=PRECAUTIONS)
def test_match_precautions_in_plain_words(data, lines):
    form = MatchForm(data)
    assert form.is_valid(), form.errors
    assert form.precautions() == lines


def test_match_page_offers_each_requestable_therapist_a_request_with_the_precautions(client, prenatal_directory):
    from appointments.models import AppointmentRequest

    mira = prenatal_directory["match"]
    mira.owner = UserFactory(username="mira")
    mira.accepting_new_clients = True
    mira.save()
    client.force_login(UserFactory(username="pat", email_confirmed_at=mira.created_at))
    before = _row_counts()
    response = client.post(MATCH_URL, {"pregnant": "on", "trimester": "second", "oil_allergy": "on"})
    assert _row_counts() == before
    content = response.content.decode()
    forms = re.findall(r'<form method="post" action="([^"]+)" class="match-request">(.*?)</form>', content, re.S)
    assert [action for action, _ in forms] == [reverse("appointments:create", args=[mira.slug])]
    body = forms[0][1]
    assert 'name="csrfmiddlewaretoken"' in body and '<input type="hidden" name="prefill" value="precautions">' in body
    assert re.findall(r'name="precaution" value="([^"]*)"', body) == [
        "Pregnant, second trimester",
        "Allergic or sensitive to oils and lotions",
    ]
    assert 'Request an appointment<span class="visually-hidden"> with Mira Match</span>' in body
    # The button POSTs those sentences to the request page, which fills in its box and stores nothing.
    fields = dict(re.findall(r'name="(csrfmiddlewaretoken|prefill)" value="([^"]*)"', body))
    lines = re.findall(r'name="precaution" value="([^"]*)"', body)
    filled = client.post(forms[0][0], {**fields, "precaution": lines})
    assert filled.status_code == HTTPStatus.OK
    assert (
        filled.context["form"].initial["precautions"]
        == "Pregnant, second trimester\nAllergic or sensitive to oils and lotions"
    )
    assert not AppointmentRequest.objects.exists() and _row_counts() == before


def test_match_page_offers_no_request_where_none_can_be_sent(client, prenatal_directory):
    """Unowned profiles (every one here but Mira), and Mira once she stops accepting: no button; anonymous visitors
    are asked to log in by a plain link that carries nothing of the answers."""
    mira = prenatal_directory["match"]
    mira.owner = UserFactory(username="mira")
    mira.accepting_new_clients = True
    mira.save()
    anonymous = client.post(MATCH_URL, {"pregnant": "on", "oil_allergy": "on"}).content.decode()
    assert 'class="match-request"' in anonymous and 'name="precaution"' not in anonymous
    login = f'href="{reverse("login")}?next={reverse("appointments:create", args=[mira.slug])}"'
    assert login in anonymous
    mira.accepting_new_clients = False
    mira.save()
    client.force_login(UserFactory(username="pat"))
    assert (
        'class="match-request"' not in client.post(MATCH_URL, {"pregnant": "on", "oil_allergy": "on"}).content.decode()
    )


def test_match_page_shortlist_buttons_return_to_the_same_search(client, prenatal_directory):
    """The match's answer is a POST nobody can open again: a card's shortlist button returns to the same search on
    the search page (derived filters only), at the card."""
    response = client.post(MATCH_URL, {"pregnant": "on", "oil_allergy": "on"})
    search_url = response.context["search_url"]
    nexts = re.findall(r'name="next" value="([^"]*)"', response.content.decode())
    assert nexts and {value.replace("&amp;", "&") for value in nexts} == {search_url}
    mira = prenatal_directory["match"]
    added = client.post(reverse("shortlists:add"), {"therapist": mira.slug, "next": search_url})
    assert added["Location"] == f"{search_url}#shortlist-{mira.slug}"


# --- the query budget ---

# The search's own budget with its facet counts cached (the newest-change lookup, the page of therapists, their
# specialties and certifications in one UNION); the vocabularies the questions list are cached too. Cold: the
# vocabularies' one query and the facets' UNION and aggregate on top.
MATCH_QUERIES_WARM = 3
MATCH_QUERIES_COLD = 6


def test_match_page_results_run_a_fixed_number_of_queries(client, django_assert_num_queries, prenatal_directory):
    from django.core.cache import cache

    data = {"pregnant": "on", "oil_allergy": "on", "goals": ["relaxation"], "focus": ["lower-back-pain"],
            "language": "en", "gender": "female", "max_price": "200", "mobile": ""}  # fmt: skip
    mira = prenatal_directory["match"]
    mira.gender = "female"
    mira.save()
    mira.languages.set(Language.objects.filter(code="en"))
    mira.focus_areas.set(FocusArea.objects.filter(slug="lower-back-pain"))
    cache.clear()
    with django_assert_num_queries(MATCH_QUERIES_COLD):
        client.post(MATCH_URL, data)
    with django_assert_num_queries(MATCH_QUERIES_WARM):
        response = client.post(MATCH_URL, data)
    assert _names(response) == ["Mira Match"]
    for i in range(25):
        _verified_prenatal(f"Many {i}", hypoallergenic=True)
    client.post(MATCH_URL, {"pregnant": "on", "oil_allergy": "on"})
    with django_assert_num_queries(MATCH_QUERIES_WARM):
        response = client.post(MATCH_URL, {"pregnant": "on", "oil_allergy": "on"})
    assert len(response.context["therapists"]) == 20 and response.context["result"].paginator.count == 26


def test_match_page_questions_cost_no_query_once_warm(client, django_assert_num_queries):
    client.get(MATCH_URL)
    with django_assert_num_queries(0):
        assert client.get(MATCH_URL).status_code == HTTPStatus.OK
