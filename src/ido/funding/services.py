"""Writes of the funding module: typed, atomic, audited. Every change to an amount is in the audit trail with the
old and the new amount; a closed (accounted) year is read-only until it is reopened with a reason."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.core import audit
from ido.funding import rules, selectors
from ido.funding.models import (
    MONEY,
    AdvancePayment,
    Allocation,
    AllocationCorrection,
    Expenditure,
    FundingScheme,
    Instalment,
    LibraryGrant,
    Purpose,
    Stage,
    YearAccount,
)
from ido.organisations.models import Municipality, Organisation, OrganisationKind


def _money(value, field: str) -> Decimal:
    """An amount in euros with at most two decimals, zero or more."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("This is not an amount.")}) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError({field: _("Give an amount in euros with at most two decimals.")})
    if amount < 0:
        raise ValidationError({field: _("An amount cannot be negative.")})
    if amount >= MAX_AMOUNT:
        raise ValidationError({field: _("This amount is too large.")})
    return amount.quantize(rules.CENT)


MAX_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])


def _rate(value, field: str) -> Decimal:
    """A rate in euros per inhabitant: zero or more, at most four decimals (as stored)."""
    try:
        rate = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("This is not an amount.")}) from None
    if not rate.is_finite() or rate < 0 or rate >= 100 or rate.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValidationError({field: _("A rate in euros from 0 to 100, with at most four decimals.")})
    return rate


def _record(actor, action: str, target, **detail) -> None:
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action=action,
        target=target,
        detail={key: str(value) for key, value in detail.items()},
    )


def _refuse_closed(municipality: Municipality, year: int, field: str = "date") -> None:
    """Refuse a change to a closed year. The municipality's row is locked until the change commits, and closing a
    year takes the same lock, so nothing lands in a year while or after its figures are fixed."""
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    account = YearAccount.objects.filter(municipality=municipality, year=year).first()
    if account is not None and account.is_closed:
        raise ValidationError(
            {field: _("The year %(year)s is closed: reopen it with a reason first.") % {"year": year}}
        )


def _require_officer(actor, municipality: Municipality) -> None:
    if not selectors.may_manage(actor, municipality):
        raise PermissionDenied


# --- Schemes and allocations ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeInput:
    year: int
    name: str
    rate_per_inhabitant: Decimal
    rate_per_low_educated: Decimal
    legal_reference: str = ""
    advance_percent: Decimal = Decimal("100")
    reserve_cap_percent: Decimal = Decimal("25")
    carry_over_rule: str = rules.DEFAULT_RULE
    accounting_deadline: date | None = None


@transaction.atomic
def save_scheme(*, actor, data: SchemeInput) -> FundingScheme:
    """The grant of one year, as data (national administrators)."""
    if not actor.has_perm("funding.allocations"):
        raise PermissionDenied
    if data.carry_over_rule not in rules.CARRY_OVER_RULES:
        raise ValidationError({"carry_over_rule": _("Choose one of the rules.")})
    for name in ("advance_percent", "reserve_cap_percent"):
        if not 0 <= getattr(data, name) <= 100:
            raise ValidationError({name: _("A percentage from 0 to 100.")})
    values = {**vars(data)}
    values["rate_per_inhabitant"] = _rate(data.rate_per_inhabitant, "rate_per_inhabitant")
    values["rate_per_low_educated"] = _rate(data.rate_per_low_educated, "rate_per_low_educated")
    before = FundingScheme.objects.filter(year=data.year).values(*values).first() or {}
    scheme, created = FundingScheme.objects.update_or_create(year=data.year, defaults=values)
    changed = {
        name: f"{before.get(name)} → {value}"
        for name, value in values.items()
        if name != "year" and before.get(name) != value
    }
    _record(actor, "funding.scheme." + ("created" if created else "updated"), scheme, year=data.year, **changed)
    return scheme


