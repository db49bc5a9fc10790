"""Citizens book a consultation hour themselves where the provider allows it: a day, then a time; the
confirmation page gives the calendar file, the card and the cancel link."""

import io

import icalendar
import pypdf
import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from ido.appointments import cancel_links, services
from ido.appointments.models import Appointment, BookedBy, SeriesStatus
from ido.locations.models import LocationStatus
from ido.organisations.roles import Role
from tests.appointments.test_booking import DAY, NOW, at, make_hour
from tests.factories import LocationFactory, membership_for_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hour():
    location = LocationFactory(name="Bibliotheek Noord", status=LocationStatus.OPEN)
    return make_hour(location, public_booking=True, what_to_bring="Uw paspoort")


def test_the_public_page_lists_days_then_times_and_books(client, hour, django_capture_on_commit_callbacks):
    url = reverse("booking:book", kwargs={"pk": hour.pk})
    page = client.get(url)
    assert page.status_code == 200
    days = dict(page.context["days"])
    assert len(days[DAY]) == 9  # 13:00–16:00 in slots of 20 minutes
    assert page.context["form"] is None  # a day first
    day_page = client.get(url, {"date": DAY.isoformat()})
    assert "Uw paspoort" in day_page.content.decode()
    assert day_page.context["form"].fields["slot"].choices[0][0] == at(13).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{url}?date={DAY.isoformat()}",
            {"slot": at(13, 40).isoformat(), "name": "Sanne", "email": "sanne@example.nl", "consent": "on"},
        )
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert appointment.booked_by == BookedBy.CITIZEN and appointment.booking_organisation is None
    assert appointment.consent_given_at is not None and appointment.consent_text
    assert len(mail.outbox) == 1  # the confirmation with the calendar file
    token = cancel_links.cancel_token(appointment)
    assert response["Location"] == reverse("booking:booked", kwargs={"token": token})
    done = client.get(response["Location"])
    assert "Bibliotheek Noord" in done.content.decode()
    ics = client.get(reverse("booking:calendar", kwargs={"token": token}))
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at(13, 40)
    card = client.get(reverse("booking:card", kwargs={"token": token}))
    text = pypdf.PdfReader(io.BytesIO(card.content)).pages[0].extract_text()
    assert "Bibliotheek Noord" in text and "13:40" in text
    assert "Sanne" not in text  # the link travels (ICS, text message): the name stays off the public card
    assert "Sanne" not in done.content.decode()
    assert "no-cache" in card["Cache-Control"] or "max-age=0" in card["Cache-Control"]


def test_a_full_time_is_not_offered_and_a_late_post_for_it_is_refused(client, hour):
    desk = membership_for_role(Role.DESK, organisation=hour.location.library)
    services.book(
        actor=desk, consultation_hour=hour, starts_at=at(13), details=services.VisitorDetails(name="Jan"), now=NOW
    )
    url = reverse("booking:book", kwargs={"pk": hour.pk})
    day_page = client.get(url, {"date": DAY.isoformat()})
    offered = [value for value, _label in day_page.context["form"].fields["slot"].choices]
    assert at(13).isoformat() not in offered
    refused = client.post(f"{url}?date={DAY.isoformat()}", {"slot": at(13).isoformat(), "name": "Sanne"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["slot"]
    assert Appointment.objects.count() == 1


def test_contact_details_without_consent_change_nothing(client, hour):
    url = reverse("booking:book", kwargs={"pk": hour.pk})
    refused = client.post(
        f"{url}?date={DAY.isoformat()}", {"slot": at(14).isoformat(), "name": "Sanne", "phone": "0612345678"}
    )
    assert refused.context["form"].errors["consent"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"public_booking": False},
        {"status": SeriesStatus.CANCELLED},
        {"booking_mode": "walk_in"},
    ],
)
def test_hours_that_are_not_open_for_citizens_have_no_public_page(client, hour, change):
    type(hour).objects.filter(pk=hour.pk).update(**change)
    assert client.get(reverse("booking:book", kwargs={"pk": hour.pk})).status_code == 404


def test_the_service_refuses_a_citizen_booking_where_the_provider_does_not_allow_it(hour):
    type(hour).objects.filter(pk=hour.pk).update(public_booking=False)
    hour.refresh_from_db()
    with pytest.raises(services.ValidationError):
        services.book(
            actor=None,
            consultation_hour=hour,
            starts_at=at(14),
            details=services.VisitorDetails(name="Sanne"),
            booked_by=BookedBy.CITIZEN,
        )
    assert not Appointment.objects.exists()


def test_the_finder_links_to_the_public_booking_page(client, hour):
    page = client.get(reverse("public:index"))
    assert reverse("booking:book", kwargs={"pk": hour.pk}) in page.content.decode()


def test_a_made_up_token_shows_nothing(client):
    for name in ("booking:booked", "booking:calendar", "booking:card"):
        assert client.get(reverse(name, kwargs={"token": "bm9uc2Vuc2U:abc"})).status_code == 404


def test_citizen_bookings_are_rate_limited_per_visitor(client, hour, settings):
    settings.IDO_PUBLIC_FORM_RATE_LIMIT = 1
    url = f"{reverse('booking:book', kwargs={'pk': hour.pk})}?date={DAY.isoformat()}"
    first = client.post(url, {"slot": at(13).isoformat(), "name": "Sanne", "email": "s@example.nl", "consent": "on"})
    assert first.status_code == 302
    second = client.post(url, {"slot": at(13, 20).isoformat(), "name": "Bob", "email": "b@example.nl", "consent": "on"})
    assert second.status_code == 200
    assert second.context["form"].non_field_errors()
    assert Appointment.objects.count() == 1  # the second booking was not made


def test_a_citizen_who_books_in_arabic_gets_the_confirmation_in_arabic(
    client, hour, django_capture_on_commit_callbacks
):
    client.cookies["ido_language"] = "ar"
    url = f"{reverse('booking:book', kwargs={'pk': hour.pk})}?date={DAY.isoformat()}"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"slot": at(13).isoformat(), "name": "Fatima", "email": "f@example.nl", "consent": "on"})
    assert Appointment.objects.get().language == "ar"
    (message,) = mail.outbox
    arabic = [char for char in message.subject + message.body if "\u0600" <= char <= "\u06ff"]
    assert arabic, message.subject
    # Not the Dutch catalogue's fallback: the e-mail's own sentences are translated too.
    assert "afspraak" not in message.body.lower()
