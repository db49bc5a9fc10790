"""Importing the regulation's annex: all or nothing, with every bad row reported, and the same file twice changes
nothing."""

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from ido.funding import annex, services
from ido.funding.models import Allocation
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(utrecht):
    return (
        utrecht,
        MunicipalityFactory(cbs_code="GM0307", name="Amersfoort"),
        MunicipalityFactory(cbs_code="GM0356", name="Nieuwegein"),
    )


def csv_file(*rows: str) -> bytes:
    return ("gemeente;bedrag;inwoners;laag_opgeleid\n" + "\n".join(rows) + "\n").encode()


def test_a_good_annex_is_imported_and_importing_it_again_changes_nothing(national, scheme, places):
    content = csv_file("GM0344;355.776;374238;64512", "Amersfoort;€ 131.402,00;;", "356;52017;;")
    first = annex.import_annex(actor=national, scheme=scheme, content=content)
    assert first.ok and (first.created, first.updated, first.unchanged) == (3, 0, 0)
    amounts = dict(Allocation.objects.values_list("municipality__name", "annex_amount"))
    assert amounts == {"Utrecht": D("355776.00"), "Amersfoort": D("131402.00"), "Nieuwegein": D("52017.00")}
    assert Allocation.objects.get(municipality__name="Utrecht").computed_amount == D("355776.00")
    again = annex.import_annex(actor=national, scheme=scheme, content=content)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = annex.import_annex(actor=national, scheme=scheme, content=csv_file("GM0344;355.000;;"))
    assert (changed.updated, Allocation.objects.get(municipality__name="Utrecht").annex_amount) == (1, D("355000.00"))


def test_bad_rows_are_all_reported_and_nothing_is_written(national, scheme, places):
    content = csv_file(
        "GM0344;1000;;",
        "Atlantis;1000;;",
        "GM0307;-5;;",
        "GM0344;2000;;",
        "GM0356;veel;;",
        "GM0356;10,005;;",
    )
    with translation.override("en"):
        result = annex.import_annex(actor=national, scheme=scheme, content=content)
    assert not result.ok
    assert [problem.row_number for problem in result.problems] == [3, 4, 5, 6, 7]
    assert "Unknown municipality" in result.problems[0].message
    assert "negative" in result.problems[1].message
    assert "row 2" in result.problems[2].message
    assert not Allocation.objects.exists()


def test_an_xlsx_annex_is_read_too(national, scheme, places):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Gemeente", "Bedrag"])
    sheet.append(["Utrecht", 355776])
    sheet.append(["GM0307", 131402.5])
    buffer = io.BytesIO()
    book.save(buffer)
    result = annex.import_annex(actor=national, scheme=scheme, content=buffer.getvalue())
    assert result.ok and result.created == 2
    assert Allocation.objects.get(municipality__name="Amersfoort").annex_amount == D("131402.50")


def test_a_municipality_that_closed_its_year_must_reopen_it_first(national, officer, scheme, allocation, utrecht):
    services.close_year(actor=officer, municipality=utrecht, year=2026)
    result = annex.import_annex(actor=national, scheme=scheme, content=csv_file("GM0344;120000;;"))
    assert not result.ok and result.problems[0].row_number == 2
    assert Allocation.objects.get().annex_amount == D("100000.00")
    same = annex.import_annex(actor=national, scheme=scheme, content=csv_file("GM0344;100000;;"))
    assert same.ok and same.unchanged == 1  # nothing to change is fine


def test_only_national_administrators_import_the_annex(officer, scheme, places):
    with pytest.raises(PermissionDenied):
        annex.import_annex(actor=officer, scheme=scheme, content=csv_file("GM0344;1000;;"))


def test_amounts_are_read_strictly_and_inhabitants_must_add_up(national, scheme, places):
    content = csv_file("GM0344;1.2.3;;", "GM0307;100000;100;200", "GM0356;1234567890123;;")
    result = annex.import_annex(actor=national, scheme=scheme, content=content)
    assert [problem.row_number for problem in result.problems] == [2, 3, 4]
    assert not Allocation.objects.exists()
