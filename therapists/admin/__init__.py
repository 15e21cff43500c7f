"""The directory's admin, one module per desk: the directory, the verification queue, claims."""

from . import claims, directory, registry, verification  # noqa: F401 - importing a desk registers its admins
