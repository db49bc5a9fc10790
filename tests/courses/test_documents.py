"""The printed documents of a course enrolment: the confirmation card the desk hands to the visitor, and the
certificate for someone who completed the course. Each test reads the real PDF back."""

import io
import re
from datetime import date, datetime, timedelta

import pypdf
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from ido.core.models import AuditEvent
from ido.courses import documents, links, services
from ido.courses.models import Attendance, Enrolment, EnrolmentSource, EnrolmentStatus, Session
from ido.organisations.roles import Role
from tests.conftest import login_verified
from tests.courses.conftest import AMSTERDAM, make_course, make_session, person
from tests.factories import LocationFactory, membership_for_role

pytestmark = pytest.mark.django_db

FIRST_MEETING = date(2026, 12, 1)  # a Tuesday; the session meets four Tuesdays, 10:00–12:00
ENROLLED_ON = datetime(2026, 11, 24, 9, 0, tzinfo=AMSTERDAM)
AFTER_THE_COURSE = datetime(2027, 1, 5, 9, 0, tzinfo=AMSTERDAM)
VISITOR_PHONE = "0612345678"


def completed_enrolment_at(location) -> int:
    """A session at the location that met four times, five weeks ago and before, with one person who came to
    every meeting: a card and a certificate can be printed. Used by the permission matrix too."""
    session = Session.objects.filter(location=location, teacher="Certificaat").first()
    if session is None:
        course = make_course(location.library, title="Klik & Tik")
        first = timezone.localdate() - timedelta(weeks=8)
        session = make_session(course, location, capacity=8, first=first, teacher="Certificaat", taken=1)
        now = timezone.now()
        enrolment = Enrolment.objects.create(
            session=session,
            status=EnrolmentStatus.ENROLLED,
            source=EnrolmentSource.DESK,
            enrolling_organisation=location.library,
            enrolled_at=now - timedelta(weeks=9),
            name="Fatima",
        )
        Attendance.objects.bulk_create(
            [
                Attendance(enrolment=enrolment, meeting=meeting, present=True, marked_at=now)
                for meeting in session.meetings.all()
            ]
        )
    return session.enrolments.get().pk


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def without_spaces(text: str) -> str:
    """A long address wraps over lines on paper; glued together it must be whole."""
    return "".join(text.split())


def printed_link_names(text: str):
    """The enrolment that the personal address printed on the card opens (None if there is no working one)."""
    start = settings.IDO_BASE_URL + reverse("course_links:enrolment", kwargs={"token": "TOKEN"}).split("TOKEN")[0]
    found = re.search(re.escape(start) + r"([^/]+)/", without_spaces(text))
    return links.enrolment_from_token(found[1]) if found else None


def card_url(enrolment) -> str:
    return reverse("courses:card", kwargs={"pk": enrolment.pk})


def certificate_url(enrolment) -> str:
    return reverse("courses:certificate", kwargs={"pk": enrolment.pk})


@pytest.fixture(autouse=True)
def _a_week_before_the_course():
    with time_machine.travel(ENROLLED_ON, tick=False):
        yield


@pytest.fixture
def place(library):
    return LocationFactory(
        library=library,
        name="Bibliotheek Oost",
        venue="Buurthuis De Kroon",
        street="Kroonstraat",
        house_number="12a",
        postcode="3572 AB",
        city="Utrecht",
        phone="030 123 45 67",
    )


@pytest.fixture
def course_session(provider_staff, place):
    """Digisterker, given by a partner at the library's location, four meetings from 1 December; two places."""
    course = make_course(provider_staff.organisation)
    return make_session(course, place, capacity=2, first=FIRST_MEETING)


@pytest.fixture
def enrolment(desk, course_session):
    return services.enrol(actor=desk, session=course_session, details=person("Fatima", phone=VISITOR_PHONE))


@pytest.fixture
def logged_in(client, desk):
    login_verified(client, desk.user)
    return client


def complete(enrolment, coordinator, *, came_to=4):
    """The teacher marks every meeting: the person came to the first `came_to` of them."""
    for number, meeting in enumerate(enrolment.session.meetings.order_by("starts_at")):
        present = {enrolment.pk} if number < came_to else set()
        services.mark_attendance(actor=coordinator, meeting=meeting, present=present, now=meeting.ends_at)