def _may_set_allocation(actor, municipality: Municipality) -> bool:
    return actor.has_perm("funding.allocations") or selectors.may_manage(actor, municipality)


@transaction.atomic
def set_allocation(
    *,
    actor,
    scheme: FundingScheme,
    municipality: Municipality,
    annex_amount: Decimal | None = None,
    inhabitants: int | None = None,
    low_educated: int | None = None,
    is_demo: bool | None = None,
) -> Allocation:
    """The year's allocation of one municipality: the annex's amount and/or the components (the computed amount
    follows from the scheme's rates). A national administrator for all, a municipality for its own."""
    if not _may_set_allocation(actor, municipality):
        raise PermissionDenied
    _refuse_closed(municipality, scheme.year, field="annex_amount")
    if (inhabitants is None) != (low_educated is None):
        raise ValidationError({"low_educated": _("Give both numbers of inhabitants, or neither.")})
    for name, number in (("inhabitants", inhabitants), ("low_educated", low_educated)):
        if number is not None and number < 0:
            raise ValidationError({name: _("A number of inhabitants cannot be negative.")})
    if inhabitants is not None and low_educated is not None and low_educated > inhabitants:
        raise ValidationError({"low_educated": _("This cannot be more than all inhabitants.")})
    annex = None if annex_amount is None else _money(annex_amount, "annex_amount")
    computed = None
    if inhabitants is not None and low_educated is not None:
        computed = rules.computed_allocation(
            inhabitants=inhabitants,
            low_educated=low_educated,
            rate_per_inhabitant=scheme.rate_per_inhabitant,
            rate_per_low_educated=scheme.rate_per_low_educated,
        )
    allocation = Allocation.objects.select_for_update().filter(scheme=scheme, municipality=municipality).first()
    old = (
        {name: getattr(allocation, name) for name in ("annex_amount", "inhabitants", "low_educated", "computed_amount")}
        if allocation
        else {}
    )
    if allocation is None:
        allocation = Allocation(scheme=scheme, municipality=municipality)
    if annex is not None:
        allocation.annex_amount = annex
    if computed is not None:
        allocation.inhabitants, allocation.low_educated, allocation.computed_amount = (
            inhabitants,
            low_educated,
            computed,
        )
    if is_demo is not None:
        allocation.is_demo = is_demo
    allocation.save()
    changes = {
        name: f"{old.get(name)} → {getattr(allocation, name)}"
        for name in ("annex_amount", "inhabitants", "low_educated", "computed_amount")
        if old.get(name) != getattr(allocation, name)
    }
    _record(actor, "funding.allocation.saved", allocation, **changes)
    return allocation


@transaction.atomic
def add_correction(*, actor, allocation: Allocation, on: date, amount, reason: str) -> AllocationCorrection:
    """A change to the allocation during the year (negative lowers it), with the reason."""
    if not _may_set_allocation(actor, allocation.municipality):
        raise PermissionDenied
    _refuse_closed(allocation.municipality, allocation.scheme.year)
    if on.year != allocation.scheme.year:
        raise ValidationError({"date": _("The date must be in %(year)s.") % {"year": allocation.scheme.year}})
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"amount": _("This is not an amount.")}) from None
    value = _money(abs(value), "amount") * (-1 if value < 0 else 1)  # a correction may lower the allocation
    if value == 0:
        raise ValidationError({"amount": _("A correction of nothing changes nothing.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the allocation changes.")})
    base = allocation.base_amount or rules.ZERO
    corrected = sum(allocation.corrections.values_list("amount", flat=True), rules.ZERO)
    if base + corrected + value < 0:
        raise ValidationError({"amount": _("The allocation cannot become negative.")})
    correction = AllocationCorrection.objects.create(
        allocation=allocation, date=on, amount=value, reason=reason.strip()
    )
    _record(actor, "funding.allocation.corrected", allocation, amount=value, reason=reason.strip())
    return correction


