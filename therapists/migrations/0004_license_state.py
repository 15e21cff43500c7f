"""A license names the state that issued it; "Verified" now means a license from the state of practice (or a
board certification where that state issues none).

Existing licenses take their therapist's state before the constraint that requires one is added, and each
therapist's verified_until is recomputed under the new rule. The rule is written out here, as it stands today
(therapists.models.credentials_valid_until), so the migration never imports live code."""
import datetime

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

FAR_FUTURE = datetime.date(9999, 12, 31)
STATES_WITHOUT_MASSAGE_LICENSING = frozenset({"KS", "MN", "VT", "WY"})
# A license whose therapist names no state: it can earn no badge until its state is corrected.
UNKNOWN_STATE = "??"


def licenses_take_their_therapists_state(apps, schema_editor):
    Certification = apps.get_model("therapists", "Certification")
    Therapist = apps.get_model("therapists", "Therapist")
    licenses = Certification.objects.filter(kind="license", region="")
    licenses.update(region=Subquery(Therapist.objects.filter(pk=OuterRef("therapist_id")).values("region")[:1]))
    Certification.objects.filter(kind="license", region="").update(region=UNKNOWN_STATE)


def recompute_verified_until(apps, schema_editor):
    Certification = apps.get_model("therapists", "Certification")
    Therapist = apps.get_model("therapists", "Therapist")
    stored = {pk: (region, until) for pk, region, until in Therapist.objects.values_list("pk", "region", "verified_until")}
    regions = {pk: region for pk, (region, _) in stored.items()}
    expiries: dict[int, list] = {pk: [] for pk in regions}
    verified = Certification.objects.filter(status="verified").values_list("therapist_id", "kind", "region", "expires_on")
    for therapist_id, kind, region, expires_on in verified.iterator():
        practice = regions[therapist_id].strip().upper()
        if not practice:
            continue
        if (kind == "license" and region.strip().upper() == practice) or (
            kind == "board" and practice in STATES_WITHOUT_MASSAGE_LICENSING
        ):
            expiries[therapist_id].append(expires_on)
    for therapist_id, found in expiries.items():
        until = (FAR_FUTURE if None in found else max(found)) if found else None
        if until != stored[therapist_id][1]:
            Therapist.objects.filter(pk=therapist_id).update(verified_until=until)


class Migration(migrations.Migration):

    dependencies = [
        ('therapists', '0003_postgresql_search_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='certification',
            name='region',
            field=models.CharField(blank=True, help_text='Two-letter code of the state that issued it, e.g. CO; required for a state license.', max_length=40, verbose_name='state'),
        ),
        migrations.RunPython(licenses_take_their_therapists_state, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='certification',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'license'), _negated=True), models.Q(('region', ''), _negated=True), _connector='OR'), name='certification_license_names_state', violation_error_message='Name the state that issued this license.'),
        ),
        migrations.RunPython(recompute_verified_until, migrations.RunPython.noop),
    ]
