"""Proof of the read-replica router against a real streaming replica: a private primary and a `pg_basebackup -R`
standby on free loopback ports, the app pointed at both (DATABASE_URL, DATABASE_REPLICA_URLS).

    .venv/bin/python tests/perf/replica_check.py

Shows: a public page's queries counted by alias (all on the replica); with the standby's replay paused, a review is
posted and its author sees it at once (sticky primary) while an anonymous reader is still on the stale replica;
the replication lag measured in milliseconds. Everything runs in a temporary folder and is stopped and removed at
the end; the shared cluster at 5432 is never touched. Prints figures; not part of the test run; needs PostgreSQL's
server binaries (/usr/lib/postgresql/<version>/bin). Run as root, the servers run as the `postgres` user.
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "h16c"
LAG_SAMPLES = 50


def pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]))
    if not versions:
        sys.exit("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin.")
    return versions[-1].parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*command, **kwargs) -> None:
    """A PostgreSQL tool, as the postgres user when this runs as root (the server refuses to run as root)."""
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*as_postgres, *map(str, command)], check=True, capture_output=True, **kwargs)  # noqa: S603


def start_server(data: Path, port: int, folder: Path) -> None:
    """A server on loopback at `port`, its socket and log in the check's own folder."""
    options = f"-p {port} -k {folder}"
    run(pg_bin() / "pg_ctl", "-D", data, "-l", folder / f"{data.name}.log", "-o", options, "-w", "start")


