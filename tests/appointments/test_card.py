"""The printable appointment card: the desk hands the visitor a PDF with when, where, with whom, what to bring and
how to cancel. Each test reads the real PDF back."""

import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from ido.appointments import cancel_links, documents, services
from ido.appointments.models import ConsultationHour
from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from tests.conftest import login_verified
from tests.factories import LocationFactory, OrganisationFactory, membership_for_role

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAY = date(2026, 12, 1)  # a Tuesday, not a public holiday
BOOKED_ON = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
VISITOR_PHONE = "0612345678"


@pytest.fixture(autouse=True)
def _a_week_before_the_appointment():
    with time_machine.travel(BOOKED_ON, tick=False):
        yield


@pytest.fixture
def desk(db, client):
    membership = membership_for_role(Role.DESK)
    login_verified(client, membership.user)
    return membership


@pytest.fixture
def appointment(desk):
    location = LocationFactory(
        library=desk.organisation,
        name="Bibliotheek Oost",
        venue="Buurthuis De Kroon",
        street="Kroonstraat",
        house_number="12a",
        postcode="3572 AB",
        city="Utrecht",
        phone="030 123 45 67",
    )
    hour = ConsultationHour.objects.create(
        provider=OrganisationFactory(name="Belastingdienst"),
        location=location,
        title="Belastingspreekuur",
        what_to_bring="Uw DigiD-app en de brief van de Belastingdienst",
        weekdays="1",
        starts_on=date(2026, 11, 3),
        start_time=time(13),
        end_time=time(16),
        slot_minutes=20,
    )
    return services.book(
        actor=desk,
        consultation_hour=hour,
        starts_at=datetime.combine(DAY, time(14), tzinfo=AMSTERDAM),
        details=services.VisitorDetails(
            name="A.B.", phone=VISITOR_PHONE, consent_text="Herinnering per sms", consent_given=True
        ),
    )


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def words(text: str) -> str:
    """The text with every run of white space as one space: line breaks of the layout do not matter."""
    return " ".join(text.split())


def without_spaces(text: str) -> str:
    """A long address wraps over lines on paper; glued together it must be whole."""
    return "".join(text.split())


def printed_cancel_link_names(text: str):
    """The appointment that the cancel address printed on the card opens (None if there is no working one)."""
    start = settings.IDO_BASE_URL + reverse("booking:cancel", kwargs={"token": "TOKEN"}).split("TOKEN")[0]
    found = re.search(re.escape(start) + r"([^/]+)/", without_spaces(text))
    return cancel_links.appointment_from_token(found[1]) if found else None


def card_url(appointment) -> str:
    return reverse("appointments:card", kwargs={"pk": appointment.pk})


def test_the_desk_prints_the_card_with_when_where_what_to_bring_and_how_to_cancel(client, appointment):
    response = client.get(card_url(appointment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="afspraak-{appointment.pk}.pdf"'
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1, "the card fits on one sheet"
    text = words(pdf_text(response.content))
    assert "dinsdag 1 december 2026, 14:00–14:20" in text
    assert "Belastingspreekuur" in text
    assert "Belastingdienst" in text
    for line in ("Bibliotheek Oost", "Buurthuis De Kroon", "Kroonstraat 12a", "3572 AB Utrecht"):
        assert line in text
    assert "Uw DigiD-app en de brief van de Belastingdienst" in text
    assert "A.B." in text
    assert printed_cancel_link_names(text) == appointment
    assert "030 123 45 67" in text  # the location's number, to cancel by phone
    assert VISITOR_PHONE not in without_spaces(text)


def test_the_qr_code_on_the_card_is_the_cancel_link(appointment):
    """The QR code is the same link as the printed address (a phone scans it instead of typing it)."""
    context = documents.card_context(appointment)
    url = cancel_links.cancel_url(appointment)
    assert context["cancel_url"] == url
    assert context["cancel_qr"] == documents.qr_svg(url)
    assert context["cancel_qr"].startswith("<svg")


def test_printing_the_card_is_an_audited_reading_of_personal_data(client, desk, appointment):
    client.get(card_url(appointment))

    event = AuditEvent.objects.get(action="appointments.appointment.read")
    assert event.target_id == str(appointment.pk)
    assert event.actor == desk.user


def test_an_organisation_that_may_not_see_the_appointment_gets_not_found(client, appointment):
    other_desk = membership_for_role(Role.DESK)
    login_verified(client, other_desk.user)

    response = client.get(card_url(appointment))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="appointments.appointment.read").exists()


def test_after_the_personal_data_is_deleted_the_card_has_no_name_and_no_cancel_link(client, desk, appointment):
    later = datetime.combine(DAY + timedelta(days=40), time(9), tzinfo=AMSTERDAM)
    assert services.delete_expired_personal_data(now=later) == 1

    with time_machine.travel(later, tick=False):
        login_verified(client, desk.user)
        response = client.get(card_url(appointment))

    assert response.status_code == 200
    text = words(pdf_text(response.content))
    assert "dinsdag 1 december 2026, 14:00–14:20" in text
    assert "Bibliotheek Oost" in text
    assert "A.B." not in text
    assert printed_cancel_link_names(text) is None
    # Nothing personal was shown, so nothing personal was read.
    assert not AuditEvent.objects.filter(action="appointments.appointment.read").exists()


def test_a_cancelled_appointment_says_so_and_has_no_cancel_link(client, desk, appointment):
    services.cancel(actor=desk, appointment=appointment)
    appointment.refresh_from_db()

    text = words(pdf_text(client.get(card_url(appointment)).content))

    assert "Geannuleerd" in text
    assert printed_cancel_link_names(text) is None


def test_the_card_follows_the_active_language(appointment):
    with translation.override("en"):
        text = words(pdf_text(documents.appointment_card_pdf(appointment)))

    assert "Your appointment" in text
    assert "Tuesday 1 December 2026, 14:00–14:20" in text
    assert "How to cancel" in text
