"""The funding pages of the municipal officer and the library coordinator: the overview of years (or, for a
library, the grants it receives from each municipality), the officer's year page (allocation, reserve, spending,
forecast, the account), and the officer's grants to libraries with their instalments.

Only a municipality's own officers change its money (`funding.manage`); another municipality's year or grant is
never shown (404). A library's coordinator reads the grants to its library, never the funders' internal notes. A
closed year is read-only until it is reopened with a reason."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import wraps
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.core.access import permission_required
from ido.core.forms import apply_validation_error
from ido.funding import selectors, services
from ido.funding.forms import (
    CloseYearForm,
    DecideGrantForm,
    ExpenditureForm,
    GrantForm,
    InstalmentForm,
    InstalmentPaidForm,
    MarkPaidForm,
    RemoveExpenditureForm,
    ReopenYearForm,
)
from ido.funding.models import (
    Allocation,
    Expenditure,
    FundingScheme,
    Instalment,
    LibraryGrant,
    Purpose,
    Stage,
    YearAccount,
)
from ido.organisations.models import Municipality, Organisation, OrganisationKind

# The years a year page exists for; outside them the page is not found.
YEARS = range(2000, 2101)


def any_permission_required(*permissions: str) -> Callable:
    """As `permission_required`, for a page that each of several permissions opens."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                if request.memberships:
                    return redirect("accounts:choose_organisation")
                raise PermissionDenied
            if not any(request.membership.has_perm(permission) for permission in permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _bound(request):
    return request.POST if request.method == "POST" else None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _own_municipality(actor) -> Municipality:
    """The officer's municipality; the pages that change money are only for a municipality's officers."""
    municipality = selectors.own_municipality(actor)
    if municipality is None:
        raise PermissionDenied
    return municipality


def _is_closed(municipality: Municipality, year: int) -> bool:
    return YearAccount.objects.filter(municipality=municipality, year=year, closed_at__isnull=False).exists()


def _refuse_closed_year(request, year: int) -> None:
    messages.error(request, _("The year %(year)s is closed: reopen it with a reason first.") % {"year": year})


def _within(day: date, year: int) -> date:
    """The day, moved into the year (a default date for a form of that year)."""
    return min(max(day, date(year, 1, 1)), date(year, 12, 31))


# --- The overview --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearRow:
    year: int
    has_scheme: bool
    allocation: Decimal | None
    paid: Decimal
    committed: Decimal
    account: YearAccount | None


def _years_of(municipality: Municipality) -> list[YearRow]:
    """The municipality's years: those with a funding scheme, and those with its data. Five queries."""
    schemes = set(FundingScheme.objects.values_list("year", flat=True))
    allocations = {
        allocation.scheme.year: allocation
        for allocation in Allocation.objects.filter(municipality=municipality)
        .select_related("scheme")
        .annotate(corrected=Sum("corrections__amount"))
    }
    spending = {
        row["year"]: row
        for row in Expenditure.objects.filter(municipality=municipality)
        .values("year")
        .annotate(
            paid=Sum("amount", filter=Q(stage=Stage.PAID)), committed=Sum("amount", filter=Q(stage=Stage.COMMITTED))
        )
    }
    accounts = {account.year: account for account in YearAccount.objects.filter(municipality=municipality)}
    grant_years = set(LibraryGrant.objects.filter(municipality=municipality).values_list("year", flat=True))
    rows = []
    for year in sorted(schemes | allocations.keys() | spending.keys() | accounts.keys() | grant_years, reverse=True):
        allocation = allocations.get(year)
        amount = None
        if allocation is not None and allocation.base_amount is not None:
            amount = allocation.base_amount + (allocation.corrected or Decimal("0"))
        spent = spending.get(year, {})
        rows.append(
            YearRow(
                year=year,
                has_scheme=year in schemes,
                allocation=amount,
                paid=spent.get("paid") or Decimal("0"),
                committed=spent.get("committed") or Decimal("0"),
                account=accounts.get(year),
            )
        )
    return rows


def _grants_by_year(grants) -> list[dict]:
    """Grants grouped by year (latest first), each group with its total."""
    groups: dict[int, list[LibraryGrant]] = {}
    for grant in grants:
        groups.setdefault(grant.year, []).append(grant)
    return [
        {"year": year, "grants": items, "total": sum((grant.amount for grant in items), Decimal("0"))}
        for year, items in sorted(groups.items(), reverse=True)
    ]


def _without_notes(grants):
    """Grants as others may read them: the funder's internal note is not even loaded."""
    return grants.defer("internal_note").order_by("-year", "municipality__name", "pk")


@any_permission_required("funding.view", "funding.allocations")
def home(request):
    """A municipality's years; a library's grants from all its municipalities side by side; the national
    administrator is sent on to the allocations."""
    actor = request.membership
    municipality = selectors.own_municipality(actor)
    context: dict = {"municipality": municipality}
    if municipality is not None:
        context["years"] = _years_of(municipality)
        context["this_year"] = timezone.localdate().year
    elif actor.organisation.kind == OrganisationKind.LIBRARY and actor.has_perm("funding.view"):
        context["library_years"] = _grants_by_year(_without_notes(selectors.grants_visible_to(actor)))
    return render(request, "funding/home.html", context)


# --- The year page -------------------------------------------------------------------------------------------------


class _YearForms:
    """The forms of the year page; the one that was posted is bound (and shown again with its errors)."""

    def __init__(self, municipality: Municipality, year: int, reservable: Decimal, today: date):
        self.year, self.today = year, today
        self.grants = (
            LibraryGrant.objects.filter(municipality=municipality, year=year)
            .select_related("library")
            .order_by("library__name", "pk")
        )
        self.spend = ExpenditureForm(prefix="spend", grants=self.grants, year=year, today=today)
        self.close = CloseYearForm(prefix="close", reservable=reservable)
        self.reopen = ReopenYearForm(prefix="reopen")
        self.paid: dict[int, MarkPaidForm] = {}
        self.remove: dict[int, RemoveExpenditureForm] = {}

    def paid_for(self, line: Expenditure) -> MarkPaidForm:
        if line.pk not in self.paid:
            self.paid[line.pk] = MarkPaidForm(
                prefix=f"paid-{line.pk}", initial={"paid_on": _within(self.today, self.year)}
            )
        return self.paid[line.pk]

    def remove_for(self, line: Expenditure) -> RemoveExpenditureForm:
        if line.pk not in self.remove:
            self.remove[line.pk] = RemoveExpenditureForm(prefix=f"remove-{line.pk}")
        return self.remove[line.pk]


def _year_action(request, municipality: Municipality, figures: selectors.YearFigures, forms: _YearForms) -> bool:
    """Run the change posted on the year page. True: answer with a redirect (a message says what happened);
    False: show the page again with the errors on the posted form, nothing changed."""
    actor, action, year = request.membership, request.POST.get("action"), figures.year
    account = figures.account
    if action not in ("spend", "paid", "remove", "close", "reopen"):
        raise Http404
    closed = account is not None and account.is_closed
    if closed and action != "reopen":
        _refuse_closed_year(request, year)
        return True
    if action == "reopen" and not closed:
        messages.error(request, _("This year is not closed."))
        return True
    if action == "spend" and not _has_money(figures):
        messages.error(request, _("There is no grant for %(year)s.") % {"year": year})
        return True
    line = None
    if action in ("paid", "remove"):
        line = get_object_or_404(
            Expenditure.objects.filter(municipality=municipality, year=year), pk=_int(request.POST.get("line"))
        )
    if action == "spend":
        form = forms.spend = ExpenditureForm(
            request.POST, request.FILES, prefix="spend", grants=forms.grants, year=year, today=forms.today
        )
    elif action == "paid":
        if line.stage != Stage.COMMITTED:
            messages.error(request, _("This line has already been paid."))
            return True
        form = forms.paid[line.pk] = MarkPaidForm(request.POST, prefix=f"paid-{line.pk}")
    elif action == "remove":
        form = forms.remove[line.pk] = RemoveExpenditureForm(request.POST, prefix=f"remove-{line.pk}")
    elif action == "close":
        form = forms.close = CloseYearForm(request.POST, prefix="close", reservable=figures.outcome.reservable)
    else:
        form = forms.reopen = ReopenYearForm(request.POST, prefix="reopen")
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if action == "spend":
            services.record_expenditure(
                actor=actor, municipality=municipality, data=form.expenditure_input(), evidence=data["evidence"]
            )
            done = _("The spending has been added.")
        elif action == "paid":
            services.mark_paid(actor=actor, expenditure=line, on=data["paid_on"])
            done = _("The commitment has been marked as paid.")
        elif action == "remove":
            services.remove_expenditure(actor=actor, expenditure=line, reason=data["reason"])
            done = _("The spending line has been removed.")
        elif action == "close":
            services.close_year(
                actor=actor,
                municipality=municipality,
                year=year,
                reserved=data["reserved"],
                final=data["final"] == "yes",
                submitted_on=data["submitted_on"],
            )
            done = _("The year %(year)s has been closed.") % {"year": year}
        else:
            services.reopen_year(actor=actor, account=account, reason=data["reason"])
            done = _("The year %(year)s has been reopened.") % {"year": year}
    except ValidationError as error:
        apply_validation_error(form, _renamed(error, {"paid_on": "date"} if action == "paid" else {}))
        return False
    messages.success(request, done)
    return True


def _renamed(error: ValidationError, form_names: dict[str, str]) -> ValidationError:
    """The same error, with the service's field names replaced by the form's (form name -> service name)."""
    if not hasattr(error, "error_dict") or not form_names:
        return error
    names = {service: form for form, service in form_names.items()}
    return ValidationError({names.get(field, field): errors for field, errors in error.error_dict.items()})


def _has_money(figures) -> bool:
    """A year with a grant, or with a reserve carried in from the last one (when the grant has ended)."""
    return figures.scheme is not None or figures.reserve_in > 0


@permission_required("funding.manage")
def year(request, year: int):
    """The officer's year: allocation, reserve carried in, spending by purpose, the year end so far and the
    forecast, the spending lines, and the account (close, reopen). A fixed number of queries."""
    actor = request.membership
    municipality = _own_municipality(actor)
    if year not in YEARS:
        raise Http404
    today = timezone.localdate()
    figures = selectors.year_figures(municipality, year, as_of=today)
    forms = _YearForms(municipality, year, figures.outcome.reservable, today)
    if request.method == "POST" and _year_action(request, municipality, figures, forms):
        return redirect("funding:year", year=year)
    account = figures.account
    closed = account is not None and account.is_closed
    lines = list(
        Expenditure.objects.filter(municipality=municipality, year=year)
        .select_related("grant__library")
        .order_by("-date", "-pk")
    )
    editable = not closed and _has_money(figures)
    purposes = [
        {
            "purpose": label,
            "committed": figures.by_purpose[value][Stage.COMMITTED],
            "paid": figures.by_purpose[value][Stage.PAID],
        }
        for value, label in Purpose.choices
    ]
    context = {
        "municipality": municipality,
        "year": year,
        "figures": figures,
        "outcome": figures.outcome,
        "forecast": figures.forecast,
        "forecast_unspent": figures.forecast.unspent + figures.forecast.reserve_lapsed,
        "account": account,
        "closed": closed,
        "editable": editable,
        "year_over": today > date(year, 12, 31),
        "allocation": Allocation.objects.filter(municipality=municipality, scheme__year=year)
        .prefetch_related("corrections", "advances")
        .first(),
        "purposes": purposes,
        "lines": [
            {
                "line": line,
                "paid_form": forms.paid_for(line) if editable and line.stage == Stage.COMMITTED else None,
                "remove_form": forms.remove_for(line) if not closed else None,
            }
            for line in lines
        ],
        "forms": forms,
        "has_grants": bool(forms.grants),
        "has_money": _has_money(figures),
    }
    return render(request, "funding/year.html", context)


@permission_required("funding.manage")
def evidence(request, pk: int):
    """The evidence file of one of the municipality's spending lines, as a download."""
    municipality = _own_municipality(request.membership)
    line = get_object_or_404(
        Expenditure.objects.filter(municipality=municipality).exclude(evidence="").exclude(evidence__isnull=True),
        pk=pk,
    )
    try:
        handle = line.evidence.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=PurePath(line.evidence.name).name)


