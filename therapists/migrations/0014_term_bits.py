"""Each vocabulary term gets a bit of its own, and each therapist its links as bits in four columns that the facet
index covers (therapists.term_bits): the search counts its link facets by grouping rows on them."""

import importlib

import django.core.validators
from django.db import migrations, models
from django.db.models import BigIntegerField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce

# The bits columns rebuild the therapist table on SQLite, which drops 0006's search triggers.
search_0006 = importlib.import_module("therapists.migrations.0006_sqlite_text_search")

# therapists.models.MAX_TERMS, written out: a migration keeps the rule as it stood when it was written.
MAX_TERMS = 63
TERM_MODELS = ("specialty", "focusarea", "language", "amenity")
# (Therapist's many-to-many field, the term's field on its link model, the column the bits go to)
LINKS = (
    ("specialties", "specialty", "specialty_bits"),
    ("focus_areas", "focusarea", "focus_bits"),
    ("languages", "language", "language_bits"),
    ("amenities", "amenity", "amenity_bits"),
)


def assign_bits(apps, schema_editor):
    """Bits 0, 1, 2... to each vocabulary's terms, oldest first."""
    for name in TERM_MODELS:
        model = apps.get_model("therapists", name)
        terms = list(model.objects.order_by("pk"))
        if len(terms) > MAX_TERMS:
            raise RuntimeError(f"{model._meta.verbose_name_plural} hold {len(terms)} terms; at most {MAX_TERMS} fit.")
        for bit, term in enumerate(terms):
            model.objects.filter(pk=term.pk).update(bit=bit)


def fill_bits(apps, schema_editor):
    """Every therapist's links as bits: the sum of 1 << bit over its links (each term at most once)."""
    Therapist = apps.get_model("therapists", "Therapist")
    columns = {}
    for field, term, column in LINKS:
        through = Therapist._meta.get_field(field).remote_field.through
        shifted = Cast(Value(1), BigIntegerField()).bitleftshift(F(f"{term}__bit"))
        links = (
            through.objects.filter(therapist_id=OuterRef("pk"))
            .order_by()
            .values("therapist_id")
            .annotate(mask=Sum(shifted, output_field=BigIntegerField()))
            .values("mask")
        )
        columns[column] = Coalesce(Subquery(links), Value(0), output_field=BigIntegerField())
    Therapist.objects.update(**columns)


def analyze(apps, schema_editor):
    """Fresh planner statistics after the rebuild and the new facet index (0013 says why they matter)."""
    schema_editor.execute("ANALYZE therapists_therapist", params=None)


def bit_field(null: bool):
    return models.PositiveSmallIntegerField(
        editable=False,
        null=null,
        unique=not null,
        validators=[django.core.validators.MaxValueValidator(62)],
        help_text="Its bit in the search's counts.",
    )


FACET_COLUMNS = [
    "status",
    "gender",
    "verified_until",
    "accepting_new_clients",
    "accepting_confirmed_at",
    "travels_to_client",
    "hypoallergenic_products",
    "lists_prices",
    "open_weekends",
    "open_evenings",
    "certified_until",
]
# therapists.models.FACET_RANGE_COLUMNS, as they stood.
RANGE_COLUMNS = [
    "rating_avg",
    "review_count",
    "recommend_pct",
    "communication_avg",
    "cleanliness_avg",
    "years_experience",
    "price_60",
]


class Migration(migrations.Migration):
    dependencies = [
        ("therapists", "0013_certified_until"),
    ]

    operations = [
        *(migrations.AddField(model_name=name, name="bit", field=bit_field(null=True)) for name in TERM_MODELS),
        migrations.RunPython(assign_bits, migrations.RunPython.noop),
        *(migrations.AlterField(model_name=name, name="bit", field=bit_field(null=False)) for name in TERM_MODELS),
        migrations.RemoveIndex(model_name="therapist", name="therapist_facet_switches"),
        *(
            migrations.AddField(model_name="therapist", name=column, field=models.BigIntegerField(default=0, editable=False))
            for _, _, column in LINKS
        ),
        migrations.RunPython(fill_bits, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="therapist",
            index=models.Index(
                fields=[*FACET_COLUMNS, "specialty_bits", "focus_bits", "language_bits", "amenity_bits",
                        *RANGE_COLUMNS],  # fmt: skip
                name="therapist_facet_switches",
            ),
        ),
        migrations.RunPython(search_0006.restore_triggers, migrations.RunPython.noop),
        migrations.RunPython(analyze, migrations.RunPython.noop),
    ]
