"""Places and the waitlist under real concurrency: many database connections at the same moment. PostgreSQL
only (SQLite serialises writers, so there is no race to lose)."""

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from ido.courses import services
from ido.courses.models import Enrolment, EnrolmentStatus, Session
from ido.organisations.roles import Role
from tests.courses.conftest import make_course, make_session, person
from tests.factories import LocationFactory, membership_for_role

RACERS = 24

pytestmark = pytest.mark.django_db(transaction=True)


def _race(action: Callable[[int], str]) -> list[str]:
    """Run `action(number)` in RACERS threads released at the same moment, each on its own connection."""
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            result = action(number)
        except ValidationError:
            result = "refused"
        except Exception as error:
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def world():
    if connection.vendor != "postgresql":
        pytest.skip("The race needs real concurrent connections: it runs on PostgreSQL (make test with DATABASE_URL).")
    desk = membership_for_role(Role.DESK)
    session = make_session(make_course(desk.organisation), LocationFactory(library=desk.organisation), capacity=8)
    return desk, session


def test_racing_for_the_last_two_places_enrols_exactly_two(world):
    desk, session = world
    for number in range(6):
        services.enrol(actor=desk, session=session, details=person(f"E{number}"))

    def enrol(number: int) -> str:
        services.enrol(actor=desk, session=session, details=person(f"R{number}"))
        return "enrolled"

    outcomes = _race(enrol)
    assert sorted(outcomes) == ["enrolled"] * 2 + ["refused"] * (RACERS - 2)
    session.refresh_from_db()
    assert session.taken == session.capacity == 8
    assert Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED).count() == 8


def test_racing_onto_the_waitlist_gives_every_one_their_own_place_in_line(world):
    desk, session = world
    services.enrol(actor=desk, session=session, details=person("Vol"), places=2)
    Session.objects.filter(pk=session.pk).update(capacity=2)

    def wait(number: int) -> str:
        enrolment = services.enrol(actor=desk, session=session, details=person(f"W{number}"), waitlist_if_full=True)
        return enrolment.status

    outcomes = _race(wait)
    assert outcomes == ["waitlisted"] * RACERS
    positions = sorted(
        Enrolment.objects.filter(status=EnrolmentStatus.WAITLISTED).values_list("waitlist_position", flat=True)
    )
    assert positions == list(range(1, RACERS + 1))


def test_racing_cancellations_offer_each_freed_place_once(world):
    desk, session = world
    enrolled = [services.enrol(actor=desk, session=session, details=person(f"E{n}")) for n in range(8)]
    waiting = [
        services.enrol(actor=desk, session=session, details=person(f"W{n}"), waitlist_if_full=True)
        for n in range(RACERS)
    ]
    leaving = enrolled[:4] + waiting[-4:]  # four places free, four leave the line at the same moment

    def leave(number: int) -> str:
        if number >= len(leaving):
            # The others try to take a place directly at the same moment: the line goes first.
            enrolment = services.enrol(actor=desk, session=session, details=person(f"N{number}"), waitlist_if_full=True)
            return enrolment.status
        services.cancel_enrolment(actor=None, enrolment=leaving[number])
        return "left"

    outcomes = _race(leave)
    assert outcomes.count("left") == len(leaving)
    assert "enrolled" not in outcomes  # nobody jumped the line
    session.refresh_from_db()
    assert session.taken == 8
    offered = Enrolment.objects.filter(status=EnrolmentStatus.OFFERED)
    assert sorted(offered.values_list("name", flat=True)) == ["W0", "W1", "W2", "W3"]
    line = Enrolment.objects.filter(status=EnrolmentStatus.WAITLISTED).order_by("waitlist_position")
    assert [e.name for e in line][:16] == [f"W{n}" for n in range(4, RACERS - 4)]
