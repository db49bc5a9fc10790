"""Funding in the browser: the municipal officer records spending, sees the forecast for the year's end change,
and exports the account (XLSX read back). axe-core on every page."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.factories import LibraryFactory, MunicipalityFactory, MunicipalityOrganisationFactory, membership_for_role

from ido.funding import services
from ido.funding.models import Expenditure
from ido.organisations.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_officer_records_spending_sees_the_forecast_change_and_exports_the_account(checked_page):
    year = timezone.localdate().year
    utrecht = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
    officer = membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=utrecht)
    )
    LibraryFactory(name="Bibliotheek Utrecht", served_municipalities=[utrecht])
    national = membership_for_role(Role.NATIONAL_ADMIN)
    scheme = services.save_scheme(
        actor=national,
        data=services.SchemeInput(
            year=year,
            name="Specifieke uitkering IDO",
            rate_per_inhabitant=Decimal("0.83"),
            rate_per_low_educated=Decimal("0.70"),
        ),
    )
    services.set_allocation(actor=national, scheme=scheme, municipality=utrecht, annex_amount=Decimal("100000"))
    page = checked_page.page

    checked_page.log_in_as(officer.user)
    checked_page.goto("/app/funding/")
    page.get_by_role("link", name=str(year), exact=True).first.click()
    checked_page.check()
    forecast = page.locator("section[aria-labelledby=forecast-heading]")
    before = forecast.inner_text()
    assert "100.000,00" in before  # nothing spent yet: all of it unspent

    # A payment to the library, with the purpose as a radio group and a Dutch amount.
    page.locator("[name=spend-purpose][value=library]").check()
    page.locator("[name=spend-stage][value=paid]").check()
    page.locator("[name=spend-date]").fill(date(year, 1, 15).isoformat())
    page.locator("[name=spend-amount]").fill("40.000,00")
    page.locator("[name=spend-description]").fill("Subsidie bibliotheek, eerste termijn")
    page.locator("form:has([name=spend-amount]) button[type=submit]").click()
    checked_page.check()
    line = Expenditure.objects.get()
    assert (line.amount, line.purpose, line.stage) == (Decimal("40000.00"), "library", "paid")
    after = forecast.inner_text()
    assert after != before  # the forecast for the year's end moved with the spending
    expect(page.locator("main")).to_contain_text("40.000,00")

    # The account as a workbook, read back.
    href = page.locator(f"a[href$='/{year}/account.xlsx']").get_attribute("href")
    response = page.request.get(checked_page.base_url + href)
    assert response.status == 200
    book = openpyxl.load_workbook(io.BytesIO(response.body()))
    values = [cell for row in book.active.iter_rows(values_only=True) for cell in row if cell is not None]
    assert 40000 in values or Decimal("40000") in values or 40000.0 in values
