"""The demo states' license rosters, consistent with the demo licenses, so every cross-check outcome shows.

For each state with demo licenses: most licenses are listed as they were submitted ("matches"); among the pending
ones (the desk's queue), a few are listed under another name ("name differs"), a few with another expiry, a few
left out ("not found") and one or two revoked; lapsed licenses are listed as expired; other licensees of the
state who are not in the directory fill the rest. Verified licenses are always listed as they are, so seeding
withdraws nothing. The rosters go through the import service, as an uploaded roster does.
"""

import csv
import datetime
import io
import random

from django.utils import timezone
from faker import Faker

from therapists.models import Certification, normalise_license_number
from therapists.services.registry import COLUMNS, roster_import

# Out of every 10 pending licenses (in state and id order), the outcome of each slot; the others match. Pending
# licenses are few (about one in seven), so the first ten already show every outcome.
PENDING_OUTCOMES = {1: "name_differs", 2: "not_found", 3: "revoked", 4: "expiry_differs", 7: "name_differs",
                    8: "not_found"}  # fmt: skip
# "One or two revoked": the registry revokes no more than this many in all.
MAX_REVOKED = 2
OTHER_LICENSEES = 25


def plan_rosters(*, seed: int = 1) -> dict[str, list[dict]]:
    """The rows of each demo state's roster, the same for the same seed and demo data."""
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    today = timezone.localdate()
    licenses = (
        Certification.objects.filter(kind=Certification.Kind.LICENSE)
        .exclude(region="")
        .select_related("therapist")
        .order_by("region", "pk")
    )
    rosters: dict[str, list[dict]] = {}
    pending_seen = revoked = 0
    listed: set[tuple[str, str]] = set()
    for cert in licenses:
        state = cert.region.strip().upper()
        number = normalise_license_number(cert.credential_number)
        if not number or (state, number) in listed:
            continue
        rows = rosters.setdefault(state, [])
        row = {
            "state": state,
            "license_number": cert.credential_number,
            "name": cert.therapist.name,
            "status": "active" if cert.expires_on is None or cert.expires_on >= today else "expired",
            "issued_on": cert.issued_on.isoformat(),
            "expires_on": cert.expires_on.isoformat() if cert.expires_on else "",
        }
        if cert.status == Certification.Status.PENDING and row["status"] == "active":
            outcome = PENDING_OUTCOMES.get(pending_seen % 10)
            pending_seen += 1
            if outcome == "revoked" and revoked < MAX_REVOKED:
                revoked += 1
                row["status"] = "revoked"
            elif outcome == "not_found":
                continue
            elif outcome == "name_differs":
                row["name"] = fake.name()
            elif outcome == "expiry_differs" and cert.expires_on:
                row["expires_on"] = (cert.expires_on + datetime.timedelta(days=365)).isoformat()
        listed.add((state, number))
        rows.append(row)
    for state, rows in rosters.items():
        for _ in range(OTHER_LICENSEES):
            issued = today - datetime.timedelta(days=rng.randint(30, 2000))
            number = f"LMT-{rng.randint(1_000_000, 9_999_999)}"
            if (state, normalise_license_number(number)) in listed:
                continue
            listed.add((state, normalise_license_number(number)))
            rows.append({"state": state, "license_number": number, "name": fake.name(),
                         "status": rng.choice(["active"] * 6 + ["expired", "suspended"]),
                         "issued_on": issued.isoformat(),
                         "expires_on": (issued + datetime.timedelta(days=730)).isoformat()})  # fmt: skip
    return rosters


def roster_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def seed_rosters(*, seed: int = 1) -> int:
    """Import a roster for every demo state; returns the number of rosters imported."""
    rosters = plan_rosters(seed=seed)
    for state, rows in sorted(rosters.items()):
        roster_import(state=state, data=roster_csv(rows), source_name=f"demo-{state.lower()}-roster.csv")
    return len(rosters)
