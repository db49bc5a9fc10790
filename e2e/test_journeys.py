"""Journeys through the real app in Debian's Chromium, with axe-core on every page."""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect
from tests.factories import TEST_PASSWORD, LibraryFactory, MunicipalityFactory, membership_for_role

from ido.organisations.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


def code_for(secret_text: str) -> str:
    secret = secret_text.replace(" ", "").upper()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def test_coordinator_enrols_totp_adds_a_location_with_hours_and_sees_it_listed(checked_page):
    municipality = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
    library = LibraryFactory(name="Bibliotheek Utrecht", served_municipalities=[municipality])
    coordinator = membership_for_role(Role.COORDINATOR, organisation=library)
    page = checked_page.page

    checked_page.goto("/accounts/login/")
    page.fill("input[name=username]", coordinator.user.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/accounts/2fa/setup/"))
    checked_page.check()

    secret = page.locator("#totp-secret").inner_text()
    page.fill("input[name=token]", code_for(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/accounts/2fa/backup-codes/"))
    checked_page.check()
    assert page.locator(".ido-codes li").count() == 10

    checked_page.goto("/app/")
    assert "/app/home/coordinator/" in page.url

    checked_page.goto("/app/locations/new/")
    page.fill("input[name=name]", "IDO Bibliotheek Neude")
    page.select_option("select[name=municipality]", label="Utrecht")
    page.fill("input[name=street]", "Neude")
    page.fill("input[name=house_number]", "11")
    page.fill("input[name=postcode]", "3512ae")
    page.fill("input[name=city]", "Utrecht")
    page.check("input[name=step_free]")
    page.check("input[name=languages][value=ar]")
    page.locator("#main form.ido-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/app/locations/\d+/hours/"))
    checked_page.check()

    page.select_option("select[name=hours-0-weekday]", "1")
    page.fill("input[name=hours-0-opens]", "10:00")
    page.fill("input[name=hours-0-closes]", "12:30")
    page.select_option("select[name=hours-1-weekday]", "1")
    page.fill("input[name=hours-1-opens]", "12:00")
    page.fill("input[name=hours-1-closes]", "17:00")
    page.locator("#main form.ido-form button[type=submit]").click()
    # Overlapping blocks are refused with a message; nothing is saved.
    page.wait_for_selector(".utrecht-alert--error")
    checked_page.check()

    page.fill("input[name=hours-1-opens]", "13:30")
    page.locator("#main form.ido-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/app/locations/\d+/$"))
    checked_page.check()
    assert "3512 AE" in page.content()

    checked_page.goto("/app/locations/")
    assert page.get_by_role("link", name="IDO Bibliotheek Neude").count() == 1


def test_visitor_switches_the_language_by_keyboard_and_it_sticks(checked_page):
    page = checked_page.page
    checked_page.goto("/")
    assert page.locator("html").get_attribute("lang") == "nl"

    page.get_by_role("navigation", name="Taal").get_by_role("link", name="English").focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    checked_page.check()
    assert page.locator("h1").count() == 1

    checked_page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("E-mail address").count() == 1


def test_skip_link_is_the_first_thing_the_keyboard_reaches(checked_page):
    page = checked_page.page
    checked_page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_municipality_search_updates_while_typing_under_the_strict_csp(checked_page):
    for code, name in [("GM0344", "Utrecht"), ("GM0307", "Amersfoort"), ("GM0363", "Amsterdam")]:
        MunicipalityFactory(cbs_code=code, name=name)
    national = membership_for_role(Role.NATIONAL_ADMIN)
    checked_page.log_in_as(national.user)
    checked_page.goto("/app/municipalities/")
    page = checked_page.page
    rows = page.locator("#municipality-results tbody tr")
    assert rows.count() == 3
    page.fill("#id_q", "Am")
    expect(rows).to_have_count(2)
    assert "q=Am" in page.url
    checked_page.check()


class Counter:
    """Counts interactions as the issue defines them: a click, a field filled by typing (Enter to choose
    included) or a keyboard shortcut. Moving focus with Tab is free."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += 1

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def tab_to(self, selector: str, limit: int = 80) -> None:
        for _ in range(limit):
            if self.page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {selector}")


def test_desk_registers_visits_by_keyboard_only_and_counts_the_interactions(checked_page):
    from tests.factories import LocationFactory

    from ido.registrations.models import Question, Visit

    desk = membership_for_role(Role.DESK)
    LocationFactory(library=desk.organisation, name="IDO Centrum")
    checked_page.log_in_as(desk.user)
    checked_page.goto("/app/registrations/new/")
    page = checked_page.page

    # A common visit: one question, defaults kept.
    counter = Counter(page)
    assert page.evaluate("document.activeElement.name") == "q-0-topic"
    counter.type("DigiD")
    counter.tab_to("[name=q-0-service_organisation]")
    counter.type("Logius")
    counter.tab_to("form.ido-registration button[type=submit]")
    counter.press("Enter")
    expect(page.locator(".ido-undo [role=status]")).to_contain_text("met 1 vraag")
    checked_page.check()
    assert counter.count <= 6, counter.count
    visit = Visit.objects.get()
    question = visit.questions.get()
    assert question.topic.code == "digid"
    assert question.service_organisation.code == "logius"
    assert question.help_given.code == "explained"

    # The next visitor: two questions, still by keyboard only.
    counter = Counter(page)
    assert page.evaluate("document.activeElement.name") == "q-0-topic"
    counter.type("Belasting")
    counter.tab_to("[name=q-0-service_organisation]")
    counter.type("Belastingdienst")
    counter.tab_to("[name=q-1-topic]")
    counter.type("Toeslagen")
    counter.tab_to("[name=q-1-service_organisation]")
    counter.type("Dienst")
    counter.tab_to("form.ido-registration button[type=submit]")
    counter.press("Enter")
    expect(page.locator(".ido-undo [role=status]")).to_contain_text("met 2 vragen")
    checked_page.check()
    assert counter.count <= 8, counter.count
    latest = Visit.objects.order_by("-pk").first()
    assert [q.topic.code for q in latest.questions.order_by("position")] == ["taxes", "allowances"]
    assert Question.objects.filter(visit=latest, service_organisation__code="toeslagen").exists()
