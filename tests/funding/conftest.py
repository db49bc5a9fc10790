"""Makers for the funding tests: a scheme for 2026 with the 2023 rates, Utrecht's municipality with its officer,
the library that serves it, and a national administrator."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ido.funding import services
from ido.organisations.roles import Role
from tests.factories import (
    LibraryFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    membership_for_role,
)


def make_scheme(actor, year=2026, **fields):
    values = {
        "year": year,
        "name": "Specifieke uitkering IDO",
        "legal_reference": "Stcrt. 2022, 33992",
        "rate_per_inhabitant": Decimal("0.83"),
        "rate_per_low_educated": Decimal("0.70"),
        **fields,
    }
    return services.save_scheme(actor=actor, data=services.SchemeInput(**values))


@pytest.fixture(autouse=True)
def _early_2027():
    """The tests work with 2026 as the grant year, seen from early 2027: the year is over and may be closed, and
    every payment of 2026 lies in the past."""
    with time_machine.travel(datetime(2027, 1, 15, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=True):
        yield


@pytest.fixture
def national():
    return membership_for_role(Role.NATIONAL_ADMIN)


@pytest.fixture
def utrecht():
    return MunicipalityFactory(cbs_code="GM0344", name="Utrecht")


@pytest.fixture
def officer(utrecht):
    return membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=utrecht)
    )


@pytest.fixture
def library(utrecht):
    return LibraryFactory(name="Bibliotheek Utrecht", served_municipalities=[utrecht])


@pytest.fixture
def scheme(national):
    return make_scheme(national)


@pytest.fixture
def allocation(national, scheme, utrecht):
    return services.set_allocation(actor=national, scheme=scheme, municipality=utrecht, annex_amount=Decimal("100000"))
