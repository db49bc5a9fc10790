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
        spend(officer, utrecht, "100", on=date(2031, 3, 1), stage="committed")
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
    # The library's 20,000 is an instalment, the 10,000 is committed; promotion (5,000 in 183 days) goes on at its
    # pace: 35,000 + 5,000 × 182 / 183 = 39,972.68 by the year's end.
    assert figures.forecast.spent == D("39972.68")
    assert (figures.forecast.unspent, figures.forecast.reservable) == (D("60027.32"), D("25000.00"))


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
    spend(officer, utrecht, "10000", on=date(2027, 1, 10))
    outcome = selectors.year_figures(utrecht, 2027, as_of=date(2027, 1, 15)).outcome
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
    services.decide_grant(actor=officer, grant=grant, on=date(2025, 12, 15))  # others see decided grants only
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
    draft = services.save_library_grant(actor=neighbour, municipality=zeist, library=library, data=data)
    assert selectors.grants_visible_to(neighbour).count() == 2
    assert draft not in selectors.grants_visible_to(coordinator)  # a draft is not the library's to see yet


def test_a_correction_or_advance_with_fractions_of_cents_or_on_a_closed_year_is_refused(
    officer, national, allocation, utrecht
):
    with pytest.raises(ValidationError):
        services.add_correction(actor=national, allocation=allocation, on=date(2026, 6, 1), amount="-1.005", reason="x")
    services.add_correction(actor=national, allocation=allocation, on=date(2026, 6, 1), amount="-1000.50", reason="x")
    assert selectors.allocation_amount(utrecht, 2026) == D("98999.50")
    services.close_year(actor=officer, municipality=utrecht, year=2026)
    with pytest.raises(ValidationError):
        services.record_advance(actor=national, allocation=allocation, paid_on=date(2026, 1, 10), amount="100")


def test_a_year_is_closed_once_it_is_over_and_after_the_year_before(officer, national, allocation, utrecht):
    make_scheme(national, year=2025)
    make_scheme(national, year=2027)
    with pytest.raises(ValidationError):  # 2027 is not over (the tests stand in January 2027)
        services.close_year(actor=officer, municipality=utrecht, year=2027)
    services.set_allocation(
        actor=national, scheme=make_scheme(national, year=2024), municipality=utrecht, annex_amount=D("1")
    )
    with pytest.raises(ValidationError):  # 2025 had a grant and is open: its reserve into 2026 is not fixed
        services.close_year(actor=officer, municipality=utrecht, year=2026)
    services.close_year(actor=officer, municipality=utrecht, year=2024)
    services.close_year(actor=officer, municipality=utrecht, year=2025)
    account = services.close_year(
        actor=officer, municipality=utrecht, year=2026, final=True, submitted_on=date(2027, 1, 2)
    )
    services.reopen_year(actor=officer, account=account, reason="Factuur vergeten")
    account.refresh_from_db()
    assert (account.final, account.submitted_on) == (False, None)  # no longer the final account


def test_a_closed_year_shows_its_snapshot_whatever_changes_later(officer, national, allocation, utrecht, scheme):
    spend(officer, utrecht, "60000")
    services.close_year(actor=officer, municipality=utrecht, year=2026, reserved=D("10000"))
    services.save_scheme(
        actor=national,
        data=services.SchemeInput(
            year=2026,
            name=scheme.name,
            rate_per_inhabitant=scheme.rate_per_inhabitant,
            rate_per_low_educated=scheme.rate_per_low_educated,
            reserve_cap_percent=D("10"),
        ),
    )
    outcome = selectors.year_figures(utrecht, 2026, as_of=date(2027, 1, 15)).outcome
    assert (outcome.reservable, outcome.lost) == (D("10000.00"), D("30000.00"))  # as closed: kept 10,000, lost 30,000


def test_payments_are_not_in_the_future_and_amounts_are_not_absurd(officer, allocation, utrecht):
    with pytest.raises(ValidationError) as refused:
        spend(officer, utrecht, "100", on=date(2027, 6, 1), year=2027)
    assert "date" in refused.value.message_dict or "year" in refused.value.message_dict
    with pytest.raises(ValidationError):
        spend(officer, utrecht, "99999999999.99")


def test_a_reserve_carried_into_a_year_without_a_grant_can_still_be_spent(officer, allocation, utrecht):
    spend(officer, utrecht, "90000")
    services.close_year(actor=officer, municipality=utrecht, year=2026)
    spend(officer, utrecht, "4000", on=date(2027, 1, 10))  # no scheme for 2027, but 10,000 carried in
    assert selectors.year_figures(utrecht, 2027, as_of=date(2027, 1, 15)).outcome.reserve_used == D("4000.00")


def test_the_audit_label_of_spending_has_no_amount(officer, allocation, utrecht):
    spend(officer, utrecht, "12345.67")
    event = AuditEvent.objects.get(action="funding.expenditure.recorded")
    assert "12345" not in event.target_label


def test_a_grant_is_never_lower_than_its_instalments(officer, utrecht, library, allocation):
    data = services.GrantInput(year=2026, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), amount=D("20000"))
    grant = services.save_library_grant(actor=officer, municipality=utrecht, library=library, data=data)
    services.add_instalment(actor=officer, grant=grant, due_on=date(2026, 2, 1), amount="15000")
    lower = services.GrantInput(year=2026, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), amount=D("5000"))
    with pytest.raises(ValidationError):
        services.save_library_grant(actor=officer, municipality=utrecht, library=library, data=lower, grant=grant)
