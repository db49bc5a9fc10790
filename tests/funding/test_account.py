"""The year's account as files: the officer downloads CSV, XLSX and PDF, read back here for an open year (figures
as they are now, the reserve provisional) and a closed year (exactly its snapshot)."""

import csv
import io
from datetime import date
from decimal import Decimal as D

import openpyxl
import pypdf
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from ido.funding import national_services, services
from ido.funding.models import YearAccount
from ido.organisations.roles import Role
from tests.conftest import login_verified
from tests.factories import LibraryFactory, MunicipalityFactory, MunicipalityOrganisationFactory, membership_for_role
from tests.funding.conftest import make_scheme

pytestmark = pytest.mark.django_db

CODES = {"spent": "IDO-A1", "reserve_built": "IDO-A2", "reserve_used": "", "final": "IDO-A4"}


def spend(officer, amount, *, on=date(2026, 5, 1), purpose="library", stage="paid"):
    return services.record_expenditure(
        actor=officer,
        municipality=officer.organisation.municipality,
        data=services.ExpenditureInput(
            year=on.year, purpose=purpose, stage=stage, date=on, amount=D(amount), description="Subsidie IDO"
        ),
    )


@pytest.fixture
def open_year(national, officer, scheme, allocation):
    """2026: 100,000 allocated; 50,000 paid to the library, 10,000 paid for promotion, 5,000 committed."""
    national_services.set_sisa_indicators(actor=national, scheme=scheme, indicators=CODES)
    spend(officer, "50000")
    spend(officer, "10000", purpose="promotion")
    spend(officer, "5000", purpose="network", stage="committed")
    return 2026


@pytest.fixture
def closed_year(national, officer, utrecht):
    """2025: 80,000 allocated, 70,000 spent, closed keeping 8,000 of the 10,000 it could keep, final."""
    scheme = make_scheme(national, year=2025)
    national_services.set_sisa_indicators(actor=national, scheme=scheme, indicators=CODES)
    services.set_allocation(actor=national, scheme=scheme, municipality=utrecht, annex_amount=D("80000"))
    spend(officer, "60000", on=date(2025, 3, 1))
    spend(officer, "10000", on=date(2025, 9, 1), purpose="network")
    services.close_year(
        actor=officer, municipality=utrecht, year=2025, reserved=D("8000"), final=True, submitted_on=date(2026, 7, 1)
    )
    return 2025


def csv_rows(response) -> dict[str, list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf"), "a byte order mark, so Excel reads UTF-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    return {row[0]: row for row in rows[1:]}


def amount(text: str) -> D:
    return D(text.replace(",", "."))


def xlsx_rows(response) -> dict:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return {row[0].value: row for row in sheet.iter_rows(min_row=2)}


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages).split())


