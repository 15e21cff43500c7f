"""The admin site as a whole: every model is on a desk, and the pages of the other apps' models load.

The directory's own desks are tested beside them (test_directory, test_verification, test_claims); the
models of other apps stay covered here until their apps' suites take them over.
"""

import pytest
from django.contrib import admin

from reviews.models import Review
from therapists.models import CertificationDecision, Place, Therapist

from ..helpers import check_admin_pages_load

pytestmark = pytest.mark.django_db

DESKS = (
    "therapists.admin.directory",
    "therapists.admin.verification",
    "therapists.admin.claims",
    "therapists.admin.registry",
)
OTHER_APPS = sorted(
    (model for model, model_admin in admin.site._registry.items() if type(model_admin).__module__ not in DESKS),
    key=lambda model: model._meta.label,
)


@pytest.mark.parametrize("model", OTHER_APPS, ids=lambda m: m._meta.label)
def test_admin_site_changelist_and_forms_of_other_apps_load(client, superuser, one_of_each, model):
    check_admin_pages_load(client, superuser, model)


def test_admin_site_registers_every_domain_model():
    for model in (Therapist, Place, Review, CertificationDecision):
        assert model in admin.site._registry


def test_admin_site_puts_every_directory_model_on_one_of_its_desks():
    directory_models = [model for model in admin.site._registry if model._meta.app_label == "therapists"]
    assert directory_models
    assert all(type(admin.site._registry[model]).__module__ in DESKS for model in directory_models)
    assert not [model for model in OTHER_APPS if model._meta.app_label == "therapists"]
