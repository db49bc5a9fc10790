"""Property-based run of the committed openapi.yaml against the app (through WSGI, in-process): no 5xx, and
every response matches the schema. The schema is loaded at module level: schemathesis 4 with pytest 9 cannot
take it from a fixture. The whole API runs with a national token (which may not register or book: 403); the
visits run once more with a library's token, which registers them, and so do the consultation hours and
appointments, which that token books and cancels; the referrals run with a partner's token, which reads its inbox
and moves its referrals on; the courses and enrolments run with a library's token, which enrols and cancels."""

from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ido.api.appointment_selectors import public_slots
from ido.api.authentication import actor_for
from ido.appointments import services as appointment_services
from ido.appointments.models import BookedBy, ConsultationHour
from ido.conf.wsgi import application
from ido.courses import services as course_services
from ido.courses.models import EnrolmentSource
from ido.locations.models import OpeningException
from ido.organisations.roles import Role
from ido.referrals import services as referral_services
from ido.referrals.models import Referral
from ido.registrations.models import HelpGiven, Topic
from tests.api.conftest import issue_token
from tests.courses.conftest import make_course, make_session, person
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    NationalBodyFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    VisitFactory,
    membership_for_role,
)
from tests.referrals.test_referrals import make_agreement, referral_input

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
schema = schemathesis.openapi.from_path(SCHEMA_PATH)
visits_schema = schemathesis.openapi.from_path(SCHEMA_PATH).include(path="/api/v1/visits/")
# Path → the path parameter that names a real object, and which kind of object (a key of BOOKING).
BOOKING_PATHS = {
    "/api/v1/locations/{location_id}/consultation-hours/": ("location_id", "locations"),
    "/api/v1/consultation-hours/{id}/slots/": ("id", "hours"),
    "/api/v1/appointments/{id}/cancel/": ("id", "appointments"),
    "/api/v1/appointments/": None,
}
appointments_schema = schemathesis.openapi.from_path(SCHEMA_PATH).include(path=list(BOOKING_PATHS))
# Path → the path parameter that names a referral in the partner's inbox.
REFERRAL_PATHS = {
    "/api/v1/referrals/": None,
    "/api/v1/referrals/{id}/": "id",
    "/api/v1/referrals/{id}/status/": "id",
}
referrals_schema = schemathesis.openapi.from_path(SCHEMA_PATH).include(path=list(REFERRAL_PATHS))

# What the library fixture made: a generated visit can only refer to it once the test runs.
REAL = {}


@visits_schema.hook
def flatmap_body(context, body):
    """Besides the generated visit, one that refers to the real location and real terms (so the run reaches the
    registration service and its refusals) and one that, moreover, leaves out the time and free texts (so it
    is mostly registered, and the 201 is checked too)."""
    if not REAL or not isinstance(body, dict):
        return st.just(body)
    real = {**body, "location": REAL["location"]}
    if isinstance(body.get("questions"), list):
        real["questions"] = [
            {**question, "topic": "digid", "service_organisation": "logius", "help_given": "explained"}
            if isinstance(question, dict)
            else question
            for question in body["questions"]
        ]
    plausible = {name: value for name, value in real.items() if name not in ("occurred_at", "note")}
    return st.sampled_from([body, real, plausible])


# What the booking fixture made: the real location, hour, free slot starts and booked appointments.
BOOKING: dict[str, list] = {}


@appointments_schema.hook("flatmap_path_parameters")
def real_objects(context, path_parameters):
    """Besides the generated id, the id of a real location, hour or appointment: the run reaches the 200s."""
    known = BOOKING_PATHS.get(context.operation.path)
    if not BOOKING or known is None or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    name, kind = known
    return st.sampled_from([path_parameters, *({**path_parameters, name: pk} for pk in BOOKING[kind])])


@appointments_schema.hook("flatmap_query")
def plausible_period(context, query):
    """Besides the generated period of the slots, the default one and a few days ahead."""
    if not BOOKING or context.operation.path != "/api/v1/consultation-hours/{id}/slots/":
        return st.just(query)
    tomorrow = timezone.localdate() + timedelta(days=1)
    ahead = {"from": tomorrow.isoformat(), "to": (tomorrow + timedelta(days=3)).isoformat()}
    return st.sampled_from([query, {}, ahead])


@appointments_schema.hook("flatmap_body")
def real_booking(context, body):
    """Besides the generated booking, one of the real hour, and one of a real free slot with a plain name (mostly
    booked, so the 201 is checked too, until the slot is full)."""
    if not BOOKING or not isinstance(body, dict):
        return st.just(body)
    real = {**body, "consultation_hour": BOOKING["hours"][0]}
    return st.sampled_from(BOOKING["starts"]).flatmap(
        lambda start: st.sampled_from(
            [
                body,
                real,
                {**real, "starts_at": start},
                {"consultation_hour": real["consultation_hour"], "starts_at": start, "name": "A.B."},
            ]
        )
    )


