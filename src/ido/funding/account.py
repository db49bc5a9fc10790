"""The year's account (verantwoording) of one municipality, in SiSa style, and its files (CSV, XLSX, PDF).

What it holds: spending in year T (paid, in total and by purpose), the reserve built up (kept for next year), the
reserve used (of the reserve carried in, what was spent), and whether this is the final account, each with the
indicator code the year's funding scheme sets (codes not set yet say so). Around those: the year's allocation, the
reserve carried in, what was not kept, and what was spent above the money available.

Where the figures come from:
- a closed year is exported exactly as it was closed: the snapshot in `YearAccount.figures` and the reserve the
  account kept (nothing is recomputed, so later changes elsewhere do not change a submitted account);
- an open year comes from the data as it is now (`selectors.year_figures`): the reserve built up is then what may
  be reserved so far, and is marked provisional, as is a reserve carried in from a previous year that is not closed.

The CSV file: separated by semicolons, UTF-8 with a byte order mark, amounts with a decimal comma and no thousands
separator (1234,56). That is what Excel with Dutch settings expects: the semicolon is its list separator there and
the comma its decimal sign, so the file opens with the amounts as numbers; a decimal point would be read as a
thousands separator or as a date. The first column is a fixed key per line (the same in every language) for whoever
processes the file further.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ido.funding import rules, selectors
from ido.funding.documents import render_pdf
from ido.funding.models import CarryOverRule, FundingScheme, Purpose, YearAccount
from ido.organisations.models import Municipality

ZERO = rules.ZERO
EURO_FORMAT = '"€" #,##0.00'
ACCOUNT_PDF_TEMPLATE = "funding/documents/account_pdf.html"

# The SiSa indicators of the account, by the key `FundingScheme.sisa_indicators` holds their codes under.
INDICATORS = ("spent", "reserve_built", "reserve_used", "final")


@dataclass(frozen=True)
class Account:
    """The account of one municipality and year, in euros with cents."""

    municipality: Municipality
    year: int
    scheme: FundingScheme | None
    closed: bool
    closed_at: datetime | None
    submitted_on: date | None
    final: bool
    allocation: Decimal
    reserve_in: Decimal
    reserve_in_provisional: bool
    spent: Decimal  # paid in year T
    by_purpose: dict[str, Decimal]  # paid, per purpose
    committed: Decimal  # committed and not yet paid
    reserve_built: Decimal  # kept for next year (closed), or what may be kept so far (open: provisional)
    reserve_used: Decimal
    reserve_lapsed: Decimal  # what was left of the reserve carried in: it cannot be reserved again
    lost: Decimal  # everything not kept: the lapsed reserve and unspent allocation not reserved
    overspent: Decimal  # spent above what was available: the municipality's own money
    indicators: dict[str, str]

    @property
    def provisional(self) -> bool:
        return not self.closed

    @property
    def available(self) -> Decimal:
        return self.allocation + self.reserve_in

    @property
    def lost_unspent(self) -> Decimal:
        """Unspent money of this year's allocation that is not kept."""
        return self.lost - self.reserve_lapsed

    @property
    def cap_percent(self) -> Decimal:
        return self.scheme.reserve_cap_percent if self.scheme else Decimal("0")

    @property
    def cap(self) -> Decimal:
        """The most that may be kept for next year."""
        return rules.reserve_cap(self.allocation, self.cap_percent)

    @property
    def rule_label(self) -> str:
        rule = self.scheme.carry_over_rule if self.scheme else rules.DEFAULT_RULE
        return str(CarryOverRule(rule).label)

    @property
    def purposes(self) -> list[tuple[str, str, Decimal]]:
        """(purpose, label, paid) in the order of the purposes."""
        return [(value, str(label), self.by_purpose.get(value, ZERO)) for value, label in Purpose.choices]

    def code(self, indicator: str) -> str:
        return self.indicators.get(indicator, "")


def _amount(figures: dict, key: str) -> Decimal:
    return Decimal(str(figures.get(key) or "0"))


def _codes(scheme: FundingScheme | None) -> dict[str, str]:
    stored = scheme.sisa_indicators if scheme and isinstance(scheme.sisa_indicators, dict) else {}
    return {indicator: str(stored.get(indicator) or "").strip() for indicator in INDICATORS}


def _closed(municipality: Municipality, account: YearAccount, scheme: FundingScheme | None) -> Account:
    figures = account.figures or {}
    by_purpose = figures.get("by_purpose") or {}
    return Account(
        municipality=municipality,
        year=account.year,
        scheme=scheme,
        closed=True,
        closed_at=account.closed_at,
        submitted_on=account.submitted_on,
        final=account.final,
        allocation=_amount(figures, "allocation"),
        reserve_in=_amount(figures, "reserve_in"),
        reserve_in_provisional=False,
        spent=_amount(figures, "spent"),
        by_purpose={purpose: _amount(by_purpose, purpose) for purpose in Purpose.values},
        committed=_amount(figures, "committed"),
        reserve_built=account.reserved,
        reserve_used=_amount(figures, "reserve_used"),
        reserve_lapsed=_amount(figures, "reserve_lapsed"),
        lost=_amount(figures, "lost"),
        overspent=_amount(figures, "overspent"),
        indicators=_codes(scheme),
    )


