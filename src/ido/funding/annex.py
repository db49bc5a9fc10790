"""Importing the regulation's annex: one row per municipality with its amount for the year (the legal amount),
optionally with the components. CSV or XLSX, read like the registrations import. All or nothing: every row is
checked first and the report lists every problem with its row number; nothing is written unless all rows are
good. Importing the same file again changes nothing (the amounts are set, not added)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ido.funding import services
from ido.funding.forms import parse_money
from ido.funding.models import Allocation, FundingScheme, YearAccount
from ido.organisations.models import Municipality
from ido.registrations.imports import Column, ImportProblem, read_rows

MAX_ROWS = 1000  # there are some 350 municipalities

COLUMNS = (
    Column("gemeente", ("municipality", "cbs_code", "gemeentecode", "naam"), True, gettext_lazy("CBS code or name")),
    Column("bedrag", ("amount", "uitkering"), True, gettext_lazy("Amount in euros")),
    Column("inwoners", ("inhabitants",), False, gettext_lazy("Inhabitants")),
    Column(
        "laag_opgeleid",
        ("low_educated", "inwoners_15_75_max_vmbo"),
        False,
        gettext_lazy("Inhabitants aged 15–75 with at most vmbo"),
    ),
)


@dataclass(frozen=True)
class AnnexRow:
    row_number: int
    municipality: Municipality
    amount: Decimal
    inhabitants: int | None
    low_educated: int | None


@dataclass
class AnnexImport:
    rows: list[AnnexRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _count(raw: str) -> int | None:
    text = raw.replace(".", "").replace(" ", "")
    return int(text) if text.isdigit() else None


def check(content: bytes) -> AnnexImport:
    """Read and check every row, writing nothing."""
    result = AnnexImport()
    table = read_rows(content, COLUMNS, max_rows=MAX_ROWS)
    result.problems.extend(table.problems)
    by_code = {m.cbs_code.casefold(): m for m in Municipality.objects.all()}
    by_name: dict[str, list[Municipality]] = {}
    for municipality in by_code.values():
        by_name.setdefault(municipality.name.casefold(), []).append(municipality)
    seen: dict[int, int] = {}
    for record in table.records:
        values, number = record.values, record.row_number
        key = values["gemeente"].strip().casefold()
        found = by_code.get(key) or by_code.get(f"gm{key.zfill(4)}" if key.isdigit() else "")
        if found is None:
            named = [m for m in by_name.get(key, []) if m.valid_until is None] or by_name.get(key, [])
            found = named[0] if len(named) == 1 else None
        if found is None:
            result.problems.append(
                ImportProblem(
                    number,
                    _("Unknown municipality “%(value)s”: use the CBS code, such as GM0344.")
                    % {"value": values["gemeente"][:60]},
                )
            )
            continue
        if found.pk in seen:
            result.problems.append(
                ImportProblem(
                    number, _("%(name)s is also on row %(row)d.") % {"name": found.name, "row": seen[found.pk]}
                )
            )
            continue
        seen[found.pk] = number
        try:
            amount = parse_money(values["bedrag"])
        except ValidationError as error:
            # The same reading and messages as the forms: negative, too many decimals, not an amount, too large.
            result.problems.append(ImportProblem(number, f"“{values['bedrag'][:30]}”: {error.messages[0]}"))
            continue
        inhabitants = _count(values.get("inwoners", "")) if values.get("inwoners", "").strip() else None
        low = _count(values.get("laag_opgeleid", "")) if values.get("laag_opgeleid", "").strip() else None
        if (values.get("inwoners", "").strip() and inhabitants is None) or (
            values.get("laag_opgeleid", "").strip() and low is None
        ):
            result.problems.append(ImportProblem(number, _("A number of inhabitants is a whole number.")))
            continue
        if (inhabitants is None) != (low is None):
            result.problems.append(ImportProblem(number, _("Give both numbers of inhabitants, or neither.")))
            continue
        if inhabitants is not None and low is not None and low > inhabitants:
            result.problems.append(
                ImportProblem(
                    number, _("There cannot be more inhabitants aged 15–75 with at most vmbo than inhabitants.")
                )
            )
            continue
        result.rows.append(AnnexRow(number, found, amount.quantize(Decimal("0.01")), inhabitants, low))
    return result


@transaction.atomic
def import_annex(*, actor, scheme: FundingScheme, content: bytes) -> AnnexImport:
    """Check the whole file; write only when every row is good (national administrators)."""
    if not actor.has_perm("funding.allocations"):
        raise PermissionDenied
    result = check(content)
    if not result.ok:
        return result
    closed = set(
        YearAccount.objects.filter(year=scheme.year, closed_at__isnull=False).values_list("municipality_id", flat=True)
    )
    existing = {a.municipality_id: a for a in Allocation.objects.filter(scheme=scheme)}
    changes = [row for row in result.rows if not _same(existing.get(row.municipality.pk), row)]
    result.unchanged = len(result.rows) - len(changes)
    for row in changes:
        if row.municipality.pk in closed:
            result.problems.append(
                ImportProblem(
                    row.row_number,
                    _("%(name)s has closed the year %(year)s: it must reopen it first.")
                    % {"name": row.municipality.name, "year": scheme.year},
                )
            )
    if not result.ok:
        result.unchanged = 0
        return result
    for row in changes:
        services.set_allocation(
            actor=actor,
            scheme=scheme,
            municipality=row.municipality,
            annex_amount=row.amount,
            inhabitants=row.inhabitants,
            low_educated=row.low_educated,
        )
        if row.municipality.pk in existing:
            result.updated += 1
        else:
            result.created += 1
    return result


def _same(before: Allocation | None, row: AnnexRow) -> bool:
    """The file says what is already there: nothing to write."""
    if before is None or before.annex_amount != row.amount:
        return False
    return row.inhabitants is None or (before.inhabitants, before.low_educated) == (row.inhabitants, row.low_educated)