def start_cluster(folder: Path) -> tuple[Path, Path, int, int]:
    """A primary (initdb) and its standby (pg_basebackup -R), both started; their folders and ports."""
    bin_dir = pg_bin()
    primary, standby = folder / "primary", folder / "standby"
    primary_port, standby_port = free_port(), free_port()
    run(bin_dir / "initdb", "-D", primary, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    with (primary / "postgresql.conf").open("a") as conf:
        conf.write(
            "listen_addresses = '127.0.0.1'\nwal_level = replica\nmax_wal_senders = 4\n"
            "fsync = off\nsynchronous_commit = on\nfull_page_writes = off\n"
        )
    start_server(primary, primary_port, folder)
    backup = ["-h", "127.0.0.1", "-p", primary_port, "-U", "postgres", "-R", "-X", "stream", "-c", "fast"]
    run(bin_dir / "pg_basebackup", "-D", standby, *backup)
    start_server(standby, standby_port, folder)
    return primary, standby, primary_port, standby_port


def stop_cluster(folder: Path) -> None:
    bin_dir = pg_bin()
    for name in ("standby", "primary"):
        if (folder / name / "postmaster.pid").exists():
            run(bin_dir / "pg_ctl", "-D", folder / name, "-m", "immediate", "-w", "stop")


def wait_for_replay(primary_cursor, standby_cursor, timeout: float = 30.0) -> float:
    """Milliseconds until the standby has replayed everything the primary had written when asked."""
    primary_cursor.execute("SELECT pg_current_wal_lsn()")
    (target,) = primary_cursor.fetchone()
    started = time.perf_counter()
    while True:
        standby_cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
        if standby_cursor.fetchone()[0]:
            return (time.perf_counter() - started) * 1000
        if time.perf_counter() - started > timeout:
            raise TimeoutError("The standby did not catch up.")
        time.sleep(0.0005)


def check(primary_port: int, standby_port: int) -> list[tuple[str, bool]]:
    """Runs the app against both servers, prints what it sees, and gives each rule with whether it held."""
    import psycopg

    primary_url = f"postgres://postgres@127.0.0.1:{primary_port}/{DATABASE}"
    standby_url = f"postgres://postgres@127.0.0.1:{standby_port}/{DATABASE}"
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{primary_port}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {DATABASE}")

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "true",
            "ALLOWED_HOSTS": "testserver,127.0.0.1",
            "DATABASE_URL": primary_url,
            "DATABASE_REPLICA_URLS": standby_url,
            "CACHE_URL": "locmemcache://",
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    for name in ("CELERY_BROKER_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from tests.factories import TherapistFactory, UserFactory
    from tests.reviews.helpers import review_form_data

    setup_test_environment()  # the test client's templates and outbox, nothing else
    print(f"Primary 127.0.0.1:{primary_port}, standby 127.0.0.1:{standby_port} (pg_basebackup -R, streaming)")
    print(f"Routers {settings.DATABASE_ROUTERS}, replicas {settings.DATABASE_REPLICAS}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0, database="default")
    print(f"Migrated the primary in {time.perf_counter() - started:.1f} s")

    old = timezone.now() - timezone.timedelta(days=400)
    therapist = TherapistFactory(name="Rita Replica", slug="rita-replica")
    author = UserFactory(username="author", email_confirmed_at=old, date_joined=old)
    primary_cursor = connections["default"].cursor()
    standby_cursor = connections["replica_1"].cursor()
    print(f"Standby caught up with the seeded rows after {wait_for_replay(primary_cursor, standby_cursor):.1f} ms")

    anonymous, signed_in = Client(), Client()
    signed_in.force_login(author)
    wait_for_replay(primary_cursor, standby_cursor)
    page = therapist.get_absolute_url()
    anonymous.get(page)  # the first visit fills the caches (vocabularies, counts)

    def counted(client, method, url, data=None):
        with (
            CaptureQueriesContext(connections["default"]) as on_primary,
            CaptureQueriesContext(connections["replica_1"]) as on_replica,
        ):
            response = getattr(client, method)(url, data or {})
        return response, len(on_primary), len(on_replica)

    verdicts = []
    response, primary_queries, replica_queries = counted(anonymous, "get", page)
    verdicts.append(("a public page reads the replica only", primary_queries == 0 and replica_queries > 0))
    print(
        f"Anonymous GET {page}: {response.status_code}, queries on primary {primary_queries}, "
        f"on replica_1 {replica_queries}"
    )

    # Replay paused: the standby now lags for as long as we like, as a busy replica might.
    standby_cursor.execute("SELECT pg_wal_replay_pause()")
    data = review_form_data(title="Posted during replica lag")
    response, primary_queries, replica_queries = counted(
        signed_in, "post", f"/therapists/{therapist.slug}/reviews/new/", data
    )
    verdicts.append(("a write request uses the primary only", replica_queries == 0 and response.status_code == 302))
    print(
        f"Author POSTs a review (replay paused): {response.status_code}, queries on primary {primary_queries}, "
        f"on replica_1 {replica_queries}, recent-write cookie set: {'recent_write' in response.cookies}"
    )
    response, primary_queries, replica_queries = counted(signed_in, "get", page)
    seen = b"Posted during replica lag" in response.content
    verdicts.append(("the author sees their review at once", seen and replica_queries == 0))
    print(
        f"Author GETs the profile: {response.status_code}, queries on primary {primary_queries}, "
        f"on replica_1 {replica_queries}, sees their review: {seen}"
    )
    response, primary_queries, replica_queries = counted(anonymous, "get", page)
    stale = b"Posted during replica lag" not in response.content
    verdicts.append(("others read the (paused, stale) replica", stale and primary_queries == 0))
    print(
        f"Anonymous GETs the profile: queries on primary {primary_queries}, on replica_1 {replica_queries}, "
        f"replica still stale (review not shown yet): {stale}"
    )
    standby_cursor.execute("SELECT pg_wal_replay_resume()")
    caught_up = wait_for_replay(primary_cursor, standby_cursor)
    response = anonymous.get(page)
    verdicts.append(("others see it once replayed", b"Posted during replica lag" in response.content))
    print(
        f"Replay resumed: caught up in {caught_up:.1f} ms; anonymous sees the review now: "
        f"{b'Posted during replica lag' in response.content}"
    )

    lags = []
    for n in range(LAG_SAMPLES):
        primary_cursor.execute("UPDATE therapists_therapist SET years_experience = %s WHERE id = %s", [n, therapist.pk])
        lags.append(wait_for_replay(primary_cursor, standby_cursor))
    lags.sort()
    median, p90, worst = statistics.median(lags), lags[int(len(lags) * 0.9)], lags[-1]
    print(
        f"Replication lag over {LAG_SAMPLES} committed updates (commit on primary to replayed on standby): "
        f"median {median:.2f} ms, p90 {p90:.2f} ms, max {worst:.2f} ms"
    )
    standby_cursor.execute("SELECT pg_is_in_recovery()")
    print(f"Standby in recovery (read-only): {standby_cursor.fetchone()[0]}")
    for alias in ("default", "replica_1"):
        connections[alias].close()
    return verdicts


def main() -> None:
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="replica-check-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    try:
        _primary, _standby, primary_port, standby_port = start_cluster(folder)
        print(f"Two clusters up in {time.perf_counter() - started:.1f} s")
        verdicts = check(primary_port, standby_port)
    except subprocess.CalledProcessError as error:
        sys.exit(f"{' '.join(map(str, error.cmd))} failed:\n{error.stderr.decode(errors='replace')}")
    finally:
        stop_cluster(folder)
        shutil.rmtree(folder, ignore_errors=True)
        print(f"Stopped both; {time.perf_counter() - started:.1f} s in all")
    for rule, held in verdicts:
        print(f"{'OK  ' if held else 'FAIL'} {rule}")
    if not all(held for _rule, held in verdicts):
        sys.exit(1)


if __name__ == "__main__":
    main()
