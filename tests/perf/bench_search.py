"""Search benchmark: p50/p95 of representative searches through the full request path, at two scales.

    .venv/bin/python tests/perf/bench_search.py                  # 1,000 and 100,000 therapists (SQLite)
    .venv/bin/python tests/perf/bench_search.py --scales 1000    # quicker
    .venv/bin/python tests/perf/bench_search.py --cold           # no cached facet counts
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/perf_{n} .venv/bin/python tests/perf/bench_search.py

Each scale's database is built once with seed_demo (10 reviews per therapist) and kept for reuse
(--rebuild builds again). Prints figures; asserts nothing about time.
"""

import argparse
import json
import os
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
            return
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and not rebuild:
                subprocess.run(migrate, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
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
    if marker:
        marker.touch()
    print(f"built {scale:,} therapists in {time.perf_counter() - started:.0f}s", flush=True)


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
    args = parser.parse_args()
    if args.child:
        child()
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
