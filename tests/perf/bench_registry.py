"""Roster import benchmark: the time to import a 100,000-row state roster, then the same file again, then a newer
roster changing a tenth of it.

    .venv/bin/python tests/perf/bench_registry.py                     # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/perf_registry .venv/bin/python tests/perf/bench_registry.py
    .venv/bin/python tests/perf/bench_registry.py --rows 20000        # quicker

Runs on a throw-away test database (created and destroyed). Prints figures; asserts nothing about time.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATUSES = ["active"] * 8 + ["expired", "revoked"]


def roster(rows: int, *, changed_every: int = 0) -> bytes:
    lines = ["state,license_number,name,status,issued_on,expires_on"]
    for n in range(rows):
        issued = datetime.date(2015, 1, 1) + datetime.timedelta(days=n % 3000)
        expires = issued + datetime.timedelta(days=730 + (1 if changed_every and n % changed_every == 0 else 0))
        lines.append(f"CO,LMT-{n:07d},Licensee Number {n},{STATUSES[n % 10]},{issued},{expires}")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection

    from therapists.services.registry import roster_import

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        first, newer = roster(args.rows), roster(args.rows, changed_every=10)
        engine = connection.vendor
        print(f"== {args.rows:,}-row roster on {engine} ({len(first) / 1e6:.1f} MB) ==")
        for label, data in [("first import", first), ("same file again", first), ("a tenth changed", newer)]:
            started = time.perf_counter()
            result = roster_import(state="CO", data=data, source_name="bench.csv")
            elapsed = time.perf_counter() - started
            print(
                f"{label:<18} {elapsed:6.2f} s  added {result.added:,}, changed {result.changed:,}, "
                f"unchanged {result.unchanged:,}, refused {result.refused:,}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
