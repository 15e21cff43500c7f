"""The deployment checks (finding 4): `check --deploy` warns of a cache that each process keeps alone."""

import pytest
from django.core import checks

from common.checks import check_cache_is_shared

pytestmark = pytest.mark.django_db

REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1"}


@pytest.mark.parametrize(
    "backend", ["django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache"]
)
def test_check_cache_is_shared_warns_of_a_per_process_cache(settings, backend):
    settings.CACHES = {"default": {"BACKEND": backend}}
    [warning] = check_cache_is_shared()
    assert (warning.id, warning.level) == ("common.W001", checks.WARNING)
    assert backend in warning.msg and "CACHE_URL=redis://" in warning.hint


@pytest.mark.parametrize(
    "cache",
    [REDIS, {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": "127.0.0.1:11211"}],
)
def test_check_cache_is_shared_accepts_a_shared_cache(settings, cache):
    settings.CACHES = {"default": cache}
    assert check_cache_is_shared() == []


def test_check_cache_is_shared_runs_only_under_deploy(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    everyday = checks.run_checks(tags=[checks.Tags.caches])
    deploy = checks.run_checks(tags=[checks.Tags.caches], include_deployment_checks=True)
    assert "common.W001" not in [issue.id for issue in everyday]
    assert "common.W001" in [issue.id for issue in deploy]
