"""Reading historical registrations from a CSV or XLSX file into checked visits. Pure: no database access.

The file has one row per question. Rows with the same visit number (column `bezoek`) are the questions of one
visit and must agree on the visit's columns. `read_rows()` turns the file into records (format: encoding,
separator, workbook, header); `check_rows()` checks every record against the library's locations and the
vocabularies the caller passes in, and returns the visits together with every problem found, so the caller
can refuse the whole file and show a complete report instead of stopping at the first error.
Row numbers are spreadsheet row numbers: the header is row 1, the first question row 2.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ido.locations.models import Location
from ido.registrations import rules
from ido.registrations.models import (
    AgeBand,
    Channel,
    DurationBand,
    HelpGiven,
    ServiceOrganisation,
    Topic,
    Visit,
    VocabularyTerm,
    YesNoUnknown,
)
from ido.registrations.personal_data import find_personal_data
from ido.registrations.services import MAX_QUESTIONS, QuestionInput, VisitInput, check_note

MAX_BYTES = 16 * 1024 * 1024
MAX_MEGABYTES = MAX_BYTES // (1024 * 1024)
MAX_ROWS = 50_000  # question rows, the header not counted
# An XLSX file is a zip archive: refuse one that unpacks to far more than any real list of 50 000 rows.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_COLUMNS = 100  # read from a workbook; the import knows 14
MAX_SHOWN_VALUE = 60  # characters of a wrong value repeated in a message
DEFAULT_TIME = time(12, 0)
FIRST_YEAR = rules.EARLIEST_VISIT_YEAR  # the IDOs started long after; an earlier year is a typing error
NOTE_MAX_LENGTH = Visit._meta.get_field("note").max_length or 200

ZIP_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"

ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class Column:
    name: str  # the Dutch header, as in the template
    aliases: tuple[str, ...]
    required: bool
    description: Promise
    choices: type[models.TextChoices] | None = None

    @property
    def values(self) -> list[str]:
        """The labels a choice column accepts, in the current language (codes are accepted too)."""
        if self.choices is None:
            return []
        return [str(label) for value, label in self.choices.choices if value]


COLUMNS: tuple[Column, ...] = (
    Column(
        "bezoek",
        ("visit", "visit_number", "bezoeknummer"),
        True,
        gettext_lazy(
            "Visit number within the file. Rows with the same number are the questions of one visit and must "
            "agree on the visit's columns: date, time, location, channel, duration, age, NT2, first visit and note."
        ),
    ),
    Column("datum", ("date",), True, gettext_lazy("Date of the visit: YYYY-MM-DD or DD-MM-YYYY. Not in the future.")),
    Column("tijd", ("time",), False, gettext_lazy("Time of the visit: HH:MM. Empty: 12:00.")),
    Column(
        "locatie",
        ("location",),
        True,
        gettext_lazy("The name of one of your library's locations, exactly as in the platform."),
    ),
    Column("kanaal", ("channel",), True, gettext_lazy("How the visitor came."), Channel),
    Column("duur", ("duration", "duration_band"), True, gettext_lazy("How long it took."), DurationBand),
    Column(
        "onderwerp",
        ("topic",),
        True,
        gettext_lazy("The topic of the question: its code or its Dutch or English name, as in the registration form."),
    ),
    Column(
        "organisatie",
        ("organisation", "organization", "service_organisation"),
        False,
        gettext_lazy("The organisation the question concerns: code or name. Empty: none or unknown."),
    ),
    Column("hulp", ("help", "help_given"), True, gettext_lazy("The help given: code or name.")),
    Column("opgelost", ("solved",), False, gettext_lazy("Whether the question was solved."), YesNoUnknown),
    Column("leeftijd", ("age", "age_band"), False, gettext_lazy("Age of the visitor."), AgeBand),
    Column("nt2", ("dutch_as_second_language",), False, gettext_lazy("Dutch as a second language."), YesNoUnknown),
    Column("eerste_bezoek", ("first_visit",), False, gettext_lazy("Whether it was the first visit."), YesNoUnknown),
    Column(
        "notitie",
        ("note",),
        False,
        gettext_lazy(
            "A few words, at most 200 characters. Never a name, BSN, phone number, e-mail address or IBAN: "
            "a row with one is refused."
        ),
    ),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)
# The columns every row of a visit repeats; they must agree.
VISIT_COLUMNS = ("datum", "tijd", "locatie", "kanaal", "duur", "leeftijd", "nt2", "eerste_bezoek", "notitie")

# Shorthands people write besides the codes and the Dutch and English labels.
CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "kanaal": {"inloop": Channel.WALK_IN},
    "duur": {"<10": DurationBand.UNDER_10, "10-20": "10_20", "20-40": "20_40", ">40": DurationBand.OVER_40},
    "leeftijd": {"<25": AgeBand.UNDER_25, "25-44": "25_44", "45-64": "45_64", "65+": AgeBand.FROM_65},
}


def _key(value: str) -> str:
    """How names are compared: case and runs of spaces do not matter."""
    return " ".join(value.split()).casefold()


def _header_key(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lstrip("\ufeff").strip().casefold())


def _header_names(columns: tuple[Column, ...]) -> dict[str, str]:
    return {_header_key(name): column.name for column in columns for name in (column.name, *column.aliases)}


HEADER_NAMES: dict[str, str] = _header_names(COLUMNS)


# --- Problems ---


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file. Row 0 is the file as a whole, row 1 the header."""

    row_number: int
    message: str
    column: str = ""

    def __str__(self) -> str:
        if not self.row_number:
            return self.message
        return f"{_('Row %(row)d') % {'row': self.row_number}}: {self.message}"


