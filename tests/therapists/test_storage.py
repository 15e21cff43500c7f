"""Private documents have no URL at all."""

import pytest
from django.core.files.storage import storages


def test_private_storage_refuses_to_make_a_url():
    with pytest.raises(ValueError, match="no URL"):
        storages["private"].url("certifications/x.pdf")
