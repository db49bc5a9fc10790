"""The money rules from worked examples, and their properties. Amounts in euros with cents."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ido.funding import rules


@pytest.mark.parametrize(
    ("inhabitants", "low_educated", "expected"),
    [
        (100_000, 20_000, D("97000.00")),  # 83,000 + 14,000
        (374_238, 64_512, D("355776.00")),  # 310,617.54 + 45,158.40 = 355,775.94 → whole euros, half up
        (1, 0, D("1.00")),  # 0.83 → 1
        (1, 1, D("2.00")),  # 1.53 → 2
        (0, 0, D("0.00")),
        (3, 0, D("2.00")),  # 2.49 → 2
        (10, 5, D("12.00")),  # 8.30 + 3.50 = 11.80 → 12
    ],
)
def test_the_amount_computed_from_the_components_is_in_whole_euros(inhabitants, low_educated, expected):
    amount = rules.computed_allocation(
        inhabitants=inhabitants,
        low_educated=low_educated,
        rate_per_inhabitant=D("0.83"),
        rate_per_low_educated=D("0.70"),
    )
    assert amount == expected and amount.as_tuple().exponent == -2


# Worked examples: (allocation, reserve carried in, spent) → (reserve used, unspent, reserved, lost, overspent)
WORKED = {
    "fully spent": ((D("100000"), D("0"), D("100000")), (D("0"), D("0"), D("0"), D("0"), D("0"))),
    "10% unspent: all of it may be reserved": (
        (D("100000"), D("0"), D("90000")),
        (D("0"), D("10000"), D("10000"), D("0"), D("0")),
    ),
    "exactly 25% unspent": ((D("100000"), D("0"), D("75000")), (D("0"), D("25000"), D("25000"), D("0"), D("0"))),
    "40% unspent: 25% reserved, 15% lost": (
        (D("100000"), D("0"), D("60000")),
        (D("0"), D("40000"), D("25000"), D("15000"), D("0")),
    ),
    "nothing spent": ((D("100000"), D("0"), D("0")), (D("0"), D("100000"), D("25000"), D("75000"), D("0"))),
    "a reserve carried in and partly used: the rest lapses": (
        (D("100000"), D("20000"), D("15000")),
        (D("15000"), D("100000"), D("25000"), D("75000") + D("5000"), D("0")),
    ),
    "a reserve carried in and used up, and part of the allocation": (
        (D("100000"), D("20000"), D("110000")),
        (D("20000"), D("10000"), D("10000"), D("0"), D("0")),
    ),
    "overspending: the municipality pays the rest": (
        (D("100000"), D("10000"), D("125000")),
        (D("10000"), D("0"), D("0"), D("0"), D("15000")),
    ),
    "a year with no grant: the reserve is spent, nothing can be reserved": (
        (D("0"), D("20000"), D("12000")),
        (D("12000"), D("0"), D("0"), D("8000"), D("0")),
    ),
    "a year with no grant and no reserve: all spending is own money": (
        (D("0"), D("0"), D("5000")),
        (D("0"), D("0"), D("0"), D("0"), D("5000")),
    ),
    "a mid-year correction raises the allocation, and with it the cap": (
        (D("100000") + D("8000"), D("0"), D("60000")),
        (D("0"), D("48000"), D("27000"), D("21000"), D("0")),
    ),
    "the cap is rounded down to the cent": (
        (D("1000.03"), D("0"), D("0")),
        (D("0"), D("1000.03"), D("250.00"), D("750.03"), D("0")),
    ),
}


@pytest.mark.parametrize(("given", "expected"), list(WORKED.values()), ids=list(WORKED))
def test_year_end_worked_examples(given, expected):
    allocation, reserve_in, spent = given
    outcome = rules.year_end(allocation=allocation, reserve_in=reserve_in, spent=spent)
    assert (
        outcome.reserve_used,
        outcome.unspent,
        outcome.reservable,
        outcome.lost,
        outcome.overspent,
    ) == expected
    assert outcome.available == allocation + reserve_in


def test_the_other_reading_spends_this_years_allocation_first():
    outcome = rules.year_end(allocation=D("100000"), reserve_in=D("20000"), spent=D("90000"), rule="allocation_first")
    # 90,000 of the allocation spent, the whole reserve lapses, 10,000 unspent may be reserved.
    assert (outcome.reserve_used, outcome.unspent, outcome.reservable, outcome.reserve_lapsed) == (
        D("0"),
        D("10000"),
        D("10000"),
        D("20000"),
    )


@pytest.mark.parametrize("field", ["allocation", "reserve_in", "spent"])
def test_negative_amounts_are_refused(field):
    values = {"allocation": D("1"), "reserve_in": D("0"), "spent": D("0"), field: D("-0.01")}
    with pytest.raises(ValueError):
        rules.year_end(**values)


money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)


@given(allocation=money, reserve_in=money, spent=money, rule=st.sampled_from(sorted(rules.CARRY_OVER_RULES)))
def test_year_end_properties(allocation, reserve_in, spent, rule):
    outcome = rules.year_end(allocation=allocation, reserve_in=reserve_in, spent=spent, rule=rule)
    amounts = [
        outcome.reserve_used,
        outcome.reserve_lapsed,
        outcome.allocation_spent,
        outcome.unspent,
        outcome.reservable,
        outcome.lost_unspent,
        outcome.overspent,
    ]
    assert all(amount >= 0 for amount in amounts)  # never negative
    assert outcome.reservable <= allocation * D("0.25")  # never above 25% of the year's allocation
    assert outcome.reservable <= outcome.unspent
    # The amounts add up.
    assert outcome.reserve_used + outcome.allocation_spent + outcome.overspent == spent
    assert outcome.allocation_spent + outcome.reservable + outcome.lost_unspent == allocation
    assert outcome.reserve_used + outcome.reserve_lapsed == reserve_in
    assert outcome.overspent == max(D("0"), spent - allocation - reserve_in)


@pytest.mark.parametrize(
    ("paid", "committed", "scheduled", "recurring", "as_of", "projected"),
    [
        # Recurring spending continues at its pace: 50,000 in 183 days, 182 days to go.
        (D("50000"), D("0"), D("0"), None, date(2026, 7, 2), D("99726.78")),
        # A grant's instalment is not extended over the year; the next one is scheduled.
        (D("50000"), D("0"), D("50000"), D("0"), date(2026, 1, 20), D("100000")),
        (D("10000"), D("60000"), D("0"), D("0"), date(2026, 3, 31), D("70000")),  # commitments count in full
        (D("0"), D("0"), D("0"), None, date(2026, 6, 1), D("0")),
        # Before the year: everything known so far, also what was paid in advance.
        (D("30000"), D("5000"), D("1000"), None, date(2025, 12, 1), D("36000")),
        (D("80000"), D("5000"), D("0"), None, date(2026, 12, 31), D("80000")),  # at the end: what was paid
    ],
)
def test_projected_spending(paid, committed, scheduled, recurring, as_of, projected):
    result = rules.projected_spending(
        paid=paid, committed=committed, scheduled=scheduled, recurring_paid=recurring, as_of=as_of, year=2026
    )
    assert result == projected


def test_the_forecast_says_what_will_be_unspent_and_what_may_be_reserved():
    outcome = rules.forecast(
        allocation=D("100000"), reserve_in=D("0"), paid=D("30000"), committed=D("0"), as_of=date(2026, 7, 2), year=2026
    )
    assert outcome.spent == D("59836.07")  # 30,000 + 30,000 × 182 / 183
    assert (outcome.unspent, outcome.reservable, outcome.lost) == (D("40163.93"), D("25000.00"), D("15163.93"))
