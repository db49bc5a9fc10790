"""The course services against the database: places, the waitlist and its offers, attendance, cancellation and
the deletion of personal data. Concurrency is in test_race.py."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from ido.appointments.models import HostAgreement
from ido.core.models import AuditEvent
from ido.courses import selectors, services
from ido.courses.models import Attendance, Enrolment, EnrolmentStatus, Session
from tests.courses.conftest import make_course, make_session, person
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def statuses(*enrolments):
    return [Enrolment.objects.get(pk=e.pk).status for e in enrolments]


def test_enrolment_takes_a_place_and_a_full_session_refuses_without_the_waitlist(desk, session):
    first = services.enrol(actor=desk, session=session, details=person("Anna"))
    second = services.enrol(actor=desk, session=session, details=person("Bram"))
    assert statuses(first, second) == ["enrolled", "enrolled"]
    with pytest.raises(ValidationError) as refused:
        services.enrol(actor=desk, session=session, details=person("Cas"))
    assert "session" in refused.value.message_dict
    session.refresh_from_db()
    assert session.taken == 2 and Enrolment.objects.count() == 2


def test_a_companion_takes_a_second_place(desk, session):
    services.enrol(actor=desk, session=session, details=person("Anna"), places=2)
    session.refresh_from_db()
    assert session.taken == 2 and session.free == 0
    with pytest.raises(ValidationError):
        services.enrol(actor=desk, session=session, details=person("Bram"), places=3)


def test_contact_details_only_with_consent_and_the_consent_text_is_kept(desk, session):
    with pytest.raises(ValidationError) as refused:
        services.enrol(actor=desk, session=session, details=person("Anna", phone="0612345678", consent=False))
    assert "consent" in refused.value.message_dict
    enrolment = services.enrol(actor=desk, session=session, details=person("Anna", phone="06 1234 5678"))
    assert enrolment.phone == "+31612345678"
    assert enrolment.consent_given_at is not None and "90 dagen" in enrolment.consent_text
    without = services.enrol(actor=desk, session=session, details=person("Bram"))
    assert without.consent_text == "" and without.consent_given_at is None


@pytest.mark.parametrize("name", ["", "Anna 06-12345678", "123456782", "Anna Wilhelmina Geertruida van Oranje-Nassau"])
def test_only_a_first_name_or_initials(desk, session, name):
    with pytest.raises(ValidationError):
        services.enrol(actor=desk, session=session, details=person(name))
    assert not Enrolment.objects.exists()


def test_a_cancelled_or_started_session_takes_nobody(desk, course, location):
    cancelled = make_session(course, location, status="cancelled")
    started = make_session(course, location, first=timezone.localdate() - timedelta(days=1))
    for session in (cancelled, started):
        with pytest.raises(ValidationError):
            services.enrol(actor=desk, session=session, details=person(), waitlist_if_full=True)
    assert not Enrolment.objects.exists()


def test_the_waitlist_keeps_its_order_and_the_first_who_fits_gets_a_freed_place(desk, session):
    anna = services.enrol(actor=desk, session=session, details=person("Anna"))
    services.enrol(actor=desk, session=session, details=person("Bram"))
    pair = services.enrol(actor=desk, session=session, details=person("Cas"), places=2, waitlist_if_full=True)
    dewi = services.enrol(actor=desk, session=session, details=person("Dewi"), waitlist_if_full=True)
    assert (pair.waitlist_position, dewi.waitlist_position) == (1, 2)

    services.cancel_enrolment(actor=desk, enrolment=anna)

    # One place: the pair waits, Dewi gets the offer.
    assert statuses(anna, pair, dewi) == ["cancelled", "waitlisted", "offered"]
    dewi.refresh_from_db()
    assert dewi.waitlist_position is None and dewi.offer_expires_at == dewi.offered_at + timedelta(hours=48)
    session.refresh_from_db()
    assert session.taken == 2  # the offered place is held


def test_accepting_in_time_enrols_and_too_late_is_refused(desk, session):
    services.enrol(actor=desk, session=session, details=person("Anna"))
    bram = services.enrol(actor=desk, session=session, details=person("Bram"))
    cas = services.enrol(actor=desk, session=session, details=person("Cas"), waitlist_if_full=True)
    dewi = services.enrol(actor=desk, session=session, details=person("Dewi"), waitlist_if_full=True)
    services.cancel_enrolment(actor=None, enrolment=bram)  # by the person's link
    cas.refresh_from_db()
    later = cas.offer_expires_at + timedelta(minutes=1)

    with pytest.raises(ValidationError):
        services.accept_offer(actor=None, enrolment=cas, now=later)
    assert statuses(cas) == ["offered"]  # nothing changed: the expiry run hands it on

    assert services.expire_offers(now=later) == 1
    assert statuses(cas, dewi) == ["expired", "offered"]
    assert services.expire_offers(now=later) == 0  # idempotent
    services.accept_offer(actor=None, enrolment=dewi, now=later)
    assert statuses(dewi) == ["enrolled"]
    session.refresh_from_db()
    assert session.taken == 2


def test_expiry_with_the_clock_moving_on(desk, session):
    services.enrol(actor=desk, session=session, details=person("Anna"), places=2)
    bram = services.enrol(actor=desk, session=session, details=person("Bram"), waitlist_if_full=True)
    cas = services.enrol(actor=desk, session=session, details=person("Cas"), waitlist_if_full=True)
    services.change_capacity(actor=_coordinator(desk), session=session, capacity=3)
    assert statuses(bram, cas) == ["offered", "waitlisted"]
    with time_machine.travel(timezone.now() + timedelta(hours=47), tick=False):
        assert services.expire_offers() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=48, minutes=1), tick=False):
        assert services.expire_offers() == 1
    assert statuses(bram, cas) == ["expired", "offered"]


def test_declining_passes_the_place_on(desk, session):
    services.enrol(actor=desk, session=session, details=person("Anna"), places=2)
    bram = services.enrol(actor=desk, session=session, details=person("Bram"), waitlist_if_full=True)
    cas = services.enrol(actor=desk, session=session, details=person("Cas"), waitlist_if_full=True)
    services.change_capacity(actor=_coordinator(desk), session=session, capacity=3)
    services.decline_offer(actor=desk, enrolment=bram)
    assert statuses(bram, cas) == ["declined", "offered"]


def test_no_offers_once_the_session_started(desk, session):
    anna = services.enrol(actor=desk, session=session, details=person("Anna"), places=2)
    bram = services.enrol(actor=desk, session=session, details=person("Bram"), waitlist_if_full=True)
    services.cancel_enrolment(actor=desk, enrolment=anna, now=session.starts_at + timedelta(minutes=5))
    assert statuses(bram) == ["waitlisted"]


def test_lowering_the_places_keeps_everyone_in(desk, session):
    services.enrol(actor=desk, session=session, details=person("Anna"))
    services.enrol(actor=desk, session=session, details=person("Bram"))
    services.change_capacity(actor=_coordinator(desk), session=session, capacity=1)
    session.refresh_from_db()
    assert session.taken == 2 and session.free == 0
    assert selectors.participants(session).count() == 2


def _coordinator(desk):
    from ido.organisations.roles import Role
    from tests.factories import membership_for_role

    return membership_for_role(Role.COORDINATOR, organisation=desk.organisation)


def test_staff_reorder_the_waitlist_with_a_reason_in_the_audit_trail(desk, session):
    services.enrol(actor=desk, session=session, details=person("Anna"), places=2)
    waiting = [
        services.enrol(actor=desk, session=session, details=person(name), waitlist_if_full=True)
        for name in ("Bram", "Cas", "Dewi")
    ]
    coordinator = _coordinator(desk)
    with pytest.raises(ValidationError):
        services.move_on_waitlist(actor=coordinator, enrolment=waiting[2], position=1, reason=" ")
    services.move_on_waitlist(actor=coordinator, enrolment=waiting[2], position=1, reason="Had vorige keer voorrang")
    assert [e.name for e in selectors.waitlist(session)] == ["Dewi", "Bram", "Cas"]
    assert list(selectors.waitlist(session).values_list("waitlist_position", flat=True)) == [1, 2, 3]
    event = AuditEvent.objects.get(action="courses.enrolment.reordered")
    assert event.detail == {"from": 3, "to": 1, "reason": "Had vorige keer voorrang"}
    with pytest.raises(PermissionDenied):  # the desk enrols, but does not reorder
        services.move_on_waitlist(actor=desk, enrolment=waiting[0], position=2, reason="Zomaar")


def test_attendance_is_marked_once_the_meeting_started_and_decides_completion(desk, session):
    anna = services.enrol(actor=desk, session=session, details=person("Anna"))
    bram = services.enrol(actor=desk, session=session, details=person("Bram"))
    meetings = list(session.meetings.all())
    with pytest.raises(ValidationError):
        services.mark_attendance(actor=desk, meeting=meetings[0], present={anna.pk})
    assert not Attendance.objects.exists()
    for meeting in meetings[:3]:
        services.mark_attendance(
            actor=desk, meeting=meeting, present={anna.pk}, now=meeting.starts_at + timedelta(minutes=10)
        )
    after = meetings[3].ends_at + timedelta(minutes=1)
    services.mark_attendance(actor=desk, meeting=meetings[3], present={bram.pk}, now=after)
    assert selectors.attendance_counts(session, now=after) == {anna.pk: (3, 4), bram.pk: (1, 4)}
    assert selectors.is_completed(anna, now=after) and not selectors.is_completed(bram, now=after)
    # Marking again corrects, it does not add.
    services.mark_attendance(actor=desk, meeting=meetings[3], present={anna.pk, bram.pk}, now=after)
    assert Attendance.objects.count() == 8


def test_marking_someone_not_in_the_session_is_refused(desk, session, course, location):
    other = make_session(course, location)
    stranger = services.enrol(actor=desk, session=other, details=person("Zoë"))
    meeting = session.meetings.first()
    with pytest.raises(ValidationError):
        services.mark_attendance(actor=desk, meeting=meeting, present={stranger.pk}, now=meeting.starts_at)
    assert not Attendance.objects.exists()


def test_another_library_does_not_mark_or_cancel(desk, session):
    from ido.organisations.roles import Role
    from tests.factories import membership_for_role

    anna = services.enrol(actor=desk, session=session, details=person("Anna"))
    stranger = membership_for_role(Role.DESK)
    meeting = session.meetings.first()
    with pytest.raises(PermissionDenied):
        services.mark_attendance(actor=stranger, meeting=meeting, present=set(), now=meeting.starts_at)
    with pytest.raises(PermissionDenied):
        services.cancel_enrolment(actor=stranger, enrolment=anna)


def test_cancelling_the_session_ends_every_enrolment(desk, session):
    anna = services.enrol(actor=desk, session=session, details=person("Anna"), places=2)
    bram = services.enrol(actor=desk, session=session, details=person("Bram"), waitlist_if_full=True)
    services.cancel_session(actor=_coordinator(desk), session=session, reason="De docent is ziek")
    assert statuses(anna, bram) == ["cancelled", "cancelled"]
    session.refresh_from_db()
    assert (session.status, session.taken) == ("cancelled", 0)
    with pytest.raises(ValidationError):
        services.enrol(actor=desk, session=session, details=person("Cas"), waitlist_if_full=True)


def test_a_meeting_is_moved_and_the_session_dates_follow(desk, session):
    coordinator = _coordinator(desk)
    last = session.meetings.last()
    moved = services.reschedule_meeting(
        actor=coordinator,
        meeting=last,
        starts_at=last.starts_at + timedelta(days=2),
        ends_at=last.ends_at + timedelta(days=2),
        reason="Zaal bezet",
    )
    session.refresh_from_db()
    assert session.ends_at == moved.ends_at and moved.rescheduled_at is not None
    with pytest.raises(ValidationError):
        services.reschedule_meeting(
            actor=coordinator, meeting=last, starts_at=last.starts_at, ends_at=last.starts_at - timedelta(hours=1)
        )


def test_a_partner_plans_sessions_only_where_a_library_hosts_it(provider_staff, location):
    course = make_course(provider_staff.organisation, title="Klik & Tik")
    start = timezone.now() + timedelta(days=10)
    meetings = [(start, start + timedelta(hours=2))]
    with pytest.raises(ValidationError):
        services.create_session(actor=provider_staff, course=course, location=location, capacity=8, meetings=meetings)
    HostAgreement.objects.create(location=location, provider=provider_staff.organisation)
    session = services.create_session(
        actor=provider_staff, course=course, location=location, capacity=8, meetings=meetings
    )
    assert (session.starts_at, session.ends_at) == meetings[0]


def test_a_session_needs_meetings_in_the_future(coordinator, course, location):
    past = timezone.now() - timedelta(days=1)
    with pytest.raises(ValidationError):
        services.create_session(
            actor=coordinator,
            course=course,
            location=location,
            capacity=8,
            meetings=[(past, past + timedelta(hours=1))],
        )
    with pytest.raises(ValidationError):
        services.create_session(actor=coordinator, course=course, location=location, capacity=8, meetings=[])
    assert not Session.objects.exists()


def test_personal_data_goes_after_the_retention_period_and_nothing_readable_remains(desk, course, location, settings):
    settings.IDO_COURSE_RETENTION_DAYS = 90
    session = make_session(course, location)
    enrolment = services.enrol(
        actor=desk, session=session, details=person("Wilhelmina", phone="0612345678", email="w@example.org")
    )
    assert services.delete_expired_personal_data(now=session.ends_at + timedelta(days=89)) == 0
    assert services.delete_expired_personal_data(now=session.ends_at + timedelta(days=91)) == 1
    assert services.delete_expired_personal_data(now=session.ends_at + timedelta(days=92)) == 0
    enrolment.refresh_from_db()
    assert (enrolment.name, enrolment.phone, enrolment.email, enrolment.consent_text) == ("", "", "", "")
    assert enrolment.status == EnrolmentStatus.ENROLLED  # the anonymous facts stay
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM courses_enrolment")
        rows = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "Wilhelmina" not in rows and "612345678" not in rows and "example.org" not in rows


def test_personal_data_is_encrypted_at_rest(desk, session):
    services.enrol(actor=desk, session=session, details=person("Wilhelmina", email="w@example.org"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, email FROM courses_enrolment")
        name, email = cursor.fetchone()
    assert "Wilhelmina" not in name and "example.org" not in email


def test_a_library_manages_the_sessions_it_gives_or_hosts_and_no_others(coordinator, course, location):
    own_here = make_session(course, location)
    own_elsewhere = make_session(course, LocationFactory())  # its own course, given at another library
    hosted = make_session(make_course(LocationFactory().library, title="Gast"), location)
    foreign = make_session(make_course(LocationFactory().library, title="Elders"), LocationFactory())
    manageable = set(selectors.sessions_manageable_by(coordinator).values_list("pk", flat=True))
    assert manageable == {own_here.pk, own_elsewhere.pk, hosted.pk}
    assert foreign.pk not in manageable


def test_the_line_closes_up_when_someone_leaves_it_or_gets_an_offer(desk, session):
    anna = services.enrol(actor=desk, session=session, details=person("Anna"), places=2)
    waiting = [
        services.enrol(actor=desk, session=session, details=person(name), waitlist_if_full=True)
        for name in ("Bram", "Cas", "Dewi", "Eva")
    ]
    services.cancel_enrolment(actor=None, enrolment=waiting[1])  # Cas leaves the line
    assert [(e.name, e.waitlist_position) for e in selectors.waitlist(session)] == [
        ("Bram", 1),
        ("Dewi", 2),
        ("Eva", 3),
    ]
    services.cancel_enrolment(actor=desk, enrolment=anna)  # two places: Bram and Dewi get an offer
    assert [(e.name, e.waitlist_position) for e in selectors.waitlist(session)] == [("Eva", 1)]
    newcomer = services.enrol(actor=desk, session=session, details=person("Fleur"), waitlist_if_full=True)
    assert newcomer.waitlist_position == 2


def test_an_offer_never_outlives_a_first_meeting_that_moved_earlier(desk, session):
    anna = services.enrol(actor=desk, session=session, details=person("Anna"), places=2)
    bram = services.enrol(actor=desk, session=session, details=person("Bram"), waitlist_if_full=True)
    services.cancel_enrolment(actor=desk, enrolment=anna)
    bram.refresh_from_db()
    first = session.meetings.first()
    earlier = timezone.now() + timedelta(hours=3)
    services.reschedule_meeting(
        actor=_coordinator(desk), meeting=first, starts_at=earlier, ends_at=earlier + timedelta(hours=2)
    )
    bram.refresh_from_db()
    assert bram.offer_expires_at == earlier
    with pytest.raises(ValidationError):
        services.accept_offer(actor=None, enrolment=bram, now=earlier + timedelta(hours=5))
    assert statuses(bram) == ["offered"]  # the expiry run hands nothing on any more: the course has started


def test_nobody_completes_half_way_through_the_course(desk, session):
    anna = services.enrol(actor=desk, session=session, details=person("Anna"))
    first = session.meetings.first()
    services.mark_attendance(actor=desk, meeting=first, present={anna.pk}, now=first.starts_at)
    assert not selectors.is_completed(anna, now=first.ends_at)  # 1 of 4, the course asks for 3


def test_a_session_that_is_over_cannot_be_cancelled(desk, course, location):
    past = make_session(course, location, first=timezone.localdate() - timedelta(weeks=6))
    with pytest.raises(ValidationError):
        services.cancel_session(actor=_coordinator(desk), session=past, reason="Te laat")
    past.refresh_from_db()
    assert past.status == "open"


def test_nobody_is_enrolled_at_a_location_that_is_not_open(desk, course):
    from ido.locations.models import LocationStatus

    closed = LocationFactory(library=desk.organisation, status=LocationStatus.CLOSED)
    session = make_session(course, closed)
    with pytest.raises(ValidationError):
        services.enrol(actor=desk, session=session, details=person("Anna"), waitlist_if_full=True)
    assert not Enrolment.objects.exists()


def test_the_referring_organisation_sees_waitlisted_then_enrolled(desk, session):
    from ido.referrals.models import Referral
    from ido.registrations.models import Topic

    referral = Referral.objects.create(
        direction="to_ido",
        sender=LocationFactory().library,
        receiver=desk.organisation,
        topic=Topic.objects.get(code="devices"),
        status="sent",
    )
    services.enrol(actor=desk, session=session, details=person("Anna"), places=2)
    waiting = services.enrol(
        actor=desk, session=session, details=person("Bram"), waitlist_if_full=True, referral=referral
    )
    assert list(referral.events.values_list("name", flat=True)) == ["referrals.referral.waitlisted"]
    services.change_capacity(actor=_coordinator(desk), session=session, capacity=3)
    services.accept_offer(actor=None, enrolment=waiting)
    assert list(referral.events.values_list("name", flat=True)) == [
        "referrals.referral.waitlisted",
        "referrals.referral.enrolled",
    ]
