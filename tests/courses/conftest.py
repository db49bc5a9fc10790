"""Shared makers for the course tests: a library with a location, its desk and coordinator, a partner course
provider, a course and a session with weekly meetings."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ido.courses import rules
from ido.courses.models import Course, Meeting, Session
from ido.courses.services import PersonDetails
from ido.organisations.roles import Role
from tests.factories import LocationFactory, OrganisationFactory, membership_for_role

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def make_course(provider, **fields) -> Course:
    defaults = {
        "title": "Digisterker: werken met de e-overheid",
        "description": "U leert inloggen met DigiD en zaken regelen op websites van de overheid.",
        "kind": "e_government",
        "level": "beginner",
        "language": "nl",
        "device": "borrow",
        "meetings_to_complete": 3,
    }
    return Course.objects.create(provider=provider, **{**defaults, **fields})


def make_session(course, location, *, capacity=2, meetings=4, first=None, offer_hours=48, **fields) -> Session:
    """A session with `meetings` weekly meetings of 10:00–12:00 from `first` (default: a week from today). Made
    directly, without the service, so a test can also make one in the past."""
    first = first or timezone.localdate() + timedelta(days=7)
    times = rules.meeting_times(first=first, start=time(10), end=time(12), count=meetings)
    session = Session.objects.create(
        course=course,
        location=location,
        capacity=capacity,
        offer_hours=offer_hours,
        starts_at=times[0][0],
        ends_at=times[-1][1],
        **fields,
    )
    Meeting.objects.bulk_create([Meeting(session=session, starts_at=s, ends_at=e) for s, e in times])
    return session


def person(name="Fatima", phone="", email="", consent=None) -> PersonDetails:
    return PersonDetails(
        name=name, phone=phone, email=email, consent_given=bool(phone or email) if consent is None else consent
    )


def local(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.fixture
def desk():
    return membership_for_role(Role.DESK)


@pytest.fixture
def library(desk):
    return desk.organisation


@pytest.fixture
def coordinator(library):
    return membership_for_role(Role.COORDINATOR, organisation=library)


@pytest.fixture
def location(library):
    return LocationFactory(library=library, name="Bibliotheek Centrum")


@pytest.fixture
def provider_staff():
    """Staff of a partner that gives courses."""
    return membership_for_role(Role.PARTNER_STAFF, organisation=OrganisationFactory(name="Digisterker Utrecht"))


@pytest.fixture
def course(library):
    return make_course(library)


@pytest.fixture
def session(course, location):
    return make_session(course, location)
