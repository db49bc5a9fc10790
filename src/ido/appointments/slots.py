"""Consultation-hour slots as pure functions: the dates a series takes place, the slots on those dates, the
RFC 5545 rule of a series, and whether a slot can be booked at a given moment. Plain values only, no database.

A series is defined in local wall-clock time (Europe/Amsterdam): "every Tuesday 13:00–16:00, slots of 20
minutes". Slot i of a day starts at start_time + i × slot_minutes on the local clock; a window that is not a
whole number of slots loses its last, partial slot. Slots are returned as aware datetimes in UTC, so a 13:00
slot is 12:00 UTC in winter and 11:00 UTC in summer.

Daylight saving time. On the two days a year the clocks change, a slot is kept only when the local clock
really reads its start and its end, and it lasts exactly slot_minutes in real time:
- last Sunday of March (02:00 → 03:00): slots that start or end in the skipped hour (02:00 up to 03:00) are
  dropped, and so is a slot that runs across it (01:50–03:10 lasts 20 minutes, not 80);
- last Sunday of October (03:00 → 02:00): a repeated time means its first occurrence (PEP 495 fold=0, summer
  time), so slots stay in order and never overlap or repeat; a slot that runs from the first 02:xx into the
  hour after the repeat (02:50–03:10 lasts 80 minutes) is dropped.
Dropping keeps the rules simple and honest (a slot is what the card says, and as long as the others); real
consultation hours do not run at two in the night.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from ido.locations.opening_hours import dutch_public_holiday

AMSTERDAM: Final = ZoneInfo("Europe/Amsterdam")

WEEKLY: Final = "weekly"
EVERY_OTHER_WEEK: Final = "every_other_week"
MONTHLY_NTH_WEEKDAY: Final = "monthly_nth_weekday"
FREQUENCIES: Final = (WEEKLY, EVERY_OTHER_WEEK, MONTHLY_NTH_WEEKDAY)

MIN_SLOT_MINUTES: Final = 5
MAX_SLOT_MINUTES: Final = 240
# Which week of the month: the first to the fourth (every month has them), or the last (-1).
NTH_CHOICES: Final = (1, 2, 3, 4, -1)
# RFC 5545 weekday codes; index 0 is Monday, as in date.weekday().
RFC_WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_WEEK = timedelta(days=7)


@dataclass(frozen=True, kw_only=True)
class SeriesRule:
    """When a consultation hour takes place.

    frequency: WEEKLY or EVERY_OTHER_WEEK on each of `weekdays` (0 = Monday); or MONTHLY_NTH_WEEKDAY on the
    `nth` (1–4, or -1 for the last) `weekdays[0]` of each month. "Every other week" counts weeks (Monday to
    Sunday) from the week of `starts_on`, like RFC 5545 INTERVAL=2 with WKST=MO.
    start_time, end_time: the local (Europe/Amsterdam) window, naive times.
    ends_on: the last date (inclusive), or None for no end.
    cancelled_dates: dates the series does not take place; Dutch public holidays are skipped too, unless
    skip_public_holidays is False.
    """

    starts_on: date
    frequency: str
    weekdays: tuple[int, ...]
    start_time: time
    end_time: time
    slot_minutes: int
    ends_on: date | None = None
    nth: int | None = None
    capacity: int = 1
    skip_public_holidays: bool = True
    cancelled_dates: frozenset[date] = field(default_factory=frozenset)


class Slot(NamedTuple):
    """One bookable slot: aware UTC datetimes (a NamedTuple, cheap to make by the ten thousand)."""

    starts_at: datetime
    ends_at: datetime
    capacity: int


class RuleProblem(NamedTuple):
    """Something wrong with a rule: the field it is about (a SeriesRule attribute) and a translated message."""

    field: str
    message: str


# --- Validation ---------------------------------------------------------------------------------------------


def _window(rule: SeriesRule) -> timedelta:
    return datetime.combine(date.min, rule.end_time) - datetime.combine(date.min, rule.start_time)


def problems_by_field(rule: SeriesRule) -> list[RuleProblem]:
    """Every problem with the rule, each with the field it belongs to (for a form). Empty: the rule is valid.
    A window that is not a whole number of slots is fine: its last, partial slot is dropped."""
    problems: list[RuleProblem] = []
    if rule.frequency not in FREQUENCIES:
        problems.append(RuleProblem("frequency", _("Choose how often the consultation hour takes place.")))
    if rule.ends_on is not None and rule.ends_on < rule.starts_on:
        problems.append(RuleProblem("ends_on", _("The last date is before the first date.")))
    window = _window(rule)
    if window <= timedelta(0):
        problems.append(RuleProblem("end_time", _("The consultation hour must end after it starts.")))
    if not MIN_SLOT_MINUTES <= rule.slot_minutes <= MAX_SLOT_MINUTES:
        problems.append(
            RuleProblem(
                "slot_minutes",
                _("A slot lasts from %(minimum)d to %(maximum)d minutes.")
                % {"minimum": MIN_SLOT_MINUTES, "maximum": MAX_SLOT_MINUTES},
            )
        )
    elif window > timedelta(0) and timedelta(minutes=rule.slot_minutes) > window:
        problems.append(RuleProblem("slot_minutes", _("A slot is longer than the consultation hour itself.")))
    if rule.capacity < 1:
        problems.append(RuleProblem("capacity", _("A slot needs at least one place.")))
    if not rule.weekdays:
        problems.append(RuleProblem("weekdays", _("Choose a weekday.")))
    elif any(not 0 <= weekday <= 6 for weekday in rule.weekdays):
        problems.append(RuleProblem("weekdays", _("A weekday is a number from 0 (Monday) to 6 (Sunday).")))
    if rule.frequency == MONTHLY_NTH_WEEKDAY:
        if len(set(rule.weekdays)) > 1:
            problems.append(RuleProblem("weekdays", _("A monthly consultation hour takes place on one weekday.")))
        if rule.nth not in NTH_CHOICES:
            problems.append(
                RuleProblem("nth", _("Choose which week of the month: the first to the fourth, or the last."))
            )
    return problems


def rule_problems(rule: SeriesRule) -> list[str]:
    """The problems with the rule as plain (translated) sentences; empty when the rule is valid."""
    return [problem.message for problem in problems_by_field(rule)]


def _require_valid(rule: SeriesRule) -> None:
    problems = rule_problems(rule)
    if problems:
        raise ValueError(f"invalid consultation hour rule: {' '.join(problems)}")


# --- Dates --------------------------------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1–4) or last (-1) `weekday` of a month."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + (nth - 1) * 7)
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


LAST_USABLE_DATE = date.max - timedelta(days=62)

# Dates people may ask for: consultation hours, slots, day lists. Far beyond is a typing error, not a plan.
EARLIEST_DATE = date(2000, 1, 1)
REACH_AHEAD = timedelta(days=5 * 366)


def within_reach(day: date, today: date) -> bool:
    return EARLIEST_DATE <= day <= today + REACH_AHEAD


def _pattern_dates(rule: SeriesRule, start: date, end: date) -> list[date]:
    """The dates in [start, end] that the recurrence gives, before cancelled dates and holidays, sorted."""
    first = max(start, rule.starts_on)
    last = end if rule.ends_on is None else min(end, rule.ends_on)
    # Stop well before the calendar's last date: stepping a week or a month past it cannot be represented.
    last = min(last, LAST_USABLE_DATE)
    if first > last:
        return []
    days: list[date] = []
    if rule.frequency == MONTHLY_NTH_WEEKDAY:
        assert rule.nth is not None
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            for weekday in set(rule.weekdays):
                day = _nth_weekday(year, month, weekday, rule.nth)
                if first <= day <= last:
                    days.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        step = _WEEK if rule.frequency == WEEKLY else 2 * _WEEK
        first_monday = rule.starts_on - timedelta(days=rule.starts_on.weekday())
        for weekday in set(rule.weekdays):
            day = first + timedelta(days=(weekday - first.weekday()) % 7)
            if rule.frequency == EVERY_OTHER_WEEK and (day - first_monday).days // 7 % 2:
                day += _WEEK
            while day <= last:
                days.append(day)
                day += step
    days.sort()
    return days


def _skipped(rule: SeriesRule, day: date) -> bool:
    return day in rule.cancelled_dates or (rule.skip_public_holidays and dutch_public_holiday(day) is not None)


def occurrence_dates(rule: SeriesRule, start: date, end: date) -> list[date]:
    """The local dates in [start, end] on which the series takes place: not cancelled, and not a Dutch public
    holiday when the rule skips those. Sorted."""
    _require_valid(rule)
    return [day for day in _pattern_dates(rule, start, end) if not _skipped(rule, day)]


def skipped_dates(rule: SeriesRule, start: date, end: date) -> list[date]:
    """The dates in [start, end] that the recurrence gives but the series skips (cancelled, or a public holiday
    when skipped): the EXDATEs of an iCalendar event. Sorted."""
    _require_valid(rule)
    return [day for day in _pattern_dates(rule, start, end) if _skipped(rule, day)]


# --- RFC 5545 -----------------------------------------------------------------------------------------------


def _until(ends_on: date, tz: tzinfo) -> str:
    """UNTIL as a UTC date-time (RFC 5545 requires UTC when DTSTART has a time zone): the end of the last day."""
    moment = datetime.combine(ends_on, time(23, 59, 59), tzinfo=tz).astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def to_rrule_string(rule: SeriesRule, tz: tzinfo = AMSTERDAM) -> str:
    """The RFC 5545 RRULE value of the series, without the "RRULE:" prefix, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;
    WKST=MO. Use it with a DTSTART of the first date at start_time in `tz`. Cancelled dates and public holidays
    are not in the rule: they are EXDATEs (see `skipped_dates`)."""
    _require_valid(rule)
    weekdays = sorted(set(rule.weekdays))
    if rule.frequency == MONTHLY_NTH_WEEKDAY:
        parts = ["FREQ=MONTHLY", "BYDAY=" + ",".join(f"{rule.nth}{RFC_WEEKDAYS[day]}" for day in weekdays)]
    else:
        parts = ["FREQ=WEEKLY"]
        if rule.frequency == EVERY_OTHER_WEEK:
            parts.append("INTERVAL=2")
        parts.append("BYDAY=" + ",".join(RFC_WEEKDAYS[day] for day in weekdays))
        if rule.frequency == EVERY_OTHER_WEEK:
            parts.append("WKST=MO")  # with several weekdays, which days share a "week" depends on it
    if rule.ends_on is not None:
        parts.append("UNTIL=" + _until(rule.ends_on, tz))
    return ";".join(parts)


def _parse_until(value: str, tz: tzinfo) -> date:
    if len(value) == 8:  # a DATE
        return datetime.strptime(value, "%Y%m%d").date()
    if value.endswith("Z"):
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(tz).date()
    return datetime.strptime(value, "%Y%m%dT%H%M%S").date()  # a local date-time


def _parse_byday(value: str) -> list[tuple[int | None, int]]:
    """BYDAY entries as (ordinal or None, weekday index): "2TH" → (2, 3), "-1FR" → (-1, 4), "TU" → (None, 1)."""
    entries = []
    for entry in value.split(","):
        code, ordinal = entry[-2:], entry[:-2]
        if code not in RFC_WEEKDAYS:
            raise ValueError(f"unknown weekday in BYDAY: {entry!r}")
        entries.append((int(ordinal) if ordinal else None, RFC_WEEKDAYS.index(code)))
    return entries


def rule_from_rrule_string(
    text: str,
    *,
    starts_on: date,
    start_time: time,
    end_time: time,
    slot_minutes: int,
    capacity: int = 1,
    skip_public_holidays: bool = True,
    cancelled_dates: Iterable[date] = (),
    tz: tzinfo = AMSTERDAM,
) -> SeriesRule:
    """The series for one of the RRULE shapes `to_rrule_string` writes (weekly, every other week, monthly on the
    n-th weekday, with or without UNTIL). Any other rule (COUNT, BYMONTH, BYSETPOS, ...) raises ValueError."""
    text = text.strip().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if not sep or key.upper() in parts:
            raise ValueError(f"not a simple RRULE: {text!r}")
        parts[key.upper()] = value.upper()
    unsupported = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "WKST", "UNTIL"}
    if unsupported or "BYDAY" not in parts or parts.get("WKST", "MO") != "MO":
        raise ValueError(f"not a rule for a consultation hour: {text!r}")
    interval = int(parts.get("INTERVAL", "1"))
    byday = _parse_byday(parts["BYDAY"])
    ordinals = {ordinal for ordinal, _day in byday}
    weekdays = tuple(sorted({day for _ordinal, day in byday}))
    nth: int | None = None
    if parts["FREQ"] == "WEEKLY" and interval in (1, 2) and ordinals == {None}:
        frequency = WEEKLY if interval == 1 else EVERY_OTHER_WEEK
    elif parts["FREQ"] == "MONTHLY" and interval == 1 and len(ordinals) == 1 and None not in ordinals:
        frequency, nth = MONTHLY_NTH_WEEKDAY, ordinals.pop()
    else:
        raise ValueError(f"not a rule for a consultation hour: {text!r}")
    rule = SeriesRule(
        starts_on=starts_on,
        ends_on=_parse_until(parts["UNTIL"], tz) if "UNTIL" in parts else None,
        frequency=frequency,
        weekdays=weekdays,
        nth=nth,
        start_time=start_time,
        end_time=end_time,
        slot_minutes=slot_minutes,
        capacity=capacity,
        skip_public_holidays=skip_public_holidays,
        cancelled_dates=frozenset(cancelled_dates),
    )
    _require_valid(rule)
    return rule


# --- Slots --------------------------------------------------------------------------------------------------


def _steady_offset(opens: datetime, closes: datetime, tz: tzinfo) -> timedelta | None:
    """The UTC offset of a day's window when it is one and the same from its start to its end, with no
    skipped or repeated time at either end; None on a day the clocks change inside (or at the edge of) the
    window. (Assumes a time zone changes its offset at most once in a day, as every European one does.)"""
    offsets = {moment.replace(tzinfo=tz, fold=fold).utcoffset() for moment in (opens, closes) for fold in (0, 1)}
    if len(offsets) == 1:
        (offset,) = offsets
        return offset
    return None


def _instant(wall: datetime, tz: tzinfo) -> datetime | None:
    """The UTC instant at which the clock in `tz` reads the naive `wall` time (the first time, for a repeated
    time), or None when it never does (the skipped hour)."""
    moment = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return moment


def _slots_on_a_changeover_day(
    opens: datetime, offsets: list[tuple[timedelta, timedelta]], step: timedelta, capacity: int, tz: tzinfo
) -> list[Slot]:
    slots: list[Slot] = []
    for start_offset, end_offset in offsets:
        starts_at = _instant(opens + start_offset, tz)
        ends_at = _instant(opens + end_offset, tz)
        if starts_at is None or ends_at is None or ends_at - starts_at != step:
            continue
        if slots and starts_at < slots[-1].ends_at:  # cannot happen with fold=0; a guard against overlap
            continue
        slots.append(Slot(starts_at, ends_at, capacity))
    return slots


def generate_slots(rule: SeriesRule, start: date, end: date, tz: tzinfo = AMSTERDAM) -> list[Slot]:
    """The slots of the series on the local dates in [start, end], sorted by start.

    Slot i of a day runs from start_time + i × slot_minutes to slot_minutes later, on the local clock; the last,
    partial slot of a window is dropped. On the days the clocks change, see the module docstring.
    """
    dates = occurrence_dates(rule, start, end)
    step = timedelta(minutes=rule.slot_minutes)
    per_day = _window(rule) // step
    # Offsets from the start of the window, worked out once per rule rather than once per slot.
    offsets = [(index * step, (index + 1) * step) for index in range(per_day)]
    capacity = rule.capacity
    slots: list[Slot] = []
    for day in dates:
        opens = datetime.combine(day, rule.start_time)
        offset = _steady_offset(opens, datetime.combine(day, rule.end_time), tz)
        if offset is None:
            slots.extend(_slots_on_a_changeover_day(opens, offsets, step, capacity, tz))
            continue
        base = (opens - offset).replace(tzinfo=UTC)
        slots.extend([Slot(base + start_offset, base + end_offset, capacity) for start_offset, end_offset in offsets])
    return slots


# --- Booking window -----------------------------------------------------------------------------------------


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("pass an aware datetime")
    return moment.astimezone(UTC)


def bookable(
    slot_start: datetime, *, now: datetime, book_ahead_days: int, book_until_minutes: int, tz: tzinfo = AMSTERDAM
) -> bool:
    """May a slot that starts at `slot_start` be booked at `now`?

    Not when it has started (a slot starting right now is too late); not when it starts less than
    `book_until_minutes` from now (exactly that many minutes is still fine); and not when its local date lies more
    than `book_ahead_days` calendar days after today's local date (so on Monday with 7 days, all of next
    Monday's slots can be booked, whatever the hour). Both datetimes must be aware.
    """
    starts = _require_aware(slot_start)
    moment = _require_aware(now)
    if starts <= moment or starts - moment < timedelta(minutes=book_until_minutes):
        return False
    last_day = moment.astimezone(tz).date() + timedelta(days=book_ahead_days)
    return starts.astimezone(tz).date() <= last_day
