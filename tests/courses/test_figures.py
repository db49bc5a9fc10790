"""Anonymous course figures: per course and location the sessions, places, enrolments, fill, completion, no-shows
and the waitlist; and the path from a desk question to a completed course. A library sees its own sessions, a
municipality those on its territory with small numbers hidden; the figures survive the deletion of personal
data, in a fixed number of queries."""

from dataclasses import asdict
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from ido.courses import services
from ido.courses.figures import course_figures, percent
from ido.courses.models import EnrolmentStatus
from ido.organisations.roles import Role
from ido.registrations.models import Question
from tests.conftest import login_verified
from tests.courses.conftest import AMSTERDAM, make_course, make_session, person
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    VisitFactory,
    membership_for_role,
)

pytestmark = pytest.mark.django_db

FIRST_MEETING = date(2026, 12, 1)  # four Tuesdays: 1, 8, 15 and 22 December 2026
BEFORE = datetime(2026, 11, 24, 9, 0, tzinfo=AMSTERDAM)
AFTER = datetime(2027, 1, 5, 9, 0, tzinfo=AMSTERDAM)
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture
def utrecht():
    return MunicipalityFactory(cbs_code="GM0344", name="Utrecht")


@pytest.fixture
def library(utrecht):
    return LibraryFactory(name="Bibliotheek Utrecht", served_municipalities=[utrecht])


@pytest.fixture
def desk(library):
    return membership_for_role(Role.DESK, organisation=library)


@pytest.fixture
def place(library, utrecht):
    return LocationFactory(library=library, municipality=utrecht, name="Bibliotheek Centrum")


@pytest.fixture
def officer(utrecht):
    return membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=utrecht)
    )


def questions(location, count):
    visit = VisitFactory(location=location, questions=[("digid", "explained")] * count)
    return list(Question.objects.filter(visit=visit).order_by("position"))


@pytest.fixture
def finished_course(desk, coordinator, place):
    """Klik & Tik (three of four meetings to complete), three places, in December 2026:
    Anna (from a desk question) enrols and cancels; Bram (from a question) comes with a companion and to every
    meeting; Cees (from a question) waits, gets Anna's place and comes twice; Dewi waits in vain.
    Also a cancelled session of the same course there, and one the year before."""
    course = make_course(desk.organisation, title="Klik & Tik", meetings_to_complete=3)
    session = make_session(course, place, capacity=3, first=FIRST_MEETING)
    make_session(course, place, capacity=8, first=FIRST_MEETING + timedelta(days=1), status="cancelled")
    make_session(course, place, capacity=8, first=date(2025, 12, 2))
    asked = questions(place, 3)
    with time_machine.travel(BEFORE, tick=False):
        anna = services.enrol(actor=desk, session=session, details=person("Anna"), question=asked[0])
        bram = services.enrol(actor=desk, session=session, details=person("Bram"), places=2, question=asked[1])
        cees = services.enrol(
            actor=desk, session=session, details=person("Cees"), waitlist_if_full=True, question=asked[2]
        )
        dewi = services.enrol(actor=desk, session=session, details=person("Dewi"), waitlist_if_full=True)
        services.cancel_enrolment(actor=desk, enrolment=anna)
        cees.refresh_from_db()
        assert cees.status == EnrolmentStatus.OFFERED
        services.accept_offer(actor=desk, enrolment=cees)
    for number, meeting in enumerate(session.meetings.order_by("starts_at")):
        present = {bram.pk, cees.pk} if number < 2 else {bram.pk}
        services.mark_attendance(actor=coordinator, meeting=meeting, present=present, now=meeting.ends_at)
    dewi.refresh_from_db()
    assert dewi.status == EnrolmentStatus.WAITLISTED
    return session


def test_the_percentages_are_whole_and_empty_without_a_denominator():
    assert percent(1, 3) == 33
    assert percent(2, 3) == 67
    assert percent(0, 0) is None


def test_the_coordinator_sees_places_enrolments_fill_completion_no_shows_and_the_waitlist(coordinator, finished_course):
    figures = course_figures(coordinator, *YEAR, now=AFTER)

    [row] = figures.rows
    assert (row.course, row.location) == ("Klik & Tik", "Bibliotheek Centrum")
    assert row.sessions == 1
    assert row.cancelled_sessions == 1
    assert row.places == 3  # the cancelled session's places do not count
    assert row.enrolled == 3  # Anna, Bram and Cees got a place
    assert row.cancelled_later == 1  # Anna
    assert row.enrolled_places == 3  # Bram and his companion, and Cees
    assert row.fill_percent == 100
    assert (row.completed, row.ended_enrolled, row.completion_percent) == (1, 2, 50)  # Bram; Cees came twice
    assert (row.absent, row.marks, row.no_show_percent) == (2, 8, 25)
    assert (row.waitlisted, row.waitlist_placed) == (2, 1)  # Cees and Dewi waited; Cees got a place
    assert not row.suppressed
    assert figures.total.enrolled == 3
    assert (figures.path.questions, figures.path.placed, figures.path.completed) == (3, 3, 1)


def test_completion_only_counts_sessions_that_have_ended(coordinator, finished_course):
    during = datetime(2026, 12, 16, 9, 0, tzinfo=AMSTERDAM)

    [row] = course_figures(coordinator, *YEAR, now=during).rows

    assert row.ended_enrolled == 0
    assert row.completion_percent is None
    assert row.fill_percent == 100


