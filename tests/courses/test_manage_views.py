"""The staff pages that manage courses: the catalogue, adding and changing a course, planning a session, the
session page (people, completion, waitlist, offers, capacity, cancelling) and the teacher's attendance list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ido.appointments.models import HostAgreement
from ido.core.models import AuditEvent
from ido.courses import selectors, services
from ido.courses.models import Attendance, Course, Enrolment, EnrolmentStatus, Meeting, Session
from ido.organisations.roles import Role
from tests.conftest import login_verified
from tests.courses.conftest import make_course, make_session, person
from tests.factories import LibraryFactory, LocationFactory, OrganisationFactory, membership_for_role

pytestmark = pytest.mark.django_db


def course_data(**fields) -> dict:
    data = {
        "title": "Klik & Tik: de basis",
        "description": "U leert werken met een muis en toetsenbord.",
        "kind": "digital_basics",
        "level": "beginner",
        "language": "nl",
        "device": "none",
        "cost": "0",
        "meetings_to_complete": "3",
        "active": "on",
    }
    return {**data, **fields}


def enrol(desk, session, name, *, before=None, **kwargs) -> Enrolment:
    """Enrol through the service, at a moment before the first meeting (the session may lie in the past)."""
    now = session.starts_at - timedelta(days=1) if before is None else before
    return services.enrol(actor=desk, session=session, details=person(name, **kwargs), waitlist_if_full=True, now=now)


def fill(desk, session) -> None:
    """Take the session's two places."""
    enrol(desk, session, "Anna")
    enrol(desk, session, "Bram")


def past_session(course, location, **fields) -> Session:
    """A session whose four weekly meetings have all taken place."""
    return make_session(course, location, first=timezone.localdate() - timedelta(days=28), **fields)


def foreign_session() -> Session:
    """A session of another library's course at that library's location."""
    other = LibraryFactory()
    return make_session(make_course(other, title="Elders"), LocationFactory(library=other))


# --- The catalogue -------------------------------------------------------------------------------------------------


def test_the_catalogue_shows_each_course_with_its_coming_sessions_and_free_places(client, desk, course, location):
    coming = make_session(course, location, capacity=8)
    cancelled = make_session(course, location, status="cancelled")
    past_session(course, location)
    make_course(OrganisationFactory(name="Digisterker Utrecht"), title="Niet meer", active=False)
    login_verified(client, desk.user)
    response = client.get(reverse("courses:catalogue"))
    assert response.status_code == 200
    shown = list(response.context["courses"])
    assert shown == [course]
    assert shown[0].upcoming_sessions == [coming]
    assert cancelled not in shown[0].upcoming_sessions
    assert shown[0].is_free and "€" not in response.content.decode()
    assert reverse("courses:course_new") not in response.content.decode()


def test_the_catalogue_filters_by_kind_level_language_and_title(client, coordinator, library):
    digid = make_course(library, title="DigiD aanvragen", kind="e_government")
    make_course(library, title="Veilig online", kind="safe_online")
    make_course(library, title="Nederlands voor beginners", kind="language", language="nl-easy")
    login_verified(client, coordinator.user)
    response = client.get(reverse("courses:catalogue"), {"kind": "e_government", "level": "beginner"})
    assert list(response.context["courses"]) == [digid]
    response = client.get(reverse("courses:catalogue"), {"language": "nl-easy"})
    assert [c.title for c in response.context["courses"]] == ["Nederlands voor beginners"]
    response = client.get(reverse("courses:catalogue"), {"q": "veilig"})
    assert [c.title for c in response.context["courses"]] == ["Veilig online"]
    assert "€" not in response.content.decode()
    make_course(library, title="Fotobewerking", cost="12.50")
    assert "€ 12,50" in client.get(reverse("courses:catalogue"), {"q": "foto"}).content.decode()
    assert reverse("courses:course_new") in response.content.decode()


def test_a_long_catalogue_is_paged_and_the_filter_is_kept(client, desk, library):
    for number in range(27):
        make_course(library, title=f"Cursus {number:02}")
    login_verified(client, desk.user)
    response = client.get(reverse("courses:catalogue"), {"q": "cursus"})
    assert len(response.context["courses"]) == 25
    assert "?q=cursus&amp;page=2" in response.content.decode()
    response = client.get(reverse("courses:catalogue"), {"q": "cursus", "page": "2"})
    assert [course.title for course in response.context["courses"]] == ["Cursus 25", "Cursus 26"]


