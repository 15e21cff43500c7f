"""django-filter parts: "true to require" switches and whole numbers, in a FilterSet over real therapists."""

import django_filters
import pytest
from django import forms

from common.filters import IntegerFilter, RequireField, RequireFilter
from therapists.models import Therapist

from ..factories import TherapistFactory

pytestmark = pytest.mark.django_db


class SwitchFilterSet(django_filters.FilterSet):
    mobile = RequireFilter(field_name="travels_to_client")
    min_experience = IntegerFilter(field_name="years_experience", lookup_expr="gte")

    class Meta:
        model = Therapist
        fields = ["mobile", "min_experience"]


@pytest.mark.parametrize("typed", ["true", "1", "on", "yes", " TRUE ", "Yes"])
def test_require_field_true_requires(typed):
    assert RequireField().clean(typed) is True


@pytest.mark.parametrize("typed", ["", "false", "0", "off", "no", " No ", None])
def test_require_field_false_or_empty_leaves_it_out(typed):
    assert RequireField(required=False).clean(typed) is None


@pytest.mark.parametrize("typed", ["maybe", "2", "truthy"])
def test_require_field_anything_else_is_an_error(typed):
    with pytest.raises(forms.ValidationError) as excinfo:
        RequireField().clean(typed)
    assert excinfo.value.code == "invalid_switch"


def _slugs(params) -> list[str]:
    filterset = SwitchFilterSet(params, queryset=Therapist.objects.order_by("slug"))
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("slug", flat=True))


@pytest.fixture
def three_therapists():
    TherapistFactory(slug="a-mobile-senior", travels_to_client=True, years_experience=12)
    TherapistFactory(slug="b-studio-senior", travels_to_client=False, years_experience=10)
    TherapistFactory(slug="c-mobile-junior", travels_to_client=True, years_experience=2)


def test_require_filter_on_keeps_only_rows_with_the_field_true(three_therapists):
    assert _slugs({"mobile": "true"}) == ["a-mobile-senior", "c-mobile-junior"]


@pytest.mark.parametrize("typed", ["false", ""])
def test_require_filter_off_filters_nothing(three_therapists, typed):
    # Off means "not required", never "must be false".
    assert _slugs({"mobile": typed}) == ["a-mobile-senior", "b-studio-senior", "c-mobile-junior"]


def test_integer_filter_takes_whole_numbers(three_therapists):
    assert _slugs({"min_experience": "10"}) == ["a-mobile-senior", "b-studio-senior"]


@pytest.mark.parametrize("typed", ["2.5", "ten", "1e3"])
def test_integer_filter_refuses_what_is_not_a_whole_number(three_therapists, typed):
    filterset = SwitchFilterSet({"min_experience": typed}, queryset=Therapist.objects.all())
    assert not filterset.is_valid()
    assert [error.code for error in filterset.errors.as_data()["min_experience"]] == ["invalid"]
