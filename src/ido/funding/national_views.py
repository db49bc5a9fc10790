"""The national administrator's funding pages: the schemes per year, all allocations of a year with the status of
each municipality's account (not its spending), the import of the regulation's annex, and one allocation with
its corrections and advances. A municipal officer opens its own allocation (the services allow it); the list of
all allocations, the schemes and the import are for national administrators only (an officer sees its own
allocation on its year page)."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.funding import annex, national_services, rules, selectors, services
from ido.funding.models import AdvancePayment, Allocation, AllocationCorrection, FundingScheme, YearAccount
from ido.funding.national_forms import (
    AdvanceForm,
    AllocationForm,
    AnnexForm,
    CorrectionForm,
    SchemeForm,
    YearChoiceForm,
)
from ido.organisations.models import Municipality

ZERO = rules.ZERO
TEMPLATE_HEADER = ("gemeente", "bedrag", "inwoners", "laag_opgeleid")
TEMPLATE_EXAMPLE = ("GM0344", "355776", "374238", "64512")


def _bound(request):
    return request.POST if request.method == "POST" else None


def national_or_own_officer(view):
    """National administrators (every municipality) or a municipal officer (the view answers 404 for another
    municipality than its own). Log-in, the second factor and the organisation chooser as everywhere."""
    as_national = permission_required("funding.allocations")(view)
    as_officer = permission_required("funding.manage")(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is not None and membership.has_perm("funding.allocations"):
            return as_national(request, *args, **kwargs)
        return as_officer(request, *args, **kwargs)

    return wrapped


# --- All allocations of a year ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationRow:
    allocation: Allocation  # annotated with corrections_total and advances_total
    allocated: Decimal  # the base amount with the corrections
    account: YearAccount | None  # its status only


@dataclass(frozen=True)
class Totals:
    annex: Decimal
    computed: Decimal
    difference: Decimal
    corrections: Decimal
    allocated: Decimal
    advances: Decimal
    inhabitants: int
    low_educated: int


def _sum_of(model, field: str):
    """The total of `field` over the rows of `model` that belong to the allocation, as a subquery (two sums over
    two joins would multiply each other)."""
    rows = model.objects.filter(allocation=OuterRef("pk")).order_by().values("allocation")
    money: DecimalField = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(rows.annotate(total=Sum(field)).values("total")), ZERO, output_field=money)


def _totals(rows: list[AllocationRow]) -> Totals:
    def total(values) -> Decimal:
        return sum((value for value in values if value is not None), ZERO)

    allocations: list[Any] = [row.allocation for row in rows]  # annotated with the totals
    return Totals(
        annex=total(a.annex_amount for a in allocations),
        computed=total(a.computed_amount for a in allocations),
        difference=total(a.difference for a in allocations),
        corrections=total(a.corrections_total for a in allocations),
        allocated=total(row.allocated for row in rows),
        advances=total(a.advances_total for a in allocations),
        inhabitants=sum(a.inhabitants or 0 for a in allocations),
        low_educated=sum(a.low_educated or 0 for a in allocations),
    )


@permission_required("funding.allocations")
def allocations(request):
    """The schemes by year, and every allocation of the chosen year (default: the latest scheme) with its
    corrections, advances and the status of the municipality's account: three queries, however many rows."""
    actor = request.membership
    schemes = list(FundingScheme.objects.order_by("-year"))
    form = YearChoiceForm(data=request.GET or None, years=[scheme.year for scheme in schemes])
    chosen = form.cleaned_data["year"] if form.is_bound and form.is_valid() else None
    scheme = next((s for s in schemes if s.year == chosen), schemes[0] if schemes else None)
    rows: list[AllocationRow] = []
    if scheme is not None:
        allocations = (
            selectors.allocations_visible_to(actor)
            .filter(scheme=scheme)
            .annotate(
                corrections_total=_sum_of(AllocationCorrection, "amount"),
                advances_total=_sum_of(AdvancePayment, "amount"),
            )
            .order_by("municipality__name", "pk")
        )
        # The status of each account only: its figures (spending) are the municipality's business.
        accounts = {
            account.municipality_id: account
            for account in YearAccount.objects.filter(year=scheme.year).only(
                "municipality_id", "year", "closed_at", "final", "submitted_on"
            )
        }
        rows = [
            AllocationRow(
                allocation=allocation,
                allocated=(allocation.base_amount or ZERO) + allocation.corrections_total,
                account=accounts.get(allocation.municipality_id),
            )
            for allocation in allocations
        ]
    return render(
        request,
        "funding/national/allocations.html",
        {
            "schemes": schemes,
            "scheme": scheme,
            "form": form,
            "rows": rows,
            "totals": _totals(rows),
        },
    )


