"""The search page and its FilterSet: every parameter of the public contract."""

import datetime
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from therapists.models import Amenity, FocusArea, Language, Specialty, Therapist
from therapists.selectors import search
from therapists.services.profiles import therapists_delete

from ..factories import CertificationFactory, PlaceFactory, TherapistFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
URL = "/therapists/"


def _query(params) -> QueryDict:
    return QueryDict(urlencode(params, doseq=True))


def slugs(params) -> list[str]:
    result = search(_query(params), page_size=100)
    assert result.filterset.is_valid(), result.filterset.errors
    return [t.slug for t in result.page.object_list]


def errors(params) -> dict:
    result = search(_query(params))
    assert not result.filterset.is_valid()
    return result.filterset.errors


@pytest.fixture
def vocab():
    return {
        "swedish": Specialty.objects.get(slug="swedish"),
        "thai": Specialty.objects.get(slug="thai"),
        "prenatal": Specialty.objects.get(slug="prenatal"),
        "es": Language.objects.get(code="es"),
        "en": Language.objects.get(code="en"),
        "sciatica": FocusArea.objects.get(slug="sciatica"),
        "private-room": Amenity.objects.get(slug="private-room"),
        "fresh-linens": Amenity.objects.get(slug="fresh-linens"),
    }


def test_search_specialty_is_any_of_and_never_duplicates(vocab):
    both = TherapistFactory(slug="both", specialties=[vocab["swedish"], vocab["thai"]])
    TherapistFactory(slug="thai-only", specialties=[vocab["thai"]])
    TherapistFactory(slug="prenatal-only", specialties=[vocab["prenatal"]])
    assert sorted(slugs({"specialty": ["swedish", "thai"]})) == ["both", "thai-only"]
    assert slugs({"specialty": "swedish"}) == [both.slug]


def test_search_unknown_specialty_is_a_field_error():
    assert "specialty" in errors({"specialty": "reiki-on-mars"})


def test_search_verified_needs_a_current_verified_credential():
    TherapistFactory(slug="current", verified_until=TODAY + datetime.timedelta(days=3))
    TherapistFactory(slug="lapsed", verified_until=TODAY - datetime.timedelta(days=1))
    TherapistFactory(slug="none")
    assert slugs({"verified": "true"}) == ["current"]
    assert len(slugs({"verified": "false"})) == 3


def test_search_specialty_certified_needs_every_chosen_specialty_certified(vocab):
    a = TherapistFactory(slug="a", specialties=[vocab["swedish"], vocab["thai"]])
    b = TherapistFactory(slug="b", specialties=[vocab["swedish"], vocab["thai"]])
    c = TherapistFactory(slug="c", specialties=[vocab["swedish"]])
    for specialty in (vocab["swedish"], vocab["thai"]):
        CertificationFactory(therapist=a, kind="specialty", specialty=specialty, status="verified")
    CertificationFactory(therapist=b, kind="specialty", specialty=vocab["swedish"], status="verified")
    CertificationFactory(therapist=b, kind="specialty", specialty=vocab["thai"], status="pending")
    CertificationFactory(
        therapist=c, kind="specialty", specialty=vocab["swedish"], status="verified",
        issued_on=TODAY - datetime.timedelta(days=900), expires_on=TODAY - datetime.timedelta(days=1),
    )  # fmt: skip
    assert slugs({"specialty": ["swedish", "thai"], "specialty_certified": "true"}) == ["a"]
    assert sorted(slugs({"specialty": "swedish", "specialty_certified": "true"})) == ["a", "b"]


def test_search_near_keeps_therapists_within_the_radius_and_shows_distance():
    PlaceFactory(name="Denver", search_name="denver", latitude=39.7392, longitude=-104.9903, population=700000)
    TherapistFactory(slug="downtown", latitude=39.7400, longitude=-104.9900)
    TherapistFactory(slug="boulder", latitude=40.0150, longitude=-105.2705)  # ~39 km away
    TherapistFactory(slug="no-coordinates", latitude=None, longitude=None)
    assert slugs({"near": "Denver"}) == ["downtown"]
    assert sorted(slugs({"near": "denver", "radius_km": "50"})) == ["boulder", "downtown"]
    result = search(_query({"near": "Denver", "radius_km": "50", "sort": "distance"}))
    distances = [t.distance_km for t in result.page.object_list]
    assert distances == sorted(distances) and distances[0] < 1 and 35 < distances[1] < 45


