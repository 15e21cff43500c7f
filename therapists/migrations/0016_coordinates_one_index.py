"""The coordinates keep one index, therapist_lat_lng (latitude, longitude and the links' bits).

The single-column indexes that `db_index=True` gave latitude and longitude drew SQLite's planner to the longitude
index for the counts near a place, which then read every wide row in the box (PERFORMANCE.md, 2026-12-07). The
indexes are dropped where they are found, without the table rebuild an AlterField costs on SQLite (which would also
drop 0006's text-search triggers); the state records the fields without `db_index`.
"""

from django.db import migrations, models

COLUMNS = ("latitude", "longitude")


def single_column_indexes(schema_editor, column: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "therapists_therapist")
    return [
        name
        for name, details in constraints.items()
        if details["index"] and details["columns"] == [column] and not details["unique"] and not details["primary_key"]
    ]


def drop_indexes(apps, schema_editor):
    for column in COLUMNS:
        for name in single_column_indexes(schema_editor, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}", params=None)


def create_indexes(apps, schema_editor):
    Therapist = apps.get_model("therapists", "Therapist")
    for column in COLUMNS:
        if not single_column_indexes(schema_editor, column):
            schema_editor.execute(schema_editor._create_index_sql(Therapist, fields=[Therapist._meta.get_field(column)]))


class Migration(migrations.Migration):
    dependencies = [
        ("therapists", "0015_bits_in_range_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="therapist", name="latitude", field=models.FloatField(blank=True, null=True)
                ),
                migrations.AlterField(
                    model_name="therapist", name="longitude", field=models.FloatField(blank=True, null=True)
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
