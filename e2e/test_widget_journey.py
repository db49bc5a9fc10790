"""The widget on another website, in a real browser: the officer allows a website, that website shows the widget
in an iframe, and a website that is not on the list gets nothing (the browser enforces frame-ancestors)."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    membership_for_role,
)

from ido.organisations.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def host_website(widget_url: str):
    """A website of someone else's on 127.0.0.1 (another origin than the live server's localhost; a real local
    server, because Chromium does not let a page without a local address frame a local one)."""
    body = (
        "<!DOCTYPE html><html lang='en'><head><title>Host</title></head><body><main><h1>Host</h1>"
        f"<iframe src='{widget_url}' title='IDO' width='100%' height='480'></iframe></main></body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_allowed_website_shows_the_widget_and_another_does_not(checked_page, browser):
    utrecht = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
    library = LibraryFactory(name="Bibliotheek Utrecht", served_municipalities=[utrecht])
    LocationFactory(library=library, municipality=utrecht, name="IDO Bibliotheek Neude")
    officer = membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=utrecht)
    )
    widget_url = checked_page.base_url + "/widget/GM0344/"
    checked_page.log_in_as(officer.user)
    page = checked_page.page

    with host_website(widget_url) as allowed, host_website(widget_url) as elsewhere:
        checked_page.goto("/app/widget/")
        page.fill("input[name=origin]", allowed + "/")
        page.locator("form.ido-form button[type=submit]").click()
        checked_page.check()
        expect(page.get_by_role("rowheader", name=allowed)).to_be_visible()

        context = browser.new_context()
        try:
            host = context.new_page()
            messages = []
            host.on("console", lambda message: messages.append(message.text))

            host.goto(allowed + "/")
            expect(host.frame_locator("iframe").get_by_role("link", name="IDO Bibliotheek Neude")).to_be_visible()

            host.goto(elsewhere + "/")
            expect(host.get_by_role("heading", name="Host")).to_be_visible()
            host.wait_for_timeout(500)
            assert host.frame_locator("iframe").get_by_role("link", name="IDO Bibliotheek Neude").count() == 0
            assert any("frame-ancestors" in text for text in messages), messages
        finally:
            context.close()