def test_search_lat_lng_centre_and_both_are_needed():
    TherapistFactory(slug="here", latitude=10.0, longitude=10.0)
    TherapistFactory(slug="far", latitude=11.0, longitude=10.0)
    assert slugs({"lat": "10.01", "lng": "10.0"}) == ["here"]
    assert "lng" in errors({"lat": "10"})
    assert "lat" in errors({"lat": "91", "lng": "0"})


def test_search_postal_code_resolves_through_the_gazetteer():
    PlaceFactory(kind="postal_code", postal_code="80202", name="Denver", search_name="denver")
    TherapistFactory(slug="downtown", latitude=39.7400, longitude=-104.9900)
    assert slugs({"near": "80202"}) == ["downtown"]


def test_search_unknown_place_is_an_error_with_suggestions():
    PlaceFactory(name="Springfield", search_name="springfield", region="IL", population=100000)
    message = " ".join(errors({"near": "Springfeld"})["near"])
    assert "could not find" in message and "Springfield, IL, US" in message


def test_search_ambiguous_place_takes_the_most_populous_and_offers_the_others(client):
    PlaceFactory(
        name="Portland", search_name="portland", region="OR", population=650000, latitude=45.5, longitude=-122.6
    )
    PlaceFactory(name="Portland", search_name="portland", region="ME", population=68000, latitude=43.6, longitude=-70.2)
    TherapistFactory(slug="oregon", latitude=45.5, longitude=-122.6)
    TherapistFactory(slug="maine", latitude=43.6, longitude=-70.2)
    assert slugs({"near": "Portland"}) == ["oregon"]
    assert slugs({"near": "Portland, ME"}) == ["maine"]
    assert slugs({"near": "Portland, ME, US"}) == ["maine"]
    page = client.get(URL, {"near": "Portland"}).content.decode()
    assert "Portland, OR, US" in page and "Portland, ME, US" in page


@pytest.mark.parametrize(
    ("param", "value", "field", "inside", "outside"),
    [
        ("min_rating", "4.5", "rating_avg", 4.6, 4.4),
        ("min_reviews", "10", "review_count", 10, 9),
        ("min_recommend", "90", "recommend_pct", 95.0, 80.0),
        ("min_communication", "4", "communication_avg", 4.2, 3.9),
        ("min_cleanliness", "4", "cleanliness_avg", 4.0, 3.5),
        ("min_experience", "5", "years_experience", 5, 4),
        ("max_price", "100", "price_60", 100, 101),
        ("accepting", "true", "accepting_new_clients", True, False),
        ("mobile", "true", "travels_to_client", True, False),
        ("hypoallergenic", "true", "hypoallergenic_products", True, False),
        ("gender", "male", "gender", "male", "female"),
    ],
)
def test_search_column_filters(param, value, field, inside, outside):
    TherapistFactory(slug="inside", **{field: inside})
    TherapistFactory(slug="outside", **{field: outside})
    assert slugs({param: value}) == ["inside"]


def test_search_language_and_focus_are_any_of(vocab):
    spanish = TherapistFactory(slug="es")
    spanish.languages.set([vocab["es"], vocab["en"]])
    TherapistFactory(slug="en").languages.set([vocab["en"]])
    TherapistFactory(slug="sciatica").focus_areas.set([vocab["sciatica"]])
    assert slugs({"language": "es"}) == ["es"]
    assert sorted(slugs({"language": ["es", "en"]})) == ["en", "es"]
    assert slugs({"focus": "sciatica"}) == ["sciatica"]


