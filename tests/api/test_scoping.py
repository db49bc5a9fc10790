"""Each kind of organisation's token sees what that organisation may see, and nothing else."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ido.locations.models import LocationStatus, OpeningException
from ido.organisations.models import Province
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    NationalBodyFactory,
    OpeningHoursFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two municipalities; library A serves the first, library B both; three locations."""
    utrecht = MunicipalityFactory(cbs_code="GM0344", name="Utrecht", province=Province.UTRECHT)
    zeist = MunicipalityFactory(cbs_code="GM0355", name="Zeist", province=Province.UTRECHT)
    MunicipalityFactory(cbs_code="GM0363", name="Amsterdam", province=Province.NOORD_HOLLAND)
    library_a = LibraryFactory(served_municipalities=[utrecht])
    library_b = LibraryFactory(served_municipalities=[utrecht, zeist])
    return {
        "utrecht": utrecht,
        "zeist": zeist,
        "library_a": library_a,
        "library_b": library_b,
        "a_utrecht": LocationFactory(library=library_a, municipality=utrecht, name="A Centrum"),
        "b_utrecht": LocationFactory(
            library=library_b, municipality=utrecht, name="B Overvecht", status=LocationStatus.PLANNED
        ),
        "b_zeist": LocationFactory(library=library_b, municipality=zeist, name="B Zeist"),
    }


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_library_token_sees_only_its_librarys_locations(client_for, world):
    client = client_for(world["library_a"])

    assert names(client.get("/api/v1/locations/")) == ["A Centrum"]


def test_library_token_gets_404_for_another_librarys_location(client_for, world):
    client = client_for(world["library_a"])

    assert client.get(f"/api/v1/locations/{world['a_utrecht'].pk}/").status_code == 200
    assert client.get(f"/api/v1/locations/{world['b_utrecht'].pk}/").status_code == 404


def test_municipality_token_sees_the_locations_in_its_municipality(client_for, world):
    client = client_for(MunicipalityOrganisationFactory(municipality=world["utrecht"]))

    assert names(client.get("/api/v1/locations/")) == ["A Centrum", "B Overvecht"]
    assert client.get(f"/api/v1/locations/{world['b_zeist'].pk}/").status_code == 404


def test_national_token_sees_all_locations(client_for, world):
    client = client_for(NationalBodyFactory())

    assert names(client.get("/api/v1/locations/")) == ["A Centrum", "B Overvecht", "B Zeist"]


def test_partner_token_sees_no_locations_but_does_see_municipalities(client_for, world):
    client = client_for(OrganisationFactory())

    assert names(client.get("/api/v1/locations/")) == []
    assert client.get(f"/api/v1/locations/{world['a_utrecht'].pk}/").status_code == 404
    assert names(client.get("/api/v1/municipalities/")) == ["Amsterdam", "Utrecht", "Zeist"]


def test_locations_filter_by_municipality_and_status(client_for, world):
    client = client_for(NationalBodyFactory())

    assert names(client.get("/api/v1/locations/?municipality=GM0355")) == ["B Zeist"]
    assert names(client.get("/api/v1/locations/?municipality=GM0344&status=planned")) == ["B Overvecht"]
    assert names(client.get("/api/v1/locations/?municipality=GM9999")) == []


def test_invalid_status_filter_answers_400(client_for, world):
    client = client_for(NationalBodyFactory())

    response = client.get("/api/v1/locations/?status=sometimes")

    assert response.status_code == 400
    assert "status" in response.json()


def test_location_detail_shows_address_hours_and_upcoming_exceptions(client_for, world):
    location = world["a_utrecht"]
    location.latitude, location.longitude = Decimal("52.089400"), Decimal("5.110200")
    location.step_free = True
    location.save()
    OpeningHoursFactory(location=location, weekday=1, opens=time(10), closes=time(12, 30))
    OpeningHoursFactory(location=location, weekday=1, opens=time(13), closes=time(16))
    today = timezone.localdate()
    OpeningException.objects.create(location=location, date=today - timedelta(days=1), reason="Past")
    OpeningException.objects.create(
        location=location, date=today + timedelta(days=3), is_closed=False, opens=time(9), closes=time(11)
    )
    client = client_for(world["library_a"])

    data = client.get(f"/api/v1/locations/{location.pk}/").json()

    assert data["library"] == {"id": world["library_a"].pk, "name": world["library_a"].name}
    assert data["municipality"] == "GM0344"
    assert data["postcode"] == "3511 ED"
    assert data["latitude"] == pytest.approx(52.0894)
    assert data["longitude"] == pytest.approx(5.1102)
    assert data["step_free"] is True
    assert data["hearing_loop"] is False
    assert data["languages"] == ["nl", "en"]
    assert data["staffing"] == "mixed"
    assert data["status"] == "open"
    assert data["in_library"] is True
    assert data["opening_hours"] == [
        {"weekday": 1, "opens": "10:00", "closes": "12:30"},
        {"weekday": 1, "opens": "13:00", "closes": "16:00"},
    ]
    assert data["opening_exceptions"] == [
        {
            "date": (today + timedelta(days=3)).isoformat(),
            "is_closed": False,
            "opens": "09:00",
            "closes": "11:00",
            "reason": "",
        }
    ]


def test_location_list_queries_do_not_grow_with_the_number_of_locations(
    client_for, world, django_assert_max_num_queries
):
    for location in (world["a_utrecht"], world["b_utrecht"], world["b_zeist"]):
        OpeningHoursFactory(location=location)
    client = client_for(NationalBodyFactory())

    # auth lookup, last-used update, count, page, opening hours, opening exceptions
    with django_assert_max_num_queries(7):
        assert len(names(client.get("/api/v1/locations/"))) == 3


def test_municipalities_filter_by_province_and_name(client_for, world):
    client = client_for(world["library_a"])

    assert names(client.get("/api/v1/municipalities/?province=PV27")) == ["Amsterdam"]
    assert names(client.get("/api/v1/municipalities/?name=zei")) == ["Zeist"]


def test_municipality_detail_by_cbs_code(client_for, world):
    client = client_for(world["library_a"])

    response = client.get("/api/v1/municipalities/GM0355/")

    assert response.status_code == 200
    assert response.json() == {
        "cbs_code": "GM0355",
        "name": "Zeist",
        "province": "PV26",
        "province_name": "Utrecht",
        "valid_from": None,
        "valid_until": None,
    }
    assert client.get("/api/v1/municipalities/GM0001/").status_code == 404
    assert client.get("/api/v1/municipalities/zeist/").status_code == 404


def test_organisation_endpoint_shows_a_librarys_served_municipalities(client_for, world):
    client = client_for(world["library_b"])

    data = client.get("/api/v1/organisation/").json()

    assert data["id"] == world["library_b"].pk
    assert data["kind"] == "library"
    assert data["served_municipalities"] == ["GM0344", "GM0355"]
    assert data["municipality"] is None


def test_organisation_endpoint_shows_a_municipalitys_cbs_code(client_for, world):
    organisation = MunicipalityOrganisationFactory(municipality=world["zeist"])
    client = client_for(organisation)

    data = client.get("/api/v1/organisation/").json()

    assert data["id"] == organisation.pk
    assert data["municipality"] == "GM0355"
    assert data["served_municipalities"] == []