def year_account(municipality: Municipality, year: int, *, today: date) -> Account | None:
    """The account of the year, or None for a year without a grant and without an account."""
    stored = YearAccount.objects.filter(municipality=municipality, year=year).first()
    scheme = selectors.scheme_for(year)
    if stored is not None and stored.is_closed:
        return _closed(municipality, stored, scheme)
    figures = selectors.year_figures(municipality, year, as_of=today)
    if scheme is None and figures.reserve_in == 0:
        return None
    outcome = figures.outcome
    assert outcome is not None
    return Account(
        municipality=municipality,
        year=year,
        scheme=scheme,
        closed=False,
        closed_at=None,
        submitted_on=stored.submitted_on if stored else None,
        final=stored.final if stored else False,
        allocation=outcome.allocation,
        reserve_in=outcome.reserve_in,
        reserve_in_provisional=not figures.reserve_in_is_final,
        spent=outcome.spent,
        by_purpose={purpose: stages["paid"] for purpose, stages in figures.by_purpose.items()},
        committed=figures.committed,
        reserve_built=outcome.reservable,
        reserve_used=outcome.reserve_used,
        reserve_lapsed=outcome.reserve_lapsed,
        lost=outcome.lost,
        overspent=outcome.overspent,
        indicators=_codes(scheme),
    )


# --- The lines of the files ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of the exported account. `indicator` is None for a line that is no SiSa indicator, and "" for an
    indicator whose code is not set yet."""

    key: str
    label: str
    value: Decimal | bool | int | str
    indicator: str | None = None
    note: str = ""

    @property
    def is_money(self) -> bool:
        return isinstance(self.value, Decimal)


def lines(account: Account) -> list[Line]:
    """The account line by line, in the active language."""
    provisional = _("provisional")
    if account.closed:
        status = _("Closed")
        if account.closed_at:
            status = _("Closed on %(date)s") % {"date": f"{account.closed_at:%d-%m-%Y}"}
    else:
        status = _("Open: the figures are provisional")
    result = [
        Line("municipality", _("Municipality"), account.municipality.name),
        Line("cbs_code", _("CBS code"), account.municipality.cbs_code),
        Line("year", _("Year"), account.year),
        Line("scheme", _("Funding scheme"), str(account.scheme.name) if account.scheme else ""),
        Line("status", _("Status"), status),
        Line("allocation", _("Allocation of the year"), account.allocation),
        Line(
            "reserve_in",
            _("Reserve carried in from the previous year"),
            account.reserve_in,
            note=provisional if account.reserve_in_provisional else "",
        ),
        Line("spent", _("Spending in the year (paid)"), account.spent, account.code("spent")),
    ]
    for purpose, label, paid in account.purposes:
        result.append(Line(f"spent.{purpose}", _("of which: %(purpose)s") % {"purpose": label}, paid))
    result += [
        Line("committed", _("Committed, not yet paid"), account.committed),
        Line(
            "reserve_built",
            _("Reserve built up (kept for next year)"),
            account.reserve_built,
            account.code("reserve_built"),
            note=provisional if account.provisional else "",
        ),
        Line(
            "reserve_used",
            _("Reserve used (of the reserve carried in)"),
            account.reserve_used,
            account.code("reserve_used"),
        ),
        Line("reserve_lapsed", _("Reserve carried in that lapsed"), account.reserve_lapsed),
        Line("lost_unspent", _("Unspent allocation above the cap (not kept)"), account.lost_unspent),
        Line("lost", _("Not kept in total"), account.lost, note=provisional if account.provisional else ""),
        Line("overspent", _("Spent above the money available"), account.overspent),
        Line("final", _("Final account"), account.final, account.code("final")),
    ]
    return result


def _indicator_text(line: Line) -> str:
    if line.indicator is None:
        return ""
    return line.indicator or _("not set")


def _text(value: str) -> str:
    """A text cell that a spreadsheet does not take for a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _csv_value(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return _text(str(value))


def _header() -> list[str]:
    return [_("Key"), _("SiSa indicator"), _("Description"), _("Value"), _("Note")]


def account_csv(account: Account) -> bytes:
    """The account as CSV: semicolons, UTF-8 with a byte order mark, decimal comma (see the module's notes)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_header())
    for line in lines(account):
        writer.writerow([line.key, _text(_indicator_text(line)), line.label, _csv_value(line.value), line.note])
    return out.getvalue().encode("utf-8-sig")


def account_xlsx(account: Account) -> bytes:
    """The account as XLSX: amounts as numbers in euros, the final account as yes or no."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Account")[:31]
    sheet.append(_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in lines(account):
        value = line.value
        if isinstance(value, bool):
            value = _("Yes") if value else _("No")
        elif isinstance(value, str):
            value = _text(value)
        sheet.append([line.key, _indicator_text(line), line.label, value, line.note])
        if line.is_money:
            cell = sheet.cell(row=sheet.max_row, column=4)
            cell.number_format = EURO_FORMAT
            cell.alignment = Alignment(horizontal="right")
    for column, width in zip("ABCDE", (16, 16, 48, 18, 14), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def account_pdf(account: Account, *, today: date) -> bytes:
    """A readable account for the council, in the active language."""
    html = render_to_string(ACCOUNT_PDF_TEMPLATE, {"account": account, "lines": lines(account), "today": today})
    return render_pdf(html)


def filename(account: Account, extension: str) -> str:
    return f"verantwoording-ido-{account.municipality.cbs_code or account.municipality.pk}-{account.year}.{extension}"
