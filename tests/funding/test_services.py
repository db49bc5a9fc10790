"""The funding services against the database: allocations, spending, the year's account and the carry-over,
with the rules of who may change what."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ido.core.models import AuditEvent
from ido.funding import selectors, services
from ido.funding.models import Allocation, Expenditure, YearAccount
from ido.organisations.roles import Role
from tests.factories import LibraryFactory, MunicipalityFactory, MunicipalityOrganisationFactory, membership_for_role
from tests.funding.conftest import make_scheme

pytestmark = pytest.mark.django_db


def spend(officer, municipality, amount, *, on=date(2026, 5, 1), purpose="library", stage="paid", year=None, **fields):
    return services.record_expenditure(
        actor=officer,
        municipality=municipality,
        data=services.ExpenditureInput(
            year=year or on.year,
            purpose=purpose,
            stage=stage,
            date=on,
            amount=D(amount),
            description="Subsidie IDO",
            **fields,
        ),
    )


def test_the_allocation_keeps_the_annex_and_the_computed_amount_and_shows_the_difference(national, scheme, utrecht):
    allocation = services.set_allocation(
        actor=national, scheme=scheme, municipality=utrecht, inhabitants=374_238, low_educated=64_512
    )
    assert allocation.computed_amount == D("355776.00") and allocation.annex_amount is None
    assert allocation.base_amount == D("355776.00")
    allocation = services.set_allocation(actor=national, scheme=scheme, municipality=utrecht, annex_amount=D("355775"))
    assert (allocation.annex_amount, allocation.computed_amount, allocation.difference) == (
        D("355775.00"),
        D("355776.00"),
        D("-1.00"),
    )
    assert allocation.base_amount == D("355775.00")  # the annex is the legal amount
    assert AuditEvent.objects.filter(action="funding.allocation.saved").count() == 2


def test_a_municipality_sets_only_its_own_allocation(officer, scheme, utrecht):
    services.set_allocation(actor=officer, scheme=scheme, municipality=utrecht, annex_amount=D("1000"))
    elsewhere = MunicipalityFactory(name="Zeist")
    with pytest.raises(PermissionDenied):
        services.set_allocation(actor=officer, scheme=scheme, municipality=elsewhere, annex_amount=D("1000"))
    coordinator = membership_for_role(Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.set_allocation(actor=coordinator, scheme=scheme, municipality=utrecht, annex_amount=D("1"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"annex_amount": D("-1")}, "annex_amount"),
        ({"annex_amount": D("1.001")}, "annex_amount"),
        ({"inhabitants": 100}, "low_educated"),
        ({"inhabitants": 100, "low_educated": 200}, "low_educated"),
    ],
)
def test_bad_allocations_are_refused(national, scheme, utrecht, fields, field):
    with pytest.raises(ValidationError) as refused:
        services.set_allocation(actor=national, scheme=scheme, municipality=utrecht, **fields)
    assert field in refused.value.message_dict
    assert not Allocation.objects.exists()


def test_spending_outside_the_year_on_a_closed_year_or_negative_is_refused(officer, allocation, utrecht):
    cases = [
        ({"on": date(2025, 12, 31), "year": 2026}, "date"),
        ({"purpose": "coffee"}, "purpose"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as refused:
            spend(officer, utrecht, "100", **fields)
        assert field in refused.value.message_dict
    for amount in ("-5", "0", "1.234"):
        with pytest.raises(ValidationError):
            spend(officer, utrecht, amount)
    spend(officer, utrecht, "100")
    services.close_year(actor=officer, municipality=utrecht, year=2026)
    with pytest.raises(ValidationError) as refused:
        spend(officer, utrecht, "100")
    assert "is closed" in " ".join(refused.value.messages) or "gesloten" in " ".join(refused.value.messages)
    assert Expenditure.objects.count() == 1


def test_spending_in_a_year_without_a_grant_is_refused(officer, utrecht):
    with pytest.raises(ValidationError) as refused:
        spend(officer, utrecht, "100", on=date(2031, 3, 1))
    assert "year" in refused.value.message_dict


def test_only_the_municipalitys_own_officers_record_spending(allocation, utrecht, national):
    stranger = membership_for_role(Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory())
    for actor in (stranger, national, membership_for_role(Role.COORDINATOR)):
        with pytest.raises(PermissionDenied):
            spend(actor, utrecht, "100")


def test_the_year_figures_split_spending_by_purpose_and_forecast_the_year_end(officer, allocation, utrecht):
    spend(officer, utrecht, "20000", on=date(2026, 2, 1))
    spend(officer, utrecht, "5000", on=date(2026, 3, 1), purpose="promotion")
    spend(officer, utrecht, "10000", on=date(2026, 6, 1), purpose="network", stage="committed")
    figures = selectors.year_figures(utrecht, 2026, as_of=date(2026, 7, 2))
    assert figures.allocation == D("100000.00") and figures.paid == D("25000") and figures.committed == D("10000")
    assert figures.by_purpose["promotion"] == {"committed": D("0.00"), "paid": D("5000.00")}
    assert figures.outcome.unspent == D("75000.00")
    # At this pace (25,000 in 183 days) the year ends with 49,863.39 spent: 50,136.61 unspent, 25,000 reservable.
    assert figures.forecast.spent == D("49863.39")
    assert (figures.forecast.unspent, figures.forecast.reservable) == (D("50136.61"), D("25000.00"))


def test_closing_a_year_carries_the_reserve_into_the_next_and_makes_it_read_only(
    officer, national, allocation, utrecht
):
    make_scheme(national, year=2027)
    spend(officer, utrecht, "60000")  # 40% unspent: 25% may be reserved, 15% is lost
    assert selectors.year_figures(utrecht, 2027, as_of=date(2027, 1, 1)).reserve_in_is_final is False
    with pytest.raises(ValidationError):  # more than may be reserved
        services.close_year(actor=officer, municipality=utrecht, year=2026, reserved=D("25000.01"))
    account = services.close_year(actor=officer, municipality=utrecht, year=2026, final=True)
    assert account.reserved == D("25000.00") and account.figures["lost"] == "15000.00"
    figures = selectors.year_figures(utrecht, 2027, as_of=date(2027, 1, 1))
    assert (figures.reserve_in, figures.reserve_in_is_final, figures.allocation) == (D("25000.00"), True, D("0"))
    # 2027 has no allocation yet: spending uses the reserve first.
    spend(officer, utrecht, "10000", on=date(2027, 3, 1))
    outcome = selectors.year_figures(utrecht, 2027, as_of=date(2027, 3, 2)).outcome
    assert (outcome.reserve_used, outcome.reserve_lapsed) == (D("10000.00"), D("15000.00"))

    with pytest.raises(ValidationError):
        services.reopen_year(actor=officer, account=account, reason="")
    services.reopen_year(actor=officer, account=account, reason="Factuur december vergeten")
    assert AuditEvent.objects.get(action="funding.year.reopened").detail == {"reason": "Factuur december vergeten"}
    spend(officer, utrecht, "1000", on=date(2026, 12, 20))  # open again
    assert not YearAccount.objects.get(year=2026).is_closed


def test_a_mid_year_correction_changes_the_allocation_and_is_audited(officer, national, allocation, utrecht):
    services.add_correction(
        actor=national, allocation=allocation, on=date(2026, 6, 1), amount="8000", reason="Herberekening"
    )
    assert selectors.allocation_amount(utrecht, 2026) == D("108000.00")
    with pytest.raises(ValidationError):
        services.add_correction(
            actor=national, allocation=allocation, on=date(2026, 6, 1), amount="-200000", reason="x"
        )
    with pytest.raises(ValidationError):
        services.add_correction(actor=national, allocation=allocation, on=date(2027, 1, 1), amount="1", reason="x")
    assert AuditEvent.objects.filter(action="funding.allocation.corrected").count() == 1


def test_a_library_grant_goes_to_a_library_that_serves_the_municipality(officer, utrecht, library, allocation):
    data = services.GrantInput(
        year=2026,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        amount=D("80000"),
        locations=3,
        hours_per_week=D("24"),
        reporting_dates=(date(2026, 7, 1), date(2027, 3, 1)),
    )
    grant = services.save_library_grant(actor=officer, municipality=utrecht, library=library, data=data)
    assert grant.reporting_dates == ["2026-07-01", "2027-03-01"]
    with pytest.raises(ValidationError):
        services.save_library_grant(actor=officer, municipality=utrecht, library=LibraryFactory(), data=data)
    services.add_instalment(actor=officer, grant=grant, due_on=date(2026, 2, 1), amount="40000")
    services.add_instalment(actor=officer, grant=grant, due_on=date(2026, 8, 1), amount="40000")
    with pytest.raises(ValidationError):  # more than the grant
        services.add_instalment(actor=officer, grant=grant, due_on=date(2026, 12, 1), amount="0.01")
    # The coordinator of the library sees it; another municipality that funds the same library sees it too.
    coordinator = membership_for_role(Role.COORDINATOR, organisation=library)
    assert list(selectors.grants_visible_to(coordinator)) == [grant]
    zeist = MunicipalityFactory(name="Zeist")
    library.served_municipalities.add(zeist)
    neighbour = membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=zeist)
    )
    assert not selectors.grants_visible_to(neighbour).exists()
    services.save_library_grant(actor=neighbour, municipality=zeist, library=library, data=data)
    assert selectors.grants_visible_to(neighbour).count() == 2
