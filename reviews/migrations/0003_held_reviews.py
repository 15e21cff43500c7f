"""Held reviews: a review waits for a moderator's check when it looks like a cluster of sock puppets; the
Moderators group sees the held-review queue."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def let_moderators_see_held_reviews(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs the proxy's now.
    app_config = apps.get_app_config("reviews")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(content_type__app_label="reviews", codename="view_heldreview")
    )


def forget_held_reviews_permission(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Moderators"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="reviews", codename="view_heldreview")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0002_moderators_group'),
        ('therapists', '0003_postgresql_search_indexes'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HeldReview',
            fields=[
            ],
            options={
                'verbose_name': 'held review',
                'verbose_name_plural': 'held reviews',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('reviews.review',),
        ),
        migrations.RemoveIndex(
            model_name='review',
            name='review_profile_list',
        ),
        migrations.AddField(
            model_name='review',
            name='client_address_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='review',
            name='held_reason',
            field=models.CharField(blank=True, choices=[('new_account_cluster', 'One of several reviews from new accounts on this therapist'), ('shared_address', 'Another account reviewed this therapist from the same address')], max_length=24),
        ),
        migrations.AddField(
            model_name='review',
            name='is_held',
            field=models.BooleanField(db_index=True, default=False),
        ),
        migrations.AddField(
            model_name='review',
            name='released_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='review',
            name='released_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='review',
            index=models.Index(fields=['therapist', 'is_hidden', 'is_held', '-created_at'], name='review_profile_list'),
        ),
        migrations.AddConstraint(
            model_name='review',
            constraint=models.CheckConstraint(condition=models.Q(('is_held', False), models.Q(('held_reason', ''), _negated=True), _connector='OR'), name='review_held_has_reason', violation_error_message='A held review says why it is held.'),
        ),
        migrations.AddConstraint(
            model_name='review',
            constraint=models.CheckConstraint(condition=models.Q(('is_held', True), ('is_hidden', True), _negated=True), name='review_held_or_hidden', violation_error_message='A review waits for a moderator or has been hidden by one, not both.'),
        ),
        migrations.RunPython(let_moderators_see_held_reviews, forget_held_reviews_permission),
    ]