@transaction.atomic
def record_advance(*, actor, allocation: Allocation, paid_on: date, amount) -> AdvancePayment:
    """The state's payment of the grant (100% in advance, by default)."""
    if not _may_set_allocation(actor, allocation.municipality):
        raise PermissionDenied
    _refuse_closed(allocation.municipality, allocation.scheme.year, field="amount")
    value = _money(amount, "amount")
    if value == 0:
        raise ValidationError({"amount": _("Give the amount paid.")})
    advance = AdvancePayment.objects.create(allocation=allocation, paid_on=paid_on, amount=value)
    _record(actor, "funding.advance.recorded", allocation, amount=value, paid_on=paid_on)
    return advance


# --- Library grants -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantInput:
    year: int
    starts_on: date
    ends_on: date
    amount: Decimal
    activities: str = ""
    locations: int = 1
    hours_per_week: Decimal = Decimal("0")
    promotion: str = ""
    reporting_dates: tuple[date, ...] = ()
    quality_review: str = ""
    internal_note: str = ""


@transaction.atomic
def save_library_grant(
    *, actor, municipality: Municipality, library: Organisation, data: GrantInput, grant: LibraryGrant | None = None
) -> LibraryGrant:
    """The municipality's grant to a library that serves it. A decided grant keeps its amount unless changed
    here, and every change of the amount is audited."""
    _require_officer(actor, municipality)
    if (
        library.kind != OrganisationKind.LIBRARY
        or not library.served_municipalities.filter(pk=municipality.pk).exists()
    ):
        raise ValidationError({"library": _("Choose a library that serves your municipality.")})
    if data.ends_on < data.starts_on:
        raise ValidationError({"ends_on": _("The end comes after the start.")})
    _refuse_closed(municipality, data.year, field="amount")
    amount = _money(data.amount, "amount")
    values = {
        **vars(data),
        "amount": amount,
        "reporting_dates": [day.isoformat() for day in sorted(data.reporting_dates)],
    }
    old = None
    if grant is None:
        grant = LibraryGrant(municipality=municipality, library=library, created_by=actor.user)
    else:
        if grant.municipality_id != municipality.pk:
            raise PermissionDenied
        _refuse_closed(municipality, grant.year, field="amount")
        planned = sum(grant.instalments.values_list("amount", flat=True), rules.ZERO)
        if amount < planned:
            raise ValidationError(
                {
                    "amount": _("The instalments already add up to %(planned)s: lower those first.")
                    % {"planned": planned}
                }
            )
        old = grant.amount
    for name, value in values.items():
        setattr(grant, name, value)
    grant.library = library
    grant.save()
    _record(actor, "funding.grant.saved", grant, old=old, new=amount)
    return grant


@transaction.atomic
def decide_grant(*, actor, grant: LibraryGrant, on: date) -> LibraryGrant:
    _require_officer(actor, grant.municipality)
    _refuse_closed(grant.municipality, grant.year, field="decided_on")
    grant.status, grant.decided_on = "decided", on
    grant.save(update_fields=["status", "decided_on"])
    _record(actor, "funding.grant.decided", grant, on=on)
    return grant


@transaction.atomic
def add_instalment(*, actor, grant: LibraryGrant, due_on: date, amount) -> Instalment:
    """One payment of the grant. The instalments never add up to more than the grant."""
    _require_officer(actor, grant.municipality)
    _refuse_closed(grant.municipality, grant.year, field="amount")
    value = _money(amount, "amount")
    if value == 0:
        raise ValidationError({"amount": _("Give the amount of the instalment.")})
    LibraryGrant.objects.select_for_update().get(pk=grant.pk)
    planned = sum(grant.instalments.values_list("amount", flat=True), rules.ZERO)
    if planned + value > grant.amount:
        raise ValidationError(
            {
                "amount": _("The instalments would add up to more than the grant (%(amount)s).")
                % {"amount": grant.amount}
            }
        )
    instalment = Instalment.objects.create(grant=grant, due_on=due_on, amount=value)
    _record(actor, "funding.instalment.added", grant, amount=value, due_on=due_on)
    return instalment


