"""Edges found in review: who marks attendance, stale series objects, changed slot lengths, messages that fail,
reminders that are never due, dates far away, and the deployment checks."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ido.appointments import checks, notifications, selectors, services
from ido.appointments.models import AppointmentStatus, ConsultationHour, Notification, SeriesStatus, Slot
from ido.core import sms
from ido.organisations.roles import Role
from tests.appointments.test_booking import DAY, NOW, at, make_hour
from tests.appointments.test_series_changes import change_input
from tests.conftest import login_verified
from tests.factories import LocationFactory, membership_for_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def host():
    return membership_for_role(Role.COORDINATOR)


@pytest.fixture
def hour(host):
    return make_hour(LocationFactory(library=host.organisation))


def book(hour, starts_at, actor=None, **contact):
    actor = actor or membership_for_role(Role.DESK, organisation=hour.location.library)
    return services.book(
        actor=actor,
        consultation_hour=hour,
        starts_at=starts_at,
        details=services.VisitorDetails(name="Jan", consent_given=bool(contact), **contact),
        now=NOW,
    )


def test_the_library_that_only_booked_sees_the_appointment_but_does_not_mark_it(client, hour):
    other = membership_for_role(Role.COORDINATOR)
    appointment = book(hour, at(14), actor=other)
    assert selectors.appointments_visible_to(other).filter(pk=appointment.pk).exists()
    with time_machine.travel(at(14, 5), tick=False):
        with pytest.raises(PermissionDenied):
            services.mark_attendance(actor=other, appointment=appointment, attended=False)
        login_verified(client, other.user)
        assert client.post(reverse("appointments:mark", kwargs={"pk": appointment.pk})).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_booking_with_an_outdated_series_object_sees_the_cancellation(host, hour):
    outdated = ConsultationHour.objects.get(pk=hour.pk)
    services.cancel_series(actor=host, hour=hour)
    with pytest.raises(ValidationError, match="geannuleerd"):
        book(outdated, at(14))
    assert not Slot.objects.filter(booked__gt=0).exists()


def test_after_a_new_slot_length_a_booking_gets_the_new_end(host, hour):
    first = book(hour, at(14))
    services.cancel(actor=membership_for_role(Role.DESK, organisation=hour.location.library), appointment=first)
    services.update_consultation_hour(
        actor=host, hour=hour, location=hour.location, data=change_input(hour, slot_minutes=30)
    )
    again = book(ConsultationHour.objects.get(pk=hour.pk), at(14))
    assert again.slot_id == first.slot_id
    assert again.slot.ends_at == at(14, 30)
    # A title-only change afterwards drops nothing.
    hour.refresh_from_db()
    result = services.update_consultation_hour(
        actor=host, hour=hour, location=hour.location, data=change_input(hour, title="Nieuwe titel")
    )
    assert result.cancelled == ()


def test_a_date_is_cancelled_once_and_not_on_a_cancelled_series(host, hour):
    services.cancel_date(actor=host, hour=hour, day=DAY)
    with pytest.raises(ValidationError, match="al geannuleerd"):
        services.cancel_date(actor=host, hour=hour, day=DAY)
    services.cancel_series(actor=host, hour=hour)
    with pytest.raises(ValidationError):
        services.cancel_date(actor=host, hour=hour, day=DAY + timedelta(days=7))


def test_a_failed_message_keeps_no_personal_data_after_the_retention_period(hour, settings):
    settings.IDO_SMS_BACKEND = "tests.appointments.test_notifications.BrokenGateway"
    appointment = book(hour, at(14), phone="0612345678")
    Notification.objects.create(appointment=appointment, key="x", channel="sms", claimed_at=NOW, failure="old text")
    services.delete_expired_personal_data(now=at(14) + timedelta(days=31))
    assert not Notification.objects.exclude(failure="").exists()


def test_an_email_only_booking_within_the_reminder_period_is_never_queued(hour, settings):
    settings.IDO_REMINDER_HOURS_BEFORE = 24
    with time_machine.travel(at(14) - timedelta(hours=5), tick=False):
        late_email = book(hour, at(14), email="a@example.nl")
        late_phone = book(hour, at(14, 20), phone="0612345678")
        assert notifications.due_for_reminder() == [late_phone.pk]
        assert late_email.pk not in notifications.due_for_reminder()


def test_the_console_gateway_logs_no_number_and_no_text(caplog, settings):
    settings.IDO_SMS_BACKEND = "console"
    with caplog.at_level("INFO", logger="ido.core.sms"):
        sms.send_sms("+31612345678", "Herinnering met link")
    assert "612345678" not in caplog.text and "Herinnering" not in caplog.text
    assert "678" in caplog.text


def test_an_ended_hour_is_not_offered_to_citizens(hour):
    ConsultationHour.objects.filter(pk=hour.pk).update(public_booking=True, ends_on=date(2026, 11, 24))
    assert not selectors.publicly_bookable_hours().exists()


@pytest.mark.parametrize(
    ("name", "kwargs", "data"),
    [
        ("appointments:day", {}, {"date": "9999-12-31"}),
        ("appointments:day", {}, {"date": "0001-01-01"}),
        ("appointments:free_slots", {}, {"start": "9999-12-20", "weeks": "2"}),
    ],
)
def test_dates_far_away_get_an_answer_not_an_error(client, host, name, kwargs, data):
    login_verified(client, host.user)
    assert client.get(reverse(name, kwargs=kwargs), data).status_code == 200


def test_a_date_far_away_is_refused_with_a_message_in_the_forms(client, host, hour):
    login_verified(client, host.user)
    response = client.post(reverse("appointments:hour_cancel_date", kwargs={"pk": hour.pk}), {"date": "9999-12-31"})
    assert response.status_code == 200
    assert "tussen 2000 en" in str(response.context["form"].errors["date"])
    assert not hour.cancelled_dates.exists()


def test_the_api_refuses_a_period_far_away(client, hour):
    hour.location.status = "open"
    hour.location.save()
    response = client.get(f"/api/v1/consultation-hours/{hour.pk}/slots/", {"from": "9999-12-01"})
    assert response.status_code in (400, 404)
    assert response.status_code != 500


def test_the_deployment_checks_ask_for_the_public_address_and_a_text_message_gateway(settings):
    settings.DEBUG = False
    settings.IDO_BASE_URL = "http://127.0.0.1:8000"
    settings.IDO_SMS_BACKEND = "console"
    assert {problem.id for problem in checks.check_messages_can_reach_visitors(None)} == {"ido.W001", "ido.W002"}
    settings.IDO_BASE_URL = "https://ido.example.nl"
    settings.IDO_SMS_BACKEND = "file"
    assert checks.check_messages_can_reach_visitors(None) == []


def test_a_hour_object_of_an_active_series_still_books(hour):
    assert book(hour, at(14)).status == AppointmentStatus.BOOKED
    assert ConsultationHour.objects.get(pk=hour.pk).status == SeriesStatus.ACTIVE
