"""Reads of the funding module: the year's figures of one municipality (allocation with corrections, the reserve
carried in, spending by purpose, the year end and the forecast), scoped to who asks."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from ido.funding import rules
from ido.funding.models import (
    Allocation,
    Expenditure,
    FundingScheme,
    GrantStatus,
    Instalment,
    LibraryGrant,
    Purpose,
    Stage,
    YearAccount,
)
from ido.organisations.models import Municipality, OrganisationKind

ZERO = rules.ZERO


def own_municipality(actor) -> Municipality | None:
    """The municipality whose money the actor keeps: a municipal officer's own."""
    organisation = actor.organisation
    if organisation.kind != OrganisationKind.MUNICIPALITY or not actor.has_perm("funding.manage"):
        return None
    return organisation.municipality


def may_manage(actor, municipality: Municipality) -> bool:
    """Only a municipality's own officers change its grants and spending."""
    own = own_municipality(actor)
    return own is not None and own.pk == municipality.pk


def allocations_visible_to(actor) -> QuerySet[Allocation]:
    """National administrators see all allocations; a municipality its own."""
    allocations = Allocation.objects.select_related("scheme", "municipality")
    if actor.has_perm("funding.allocations"):
        return allocations
    own = own_municipality(actor)
    if own is None:
        return allocations.none()
    return allocations.filter(municipality=own)


def grants_visible_to(actor) -> QuerySet[LibraryGrant]:
    """A municipality sees its own grants, and those of other funders to the libraries it funds (to coordinate;
    the page leaves their internal notes out); a library sees the grants it receives."""
    grants = LibraryGrant.objects.select_related("municipality", "library")
    if not actor.has_perm("funding.view"):
        return grants.none()
    organisation = actor.organisation
    # Others see a grant once it is decided: a draft is the granting municipality's own business.
    decided = Q(status=GrantStatus.DECIDED)
    if organisation.kind == OrganisationKind.LIBRARY:
        return grants.filter(decided, library=organisation)
    own = own_municipality(actor)
    if own is None:
        return grants.none()
    funded = LibraryGrant.objects.filter(municipality=own).values("library_id")
    return grants.filter(Q(municipality=own) | (decided & Q(library__in=funded)))


def scheme_for(year: int) -> FundingScheme | None:
    return FundingScheme.objects.filter(year=year).first()


def allocation_amount(municipality: Municipality, year: int) -> Decimal:
    """The year's allocation including corrections; 0 in a year without a scheme or allocation."""
    allocation = (
        Allocation.objects.filter(municipality=municipality, scheme__year=year)
        .annotate(corrected=Sum("corrections__amount"))
        .first()
    )
    if allocation is None or allocation.base_amount is None:
        return ZERO
    return allocation.base_amount + (allocation.corrected or ZERO)


def _spending(municipality: Municipality, year: int) -> dict[tuple[str, str], Decimal]:
    rows = (
        Expenditure.objects.filter(municipality=municipality, year=year)
        .values("purpose", "stage")
        .annotate(total=Sum("amount"))
    )
    return {(row["purpose"], row["stage"]): row["total"] for row in rows}


@dataclass(frozen=True)
class YearFigures:
    municipality: Municipality
    year: int
    scheme: FundingScheme | None
    allocation: Decimal
    reserve_in: Decimal
    reserve_in_is_final: bool  # taken from a closed previous year, not computed provisionally
    paid: Decimal
    committed: Decimal
    by_purpose: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    outcome: rules.YearEnd | None = None  # what the year comes to with what is paid so far
    forecast: rules.YearEnd | None = None  # at this pace, by the year's end
    account: YearAccount | None = None


def _cap(scheme: FundingScheme | None) -> Decimal:
    return scheme.reserve_cap_percent if scheme else Decimal("0")


def _rule(scheme: FundingScheme | None) -> str:
    return scheme.carry_over_rule if scheme else rules.DEFAULT_RULE


