"""Messages to people in a course: the confirmation, the offer of a freed place (and its expiry, handing the place
on), reminders before each meeting that never go twice, a moved meeting, a cancelled session; and the deletion of
their personal data after the retention period, after which their link opens nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation

from ido.core import sms
from ido.courses import links, notifications, services
from ido.courses.models import CourseNotification, Enrolment, EnrolmentStatus, Session
from tests.courses.conftest import local, person

pytestmark = pytest.mark.django_db

NOW = local(2026, 12, 1, 9)  # the session (from conftest) meets on Tuesdays 8, 15, 22 and 29 December, 10:00–12:00
FIRST_MEETING = local(2026, 12, 8, 10)
SECOND_MEETING = local(2026, 12, 15, 10)
LAST_MEETING_ENDS = local(2026, 12, 29, 12)
MOBILE = "+31612345678"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _empty_outboxes():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _reminders_a_day_before(settings):
    settings.IDO_REMINDER_HOURS_BEFORE = 24


def enrol(desk, session, name="Fatima", **contact) -> Enrolment:
    return services.enrol(actor=desk, session=session, details=person(name, **contact), waitlist_if_full=True)


def texts_to(number: str) -> list[str]:
    return [message.body for message in sms.outbox if message.to == number]


def status_of(enrolment) -> str:
    enrolment.refresh_from_db()
    return enrolment.status


def clear_outboxes() -> None:
    mail.outbox.clear()
    sms.outbox.clear()


# --- Confirmations ------------------------------------------------------------------------------------------------


def test_an_enrolment_is_confirmed_by_email_only(desk, session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = enrol(desk, session, phone="06 12345678", email="fatima@example.nl")
    assert [message.to for message in mail.outbox] == [["fatima@example.nl"]]
    body = mail.outbox[0].body
    assert "Fatima" in body and "Bibliotheek Centrum" in body
    assert "8 december 2026" in body and "29 december 2026" in body  # every meeting, in Dutch
    assert links.enrolment_url(enrolment) in body
    assert sms.outbox == []  # the dates come to the phone with the reminders
    assert notifications.send_confirmation(enrolment.pk) == 0  # a retried task sends nothing
    assert len(mail.outbox) == 1


def test_a_place_on_the_waitlist_is_confirmed_by_email_and_text(desk, session, django_capture_on_commit_callbacks):
    enrol(desk, session, "Anna")
    enrol(desk, session, "Bram")
    with django_capture_on_commit_callbacks(execute=True):
        waiting = enrol(desk, session, "Chris", phone="06 12345678", email="chris@example.nl")
    assert [message.to for message in mail.outbox] == [["chris@example.nl"]]
    assert len(texts_to(MOBILE)) == 1
    assert links.enrolment_url(waiting) in texts_to(MOBILE)[0]
    keys = set(CourseNotification.objects.filter(enrolment=waiting).values_list("key", flat=True))
    assert keys == {"waitlisted:email", "waitlisted:sms"}


def test_the_confirmation_goes_in_the_language_of_the_enrolment(desk, session, django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        enrol(desk, session, email="fatima@example.nl")
    assert "Tuesday 8 December 2026" in mail.outbox[0].body


# --- Offers of a freed place --------------------------------------------------------------------------------------


def full_session_with_waitlist(desk, session, *waiting):
    """Anna and Bram fill the two places; then the people in `waiting` (name, contact) join the waitlist."""
    anna = enrol(desk, session, "Anna")
    enrol(desk, session, "Bram")
    return anna, [enrol(desk, session, name, **contact) for name, contact in waiting]


def test_when_a_place_frees_the_first_on_the_waitlist_gets_the_offer_by_text(
    desk, session, django_capture_on_commit_callbacks
):
    anna, (chris,) = full_session_with_waitlist(desk, session, ("Chris", {"phone": "06 12345678"}))
    clear_outboxes()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_enrolment(actor=desk, enrolment=anna)
    assert status_of(chris) == EnrolmentStatus.OFFERED
    (offer,) = texts_to(MOBILE)
    assert links.enrolment_url(chris) in offer
    assert "Digisterker" in offer
    assert notifications.send_offer(chris.pk) == 0  # once
    assert len(sms.outbox) == 1


def test_an_offer_by_email_says_until_when(desk, session, django_capture_on_commit_callbacks):
    anna, (chris,) = full_session_with_waitlist(desk, session, ("Chris", {"email": "chris@example.nl"}))
    clear_outboxes()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_enrolment(actor=desk, enrolment=anna)
    (message,) = mail.outbox
    assert message.to == ["chris@example.nl"]
    assert "donderdag 3 december" in message.body and "09:00" in message.body  # 48 hours
    assert links.enrolment_url(chris) in message.body


@pytest.mark.parametrize("contact", [{}, {"phone": "030 123 45 67"}])
def test_an_offer_to_someone_without_email_or_mobile_sends_nothing_staff_call(
    desk, session, contact, django_capture_on_commit_callbacks
):
    anna, (chris,) = full_session_with_waitlist(desk, session, ("Chris", contact))
    clear_outboxes()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_enrolment(actor=desk, enrolment=anna)
    assert status_of(chris) == EnrolmentStatus.OFFERED  # on the session page as a phone call to make
    assert (mail.outbox, sms.outbox) == ([], [])
    assert not CourseNotification.objects.filter(enrolment=chris).exists()


def test_an_expired_offer_goes_to_the_next_person_when_the_reminder_run_comes(
    desk, session, django_capture_on_commit_callbacks
):
    anna, (chris, dewi) = full_session_with_waitlist(
        desk, session, ("Chris", {"phone": "06 12345678"}), ("Dewi", {"phone": "06 87654321"})
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_enrolment(actor=desk, enrolment=anna)
    clear_outboxes()
    with (
        time_machine.travel(NOW + timedelta(hours=session.offer_hours - 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("send_reminders")  # still in time
    assert status_of(chris) == EnrolmentStatus.OFFERED
    assert sms.outbox == []
    with time_machine.travel(NOW + timedelta(hours=session.offer_hours, minutes=5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders")
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders")  # the next run of the timer changes nothing
    assert status_of(chris) == EnrolmentStatus.EXPIRED
    assert status_of(dewi) == EnrolmentStatus.OFFERED
    assert Session.objects.get(pk=session.pk).taken == 2
    assert texts_to(MOBILE) == []
    (offer,) = texts_to("+31687654321")
    assert links.enrolment_url(dewi) in offer


def test_the_command_reports_what_it_did(desk, session, django_capture_on_commit_callbacks, capsys):
    anna, _waiting = full_session_with_waitlist(desk, session, ("Chris", {}))
    services.cancel_enrolment(actor=desk, enrolment=anna)
    with time_machine.travel(NOW + timedelta(hours=session.offer_hours, minutes=5), tick=False):
        call_command("send_reminders")
    output = capsys.readouterr().out
    assert "Course offers expired: 1" in output
    assert "course meeting(s)" in output


# --- Reminders ----------------------------------------------------------------------------------------------------


def test_reminders_go_once_per_meeting_and_channel_however_often_the_run_repeats(desk, session):
    fatima = enrol(desk, session, phone="06 12345678", email="fatima@example.nl")
    fixed_line = enrol(desk, session, "Jan", phone="030 123 45 67")  # staff call; nothing to send
    enrol(desk, session, "Kim", email="kim@example.nl")  # on the waitlist: no reminder
    clear_outboxes()
    with time_machine.travel(FIRST_MEETING - timedelta(hours=30), tick=False):
        call_command("send_reminders")  # too early
    assert (mail.outbox, sms.outbox) == ([], [])
    with time_machine.travel(FIRST_MEETING - timedelta(hours=23), tick=False):
        assert notifications.due_for_reminder() == [(fatima.pk, session.meetings.first().pk)]
        call_command("send_reminders")
        call_command("send_reminders")  # the next run of the timer
        assert notifications.send_reminder(fatima.pk, session.meetings.first().pk) == 0  # a worker's retry
        assert notifications.due_for_reminder() == []
    assert [message.to for message in mail.outbox] == [["fatima@example.nl"]]
    assert "dinsdag 8 december" in mail.outbox[0].subject
    (text,) = texts_to(MOBILE)
    assert "Bibliotheek Centrum" in text and links.enrolment_url(fatima) in text
    with time_machine.travel(SECOND_MEETING - timedelta(hours=2), tick=False):
        call_command("send_reminders")
        call_command("send_reminders")
    assert len(mail.outbox) == 2 and len(texts_to(MOBILE)) == 2  # one per meeting
    assert CourseNotification.objects.filter(enrolment=fatima, key__startswith="reminder:").count() == 4
    assert not CourseNotification.objects.filter(enrolment=fixed_line).exists()


def test_someone_who_enrols_the_day_before_gets_the_reminder_by_text_only(
    desk, session, django_capture_on_commit_callbacks
):
    with time_machine.travel(FIRST_MEETING - timedelta(hours=10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            late = enrol(desk, session, phone="06 12345678", email="fatima@example.nl")
        assert len(mail.outbox) == 1  # the confirmation, with all the dates
        call_command("send_reminders")
    assert len(mail.outbox) == 1
    assert len(texts_to(MOBILE)) == 1
    with time_machine.travel(SECOND_MEETING - timedelta(hours=2), tick=False):
        call_command("send_reminders")
    assert len(mail.outbox) == 2  # the next meeting's reminder by e-mail as well
    assert CourseNotification.objects.filter(enrolment=late, key__startswith="reminder:").count() == 3


def test_a_cancelled_enrolment_or_session_gets_no_reminder(desk, coordinator, session, course, location):
    from tests.courses.conftest import make_session

    cancelled = enrol(desk, session, phone="06 12345678")
    services.cancel_enrolment(actor=desk, enrolment=cancelled)
    other = make_session(course, location)
    enrol(desk, other, "Kim", phone="06 87654321")
    services.cancel_session(actor=coordinator, session=other)
    clear_outboxes()
    with time_machine.travel(FIRST_MEETING - timedelta(hours=2), tick=False):
        call_command("send_reminders")
    assert (mail.outbox, sms.outbox) == ([], [])


def test_a_moved_meeting_gets_its_own_reminder_for_the_new_time(desk, coordinator, session):
    fatima = enrol(desk, session, phone="06 12345678")
    meeting = session.meetings.first()
    with time_machine.travel(FIRST_MEETING - timedelta(hours=2), tick=False):
        call_command("send_reminders")
    assert len(sms.outbox) == 1
    moved_to = FIRST_MEETING + timedelta(days=2)
    services.reschedule_meeting(
        actor=coordinator, meeting=meeting, starts_at=moved_to, ends_at=moved_to + timedelta(hours=2)
    )
    with time_machine.travel(moved_to - timedelta(hours=2), tick=False):
        call_command("send_reminders")
        call_command("send_reminders")
    assert len(texts_to(MOBILE)) == 2
    assert CourseNotification.objects.filter(enrolment=fatima, key__startswith="reminder:").count() == 2


# --- Changes ------------------------------------------------------------------------------------------------------


def test_a_moved_meeting_is_told_to_everyone_with_a_place(
    desk, coordinator, session, django_capture_on_commit_callbacks
):
    fatima = enrol(desk, session, phone="06 12345678", email="fatima@example.nl")
    enrol(desk, session, "Bram")
    enrol(desk, session, "Kim", phone="06 87654321")  # on the waitlist
    clear_outboxes()
    moved_to = local(2026, 12, 10, 14)
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule_meeting(
            actor=coordinator,
            meeting=session.meetings.first(),
            starts_at=moved_to,
            ends_at=moved_to + timedelta(hours=2),
            reason="De zaal is bezet",
        )
    assert [message.to for message in mail.outbox] == [["fatima@example.nl"]]
    assert "donderdag 10 december" in mail.outbox[0].body and "14:00" in mail.outbox[0].body
    assert "De zaal is bezet" in mail.outbox[0].body
    (text,) = texts_to(MOBILE)
    assert "De zaal is bezet" in text and links.enrolment_url(fatima) in text
    assert texts_to("+31687654321") == []  # on the waitlist: nothing changed for them yet
    assert notifications.send_rescheduled(session.meetings.order_by("starts_at").first().pk, "") == 0  # once


def test_a_cancelled_session_is_told_to_everyone_in_it_and_waiting(
    desk, coordinator, session, django_capture_on_commit_callbacks
):
    enrol(desk, session, email="fatima@example.nl")
    enrol(desk, session, "Bram")
    enrol(desk, session, "Kim", phone="06 87654321")
    clear_outboxes()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_session(actor=coordinator, session=session, reason="De docent is ziek")
    assert [message.to for message in mail.outbox] == [["fatima@example.nl"]]
    assert "De docent is ziek" in mail.outbox[0].body
    assert len(texts_to("+31687654321")) == 1


# --- Deletion of personal data --------------------------------------------------------------------------------------


def test_personal_data_is_deleted_after_the_retention_period_and_the_link_stops_working(
    client, desk, session, settings
):
    settings.IDO_COURSE_RETENTION_DAYS = 90
    fatima = enrol(desk, session, "Fatima", phone="06 12345678", email="fatima@example.nl")
    waiting_name = enrol(desk, session, "Bram")
    link = reverse("course_links:enrolment", kwargs={"token": links.token(fatima)})
    with time_machine.travel(LAST_MEETING_ENDS + timedelta(days=89), tick=False):
        call_command("delete_expired_personal_data")  # not yet: a certificate can still be reissued
    fatima.refresh_from_db()
    assert fatima.name == "Fatima" and client.get(link).status_code == 200
    with time_machine.travel(LAST_MEETING_ENDS + timedelta(days=91), tick=False):
        call_command("delete_expired_personal_data")
        call_command("delete_expired_personal_data")  # idempotent
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, phone, email, consent_text FROM {Enrolment._meta.db_table} WHERE session_id = %s",
            [session.pk],
        )
        rows = cursor.fetchall()
    assert rows == [("", "", "", "")] * 2  # no plaintext, and no ciphertext left to decrypt either
    assert Enrolment.objects.filter(personal_data_deleted_at__isnull=False).count() == 2
    assert Enrolment.objects.get(pk=waiting_name.pk).status == EnrolmentStatus.ENROLLED  # the anonymous facts stay
    response = client.get(link)
    assert response.status_code == 404
    assert "Deze link werkt niet" in response.content.decode()
    assert notifications.send_confirmation(fatima.pk) == 0  # nothing goes to a deleted person