def test_the_csv_of_an_open_year_has_the_figures_of_now_with_the_reserve_provisional(client, officer, open_year):
    login_verified(client, officer.user)
    response = client.get(reverse("funding:account_csv", kwargs={"year": open_year}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and "GM0344-2026.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows["cbs_code"][3] == "GM0344" and rows["year"][3] == "2026"
    assert amount(rows["allocation"][3]) == D("100000.00")
    assert rows["spent"][1:4:2] == ["IDO-A1", "60000,00"]  # decimal comma, no thousands separator
    assert amount(rows["spent.library"][3]) == D("50000")
    assert amount(rows["spent.promotion"][3]) == D("10000")
    assert amount(rows["spent.network"][3]) == D("0")  # committed is not spent
    assert amount(rows["committed"][3]) == D("5000")
    assert (rows["reserve_built"][1], amount(rows["reserve_built"][3])) == ("IDO-A2", D("25000"))
    assert rows["reserve_built"][4], "the reserve of an open year is provisional"
    with translation.override("nl"):
        assert rows["reserve_used"][1] == gettext("not set")
        assert rows["final"][1:4:2] == ["IDO-A4", "Nee"]
    assert amount(rows["lost"][3]) == D("15000")


def test_the_csv_of_a_closed_year_is_exactly_its_snapshot(client, national, officer, closed_year, utrecht):
    # A later change to the scheme's rules does not change an account that was closed.
    make_scheme(national, year=2025, reserve_cap_percent=D("5"))
    login_verified(client, officer.user)
    rows = csv_rows(client.get(reverse("funding:account_csv", kwargs={"year": closed_year})))
    figures = YearAccount.objects.get(municipality=utrecht, year=2025).figures
    for key in (
        "allocation",
        "reserve_in",
        "spent",
        "reserve_used",
        "reserve_lapsed",
        "lost",
        "overspent",
        "committed",
    ):
        assert amount(rows[key][3]) == D(figures[key]), key
    for purpose, paid in figures["by_purpose"].items():
        assert amount(rows[f"spent.{purpose}"][3]) == D(paid)
    assert amount(rows["reserve_built"][3]) == D("8000") and not rows["reserve_built"][4]
    assert amount(rows["lost"][3]) == D("2000")  # the 2,000 it could have kept but did not
    assert rows["final"][3] == "Ja"


def test_the_next_year_carries_in_the_closed_reserve_as_final(client, officer, closed_year, open_year):
    login_verified(client, officer.user)
    rows = csv_rows(client.get(reverse("funding:account_csv", kwargs={"year": 2026})))
    assert amount(rows["reserve_in"][3]) == D("8000") and not rows["reserve_in"][4]
    assert amount(rows["reserve_used"][3]) == D("8000")  # the reserve carried in is spent first
    assert amount(rows["reserve_built"][3]) == D("25000")  # 52,000 of the allocation spent: 48,000 unspent, cap 25,000


def test_the_xlsx_has_numbers_in_euros_for_an_open_and_a_closed_year(client, officer, open_year, closed_year):
    login_verified(client, officer.user)
    opened = xlsx_rows(client.get(reverse("funding:account_xlsx", kwargs={"year": open_year})))
    assert opened["allocation"][3].value == 100000 and "€" in opened["allocation"][3].number_format
    assert opened["spent"][3].value == 60000 and opened["spent"][1].value == "IDO-A1"
    assert opened["reserve_built"][3].value == 25000  # the cap: 25% of 100,000
    assert opened["reserve_in"][3].value == 8000
    assert opened["year"][3].value == 2026
    closed = xlsx_rows(client.get(reverse("funding:account_xlsx", kwargs={"year": closed_year})))
    assert closed["spent"][3].value == 70000
    assert closed["spent.network"][3].value == 10000
    assert closed["reserve_built"][3].value == 8000
    assert closed["final"][3].value == "Ja"


def test_an_amount_with_cents_stays_exact_in_the_xlsx(client, officer, scheme, allocation):
    spend(officer, "1234.56")
    login_verified(client, officer.user)
    rows = xlsx_rows(client.get(reverse("funding:account_xlsx", kwargs={"year": 2026})))
    assert D(str(rows["spent"][3].value)) == D("1234.56")


def test_the_pdf_for_the_council_shows_the_key_figures(client, officer, open_year):
    login_verified(client, officer.user)
    response = client.get(reverse("funding:account_pdf", kwargs={"year": open_year}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for figure in ("Utrecht", "GM0344", "2026", "100.000,00", "60.000,00", "50.000,00", "10.000,00", "25.000,00"):
        assert figure in text, figure
    assert "IDO-A1" in text


def test_the_pdf_of_a_closed_year_shows_what_was_kept_and_lost(client, officer, closed_year):
    login_verified(client, officer.user)
    text = pdf_text(client.get(reverse("funding:account_pdf", kwargs={"year": closed_year})).content)
    for figure in ("80.000,00", "70.000,00", "8.000,00", "2.000,00"):
        assert figure in text, figure


@pytest.mark.parametrize("name", ["funding:account_csv", "funding:account_xlsx", "funding:account_pdf"])
def test_a_national_administrator_and_a_library_get_no_spending_details(client, national, open_year, name):
    url = reverse(name, kwargs={"year": open_year})
    for member in (national, membership_for_role(Role.COORDINATOR)):
        login_verified(client, member.user)
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_another_municipality_exports_only_its_own_account(client, open_year):
    zeist = MunicipalityFactory(cbs_code="GM0355", name="Zeist")
    LibraryFactory(served_municipalities=[zeist])
    other = membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=zeist)
    )
    login_verified(client, other.user)
    rows = csv_rows(client.get(reverse("funding:account_csv", kwargs={"year": open_year})))
    assert rows["cbs_code"][3] == "GM0355"
    assert amount(rows["spent"][3]) == D("0") and amount(rows["allocation"][3]) == D("0")


def test_a_year_without_a_grant_has_no_account(client, officer, open_year):
    login_verified(client, officer.user)
    assert client.get(reverse("funding:account_csv", kwargs={"year": 2019})).status_code == 404
