"""Changing or cancelling a consultation hour that has bookings: the coordinator sees which appointments would be
dropped and decides; the booked visitors are told; nothing happens without confirmation."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ido.appointments import services
from ido.appointments.models import Appointment, AppointmentStatus, CancelledDate, SeriesStatus, Slot
from ido.core import sms
from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from ido.registrations.models import Topic
from tests.appointments.test_booking import DAY, NOW, at, make_hour
from tests.conftest import login_verified
from tests.factories import LocationFactory, membership_for_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        sms.outbox.clear()
        yield


@pytest.fixture
def coordinator():
    return membership_for_role(Role.COORDINATOR)


@pytest.fixture
def hour(coordinator):
    return make_hour(LocationFactory(library=coordinator.organisation, name="Bibliotheek Oost"), capacity=2)


def book(hour, starts_at, name="Jan", **contact):
    desk = membership_for_role(Role.DESK, organisation=hour.location.library)
    return services.book(
        actor=desk,
        consultation_hour=hour,
        starts_at=starts_at,
        details=services.VisitorDetails(name=name, consent_given=bool(contact), **contact),
        now=NOW,
    )


def change_input(hour, **fields) -> services.ConsultationHourInput:
    values = {name: getattr(hour, name) for name in services.HOUR_FIELDS}
    values["weekdays"] = tuple(int(day) for day in hour.weekdays.split(","))
    return services.ConsultationHourInput(**{**values, **fields})


def test_a_change_that_keeps_every_booking_needs_no_confirmation(coordinator, hour):
    kept = book(hour, at(13, 20))
    taxes = Topic.objects.get(code="taxes")
    result = services.update_consultation_hour(
        actor=coordinator,
        hour=hour,
        location=hour.location,
        data=change_input(hour, end_time=time(17), title="Nieuw", topics=(taxes,)),
    )
    assert list(hour.topics.all()) == [taxes]
    assert result.cancelled == ()
    kept.refresh_from_db()
    assert kept.status == AppointmentStatus.BOOKED
    hour.refresh_from_db()
    assert (hour.title, hour.end_time) == ("Nieuw", time(17))
    assert AuditEvent.objects.filter(action="appointments.consultation_hour.changed").count() == 1


def test_a_change_that_drops_bookings_is_refused_until_confirmed_and_then_tells_the_visitors(
    coordinator, hour, django_capture_on_commit_callbacks
):
    early = book(hour, at(13, 0), name="Ali", email="ali@example.nl")
    late = book(hour, at(15, 40), name="Bea", phone="0612345678")
    unreachable = book(hour, at(15, 20), name="Cor")
    mail.outbox.clear()
    shorter = change_input(hour, end_time=time(15))
    with pytest.raises(ValidationError) as refused:
        services.update_consultation_hour(actor=coordinator, hour=hour, location=hour.location, data=shorter)
    assert "confirmed" in refused.value.error_dict
    hour.refresh_from_db()
    assert hour.end_time == time(16)  # nothing changed
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        result = services.update_consultation_hour(
            actor=coordinator,
            hour=hour,
            location=hour.location,
            data=shorter,
            reason="De adviseur heeft minder tijd",
            confirmed=frozenset({late.pk, unreachable.pk}),
        )
    assert {a.pk for a in result.cancelled} == {late.pk, unreachable.pk}
    assert [a.pk for a in result.without_contact] == [unreachable.pk]
    early.refresh_from_db()
    assert early.status == AppointmentStatus.BOOKED
    assert Slot.objects.get(starts_at=at(15, 40)).booked == 0
    assert mail.outbox == []  # Ali keeps the appointment: no message
    assert len(sms.outbox) == 1 and "kan niet doorgaan" in sms.outbox[0].body


def test_fewer_places_never_remove_a_booking_but_stop_new_ones(coordinator, hour):
    book(hour, at(14))
    book(hour, at(14), name="Piet")
    services.update_consultation_hour(
        actor=coordinator, hour=hour, location=hour.location, data=change_input(hour, capacity=1)
    )
    slot = Slot.objects.get(starts_at=at(14))
    assert (slot.booked, slot.capacity) == (2, 2)
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 2
    services.cancel(
        actor=membership_for_role(Role.DESK, organisation=hour.location.library),
        appointment=Appointment.objects.first(),
        now=NOW,
    )
    hour.refresh_from_db()
    with pytest.raises(ValidationError, match="vol"):
        book(hour, at(14), name="Kees")


def test_moving_the_hour_to_another_location_drops_every_future_booking(coordinator, hour):
    booked = book(hour, at(14))
    elsewhere = LocationFactory(library=coordinator.organisation)
    with pytest.raises(ValidationError):
        services.update_consultation_hour(actor=coordinator, hour=hour, location=elsewhere, data=change_input(hour))
    result = services.update_consultation_hour(
        actor=coordinator, hour=hour, location=elsewhere, data=change_input(hour), confirmed=frozenset({booked.pk})
    )
    assert len(result.cancelled) == 1


def test_cancelling_one_date_cancels_its_bookings_only(coordinator, hour, django_capture_on_commit_callbacks):
    on_the_day = book(hour, at(14), email="a@example.nl")
    next_week = book(hour, at(14, day=DAY + timedelta(days=7)))
    mail.outbox.clear()
    with pytest.raises(ValidationError):
        services.cancel_date(actor=coordinator, hour=hour, day=DAY, reason="Ziek")
    assert not CancelledDate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_date(actor=coordinator, hour=hour, day=DAY, reason="Ziek", confirmed=frozenset({on_the_day.pk}))
    on_the_day.refresh_from_db()
    next_week.refresh_from_db()
    assert (on_the_day.status, next_week.status) == (AppointmentStatus.CANCELLED, AppointmentStatus.BOOKED)
    assert "Ziek" in mail.outbox[0].body
    # The date is gone from the slots, so it cannot be booked again.
    with pytest.raises(ValidationError):
        book(hour, at(14, 20))


@pytest.mark.parametrize(("day", "message"), [(date(2026, 11, 24), "voorbij"), (date(2026, 12, 9), "niet plaats")])
def test_a_date_in_the_past_or_without_the_hour_is_refused(coordinator, hour, day, message):
    with pytest.raises(ValidationError, match=message):
        services.cancel_date(actor=coordinator, hour=hour, day=day)
    assert not CancelledDate.objects.exists()


def test_cancelling_the_series_stops_bookings_and_tells_everyone(coordinator, hour, django_capture_on_commit_callbacks):
    first = book(hour, at(14), phone="0612345678")
    later = book(hour, at(14, day=DAY + timedelta(days=14)), email="b@example.nl")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.cancel_series(
            actor=coordinator, hour=hour, reason="Project gestopt", confirmed=frozenset({first.pk, later.pk})
        )
    assert len(result.cancelled) == 2
    hour.refresh_from_db()
    assert hour.status == SeriesStatus.CANCELLED
    assert len(sms.outbox) == 1 and len(mail.outbox) == 1
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED
    with pytest.raises(ValidationError, match="geannuleerd"):
        book(hour, at(14, 20))


def test_only_the_coordinator_of_the_host_library_changes_a_series(hour):
    stranger = membership_for_role(Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.cancel_series(actor=stranger, hour=hour)
    desk = membership_for_role(Role.DESK, organisation=hour.location.library)
    with pytest.raises(PermissionDenied):
        services.cancel_date(actor=desk, hour=hour, day=DAY)


def test_a_reason_with_personal_data_is_refused(coordinator, hour):
    with pytest.raises(ValidationError) as refused:
        services.cancel_series(actor=coordinator, hour=hour, reason="Bel 0612345678")
    assert "reason" in refused.value.error_dict


def test_the_pages_list_the_affected_bookings_and_cancel_only_after_the_confirm_button(client, coordinator, hour):
    ali = book(hour, at(14), name="Ali")
    login_verified(client, coordinator.user)
    url = reverse("appointments:hour_cancel_date", kwargs={"pk": hour.pk})
    first = client.post(url, {"date": DAY.isoformat(), "reason": "Ziek"})
    assert first.status_code == 200
    assert "Ali" in first.content.decode()
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED
    shown = first.context["confirm_token"]
    # The confirmation is for the appointments shown: with another date chosen, a new list comes first.
    next_week = book(hour, at(14, day=DAY + timedelta(days=7)), name="Bea")
    other_day = client.post(
        url,
        {"date": (DAY + timedelta(days=7)).isoformat(), "reason": "Ziek", "confirm": "yes", "confirm_ids": shown},
    )
    assert other_day.status_code == 200 and "Bea" in other_day.content.decode()
    next_week.refresh_from_db()
    assert next_week.status == AppointmentStatus.BOOKED
    # A forged list confirms nothing either.
    forged = client.post(url, {"date": DAY.isoformat(), "confirm": "yes", "confirm_ids": "[1]:forged"})
    assert forged.status_code == 200
    confirmed = client.post(url, {"date": DAY.isoformat(), "reason": "Ziek", "confirm": "yes", "confirm_ids": shown})
    assert confirmed.status_code == 302
    ali.refresh_from_db()
    next_week.refresh_from_db()
    assert (ali.status, next_week.status) == (AppointmentStatus.CANCELLED, AppointmentStatus.BOOKED)

    edit = reverse("appointments:hour_edit", kwargs={"pk": hour.pk})
    page = client.get(edit)
    assert page.status_code == 200 and page.context["form"]["title"].value() == hour.title
    cancel = reverse("appointments:hour_cancel", kwargs={"pk": hour.pk})
    listed = client.post(cancel, {"reason": ""})
    assert [a.name for a in listed.context["affected"]] == ["Bea"]
    token = listed.context["confirm_token"]
    assert client.post(cancel, {"reason": "", "confirm": "yes", "confirm_ids": token}).status_code == 302
    hour.refresh_from_db()
    assert hour.status == SeriesStatus.CANCELLED