@transaction.atomic
def mark_instalment_paid(*, actor, instalment: Instalment, on: date) -> Instalment:
    """An instalment of a library grant has been paid to the library, on that date."""
    grant = instalment.grant
    _require_officer(actor, grant.municipality)
    _refuse_closed(grant.municipality, grant.year, field="paid_on")
    instalment = Instalment.objects.select_for_update().get(pk=instalment.pk)
    if instalment.paid_on is not None:
        raise ValidationError({"paid_on": _("This instalment has already been paid.")})
    instalment.paid_on = on
    instalment.save(update_fields=["paid_on"])
    _record(actor, "funding.instalment.paid", grant, amount=instalment.amount, on=on)
    return instalment


# --- Spending ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpenditureInput:
    year: int
    purpose: str
    stage: str
    date: date
    amount: Decimal
    description: str
    grant: LibraryGrant | None = None


@transaction.atomic
def record_expenditure(*, actor, municipality: Municipality, data: ExpenditureInput, evidence=None) -> Expenditure:
    """A line of spending against the year's grant. Refused: a date outside the year, a closed year, a purpose
    the grant does not allow, nothing or a negative amount, a library grant of another municipality or year."""
    _require_officer(actor, municipality)
    if data.purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Choose one of the three purposes the grant allows.")})
    if data.stage not in Stage.values:
        raise ValidationError({"stage": _("Committed or paid.")})
    if data.date.year != data.year:
        raise ValidationError({"date": _("The date must be in %(year)s.") % {"year": data.year}})
    _refuse_closed(municipality, data.year)
    if data.stage == Stage.PAID and data.date > timezone.localdate():
        raise ValidationError({"date": _("A payment cannot be in the future: record it as committed.")})
    if selectors.scheme_for(data.year) is None and selectors.reserve_in(municipality, data.year)[0] == 0:
        raise ValidationError({"year": _("There is no grant for %(year)s.") % {"year": data.year}})
    amount = _money(data.amount, "amount")
    if amount == 0:
        raise ValidationError({"amount": _("Give the amount spent.")})
    if not data.description.strip():
        raise ValidationError({"description": _("Say what the money was for.")})
    if data.grant is not None and (data.grant.municipality_id != municipality.pk or data.grant.year != data.year):
        raise ValidationError({"grant": _("Choose a grant of your municipality in the same year.")})
    expenditure = Expenditure.objects.create(
        municipality=municipality,
        year=data.year,
        purpose=data.purpose,
        stage=data.stage,
        date=data.date,
        amount=amount,
        description=data.description.strip(),
        grant=data.grant,
        evidence=evidence,
        created_by=actor.user,
    )
    _record(actor, "funding.expenditure.recorded", expenditure, amount=amount, purpose=data.purpose, stage=data.stage)
    return expenditure


@transaction.atomic
def mark_paid(*, actor, expenditure: Expenditure, on: date) -> Expenditure:
    """A commitment is paid: it becomes a realisation on that date (in the same year)."""
    _require_officer(actor, expenditure.municipality)
    _refuse_closed(expenditure.municipality, expenditure.year)
    if on.year != expenditure.year:
        raise ValidationError({"date": _("The date must be in %(year)s.") % {"year": expenditure.year}})
    if on > timezone.localdate():
        raise ValidationError({"date": _("A payment cannot be in the future.")})
    expenditure.stage, expenditure.date = Stage.PAID, on
    expenditure.save(update_fields=["stage", "date"])
    _record(actor, "funding.expenditure.paid", expenditure, amount=expenditure.amount, on=on)
    return expenditure