@pytest.mark.parametrize("size", [2, 12])
def test_the_catalogue_takes_the_same_queries_however_many_courses(
    client, desk, library, location, django_assert_max_num_queries, size
):
    for number in range(size):
        course = make_course(library, title=f"Cursus {number:02}")
        make_session(course, location)
        make_session(course, LocationFactory(library=library))
    login_verified(client, desk.user)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("courses:catalogue"))
    assert response.status_code == 200
    assert all(len(course.upcoming_sessions) == 2 for course in response.context["courses"])


# --- Adding and changing a course ------------------------------------------------------------------------------------


def test_a_coordinator_adds_a_course_of_their_own_library(client, coordinator):
    login_verified(client, coordinator.user)
    assert client.get(reverse("courses:course_new")).status_code == 200
    response = client.post(reverse("courses:course_new"), course_data())
    course = Course.objects.get()
    assert response.status_code == 302 and response.url == reverse("courses:course", kwargs={"pk": course.pk})
    assert course.provider == coordinator.organisation and course.meetings_to_complete == 3 and course.is_free
    assert AuditEvent.objects.filter(action="courses.course.created").exists()


def test_a_partner_adds_a_course_of_its_own(client, provider_staff):
    login_verified(client, provider_staff.user)
    client.post(reverse("courses:course_new"), course_data(title="Digisterker"))
    assert Course.objects.get().provider == provider_staff.organisation


def test_the_desk_cannot_add_a_course(client, desk):
    login_verified(client, desk.user)
    assert client.get(reverse("courses:course_new")).status_code == 403
    assert client.post(reverse("courses:course_new"), course_data()).status_code == 403
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"), [({"cost": "-5"}, "cost"), ({"meetings_to_complete": "0"}, "meetings_to_complete")]
)
def test_what_the_service_refuses_is_shown_on_its_field_and_nothing_is_saved(client, coordinator, fields, field):
    login_verified(client, coordinator.user)
    response = client.post(reverse("courses:course_new"), course_data(**fields))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Course.objects.exists()


def test_a_coordinator_changes_their_course(client, coordinator, course):
    login_verified(client, coordinator.user)
    response = client.get(reverse("courses:course_edit", kwargs={"pk": course.pk}))
    assert response.context["form"].initial["title"] == course.title
    response = client.post(
        reverse("courses:course_edit", kwargs={"pk": course.pk}), course_data(title="Digisterker 2", active="")
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.title, course.active) == ("Digisterker 2", False)


def test_another_organisations_course_cannot_be_changed(client, coordinator, provider_staff, course):
    foreign = make_course(LibraryFactory(), title="Elders")
    login_verified(client, coordinator.user)
    assert client.get(reverse("courses:course_edit", kwargs={"pk": foreign.pk})).status_code == 404
    assert client.post(reverse("courses:course_edit", kwargs={"pk": foreign.pk}), course_data()).status_code == 404
    login_verified(client, provider_staff.user)
    assert client.get(reverse("courses:course_edit", kwargs={"pk": course.pk})).status_code == 404
    assert Course.objects.get(pk=foreign.pk).title == "Elders"


def test_the_course_page_lists_coming_and_past_sessions_and_marks_the_cancelled_one(client, desk, course, location):
    coming = make_session(course, location)
    cancelled = make_session(course, location, status="cancelled")
    past = past_session(course, location)
    login_verified(client, desk.user)
    response = client.get(reverse("courses:course", kwargs={"pk": course.pk}))
    assert response.status_code == 200
    assert response.context["upcoming"] == [coming, cancelled]
    assert response.context["past"] == [past]
    assert "utrecht-status-badge--danger" in response.content.decode()
    assert not response.context["can_manage"]
    assert reverse("courses:session_new", kwargs={"pk": course.pk}) not in response.content.decode()


def test_the_manager_gets_a_link_to_plan_a_session(client, coordinator, course):
    login_verified(client, coordinator.user)
    response = client.get(reverse("courses:course", kwargs={"pk": course.pk}))
    assert response.context["can_manage"]
    assert reverse("courses:session_new", kwargs={"pk": course.pk}) in response.content.decode()


# --- Planning a session ----------------------------------------------------------------------------------------------


def session_data(location, **fields) -> dict:
    data = {
        "location": location.pk,
        "teacher": "Henk",
        "capacity": "8",
        "offer_hours": "48",
        "first_date": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "count": "4",
        "every_weeks": "2",
    }
    return {**data, **fields}


