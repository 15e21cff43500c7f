"""Whatever query string arrives, the search page answers without a server error."""

from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from therapists.filters import TherapistFilterSet

from ..factories import TherapistFactory

pytestmark = pytest.mark.django_db

NAMES = [*TherapistFilterSet.base_filters, "page", "bogus", "specialty[]", ""]
VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["true", "false", "1e309", "NaN", "-Infinity", "0x10", "9" * 400, "swedish", "distance",
                     "Denver", "80202", "-0", "1.5", "\x00", "%00", "<script>alert(1)</script>", "' OR 1=1 --"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)  # fmt: skip
QUERIES = st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=QUERIES)
def test_search_never_answers_with_a_server_error(client, pairs):
    response = client.get("/therapists/?" + urlencode(pairs))
    assert response.status_code == HTTPStatus.OK


def test_search_escapes_what_it_echoes(client):
    TherapistFactory()
    response = client.get("/therapists/", {"q": "<script>alert(1)</script>", "near": "<b>x</b>"})
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content
