"""therapists.admin.figures and therapists.desk.verification_figures: the desk's figures, exact on a fixed set."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from therapists.admin.figures import duration
from therapists.desk import percentile, verification_figures
from therapists.models import Certification, CertificationDecision

from ...factories import CertificationFactory
from ..helpers import ACTORS, ADMIN_LOGIN, FORBIDDEN, OK, check_outcome

pytestmark = pytest.mark.django_db

FIGURES = "admin:therapists_certification_figures"
EXPECTED = {actor: FORBIDDEN for actor in ACTORS} | {
    "anonymous": ADMIN_LOGIN,
    "client": ADMIN_LOGIN,
    "other_therapist": ADMIN_LOGIN,
    "owner": ADMIN_LOGIN,
    "verifier": OK,
    "superuser": OK,
}
HOUR = datetime.timedelta(hours=1)


def _decided(now, *, waited_hours: float, ago_days: float, status="verified", reason=""):
    decided_at = now - datetime.timedelta(days=ago_days)
    certification = CertificationFactory(
        created_at=decided_at - datetime.timedelta(hours=waited_hours),
        status=status,
        rejection_reason=reason or ("other" if status == "rejected" else ""),
    )
    CertificationDecision.objects.create(
        certification=certification, certification_label=str(certification), status=status, reason=reason,
        decided_at=decided_at,
    )  # fmt: skip
    return certification


@pytest.fixture
def fixed_desk(today):
    now = timezone.now()
    for hours in (1, 2, 3, 4, 10, 20, 30, 40, 50, 100):
        _decided(now, waited_hours=hours, ago_days=1)
    _decided(now, waited_hours=5, ago_days=2, status="rejected", reason="unreadable")
    _decided(now, waited_hours=6, ago_days=3, status="rejected", reason="unreadable")
    _decided(now, waited_hours=7, ago_days=4, status="rejected", reason="name_mismatch")
    _decided(now, waited_hours=999, ago_days=31)  # outside the 30 days
    # Resubmitted: waited 8 hours from its return to pending, not from its creation.
    resubmitted = _decided(now, waited_hours=500, ago_days=20)
    for status, ago_hours in (("pending", 48), ("verified", 40)):
        CertificationDecision.objects.create(
            certification=resubmitted, certification_label="x", status=status,
            decided_at=now - datetime.timedelta(hours=ago_hours),
        )  # fmt: skip
    CertificationFactory.create_batch(2)  # pending
    CertificationFactory(status="verified", expires_on=today + datetime.timedelta(days=30))
    CertificationFactory(status="verified", expires_on=today + datetime.timedelta(days=31))
    Certification.objects.filter(pk=CertificationFactory(status="verified").pk).update(
        issued_on=today - datetime.timedelta(days=400), expires_on=today - datetime.timedelta(days=1)
    )
    return now


def test_verification_figures_exact_on_a_fixed_set(fixed_desk):
    figures = verification_figures()
    # Waits in hours: 1 2 3 4 5 6 7 8 10 20 30 40 50 100 500 (the resubmitted one's first decision is 20 days ago)
    # sorted: 1 2 3 4 5 6 7 8 10 20 30 40 50 100 500 -> 15 values; median the 8th, p95 the ceil(14.25)=15th.
    assert figures.decided == 15
    assert figures.median_wait == 8 * HOUR
    assert figures.p95_wait == 500 * HOUR
    assert figures.pending == 2
    assert figures.expiring == 1
    assert figures.rejections == [
        ("The document is unreadable or incomplete", 2),
        ("The name does not match the profile", 1),
    ]


def test_percentile_is_the_nearest_rank():
    assert percentile([], 0.95) is None
    assert percentile([5.0], 0.95) == 5.0
    assert percentile(list(range(1, 21)), 0.95) == 19
    assert percentile(list(range(1, 101)), 0.95) == 95


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "—"), (HOUR, "1.0 hour"), (HOUR * 5.26, "5.3 hours"), (HOUR * 47.9, "47.9 hours"), (HOUR * 60, "2.5 days")],
)
def test_duration_reads_rounded_and_pluralised(value, shown):
    assert duration(value) == shown


def test_figures_page_shows_the_figures_and_links_the_queue(client, verifier, fixed_desk):
    client.force_login(verifier)
    html = client.get(reverse(FIGURES)).content.decode()
    assert '<td id="figure-pending"><a href="/admin/therapists/certification/?status__exact=pending">' in html
    assert "2 credentials wait" in html and "8.0 hours" in html and "20.8 days" in html
    assert "1 verified credential" in html and "?status__exact=verified&amp;expiry=soon" in html
    assert "2 rejections" in html and "1 rejection<" in html
    changelist = client.get(reverse("admin:therapists_certification_changelist")).content.decode()
    assert f'href="{reverse(FIGURES)}"' in changelist


def test_figures_link_opens_the_expiring_credentials(client, verifier, fixed_desk):
    client.force_login(verifier)
    listed = (
        client.get(
            reverse("admin:therapists_certification_changelist"), {"status__exact": "verified", "expiry": "soon"}
        )
        .context["cl"]
        .result_list
    )
    assert len(listed) == verification_figures().expiring == 1


@pytest.mark.parametrize("actor", ACTORS)
def test_figures_page_is_for_verifiers_and_superusers(as_actor, actor):
    check_outcome(as_actor(actor).get(reverse(FIGURES)), EXPECTED[actor])