def test_search_amenities_are_all_of(vocab):
    TherapistFactory(slug="both").amenities.set([vocab["private-room"], vocab["fresh-linens"]])
    TherapistFactory(slug="room").amenities.set([vocab["private-room"]])
    assert slugs({"amenity": ["private-room", "fresh-linens"]}) == ["both"]
    assert sorted(slugs({"amenity": "private-room"})) == ["both", "room"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("best", ["a", "b", "c"]),
        ("rating", ["b", "c", "a"]),
        ("reviews", ["c", "a", "b"]),
        ("experience", ["b", "a", "c"]),
        ("price", ["c", "a", "b"]),
        ("newest", ["a", "c", "b"]),
    ],
)
def test_search_sort_orders(sort, expected):
    now = timezone.now()
    TherapistFactory(slug="a", score=90, rating_avg=4.0, review_count=20, years_experience=10, price_60=80,
                     created_at=now)  # fmt: skip
    TherapistFactory(slug="b", score=80, rating_avg=4.9, review_count=2, years_experience=30, price_60=120,
                     created_at=now - datetime.timedelta(days=30))  # fmt: skip
    TherapistFactory(slug="c", score=70, rating_avg=4.5, review_count=50, years_experience=1, price_60=60,
                     created_at=now - datetime.timedelta(days=1))  # fmt: skip
    assert slugs({"sort": sort}) == expected


def test_search_sort_by_distance_needs_a_place():
    assert "sort" in errors({"sort": "distance"})


def test_search_excludes_unpublished_profiles():
    TherapistFactory(slug="shown")
    TherapistFactory(slug="draft", status=Therapist.Status.DRAFT)
    TherapistFactory(slug="suspended", status=Therapist.Status.SUSPENDED)
    assert slugs({}) == ["shown"]


def test_search_text_matches_name_city_and_bio():
    TherapistFactory(slug="by-name", name="Marisol Quintero", bio="")
    TherapistFactory(slug="by-bio", name="Ann Lee", bio="I specialise in myofascial release.")
    TherapistFactory(slug="by-city", name="Bo Park", city="Boulder", bio="")
    TherapistFactory(slug="other", name="Kim Ford", bio="Relaxation.")
    assert slugs({"q": "marisol"}) == ["by-name"]
    assert slugs({"q": "myofascial"}) == ["by-bio"]
    assert slugs({"q": "boulder"}) == ["by-city"]


