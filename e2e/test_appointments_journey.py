"""Appointments in the browser: the desk finds a free slot and books it for a visitor, the provider marks who
came; a citizen books by keyboard with the date and slot picker. axe-core on every page visited."""

from datetime import time, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect
from tests.factories import LocationFactory, OrganisationFactory, membership_for_role

from ido.appointments.models import Appointment, AppointmentStatus, ConsultationHour
from ido.organisations.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


def _day_after_tomorrow():
    return timezone.localdate() + timedelta(days=2)


def _hour(**fields) -> ConsultationHour:
    day = _day_after_tomorrow()
    values = {
        "title": "Belastingspreekuur",
        "frequency": "weekly",
        "weekdays": str(day.weekday()),
        "starts_on": day - timedelta(days=7),
        "start_time": time(10),
        "end_time": time(11),
        "slot_minutes": 20,
        "skip_public_holidays": False,
        "what_to_bring": "Uw DigiD-app",
    }
    return ConsultationHour.objects.create(**{**values, **fields})


def test_the_desk_books_a_free_slot_and_the_provider_marks_the_visitor_as_come(checked_page):
    desk = membership_for_role(Role.DESK)
    location = LocationFactory(library=desk.organisation, name="Bibliotheek Centrum")
    provider = OrganisationFactory(name="Belastingdienst")
    hour = _hour(provider=provider, location=location)
    page = checked_page.page

    checked_page.log_in_as(desk.user)
    checked_page.goto("/app/consultation-hours/free/")
    page.get_by_role("button", name="Zoeken").click()
    checked_page.check()
    page.get_by_role("link", name="Afspraak maken").first.click()
    checked_page.check()
    expect(page.get_by_role("radio").first).to_be_checked()
    page.get_by_label("Voornaam of voorletters").fill("Fatima")
    page.get_by_label("E-mailadres voor een herinnering").fill("fatima@example.nl")
    page.get_by_label("De bezoeker stemt in", exact=False).check()
    page.get_by_role("button", name="Afspraak maken").click()
    checked_page.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Belastingspreekuur")
    card_path = page.get_by_role("link", name="Afsprakenkaart afdrukken (pdf)").get_attribute("href")
    card = page.request.get(checked_page.base_url + card_path)
    assert card.headers["content-type"] == "application/pdf" and card.body().startswith(b"%PDF")
    appointment = Appointment.objects.get()
    assert appointment.slot.consultation_hour == hour and appointment.email == "fatima@example.nl"

    # The appointment has started: the provider's staff see the day list and mark that Fatima came.
    starts = timezone.localtime(appointment.slot.starts_at)
    with time_machine.travel(appointment.slot.starts_at + timedelta(minutes=5), tick=True):
        partner = membership_for_role(Role.PARTNER_STAFF, organisation=provider)
        page.context.clear_cookies()
        checked_page.log_in_as(partner.user)
        checked_page.goto(f"/app/consultation-hours/day/?date={starts.date().isoformat()}")
        expect(page.get_by_text("Fatima")).to_be_visible()
        page.get_by_role("button", name=f"Gekomen {starts:%H:%M}", exact=True).click()
        checked_page.check()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.ATTENDED


def test_a_citizen_books_by_keyboard_with_the_day_and_time_picker(checked_page):
    location = LocationFactory(name="Bibliotheek Noord")
    _hour(provider=OrganisationFactory(name="Schuldhulp"), location=location, public_booking=True)
    page = checked_page.page

    checked_page.goto("/")
    page.get_by_role("link", name="Belastingspreekuur (Schuldhulp)").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    checked_page.check()
    day = _day_after_tomorrow()
    day_link = page.locator("nav[aria-labelledby=days-heading]").get_by_role("link").first
    day_link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    checked_page.check()
    # The times are one radio group: the arrow keys move through it, as a screen reader user expects.
    page.get_by_role("radio").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio").nth(1)).to_be_checked()
    page.get_by_label("Uw voornaam of voorletters").focus()
    page.keyboard.type("Sanne")
    page.get_by_role("button", name="Afspraak maken").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    checked_page.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw afspraak is gemaakt")
    appointment = Appointment.objects.get()
    assert appointment.name == "Sanne"
    first_day = timezone.localtime(appointment.slot.starts_at).date()
    assert first_day <= day
    assert timezone.localtime(appointment.slot.starts_at).time() == time(10, 20)
    # The cancel link on the confirmation page works by keyboard too.
    page.get_by_role("link", name="Afspraak afzeggen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    checked_page.check()
    page.get_by_role("button", name="Mijn afspraak afzeggen").click()
    checked_page.check()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