# The confirmation card


def test_the_desk_prints_the_card_with_the_course_the_place_and_every_meeting(logged_in, enrolment):
    response = logged_in.get(card_url(enrolment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="cursus-{enrolment.pk}.pdf"'
    assert len(pypdf.PdfReader(io.BytesIO(response.content)).pages) == 1, "the card fits on one sheet"
    text = pdf_text(response.content)
    assert "Digisterker: werken met de e-overheid" in text
    assert "Digisterker Utrecht" in text  # the provider
    for line in ("Bibliotheek Oost", "Buurthuis De Kroon", "Kroonstraat 12a", "3572 AB Utrecht"):
        assert line in text
    for day in ("dinsdag 1 december 2026", "dinsdag 8 december 2026", "dinsdag 15 december 2026"):
        assert f"{day}, 10:00–12:00" in text
    assert "dinsdag 22 december 2026, 10:00–12:00" in text
    assert "Fatima" in text
    assert printed_link_names(text) == enrolment
    assert "030 123 45 67" in text  # the location's number
    assert VISITOR_PHONE not in without_spaces(text)


def test_the_qr_code_on_the_card_is_the_personal_link(enrolment):
    context = documents.card_context(enrolment)

    url = links.enrolment_url(enrolment)
    assert context["personal_url"] == url
    assert context["personal_qr"] == documents.qr_svg(url)
    assert context["personal_qr"].startswith("<svg")


def test_the_card_is_not_kept_in_a_cache(logged_in, enrolment):
    response = logged_in.get(card_url(enrolment))

    assert "no-store" in response["Cache-Control"]


def test_a_visitor_with_a_companion_sees_that_two_places_are_kept(desk, course_session):
    enrolment = services.enrol(actor=desk, session=course_session, details=person("Anna"), places=2)

    with translation.override("en"):
        text = pdf_text(documents.enrolment_card_pdf(enrolment))

    assert "With a companion: there are two places for you." in text
    assert "You are enrolled." in text


def test_the_card_of_someone_on_the_waitlist_says_their_number(desk, course_session):
    services.enrol(actor=desk, session=course_session, details=person("Anna"), places=2)
    waiting = services.enrol(actor=desk, session=course_session, details=person("Bram"), waitlist_if_full=True)
    assert waiting.status == EnrolmentStatus.WAITLISTED

    with translation.override("en"):
        text = pdf_text(documents.enrolment_card_pdf(waiting))

    assert "On the waitlist, number 1." in text
    assert "Bram" in text
    assert "Tuesday 1 December 2026, 10:00–12:00" in text
    assert printed_link_names(text) == waiting


def test_the_desk_prints_the_card_of_someone_on_the_waitlist(logged_in, desk, course_session):
    services.enrol(actor=desk, session=course_session, details=person("Anna"), places=2)
    waiting = services.enrol(actor=desk, session=course_session, details=person("Bram"), waitlist_if_full=True)

    response = logged_in.get(card_url(waiting))

    assert response.status_code == 200
    assert "Bram" in pdf_text(response.content)


def test_printing_the_card_is_an_audited_reading_of_personal_data(logged_in, desk, enrolment):
    logged_in.get(card_url(enrolment))

    event = AuditEvent.objects.get(action="courses.enrolment.read")
    assert event.target_id == str(enrolment.pk)
    assert event.actor == desk.user


def test_an_organisation_that_may_not_see_the_enrolment_gets_not_found(client, enrolment):
    login_verified(client, membership_for_role(Role.DESK).user)

    response = client.get(card_url(enrolment))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="courses.enrolment.read").exists()


def test_a_cancelled_enrolment_has_no_card(logged_in, desk, enrolment):
    services.cancel_enrolment(actor=desk, enrolment=enrolment)

    response = logged_in.get(card_url(enrolment))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert response.context["enrolment"] == enrolment
    assert "Fatima" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="courses.enrolment.read").exists()


