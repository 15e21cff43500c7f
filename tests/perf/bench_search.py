"""Search benchmark: p50/p95 of representative searches through the full request path, at two scales.

    .venv/bin/python tests/perf/bench_search.py                  # 1,000 and 100,000 therapists (SQLite)
    .venv/bin/python tests/perf/bench_search.py --scales 1000    # quicker
    .venv/bin/python tests/perf/bench_search.py --cold           # no cached facet counts
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/perf_{n} .venv/bin/python tests/perf/bench_search.py

Each scale's database is built once with seed_demo (10 reviews per therapist) and kept for reuse
(--rebuild builds again). A database whose therapists list no services and no hours (built before issue 13) gets
them in bulk, deterministically (fill_offerings). Prints figures; asserts nothing about time.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEARCHES = [
    ("all, best match", {}),
    ("specialty", {"specialty": "deep-tissue"}),
    ("two specialties", {"specialty": ["swedish", "thai"]}),
    ("verified", {"verified": "true"}),
    ("specialty certified", {"specialty": "prenatal", "specialty_certified": "true"}),
    ("near a city", {"near": "Denver"}),
    ("near a ZIP, 10 km", {"near": "10001", "radius_km": "10"}),
    ("near, by distance", {"near": "Chicago", "sort": "distance"}),
    ("min rating 4.5", {"min_rating": "4.5"}),
    ("min 20 reviews", {"min_reviews": "20"}),
    ("recommend 90%", {"min_recommend": "90"}),
    ("communication + cleanliness", {"min_communication": "4.5", "min_cleanliness": "4.5"}),
    ("language es", {"language": "es"}),
    ("gender + focus", {"gender": "male", "focus": "sciatica"}),
    ("amenities (all of)", {"amenity": ["private-room", "fresh-linens"]}),
    ("max price 80", {"max_price": "80"}),
    ("accepting, mobile, allergy", {"accepting": "true", "mobile": "true", "hypoallergenic": "true"}),
    ("experience 10+", {"min_experience": "10", "sort": "experience"}),
    ("text", {"q": "listen"}),
    ("sort rating", {"sort": "rating"}),
    ("sort reviews", {"sort": "reviews"}),
    ("sort price", {"sort": "price"}),
    ("sort newest", {"sort": "newest"}),
    ("combined", {"specialty": "deep-tissue", "near": "Houston", "verified": "true", "min_rating": "4"}),
    ("page 1", {"page": "1"}),
    ("page 50", {"page": "50"}),
    # Issue 13: a price at a session length, and the days open.
    ("90 min under $130", {"duration": "90", "max_price": "130"}),
    ("90 min, by price", {"duration": "90", "sort": "price"}),
    ("open weekends", {"days": "weekends"}),
]


def database_url(template: str | None, scale: int) -> str:
    if template:
        return template.format(n=scale)
    return f"sqlite:///{ROOT}/perf-{scale}.sqlite3"


def build(url: str, scale: int, rebuild: bool) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
    python = sys.executable
    marker = ROOT / f".perf-{scale}-built" if url.startswith("sqlite") else None
    # A kept database still takes the newest migrations (quick when there are none).
    migrate = [python, "manage.py", "migrate", "-v0"]
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        if path.exists() and marker and marker.exists() and not rebuild:
            subprocess.run(migrate, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
            offerings(env)
            return
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and not rebuild:
                subprocess.run(migrate, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
                offerings(env)
                return
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    for command in (
        ["migrate", "-v0"],
        ["load_places", "--countries", "US"],
        ["seed_demo", "--therapists", str(scale), "--reviews", str(10 * scale), "--photos", "0", "--no-logins"],
    ):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    offerings(env)
    if marker:
        marker.touch()
    print(f"built {scale:,} therapists in {time.perf_counter() - started:.0f}s", flush=True)


def offerings(env: dict) -> None:
    """Services and hours for the database's therapists, unless it has some (see fill_offerings)."""
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"}  # as manage.py, which built it
    subprocess.run([sys.executable, __file__, "--offerings"], cwd=ROOT, env=env, check=True)