def reserve_in(municipality: Municipality, year: int, *, _depth: int = 0) -> tuple[Decimal, bool]:
    """The reserve carried into `year`: what the previous year's closed account kept, or else what the previous
    year may keep as things stand (provisional). (amount, whether it is final)."""
    previous = YearAccount.objects.filter(municipality=municipality, year=year - 1).first()
    if previous is not None and previous.is_closed:
        return previous.reserved, True
    scheme = scheme_for(year - 1)
    if scheme is None or _depth > 20:
        return ZERO, True  # no grant that year: nothing to carry in
    carried, _final = reserve_in(municipality, year - 1, _depth=_depth + 1)
    paid = (
        Expenditure.objects.filter(municipality=municipality, year=year - 1, stage=Stage.PAID).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    outcome = rules.year_end(
        allocation=allocation_amount(municipality, year - 1),
        reserve_in=carried,
        spent=paid,
        cap_percent=_cap(scheme),
        rule=_rule(scheme),
    )
    return outcome.reservable, False


def year_figures(municipality: Municipality, year: int, *, as_of: date) -> YearFigures:
    """Everything the year page shows, from the data as it is now."""
    scheme = scheme_for(year)
    allocation = allocation_amount(municipality, year)
    carried, final = reserve_in(municipality, year)
    spending = _spending(municipality, year)
    by_purpose = {
        purpose: {stage: spending.get((purpose, stage), ZERO) for stage in Stage.values} for purpose in Purpose.values
    }
    paid = sum((spending.get((p, Stage.PAID), ZERO) for p in Purpose.values), ZERO)
    committed = sum((spending.get((p, Stage.COMMITTED), ZERO) for p in Purpose.values), ZERO)
    cap, rule = _cap(scheme), _rule(scheme)
    account = YearAccount.objects.filter(municipality=municipality, year=year).first()
    # Library grants are paid in instalments: those still to come are scheduled, and paid ones are not extended
    # over the year; the other purposes (promotion, the network) go on at their pace.
    scheduled = (
        Instalment.objects.filter(
            grant__municipality=municipality, grant__year=year, paid_on__isnull=True, due_on__gt=as_of
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    recurring = sum((spending.get((p, Stage.PAID), ZERO) for p in Purpose.values if p != Purpose.LIBRARY), ZERO)
    outcome = rules.year_end(allocation=allocation, reserve_in=carried, spent=paid, cap_percent=cap, rule=rule)
    if account is not None and account.is_closed and account.figures:
        outcome = closed_outcome(account)
    return YearFigures(
        municipality=municipality,
        year=year,
        scheme=scheme,
        allocation=allocation,
        reserve_in=carried,
        reserve_in_is_final=final,
        paid=paid,
        committed=committed,
        by_purpose=by_purpose,
        outcome=outcome,
        forecast=rules.forecast(
            allocation=allocation,
            reserve_in=carried,
            paid=paid,
            committed=committed,
            as_of=as_of,
            year=year,
            cap_percent=cap,
            rule=rule,
            scheduled=scheduled,
            recurring_paid=recurring,
        ),
        account=account,
    )


def closed_outcome(account: YearAccount) -> rules.YearEnd:
    """A closed year as it was closed: its snapshot, whatever changed since (a rate, a cap, a correction). What
    was kept is what the officer reserved; the rest of the unspent allocation is lost."""
    figures = {name: Decimal(value) for name, value in account.figures.items() if isinstance(value, str)}
    reserved = account.reserved
    return rules.YearEnd(
        allocation=figures["allocation"],
        reserve_in=figures["reserve_in"],
        spent=figures["spent"],
        available=figures["allocation"] + figures["reserve_in"],
        reserve_used=figures["reserve_used"],
        reserve_lapsed=figures["reserve_lapsed"],
        allocation_spent=figures["spent"] - figures["reserve_used"] - figures["overspent"],
        unspent=figures["unspent"],
        reservable=reserved,
        lost_unspent=figures["unspent"] - reserved,
        overspent=figures["overspent"],
    )