# What the inbox fixture made: the ids of the referrals addressed to the partner.
INBOX: dict[str, list] = {}


@referrals_schema.hook("flatmap_path_parameters")
def real_referrals(context, path_parameters):
    """Besides the generated id, the id of a referral in the partner's inbox: the run reaches the 200s."""
    name = REFERRAL_PATHS.get(context.operation.path)
    if not INBOX or name is None or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, *({**path_parameters, name: pk} for pk in INBOX["referrals"])])


@referrals_schema.hook("flatmap_body")
def real_steps(context, body):
    """Besides the generated step, the steps a partner takes (accept, decline with a reason, record what
    happened), so the state machine moves and its 200s are checked too."""
    if not INBOX:
        return st.just(body)
    steps = [{"status": "accepted"}, {"status": "declined", "note": "Geen plek"}, {"status": "contacted"}]
    return st.sampled_from([body, *steps, {"status": "completed", "note": ""}])


# Path → the path parameter that names an enrolment the library's token made.
COURSE_PATHS = {
    "/api/v1/courses/": None,
    "/api/v1/course-sessions/": None,
    "/api/v1/enrolments/": None,
    "/api/v1/enrolments/{id}/cancel/": "id",
}
courses_schema = schemathesis.openapi.from_path(SCHEMA_PATH).include(path=list(COURSE_PATHS))

# What the courses fixture made: the ids of the courses, locations, sessions and enrolments.
COURSES: dict[str, list] = {}


@courses_schema.hook("flatmap_path_parameters")
def real_enrolments(context, path_parameters):
    """Besides the generated id, the id of an enrolment the token made: the run reaches the 200s."""
    name = COURSE_PATHS.get(context.operation.path)
    if not COURSES or name is None or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, *({**path_parameters, name: pk} for pk in COURSES["enrolments"])])


@courses_schema.hook("flatmap_query")
def real_filters(context, query):
    """Besides the generated filters of the sessions, the real course and location (so the lists are not empty)."""
    if not COURSES or context.operation.path != "/api/v1/course-sessions/":
        return st.just(query)
    real = [{"course": COURSES["courses"][0]}, {"location": COURSES["locations"][0]}, {"has_free_places": "true"}]
    return st.sampled_from([query, {}, *real])


@courses_schema.hook("flatmap_body")
def real_enrolment(context, body):
    """Besides the generated enrolment, one into a real session, and one with a plain name that is mostly
    enrolled or put on the waitlist (so the 201 is checked too)."""
    if not COURSES or not isinstance(body, dict):
        return st.just(body)
    return st.sampled_from(COURSES["sessions"]).flatmap(
        lambda session: st.sampled_from(
            [
                body,
                {**body, "session": session},
                {"session": session, "name": "A.B.", "waitlist_if_full": True},
            ]
        )
    )


def make_hour(location) -> ConsultationHour:
    """A consultation hour every day from nine to five, that has been running for a week."""
    return ConsultationHour.objects.create(
        provider=OrganisationFactory(),
        location=location,
        title="Spreekuur",
        weekdays="0,1,2,3,4,5,6",
        starts_on=timezone.localdate() - timedelta(days=7),
        start_time=time(9),
        end_time=time(17),
        slot_minutes=30,
        capacity=2,
        book_until_minutes=0,
        skip_public_holidays=False,
    )


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_test_connection():
    """Django closes the database connection after each request; its test client turns that off, the WSGI
    transport does not. On PostgreSQL that would close the connection holding the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def national_key(db, keep_test_connection):
    """Some of everything the API shows, and a national token that sees all of it."""
    utrecht = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
    MunicipalityOrganisationFactory(municipality=MunicipalityFactory(cbs_code="GM0355", name="Zeist"))
    library = LibraryFactory(served_municipalities=[utrecht])
    located = LocationFactory(
        library=library, municipality=utrecht, latitude=Decimal("52.0894"), longitude=Decimal("5.1102")
    )
    LocationFactory(library=library, municipality=utrecht, in_library=False, venue="Buurthuis De Kroon")
    OpeningHoursFactory(location=located, weekday=2, opens=time(9, 30), closes=time(12))
    OpeningException.objects.create(location=located, date=timezone.localdate() + timedelta(days=2))
    VisitFactory(location=located)  # also loads the vocabularies, if a browser test's flush removed them
    Topic.objects.filter(code="fines").update(retired_on=timezone.localdate())
    make_hour(located).topics.set(Topic.objects.filter(code="taxes"))
    _token, key = issue_token(NationalBodyFactory())
    return key


@pytest.fixture
def library_key(db, keep_test_connection):
    """A library's token, a location of that library to register at, and a registered visit to list."""
    location = LocationFactory()
    VisitFactory(location=location, questions=[("digid", "explained"), ("taxes", "referred-organisation")])
    HelpGiven.objects.filter(code="self-service").update(retired_on=timezone.localdate())
    _token, key = issue_token(location.library)
    REAL["location"] = location.pk
    yield key
    REAL.clear()