# Shares of all therapists: a menu of 2-5 services; any hours; open on a weekend day; open after 17:00.
LISTS_SERVICES, HAS_HOURS, OPEN_WEEKENDS, OPEN_EVENINGS = 0.8, 0.7, 0.3, 0.4


def fill_offerings() -> None:
    """Give the synthetic therapists menus and weekly hours in bulk, the same on every run (a seeded generator over
    the therapists in id order), when the database has neither (a seed_demo that makes them is left alone).

    The menu keeps price_60 the cheapest 60-minute price, as the offerings service does: a priced therapist with
    a menu keeps its 60-minute price, on its first type; one without a menu has no price.
    """
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction

    from therapists.hours import EVENING_STARTS, WEEKEND
    from therapists.models import SESSION_LENGTHS, OpeningPeriod, Service, Therapist

    if Service.objects.exists() or OpeningPeriod.objects.exists():
        return
    started = time.perf_counter()
    rng = random.Random(13)
    types: dict[int, list[int]] = {}
    for therapist_id, specialty_id in Therapist.specialties.through.objects.order_by("therapist_id", "id").values_list(
        "therapist_id", "specialty_id"
    ):
        types.setdefault(therapist_id, []).append(specialty_id)
    services, periods, unlisted = [], [], []
    for therapist_id, price_60 in Therapist.objects.order_by("pk").values_list("pk", "price_60"):
        offered = types.get(therapist_id) or []
        if offered and price_60 is not None and rng.random() < LISTS_SERVICES:
            services += _menu(rng, therapist_id, offered, price_60, SESSION_LENGTHS)
        elif price_60 is not None:
            unlisted.append(therapist_id)
        if rng.random() < HAS_HOURS:
            periods += _week(rng, therapist_id)
    with transaction.atomic():
        Service.objects.bulk_create(services, batch_size=5000)
        OpeningPeriod.objects.bulk_create(periods, batch_size=5000)
        for start in range(0, len(unlisted), 5000):
            Therapist.objects.filter(pk__in=unlisted[start : start + 5000]).update(price_60=None)
        # The columns the search's "lists prices" and day filters read, as services.offerings keeps them.
        Therapist.objects.filter(pk__in=Service.objects.values("therapist_id")).update(lists_prices=True)
        weekend = OpeningPeriod.objects.filter(weekday__in=WEEKEND).values("therapist_id")
        Therapist.objects.filter(pk__in=weekend).update(open_weekends=True)
        evening = OpeningPeriod.objects.filter(closes__gt=EVENING_STARTS).values("therapist_id")
        Therapist.objects.filter(pk__in=evening).update(open_evenings=True)
    with connection.cursor() as cursor:
        for table in (Service._meta.db_table, OpeningPeriod._meta.db_table):
            cursor.execute(f"ANALYZE {table}")
    print(f"gave {len(services):,} services and {len(periods):,} opening periods in "
          f"{time.perf_counter() - started:.0f}s", flush=True)  # fmt: skip


def _menu(rng: random.Random, therapist_id: int, offered: list[int], price_60: int, lengths) -> list:
    """2-5 services: 60 minutes of the first type at its 60-minute price (the cheapest 60 minutes), then other
    lengths and types priced by the minute, a little dearer for the longer and the other types."""
    from therapists.models import Service

    menu = [Service(therapist_id=therapist_id, specialty_id=offered[0], minutes=60, price=price_60)]
    choices = [
        (specialty, minutes) for specialty in offered for minutes in lengths if (specialty, minutes) != (offered[0], 60)
    ]
    for specialty, minutes in rng.sample(choices, k=min(len(choices), rng.randint(1, 4))):
        extra = 0 if specialty == offered[0] else rng.choice((5, 10, 20))
        price = min(1000, max(10, 5 * round((price_60 * minutes / 60 * rng.uniform(0.9, 1.1) + extra) / 5)))
        if minutes == 60:
            price = max(price, price_60)
        menu.append(Service(therapist_id=therapist_id, specialty_id=specialty, minutes=minutes, price=price))
    return menu