def test_after_the_personal_data_is_deleted_there_is_no_card(client, desk, enrolment):
    assert services.delete_expired_personal_data(now=AFTER_THE_COURSE + timedelta(days=120)) == 1

    login_verified(client, desk.user)
    response = client.get(card_url(enrolment))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="courses.enrolment.read").exists()


def test_the_card_follows_the_active_language(enrolment):
    with translation.override("en"):
        text = pdf_text(documents.enrolment_card_pdf(enrolment))

    assert "Your course" in text
    assert "Tuesday 1 December 2026, 10:00–12:00" in text


# The certificate


def test_someone_who_completed_gets_a_certificate_with_the_course_the_place_and_the_meetings(
    client, desk, coordinator, enrolment
):
    complete(enrolment, coordinator, came_to=3)  # the course asks for three of the four meetings

    with time_machine.travel(AFTER_THE_COURSE, tick=False):
        login_verified(client, desk.user)
        response = client.get(certificate_url(enrolment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="certificaat-{enrolment.pk}.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "Fatima" in text
    assert "Digisterker: werken met de e-overheid" in text
    assert "Digisterker Utrecht" in text
    assert "Bibliotheek Oost" in text
    assert "Utrecht" in text
    assert "1 december 2026" in text
    assert "22 december 2026" in text
    assert AuditEvent.objects.filter(action="courses.enrolment.read", target_id=str(enrolment.pk)).exists()


def test_the_certificate_counts_the_meetings_attended(coordinator, enrolment):
    complete(enrolment, coordinator, came_to=3)

    with translation.override("en"):
        text = pdf_text(documents.certificate_pdf(enrolment, now=AFTER_THE_COURSE))

    assert "Meetings attended: 3 of 4" in text
    assert "from 1 December 2026 to 22 December 2026" in text


def test_someone_who_did_not_complete_gets_no_certificate(client, desk, coordinator, enrolment):
    complete(enrolment, coordinator, came_to=2)  # two of four: the course asks for three

    with time_machine.travel(AFTER_THE_COURSE, tick=False):
        login_verified(client, desk.user)
        response = client.get(certificate_url(enrolment))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action="courses.enrolment.read").exists()


def test_someone_on_the_waitlist_gets_no_certificate(logged_in, desk, course_session):
    services.enrol(actor=desk, session=course_session, details=person("Anna"), places=2)
    waiting = services.enrol(actor=desk, session=course_session, details=person("Bram"), waitlist_if_full=True)

    assert logged_in.get(certificate_url(waiting)).status_code == 404


def test_after_the_personal_data_is_deleted_there_is_no_certificate(client, desk, coordinator, enrolment):
    complete(enrolment, coordinator)
    later = AFTER_THE_COURSE + timedelta(days=120)
    assert services.delete_expired_personal_data(now=later) == 1

    with time_machine.travel(later, tick=False):
        login_verified(client, desk.user)
        response = client.get(certificate_url(enrolment))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="courses.enrolment.read").exists()


def test_another_organisation_gets_not_found_for_the_certificate(client, coordinator, enrolment):
    complete(enrolment, coordinator)
    other = membership_for_role(Role.COORDINATOR)

    with time_machine.travel(AFTER_THE_COURSE, tick=False):
        login_verified(client, other.user)
        assert client.get(certificate_url(enrolment)).status_code == 404


def test_the_course_provider_prints_the_certificate_of_its_course(client, provider_staff, coordinator, enrolment):
    complete(enrolment, coordinator)

    with time_machine.travel(AFTER_THE_COURSE, tick=False):
        login_verified(client, provider_staff.user)
        response = client.get(certificate_url(enrolment))

    assert response.status_code == 200
    assert "Fatima" in pdf_text(response.content)


def test_the_matrix_enrolment_has_a_card_and_a_certificate(client, library, location, coordinator):
    pk = completed_enrolment_at(location)
    assert completed_enrolment_at(location) == pk  # the same on every call

    login_verified(client, coordinator.user)
    assert client.get(reverse("courses:card", kwargs={"pk": pk})).status_code == 200
    assert client.get(reverse("courses:certificate", kwargs={"pk": pk})).status_code == 200
