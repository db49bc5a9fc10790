"""Each role's home screen shows that role's figures, with a bounded number of queries."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from ido.locations.models import LocationStatus
from ido.organisations.roles import Role
from tests.factories import LibraryFactory, LocationFactory, MunicipalityFactory, OpeningHoursFactory

pytestmark = pytest.mark.django_db


def test_national_overview_counts_municipalities_with_an_open_location_per_province(client, as_role):
    covered = MunicipalityFactory(province="PV26")
    MunicipalityFactory(province="PV26")
    MunicipalityFactory(province="PV31")
    library = LibraryFactory(served_municipalities=[covered])
    LocationFactory(library=library, municipality=covered, status=LocationStatus.OPEN)
    LocationFactory(library=library, municipality=covered, status=LocationStatus.OPEN)
    as_role(Role.NATIONAL_ADMIN)
    response = client.get(reverse("dashboard:national"))
    provinces = {row["label"]: row for row in response.context["provinces"]}
    assert provinces["Utrecht"] == {"label": "Utrecht", "total": 2, "covered": 1, "uncovered": 1}
    assert provinces["Limburg"]["covered"] == 0
    assert response.context["covered_count"] == 1


def test_coordinator_home_lists_own_locations_with_few_queries(client, as_role, django_assert_max_num_queries):
    coordinator = as_role(Role.COORDINATOR)
    for _ in range(5):
        OpeningHoursFactory(location=LocationFactory(library=coordinator.organisation))
    LocationFactory()  # another library's
    with django_assert_max_num_queries(15):
        response = client.get(reverse("dashboard:coordinator"))
    assert len(response.context["rows"]) == 5


def test_pages_are_dutch_even_for_an_english_browser(client, as_role):
    as_role(Role.DESK)
    response = client.get(reverse("dashboard:desk"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "nl"
    assert '<html lang="nl"' in response.content.decode()


def test_chosen_language_is_kept(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get("/")
    assert '<html lang="en"' in response.content.decode()


def test_municipality_list_filters_by_province_and_by_missing_location(client, as_role, django_assert_max_num_queries):
    covered = MunicipalityFactory(name="Gedekt", province="PV26")
    MunicipalityFactory(name="Leeg", province="PV26")
    MunicipalityFactory(name="Ver weg", province="PV31")
    LocationFactory(library=LibraryFactory(served_municipalities=[covered]), municipality=covered)
    as_role(Role.NATIONAL_ADMIN)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("organisations:municipalities"), {"province": "PV26"})
    assert [m.name for m in response.context["municipalities"]] == ["Gedekt", "Leeg"]
    response = client.get(reverse("organisations:municipalities"), {"province": "PV26", "without_open_location": "on"})
    assert [m.name for m in response.context["municipalities"]] == ["Leeg"]
    response = client.get(reverse("organisations:municipalities"), {"q": "gm9999"})
    assert list(response.context["municipalities"]) == []
    response = client.get(reverse("organisations:municipalities"), {"province": "PV99"})
    assert response.status_code == 200
    assert response.context["form"].errors["province"]


def test_municipality_search_answers_htmx_with_the_results_only(client, as_role):
    MunicipalityFactory(name="Utrecht")
    as_role(Role.NATIONAL_ADMIN)
    response = client.get(reverse("organisations:municipalities"), {"q": "utr"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Utrecht" in body
    assert "<html" not in body


def test_days_inside_sentences_are_lowercase_and_day_labels_capitalised(client, as_role):
    wednesday_noon = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    with time_machine.travel(wednesday_noon, tick=False):
        coordinator = as_role(Role.COORDINATOR)
        location = LocationFactory(library=coordinator.organisation)
        OpeningHoursFactory(location=location, weekday=0)
        body = client.get(reverse("locations:detail", kwargs={"pk": location.pk})).content.decode()
    assert ">Maandag<" in body  # the row of the week table
    assert "weer open op maandag 7 december vanaf 10:00" in body