def _week(rng: random.Random, therapist_id: int) -> list:
    """Three to five weekdays 9 to 5 (some with a lunch break); some evenings till 7 or 8; some weekends."""
    from therapists.models import OpeningPeriod

    at = datetime.time
    periods = []
    evenings = rng.random() < OPEN_EVENINGS / HAS_HOURS
    days = sorted(rng.sample(range(5), k=rng.randint(3, 5)))
    late = set(rng.sample(days, k=rng.randint(1, 2))) if evenings else set()
    for day in days:
        closes = at(rng.choice((19, 20))) if day in late else at(17)
        if rng.random() < 0.3:
            periods += [(day, at(9), at(12)), (day, at(13), closes)]
        else:
            periods.append((day, at(9), closes))
    if rng.random() < OPEN_WEEKENDS / HAS_HOURS:
        for day in rng.choice(((5,), (6,), (5, 6))):
            periods.append((day, at(10), at(16)))
    return [OpeningPeriod(therapist_id=therapist_id, weekday=d, opens=o, closes=c) for d, o, c in periods]


def measure(url: str, repeats: int, cold: bool) -> dict:
    """Run in a child process with DATABASE_URL set: time every search through Django's test client."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PERF_REPEATS": str(repeats),
        "PERF_COLD": "1" if cold else "",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def child() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    repeats = int(os.environ["PERF_REPEATS"])
    # Cold: no cached facet counts or vocabularies, as for a search nobody has made in the last minutes.
    cold = bool(os.environ.get("PERF_COLD"))
    client = Client()

    def timed(path, params):
        for _ in range(2):
            assert client.get(path, params).status_code == 200
        samples = []
        for _ in range(repeats):
            if cold:
                cache.clear()
            start = time.perf_counter()
            response = client.get(path, params)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        return samples

    results = {"trivial": timed("/about/", {})}
    for label, params in SEARCHES:
        results[label] = timed("/therapists/", params)
    print(json.dumps(results))


def pct(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--cold", action="store_true", help="Clear the cache before every request.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--offerings", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    if args.offerings:
        fill_offerings()
        return
    template = os.environ.get("DATABASE_URL")
    summary = {}
    for scale in args.scales:
        url = database_url(template, scale)
        build(url, scale, args.rebuild)
        results = measure(url, args.repeats, args.cold)
        trivial = statistics.median(results.pop("trivial"))
        everything = [s for samples in results.values() for s in samples]
        engine = "PostgreSQL" if "postgres" in url else "SQLite"
        print(f"\n== {scale:,} therapists ({engine}, {'cold cache' if args.cold else 'warm cache'}) ==")
        print(f"{'search':<30} {'p50 ms':>8} {'p95 ms':>8}")
        for label, samples in results.items():
            print(f"{label:<30} {pct(samples, 0.5):8.1f} {pct(samples, 0.95):8.1f}")
        p50, p95 = pct(everything, 0.5), pct(everything, 0.95)
        page_ratio = statistics.median(results["page 50"]) / statistics.median(results["page 1"])
        print(f"{'ALL SEARCHES':<30} {p50:8.1f} {p95:8.1f}")
        print(f"trivial page p50 {trivial:.1f} ms; search p50 / trivial = {p50 / trivial:.2f} (target <= 5)")
        print(f"page 50 / page 1 = {page_ratio:.2f} (target <= 1.5)")
        summary[scale] = p50
    if len(summary) >= 2:
        small, large = min(summary), max(summary)
        print(f"\np50 ratio {large:,}/{small:,} = {summary[large] / summary[small]:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