def test_a_coordinator_plans_a_session_with_its_meetings(client, coordinator, course, location):
    login_verified(client, coordinator.user)
    url = reverse("courses:session_new", kwargs={"pk": course.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, session_data(location))
    session = Session.objects.get()
    assert response.status_code == 302 and response.url == reverse("courses:session", kwargs={"pk": session.pk})
    meetings = list(session.meetings.all())
    assert len(meetings) == 4
    assert meetings[1].starts_at - meetings[0].starts_at == timedelta(weeks=2)
    assert timezone.localtime(meetings[0].starts_at).hour == 10
    assert (session.capacity, session.teacher, session.location) == (8, "Henk", location)


def test_a_session_in_the_past_or_elsewhere_is_refused_and_nothing_is_planned(client, coordinator, course, location):
    login_verified(client, coordinator.user)
    url = reverse("courses:session_new", kwargs={"pk": course.pk})
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(url, session_data(location, first_date=yesterday))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(url, session_data(LocationFactory()))
    assert "location" in response.context["form"].errors
    response = client.post(url, session_data(location, end_time="09:00"))
    assert "end_time" in response.context["form"].errors
    assert not Session.objects.exists()


def test_a_partner_plans_only_its_own_courses_where_a_library_hosts_it(client, provider_staff, course, location):
    own = make_course(provider_staff.organisation, title="Digisterker")
    login_verified(client, provider_staff.user)
    assert client.get(reverse("courses:session_new", kwargs={"pk": course.pk})).status_code == 404
    url = reverse("courses:session_new", kwargs={"pk": own.pk})
    assert client.get(url).context["no_locations"]
    HostAgreement.objects.create(location=location, provider=provider_staff.organisation)
    assert client.post(url, session_data(location)).status_code == 302
    assert Session.objects.get().course == own


# --- The session page ------------------------------------------------------------------------------------------------


def test_everyone_sees_dates_and_places_but_only_who_runs_the_session_sees_the_people(client, desk, session):
    enrol(desk, session, "Fatima")
    outsider = membership_for_role(Role.COORDINATOR)
    login_verified(client, outsider.user)
    response = client.get(reverse("courses:session", kwargs={"pk": session.pk}))
    assert response.status_code == 200
    assert not response.context["sees_people"] and "Fatima" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="courses.enrolment.read").exists()
    response = client.post(
        reverse("courses:session", kwargs={"pk": session.pk}), {"action": "capacity", "capacity-capacity": "5"}
    )
    assert response.status_code == 403


def test_the_desk_of_the_library_sees_the_people_to_mark_them_and_the_reading_is_audited(client, desk, session):
    fatima = enrol(desk, session, "Fatima")
    login_verified(client, desk.user)
    response = client.get(reverse("courses:session", kwargs={"pk": session.pk}))
    assert response.context["sees_people"] and not response.context["can_manage"]
    assert "Fatima" in response.content.decode()
    assert AuditEvent.objects.filter(action="courses.enrolment.read", target_id=str(fatima.pk)).exists()
    assert "capacity-capacity" not in response.content.decode()
    response = client.post(
        reverse("courses:session", kwargs={"pk": session.pk}), {"action": "capacity", "capacity-capacity": "5"}
    )
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.capacity == 2


@pytest.mark.parametrize("size", [2, 10])
def test_the_session_page_takes_the_same_queries_however_many_people_besides_the_audit(
    client, desk, coordinator, course, location, django_assert_max_num_queries, size
):
    session = make_session(course, location, capacity=size)
    for number in range(size + 3):  # three on the waitlist
        enrol(desk, session, f"Persoon {number}")
    login_verified(client, coordinator.user)
    # One audit row is written per person shown (the reading of personal data); the rest is fixed.
    with django_assert_max_num_queries(14 + size + 3):
        response = client.get(reverse("courses:session", kwargs={"pk": session.pk}))
    assert len(response.context["enrolled"]) == size and len(response.context["waiting"]) == 3


def test_the_session_page_shows_who_came_and_who_completed(client, desk, coordinator, library, location):
    course = make_course(library, meetings_to_complete=3)
    session = past_session(course, location)
    anna, bram = enrol(desk, session, "Anna"), enrol(desk, session, "Bram")
    meetings = list(session.meetings.all())
    for number, meeting in enumerate(meetings):
        came = {anna.pk} if number < 3 else {anna.pk, bram.pk}
        services.mark_attendance(actor=coordinator, meeting=meeting, present=came)
    login_verified(client, coordinator.user)
    response = client.get(reverse("courses:session", kwargs={"pk": session.pk}))
    rows = {row["enrolment"].name: row for row in response.context["enrolled"]}
    assert (rows["Anna"]["attended"], rows["Anna"]["held"], rows["Anna"]["completed"]) == (4, 4, True)
    assert (rows["Bram"]["attended"], rows["Bram"]["completed"]) == (1, False)
    assert response.context["no_show_percent"] == 38  # 3 of 8 marked places
    assert reverse("courses:attendance", kwargs={"pk": meetings[0].pk}) in response.content.decode()
    assert reverse("courses:reschedule", kwargs={"pk": meetings[0].pk}) not in response.content.decode()