def _shown(value: str) -> str:
    """A wrong value as a message may repeat it: short, and never anything that looks like personal data."""
    if find_personal_data(value):
        return "…"
    return value if len(value) <= MAX_SHOWN_VALUE else value[: MAX_SHOWN_VALUE - 1] + "…"


# --- Reading the file ---


@dataclass(frozen=True)
class Record:
    row_number: int
    values: dict[str, str]  # column name (Dutch) -> text, "" when empty or absent


@dataclass(frozen=True)
class Rows:
    records: list[Record]
    problems: list[ImportProblem]
    headers: dict[str, str] = field(default_factory=dict)  # column name -> the header as written in the file

    def label(self, column: str) -> str:
        return self.headers.get(column, column)


def _file_problem(message: str, row_number: int = 0) -> Rows:
    return Rows([], [ImportProblem(row_number, message)])


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV file would have."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YesNoUnknown.YES.value if value else YesNoUnknown.NO.value
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _workbook_lines(content: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the first sheet. Raises ValueError for a file that is not a readable workbook."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as error:
        raise ValueError(str(error)) from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise OverflowError
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (KeyError, TypeError, XML errors) on a broken file
        raise ValueError(str(error)) from error
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            yield number, [_cell_text(cell) for cell in cells]
    except Exception as error:  # a broken sheet shows only while reading it
        raise ValueError(str(error)) from error
    finally:
        book.close()


def _csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    # Strict: an unclosed quote is an error instead of a field that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise csv.Error(reader.line_num, error) from error
        yield reader.line_num, [value.strip() for value in values]


def _filled_width(cells: list[str]) -> int:
    """The number of cells up to and including the last one that is filled in."""
    for position in range(len(cells) - 1, -1, -1):
        if cells[position]:
            return position + 1
    return 0


def _header(
    cells: list[str], row_number: int, columns: tuple[Column, ...] = ()
) -> tuple[dict[str, int], dict[str, str], list[ImportProblem]]:
    """Which cell holds which column. Columns without a header are left out."""
    header_names = _header_names(columns) if columns else HEADER_NAMES
    required = tuple(column.name for column in columns if column.required) if columns else REQUIRED_COLUMNS
    known = tuple(column.name for column in columns) if columns else COLUMN_NAMES
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    unknown: list[str] = []
    doubled: list[str] = []
    for position, cell in enumerate(cells):
        text = cell.strip().lstrip("\ufeff").strip()
        if not text:
            continue
        name = header_names.get(_header_key(text))
        if name is None:
            unknown.append(text)
        elif name in positions:
            doubled.extend(item for item in (written[name], text) if item not in doubled)
        else:
            positions[name] = position
            written[name] = text
    problems = []
    missing = [name for name in required if name not in positions]
    if missing:
        problems.append(
            ImportProblem(
                row_number,
                _("The header lacks the column(s) %(missing)s; it needs at least %(required)s.")
                % {"missing": ", ".join(missing), "required": ", ".join(required)},
            )
        )
    if unknown:
        problems.append(
            ImportProblem(
                row_number,
                _("The header has column(s) this import does not know: %(columns)s. The columns are: %(known)s.")
                % {"columns": ", ".join(_shown(name) for name in unknown), "known": ", ".join(known)},
            )
        )
    if doubled:
        problems.append(
            ImportProblem(
                row_number,
                _("The header names a column more than once: %(columns)s.") % {"columns": ", ".join(doubled)},
            )
        )
    return positions, written, problems


def read_rows(content: bytes, columns: tuple[Column, ...] = (), max_rows: int | None = None) -> Rows:
    """Read a CSV file (UTF-8, with or without a byte order mark; separated by ; or ,) or an XLSX workbook
    (its first sheet) into records. Format problems come back as problems, never as exceptions. `columns`: the
    columns of another import that reads files the same way (default: the registrations')."""
    if len(content) > MAX_BYTES:
        return _file_problem(
            _("The file is larger than %(max)d MB. Split it into smaller files.") % {"max": MAX_MEGABYTES}
        )
    if not content.strip():
        return _file_problem(_("The file is empty."))
    if content.startswith(OLD_EXCEL_MAGIC):
        return _file_problem(
            _("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as CSV UTF-8 and try again.")
        )
    lines: Iterator[tuple[int, list[str]]]
    if content.startswith(ZIP_MAGIC):
        lines = _workbook_lines(content)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _file_problem(_("This is not a UTF-8 text file. Save it as CSV (UTF-8) and try again."))
        if not text.strip():
            return _file_problem(_("The file is empty."))
        lines = _csv_lines(text)

    records: list[Record] = []
    problems: list[ImportProblem] = []
    positions: dict[str, int] | None = None
    written: dict[str, str] = {}
    width = 0  # the header's cells up to the last one filled in
    try:
        for row_number, cells in lines:
            if positions is None:
                if not any(cells):
                    continue  # blank lines above the header
                positions, written, header_problems = _header(cells, row_number, columns)
                if header_problems:
                    return Rows([], header_problems, written)
                width = _filled_width(cells)
                continue
            if not any(cells):
                continue  # a blank line
            limit = MAX_ROWS if max_rows is None else max_rows
            if len(records) >= limit:
                return _file_problem(
                    _("The file has more than %(max)d rows. Split it into smaller files.") % {"max": limit}
                )
            found = _filled_width(cells)
            if found > width:
                problems.append(
                    ImportProblem(
                        row_number,
                        _("This row has %(found)d fields but the header has %(expected)d.")
                        % {"found": found, "expected": width},
                    )
                )
                continue
            records.append(
                Record(
                    row_number,
                    {name: cells[position] if position < len(cells) else "" for name, position in positions.items()},
                )
            )
    except csv.Error as error:
        # A broken row (an unclosed quote, a field too long): nothing after it can be trusted.
        line, reason = error.args if len(error.args) == 2 else (0, error)
        problems.append(ImportProblem(line, _("This row cannot be read: %(error)s.") % {"error": reason}))
        return Rows([], problems, written)
    except OverflowError:
        return _file_problem(_("The workbook is too large once unpacked. Split it into smaller files."))
    except ValueError:
        return _file_problem(
            _(
                "This file cannot be read as CSV or as an Excel workbook (XLSX). Save it as CSV UTF-8 or as an "
                "Excel workbook and try again."
            )
        )
    if positions is None:
        return _file_problem(_("The file is empty."))
    if not records and not problems:
        empty = (
            _("The file has a header but no rows.")
            if columns
            else _("The file has a header but no rows with questions.")
        )
        return Rows([], [ImportProblem(2, empty)], written)
    return Rows(records, problems, written)


# --- Checking the rows ---

Term = TypeVar("Term", bound=VocabularyTerm)


@dataclass(frozen=True)
class Lookups:
    """What rows are checked against: the importing library's locations and the vocabularies, retired terms
    included (they were valid then). The caller reads them once, so checking a row needs no query."""

    locations: Sequence[Location]
    topics: Sequence[Topic]
    organisations: Sequence[ServiceOrganisation]
    help_given: Sequence[HelpGiven]


def _term_index(terms: Iterable[Term]) -> dict[str, Term]:
    """Code first, then the Dutch label, then the English one: where two terms share a name, the code wins."""
    terms = list(terms)
    index: dict[str, Term] = {}
    for attribute in ("code", "label_nl", "label_en"):
        for term in terms:
            index.setdefault(_key(getattr(term, attribute)), term)
    return index


def _location_index(locations: Iterable[Location]) -> dict[str, Location]:
    locations = list(locations)
    index = {location.name: location for location in locations}  # the exact name first
    for location in locations:
        index.setdefault(_key(location.name), location)
    return index


def _choice_index(choices: type[models.TextChoices], aliases: Mapping[str, str]) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, _label in choices.choices:
        if value:
            index.setdefault(_key(value), value)
    for language in ("nl", "en"):
        with translation.override(language):
            for value, label in choices.choices:
                index.setdefault(_key(str(label)), value)
    for alias, value in aliases.items():
        index.setdefault(_key(alias), str(value))
    return index


@dataclass(frozen=True)
class ImportedVisit:
    rows: tuple[int, ...]
    location: Location
    data: VisitInput


@dataclass(frozen=True)
class ImportCheck:
    """The outcome of checking a file. `visits` is empty whenever there is a problem: all or nothing."""

    visits: list[ImportedVisit]
    problems: list[ImportProblem]
    row_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.visits)

    @property
    def question_count(self) -> int:
        return sum(len(visit.data.questions) for visit in self.visits)


