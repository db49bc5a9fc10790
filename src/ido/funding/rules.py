"""The money rules of the specific grant (SPUK) as pure functions over Decimal euros: the amount computed from its
components, the year end with the reserve carried over, and the forecast during the year.

Rounding, in one place:
- amounts are euros with cents (`Decimal`, two places), never float;
- an amount computed from components is rounded to whole euros, half up, as the regulation's annex lists whole
  euros (each component is computed to the cent first, then the sum is rounded);
- the reserve cap (a percentage of the year's allocation) is rounded down to the cent, so the reserve never
  exceeds the cap.

The carry-over rule, in one place (`CARRY_OVER_RULES`), chosen per funding scheme. The regulation says that
unspent money may be reserved for the following calendar year up to 25% of *that year's* grant; its full text is
not at hand for what happens to a reserve carried in. Our reading, the default rule "reserve_first": the reserve
carried into a year is spent first, and what is left of it at the year's end lapses (it cannot be reserved again).
The alternative "allocation_first" (this year's grant is spent first, then the reserve; a reserve left over still
lapses) is there to show how a different reading plugs in.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
EURO = Decimal("1")
ZERO = Decimal("0.00")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def computed_allocation(
    *, inhabitants: int, low_educated: int, rate_per_inhabitant: Decimal, rate_per_low_educated: Decimal
) -> Decimal:
    """Inhabitants × rate + inhabitants aged 15–75 with at most vmbo × rate, in whole euros (half up)."""
    if inhabitants < 0 or low_educated < 0:
        raise ValueError("numbers of inhabitants cannot be negative")
    total = cents(inhabitants * rate_per_inhabitant) + cents(low_educated * rate_per_low_educated)
    return total.quantize(EURO, rounding=ROUND_HALF_UP).quantize(CENT)


def reserve_cap(allocation: Decimal, cap_percent: Decimal) -> Decimal:
    """The most that may be reserved: a percentage of the year's allocation, rounded down to the cent."""
    return (max(allocation, ZERO) * cap_percent / 100).quantize(CENT, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class YearEnd:
    """What a year comes to. All amounts in euros with cents; every amount is zero or more.

    available = allocation + reserve_in
    spent = reserve_used + allocation_spent + overspent
    allocation = allocation_spent + reserved + lost_unspent
    reserve_in = reserve_used + reserve_lapsed
    """

    allocation: Decimal
    reserve_in: Decimal
    spent: Decimal
    available: Decimal
    reserve_used: Decimal
    reserve_lapsed: Decimal  # what is left of the reserve carried in: it cannot be reserved again
    allocation_spent: Decimal
    unspent: Decimal  # of this year's allocation
    reservable: Decimal  # the most that may go to next year: min(unspent, cap)
    lost_unspent: Decimal  # unspent allocation above the cap
    overspent: Decimal  # spending above what was available: the municipality's own money

    @property
    def lost(self) -> Decimal:
        """Everything that cannot be kept: unspent allocation above the cap, and the lapsed reserve."""
        return self.lost_unspent + self.reserve_lapsed


def _split(first: Decimal, second: Decimal, spent: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Spend from `first`, then `second`: (used of first, used of second, spending above both)."""
    from_first = min(spent, first)
    from_second = min(spent - from_first, second)
    return from_first, from_second, spent - from_first - from_second


def reserve_first(allocation: Decimal, reserve_in: Decimal, spent: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(reserve used, allocation spent, overspent): the reserve carried in goes first."""
    return _split(reserve_in, allocation, spent)


def allocation_first(allocation: Decimal, reserve_in: Decimal, spent: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(reserve used, allocation spent, overspent): this year's allocation goes first, then the reserve."""
    from_allocation, from_reserve, over = _split(allocation, reserve_in, spent)
    return from_reserve, from_allocation, over


CARRY_OVER_RULES: dict[str, Callable[[Decimal, Decimal, Decimal], tuple[Decimal, Decimal, Decimal]]] = {
    "reserve_first": reserve_first,
    "allocation_first": allocation_first,
}
DEFAULT_RULE = "reserve_first"


def year_end(
    *,
    allocation: Decimal,
    reserve_in: Decimal,
    spent: Decimal,
    cap_percent: Decimal = Decimal("25"),
    rule: str = DEFAULT_RULE,
) -> YearEnd:
    """The year's outcome: which money was spent, what may be reserved for next year, and what is lost.
    `allocation` is the year's allocation including corrections (0 in a year without a grant)."""
    for name, amount in (("allocation", allocation), ("reserve_in", reserve_in), ("spent", spent)):
        if amount < 0:
            raise ValueError(f"{name} cannot be negative")
    allocation, reserve_in, spent = cents(allocation), cents(reserve_in), cents(spent)
    reserve_used, allocation_spent, overspent = CARRY_OVER_RULES[rule](allocation, reserve_in, spent)
    unspent = allocation - allocation_spent
    reservable = min(unspent, reserve_cap(allocation, cap_percent))
    return YearEnd(
        allocation=allocation,
        reserve_in=reserve_in,
        spent=spent,
        available=allocation + reserve_in,
        reserve_used=reserve_used,
        reserve_lapsed=reserve_in - reserve_used,
        allocation_spent=allocation_spent,
        unspent=unspent,
        reservable=reservable,
        lost_unspent=unspent - reservable,
        overspent=overspent,
    )


def projected_spending(
    *,
    paid: Decimal,
    committed: Decimal,
    as_of: date,
    year: int,
    scheduled: Decimal = ZERO,
    recurring_paid: Decimal | None = None,
) -> Decimal:
    """What will have been spent by the year's end: what is paid, what is committed, what is scheduled (the
    library grant's instalments still to come), and the recurring spending so far (`recurring_paid`, default all
    that is paid) continued at the same pace for the rest of the year. One-off payments such as a grant's
    instalment are not extended: the caller leaves them out of `recurring_paid`. Before the year: what is paid,
    committed and scheduled; after it: what was paid."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    if as_of >= end:
        return cents(paid)
    known = paid + committed + scheduled
    if as_of < start:
        return cents(known)
    elapsed = (as_of - start).days + 1
    remaining = (end - start).days + 1 - elapsed
    recurring = paid if recurring_paid is None else recurring_paid
    return cents(known + recurring * remaining / elapsed)


def forecast(
    *,
    allocation: Decimal,
    reserve_in: Decimal,
    paid: Decimal,
    committed: Decimal,
    as_of: date,
    year: int,
    cap_percent: Decimal = Decimal("25"),
    rule: str = DEFAULT_RULE,
    scheduled: Decimal = ZERO,
    recurring_paid: Decimal | None = None,
) -> YearEnd:
    """The year end as it will be at this pace ("you will have X unspent; Y of that can be reserved")."""
    spent = projected_spending(
        paid=paid, committed=committed, as_of=as_of, year=year, scheduled=scheduled, recurring_paid=recurring_paid
    )
    return year_end(allocation=allocation, reserve_in=reserve_in, spent=spent, cap_percent=cap_percent, rule=rule)
