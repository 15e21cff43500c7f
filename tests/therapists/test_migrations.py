"""therapists/migrations: the data the migrations seed (vocabularies, the Verifiers group)."""

import pytest
from django.contrib.auth.models import Group

from therapists.models import FocusArea, Specialty

pytestmark = pytest.mark.django_db


def test_migration_0002_seeds_the_article_specialties_and_focus_areas():
    assert list(Specialty.objects.values_list("slug", flat=True)) == [
        "swedish",
        "deep-tissue",
        "hot-stone",
        "thai",
        "sports",
        "prenatal",
    ]
    assert set(FocusArea.objects.values_list("slug", flat=True)) == {
        "upper-back-tension",
        "lower-back-pain",
        "sciatica",
        "shoulder-neck-tightness",
        "posture-correction",
    }
    assert all(Specialty.objects.values_list("description", flat=True))


def test_migration_0002_gives_the_verifiers_group_the_verify_permission():
    codenames = set(Group.objects.get(name="Verifiers").permissions.values_list("codename", flat=True))
    assert "verify_certification" in codenames