def test_a_period_without_the_session_has_no_rows(coordinator, finished_course):
    figures = course_figures(coordinator, date(2027, 1, 1), date(2027, 12, 31), now=AFTER)

    assert figures.rows == []
    assert figures.total.enrolled == 0
    assert figures.path.questions == 0


def test_the_library_sees_its_courses_elsewhere_but_not_other_libraries_courses(coordinator, library):
    elsewhere = LocationFactory(name="Buurthuis Oost")
    make_session(make_course(library, title="Eigen cursus"), elsewhere, first=FIRST_MEETING)
    make_session(make_course(elsewhere.library, title="Andermans cursus"), elsewhere, first=FIRST_MEETING)

    rows = course_figures(coordinator, *YEAR, now=AFTER).rows

    assert [(row.course, row.location) for row in rows] == [("Eigen cursus", "Buurthuis Oost")]


def test_the_municipality_sees_its_territory_with_small_numbers_hidden(officer, coordinator, finished_course, utrecht):
    other_library_here = LocationFactory(municipality=utrecht, name="Buurtbieb Zuid")
    make_session(
        make_course(other_library_here.library, title="Veilig online"), other_library_here, first=FIRST_MEETING
    )
    make_session(make_course(LibraryFactory(), title="Elders"), LocationFactory(), first=FIRST_MEETING)

    figures = course_figures(officer, *YEAR, now=AFTER)

    assert [row.course for row in figures.rows] == ["Klik & Tik", "Veilig online"]
    klik = figures.rows[0]
    assert klik.people == 4 and klik.suppressed  # four people: fewer than five, not shown
    assert klik.places == 3  # places are not about people: shown
    assert figures.total.suppressed
    assert figures.path.suppressed
    assert not course_figures(coordinator, *YEAR, now=AFTER).rows[0].suppressed


def test_the_figures_survive_the_deletion_of_personal_data(coordinator, finished_course):
    before = course_figures(coordinator, *YEAR, now=AFTER)
    assert services.delete_expired_personal_data(now=AFTER + timedelta(days=120)) == 4

    after = course_figures(coordinator, *YEAR, now=AFTER)

    assert asdict(after.total) == asdict(before.total)
    assert [asdict(row) for row in after.rows] == [asdict(row) for row in before.rows]
    assert after.path == before.path


def test_the_figures_take_the_same_number_of_queries_however_many_sessions(
    coordinator, finished_course, place, django_assert_num_queries
):
    with django_assert_num_queries(4):
        course_figures(coordinator, *YEAR, now=AFTER)
    for number in range(5):
        course = make_course(coordinator.organisation, title=f"Cursus {number}")
        make_session(course, LocationFactory(library=coordinator.organisation), first=FIRST_MEETING)

    with django_assert_num_queries(4):
        figures = course_figures(coordinator, *YEAR, now=AFTER)
    assert len(figures.rows) == 6


def test_the_coordinator_opens_the_figures_page_for_a_period(client, coordinator, finished_course):
    login_verified(client, coordinator.user)

    response = client.get(reverse("courses:figures"), {"start": "2026-01-01", "end": "2026-12-31"})

    assert response.status_code == 200
    assert response.context["figures"].rows[0].course == "Klik & Tik"
    html = response.content.decode()
    assert html.count("<caption") == 2
    assert "Anna" not in html and "Bram" not in html


def test_the_figures_page_shows_this_calendar_year_by_default(client, coordinator):
    login_verified(client, coordinator.user)

    with time_machine.travel(datetime(2026, 6, 15, 12, 0, tzinfo=AMSTERDAM), tick=False):
        login_verified(client, coordinator.user)
        response = client.get(reverse("courses:figures"))

    figures = response.context["figures"]
    assert (figures.start, figures.end) == (date(2026, 1, 1), date(2026, 12, 31))


def test_an_end_before_the_start_is_refused_with_a_message(client, coordinator):
    login_verified(client, coordinator.user)

    response = client.get(reverse("courses:figures"), {"start": "2026-12-31", "end": "2026-01-01"})

    assert response.status_code == 200
    assert response.context["figures"] is None
    assert "end" in response.context["form"].errors


def test_the_municipality_opens_the_figures_page(client, officer, finished_course):
    login_verified(client, officer.user)

    response = client.get(reverse("courses:figures"), {"start": "2026-01-01", "end": "2026-12-31"})

    assert response.status_code == 200
    assert response.context["figures"].rows[0].suppressed


def test_the_desk_has_no_figures(client, desk):
    login_verified(client, desk.user)

    assert client.get(reverse("courses:figures")).status_code == 403


def test_a_hidden_row_also_hides_the_total_that_would_give_it_away(officer, finished_course, utrecht):
    from ido.courses.models import Enrolment

    here = LocationFactory(municipality=utrecht, name="Buurtbieb Noord")
    busy = make_session(make_course(here.library, title="Digisterker"), here, first=FIRST_MEETING, capacity=8)
    for _ in range(6):
        Enrolment.objects.create(session=busy, status="enrolled", source="desk")

    figures = course_figures(officer, *YEAR, now=AFTER)

    shown = {row.course: row.suppressed for row in figures.rows}
    assert shown == {"Klik & Tik": True, "Digisterker": False}
    assert figures.total.people >= 5 and figures.total.suppressed  # total minus Digisterker would be Klik & Tik
