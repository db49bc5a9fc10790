"""Browser journeys: Playwright driving Debian's Chromium against the live test server, with axe-core on
every page visited (zero violations allowed)."""

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("IDO_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` runs npm ci.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class AxeViolations(AssertionError):
    pass


def check_accessibility(page) -> None:
    """Run axe-core (WCAG 2.1 A/AA rules and best practices) on the current page; fail on any violation."""
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
        })"""
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    if violations:
        raise AxeViolations(f"axe-core on {page.url}:\n{json.dumps(violations, indent=2)}")


class CheckedPage:
    """A Playwright page that runs axe-core after every navigation it is asked to check."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.visited: list[str] = []
        self.console_errors: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def log_in_as(self, user) -> None:
        """Give the browser the session of a user who passed both login steps (the journeys test the steps)."""
        from django.conf import settings
        from django.test import Client
        from tests.conftest import login_verified

        client = Client()
        login_verified(client, user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.base_url}])

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        self.check()

    def check(self):
        """axe-core finds nothing, and the browser logged no error (a CSP violation, a missing file)."""
        self.page.wait_for_load_state("load")
        check_accessibility(self.page)
        errors, self.console_errors[:] = list(self.console_errors), []
        assert not errors, f"browser errors on {self.page.url}: {errors}"
        self.visited.append(self.page.url)


@pytest.fixture
def checked_page(browser, live_server):
    from ido.registrations.vocabularies import load_national_vocabularies

    # Browser tests flush the database after each test, also what data migrations loaded: load it again.
    load_national_vocabularies()
    # The pages run under their real, strict CSP; axe-core is evaluated through the DevTools protocol,
    # which the CSP does not govern.
    context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield CheckedPage(page, live_server.url)
    context.close()