# --- Library grants ------------------------------------------------------------------------------------------------


def _libraries_for(municipality: Municipality, current: Organisation | None = None):
    """The libraries that serve the municipality (active ones, and the grant's own)."""
    libraries = Organisation.objects.filter(kind=OrganisationKind.LIBRARY, served_municipalities=municipality)
    condition = Q(is_active=True) | Q(pk=current.pk) if current is not None else Q(is_active=True)
    return libraries.filter(condition).distinct().order_by("name")


def _grants_for_page(actor):
    """The grants whose page the actor may open: a municipality its own, a library those it receives."""
    grants = selectors.grants_visible_to(actor)
    municipality = selectors.own_municipality(actor)
    if municipality is not None:
        return grants.filter(municipality=municipality)
    return grants


@permission_required("funding.manage")
def grants(request):
    """The municipality's grants to libraries, with what has been planned and paid in instalments."""
    municipality = _own_municipality(request.membership)
    items = (
        LibraryGrant.objects.filter(municipality=municipality)
        .select_related("library")
        .annotate(
            planned=Sum("instalments__amount"),
            paid=Sum("instalments__amount", filter=Q(instalments__paid_on__isnull=False)),
        )
        .order_by("-year", "library__name", "pk")
    )
    return render(request, "funding/grants.html", {"municipality": municipality, "grants": items})


