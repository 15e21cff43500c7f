"""Moderators also suspend profiles and manage the vocabularies (specialties, focus areas, ...), as the design says."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DIRECTORY_PERMISSIONS = [
    "view_therapist",
    "change_therapist",
    *[
        f"{action}_{model}"
        for model in ("specialty", "focusarea", "amenity", "language")
        for action in ("view", "add", "change", "delete")
    ],
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("therapists")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(content_type__app_label="therapists", codename__in=DIRECTORY_PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Moderators"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="therapists", codename__in=DIRECTORY_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_protect_review_author"),
        ("therapists", "0005_search_indexes"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