class _Bad:
    """A value that could not be read (its problem is already reported)."""

    def __repr__(self) -> str:
        return "BAD"


BAD: Any = _Bad()


@dataclass
class _Draft:
    first_row: int
    fields: dict[str, Any]
    rows: list[int] = field(default_factory=list)
    questions: list[QuestionInput] = field(default_factory=list)


def parse_date(raw: str) -> date | None:
    """YYYY-MM-DD or DD-MM-YYYY (day and month may have one digit; - / or . between); None if not a date."""
    if match := ISO_DATE.match(raw):
        year, month, day = (int(part) for part in match.groups())
    elif match := DUTCH_DATE.match(raw):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_time(raw: str) -> time | None:
    """HH:MM (also H:MM, HH.MM and HH:MM:SS); None if not a time."""
    match = TIME.match(raw)
    if not match:
        return None
    try:
        return time(int(match.group(1)), int(match.group(2)))
    except ValueError:
        return None


class _RowChecker:
    """Checks the rows one by one; keeps what it needs to compare the rows of a visit."""

    def __init__(self, rows: Rows, lookups: Lookups, *, now: datetime, tz: tzinfo):
        self.rows = rows
        self.now = now
        self.tz = tz
        self.today = now.astimezone(tz).date()
        self.locations = _location_index(lookups.locations)
        self.terms: dict[str, dict[str, Any]] = {
            "onderwerp": _term_index(lookups.topics),
            "organisatie": _term_index(lookups.organisations),
            "hulp": _term_index(lookups.help_given),
        }
        self.choices = {
            column.name: (column, _choice_index(column.choices, CHOICE_ALIASES.get(column.name, {})))
            for column in COLUMNS
            if column.choices is not None
        }
        self.problems: list[ImportProblem] = []
        self.drafts: dict[str, _Draft] = {}
        self.row_number = 0
        self.broken = False

    def say(self, column: str, text: str, **values: Any) -> None:
        self.broken = True
        label = self.rows.label(column)
        self.problems.append(ImportProblem(self.row_number, text % {"column": label, **values}, label))

    def empty(self, column: str) -> None:
        self.say(column, _("%(column)s is empty."))

    # Visit columns

    def visit_key(self, raw: str) -> str:
        if not raw:
            self.empty("bezoek")
            return ""
        return str(int(raw)) if raw.isdigit() else _key(raw)

    def day(self, raw: str) -> Any:
        if not raw:
            self.empty("datum")
            return BAD
        value = parse_date(raw)
        if value is None:
            self.say(
                "datum",
                _(
                    "%(column)s “%(value)s” is not a date; write it as YYYY-MM-DD or DD-MM-YYYY, "
                    "for example 2024-03-01."
                ),
                value=_shown(raw),
            )
            return BAD
        if value.year < FIRST_YEAR:
            self.say(
                "datum", _("%(column)s “%(value)s” is before %(year)d: is the year right?"), value=raw, year=FIRST_YEAR
            )
            return BAD
        if value > self.today:
            self.say("datum", _("%(column)s “%(value)s” is in the future."), value=raw)
            return BAD
        return value

    def time_of_day(self, raw: str) -> Any:
        if not raw:
            return DEFAULT_TIME
        value = parse_time(raw)
        if value is None:
            self.say(
                "tijd",
                _("%(column)s “%(value)s” is not a time; write it as HH:MM, for example 14:30."),
                value=_shown(raw),
            )
            return BAD
        return value

    def occurred_at(self, day: Any, moment: Any) -> Any:
        if day is BAD or moment is BAD:
            return BAD
        when = datetime.combine(day, moment, tzinfo=self.tz)
        if when > self.now + rules.FUTURE_SLACK:
            self.say("tijd", _("%(column)s “%(value)s” is later than now."), value=moment.strftime("%H:%M"))
            return BAD
        return when

    def location(self, raw: str) -> Any:
        if not raw:
            self.empty("locatie")
            return BAD
        found = self.locations.get(raw) or self.locations.get(_key(raw))
        if found is None:
            self.say("locatie", _("%(column)s “%(value)s” is not a location of your library."), value=_shown(raw))
            return BAD
        return found

    def choice(self, name: str, raw: str) -> Any:
        column, index = self.choices[name]
        if not raw:
            if column.required:
                self.empty(name)
                return BAD
            return ""
        value = index.get(_key(raw))
        if value is None:
            self.say(
                name,
                _("%(column)s “%(value)s” is not one of: %(choices)s."),
                value=_shown(raw),
                choices=", ".join(column.values),
            )
            return BAD
        return value

    def note(self, raw: str) -> Any:
        if len(raw) > NOTE_MAX_LENGTH:
            self.say("notitie", _("%(column)s is longer than %(max)d characters."), max=NOTE_MAX_LENGTH)
            return BAD
        try:
            check_note(raw)
        except ValidationError as error:
            # The messages name what was found and never repeat it.
            for message in error.message_dict.get("note", error.messages):
                self.say("notitie", "%(column)s: %(message)s", message=message)
            return BAD
        return raw

    # Question columns

    def term(self, name: str, raw: str, day: Any, *, required: bool = True) -> Any:
        if not raw:
            if required:
                self.empty(name)
                return BAD
            return None
        term = self.terms[name].get(_key(raw))
        if term is None:
            self.say(name, _("%(column)s “%(value)s” does not exist."), value=_shown(raw))
            return BAD
        if term.retired_on is not None and day is not BAD and day >= term.retired_on:
            self.say(
                name,
                _("%(column)s “%(value)s” was retired on %(date)s, before this visit."),
                value=_shown(raw),
                date=term.retired_on.strftime("%d-%m-%Y"),
            )
            return BAD
        return term

    def check(self, record: Record) -> None:
        self.row_number = record.row_number
        self.broken = False
        values = record.values
        get = values.get
        key = self.visit_key(get("bezoek", ""))
        day = self.day(get("datum", ""))
        moment = self.time_of_day(get("tijd", ""))
        fields: dict[str, Any] = {
            "datum": day,
            "tijd": moment,
            "occurred_at": self.occurred_at(day, moment),
            "locatie": self.location(get("locatie", "")),
            "kanaal": self.choice("kanaal", get("kanaal", "")),
            "duur": self.choice("duur", get("duur", "")),
            "leeftijd": self.choice("leeftijd", get("leeftijd", "")),
            "nt2": self.choice("nt2", get("nt2", "")),
            "eerste_bezoek": self.choice("eerste_bezoek", get("eerste_bezoek", "")),
            "notitie": self.note(get("notitie", "")),
        }
        topic = self.term("onderwerp", get("onderwerp", ""), day)
        organisation = self.term("organisatie", get("organisatie", ""), day, required=False)
        help_given = self.term("hulp", get("hulp", ""), day)
        solved = self.choice("opgelost", get("opgelost", ""))
        if not key:
            return
        draft = self.drafts.get(key)
        if draft is None:
            draft = self.drafts[key] = _Draft(first_row=record.row_number, fields=fields)
        else:
            for name in VISIT_COLUMNS:
                first, this = draft.fields[name], fields[name]
                if first is not BAD and this is not BAD and first != this:
                    # The values are not repeated: one of them may be a note.
                    self.say(
                        name,
                        _("%(column)s differs from row %(first)d, which belongs to the same visit %(visit)s."),
                        first=draft.first_row,
                        visit=_shown(get("bezoek", "")),
                    )
        draft.rows.append(record.row_number)
        if len(draft.rows) == MAX_QUESTIONS + 1:
            self.say(
                "bezoek",
                _("%(column)s “%(visit)s” has more than %(max)d rows; a visit has at most %(max)d questions."),
                visit=_shown(get("bezoek", "")),
                max=MAX_QUESTIONS,
            )
        if self.broken:
            return  # the visits are only built when no row has a problem
        draft.questions.append(
            QuestionInput(topic=topic, service_organisation=organisation, help_given=help_given, solved=solved)
        )

    def visits(self) -> list[ImportedVisit]:
        visits = []
        for draft in self.drafts.values():
            fields = draft.fields
            visits.append(
                ImportedVisit(
                    rows=tuple(draft.rows),
                    location=fields["locatie"],
                    data=VisitInput(
                        occurred_at=fields["occurred_at"],
                        channel=fields["kanaal"],
                        duration_band=fields["duur"],
                        age_band=fields["leeftijd"],
                        dutch_as_second_language=fields["nt2"],
                        first_visit=fields["eerste_bezoek"],
                        note=fields["notitie"],
                        questions=tuple(draft.questions),
                    ),
                )
            )
        return visits