def test_raising_the_capacity_offers_the_place_to_the_first_on_the_waitlist(client, desk, coordinator, session):
    fill(desk, session)
    cas, dirk = enrol(desk, session, "Cas", email="cas@example.org"), enrol(desk, session, "Dirk")
    login_verified(client, coordinator.user)
    response = client.post(
        reverse("courses:session", kwargs={"pk": session.pk}), {"action": "capacity", "capacity-capacity": "3"}
    )
    assert response.status_code == 302 and response.url == reverse("courses:session", kwargs={"pk": session.pk})
    cas.refresh_from_db()
    dirk.refresh_from_db()
    assert (cas.status, dirk.status) == (EnrolmentStatus.OFFERED, EnrolmentStatus.WAITLISTED)
    assert list(selectors.waitlist(session)) == [dirk]
    session.refresh_from_db()
    assert (session.capacity, session.taken) == (3, 3)


def test_a_capacity_below_one_is_refused_and_nothing_changes(client, coordinator, session):
    login_verified(client, coordinator.user)
    response = client.post(
        reverse("courses:session", kwargs={"pk": session.pk}), {"action": "capacity", "capacity-capacity": "0"}
    )
    assert response.status_code == 200 and "capacity" in response.context["forms"].capacity.errors
    session.refresh_from_db()
    assert session.capacity == 2


def test_an_offer_to_someone_without_email_or_mobile_is_a_call_for_staff(client, desk, coordinator, session):
    fill(desk, session)
    waiting = enrol(desk, session, "Cas", phone="030 123 4567")  # a fixed line: no text message possible
    services.change_capacity(actor=coordinator, session=session, capacity=3)
    login_verified(client, coordinator.user)
    response = client.get(reverse("courses:session", kwargs={"pk": session.pk}))
    (offer,) = response.context["offers"]
    assert offer["enrolment"].pk == waiting.pk and offer["call"]
    assert "+31301234567" in response.content.decode()


def test_staff_move_someone_up_the_waitlist_with_a_reason_in_the_audit_trail(client, desk, coordinator, session):
    fill(desk, session)
    enrol(desk, session, "Cas")
    enrol(desk, session, "Dirk")
    eva = enrol(desk, session, "Eva")
    login_verified(client, coordinator.user)
    url = reverse("courses:session", kwargs={"pk": session.pk})
    response = client.post(
        url,
        {
            "action": "move",
            "enrolment": eva.pk,
            f"move-{eva.pk}-position": "1",
            f"move-{eva.pk}-reason": "Was vorige keer al uitgeloot",
        },
    )
    assert response.status_code == 302
    order = list(
        Enrolment.objects.filter(status="waitlisted").order_by("waitlist_position").values_list("name", flat=True)
    )
    assert order == ["Eva", "Cas", "Dirk"]
    event = AuditEvent.objects.get(action="courses.enrolment.reordered")
    assert event.detail == {"from": 3, "to": 1, "reason": "Was vorige keer al uitgeloot"}


def test_moving_on_the_waitlist_without_a_reason_is_refused(client, desk, coordinator, session):
    fill(desk, session)
    cas, dirk = enrol(desk, session, "Cas"), enrol(desk, session, "Dirk")
    login_verified(client, coordinator.user)
    response = client.post(
        reverse("courses:session", kwargs={"pk": session.pk}),
        {"action": "move", "enrolment": dirk.pk, f"move-{dirk.pk}-position": "1", f"move-{dirk.pk}-reason": ""},
    )
    assert response.status_code == 200
    assert "reason" in response.context["forms"].moves[dirk.pk].errors
    cas.refresh_from_db()
    assert cas.waitlist_position == 1
    assert not AuditEvent.objects.filter(action="courses.enrolment.reordered").exists()


def test_cancelling_the_session_needs_a_reason_and_then_ends_every_place(client, desk, coordinator, session):
    anna = enrol(desk, session, "Anna")
    login_verified(client, coordinator.user)
    url = reverse("courses:session", kwargs={"pk": session.pk})
    response = client.post(url, {"action": "cancel", "cancel-reason": ""})
    assert response.status_code == 200 and "reason" in response.context["forms"].cancel.errors
    session.refresh_from_db()
    assert session.status == "open"
    response = client.post(url, {"action": "cancel", "cancel-reason": "De docent is ziek"})
    assert response.status_code == 302
    session.refresh_from_db()
    anna.refresh_from_db()
    assert (session.status, session.cancel_reason, anna.status) == ("cancelled", "De docent is ziek", "cancelled")
    response = client.get(url)
    assert "cancel-reason" not in response.content.decode()


