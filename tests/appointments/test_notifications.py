"""Messages to visitors: the confirmation with an ICS file and cancel link, reminders that never go twice, the
cancel link that frees the place at once, and notices when the organisation cancels."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import translation

from ido.appointments import cancel_links, notifications, services
from ido.appointments.models import Appointment, AppointmentStatus, Channel, Notification, Slot
from ido.core import sms
from ido.organisations.roles import Role
from tests.appointments.test_booking import DAY, at, make_hour
from tests.factories import LocationFactory, membership_for_role

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BOOKED_ON = datetime(2026, 12, 1, 10, 0, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def desk(db):
    return membership_for_role(Role.DESK)


@pytest.fixture
def hour(desk):
    location = LocationFactory(library=desk.organisation, name="Bibliotheek Centrum", phone="030 123 45 67")
    return make_hour(location, what_to_bring="Uw DigiD-app en de brief")


def book(desk, hour, *, starts_at=None, name="Fatima", phone="", email="", now=BOOKED_ON):
    with time_machine.travel(now, tick=False):
        return services.book(
            actor=desk,
            consultation_hour=hour,
            starts_at=starts_at or at(14),
            details=services.VisitorDetails(
                name=name, phone=phone, email=email, consent_text="toestemming", consent_given=bool(phone or email)
            ),
            now=now,
        )


def test_booking_with_an_email_address_sends_a_confirmation_with_the_appointment_as_a_calendar_file(
    desk, hour, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(desk, hour, email="fatima@example.nl")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fatima@example.nl"]
    assert "Fatima" in message.body
    assert "Bibliotheek Centrum" in message.body
    assert "Uw DigiD-app en de brief" in message.body
    assert cancel_links.cancel_url(appointment) in message.body
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("afspraak.ics", "text/calendar")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at(14)
    assert event.decoded("dtend") == at(14, 20)
    assert "Bibliotheek Centrum" in str(event["location"])
    assert cancel_links.cancel_url(appointment) in str(event["description"])
    assert "Fatima" not in str(content)  # the calendar file travels on: no name in it
    assert Notification.objects.get(appointment=appointment).key == "confirmation:email"
    # Running the confirmation again (a retried task) sends nothing.
    assert notifications.send_confirmation(appointment.pk) == 0
    assert len(mail.outbox) == 1


def test_booking_without_an_email_address_sends_nothing(desk, hour, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        book(desk, hour, phone="0612345678")
    assert mail.outbox == []
    assert sms.outbox == []


def test_the_confirmation_goes_in_the_language_the_booking_was_made_in(desk, hour, django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        book(desk, hour, email="fatima@example.nl")
    assert "Tuesday 8 December" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("has_email", "has_phone", "booked_hours_before", "expected"),
    [
        (True, True, 72, (Channel.EMAIL, Channel.SMS)),
        (True, False, 72, (Channel.EMAIL,)),
        (False, True, 72, (Channel.SMS,)),
        (False, False, 72, ()),
        (True, False, 5, ()),  # the confirmation e-mail has just gone out
        (True, True, 5, (Channel.SMS,)),  # nothing else reached the phone
    ],
)
def test_reminder_channels(has_email, has_phone, booked_hours_before, expected):
    starts = datetime(2026, 12, 8, 14, 0, tzinfo=AMSTERDAM)
    channels = notifications.reminder_channels(
        has_email=has_email,
        has_phone=has_phone,
        booked_at=starts - timedelta(hours=booked_hours_before),
        starts_at=starts,
        hours_before=24,
    )
    assert channels == expected


def test_reminders_go_out_once_per_channel_however_often_the_run_repeats(desk, hour, settings):
    settings.IDO_REMINDER_HOURS_BEFORE = 24
    appointment = book(desk, hour, phone="06 12345678", email="fatima@example.nl")
    no_contact = book(desk, hour, starts_at=at(14, 20))
    mail.outbox.clear()
    with time_machine.travel(at(14) - timedelta(hours=30), tick=False):
        call_command("send_reminders")  # too early
    assert (mail.outbox, sms.outbox) == ([], [])
    with time_machine.travel(at(14) - timedelta(hours=23), tick=False):
        call_command("send_reminders")
        call_command("send_reminders")  # the next run of the timer
        assert notifications.send_reminder(appointment.pk) == 0  # a worker that restarts and runs the task again
    assert len(mail.outbox) == 1
    assert "Herinnering" in mail.outbox[0].subject
    assert [message.to for message in sms.outbox] == ["+31612345678"]
    assert "Bibliotheek Centrum" in sms.outbox[0].body
    assert cancel_links.cancel_url(appointment) in sms.outbox[0].body
    keys = set(Notification.objects.filter(appointment=appointment).values_list("key", flat=True))
    assert keys == {"reminder:email", "reminder:sms"}
    assert not Notification.objects.filter(appointment=no_contact).exists()


def test_a_cancelled_appointment_gets_no_reminder(desk, hour):
    appointment = book(desk, hour, phone="0612345678")
    services.cancel(actor=desk, appointment=appointment, now=BOOKED_ON)
    with time_machine.travel(at(14) - timedelta(hours=2), tick=False):
        call_command("send_reminders")
    assert sms.outbox == []


class BrokenGateway:
    """A text message provider that is down (the SMS interface, as a gateway adapter would fail)."""

    def send(self, message):
        raise ConnectionError("gateway unreachable")


def test_a_failed_message_is_recorded_and_not_sent_again_blindly(desk, hour, settings):
    settings.IDO_SMS_BACKEND = "tests.appointments.test_notifications.BrokenGateway"
    appointment = book(desk, hour, phone="0612345678")
    with time_machine.travel(at(14) - timedelta(hours=2), tick=False):
        assert notifications.send_reminder(appointment.pk) == 0
        assert notifications.send_reminder(appointment.pk) == 0
    notification = Notification.objects.get(appointment=appointment)
    assert notification.sent_at is None
    assert notification.failure == "ConnectionError"  # the kind only: an error text may hold the number


def test_the_file_gateway_writes_one_json_line_per_message(tmp_path, settings):
    settings.IDO_SMS_BACKEND = "file"
    settings.IDO_SMS_FILE_PATH = str(tmp_path)
    sms.send_sms("+31612345678", "Herinnering")
    sms.send_sms("+31687654321", "Nog een")
    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and '"+31612345678"' in lines[0] and '"Herinnering"' in lines[0]


@pytest.mark.parametrize("phone", ["030 123 45 67", "12345", "06 1234"])
def test_a_number_that_cannot_get_a_text_message_is_refused(desk, hour, phone):
    with pytest.raises(services.ValidationError) as refused:
        book(desk, hour, phone=phone)
    assert "phone" in refused.value.error_dict
    assert not Appointment.objects.exists()


# --- Cancel by link ---------------------------------------------------------------------------------------------


def test_the_visitor_cancels_by_link_and_the_place_is_free_at_once(client, desk, hour):
    appointment = book(desk, hour)
    url = reverse("booking:cancel", kwargs={"token": cancel_links.cancel_token(appointment)})
    page = client.get(url)
    assert page.status_code == 200
    assert "Bibliotheek Centrum" in page.content.decode()
    assert "Fatima" not in page.content.decode()  # whoever holds the link does not see the name
    client.post(url)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert Slot.objects.get().booked == 0
    again = client.post(url)
    assert "al geannuleerd" in again.content.decode()
    assert Slot.objects.get().booked == 0


def test_a_damaged_or_outdated_link_changes_nothing(client, desk, hour):
    appointment = book(desk, hour)
    token = cancel_links.cancel_token(appointment)
    damaged = client.post(reverse("booking:cancel", kwargs={"token": token[:-2] + "xx"}))
    assert damaged.status_code == 404
    assert "werkt niet" in damaged.content.decode()
    # The slot moved: the old link names the old time and stops working.
    Slot.objects.filter(pk=appointment.slot_id).update(starts_at=at(15), ends_at=at(15, 20))
    assert cancel_links.appointment_from_token(token) is None
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_link_after_the_start_of_the_appointment_changes_nothing(client, desk, hour):
    appointment = book(desk, hour)
    url = reverse("booking:cancel", kwargs={"token": cancel_links.cancel_token(appointment)})
    with time_machine.travel(at(14, 5), tick=False):
        response = client.post(url)
    assert "al begonnen" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert Slot.objects.get().booked == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_reminder_at_once_send_it_once():
    """Two connections run the reminder of one appointment at the same moment: the claim lets one through."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs real concurrent connections: it runs on PostgreSQL.")
    desk = membership_for_role(Role.DESK)
    hour = make_hour(LocationFactory(library=desk.organisation))
    appointment = book(desk, hour, phone="0612345678")
    barrier = threading.Barrier(8)
    sent: list[int] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            with time_machine.travel(at(14) - timedelta(hours=2), tick=False):
                sent.append(notifications.send_reminder(appointment.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [0] * 7 + [1]
    assert len(sms.outbox) == 1


def test_day_of_the_appointment_is_the_one_booked(desk, hour):
    assert book(desk, hour).slot.starts_at.astimezone(AMSTERDAM).date() == DAY


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_worker_sends_the_confirmation_once(settings):
    """Production queues tasks in the database; `ido db_worker` runs them. A task queued twice (a retry) and a
    worker that runs again (a restart) still send the confirmation once."""
    from ido.appointments import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # resets the task backends
    desk = membership_for_role(Role.DESK)
    hour = make_hour(LocationFactory(library=desk.organisation))
    appointment = book(desk, hour, email="fatima@example.nl")  # commits: the confirmation is queued
    tasks.send_confirmation.enqueue(appointment.pk)
    assert mail.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay")
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert [message.to for message in mail.outbox] == [["fatima@example.nl"]]
