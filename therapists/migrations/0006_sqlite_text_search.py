"""SQLite only: free-text search indexes kept in step with the therapist table by triggers.

- `therapist_text`: FTS5 with the trigram tokenizer over name, city, headline and bio, so a word is found as a
  substring anywhere ("listen" in "I listen first") through an index instead of a scan.
- `therapist_words`: FTS5 with the unicode61 tokenizer over name and city, and `therapist_words_vocab`, the
  list of its distinct words: a typed word is expanded to the indexed words it resembles ("johnsen" ->
  "johnson"), then matched here.

Both are external-content tables over `therapists_therapist` (no copy of the text), written by triggers on
every insert, update and delete, so `bulk_create` (seed_demo), the services, the admin and cascading deletes
all keep them in step. SQLite drops a table's triggers when a migration rebuilds the table (as its schema
editor does to alter a column or add a NOT NULL one): a later migration that rebuilds `therapists_therapist`
ends with `restore_triggers`; `tests/therapists/test_text_search.py` fails if the triggers are missing after all
migrations.

The trigram tokenizer needs SQLite 3.34; an older SQLite gets nothing here and keeps the substring scan
(`therapists.search.SQLITE_TRIGRAM`). On PostgreSQL this migration does nothing (0003 has its indexes).
The SQL is written out, never imported from live code.
"""

import sqlite3

from django.db import migrations

CREATE_TABLES = [
    "CREATE VIRTUAL TABLE therapist_text USING fts5(name, city, headline, bio,"
    " content='therapists_therapist', content_rowid='id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE therapist_words USING fts5(name, city,"
    " content='therapists_therapist', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE therapist_words_vocab USING fts5vocab(therapist_words, 'row')",
]
# An external-content table forgets a row when told the exact values it indexed ('delete').
INDEX_TEXT = (
    "INSERT INTO therapist_text(rowid, name, city, headline, bio) VALUES (new.id, new.name, new.city, new.headline,"
    " new.bio);"
)
UNINDEX_TEXT = (
    "INSERT INTO therapist_text(therapist_text, rowid, name, city, headline, bio)"
    " VALUES ('delete', old.id, old.name, old.city, old.headline, old.bio);"
)
INDEX_WORDS = "INSERT INTO therapist_words(rowid, name, city) VALUES (new.id, new.name, new.city);"
UNINDEX_WORDS = (
    "INSERT INTO therapist_words(therapist_words, rowid, name, city) VALUES ('delete', old.id, old.name, old.city);"
)
CREATE_TRIGGERS = [
    f"CREATE TRIGGER therapist_search_insert AFTER INSERT ON therapists_therapist BEGIN {INDEX_TEXT} {INDEX_WORDS} END",
    "CREATE TRIGGER therapist_search_delete AFTER DELETE ON therapists_therapist"
    f" BEGIN {UNINDEX_TEXT} {UNINDEX_WORDS} END",
    "CREATE TRIGGER therapist_text_update AFTER UPDATE OF name, city, headline, bio ON therapists_therapist"
    f" BEGIN {UNINDEX_TEXT} {INDEX_TEXT} END",
    "CREATE TRIGGER therapist_words_update AFTER UPDATE OF name, city ON therapists_therapist"
    f" BEGIN {UNINDEX_WORDS} {INDEX_WORDS} END",
]
TRIGGERS = ("therapist_search_insert", "therapist_search_delete", "therapist_text_update", "therapist_words_update")
# Rows already there (a kept database) are indexed once.
REBUILD = [
    "INSERT INTO therapist_text(therapist_text) VALUES ('rebuild')",
    "INSERT INTO therapist_words(therapist_words) VALUES ('rebuild')",
]
DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
    "DROP TABLE IF EXISTS therapist_words_vocab",
    "DROP TABLE IF EXISTS therapist_words",
    "DROP TABLE IF EXISTS therapist_text",
]


def _applies(schema_editor) -> bool:
    return schema_editor.connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 34, 0)


def forward(apps, schema_editor):
    if _applies(schema_editor):
        for statement in [*CREATE_TABLES, *CREATE_TRIGGERS, *REBUILD]:
            schema_editor.execute(statement, params=None)


def restore_triggers(apps, schema_editor):
    """For a later migration that rebuilds `therapists_therapist` on SQLite (any field that is not nullable,
    unique or has a default is added that way), which drops the table's triggers: put them back, as its last
    operation: `migrations.RunPython(search_0006.restore_triggers, migrations.RunPython.noop)`.
    The rebuild copies every row with its id, so the index itself stays right; it is rebuilt all the same."""
    if _applies(schema_editor):
        for name in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
        for statement in [*CREATE_TRIGGERS, *REBUILD]:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("therapists", "0005_registry_and_desk")]

    operations = [migrations.RunPython(forward, backward)]
