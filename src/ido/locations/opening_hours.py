"""Opening hours as pure functions: "open at time T?" and "next opening after T".

Times of day are wall-clock times in Europe/Amsterdam; instants are aware datetimes. Every comparison is made
in UTC, so the answers stay right in the weeks that daylight saving time starts or ends (comparing two
datetimes that share a tzinfo would silently compare wall-clock times instead).
"""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# How far ahead "next opening" looks before it answers "none".
SEARCH_DAYS = 400


@dataclass(frozen=True, order=True)
class Block:
    """One period of opening on a day, e.g. 10:00–12:30. `closes` must be after `opens`."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError(f"a block must close after it opens: {self.opens}–{self.closes}")


@dataclass(frozen=True)
class Period:
    """A concrete opening: from `start` to `end`, both aware datetimes in Europe/Amsterdam."""

    start: datetime
    end: datetime


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> Mapping[date, str]:
    return dict(holidays.country_holidays("NL", years=year, language="nl"))


def dutch_public_holiday(day: date) -> str | None:
    """The name of the Dutch public holiday on `day`, or None."""
    return _dutch_holidays(day.year).get(day)


@dataclass(frozen=True)
class Schedule:
    """Everything that decides when a location is open.

    weekly: weekday (0 = Monday) → blocks.
    exceptions: date → blocks that replace the weekly hours on that date (an empty tuple: closed all day).
    closed_on_public_holidays: Dutch public holidays count as closed unless an exception says otherwise.
    """

    weekly: Mapping[int, tuple[Block, ...]] = field(default_factory=dict)
    exceptions: Mapping[date, tuple[Block, ...]] = field(default_factory=dict)
    closed_on_public_holidays: bool = True
    holiday_lookup: Callable[[date], str | None] = dutch_public_holiday


def blocks_on(schedule: Schedule, day: date) -> tuple[Block, ...]:
    """The opening blocks that apply on a calendar day, sorted."""
    if day in schedule.exceptions:
        return tuple(sorted(schedule.exceptions[day]))
    if schedule.closed_on_public_holidays and schedule.holiday_lookup(day):
        return ()
    return tuple(sorted(schedule.weekly.get(day.weekday(), ())))


def _instant(day: date, at: time) -> datetime:
    """The UTC instant at which the Amsterdam clock first reads `at` on `day`. An ambiguous time (the repeated
    hour in October) means its first occurrence (PEP 495, fold=0). A time that does not exist (inside the hour
    skipped in March) means the moment the clocks go forward: from then on the clock reads later than `at`.
    So a later wall-clock time never gives an earlier instant, and blocks keep their order."""
    local = datetime.combine(day, at, tzinfo=AMSTERDAM)
    moment = local.astimezone(UTC)
    if moment.astimezone(AMSTERDAM).replace(tzinfo=None) == local.replace(tzinfo=None):
        return moment
    # Skipped: fold=1 reads `at` on the new offset (an instant before the jump), fold=0 on the old one (after
    # it). Bisect on whole seconds, as time zone transitions fall on whole seconds, for the jump itself.
    low, high = math.floor(local.replace(fold=1).timestamp()), math.ceil(moment.timestamp())
    offset_before = datetime.fromtimestamp(low, AMSTERDAM).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, AMSTERDAM).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def periods_on(schedule: Schedule, day: date) -> list[Period]:
    """The concrete openings on a calendar day, in order. A block that lies wholly inside the hour skipped in
    March does not happen."""
    instants = [(_instant(day, block.opens), _instant(day, block.closes)) for block in blocks_on(schedule, day)]
    return [Period(start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)) for start, end in instants if start < end]


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("pass an aware datetime")
    return moment.astimezone(UTC)


def current_period(schedule: Schedule, at: datetime) -> Period | None:
    """The opening period that `at` falls in, or None when closed at that moment."""
    moment = _require_aware(at)
    day = moment.astimezone(AMSTERDAM).date()
    for period in periods_on(schedule, day):
        if period.start.astimezone(UTC) <= moment < period.end.astimezone(UTC):
            return period
    return None


def is_open(schedule: Schedule, at: datetime) -> bool:
    """Is the location open at the instant `at`? Opening time is inclusive, closing time exclusive."""
    return current_period(schedule, at) is not None


def next_opening(schedule: Schedule, after: datetime, search_days: int = SEARCH_DAYS) -> Period | None:
    """The first opening period that starts strictly after `after`, or None within `search_days`."""
    moment = _require_aware(after)
    first_day = moment.astimezone(AMSTERDAM).date()
    for offset in range(search_days + 1):
        for period in periods_on(schedule, first_day + timedelta(days=offset)):
            if period.start.astimezone(UTC) > moment:
                return period
    return None


@dataclass(frozen=True)
class HoursProblem:
    """Something wrong with row `index` of a list of weekly hours: it closes before it opens, or it overlaps
    row `other` on the same day."""

    index: int
    kind: Literal["closes_before_opens", "overlap"]
    other: int | None = None


def weekly_hours_problems(rows: Sequence[tuple[int, time, time]]) -> list[HoursProblem]:
    """Check rows of (weekday, opens, closes) as a whole; returns the problems, sorted by row."""
    problems = []
    by_day: dict[int, list[tuple[Block, int]]] = {}
    for index, (weekday, opens, closes) in enumerate(rows):
        if closes <= opens:
            problems.append(HoursProblem(index, "closes_before_opens"))
        else:
            by_day.setdefault(weekday, []).append((Block(opens, closes), index))
    for day_rows in by_day.values():
        latest: tuple[Block, int] | None = None  # the row that closes last among those seen so far
        for block, index in sorted(day_rows, key=lambda row: (row[0], row[1])):
            if latest is not None and block.opens < latest[0].closes:
                problems.append(HoursProblem(index, "overlap", latest[1]))
            if latest is None or block.closes > latest[0].closes:
                latest = (block, index)
    return sorted(problems, key=lambda problem: problem.index)


def overlapping_blocks(blocks: Sequence[Block]) -> list[tuple[Block, Block]]:
    """Blocks on one day that overlap an earlier one, each paired with the earlier block it runs into
    (touching, like 10:00–12:00 and 12:00–14:00, is allowed)."""
    problems = weekly_hours_problems([(0, block.opens, block.closes) for block in blocks])
    return [(blocks[p.other], blocks[p.index]) for p in problems if p.other is not None]
