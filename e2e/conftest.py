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

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        self.check()

    def check(self):
        self.page.wait_for_load_state("load")
        check_accessibility(self.page)
        self.visited.append(self.page.url)


@pytest.fixture
def checked_page(browser, live_server):
    # bypass_csp lets axe-core be injected; the app's own pages still send their strict CSP.
    context = browser.new_context(bypass_csp=True, locale="nl-NL", timezone_id="Europe/Amsterdam")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield CheckedPage(page, live_server.url)
    context.close()