@pytest.fixture
def booking_key(db, keep_test_connection):
    """A library's token, an hour at its location with free slots, and two appointments the token booked."""
    location = LocationFactory()
    hour = make_hour(location)
    hour.topics.set(Topic.objects.filter(code__in=["taxes", "digid"]))
    token, key = issue_token(location.library)
    tomorrow = timezone.localdate() + timedelta(days=1)
    starts = [slot.starts_at for slot in public_slots(hour, tomorrow, tomorrow + timedelta(days=2))]
    appointments = [
        appointment_services.book(
            actor=actor_for(token),
            consultation_hour=hour,
            starts_at=start,
            details=appointment_services.VisitorDetails(name="Jan"),
            booked_by=BookedBy.API,
        ).pk
        for start in starts[:2]
    ]
    BOOKING.update(
        locations=[location.pk],
        hours=[hour.pk],
        starts=[start.isoformat() for start in starts],
        appointments=appointments,
    )
    yield key
    BOOKING.clear()


@pytest.fixture
def inbox_key(db, keep_test_connection):
    """A partner's token and its inbox: referrals with and without contact details, one whose details are
    deleted, one reminded of (an event without a status); and a referral to another partner."""
    desk = membership_for_role(Role.DESK)
    partner = OrganisationFactory()
    make_agreement(desk.organisation, partner, "allowances", valid_from=timezone.localdate())
    refer = referral_services.refer
    referrals = [refer(actor=desk, data=referral_input(partner)) for _ in range(3)]
    referrals.append(
        refer(actor=desk, data=referral_input(partner, contact=referral_services.ContactDetails(), consent_given=False))
    )
    referral_services.withdraw_consent(actor=desk, referral=referrals[0])
    Referral.objects.filter(pk=referrals[1].pk).update(response_due_at=timezone.now() - timedelta(days=1))
    referral_services.remind_overdue()
    other = OrganisationFactory()
    make_agreement(desk.organisation, other, "allowances", valid_from=timezone.localdate())
    refer(actor=desk, data=referral_input(other))
    _token, key = issue_token(partner)
    INBOX.update(referrals=[referral.pk for referral in referrals])
    yield key
    INBOX.clear()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, national_key):
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Token {national_key}", "Accept-Language": "en"},
        checks=CHECKS,
    )


@visits_schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_visit_registration_conforms_to_its_schema(case, library_key):
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Token {library_key}", "Accept-Language": "en"},
        checks=CHECKS,
    )


@appointments_schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_consultation_hours_and_appointments_conform_to_their_schema(case, booking_key):
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Token {booking_key}", "Accept-Language": "en"},
        checks=CHECKS,
    )


@referrals_schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_referrals_conform_to_their_schema(case, inbox_key):
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Token {inbox_key}", "Accept-Language": "en"},
        checks=CHECKS,
    )


@pytest.fixture
def courses_key(db, keep_test_connection):
    """A library's token, a course with two sessions at its location (one full), and enrolments the token made:
    enrolled and on the waitlist."""
    location = LocationFactory()
    token, key = issue_token(location.library)
    course = make_course(location.library)
    first = timezone.localdate() + timedelta(days=7)
    sessions = [make_session(course, location, capacity=3, first=first), make_session(course, location, first=first)]
    actor = actor_for(token)
    enrolments = [
        course_services.enrol(
            actor=actor, session=session, details=person(), waitlist_if_full=True, source=EnrolmentSource.API
        ).pk
        for session in (sessions[0], sessions[1], sessions[1], sessions[1])
    ]
    COURSES.update(
        courses=[course.pk],
        locations=[location.pk],
        sessions=[session.pk for session in sessions],
        enrolments=enrolments,
    )
    yield key
    COURSES.clear()


@courses_schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_courses_and_enrolments_conform_to_their_schema(case, courses_key):
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Token {courses_key}", "Accept-Language": "en"},
        checks=CHECKS,
    )
