"""The national administrator's funding pages through the client: schemes, all allocations of a year, the annex
import, and one allocation with its corrections and advances (also for the municipality's own officer)."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ido.core.models import AuditEvent
from ido.funding import services
from ido.funding.models import AdvancePayment, Allocation, AllocationCorrection, FundingScheme, YearAccount
from ido.organisations.models import Municipality
from ido.organisations.roles import Role
from tests.conftest import login_verified
from tests.factories import MunicipalityFactory, MunicipalityOrganisationFactory, membership_for_role
from tests.funding.conftest import make_scheme

pytestmark = pytest.mark.django_db

MATRIX_YEAR = 2026


# --- Helpers for the permission matrix (imported there inside its lambdas) --------------------------------------


def matrix_scheme_year() -> int:
    """A scheme to open in the matrix world (made once per world)."""
    FundingScheme.objects.get_or_create(
        year=MATRIX_YEAR,
        defaults={
            "name": "Specifieke uitkering IDO",
            "rate_per_inhabitant": D("0.83"),
            "rate_per_low_educated": D("0.70"),
        },
    )
    return MATRIX_YEAR


def matrix_foreign_municipality() -> str:
    """Another municipality than the matrix officer's (Utrecht): its allocation page is not the officer's."""
    matrix_scheme_year()
    if not Municipality.objects.filter(cbs_code="GM0307").exists():
        MunicipalityFactory(cbs_code="GM0307", name="Amersfoort")
    return "GM0307"


# --- Makers ------------------------------------------------------------------------------------------------------


@pytest.fixture
def as_national(client, national):
    login_verified(client, national.user)
    return client


@pytest.fixture
def as_officer(client, officer):
    login_verified(client, officer.user)
    return client


def scheme_data(**fields) -> dict:
    data = {
        "year": "2027",
        "name": "Specifieke uitkering IDO",
        "legal_reference": "Stcrt. 2022, 33992",
        "rate_per_inhabitant": "0,83",
        "rate_per_low_educated": "0.70",
        "advance_percent": "100",
        "reserve_cap_percent": "25",
        "carry_over_rule": "reserve_first",
        "accounting_deadline": "2028-07-15",
        "sisa_spent": "H4A_1",
        "sisa_reserve_built": "H4A_2",
        "sisa_reserve_used": "H4A_3",
        "sisa_final": "H4A_4",
    }
    return {**data, **fields}


def allocation_url(year, code) -> str:
    return reverse("funding:allocation", kwargs={"year": year, "cbs_code": code})


def annex_csv(*rows: str) -> io.BytesIO:
    upload = io.BytesIO(("gemeente;bedrag;inwoners;laag_opgeleid\n" + "\n".join(rows) + "\n").encode())
    upload.name = "bijlage.csv"
    return upload


@pytest.fixture
def places(utrecht):
    return (
        utrecht,
        MunicipalityFactory(cbs_code="GM0307", name="Amersfoort"),
        MunicipalityFactory(cbs_code="GM0356", name="Nieuwegein"),
    )


# --- Schemes -----------------------------------------------------------------------------------------------------


def test_national_administrator_adds_a_scheme_with_its_sisa_codes(as_national):
    response = as_national.post(reverse("funding:scheme_new"), scheme_data())
    assert response.status_code == 302
    scheme = FundingScheme.objects.get(year=2027)
    assert (scheme.rate_per_inhabitant, scheme.rate_per_low_educated) == (D("0.83"), D("0.70"))
    assert scheme.accounting_deadline == date(2028, 7, 15)
    assert scheme.sisa_indicators == {
        "spent": "H4A_1",
        "reserve_built": "H4A_2",
        "reserve_used": "H4A_3",
        "final": "H4A_4",
    }
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"funding.scheme.created", "funding.scheme.indicators_set"} <= actions


def test_the_new_scheme_form_proposes_the_next_year_from_the_latest(as_national, scheme):
    response = as_national.get(reverse("funding:scheme_new"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["year"] == 2027 and form.initial["accounting_deadline"] == date(2028, 7, 15)


def test_a_second_scheme_for_the_same_year_is_refused(as_national, scheme):
    response = as_national.post(reverse("funding:scheme_new"), scheme_data(year="2026", name="Dubbel"))
    assert response.status_code == 200
    assert "year" in response.context["form"].errors
    assert FundingScheme.objects.get(year=2026).name == "Specifieke uitkering IDO"


def test_changing_a_scheme_keeps_its_year_and_sets_the_codes(as_national, scheme):
    url = reverse("funding:scheme", kwargs={"year": 2026})
    page = as_national.get(url)
    assert page.status_code == 200 and page.context["form"].initial["rate_per_inhabitant"] == D("0.83")
    data = scheme_data(year="2030", rate_per_inhabitant="0,90", carry_over_rule="allocation_first", sisa_final="")
    response = as_national.post(url, data)
    assert response.status_code == 302
    scheme.refresh_from_db()
    assert scheme.year == 2026 and not FundingScheme.objects.filter(year=2030).exists()
    assert (scheme.rate_per_inhabitant, scheme.carry_over_rule) == (D("0.90"), "allocation_first")
    assert scheme.sisa_indicators["spent"] == "H4A_1" and scheme.sisa_indicators["final"] == ""


@pytest.mark.parametrize(
    "field, value",
    [
        ("reserve_cap_percent", "150"),
        ("advance_percent", "-1"),
        ("rate_per_inhabitant", "0,83456"),
        ("rate_per_inhabitant", "-0,83"),
        ("carry_over_rule", "keep_everything"),
        ("sisa_spent", "H4 A1"),
    ],
)
def test_a_scheme_with_a_bad_value_is_refused_and_nothing_changes(as_national, scheme, field, value):
    response = as_national.post(reverse("funding:scheme", kwargs={"year": 2026}), scheme_data(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors
    scheme.refresh_from_db()
    assert (scheme.rate_per_inhabitant, scheme.reserve_cap_percent, scheme.advance_percent) == (
        D("0.83"),
        D("25"),
        D("100"),
    )
    assert scheme.carry_over_rule == "reserve_first" and scheme.sisa_indicators["spent"] == ""


@pytest.mark.parametrize("field, value", [("sisa_final", "ja/nee?"), ("year", "1999"), ("rate_per_inhabitant", "")])
def test_a_bad_new_scheme_is_refused_and_writes_nothing(as_national, field, value):
    response = as_national.post(reverse("funding:scheme_new"), scheme_data(**{field: value}))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not FundingScheme.objects.exists()


def test_an_unknown_scheme_year_is_not_found(as_national):
    assert as_national.get(reverse("funding:scheme", kwargs={"year": 2031})).status_code == 404


# --- All allocations of a year -----------------------------------------------------------------------------------


def _allocate(national, scheme, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        municipality = MunicipalityFactory(cbs_code=f"GM{9000 + number:04d}", name=f"Gemeente {number:03d}")
        allocation = services.set_allocation(
            actor=national,
            scheme=scheme,
            municipality=municipality,
            annex_amount=D("1000"),
            inhabitants=1000,
            low_educated=100,
        )
        services.add_correction(actor=national, allocation=allocation, on=date(2026, 3, 1), amount="10", reason="x")
        services.add_correction(actor=national, allocation=allocation, on=date(2026, 4, 1), amount="5", reason="y")
        services.record_advance(actor=national, allocation=allocation, paid_on=date(2026, 1, 15), amount="1000")
        YearAccount.objects.create(
            municipality=municipality,
            year=2026,
            closed_at=datetime(2027, 3, 1, tzinfo=UTC),
            final=True,
            submitted_on=date(2027, 7, 1),
        )


def test_allocations_of_the_year_with_totals_in_a_fixed_number_of_queries(as_national, national, scheme):
    url = reverse("funding:allocations")
    _allocate(national, scheme, 3)
    with CaptureQueriesContext(connection) as few:
        response = as_national.get(url)
    assert response.status_code == 200
    assert response.context["scheme"] == scheme and len(response.context["rows"]) == 3
    totals = response.context["totals"]
    # 1000 × 0.83 + 100 × 0.70 = 900 computed; the annex says 1000; +15 corrections each
    assert (totals.annex, totals.computed, totals.difference) == (D("3000.00"), D("2700.00"), D("300.00"))
    assert (totals.corrections, totals.allocated, totals.advances) == (D("45.00"), D("3045.00"), D("3000.00"))
    assert (totals.inhabitants, totals.low_educated) == (3000, 300)
    row = response.context["rows"][0]
    allocation, account = row.allocation, row.account
    assert row.allocated == D("1015.00")
    assert allocation.corrections_total == D("15.00") and allocation.advances_total == D("1000.00")
    assert account.is_closed and account.final and account.submitted_on == date(2027, 7, 1)

    _allocate(national, scheme, 40, start=3)
    with CaptureQueriesContext(connection) as many:
        response = as_national.get(url)
    assert len(response.context["rows"]) == 43
    assert len(many) == len(few)
    assert len(many) <= 12


def test_allocations_show_the_chosen_year_and_by_default_the_latest(as_national, national, scheme, allocation):
    earlier = make_scheme(national, year=2025)
    latest = as_national.get(reverse("funding:allocations"))
    assert latest.context["scheme"] == scheme and len(latest.context["rows"]) == 1
    chosen = as_national.get(reverse("funding:allocations"), {"year": "2025"})
    assert chosen.context["scheme"] == earlier and chosen.context["rows"] == []
    assert [s.year for s in chosen.context["schemes"]] == [2026, 2025]


def test_allocations_page_without_any_scheme_says_so(as_national):
    response = as_national.get(reverse("funding:allocations"))
    assert response.status_code == 200 and response.context["scheme"] is None


def test_the_account_status_shows_no_spending_figures(as_national, national, scheme, allocation, utrecht):
    YearAccount.objects.create(
        municipality=utrecht,
        year=2026,
        closed_at=datetime(2027, 2, 1, tzinfo=UTC),
        figures={"spent": "98765.43"},
        reserved=D("1234.56"),
    )
    response = as_national.get(reverse("funding:allocations"))
    assert b"98765" not in response.content and b"98.765" not in response.content
    assert b"1.234,56" not in response.content


# --- The annex ---------------------------------------------------------------------------------------------------


def test_importing_a_good_annex_and_importing_it_again_changes_nothing(as_national, scheme, places):
    url = reverse("funding:annex_import", kwargs={"year": 2026})
    rows = ("GM0344;355.776;374238;64512", "Amersfoort;€ 131.402,00;;", "356;52017;;")
    first = as_national.post(url, {"file": annex_csv(*rows)})
    assert first.status_code == 200
    result = first.context["result"]
    assert result.ok and (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert Allocation.objects.get(municipality__cbs_code="GM0344").annex_amount == D("355776.00")
    again = as_national.post(url, {"file": annex_csv(*rows)})
    result = again.context["result"]
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert Allocation.objects.count() == 3


def test_a_bad_annex_shows_the_row_report_and_writes_nothing(as_national, scheme, places):
    url = reverse("funding:annex_import", kwargs={"year": 2026})
    response = as_national.post(url, {"file": annex_csv("GM0344;1000;;", "Atlantis;1000;;", "GM0307;-5;;")})
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.ok and [problem.row_number for problem in result.problems] == [3, 4]
    assert b"Atlantis" in response.content
    assert not Allocation.objects.exists()


def test_an_import_without_a_file_is_refused(as_national, scheme):
    response = as_national.post(reverse("funding:annex_import", kwargs={"year": 2026}), {})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert response.context["result"] is None


def test_the_annex_template_is_a_csv_with_the_header_and_an_example(as_national, scheme, utrecht):
    response = as_national.get(reverse("funding:annex_template", kwargs={"year": 2026}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["gemeente", "bedrag", "inwoners", "laag_opgeleid"] and len(rows) == 2
    # the template is a file the import accepts as it is
    upload = io.BytesIO(response.content)
    upload.name = "sjabloon.csv"
    imported = as_national.post(reverse("funding:annex_import", kwargs={"year": 2026}), {"file": upload})
    assert imported.context["result"].ok


# --- One allocation ----------------------------------------------------------------------------------------------


def test_national_administrator_sets_an_allocation_from_the_annex_and_components(as_national, scheme, utrecht):
    url = allocation_url(2026, "GM0344")
    assert as_national.get(url).status_code == 200
    response = as_national.post(
        url,
        {
            "action": "allocation",
            "allocation-annex_amount": "355.776",
            "allocation-inhabitants": "374238",
            "allocation-low_educated": "64512",
        },
    )
    assert response.status_code == 302
    allocation = Allocation.objects.get(municipality=utrecht, scheme=scheme)
    assert (allocation.annex_amount, allocation.computed_amount) == (D("355776.00"), D("355776.00"))
    page = as_national.get(url)
    assert page.context["allocation"] == allocation
    assert page.context["forms"].advance.initial["amount"] == D("355776.00")  # 100% in advance, nothing paid


def test_a_correction_and_an_advance_are_recorded_and_listed(as_national, allocation):
    url = allocation_url(2026, "GM0344")
    response = as_national.post(
        url,
        {
            "action": "correction",
            "correction-on": "2026-06-01",
            "correction-amount": "-1.000,00",
            "correction-reason": "Herindeling",
        },
    )
    assert response.status_code == 302
    response = as_national.post(
        url, {"action": "advance", "advance-paid_on": "2026-01-20", "advance-amount": "99.000,00"}
    )
    assert response.status_code == 302
    page = as_national.get(url)
    assert [c.amount for c in page.context["corrections"]] == [D("-1000.00")]
    assert [a.amount for a in page.context["advances"]] == [D("99000.00")]
    assert page.context["allocated"] == D("99000.00")
    assert b"Herindeling" in page.content


@pytest.mark.parametrize(
    "data",
    [
        {"action": "allocation", "allocation-annex_amount": "-5"},
        {"action": "allocation", "allocation-annex_amount": "100,005"},
        {"action": "allocation", "allocation-annex_amount": "veel"},
        {"action": "allocation", "allocation-inhabitants": "1000"},
        {"action": "allocation", "allocation-inhabitants": "100", "allocation-low_educated": "200"},
        {"action": "allocation"},
    ],
)
def test_a_bad_allocation_is_refused_and_nothing_changes(as_national, allocation, data):
    response = as_national.post(allocation_url(2026, "GM0344"), data)
    assert response.status_code == 200
    assert response.context["forms"].allocation.errors
    allocation.refresh_from_db()
    assert (allocation.annex_amount, allocation.inhabitants) == (D("100000.00"), None)


@pytest.mark.parametrize(
    "data",
    [
        {"correction-on": "2025-12-31", "correction-amount": "100", "correction-reason": "Te vroeg"},
        {"correction-on": "2026-05-01", "correction-amount": "100,001", "correction-reason": "Te precies"},
        {"correction-on": "2026-05-01", "correction-amount": "-200.000", "correction-reason": "Te veel"},
        {"correction-on": "2026-05-01", "correction-amount": "100", "correction-reason": " "},
    ],
)
def test_a_bad_correction_is_refused_and_nothing_is_written(as_national, allocation, data):
    response = as_national.post(allocation_url(2026, "GM0344"), {"action": "correction", **data})
    assert response.status_code == 200
    assert response.context["forms"].correction.errors
    assert not AllocationCorrection.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-100", "10,001"])
def test_a_bad_advance_is_refused_and_nothing_is_written(as_national, allocation, amount):
    response = as_national.post(
        allocation_url(2026, "GM0344"), {"action": "advance", "advance-paid_on": "2026-01-20", "advance-amount": amount}
    )
    assert response.status_code == 200
    assert response.context["forms"].advance.errors
    assert not AdvancePayment.objects.exists()


def test_a_closed_year_is_read_only_on_the_allocation_page(as_national, officer, allocation, utrecht):
    services.close_year(actor=officer, municipality=utrecht, year=2026)
    url = allocation_url(2026, "GM0344")
    page = as_national.get(url)
    assert page.context["closed"] and b'name="action"' not in page.content
    response = as_national.post(url, {"action": "allocation", "allocation-annex_amount": "1"})
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.annex_amount == D("100000.00")


def test_an_unknown_action_is_not_found(as_national, allocation):
    assert as_national.post(allocation_url(2026, "GM0344"), {"action": "delete"}).status_code == 404


def test_officer_opens_and_corrects_its_own_allocation(as_officer, allocation):
    url = allocation_url(2026, "gm0344")
    page = as_officer.get(url)
    assert page.status_code == 200 and not page.context["national"]
    response = as_officer.post(
        url,
        {
            "action": "correction",
            "correction-on": "2026-09-01",
            "correction-amount": "2.500",
            "correction-reason": "Extra",
        },
    )
    assert response.status_code == 302
    assert AllocationCorrection.objects.get().amount == D("2500.00")


def test_officer_of_another_municipality_gets_not_found(client, scheme, allocation):
    other = membership_for_role(
        Role.MUNICIPAL_OFFICER,
        organisation=MunicipalityOrganisationFactory(municipality=MunicipalityFactory(cbs_code="GM0307")),
    )
    login_verified(client, other.user)
    assert client.get(allocation_url(2026, "GM0344")).status_code == 404
    assert client.post(allocation_url(2026, "GM0344"), {"action": "allocation"}).status_code == 404
    assert client.get(allocation_url(2026, "GM0307")).status_code == 200


def test_officer_cannot_open_the_national_pages(as_officer, scheme):
    for url in (
        reverse("funding:allocations"),
        reverse("funding:scheme_new"),
        reverse("funding:scheme", kwargs={"year": 2026}),
        reverse("funding:annex_import", kwargs={"year": 2026}),
        reverse("funding:annex_template", kwargs={"year": 2026}),
    ):
        assert as_officer.get(url).status_code == 403, url


@pytest.mark.parametrize("role", [Role.DESK, Role.PARTNER_STAFF, Role.COORDINATOR])
def test_library_and_partner_staff_are_refused(client, scheme, allocation, role):
    login_verified(client, membership_for_role(role).user)
    for url in (
        reverse("funding:allocations"),
        reverse("funding:scheme_new"),
        reverse("funding:scheme", kwargs={"year": 2026}),
        reverse("funding:annex_import", kwargs={"year": 2026}),
        reverse("funding:annex_template", kwargs={"year": 2026}),
        allocation_url(2026, "GM0344"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(allocation_url(2026, "GM0344"), {"action": "allocation"}).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="funding.allocation.corrected").exists()


def test_an_allocation_page_of_a_year_without_a_scheme_is_not_found(as_national, utrecht):
    assert as_national.get(allocation_url(2031, "GM0344")).status_code == 404
    assert as_national.get(allocation_url(2031, "GM9999")).status_code == 404