@transaction.atomic
def remove_expenditure(*, actor, expenditure: Expenditure, reason: str) -> None:
    _require_officer(actor, expenditure.municipality)
    _refuse_closed(expenditure.municipality, expenditure.year)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the line is removed.")})
    _record(
        actor,
        "funding.expenditure.removed",
        expenditure,
        amount=expenditure.amount,
        description=expenditure.description,
        reason=reason.strip(),
    )
    evidence = expenditure.evidence
    expenditure.delete()
    if evidence:
        # The file goes once the removal is certain (a rolled-back removal keeps its evidence).
        transaction.on_commit(lambda: evidence.storage.delete(evidence.name))


# --- The year's account ----------------------------------------------------------------------------------------


@transaction.atomic
def close_year(
    *,
    actor,
    municipality: Municipality,
    year: int,
    reserved: Decimal | None = None,
    final: bool = False,
    submitted_on: date | None = None,
    now: datetime | None = None,
) -> YearAccount:
    """Close the year: the figures are fixed, the reserve kept (at most what may be reserved; default all of
    it) is carried into the next year, and the year becomes read-only."""
    _require_officer(actor, municipality)
    now = now or timezone.now()
    if timezone.localtime(now).date() <= date(year, 12, 31):
        raise ValidationError(
            {"year": _("A year can be closed once it is over: from 1 January %(next)s.") % {"next": year + 1}}
        )
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()  # see _refuse_closed
    account, _created = YearAccount.objects.get_or_create(municipality=municipality, year=year)
    if account.is_closed:
        raise ValidationError({"year": _("The year %(year)s is already closed.") % {"year": year}})
    figures = selectors.year_figures(municipality, year, as_of=date(year, 12, 31))
    if not figures.reserve_in_is_final:
        raise ValidationError(
            {
                "year": _("Close %(previous)s first: the reserve it carries into %(year)s is not fixed yet.")
                % {"previous": year - 1, "year": year}
            }
        )
    outcome = figures.outcome
    assert outcome is not None
    kept = outcome.reservable if reserved is None else _money(reserved, "reserved")
    if kept > outcome.reservable:
        raise ValidationError({"reserved": _("At most %(amount)s may be reserved.") % {"amount": outcome.reservable}})
    account.closed_at, account.closed_by, account.final, account.submitted_on = now, actor.user, final, submitted_on
    account.reserved = kept
    account.figures = {
        "allocation": str(outcome.allocation),
        "reserve_in": str(outcome.reserve_in),
        "spent": str(outcome.spent),
        "reserve_used": str(outcome.reserve_used),
        "reserve_lapsed": str(outcome.reserve_lapsed),
        "unspent": str(outcome.unspent),
        "reservable": str(outcome.reservable),
        "reserved": str(kept),
        "lost": str(outcome.lost + outcome.reservable - kept),
        "overspent": str(outcome.overspent),
        "committed": str(figures.committed),
        "by_purpose": {purpose: str(stages["paid"]) for purpose, stages in figures.by_purpose.items()},
    }
    account.save()
    _record(actor, "funding.year.closed", account, reserved=kept, spent=outcome.spent)
    return account


@transaction.atomic
def reopen_year(*, actor, account: YearAccount, reason: str) -> YearAccount:
    """Open a closed year again, with the reason in the audit trail (the next year's reserve is provisional
    again until it is closed anew)."""
    _require_officer(actor, account.municipality)
    if not account.is_closed:
        raise ValidationError({"reason": _("This year is not closed.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the closed year is opened again.")})
    later = YearAccount.objects.filter(
        municipality=account.municipality, year__gt=account.year, closed_at__isnull=False
    ).exists()
    if later:
        raise ValidationError({"reason": _("A later year is closed: reopen that one first.")})
    account.closed_at, account.closed_by, account.final, account.submitted_on = None, None, False, None
    account.save(update_fields=["closed_at", "closed_by", "final", "submitted_on"])
    _record(actor, "funding.year.reopened", account, reason=reason.strip())
    return account
