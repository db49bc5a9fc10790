"""Property-based run of the committed openapi.yaml against the app (through WSGI, in-process): no 5xx, and
every response matches the schema. The schema is loaded at module level: schemathesis 4 with pytest 9 cannot
take it from a fixture. The whole API runs with a national token (which may not register: 403); the visits run
once more with a library's token, which registers them."""

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

from ido.conf.wsgi import application
from ido.locations.models import OpeningException
from ido.registrations.models import HelpGiven, Topic
from tests.api.conftest import issue_token
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    NationalBodyFactory,
    OpeningHoursFactory,
    VisitFactory,
)

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
schema = schemathesis.openapi.from_path(SCHEMA_PATH)
visits_schema = schemathesis.openapi.from_path(SCHEMA_PATH).include(path="/api/v1/visits/")

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
