"""The site's icon (issue 12, audit 4): linked from every page, and /favicon.ico, which browsers ask for anyway,
leads to it instead of a 404."""

import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_favicon_is_a_small_svg_among_the_static_files():
    path = finders.find("favicon.svg")
    assert path is not None
    assert os.path.getsize(path) < 2048
    assert ElementTree.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"  # noqa: S314 - our own file


def test_favicon_is_linked_from_the_base_template(client):
    for url in [reverse("home"), reverse("therapists:list"), "/no-such-page/"]:
        assert (
            f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in client.get(url).content.decode()
        )


def test_favicon_ico_redirects_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == HTTPStatus.FOUND  # not permanent: a hashed name changes with the icon
    assert response["Location"] == static("favicon.svg")


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_favicon_ico_leads_to_an_icon_whitenoise_serves():
    # A fresh client, so WhiteNoise starts with these settings (the development server's way of finding files).
    response = Client().get("/favicon.ico", follow=True)
    assert response.status_code == HTTPStatus.OK
    assert response.redirect_chain == [(static("favicon.svg"), HTTPStatus.FOUND)]
    assert response["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(response.streaming_content)


# Under the production settings the URLs are imported (by `check`) before collectstatic has written its manifest,
# and the icon's address is then its hashed name, served by WhiteNoise.
PRODUCTION_PROBE = """
import re
from django.core.management import call_command
from django.test import Client
call_command("check", verbosity=0)
call_command("collectstatic", "--noinput", verbosity=0)
client = Client()
response = client.get("/favicon.ico")
location = response["Location"]
assert response.status_code == 302 and re.fullmatch(r"/static/favicon\\.[0-9a-f]{12}\\.svg", location), location
icon = client.get(location)
print(icon.status_code, icon["Content-Type"])
"""


def test_favicon_ico_leads_to_the_hashed_icon_under_the_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "CACHE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        ALLOWED_HOSTS="testserver",
        WEB_CONCURRENCY="1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="ERROR",
    )
    result = subprocess.run(  # noqa: S603 - our own arguments
        [sys.executable, "-c", "import django; django.setup()\n" + PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["200", "image/svg+xml"]