def test_another_organisations_session_shows_no_forms_and_refuses_changes(client, coordinator):
    session = foreign_session()
    login_verified(client, coordinator.user)
    url = reverse("courses:session", kwargs={"pk": session.pk})
    assert not client.get(url).context["can_manage"]
    assert client.post(url, {"action": "cancel", "cancel-reason": "Zomaar"}).status_code == 403
    session.refresh_from_db()
    assert session.status == "open"


# --- Attendance ------------------------------------------------------------------------------------------------------


def test_the_teacher_marks_who_came_and_the_list_is_prechecked_next_time(client, desk, course, location):
    session = past_session(course, location)
    anna, bram = enrol(desk, session, "Anna"), enrol(desk, session, "Bram")
    meeting = session.meetings.first()
    login_verified(client, desk.user)
    url = reverse("courses:attendance", kwargs={"pk": meeting.pk})
    response = client.get(url)
    assert response.status_code == 200 and "Anna" in response.content.decode()
    assert 'type="checkbox"' in response.content.decode() and "<legend" in response.content.decode()
    response = client.post(url, {"present": [anna.pk]})
    assert response.status_code == 302 and response.url == reverse("courses:session", kwargs={"pk": session.pk})
    marks = dict(Attendance.objects.filter(meeting=meeting).values_list("enrolment__name", "present"))
    assert marks == {"Anna": True, "Bram": False}
    assert client.get(url).context["form"].initial["present"] == [anna.pk]
    client.post(url, {"present": [anna.pk, bram.pk]})
    assert Attendance.objects.filter(meeting=meeting, present=True).count() == 2


def test_attendance_is_refused_before_the_meeting_starts(client, desk, session):
    anna = enrol(desk, session, "Anna")
    meeting = session.meetings.first()
    login_verified(client, desk.user)
    url = reverse("courses:attendance", kwargs={"pk": meeting.pk})
    assert not client.get(url).context["started"]
    response = client.post(url, {"present": [anna.pk]})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Attendance.objects.exists()


def test_attendance_of_another_organisations_meeting_is_not_found(client, desk, provider_staff, session):
    foreign = foreign_session().meetings.first()
    login_verified(client, desk.user)
    assert client.get(reverse("courses:attendance", kwargs={"pk": foreign.pk})).status_code == 404
    login_verified(client, provider_staff.user)
    own = session.meetings.first()
    assert client.get(reverse("courses:attendance", kwargs={"pk": own.pk})).status_code == 404


# --- Rescheduling ----------------------------------------------------------------------------------------------------


def test_a_coordinator_moves_a_meeting_that_has_not_started(client, coordinator, session):
    meeting = session.meetings.last()
    login_verified(client, coordinator.user)
    url = reverse("courses:reschedule", kwargs={"pk": meeting.pk})
    assert client.get(url).context["form"].initial["start_time"].hour == 10
    new_day = timezone.localtime(meeting.starts_at).date() + timedelta(days=2)
    response = client.post(
        url, {"date": new_day.isoformat(), "start_time": "14:00", "end_time": "16:00", "reason": "Zaal bezet"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert timezone.localtime(meeting.starts_at).date() == new_day and timezone.localtime(meeting.starts_at).hour == 14
    assert meeting.rescheduled_at is not None
    session.refresh_from_db()
    assert session.ends_at == meeting.ends_at


def test_a_started_meeting_cannot_be_moved(client, coordinator, course, location):
    session = past_session(course, location)
    meeting = session.meetings.first()
    before = meeting.starts_at
    login_verified(client, coordinator.user)
    new_day = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse("courses:reschedule", kwargs={"pk": meeting.pk}),
        {"date": new_day.isoformat(), "start_time": "14:00", "end_time": "16:00"},
    )
    assert response.status_code == 200 and "start_time" in response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.starts_at == before


def test_only_who_manages_the_session_moves_its_meetings(client, desk, coordinator, session):
    meeting = session.meetings.first()
    login_verified(client, desk.user)
    assert client.get(reverse("courses:reschedule", kwargs={"pk": meeting.pk})).status_code == 403
    foreign = foreign_session().meetings.first()
    login_verified(client, coordinator.user)
    assert client.get(reverse("courses:reschedule", kwargs={"pk": foreign.pk})).status_code == 404
    assert Meeting.objects.filter(rescheduled_at__isnull=False).count() == 0
