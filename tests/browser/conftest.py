"""Browser-test fixtures: the system Chromium through Playwright, one browser for the package, a context a test."""

import datetime
import importlib.util
import mimetypes
import os
from pathlib import Path
from unittest import mock
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import timezone

from ..factories import CertificationFactory, TherapistFactory, UserFactory
from .helpers import DESKTOP
from .images import portrait_jpeg

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]  # fmt: skip
# Long enough for a slow CI machine, short enough that a missing element fails within the suite's budget.
TIMEOUT_MS = 10_000


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    for module in ("playwright", "axe_playwright_python"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    return None


@pytest.fixture(scope="session", autouse=True)
def _browser_available():
    # Session-scoped and autouse, so it runs before the live server and the database are set up.
    reason = missing_browser()
    if reason:
        pytest.skip(f"browser tests need Chromium and Playwright: {reason}")


@pytest.fixture(scope="package")
def browser(_browser_available, django_db_blocker):
    """One Chromium for the browser tests, started for the first and stopped after the last of them.

    Playwright's sync API keeps an asyncio loop running in the test thread. While it runs, Django
    refuses ORM calls from this thread (SynchronousOnlyOperation) unless DJANGO_ALLOW_ASYNC_UNSAFE is
    set, the standard workaround; and asgiref hands the thread a second database connection, which
    lacks the copy of the migrations' rows (specialties, groups) that `serialized_rollback` restores
    before each test. So the variable is set, and the copy shared, only while the browser runs: the
    variable would otherwise leak into `manage.py check --deploy` run by other tests, and the loop
    into the transactional tests that follow.
    """
    from playwright.sync_api import sync_playwright

    copies = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    with mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"}), sync_playwright() as playwright:
        for alias, copy in copies.items():
            if copy is not None and not hasattr(connections[alias], "_test_serialized_contents"):
                connections[alias]._test_serialized_contents = copy
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The loop's own connections, before the loop stops and they can no longer be reached.
        connections.close_all()
    with django_db_blocker.unblock():
        _restore_migration_rows(copies)


def _restore_migration_rows(copies: dict) -> None:
    """Leave the database as the migrations left it, for the tests that follow and do not restore it themselves.

    The flush after each transactional test empties every table, content types included (with
    serialized_rollback they are not recreated); a table still holding content types was not flushed.
    """
    from django.contrib.contenttypes.models import ContentType

    for alias, copy in copies.items():
        if copy is not None and not ContentType.objects.using(alias).exists():
            connections[alias].creation.deserialize_db_from_string(copy)


def _serve_media(route, request):
    """Uploaded photos, read from MEDIA_ROOT: the live server serves static files but no media."""
    relative = unquote(urlsplit(request.url).path).removeprefix(settings.MEDIA_URL.rstrip("/") + "/")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if root in path.parents and path.is_file():
        route.fulfill(body=path.read_bytes(), content_type=mimetypes.guess_type(path.name)[0] or "")
    else:
        route.fulfill(status=404, body="")


@pytest.fixture(autouse=True)
def _an_address_for_each_browser(browser, settings, monkeypatch):
    """Each browser context is another person at another address, as on the Internet. On loopback every browser
    would come from 127.0.0.1 and the reviews' integrity rules would rightly take them for one person (a review
    posted from the therapist's own address is held). So the app trusts one proxy here, and each context sends
    its own address from the documentation range (RFC 5737) in X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1
    new_context = browser.new_context
    addresses = iter(range(1, 255))

    def with_an_address(**options):
        headers = {"X-Forwarded-For": f"198.51.100.{next(addresses)}", **options.pop("extra_http_headers", {})}
        return new_context(extra_http_headers=headers, **options)

    monkeypatch.setattr(browser, "new_context", with_an_address)


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US", reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    context.route(f"{live_server.url}{settings.MEDIA_URL}**", _serve_media)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def other_page(browser, live_server):
    """A second person at another browser (a moderator, a verifier): own cookies, own session."""
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Vocabularies, facet counts and throttles are cached for minutes; the database is new each test."""
    cache.clear()
    yield
    cache.clear()


def _review(therapist, author: str, rating: int, title: str, body: str, *, recommend: bool = True, **sub_ratings):
    """A client's review through the service, so the therapist's average and counts include it."""
    from reviews import services
    from therapists.models import Specialty

    ratings = {"technique": rating, "professionalism": rating, "communication": rating, "cleanliness": rating}
    content = services.ReviewContent(
        rating=rating,
        would_recommend=recommend,
        massage_type=Specialty.objects.get(slug="swedish"),
        visit_month=timezone.localdate().replace(day=1),
        title=title,
        body=body,
        **{**ratings, **sub_ratings},
    )
    return services.review_create(
        therapist=therapist,
        # A confirmed client of a year's standing: the journeys' new accounts must not make a "new account" cluster.
        author=UserFactory(
            username=author.lower(),
            first_name=author,
            email_confirmed_at=timezone.now(),
            date_joined=timezone.now() - datetime.timedelta(days=365),
        ),
        content=content,
    )


def _verify(therapist, **fields):
    """A credential our staff have verified, and the badge it earns."""
    from therapists.models import Certification
    from therapists.services.scoring import therapist_refresh_credentials

    CertificationFactory(therapist=therapist, status=Certification.Status.VERIFIED, **fields)
    therapist_refresh_credentials(therapist=therapist)


def _photo(therapist, hue: int):
    from therapists.services.photos import therapist_set_photo
    from therapists.uploads import process_photo

    upload = SimpleUploadedFile("portrait.jpg", portrait_jpeg(hue), content_type="image/jpeg")
    therapist_set_photo(therapist=therapist, photo=process_photo(upload))


@pytest.fixture
def directory(denver):
    """A small directory: three Swedish therapists in Denver, one deep-tissue therapist there, one far away.

    Maya Chen is verified, certified in Swedish and well reviewed; Jonas Reed has one review and is not
    taking new clients; Ruth Alvarez has no reviews yet; Priya Patel does deep tissue only; Sam Okafor
    works in Portland, outside any Denver radius.
    """
    from therapists.models import Amenity, Certification, FocusArea, Language, Specialty

    swedish = Specialty.objects.get(slug="swedish")
    deep = Specialty.objects.get(slug="deep-tissue")
    hot_stone = Specialty.objects.get(slug="hot-stone")
    maya = TherapistFactory(
        name="Maya Chen", slug="maya-chen", headline="Calm Swedish and hot stone massage for desk-bound backs",
        specialties=[swedish, hot_stone], years_experience=12, price_60=95, hypoallergenic_products=True,
        bio="I help people who sit all day let go of neck, shoulder and lower-back tension. Every session starts "
        "with a short conversation about what hurts and what pressure feels right, and I check in as we go.",
    )  # fmt: skip
    maya.languages.set(Language.objects.filter(code__in=["en", "es"]))
    maya.amenities.set(Amenity.objects.filter(slug__in=["private-room", "fresh-linens", "heated-table"]))
    maya.focus_areas.set(FocusArea.objects.filter(slug__in=["lower-back-pain", "shoulder-neck-tightness"]))
    _verify(maya)
    _verify(maya, kind=Certification.Kind.SPECIALTY, specialty=swedish, title="Swedish massage certificate")
    _review(maya, "Dana", 5, "Listened first, then worked", "She asked about my lower back before we began and checked "
            "the pressure all through the hour. I walked out standing straighter.")  # fmt: skip
    _review(maya, "Tom", 4, "Spotless room and kind", "A calm, clean room with fresh linens. The hot stones were a "
            "little too warm at first, but she adjusted them at once.", communication=5)  # fmt: skip
    _photo(maya, hue=160)
    jonas = TherapistFactory(
        name="Jonas Reed", slug="jonas-reed", headline="Swedish massage, evenings and weekends",
        specialties=[swedish], years_experience=4, price_60=70, accepting_new_clients=False,
        bio="Relaxing Swedish massage after work and at weekends, in a quiet room near the park.",
    )  # fmt: skip
    _review(jonas, "Priti", 3, "Good, a bit rushed", "The massage itself was good, but the session started late and "
            "felt hurried at the end.", recommend=False)  # fmt: skip
    _photo(jonas, hue=30)
    ruth = TherapistFactory(
        name="Ruth Alvarez", slug="ruth-alvarez", headline="Gentle Swedish and prenatal massage",
        specialties=[swedish, Specialty.objects.get(slug="prenatal")], years_experience=2, price_60=80,
        bio="Trained in prenatal massage; I use side-lying positions and fragrance-free oils.",
    )  # fmt: skip
    priya = TherapistFactory(
        name="Priya Patel", slug="priya-patel", headline="Deep tissue for runners and climbers",
        specialties=[deep], years_experience=9, price_60=110,
        bio="Deep tissue and sports recovery for runners, climbers and anyone training hard.",
    )  # fmt: skip
    sam = TherapistFactory(
        name="Sam Okafor", slug="sam-okafor", headline="Swedish massage in Portland", specialties=[swedish],
        city="Portland", region="OR", latitude=45.5152, longitude=-122.6784,
    )  # fmt: skip
    return {"maya": maya, "jonas": jonas, "ruth": ruth, "priya": priya, "sam": sam}


@pytest.fixture
def maya_owner(directory):
    """Maya Chen's own account, with a license still waiting for a verifier beside her verified ones."""
    from therapists.models import Therapist

    owner = UserFactory(username="maya", first_name="Maya")
    Therapist.objects.filter(pk=directory["maya"].pk).update(owner=owner)
    CertificationFactory(
        therapist=directory["maya"], kind="board", title="Board Certified in Therapeutic Massage",
        issuing_body="NCBTMB", expires_on=None,
    )  # fmt: skip
    return owner


@pytest.fixture
def client_account(db):
    return UserFactory(username="alex", first_name="Alex")