@permission_required("funding.manage")
def grant_new(request):
    actor = request.membership
    municipality = _own_municipality(actor)
    libraries = _libraries_for(municipality)
    form = GrantForm(data=_bound(request), libraries=libraries, initial=GrantForm.initial_new(timezone.localdate()))
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.save_library_grant(
                actor=actor,
                municipality=municipality,
                library=form.cleaned_data["library"],
                data=form.grant_input(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The grant has been saved."))
            return redirect("funding:grant", pk=grant.pk)
    return render(
        request,
        "funding/grant_form.html",
        {"form": form, "grant": None, "municipality": municipality, "no_libraries": not libraries.exists()},
    )


@permission_required("funding.manage")
def grant_edit(request, pk: int):
    """Change one of the municipality's own grants (another municipality's is not found); not in a closed year."""
    actor = request.membership
    municipality = _own_municipality(actor)
    grant = get_object_or_404(LibraryGrant.objects.filter(municipality=municipality).select_related("library"), pk=pk)
    if _is_closed(municipality, grant.year):
        _refuse_closed_year(request, grant.year)
        return redirect("funding:grant", pk=grant.pk)
    libraries = _libraries_for(municipality, current=grant.library)
    form = GrantForm(data=_bound(request), libraries=libraries, initial=GrantForm.initial_for(grant))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_library_grant(
                actor=actor,
                municipality=municipality,
                library=form.cleaned_data["library"],
                data=form.grant_input(),
                grant=grant,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The grant has been saved."))
            return redirect("funding:grant", pk=grant.pk)
    return render(
        request,
        "funding/grant_form.html",
        {"form": form, "grant": grant, "municipality": municipality, "no_libraries": False},
    )


class _GrantForms:
    def __init__(self, grant: LibraryGrant, today: date):
        self.today = today
        self.decide = DecideGrantForm(prefix="decide", initial={"decided_on": today})
        self.instalment = InstalmentForm(prefix="instalment")
        self.paid: dict[int, InstalmentPaidForm] = {}

    def paid_for(self, instalment: Instalment) -> InstalmentPaidForm:
        if instalment.pk not in self.paid:
            self.paid[instalment.pk] = InstalmentPaidForm(
                prefix=f"paid-{instalment.pk}", initial={"paid_on": self.today}
            )
        return self.paid[instalment.pk]


def _grant_action(request, grant: LibraryGrant, forms: _GrantForms) -> bool:
    """Run the change posted on the grant page; True: redirect, False: show the errors."""
    actor, action = request.membership, request.POST.get("action")
    instalment = None
    if action == "decide":
        if grant.status == "decided":
            messages.error(request, _("This grant has already been decided."))
            return True
        form = forms.decide = DecideGrantForm(request.POST, prefix="decide")
    elif action == "instalment":
        form = forms.instalment = InstalmentForm(request.POST, prefix="instalment")
    elif action == "instalment_paid":
        instalment = get_object_or_404(grant.instalments.all(), pk=_int(request.POST.get("instalment")))
        if instalment.paid_on is not None:
            messages.error(request, _("This instalment has already been paid."))
            return True
        form = forms.paid[instalment.pk] = InstalmentPaidForm(request.POST, prefix=f"paid-{instalment.pk}")
    else:
        raise Http404
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if action == "decide":
            services.decide_grant(actor=actor, grant=grant, on=data["decided_on"])
            done = _("The grant has been decided.")
        elif action == "instalment":
            services.add_instalment(actor=actor, grant=grant, due_on=data["due_on"], amount=data["amount"])
            done = _("The instalment has been added.")
        else:
            services.mark_instalment_paid(actor=actor, instalment=instalment, on=data["paid_on"])
            done = _("The instalment has been marked as paid.")
    except ValidationError as error:
        apply_validation_error(form, error)
        return False
    messages.success(request, done)
    return True


@permission_required("funding.view")
def grant(request, pk: int):
    """A grant to a library: its terms and instalments, and the other funders' grants to the same library. The
    municipality's officers change it (not in a closed year); the library's coordinator reads it, without the
    internal note."""
    actor = request.membership
    grant = get_object_or_404(_grants_for_page(actor), pk=pk)
    manages = selectors.may_manage(actor, grant.municipality)
    closed = _is_closed(grant.municipality, grant.year)
    forms = _GrantForms(grant, timezone.localdate())
    if request.method == "POST":
        if not manages:
            raise PermissionDenied
        if closed:
            _refuse_closed_year(request, grant.year)
            return redirect("funding:grant", pk=grant.pk)
        if _grant_action(request, grant, forms):
            return redirect("funding:grant", pk=grant.pk)
    editable = manages and not closed
    instalments = list(grant.instalments.all())
    planned = sum((item.amount for item in instalments), Decimal("0"))
    others = _without_notes(
        selectors.grants_visible_to(actor).filter(library=grant.library).exclude(municipality=grant.municipality)
    )
    return render(
        request,
        "funding/grant_detail.html",
        {
            "grant": grant,
            "manages": manages,
            "closed": closed,
            "editable": editable,
            "instalments": [
                {
                    "instalment": item,
                    "paid_form": forms.paid_for(item) if editable and item.paid_on is None else None,
                }
                for item in instalments
            ],
            "planned": planned,
            "paid": sum((item.amount for item in instalments if item.paid_on is not None), Decimal("0")),
            "unplanned": grant.amount - planned,
            "reporting_dates": [date.fromisoformat(day) for day in grant.reporting_dates or []],
            "others": _grants_by_year(others),
            "others_linked": not manages,  # a library opens every grant it receives; a municipality only its own
            "forms": forms,
        },
    )
