"""therapists.registry: the registry's answer beside a license, each outcome, names compared, two queries a page."""

import datetime

import pytest

from therapists.models import Certification
from therapists.registry import Match, names_agree, registry_answers
from therapists.services.registry import roster_import

from ..factories import CertificationFactory, TherapistFactory

pytestmark = pytest.mark.django_db

HEADER = "state,license_number,name,status,issued_on,expires_on\n"


@pytest.fixture
def co_roster(today):
    rows = [
        "CO,MT0000001,ALVAREZ Ruth María,active,2024-01-01,2027-01-01",
        "CO,MT0000002,Somebody Else,active,2024-01-01,2027-01-01",
        "CO,MT0000003,Ruth Alvarez,revoked,2024-01-01,2027-01-01",
        "CO,MT0000004,Ruth Alvarez,active,2020-01-01,2026-06-14",
        "CO,MT0000005,Ruth Alvarez,active,2024-01-01,2028-01-01",
        "CO,MT0000006,Ruth Alvarez,suspended,2024-01-01,2027-01-01",
    ]
    return roster_import(state="CO", data=(HEADER + "\n".join(rows) + "\n").encode())


@pytest.mark.parametrize(
    ("region", "number", "kind", "match", "text"),
    [
        ("CO", "mt-0000001", "license", Match.MATCHES, "Matches the registry (name, number, expiry)"),
        ("CO", "MT0000002", "license", Match.NAME_DIFFERS, "Number found, name differs (registry: Somebody Else)"),
        ("CO", "MT 0000003", "license", Match.INACTIVE, "Registry says revoked (expiry Jan. 1, 2027)"),
        ("CO", "MT0000004", "license", Match.INACTIVE, "Registry says expired (expiry June 14, 2026)"),
        ("CO", "MT0000006", "license", Match.INACTIVE, "Registry says suspended (expiry Jan. 1, 2027)"),
        (
            "CO",
            "MT0000005",
            "license",
            Match.EXPIRY_DIFFERS,
            "the registry's expiry differs (registry: Jan. 1, 2028)",
        ),
        ("co", "MT0009999", "license", Match.NOT_FOUND, "Not found in the registry"),
        ("WY", "MT0000001", "license", Match.NO_ROSTER, "No roster loaded for this state"),
        ("", "MT0000001", "board", Match.NOT_APPLICABLE, "Not a state license"),
    ],
    ids=[
        "matches",
        "name-differs",
        "revoked",
        "expired-by-date",
        "suspended",
        "expiry-differs",
        "not-found",
        "no-roster",
        "not-a-license",
    ],  # fmt: skip
)
def test_registry_answers_each_outcome(co_roster, today, region, number, kind, match, text):
    therapist = TherapistFactory(name="Ruth Alvarez")
    certification = CertificationFactory(
        therapist=therapist, kind=kind, region=region, credential_number=number,
        issued_on=datetime.date(2024, 1, 1), expires_on=datetime.date(2027, 1, 1),
    )  # fmt: skip
    answer = registry_answers([certification])[certification.pk]
    assert answer.match == match
    assert text in answer.text
    assert answer.is_good == (match == Match.MATCHES)


def test_registry_answers_a_whole_page_in_two_queries(co_roster, today, django_assert_num_queries):
    certifications = list(
        Certification.objects.select_related("therapist").filter(
            pk__in=[CertificationFactory(credential_number=f"MT000000{n}").pk for n in range(1, 7)]
        )
    )
    with django_assert_num_queries(2):
        answers = registry_answers(certifications)
    assert len(answers) == 6


@pytest.mark.parametrize(
    ("roster", "profile", "agree"),
    [
        ("SMITH, Jane A.", "Jane A Smith", True),
        ("Smith, Jane Ann", "Jane Smith", True),
        ("José Ramírez", "Jose Ramirez", True),
        ("Jane Smith", "Jane Smyth", False),
        ("Jane Smith", "Jane Ann Smith", False),
        ("", "Jane Smith", False),
    ],
)
def test_names_agree_without_case_accents_punctuation_or_order(roster, profile, agree):
    assert names_agree(roster, profile) == agree
