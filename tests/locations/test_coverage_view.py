"""The coverage page through the client: the municipal officer sees their own municipality, the national
administrator chooses one, other roles are refused; the numbers for Utrecht with one IDO at the Neude, worked out
from the CBS postcode areas; a wrong distance is explained and the default used; the map and the table."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ido.locations.models import LocationStatus
from ido.organisations.roles import Role
from tests.conftest import login_verified
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    membership_for_role,
)

pytestmark = pytest.mark.django_db

URL = reverse("locations:coverage")

# Utrecht (GM0344) has 47 postcode areas with 359,185 inhabitants. From the Neude, 8 areas lie farther than 5 km:
# Vleuten 3451, 3452, 3455; De Meern 3453, 3454; and 3543, 3545, 3546 in the west of the city.
BEYOND_5_KM = {
    "3451": 12565,
    "3452": 15160,
    "3453": 9205,
    "3454": 12895,
    "3455": 450,
    "3543": 11435,
    "3545": 1185,
    "3546": 220,
}


@pytest.fixture
def utrecht():
    return MunicipalityFactory(cbs_code="GM0344", name="Utrecht")


@pytest.fixture
def neude(utrecht):
    library = LibraryFactory(name="Bibliotheek Utrecht", served_municipalities=[utrecht])
    return LocationFactory(
        library=library,
        municipality=utrecht,
        name="IDO Neude",
        postcode="3512 JE",
        latitude=Decimal("52.0927"),
        longitude=Decimal("5.1192"),
    )


@pytest.fixture
def officer(client, utrecht):
    membership = membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=utrecht)
    )
    login_verified(client, membership.user)
    return membership


@pytest.fixture
def national(client):
    membership = membership_for_role(Role.NATIONAL_ADMIN)
    login_verified(client, membership.user)
    return membership


def beyond(report) -> dict[str, int | None]:
    return {row.pc4: row.inhabitants for row in report.rows if not row.covered}


def test_officer_sees_utrecht_with_one_ido_at_the_neude(client, officer, neude):
    response = client.get(URL)

    assert response.status_code == 200
    report = response.context["report"]
    assert response.context["municipality"] == officer.organisation.municipality
    assert report.areas_total == 47
    assert beyond(report) == BEYOND_5_KM
    assert report.inhabitants_beyond == sum(BEYOND_5_KM.values()) == 63115
    assert report.inhabitants_total == 359185
    assert report.percent_beyond == pytest.approx(17.57, abs=0.01)
    assert {row.nearest.name for row in report.rows} == {"IDO Neude"}
    # Farthest first: Vleuten's 3455 lies 9.2 km from the Neude.
    assert report.rows[0].pc4 == "3455"
    assert report.rows[0].distance_km == pytest.approx(9.17, abs=0.01)
    # Vleuten and De Meern lie close together: one place there reaches 7 of the 8 areas.
    suggestion = response.context["suggestion"]
    assert suggestion.area.pc4 == "3452"
    assert suggestion.areas_reached == ("3451", "3452", "3453", "3454", "3455", "3543", "3545")
    assert suggestion.inhabitants_reached == 63115 - 220
    html = response.content.decode()
    # The summary, in Dutch number format (the staff pages default to Dutch).
    assert "63.115" in html
    assert "359.185" in html
    assert "17,6" in html


def test_the_page_has_the_map_and_the_table(client, officer, neude):
    html = client.get(URL).content.decode()

    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' in html
    assert 'role="img"' in html
    assert html.count('class="ido-coverage-beyond"') == 8
    assert html.count('class="ido-coverage-within"') == 47 - 8
    assert html.count('class="ido-coverage-site"') == 1
    # Coordinates are written with a point, whatever the language.
    map_part = html[html.index("<svg xmlns") : html.index("</svg>")]
    assert 'cx="' in map_part
    assert "," not in map_part.split("<title>")[0]
    assert '<caption class="utrecht-table__caption" id="coverage-caption">' in html
    assert html.count('<tr class="utrecht-table__row" data-pc4=') == 47
    assert html.index('data-pc4="3455"') < html.index('data-pc4="3511"')  # farthest first


def test_officer_cannot_look_at_another_municipality(client, officer, neude):
    MunicipalityFactory(cbs_code="GM0363", name="Amsterdam")

    response = client.get(URL, {"municipality": "GM0363"})

    # The choice is ignored: the officer sees their own municipality, and the form does not offer a choice.
    assert response.status_code == 200
    assert response.context["municipality"].cbs_code == "GM0344"
    assert {row.pc4[:2] for row in response.context["report"].rows} <= {"34", "35"}
    assert "municipality" not in response.context["form"].fields


def test_national_administrator_chooses_a_municipality(client, national, neude):
    first = client.get(URL)
    assert first.status_code == 200
    assert first.context["municipality"] is None
    assert "report" not in first.context
    assert "municipality" in first.context["form"].fields

    chosen = client.get(URL, {"municipality": "GM0344", "distance": "5"})
    assert chosen.status_code == 200
    assert chosen.context["municipality"].cbs_code == "GM0344"
    assert beyond(chosen.context["report"]) == BEYOND_5_KM


def test_an_unknown_municipality_is_a_form_error_not_a_crash(client, national):
    response = client.get(URL, {"municipality": "GM9998"})

    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    assert "report" not in response.context


@pytest.mark.parametrize("distance", ["abc", "0", "31", "2.55", "-3", "nan", "1e9"])
def test_a_wrong_distance_is_explained_and_the_default_used(client, officer, neude, distance):
    response = client.get(URL, {"distance": distance})

    assert response.status_code == 200
    assert "distance" in response.context["form"].errors
    assert 'id="id_distance_error"' in response.content.decode()
    assert response.context["report"].threshold_km == 5.0
    assert beyond(response.context["report"]) == BEYOND_5_KM


@pytest.mark.parametrize("distance", ["8", "8.0", "8,0"])
def test_a_chosen_distance_is_used(client, officer, neude, distance):
    response = client.get(URL, {"distance": distance})

    assert not response.context["form"].errors
    # Within 8 km of the Neude; beyond it only 3455 (9.2 km).
    assert response.context["report"].threshold_km == 8.0
    assert beyond(response.context["report"]) == {"3455": 450}


def test_an_ido_in_a_neighbouring_municipality_counts_too(client, officer, neude):
    woerden = MunicipalityFactory(cbs_code="GM0632", name="Woerden")
    LocationFactory(
        library=LibraryFactory(served_municipalities=[woerden]),
        municipality=woerden,
        name="IDO over de grens",
        latitude=Decimal("52.0950"),
        longitude=Decimal("4.9900"),
    )

    report = client.get(URL).context["report"]

    # Just west of Vleuten, in Woerden: Vleuten, De Meern and 3543 lie within 3.8 km of it; 3545 (5.6 km) and
    # 3546 (6.5 km) stay beyond.
    assert beyond(report) == {"3545": 1185, "3546": 220}
    assert next(row for row in report.rows if row.pc4 == "3452").nearest.name == "IDO over de grens"


def test_only_open_locations_of_active_libraries_count(client, officer, neude, utrecht):
    vleuten = {"latitude": Decimal("52.0938"), "longitude": Decimal("5.0077"), "municipality": utrecht}
    LocationFactory(library=neude.library, status=LocationStatus.PLANNED, name="Gepland", **vleuten)
    LocationFactory(library=neude.library, status=LocationStatus.CLOSED, name="Gesloten", **vleuten)
    LocationFactory(library=LibraryFactory(is_active=False, served_municipalities=[utrecht]), name="Uit", **vleuten)

    report = client.get(URL).context["report"]

    assert beyond(report) == BEYOND_5_KM


def test_a_location_without_coordinates_counts_at_its_postcode_area(client, officer, utrecht):
    library = LibraryFactory(served_municipalities=[utrecht])
    LocationFactory(library=library, municipality=utrecht, name="Vleuten", postcode="3452 AB")

    report = client.get(URL).context["report"]

    vleuten = next(row for row in report.rows if row.pc4 == "3452")
    assert vleuten.nearest.name == "Vleuten"
    assert vleuten.distance_km == pytest.approx(0.0)


def test_without_any_open_ido_every_area_is_beyond(client, officer):
    response = client.get(URL)

    report = response.context["report"]
    assert response.status_code == 200
    assert not response.context["has_sites"]
    assert report.areas_beyond == 47
    assert all(row.distance_km is None for row in report.rows)
    assert 'class="ido-coverage-site"' not in response.content.decode()


def test_a_municipality_without_postcode_areas_says_so(client, national):
    MunicipalityFactory(cbs_code="GM2999", name="Nergenshuizen")

    response = client.get(URL, {"municipality": "GM2999"})

    assert response.status_code == 200
    assert response.context["report"].areas_total == 0
    assert response.context["plot"] is None


@pytest.mark.parametrize("role", [Role.DESK, Role.COORDINATOR, Role.PARTNER_STAFF])
def test_other_roles_are_refused(client, role):
    login_verified(client, membership_for_role(role).user)

    assert client.get(URL).status_code == 403


def test_anonymous_goes_to_the_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_the_locations_list_links_to_coverage_for_the_officer_only(client, officer):
    assert URL in client.get(reverse("locations:list")).content.decode()

    login_verified(client, membership_for_role(Role.COORDINATOR).user)
    assert URL not in client.get(reverse("locations:list")).content.decode()


def test_the_page_needs_few_queries(client, officer, neude, django_assert_max_num_queries):
    for number in range(5):
        LocationFactory(library=neude.library, municipality=neude.municipality, name=f"IDO {number}")

    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200
