"""What the browser tests share: axe-core checks, screenshots at two widths, and signing in as a person does."""

import json
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.core import mail

from ..factories import PASSWORD

SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
# Moderate and minor findings are reported by axe too; the bar the issue sets is none of these.
BLOCKING_IMPACTS = ("serious", "critical")


def expect(actual, message: str | None = None):
    """Playwright's auto-waiting assertions, imported late so that test modules load where Playwright is missing."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(actual, message)


def axe_violations(page) -> list[dict]:
    """Every axe-core violation on the page as it is now; the axe script ships inside a PyPI package."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:160]}\n      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, name: str) -> None:
    """No serious or critical axe-core violation on the page; prints them all when there are."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if violations:
        print(f"axe-core on {name} ({page.url}):\n{describe_violations(violations)}")
    assert not blocking, f"{len(blocking)} serious or critical axe-core violation(s) on {name}:\n" + (
        describe_violations(blocking)
    )


def page_width(page) -> int:
    """How wide the document is; wider than the viewport means the reader must scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth")


def overflowing_elements(page, limit: int) -> list[str]:
    """The elements reaching past the right edge: what to fix when a page scrolls sideways."""
    return page.evaluate(
        """limit => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 10)
            .map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
                 + ' right=' + Math.round(el.getBoundingClientRect().right))""",
        limit,
    )


@contextmanager
def phone_width(page):
    """The page at a small phone's width (375 px), back at the desktop width after."""
    page.set_viewport_size(PHONE)
    try:
        yield
    finally:
        page.set_viewport_size(DESKTOP)


def save_screenshot(page, name: str) -> Path:
    """A full-page screenshot under tests/browser/screenshots/ (git-ignored), named after the page and width."""
    SCREENSHOTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"]
    path = SCREENSHOTS / f"{name}-{'desktop' if width >= DESKTOP['width'] else width}.png"
    page.screenshot(path=path, full_page=True)
    return path


def log_in(page, username: str, password: str = PASSWORD, path: str = "/accounts/login/") -> None:
    """Log in through the form, by its visible labels; the admin's log-in form has the same labels."""
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=False).first.fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def sign_up(page, username: str, password: str = PASSWORD, confirmation: str | None = None) -> None:
    """Fill in and send the sign-up form on the page that is open."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(password)
    page.get_by_label(re.compile(r"^Password confirmation:?$")).fill(confirmation or password)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()


def confirm_email(page) -> None:
    """Follow the confirmation link of the newest email, as the person would from their inbox, and press the
    button: in the browser that signed up, that confirms the address, logs them in and goes on."""
    link = re.search(r"https?://\S+/accounts/email/confirm/\S+", mail.outbox[-1].body)
    assert link, "the sign-up email holds a confirmation link"
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    page.goto(origin + urlsplit(link.group(0)).path)
    page.get_by_role("button", name="Confirm my email").click()
    page.wait_for_load_state()


# The main pages: (name, path, who must be signed in: None, "client" or "therapist").
MAIN_PAGES = [
    ("home", "/", None),
    ("search", "/therapists/?specialty=swedish&near=Denver", None),
    ("profile", "/therapists/maya-chen/", None),
    ("sign-up", "/accounts/signup/", None),
    ("log-in", "/accounts/login/", None),
    ("review-form", "/therapists/ruth-alvarez/reviews/new/", "client"),
    ("dashboard", "/dashboard/", "therapist"),
]


def choose(radio, attempts: int = 3) -> None:
    """Select a radio button or checkbox by clicking it, as `check()` does, but tolerating one lost click.

    Chromium's PDF viewer, embedded in the verifier's page, takes the focus when it finishes loading,
    and a click that lands at that moment is swallowed; a person simply clicks again.
    """
    for _ in range(attempts):
        radio.click()
        if radio.is_checked():
            return
    expect(radio).to_be_checked()
