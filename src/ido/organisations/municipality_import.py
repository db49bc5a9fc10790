"""Reading a CBS municipality list (CSV) into checked rows. Pure: no database access.

`parse_municipalities()` checks every row and returns the good rows together with every problem found, so a
caller can refuse the whole file and show a complete report instead of stopping at the first error.
Row numbers are spreadsheet row numbers: the header is row 1, the first municipality row 2.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils.translation import gettext as _

from ido.organisations.models import Province

DATA_DIR = Path(__file__).resolve().parent / "data"
BUNDLED_MUNICIPALITIES = DATA_DIR / "municipalities.csv"
BUNDLED_PROVINCES = DATA_DIR / "provinces.csv"

REQUIRED_COLUMNS = ("cbs_code", "name", "province_cbs_code")
OPTIONAL_COLUMNS = ("province", "valid_from", "inhabitants", "inhabitants_year")

# The source uses 1 January 1970 for "existed before its records start": stored as unknown.
PLACEHOLDER_VALID_FROM = date(1970, 1, 1)
FIRST_PLAUSIBLE_YEAR = 1800
MAX_INHABITANTS = 2_147_483_647  # what the database column holds
NAME_MAX_LENGTH = 100

CBS_CODE = re.compile(r"^GM\d{4}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DIGITS = re.compile(r"^\d+$")
# Spellings found in sources besides the official names (the labels of Province).
PROVINCE_ALIASES = {"PV21": ("Friesland", "Fryslan")}


@dataclass(frozen=True)
class MunicipalityRow:
    row_number: int
    cbs_code: str
    name: str
    province: str  # CBS province code, PV20 to PV31
    valid_from: date | None = None
    inhabitants: int | None = None
    inhabitants_year: int | None = None


@dataclass(frozen=True)
class RowError:
    row_number: int
    message: str
    cbs_code: str = ""

    def __str__(self) -> str:
        where = _("Row %(row)d") % {"row": self.row_number}
        if self.cbs_code:
            where = f"{where} ({self.cbs_code})"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ParseResult:
    rows: list[MunicipalityRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def province_names() -> dict[str, set[str]]:
    """Every accepted spelling of each province, by CBS code, case-folded."""
    names = {code: {label.casefold()} for code, label in Province.choices}
    for code, aliases in PROVINCE_ALIASES.items():
        names[code].update(alias.casefold() for alias in aliases)
    return names


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _parse_date(raw: str, errors: list[str], *, today: date) -> date | None:
    if not raw:
        return None
    try:
        if not ISO_DATE.match(raw):
            raise ValueError(raw)
        value = date.fromisoformat(raw)
    except ValueError:
        errors.append(
            _("valid_from %(value)r is not a date in the form YYYY-MM-DD, for example 2023-01-01.") % {"value": raw}
        )
        return None
    if value.year < FIRST_PLAUSIBLE_YEAR or value.year > today.year + 1:
        errors.append(
            _("valid_from %(value)s is not plausible: the year must be between %(first)d and %(last)d.")
            % {"value": raw, "first": FIRST_PLAUSIBLE_YEAR, "last": today.year + 1}
        )
        return None
    return None if value == PLACEHOLDER_VALID_FROM else value


def _parse_population(
    raw_count: str, raw_year: str, errors: list[str], *, today: date
) -> tuple[int | None, int | None]:
    count = year = None
    if raw_count:
        if not DIGITS.match(raw_count) or int(raw_count) > MAX_INHABITANTS:
            errors.append(
                _("inhabitants %(value)r is not a whole number of zero or more; write it without dots.")
                % {"value": raw_count}
            )
        else:
            count = int(raw_count)
    if raw_year:
        if not DIGITS.match(raw_year):
            errors.append(_("inhabitants_year %(value)r is not a year.") % {"value": raw_year})
        elif not FIRST_PLAUSIBLE_YEAR <= int(raw_year) <= today.year:
            errors.append(
                _("inhabitants_year %(value)s is not plausible: it must be between %(first)d and %(last)d.")
                % {"value": raw_year, "first": FIRST_PLAUSIBLE_YEAR, "last": today.year}
            )
        else:
            year = int(raw_year)
    if raw_count and not raw_year:
        errors.append(_("inhabitants is filled but inhabitants_year is empty: say which year the figure is for."))
    if raw_year and not raw_count:
        errors.append(_("inhabitants_year is filled but inhabitants is empty."))
    if count is None or year is None:
        return None, None
    return count, year


def parse_municipalities(text: str | Iterable[str], *, today: date | None = None) -> ParseResult:
    """Check every row of a municipality CSV. `text` is the file's content or an iterable of its lines."""
    today = today or date.today()
    lines = io.StringIO(text) if isinstance(text, str) else text
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as error:
        return ParseResult([], [RowError(1, _("This is not a readable CSV file: %(error)s.") % {"error": error})])
    if header is None:
        return ParseResult([], [RowError(1, _("The file is empty."))])
    header = [column.strip().lstrip("\ufeff") for column in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        return ParseResult(
            [],
            [
                RowError(
                    1,
                    _("The header lacks the column(s) %(missing)s; it needs at least %(required)s.")
                    % {"missing": ", ".join(missing), "required": ", ".join(REQUIRED_COLUMNS)},
                )
            ],
        )
    doubled = sorted({column for column in header if column and header.count(column) > 1})
    if doubled:
        return ParseResult(
            [],
            [
                RowError(
                    1,
                    _("The header names a column more than once: %(columns)s.") % {"columns": ", ".join(doubled)},
                )
            ],
        )

    known_provinces = province_names()
    rows: list[MunicipalityRow] = []
    errors: list[RowError] = []
    first_row_of_code: dict[str, int] = {}
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # A broken row (an unclosed quote, a field too long, odd line ends): nothing after it can be trusted.
            errors.append(RowError(reader.line_num, _("This row cannot be read: %(error)s.") % {"error": error}))
            break
        row_number = reader.line_num  # the file's line, also after a quoted field with a line break
        if not any(value.strip() for value in values):
            continue  # a blank line
        problems: list[str] = []
        if len(values) != len(header):
            errors.append(
                RowError(
                    row_number,
                    _("This row has %(found)d fields but the header has %(expected)d.")
                    % {"found": len(values), "expected": len(header)},
                )
            )
            continue
        record = {column: _clean(value) for column, value in zip(header, values, strict=True)}
        code = record["cbs_code"]
        if not CBS_CODE.match(code):
            problems.append(
                _("CBS code %(value)r is not GM followed by four digits, for example GM0363.") % {"value": code}
            )
        elif code in first_row_of_code:
            problems.append(
                _("CBS code %(code)s appears more than once: also in row %(row)d.")
                % {"code": code, "row": first_row_of_code[code]}
            )
        else:
            first_row_of_code[code] = row_number

        name = record["name"]
        if not name:
            problems.append(_("The name is empty."))
        elif any(ord(character) < 32 for character in name):
            problems.append(_("The name contains a line break or another control character."))
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(_("The name is longer than %(max)d characters.") % {"max": NAME_MAX_LENGTH})

        province = record["province_cbs_code"]
        if province not in known_provinces:
            problems.append(
                _("Province code %(value)r is unknown; it must be one of PV20 to PV31.") % {"value": province}
            )
        elif record.get("province") and record["province"].casefold() not in known_provinces[province]:
            problems.append(
                _("Province %(name)r does not match province code %(code)s (%(expected)s).")
                % {"name": record["province"], "code": province, "expected": Province(province).label}
            )

        valid_from = _parse_date(record.get("valid_from", ""), problems, today=today)
        inhabitants, year = _parse_population(
            record.get("inhabitants", ""), record.get("inhabitants_year", ""), problems, today=today
        )

        if problems:
            shown_code = code if CBS_CODE.match(code) else ""
            errors.extend(RowError(row_number, problem, shown_code) for problem in problems)
            continue
        rows.append(
            MunicipalityRow(
                row_number=row_number,
                cbs_code=code,
                name=name,
                province=province,
                valid_from=valid_from,
                inhabitants=inhabitants,
                inhabitants_year=year,
            )
        )
    if not rows and not errors:
        errors.append(RowError(2, _("The file has a header but no municipalities.")))
    return ParseResult(rows, errors)


def read_municipalities_file(path: Path | str, *, today: date | None = None) -> ParseResult:
    """Read and check a municipality CSV file (UTF-8, with or without a byte order mark)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return parse_municipalities(handle, today=today)
