"""Where a cold search spends its time: each query of one search, timed, against a kept benchmark database.

    DEBUG=true DATABASE_URL=sqlite:///$PWD/perf-100000.sqlite3 .venv/bin/python tests/perf/profile_search.py
    DEBUG=true DATABASE_URL=... .venv/bin/python tests/perf/profile_search.py "near=Denver" "verified=true"

Build the database first with tests/perf/bench_search.py. Each search runs three times with the cache cleared; the
median total and the last run's queries are printed. On SQLite a query's time covers its execution up to the first
row, so a UNION's later arms show in the total, not in its line. Prints figures; asserts nothing.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402

from therapists.selectors import search  # noqa: E402

DEFAULT_SEARCHES = ["", "near=Denver", "verified=true", "max_price=80", "specialty=prenatal&specialty_certified=true"]


def profile(query: str, runs: int = 3) -> None:
    totals, timings = [], []
    for _ in range(runs):
        cache.clear()
        timings = []

        def timed(execute, sql, params, many, context, timings=timings):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append(((time.perf_counter() - started) * 1000, " ".join(sql.split())[:110]))

        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            result = search(QueryDict(query), page_size=settings.SEARCH_PAGE_SIZE)
            list(result.page.object_list)
        totals.append((time.perf_counter() - started) * 1000)
    median = statistics.median(totals)
    print(f"== {query or '(no filter)'}: {median:.0f} ms (median of {runs}); the last run's queries:")
    for ms, sql in timings:
        print(f"   {ms:8.1f} ms  {sql}")


if __name__ == "__main__":
    for query in sys.argv[1:] or DEFAULT_SEARCHES:
        profile(query)
