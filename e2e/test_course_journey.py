"""Courses in the browser: the desk enrols a visitor straight from a registered question into the last place of a
session and puts the next visitor on its waitlist; the first visitor cancels by their own link, the waitlisted
visitor gets the offer by text message and takes the place by their link. axe-core on every page."""

import re
from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.factories import LocationFactory, membership_for_role

from ido.core import sms
from ido.courses import links, rules
from ido.courses.models import Course, Enrolment, EnrolmentStatus, Meeting, Session
from ido.organisations.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_desk_enrols_from_a_registration_a_place_frees_and_the_waitlisted_visitor_takes_it(checked_page):
    sms.outbox.clear()
    desk = membership_for_role(Role.DESK)
    location = LocationFactory(library=desk.organisation, name="IDO Centrum", latitude=52.09, longitude=5.12)
    course = Course.objects.create(
        provider=desk.organisation,
        title="Klik & Tik: de basis",
        description="Voor wie bijna nooit een computer gebruikt.",
        kind="digital_basics",
        meetings_to_complete=3,
    )
    times = rules.meeting_times(first=timezone.localdate() + timedelta(days=7), start=time(10), end=time(12), count=4)
    session = Session.objects.create(
        course=course, location=location, capacity=2, starts_at=times[0][0], ends_at=times[-1][1]
    )
    Meeting.objects.bulk_create([Meeting(session=session, starts_at=s, ends_at=e) for s, e in times])
    page = checked_page.page

    # A registration: a question about using a computer, referred to a course.
    checked_page.log_in_as(desk.user)
    checked_page.goto("/app/registrations/new/")
    page.locator("[name=q-0-topic]").select_option(label="Computer, tablet of smartphone gebruiken")
    page.locator("[name=q-0-help_given]").select_option(label="Doorverwezen naar een cursus")
    page.locator("form.ido-registration button[type=submit]").click()
    expect(page.locator(".ido-undo [role=status]")).to_contain_text("met 1 vraag")
    checked_page.check()

    # From the saved registration to the course search, and enrol: Anna takes the first place.
    page.get_by_role("link", name=re.compile("Zoek een cursus bij de vraag over")).click()
    checked_page.check()
    page.get_by_role("link", name=re.compile("^Inschrijven Klik & Tik")).click()
    checked_page.check()
    expect(page.locator("#consent-text")).to_be_visible()
    page.get_by_label("Voornaam of voorletters").fill("Anna")
    page.get_by_role("button", name="Inschrijven").click()
    checked_page.check()
    anna = Enrolment.objects.get()
    assert anna.status == EnrolmentStatus.ENROLLED and anna.question is not None

    # Cor takes the last place; Bram finds the session full and goes on the waitlist with his mobile number.
    for name in ("Cor", "Bram"):
        checked_page.goto(f"/app/courses/sessions/{session.pk}/enrol/")
        page.get_by_label("Voornaam of voorletters").fill(name)
        if name == "Bram":
            page.get_by_label("Mobiel nummer of telefoonnummer").fill("06 1234 5678")
            page.get_by_label("De bezoeker stemt in", exact=False).check()
            page.get_by_role("button", name="Inschrijven").click()
            checked_page.check()  # refused: full; the waitlist choice appears
            page.get_by_label("Geen plaats meer: zet de bezoeker op de wachtlijst").check()
        page.get_by_role("button", name="Inschrijven").click()
        checked_page.check()
    bram = Enrolment.objects.order_by("-pk").first()
    assert (bram.status, bram.waitlist_position) == (EnrolmentStatus.WAITLISTED, 1)

    # Anna cannot come after all: she cancels by her own link, by keyboard.
    page.context.clear_cookies()
    checked_page.goto(urlsplit(links.enrolment_url(anna)).path)
    page.get_by_role("link", name="Ik kan niet komen: annuleer mijn inschrijving").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"action=cancel"))
    checked_page.check()
    page.get_by_role("button", name="Ja, annuleer mijn inschrijving").click()
    checked_page.check()
    anna.refresh_from_db()
    bram.refresh_from_db()
    assert anna.status == EnrolmentStatus.CANCELLED
    assert bram.status == EnrolmentStatus.OFFERED

    # Bram got the offer by text message with his link, and takes the place.
    texts = [message.body for message in sms.outbox if message.to == "+31612345678"]
    assert len(texts) == 2  # on the waitlist, then the offer
    link = re.search(r"https?://\S+", texts[-1]).group()
    checked_page.goto(urlsplit(link).path)
    page.get_by_role("button", name="Ja, ik neem de plek").click()
    checked_page.check()
    bram.refresh_from_db()
    assert bram.status == EnrolmentStatus.ENROLLED
    session.refresh_from_db()
    assert session.taken == 2