def test_search_text_finds_a_specialty_by_name(vocab):
    TherapistFactory(slug="thai", specialties=[vocab["thai"]], bio="")
    TherapistFactory(slug="other", specialties=[vocab["swedish"]], bio="")
    assert slugs({"q": "Thai"}) == ["thai"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram similarity is PostgreSQL-only")
def test_search_text_forgives_typos_on_postgresql(vocab):
    TherapistFactory(slug="swedish", specialties=[vocab["swedish"]], bio="")
    TherapistFactory(slug="johnson", name="Maria Johnson", bio="")
    TherapistFactory(slug="other", specialties=[vocab["thai"]], name="Kim Ford", bio="")
    assert slugs({"q": "sweedish"}) == ["swedish"]
    assert slugs({"q": "johnsen"}) == ["johnson"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL-only")
def test_search_full_text_uses_stemming_on_postgresql():
    TherapistFactory(slug="stem", name="Ann Lee", bio="Relieving stiff shoulders after long runs.")
    TherapistFactory(slug="other", name="Kim Ford", bio="Quiet studio.")
    assert slugs({"q": "relieve shoulder"}) == ["stem"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the full-text index is PostgreSQL-only")
def test_search_text_can_use_the_full_text_index():
    TherapistFactory(name="Ann Lee", bio="Deep work for runners.")
    from django.contrib.postgres.search import SearchQuery

    from therapists.search import fts_document

    queryset = Therapist.objects.alias(document=fts_document()).filter(
        document=SearchQuery("runners", search_type="websearch", config="english")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = queryset.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "therapist_fts" in plan


def test_search_facets_count_under_the_other_filters(vocab):
    TherapistFactory(slug="a", specialties=[vocab["swedish"]], gender="female", verified_until=TODAY)
    TherapistFactory(slug="b", specialties=[vocab["swedish"], vocab["thai"]], gender="male")
    TherapistFactory(slug="c", specialties=[vocab["thai"]], gender="female")
    result = search(_query({"specialty": "swedish", "gender": "female"}))
    assert result.paginator.count == 1
    # Specialty counts ignore the specialty filter but keep the gender filter.
    assert result.facets["specialty"] == {vocab["swedish"].pk: 1, vocab["thai"].pk: 1}
    # Gender counts ignore the gender filter but keep the specialty filter.
    assert result.facets["gender"] == {"female": 1, "male": 1, "nonbinary": 0}
    assert result.facets["verified"] == 1


def test_search_page_shows_results_count_and_facets(client, vocab):
    TherapistFactory(name="Ana Lopez", specialties=[vocab["swedish"]], verified_until=TODAY)
    response = client.get(URL, {"specialty": "swedish"})
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "1 therapist" in content and "Ana Lopez" in content and "Verified" in content
    assert 'value="swedish" id="f-specialty-swedish" checked' in content


def test_search_pagination_keeps_every_filter(client, vocab):
    for i in range(25):
        TherapistFactory(slug=f"t{i}", specialties=[vocab["swedish"]], price_60=50)
    response = client.get(URL, {"specialty": "swedish", "max_price": "60"})
    assert "specialty=swedish&amp;max_price=60&amp;page=2" in response.content.decode()
    second = client.get(URL, {"specialty": "swedish", "max_price": "60", "page": "2"})
    assert second.context["page_obj"].number == 2
    assert len(second.context["therapists"]) == 5


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "1e9"])
def test_search_odd_page_numbers_give_a_page(client, page):
    TherapistFactory()
    assert client.get(URL, {"page": page}).status_code == HTTPStatus.OK


def test_search_bad_values_show_field_errors_not_results(client):
    TherapistFactory()
    response = client.get(URL, {"min_rating": "nine", "radius_km": "-3", "mobile": "maybe", "bogus": "x"})
    assert response.status_code == HTTPStatus.OK
    form_errors = response.context["form"].errors
    assert set(form_errors) == {"min_rating", "radius_km", "mobile"}
    assert response.context["therapists"] == []
    assert "Please check your search" in response.content.decode()


def test_search_unknown_parameters_are_ignored():
    TherapistFactory(slug="x")
    assert slugs({"utm_source": "mail", "color": "blue"}) == ["x"]


def _query_count(client, params):
    client.get(URL, params)  # warm the vocabulary cache
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params).status_code == HTTPStatus.OK
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"specialty": ["swedish", "thai"], "verified": "true", "language": "en"},
     {"near": "Denver", "sort": "distance"}, {"q": "ana", "specialty_certified": "true", "specialty": "swedish"}],
)  # fmt: skip
def test_search_runs_the_same_few_queries_for_one_result_and_a_full_page(client, vocab, params):
    PlaceFactory(name="Denver", search_name="denver", population=700000)

    def matching(name):
        therapist = TherapistFactory(name=name, specialties=[vocab["swedish"], vocab["thai"]], verified_until=TODAY)
        therapist.languages.set([vocab["en"]])
        CertificationFactory(therapist=therapist, kind="specialty", specialty=vocab["swedish"], status="verified")

    matching("Ana One")
    one = _query_count(client, params)
    assert len(client.get(URL, params).context["therapists"]) == 1
    for i in range(30):
        matching(f"Ana {i}")
    assert len(client.get(URL, params).context["therapists"]) == 20
    assert _query_count(client, params) == one
    assert one <= 8


def test_search_cached_counts_follow_every_change(client, vocab, django_assert_num_queries):
    TherapistFactory(slug="first", specialties=[vocab["swedish"]])
    assert search(_query({"specialty": "swedish"})).paginator.count == 1
    # The same search again reuses the counted facets: only the version lookup, page and links run.
    with django_assert_num_queries(3):
        result = search(_query({"specialty": "swedish"}))
    assert result.paginator.count == 1
    TherapistFactory(slug="second", specialties=[vocab["swedish"]])
    assert search(_query({"specialty": "swedish"})).paginator.count == 2


@pytest.mark.parametrize("near", ["Portland, ,", "Portland,,", ",", " , ME"])
def test_search_place_with_empty_qualifier_is_not_an_error_page(client, near):
    PlaceFactory(name="Portland", search_name="portland", region="OR", population=650000)
    assert client.get(URL, {"near": near}).status_code == HTTPStatus.OK


def test_search_cached_counts_follow_a_deletion(vocab):
    TherapistFactory(slug="stays", specialties=[vocab["swedish"]])
    gone = TherapistFactory(slug="goes", specialties=[vocab["swedish"]])
    assert search(_query({"specialty": "swedish"})).paginator.count == 2
    Therapist.objects.filter(pk=gone.pk).update(updated_at=timezone.now() - datetime.timedelta(days=1))
    therapists_delete(queryset=Therapist.objects.filter(pk=gone.pk))
    assert search(_query({"specialty": "swedish"})).paginator.count == 1
