"""Creates the Moderators group: staff in it work the flagged-review queue, suspend profiles and manage the
vocabularies (specialties, focus areas, amenities, languages), as the design says."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEW_PERMISSIONS = [
    "moderate_review",
    "view_review",
    "view_flaggedreview",
    "view_reviewflag",
    "change_reviewflag",
    "view_reviewresponse",
]
DIRECTORY_PERMISSIONS = [
    "view_therapist",
    "change_therapist",
    *[
        f"{action}_{model}"
        for model in ("specialty", "focusarea", "amenity", "language")
        for action in ("view", "add", "change", "delete")
    ],
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    for label in ("reviews", "therapists"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(content_type__app_label="reviews", codename__in=REVIEW_PERMISSIONS),
        *Permission.objects.filter(content_type__app_label="therapists", codename__in=DIRECTORY_PERMISSIONS),
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("therapists", "0002_vocabularies_and_verifiers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
