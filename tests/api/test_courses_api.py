"""Courses in the API: the catalogue and the sessions that can still be joined are public and hold no personal
data; a library's token enrols people (or puts them on the waitlist), lists the enrolments its organisation made
and cancels them, with every reading of a person's details in the audit trail."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from ido.core.models import AuditEvent
from ido.courses import services
from ido.courses.models import Enrolment, EnrolmentSource, EnrolmentStatus, Session
from ido.locations.models import LocationStatus
from ido.organisations.roles import Role
from tests.courses.conftest import make_course, make_session, person
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityOrganisationFactory,
    OrganisationFactory,
    membership_for_role,
)

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=AMSTERDAM)
FIRST_MEETING = date(2026, 12, 1)
COURSES = "/api/v1/courses/"
SESSIONS = "/api/v1/course-sessions/"
ENROLMENTS = "/api/v1/enrolments/"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def library():
    return LibraryFactory(name="Bibliotheek A")


@pytest.fixture
def location(library):
    return LocationFactory(library=library, name="A Centrum")


@pytest.fixture
def course(library):
    return make_course(library, title="Klik & Tik", kind="digital_basics")


@pytest.fixture
def session(course, location):
    """Two places, four Tuesday mornings from 1 December."""
    return make_session(course, location, capacity=2, first=FIRST_MEETING)


@pytest.fixture
def anonymous():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def library_client(client_for, library):
    return client_for(library)


def body(to, **fields) -> dict:
    return {"session": to.pk, "name": "Fatima", **fields}


def readings() -> list[str]:
    """The enrolments whose personal data was read, in the order of the audit trail."""
    return list(
        AuditEvent.objects.filter(action="courses.enrolment.read").order_by("pk").values_list("target_id", flat=True)
    )


def cancel_url(enrolment) -> str:
    return f"{ENROLMENTS}{enrolment.pk}/cancel/"


def nothing_changed(session, taken=0, enrolments=0):
    session.refresh_from_db()
    return session.taken == taken and Enrolment.objects.count() == enrolments


# The public catalogue


def test_the_courses_in_the_catalogue_are_public(anonymous, course):
    make_course(course.provider, title="Oud", active=False)

    response = anonymous.get(COURSES)

    assert response.status_code == 200
    [shown] = response.json()["results"]
    assert shown["id"] == course.pk
    assert shown["title"] == "Klik & Tik"
    assert shown["kind"] == "digital_basics"
    assert shown["provider_name"] == "Bibliotheek A"
    assert shown["cost"] == "0.00"
    assert shown["meetings_to_complete"] == 3


def test_the_catalogue_filters_by_kind_level_and_language(anonymous, library, course):
    language = make_course(library, title="Nederlands oefenen", kind="language", language="nl-easy", level="some")

    assert [c["id"] for c in anonymous.get(COURSES, {"kind": "language"}).json()["results"]] == [language.pk]
    assert [c["id"] for c in anonymous.get(COURSES, {"level": "beginner"}).json()["results"]] == [course.pk]
    assert [c["id"] for c in anonymous.get(COURSES, {"language": "nl-easy"}).json()["results"]] == [language.pk]
    assert anonymous.get(COURSES, {"kind": "cooking"}).status_code == 400


def test_the_sessions_that_can_still_be_joined_are_public_with_meetings_and_free_places(
    anonymous, session, location, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = anonymous.get(SESSIONS)

    assert response.status_code == 200
    [shown] = response.json()["results"]
    assert shown["id"] == session.pk
    assert shown["course"] == session.course_id
    assert shown["course_title"] == "Klik & Tik"
    assert (shown["location"], shown["location_name"]) == (location.pk, "A Centrum")
    assert (shown["capacity"], shown["free"]) == (2, 2)
    assert len(shown["meetings"]) == 4
    assert datetime.fromisoformat(shown["meetings"][0]["starts_at"]) == datetime(2026, 12, 1, 10, tzinfo=AMSTERDAM)
    assert datetime.fromisoformat(shown["starts_at"]) == datetime(2026, 12, 1, 10, tzinfo=AMSTERDAM)


def test_cancelled_started_withdrawn_and_closed_sessions_are_not_listed(anonymous, library, course, location, session):
    make_session(course, location, first=FIRST_MEETING, status="cancelled")
    make_session(course, location, first=date(2026, 11, 17))  # started a week ago
    make_session(make_course(library, title="Oud", active=False), location, first=FIRST_MEETING)
    make_session(course, LocationFactory(library=library, status=LocationStatus.CLOSED), first=FIRST_MEETING)

    assert [s["id"] for s in anonymous.get(SESSIONS).json()["results"]] == [session.pk]


def test_more_sessions_take_no_more_queries(anonymous, course, location, session, django_assert_max_num_queries):
    for week in range(1, 6):
        make_session(course, location, first=FIRST_MEETING + timedelta(weeks=week))

    with django_assert_max_num_queries(3):
        assert len(anonymous.get(SESSIONS).json()["results"]) == 6


def test_the_sessions_filter_by_course_location_and_free_places(anonymous, library, course, location, session):
    other_course = make_course(library, title="Veilig online", kind="safe_online")
    elsewhere = LocationFactory(library=library, name="A Oost")
    full = make_session(other_course, elsewhere, capacity=1, first=FIRST_MEETING, taken=1)

    def ids(**query):
        response = anonymous.get(SESSIONS, query)
        assert response.status_code == 200
        return [s["id"] for s in response.json()["results"]]

    assert ids(course=course.pk) == [session.pk]
    assert ids(location=elsewhere.pk) == [full.pk]
    assert ids(has_free_places="true") == [session.pk]
    assert ids(has_free_places="false") == [full.pk]


@pytest.mark.parametrize("value", ["0", "abc", str(2**31), "-1"])
def test_an_id_filter_that_is_not_an_id_is_refused(anonymous, session, value):
    assert anonymous.get(SESSIONS, {"course": value}).status_code == 400


def test_a_token_sent_to_the_public_lists_is_not_needed(client_for, session):
    api = client_for(LibraryFactory())
    api.credentials(HTTP_AUTHORIZATION="Token not-a-valid-key")

    assert api.get(SESSIONS).status_code == 200
    assert api.get(COURSES).status_code == 200


# Enrolling


def test_a_library_token_enrols_a_person(library_client, library, session):
    response = library_client.post(
        ENROLMENTS, body(session, phone="06 12345678", consent=True, places=2), format="json"
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "enrolled"
    assert data["source"] == "api"
    assert data["places"] == 2
    assert data["person"]["name"] == "Fatima"
    assert data["person"]["phone"] == "+31612345678"
    enrolment = Enrolment.objects.get(pk=data["id"])
    assert enrolment.source == EnrolmentSource.API
    assert enrolment.enrolling_organisation == library
    assert enrolment.consent_given_at is not None and enrolment.consent_text
    session.refresh_from_db()
    assert session.taken == 2
    assert AuditEvent.objects.filter(action="courses.enrolment.enrolled", target_id=str(enrolment.pk)).exists()
    assert AuditEvent.objects.filter(action="courses.enrolment.read", target_id=str(enrolment.pk)).exists()


def test_a_full_session_is_refused_without_the_waitlist_and_nothing_changes(library_client, session):
    assert library_client.post(ENROLMENTS, body(session, places=2), format="json").status_code == 201

    response = library_client.post(ENROLMENTS, body(session, name="Bram"), format="json")

    assert response.status_code == 400
    assert "session" in response.json()
    assert nothing_changed(session, taken=2, enrolments=1)


def test_a_full_session_puts_the_person_on_the_waitlist_when_asked(library_client, session):
    library_client.post(ENROLMENTS, body(session, places=2), format="json")

    response = library_client.post(ENROLMENTS, body(session, name="Bram", waitlist_if_full=True), format="json")

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["waitlist_position"]) == ("waitlisted", 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Fatima 0612345678"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 41}, "name"),
        ({"phone": "0612345678"}, "consent"),
        ({"phone": "bel me", "consent": True}, "phone"),
        ({"email": "geen-adres", "consent": True}, "email"),
        ({"places": 3}, "places"),
        ({"places": 0}, "places"),
        ({"session": 0}, "session"),
        ({"session": 2**31}, "session"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(library_client, session, fields, field):
    response = library_client.post(ENROLMENTS, body(session, **fields), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert nothing_changed(session)


def test_an_unknown_session_is_refused(library_client, session):
    response = library_client.post(ENROLMENTS, body(session, session=session.pk + 1000), format="json")

    assert response.status_code == 400
    assert "session" in response.json()


def test_a_cancelled_or_started_session_is_refused_with_the_reason(library_client, course, location):
    cancelled = make_session(course, location, first=FIRST_MEETING, status="cancelled")
    started = make_session(course, location, first=date(2026, 11, 17))

    for session in (cancelled, started):
        response = library_client.post(ENROLMENTS, body(session), format="json")
        assert response.status_code == 400
        assert "session" in response.json()
    assert not Enrolment.objects.exists()


def test_a_session_at_a_closed_location_is_refused(library_client, library, course):
    closed = make_session(course, LocationFactory(library=library, status=LocationStatus.CLOSED), first=FIRST_MEETING)

    response = library_client.post(ENROLMENTS, body(closed), format="json")

    assert response.status_code == 400
    assert not Enrolment.objects.exists()


def test_a_library_enrols_into_another_librarys_session(client_for, session):
    """As at the desk: a visitor may join a course anywhere in the region."""
    response = client_for(LibraryFactory()).post(ENROLMENTS, body(session), format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("organisation", [MunicipalityOrganisationFactory, OrganisationFactory])
def test_a_token_that_may_not_enrol_is_refused(client_for, session, organisation):
    response = client_for(organisation()).post(ENROLMENTS, body(session), format="json")

    assert response.status_code == 403
    assert nothing_changed(session)


def test_without_a_token_nothing_is_enrolled(anonymous, session):
    response = anonymous.post(ENROLMENTS, body(session), format="json")

    assert response.status_code == 401
    assert nothing_changed(session)


# Listing and cancelling


def test_the_list_shows_the_enrolments_the_organisation_made_and_records_the_reading(library_client, library, session):
    own = library_client.post(ENROLMENTS, body(session), format="json").json()["id"]
    desk = membership_for_role(Role.DESK, organisation=library)
    at_desk = services.enrol(actor=desk, session=session, details=person("Bram"))
    services.enrol(actor=membership_for_role(Role.DESK), session=session, details=person("Cees"), waitlist_if_full=True)
    before = len(readings())

    response = library_client.get(ENROLMENTS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [e["id"] for e in results] == [own, at_desk.pk]  # not the other library's
    assert [e["person"]["name"] for e in results] == ["Fatima", "Bram"]
    assert sorted(readings()[before:]) == sorted([str(own), str(at_desk.pk)])


def test_the_list_filters_by_status(library_client, session):
    library_client.post(ENROLMENTS, body(session, places=2), format="json")
    waiting = library_client.post(ENROLMENTS, body(session, name="Bram", waitlist_if_full=True), format="json")

    response = library_client.get(ENROLMENTS, {"status": "waitlisted"})

    assert [e["id"] for e in response.json()["results"]] == [waiting.json()["id"]]


def test_after_the_personal_data_is_deleted_the_list_shows_no_person_and_reads_nothing(library_client, session):
    library_client.post(ENROLMENTS, body(session), format="json")
    services.delete_expired_personal_data(now=NOW + timedelta(days=200))
    before = readings()

    [shown] = library_client.get(ENROLMENTS).json()["results"]

    assert shown["person"] is None
    assert shown["personal_data_deleted_at"] is not None
    assert readings() == before


def test_a_token_that_may_not_enrol_lists_nothing(client_for, library_client, session):
    from tests.factories import OrganisationFactory

    library_client.post(ENROLMENTS, body(session), format="json")
    partner = OrganisationFactory(name="Digisterker Utrecht")  # a partner's token reads the catalogue only
    Enrolment.objects.create(
        session=session, status=EnrolmentStatus.ENROLLED, source="desk", enrolling_organisation=partner, name="Z"
    )

    response = client_for(partner).get(ENROLMENTS)

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_cancelling_frees_the_place_for_the_first_on_the_waitlist(library_client, session):
    first = library_client.post(ENROLMENTS, body(session, places=2), format="json").json()["id"]
    waiting = library_client.post(ENROLMENTS, body(session, name="Bram", waitlist_if_full=True), format="json")

    response = library_client.post(f"{ENROLMENTS}{first}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert Enrolment.objects.get(pk=waiting.json()["id"]).status == EnrolmentStatus.OFFERED
    assert Session.objects.get(pk=session.pk).taken == 1


def test_leaving_the_waitlist_through_the_api(library_client, session):
    library_client.post(ENROLMENTS, body(session, places=2), format="json")
    waiting = library_client.post(ENROLMENTS, body(session, name="Bram", waitlist_if_full=True), format="json")

    response = library_client.post(f"{ENROLMENTS}{waiting.json()['id']}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "left_waitlist"


def test_cancelling_twice_is_refused_with_a_message(library_client, session):
    enrolment = library_client.post(ENROLMENTS, body(session), format="json").json()["id"]
    library_client.post(f"{ENROLMENTS}{enrolment}/cancel/")

    response = library_client.post(f"{ENROLMENTS}{enrolment}/cancel/")

    assert response.status_code == 400
    assert "status" in response.json()


def test_another_organisations_enrolment_is_not_found(client_for, session):
    desk = membership_for_role(Role.DESK)
    enrolment = services.enrol(actor=desk, session=session, details=person("Bram"))

    response = client_for(LibraryFactory()).post(cancel_url(enrolment))

    assert response.status_code == 404
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED
