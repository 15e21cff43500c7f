"""Model parts every app uses."""

from django.db import models


class LockingQuerySet(models.QuerySet):
    def lock(self, pk):
        """The row, locked for the rest of the transaction: writers on it queue instead of overwriting each other."""
        return self.select_for_update().get(pk=pk)
