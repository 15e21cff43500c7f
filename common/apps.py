"""The common app: installed only so that its system checks (common.checks) are registered."""

from django.apps import AppConfig
from django.core.checks import Tags, register

from . import checks


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common parts"

    def ready(self):
        register(checks.check_cache_is_shared, Tags.caches, deploy=True)
