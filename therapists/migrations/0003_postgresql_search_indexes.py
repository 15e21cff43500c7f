"""PostgreSQL only: pg_trgm, a GIN index on the weighted full-text document, trigram indexes on name and city.
On SQLite this migration does nothing (search there is a substring match).

The full-text index's expression is the SQL that therapists.search.fts_document() compiles to, written out
so this migration never changes with live code; a test compares the two, so the planner can use the index.
"""

from django.db import migrations

FTS_DOCUMENT_SQL = (
    "((((setweight(to_tsvector('english'::regconfig, COALESCE(\"name\", '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(\"city\", '')), 'B'))"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(\"headline\", '')), 'B'))"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(\"bio\", '')), 'C')))"
)
CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f'CREATE INDEX "therapist_fts" ON "therapists_therapist" USING gin ({FTS_DOCUMENT_SQL})',
    'CREATE INDEX "therapist_name_trgm" ON "therapists_therapist" USING gin ("name" gin_trgm_ops)',
    'CREATE INDEX "therapist_city_trgm" ON "therapists_therapist" USING gin ("city" gin_trgm_ops)',
]
DROP = [f"DROP INDEX IF EXISTS {name}" for name in ("therapist_fts", "therapist_name_trgm", "therapist_city_trgm")]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("therapists", "0002_vocabularies_and_verifiers")]

    operations = [migrations.RunPython(forward, backward)]
