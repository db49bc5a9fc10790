"""The coordinator's figures per period and location, and the same figures as CSV and XLSX read back."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ido.organisations.roles import Role
from tests.factories import LocationFactory, VisitFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def library_with_visits(as_role):
    coordinator = as_role(Role.COORDINATOR)
    centre = LocationFactory(library=coordinator.organisation, name="Centrum")
    north = LocationFactory(library=coordinator.organisation, name="Noord")
    in_march = datetime(2026, 3, 10, 11, tzinfo=AMSTERDAM)
    VisitFactory(location=centre, occurred_at=in_march, questions=[("digid", "explained"), ("taxes", "explained")])
    VisitFactory(location=centre, occurred_at=in_march, questions=[("digid", "referred-course")])
    VisitFactory(location=north, occurred_at=in_march, channel="phone")
    VisitFactory(location=north, occurred_at=datetime(2026, 5, 1, 11, tzinfo=AMSTERDAM))  # outside the period
    VisitFactory(occurred_at=in_march)  # another library
    # The last day of the period counts as a whole local day.
    VisitFactory(location=centre, occurred_at=datetime(2026, 3, 31, 23, 30, tzinfo=AMSTERDAM))
    return coordinator, centre


PERIOD = {"start": "2026-03-01", "end": "2026-03-31"}


def test_overview_counts_the_librarys_questions_in_the_period(client, library_with_visits):
    response = client.get(reverse("registrations:overview"), PERIOD)
    overview = response.context["overview"]
    assert overview.visits == 4
    assert overview.questions == 5
    assert {row.label: row.count for row in overview.by_location} == {"Centrum": 4, "Noord": 1}
    assert {row.label: row.count for row in overview.by_channel} == {"Binnengelopen": 3, "Telefoon": 1}
    assert overview.by_topic[0].label.startswith("DigiD")
    assert overview.by_topic[0].count == 4


def test_overview_for_one_location(client, library_with_visits):
    _coordinator, centre = library_with_visits
    response = client.get(reverse("registrations:overview"), {**PERIOD, "location": centre.pk})
    assert response.context["overview"].visits == 3


def test_end_before_start_is_refused(client, library_with_visits):
    response = client.get(reverse("registrations:overview"), {"start": "2026-03-31", "end": "2026-03-01"})
    assert response.context["overview"] is None
    assert response.context["form"].errors["end"]


def test_csv_export_reads_back(client, library_with_visits):
    response = client.get(reverse("registrations:overview_csv"), PERIOD)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Uitsplitsing", "Waarde", "Aantal"]
    assert ["Totaal", "Vragen", "5"] in rows
    assert ["Locatie", "Noord", "1"] in rows


def test_xlsx_export_reads_back(client, library_with_visits):
    response = client.get(reverse("registrations:overview_xlsx"), PERIOD)
    book = load_workbook(io.BytesIO(response.content))
    summary = book.worksheets[0]
    assert summary["B2"].value == 4
    assert summary["B3"].value == 5
    locations = book["Locatie"]
    assert {locations.cell(row=r, column=1).value: locations.cell(row=r, column=2).value for r in (2, 3)} == {
        "Centrum": 4,
        "Noord": 1,
    }


def test_overview_keeps_a_fixed_number_of_queries(client, library_with_visits, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        client.get(reverse("registrations:overview"), PERIOD)


def test_kb_layout_export_counts_through_the_mapping(client, library_with_visits):
    response = client.get(reverse("registrations:overview_csv"), {**PERIOD, "layout": "kb"})
    assert "kb" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["KB: type vraag", "DigiD", "4"] in rows
    assert ["KB: type vraag", "Belastingen en toeslagen", "1"] in rows
    assert ["KB: geboden hulp", "Ter plekke geholpen", "4"] in rows
    assert ["KB: geboden hulp", "Verwezen naar een cursus", "1"] in rows
    assert ["KB: organisatie", "Geen of onbekend", "5"] in rows
    # Our own terms are not in the KB layout.
    assert not any(row[0] == "Onderwerp" for row in rows)

    book = load_workbook(
        io.BytesIO(client.get(reverse("registrations:overview_xlsx"), {**PERIOD, "layout": "kb"}).content)
    )
    sheet = book["KB - type vraag"]
    assert {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in (2, 3)} == {
        "DigiD": 4,
        "Belastingen en toeslagen": 1,
    }


def test_a_term_without_kb_category_shows_as_not_mapped(client, library_with_visits):
    from ido.registrations.models import Topic

    Topic.objects.filter(code="taxes").update(kb_category=None)
    overview = client.get(reverse("registrations:overview"), PERIOD).context["overview"]
    assert {row.label: row.count for row in overview.kb_topic} == {"DigiD": 4, "Niet gekoppeld": 1}
    assert {row.label: row.count for row in overview.by_layer} == {"Geen of onbekend": 5}
