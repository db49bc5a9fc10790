"""Booking a slot: the database decides who gets the last place; bad input changes nothing."""

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from ido.appointments import services
from ido.appointments.models import Appointment, AppointmentStatus, ConsultationHour, Slot
from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from tests.factories import LocationFactory, OrganisationFactory, membership_for_role

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A Tuesday, not a public holiday.
DAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=AMSTERDAM)


def make_hour(location, **fields) -> ConsultationHour:
    values = {
        "provider": fields.pop("provider", None) or OrganisationFactory(name="Belastingdienst"),
        "location": location,
        "title": "Belastingspreekuur",
        "frequency": "weekly",
        "weekdays": "1",
        "starts_on": date(2026, 11, 3),
        "start_time": time(13, 0),
        "end_time": time(16, 0),
        "slot_minutes": 20,
        "capacity": 1,
        "book_ahead_days": 28,
        "book_until_minutes": 60,
    }
    return ConsultationHour.objects.create(**{**values, **fields})


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM).astimezone(ZoneInfo("UTC"))


@pytest.fixture
def desk(db):
    return membership_for_role(Role.DESK)


@pytest.fixture
def hour(desk):
    return make_hour(LocationFactory(library=desk.organisation))


def test_desk_books_a_slot_with_minimal_encrypted_data(desk, hour):
    appointment = services.book(
        actor=desk,
        consultation_hour=hour,
        starts_at=at(13, 20),
        details=services.VisitorDetails(
            name="A.B.", phone="0612345678", consent_text="Herinnering per sms", consent_given=True
        ),
        now=NOW,
    )
    appointment.refresh_from_db()
    # The number is kept in international form, ready for the text message gateway.
    assert (appointment.name, appointment.phone) == ("A.B.", "+31612345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM appointments_appointment WHERE id = %s", [appointment.pk])
        stored_name, stored_phone = cursor.fetchone()
    assert "A.B." not in stored_name and "612345678" not in stored_phone
    assert appointment.slot.booked == 1
    assert appointment.consent_given_at == NOW
    assert AuditEvent.objects.filter(action="appointments.appointment.booked").count() == 1


@pytest.mark.parametrize(
    ("starts_at", "now", "message"),
    [
        (at(13, 0, date(2026, 11, 24)), NOW, "voorbij"),
        (at(13, 0, date(2027, 1, 12)), NOW, "boekingstermijn"),  # more than 28 days ahead
        (at(13, 0), datetime(2026, 12, 8, 12, 30, tzinfo=AMSTERDAM), "boekingstermijn"),  # 30 minutes before
        (at(13, 10), NOW, "geen tijdslot"),  # not a slot start
        (at(13, 0, date(2026, 12, 9)), NOW, "geen tijdslot"),  # a Wednesday
        (at(13, 0, date(2026, 12, 22)), NOW, None),
    ],
)
def test_bad_slots_are_refused_and_change_nothing(desk, hour, starts_at, now, message):
    details = services.VisitorDetails(name="Jan")
    if message is None:
        services.book(actor=desk, consultation_hour=hour, starts_at=starts_at, details=details, now=now)
        assert Appointment.objects.count() == 1
        return
    with pytest.raises(ValidationError) as refused:
        services.book(actor=desk, consultation_hour=hour, starts_at=starts_at, details=details, now=now)
    assert message in " ".join(refused.value.messages)
    assert not Appointment.objects.exists()
    assert not Slot.objects.filter(booked__gt=0).exists()


def test_a_full_slot_is_refused_and_a_cancellation_frees_it(desk, hour):
    details = services.VisitorDetails(name="Jan")
    first = services.book(actor=desk, consultation_hour=hour, starts_at=at(14), details=details, now=NOW)
    with pytest.raises(ValidationError, match="vol"):
        services.book(actor=desk, consultation_hour=hour, starts_at=at(14), details=details, now=NOW)
    services.cancel(actor=desk, appointment=first, now=NOW)
    assert Slot.objects.get().booked == 0
    second = services.book(actor=desk, consultation_hour=hour, starts_at=at(14), details=details, now=NOW)
    assert second.status == AppointmentStatus.BOOKED
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


def test_contact_details_need_consent_and_a_name_is_only_a_first_name(desk, hour):
    with pytest.raises(ValidationError) as refused:
        services.book(
            actor=desk,
            consultation_hour=hour,
            starts_at=at(14),
            details=services.VisitorDetails(name="Jan", email="jan@example.nl"),
            now=NOW,
        )
    assert "consent" in refused.value.error_dict
    for name in ("", "Jan 111222333", "x" * 41):
        with pytest.raises(ValidationError):
            services.book(
                actor=desk,
                consultation_hour=hour,
                starts_at=at(14),
                details=services.VisitorDetails(name=name),
                now=NOW,
            )
    assert not Appointment.objects.exists()


def test_only_roles_that_book_may_book(hour):
    municipal = membership_for_role(Role.MUNICIPAL_OFFICER)
    with pytest.raises(PermissionDenied):
        services.book(
            actor=municipal,
            consultation_hour=hour,
            starts_at=at(14),
            details=services.VisitorDetails(name="Jan"),
            now=NOW,
        )


def test_personal_data_is_deleted_after_the_retention_period_and_the_counts_stay(desk, hour, settings):
    settings.IDO_APPOINTMENT_RETENTION_DAYS = 30
    appointment = services.book(
        actor=desk,
        consultation_hour=hour,
        starts_at=at(14),
        details=services.VisitorDetails(name="Jan", email="jan@example.nl", consent_given=True),
        now=NOW,
    )
    assert services.delete_expired_personal_data(now=at(14) + timedelta(days=29)) == 0
    assert services.delete_expired_personal_data(now=at(14) + timedelta(days=31)) == 1
    appointment.refresh_from_db()
    assert (appointment.name, appointment.email, appointment.status) == ("", "", AppointmentStatus.BOOKED)
    assert appointment.personal_data_deleted_at is not None
    assert services.delete_expired_personal_data(now=at(14) + timedelta(days=40)) == 0


RACERS = 24


@pytest.mark.django_db(transaction=True)
def test_racing_connections_for_the_last_place_give_exactly_one_booking():
    """At least 20 real database connections book the last place of a slot at the same moment."""
    if connection.vendor != "postgresql":
        pytest.skip("The race needs real concurrent connections: it runs on PostgreSQL (make test with DATABASE_URL).")
    desk = membership_for_role(Role.DESK)
    hour = make_hour(LocationFactory(library=desk.organisation), capacity=3)
    details = services.VisitorDetails(name="Eerder")
    for _ in range(2):  # two of three places taken: one is left
        services.book(actor=desk, consultation_hour=hour, starts_at=at(15), details=details, now=NOW)

    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.book(
                actor=desk,
                consultation_hour=hour,
                starts_at=at(15),
                details=services.VisitorDetails(name=f"R{number}"),
                now=NOW,
            )
            result = "booked"
        except ValidationError:
            result = "full"
        except Exception as error:
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["full"] * (RACERS - 1)
    slot = Slot.objects.get()
    assert (slot.booked, slot.capacity) == (3, 3)
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 3