def _allocations_url(year: int) -> str:
    return f"{reverse('funding:allocations')}?{urlencode({'year': year})}"


# --- Schemes ----------------------------------------------------------------------------------------------------


def _save_scheme(request, form: SchemeForm) -> FundingScheme | None:
    try:
        return national_services.save_scheme_with_indicators(
            actor=request.membership, data=form.scheme_input(), indicators=form.indicators()
        )
    except ValidationError as error:
        apply_validation_error(form, error)
        return None


@permission_required("funding.allocations")
def scheme_new(request):
    """The grant of a new year, as data: nothing assumes the grant exists every year."""
    latest = FundingScheme.objects.order_by("-year").first()
    initial = SchemeForm.initial_for(latest) if latest else {}
    if latest:
        initial["year"] = latest.year + 1
        initial["accounting_deadline"] = date(latest.year + 2, 7, 15)  # SiSa: 15 July of the following year
    form = SchemeForm(data=_bound(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        if selectors.scheme_for(year) is not None:
            form.add_error("year", _("There is already a scheme for %(year)s: change that one.") % {"year": year})
        elif scheme := _save_scheme(request, form):
            messages.success(request, _("The scheme for %(year)s has been saved.") % {"year": scheme.year})
            return redirect(_allocations_url(scheme.year))
    return render(request, "funding/national/scheme_form.html", {"form": form, "scheme": None})


@permission_required("funding.allocations")
def scheme(request, year: int):
    """Change a year's scheme. Amounts computed earlier keep the rates they were computed with until the
    allocation is saved again."""
    existing = get_object_or_404(FundingScheme, year=year)
    form = SchemeForm(data=_bound(request), scheme=existing)
    if request.method == "POST" and form.is_valid() and (saved := _save_scheme(request, form)):
        messages.success(request, _("The scheme for %(year)s has been saved.") % {"year": saved.year})
        return redirect(_allocations_url(saved.year))
    return render(request, "funding/national/scheme_form.html", {"form": form, "scheme": existing})


# --- The annex --------------------------------------------------------------------------------------------------


@permission_required("funding.allocations")
def annex_import(request, year: int):
    """Upload the regulation's annex: every row is checked first; one bad row and nothing is written. Importing
    the same file again changes nothing."""
    scheme = get_object_or_404(FundingScheme, year=year)
    form = AnnexForm(data=_bound(request), files=request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = annex.import_annex(actor=request.membership, scheme=scheme, content=form.cleaned_data["file"].read())
    return render(
        request,
        "funding/national/annex_import.html",
        {"form": form, "scheme": scheme, "result": result, "columns": annex.COLUMNS, "max_rows": annex.MAX_ROWS},
    )


@permission_required("funding.allocations")
def annex_template(request, year: int):
    """A CSV file with the header and one example row, separated by semicolons and with a byte order mark, as
    Dutch Excel reads and writes CSV."""
    scheme = get_object_or_404(FundingScheme, year=year)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(TEMPLATE_EXAMPLE)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ido-bijlage-{scheme.year}.csv"'
    return response


# --- One allocation ---------------------------------------------------------------------------------------------


class _AllocationForms:
    """The forms on the allocation page; the one that was posted is bound."""

    def __init__(self, allocation, scheme: FundingScheme):
        self.allocation = AllocationForm(prefix="allocation", allocation=allocation)
        self.correction = CorrectionForm(prefix="correction")
        advance = None
        if allocation is not None and allocation.base_amount is not None:
            due = (allocation.base_amount * scheme.advance_percent / 100).quantize(rules.CENT)
            paid = sum((payment.amount for payment in allocation.advances.all()), ZERO)
            advance = due - paid if due > paid else None
        self.advance = AdvanceForm(prefix="advance", initial={"amount": advance})


def _allocation_action(request, scheme, municipality, allocation, forms: _AllocationForms) -> bool:
    """Run the change posted on the allocation page. True: answer with a redirect (a message says what
    happened); False: show the page again with the errors on the posted form, nothing changed."""
    actor, action = request.membership, request.POST.get("action")
    form: AllocationForm | CorrectionForm | AdvanceForm
    if action == "allocation":
        form = forms.allocation = AllocationForm(request.POST, prefix="allocation", allocation=allocation)
    elif action == "correction" and allocation is not None:
        form = forms.correction = CorrectionForm(request.POST, prefix="correction")
    elif action == "advance" and allocation is not None:
        form = forms.advance = AdvanceForm(request.POST, prefix="advance")
    else:
        raise Http404
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if action == "allocation":
            services.set_allocation(
                actor=actor,
                scheme=scheme,
                municipality=municipality,
                annex_amount=data["annex_amount"],
                inhabitants=data["inhabitants"],
                low_educated=data["low_educated"],
            )
            done = _("The allocation has been saved.")
        elif action == "correction":
            services.add_correction(
                actor=actor, allocation=allocation, on=data["on"], amount=data["amount"], reason=data["reason"]
            )
            done = _("The correction has been added.")
        else:
            services.record_advance(actor=actor, allocation=allocation, paid_on=data["paid_on"], amount=data["amount"])
            done = _("The advance payment has been recorded.")
    except ValidationError as error:
        apply_validation_error(form, error)
        return False
    messages.success(request, done)
    return True


@national_or_own_officer
def allocation(request, year: int, cbs_code: str):
    """One municipality's allocation of a year: the annex's amount and the components, corrections during the
    year and the advances paid. A closed year is read-only here until the municipality reopens it."""
    actor = request.membership
    scheme = get_object_or_404(FundingScheme, year=year)
    municipality = get_object_or_404(Municipality, cbs_code=cbs_code.upper())
    national = actor.has_perm("funding.allocations")
    if not national and not selectors.may_manage(actor, municipality):
        raise Http404
    current = (
        selectors.allocations_visible_to(actor)
        .filter(scheme=scheme, municipality=municipality)
        .prefetch_related("corrections", "advances")
        .first()
    )
    account = (
        YearAccount.objects.filter(municipality=municipality, year=year)
        .only("municipality_id", "year", "closed_at", "final", "submitted_on")
        .first()
    )
    closed = account is not None and account.is_closed
    forms = _AllocationForms(current, scheme)
    if request.method == "POST":
        if closed:
            messages.error(request, _("The year %(year)s is closed: reopen it with a reason first.") % {"year": year})
            return redirect("funding:allocation", year=year, cbs_code=municipality.cbs_code)
        if _allocation_action(request, scheme, municipality, current, forms):
            return redirect("funding:allocation", year=year, cbs_code=municipality.cbs_code)
    corrections = list(current.corrections.all()) if current else []
    advances = list(current.advances.all()) if current else []
    corrections_total = sum((c.amount for c in corrections), ZERO)
    return render(
        request,
        "funding/national/allocation.html",
        {
            "scheme": scheme,
            "municipality": municipality,
            "allocation": current,
            "account": account,
            "closed": closed,
            "national": national,
            "forms": forms,
            "corrections": corrections,
            "advances": advances,
            "corrections_total": corrections_total,
            "allocated": (current.base_amount or ZERO) + corrections_total if current else None,
            "advances_total": sum((a.amount for a in advances), ZERO),
        },
    )