def check_rows(rows: Rows, *, lookups: Lookups, now: datetime, tz: tzinfo) -> ImportCheck:
    """Check every record; the visits come back only when no row has a problem."""
    if rows.problems:
        return ImportCheck([], sorted(rows.problems, key=lambda problem: problem.row_number), len(rows.records))
    checker = _RowChecker(rows, lookups, now=now, tz=tz)
    for record in rows.records:
        checker.check(record)
    if checker.problems:
        problems = sorted(checker.problems, key=lambda problem: problem.row_number)
        return ImportCheck([], problems, len(rows.records))
    return ImportCheck(checker.visits(), [], len(rows.records))


def check_file(content: bytes, *, lookups: Lookups, now: datetime, tz: tzinfo) -> ImportCheck:
    return check_rows(read_rows(content), lookups=lookups, now=now, tz=tz)


# --- The template ---


def template_csv(lookups: Lookups, *, today: date) -> str:
    """The header and two example rows (two questions of one visit), separated by semicolons and with a byte
    order mark, as Dutch Excel reads and writes CSV."""

    def usable(terms: Sequence[Term], number: int) -> str:
        active = [term for term in terms if term.retired_on is None or term.retired_on > today]
        return active[number].label_nl if len(active) > number else ""

    with translation.override("nl"):
        shared = {
            "bezoek": "1",
            "datum": "04-03-2024",
            "tijd": "10:15",
            "locatie": lookups.locations[0].name if lookups.locations else "",
            "kanaal": str(Channel.WALK_IN.label),
            "duur": str(DurationBand.FROM_10_TO_20.label),
            "leeftijd": str(AgeBand.FROM_65.label),
            "nt2": str(YesNoUnknown.NO.label),
            "eerste_bezoek": str(YesNoUnknown.YES.label),
            "notitie": "",
        }
        examples = [
            {
                **shared,
                "onderwerp": usable(lookups.topics, 0),
                "organisatie": usable(lookups.organisations, 0),
                "hulp": usable(lookups.help_given, 0),
                "opgelost": str(YesNoUnknown.YES.label),
            },
            {
                **shared,
                "onderwerp": usable(lookups.topics, 1),
                "organisatie": "",
                "hulp": usable(lookups.help_given, 1),
                "opgelost": str(YesNoUnknown.NO.label),
            },
        ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    for example in examples:
        writer.writerow([example[name] for name in COLUMN_NAMES])
    return "\ufeff" + out.getvalue()
