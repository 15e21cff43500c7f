"""PostgreSQL only: pg_trgm, a GIN index on the weighted full-text document, trigram indexes on name
and city. On SQLite this migration does nothing (search there is a substring match)."""
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations

INDEX_NAMES = ["therapist_fts", "therapist_name_trgm", "therapist_city_trgm"]


def _indexes():
    from therapists.filters import fts_document

    # The full-text index is built from the very expression the search filters on, so the planner can use it.
    return [
        GinIndex(fts_document(), name="therapist_fts"),
        GinIndex(OpClass("name", name="gin_trgm_ops"), name="therapist_name_trgm"),
        GinIndex(OpClass("city", name="gin_trgm_ops"), name="therapist_city_trgm"),
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    therapist = apps.get_model("therapists", "Therapist")
    for index in _indexes():
        schema_editor.add_index(therapist, index)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEX_NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("therapists", "0002_seed_vocabularies")]

    operations = [migrations.RunPython(forward, backward)]
