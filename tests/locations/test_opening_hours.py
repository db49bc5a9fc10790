"""The pure opening-hours functions: open at an instant, the current period, the next opening."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ido.locations.opening_hours import (
    Block,
    HoursProblem,
    Period,
    Schedule,
    blocks_on,
    current_period,
    dutch_public_holiday,
    is_open,
    next_opening,
    overlapping_blocks,
    periods_on,
    weekly_hours_problems,
)

AMS = ZoneInfo("Europe/Amsterdam")
TICK = timedelta(microseconds=1)
DST_STARTS = date(2026, 3, 29)  # Sunday: 02:00 CET → 03:00 CEST
DST_ENDS = date(2026, 10, 25)  # Sunday: 03:00 CEST → 02:00 CET


def t(text: str) -> time:
    return time.fromisoformat(text)


def b(opens: str, closes: str) -> Block:
    return Block(t(opens), t(closes))


def local(day: date, at: str, fold: int = 0) -> datetime:
    """An aware Amsterdam datetime; every test instant is made this way or in UTC."""
    return datetime.combine(day, t(at), tzinfo=AMS).replace(fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def every_day(*blocks: Block, **kwargs) -> Schedule:
    return Schedule(weekly=dict.fromkeys(range(7), blocks), **kwargs)


MONDAY_9_17 = Schedule(weekly={0: (b("09:00", "17:00"),)})
WORKDAYS_9_17 = Schedule(weekly={weekday: (b("09:00", "17:00"),) for weekday in range(5)})
TUESDAY_SPLIT = Schedule(weekly={1: (b("13:30", "17:00"), b("09:00", "12:30"))})  # given out of order on purpose
A_TUESDAY = date(2026, 3, 10)


# --- Block --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("opens", "closes"), [("09:00", "09:00"), ("17:00", "09:00"), ("00:01", "00:00")])
def test_block_must_close_after_it_opens(opens, closes):
    with pytest.raises(ValueError, match="must close after it opens"):
        b(opens, closes)


def test_blocks_sort_by_opening_time():
    assert sorted([b("13:00", "14:00"), b("09:00", "12:00"), b("09:00", "10:00")]) == [
        b("09:00", "10:00"),
        b("09:00", "12:00"),
        b("13:00", "14:00"),
    ]


# --- is_open and current_period -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("00:00", False),
        ("08:59:59.999999", False),
        ("09:00", True),  # opening time is inclusive
        ("12:29:59.999999", True),
        ("12:30", False),  # closing time is exclusive
        ("13:00", False),  # the lunch gap
        ("13:29:59", False),
        ("13:30", True),
        ("16:59:59.999999", True),
        ("17:00", False),
        ("23:59:59", False),
    ],
)
def test_is_open_with_two_blocks_and_a_gap(at, expected):
    moment = local(A_TUESDAY, at)
    assert is_open(TUESDAY_SPLIT, moment) is expected
    assert is_open(TUESDAY_SPLIT, moment.astimezone(UTC)) is expected  # the same instant in another zone


@pytest.mark.parametrize(
    ("at", "period"),
    [
        ("09:00", ("09:00", "12:30")),
        ("12:00", ("09:00", "12:30")),
        ("13:30", ("13:30", "17:00")),
        ("12:45", None),
    ],
)
def test_current_period(at, period):
    expected = Period(local(A_TUESDAY, period[0]), local(A_TUESDAY, period[1])) if period else None
    assert current_period(TUESDAY_SPLIT, local(A_TUESDAY, at)) == expected


def test_other_weekdays_are_closed():
    for offset in range(1, 7):
        assert not is_open(TUESDAY_SPLIT, local(A_TUESDAY + timedelta(days=offset), "10:00"))


def test_periods_are_aware_amsterdam_datetimes():
    (period,) = periods_on(MONDAY_9_17, date(2026, 3, 9))
    assert period.start.tzinfo == AMS
    assert period.start.astimezone(UTC) == utc(2026, 3, 9, 8)
    assert period.end.astimezone(UTC) == utc(2026, 3, 9, 16)


@pytest.mark.parametrize("call", [is_open, current_period, next_opening])
def test_naive_datetime_is_refused(call):
    with pytest.raises(ValueError, match="aware"):
        call(MONDAY_9_17, datetime(2026, 3, 9, 10, 0))


# --- public holidays ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 4, 27), "Koningsdag"),
        (date(2025, 4, 26), "Koningsdag"),  # 27 April 2025 was a Sunday
        (date(2026, 12, 25), "Eerste kerstdag"),
        (date(2026, 12, 26), "Tweede kerstdag"),
        (date(2026, 4, 6), "Tweede paasdag"),
        (date(2026, 5, 14), "Hemelvaartsdag"),
        (date(2026, 1, 1), "Nieuwjaarsdag"),
        (date(2025, 5, 5), "Bevrijdingsdag"),  # the `holidays` package counts it only in lustrum years
    ],
)
def test_public_holidays_are_closed_unless_told_otherwise(day, name):
    assert dutch_public_holiday(day) == name
    assert not is_open(every_day(b("09:00", "17:00")), local(day, "10:00"))
    assert is_open(every_day(b("09:00", "17:00"), closed_on_public_holidays=False), local(day, "10:00"))


@pytest.mark.parametrize("day", [date(2026, 5, 5), date(2026, 4, 26), date(2026, 3, 10), date(2026, 12, 24)])
def test_ordinary_days_are_not_holidays(day):
    """5 May 2026 is no public holiday in the `holidays` package (only every fifth year is); 26 April 2026 is
    the Sunday before Koningsdag."""
    assert dutch_public_holiday(day) is None
    assert is_open(every_day(b("09:00", "17:00")), local(day, "10:00"))


def test_holiday_lookup_can_be_replaced():
    schedule = every_day(b("09:00", "17:00"), holiday_lookup=lambda day: "Gemeentedag" if day.day == 10 else None)
    assert not is_open(schedule, local(A_TUESDAY, "10:00"))
    assert is_open(schedule, local(A_TUESDAY + timedelta(days=1), "10:00"))


# --- exceptions --------------------------------------------------------------------------------------------


def test_exception_closes_an_ordinary_day():
    schedule = Schedule(weekly=TUESDAY_SPLIT.weekly, exceptions={A_TUESDAY: ()})
    assert blocks_on(schedule, A_TUESDAY) == ()
    assert not is_open(schedule, local(A_TUESDAY, "10:00"))
    assert is_open(schedule, local(A_TUESDAY + timedelta(days=7), "10:00"))


@pytest.mark.parametrize(
    ("at", "expected"),
    [("09:30", False), ("10:00", True), ("11:59", True), ("12:00", False), ("14:00", False), ("19:00", True)],
)
def test_exception_replaces_the_weekly_hours(at, expected):
    schedule = Schedule(weekly=TUESDAY_SPLIT.weekly, exceptions={A_TUESDAY: (b("18:30", "20:00"), b("10:00", "12:00"))})
    assert blocks_on(schedule, A_TUESDAY) == (b("10:00", "12:00"), b("18:30", "20:00"))
    assert is_open(schedule, local(A_TUESDAY, at)) is expected


def test_exception_opens_a_public_holiday():
    koningsdag = date(2026, 4, 27)
    schedule = Schedule(weekly=MONDAY_9_17.weekly, exceptions={koningsdag: (b("10:00", "14:00"),)})
    assert is_open(schedule, local(koningsdag, "11:00"))
    assert not is_open(schedule, local(koningsdag, "09:30"))
    assert next_opening(schedule, local(date(2026, 4, 26), "12:00")).start == local(koningsdag, "10:00")


def test_exception_opens_a_day_without_weekly_hours():
    sunday = date(2026, 3, 15)
    schedule = Schedule(weekly=MONDAY_9_17.weekly, exceptions={sunday: (b("12:00", "16:00"),)})
    assert is_open(schedule, local(sunday, "12:00"))
    assert next_opening(schedule, local(date(2026, 3, 13), "18:00")).start == local(sunday, "12:00")


# --- next_opening ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "after", "expected_start"),
    [
        # Across a weekend.
        (MONDAY_9_17, local(date(2026, 3, 6), "18:00"), local(date(2026, 3, 9), "09:00")),
        (WORKDAYS_9_17, local(date(2026, 3, 6), "17:00"), local(date(2026, 3, 9), "09:00")),
        # Later the same day; "after" is strict, so at opening time itself the next one is a week on.
        (MONDAY_9_17, local(date(2026, 3, 9), "08:00"), local(date(2026, 3, 9), "09:00")),
        (MONDAY_9_17, local(date(2026, 3, 9), "08:59:59.999999"), local(date(2026, 3, 9), "09:00")),
        (MONDAY_9_17, local(date(2026, 3, 9), "09:00"), local(date(2026, 3, 16), "09:00")),
        (MONDAY_9_17, local(date(2026, 3, 9), "10:00"), local(date(2026, 3, 16), "09:00")),
        # The afternoon block after the lunch gap.
        (TUESDAY_SPLIT, local(A_TUESDAY, "12:30"), local(A_TUESDAY, "13:30")),
        # Across public holidays: Koningsdag (Monday 27 April 2026) and Christmas.
        (WORKDAYS_9_17, local(date(2026, 4, 26), "12:00"), local(date(2026, 4, 28), "09:00")),
        (WORKDAYS_9_17, local(date(2026, 12, 24), "17:00"), local(date(2026, 12, 28), "09:00")),
        (MONDAY_9_17, local(date(2026, 4, 21), "12:00"), local(date(2026, 5, 4), "09:00")),
        # Across the clock changes: Monday after the last Sunday of March and of October.
        (MONDAY_9_17, local(date(2026, 3, 27), "12:00"), local(date(2026, 3, 30), "09:00")),
        (MONDAY_9_17, local(date(2026, 10, 23), "12:00"), local(date(2026, 10, 26), "09:00")),
    ],
)
def test_next_opening(schedule, after, expected_start):
    period = next_opening(schedule, after)
    assert period is not None
    assert period.start == expected_start
    assert period.start.astimezone(UTC) == expected_start.astimezone(UTC)


def test_next_opening_over_a_holiday_when_holidays_are_not_closed():
    schedule = Schedule(weekly=WORKDAYS_9_17.weekly, closed_on_public_holidays=False)
    assert next_opening(schedule, local(date(2026, 4, 26), "12:00")).start == local(date(2026, 4, 27), "09:00")


def test_next_opening_in_the_weeks_of_the_clock_changes_in_utc():
    march = next_opening(MONDAY_9_17, utc(2026, 3, 27, 12))
    assert march.start.astimezone(UTC) == utc(2026, 3, 30, 7)  # 09:00 CEST
    assert march.end.astimezone(UTC) == utc(2026, 3, 30, 15)
    october = next_opening(MONDAY_9_17, utc(2026, 10, 23, 12))
    assert october.start.astimezone(UTC) == utc(2026, 10, 26, 8)  # 09:00 CET
    assert october.end.astimezone(UTC) == utc(2026, 10, 26, 16)


def test_a_block_on_the_sunday_clocks_go_forward_lasts_two_hours():
    schedule = every_day(b("01:00", "04:00"), closed_on_public_holidays=False)
    (period,) = periods_on(schedule, DST_STARTS)
    # Compare in UTC: subtracting two datetimes that share a tzinfo gives the wall-clock difference (3 hours).
    assert period.end.astimezone(UTC) - period.start.astimezone(UTC) == timedelta(hours=2)
    assert (period.start.astimezone(UTC), period.end.astimezone(UTC)) == (
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 2),
    )
    assert next_opening(schedule, utc(2026, 3, 28, 12)) == period
    assert not is_open(schedule, utc(2026, 3, 28, 23, 59, 59))
    assert is_open(schedule, utc(2026, 3, 29, 0))  # 01:00 CET
    assert is_open(schedule, utc(2026, 3, 29, 0, 59, 59))  # 01:59:59 CET
    assert is_open(schedule, utc(2026, 3, 29, 1))  # 03:00 CEST
    assert is_open(schedule, utc(2026, 3, 29, 1, 59, 59))  # 03:59:59 CEST
    assert not is_open(schedule, utc(2026, 3, 29, 2))  # 04:00 CEST


def test_a_block_on_the_sunday_clocks_go_back_lasts_four_hours():
    schedule = every_day(b("01:00", "04:00"), closed_on_public_holidays=False)
    (period,) = periods_on(schedule, DST_ENDS)
    assert period.end.astimezone(UTC) - period.start.astimezone(UTC) == timedelta(hours=4)
    assert (period.start.astimezone(UTC), period.end.astimezone(UTC)) == (
        utc(2026, 10, 24, 23),
        utc(2026, 10, 25, 3),
    )
    assert next_opening(schedule, utc(2026, 10, 24, 12)) == period
    assert not is_open(schedule, utc(2026, 10, 24, 22, 59, 59))
    assert is_open(schedule, local(DST_ENDS, "02:30", fold=0))  # the first 02:30 (CEST)
    assert is_open(schedule, local(DST_ENDS, "02:30", fold=1))  # the second 02:30 (CET)
    assert is_open(schedule, utc(2026, 10, 25, 2, 59, 59))  # 03:59:59 CET
    assert not is_open(schedule, utc(2026, 10, 25, 3))  # 04:00 CET


def test_a_block_opening_in_the_skipped_hour_opens_when_the_clocks_go_forward():
    """02:30 does not exist on 29 March 2026: the clock reads past 02:30 from 03:00 CEST on."""
    schedule = every_day(b("02:30", "04:00"), closed_on_public_holidays=False)
    (period,) = periods_on(schedule, DST_STARTS)
    assert (period.start.astimezone(UTC), period.end.astimezone(UTC)) == (
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 2),
    )
    assert period.start == local(DST_STARTS, "03:00")


def test_a_block_closing_in_the_skipped_hour_closes_when_the_clocks_go_forward():
    schedule = every_day(b("01:00", "02:30"), closed_on_public_holidays=False)
    (period,) = periods_on(schedule, DST_STARTS)
    assert (period.start.astimezone(UTC), period.end.astimezone(UTC)) == (
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 1),
    )


def test_a_block_inside_the_skipped_hour_does_not_happen():
    schedule = every_day(b("02:00", "02:45"), closed_on_public_holidays=False)
    assert periods_on(schedule, DST_STARTS) == []
    assert next_opening(schedule, utc(2026, 3, 28, 12)).start == local(date(2026, 3, 30), "02:00")


def test_next_opening_on_the_sunday_clocks_go_forward_is_the_earliest():
    schedule = every_day(b("02:30", "02:45"), b("03:00", "04:00"), closed_on_public_holidays=False)
    period = next_opening(schedule, utc(2026, 3, 28, 12))
    assert period.start.astimezone(UTC) == utc(2026, 3, 29, 1)  # 03:00 CEST
    assert period.end.astimezone(UTC) == utc(2026, 3, 29, 2)


def test_next_opening_is_none_without_any_hours():
    assert next_opening(Schedule(), utc(2026, 3, 9, 12)) is None
    assert next_opening(Schedule(weekly={0: ()}), utc(2026, 3, 9, 12)) is None


def test_next_opening_only_looks_search_days_ahead():
    far = date(2026, 6, 1)
    schedule = Schedule(exceptions={far: (b("10:00", "11:00"),)})
    start = local(date(2026, 3, 9), "12:00")
    assert next_opening(schedule, start).start == local(far, "10:00")
    assert next_opening(schedule, start, search_days=30) is None
    assert next_opening(schedule, local(far, "10:00")) is None  # the exception is past


# --- overlapping_blocks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "overlaps"),
    [
        ([], []),
        ([b("09:00", "12:00")], []),
        ([b("09:00", "12:00"), b("12:00", "17:00")], []),  # touching is allowed
        ([b("09:00", "12:00"), b("13:00", "17:00")], []),
        ([b("09:00", "12:30"), b("12:00", "17:00")], [(b("09:00", "12:30"), b("12:00", "17:00"))]),
        (
            [b("12:00", "17:00"), b("09:00", "12:30")],
            [(b("09:00", "12:30"), b("12:00", "17:00"))],
        ),  # unsorted
        ([b("09:00", "17:00"), b("10:00", "11:00")], [(b("09:00", "17:00"), b("10:00", "11:00"))]),  # nested
        ([b("09:00", "10:00"), b("09:00", "10:00")], [(b("09:00", "10:00"), b("09:00", "10:00"))]),  # equal
        (
            [b("09:00", "11:00"), b("10:00", "12:00"), b("11:30", "13:00")],
            [(b("09:00", "11:00"), b("10:00", "12:00")), (b("10:00", "12:00"), b("11:30", "13:00"))],
        ),
    ],
)
def test_overlapping_blocks(blocks, overlaps):
    assert overlapping_blocks(blocks) == overlaps


# --- properties --------------------------------------------------------------------------------------------


@st.composite
def day_blocks(draw) -> tuple[Block, ...]:
    """Non-overlapping blocks on one day, on whole minutes; neighbours may touch. Times around the clock
    changes (01:00-04:00) are drawn more often than their share of the day."""
    minutes = st.integers(0, 24 * 60 - 1) | st.integers(60, 4 * 60)
    points = sorted(draw(st.sets(minutes, max_size=6)))
    blocks = []
    for opens, closes in pairwise(points):
        if draw(st.booleans()):
            blocks.append(Block(time(opens // 60, opens % 60), time(closes // 60, closes % 60)))
    return tuple(blocks)


schedules = st.builds(
    lambda weekly, closed: Schedule(weekly=weekly, closed_on_public_holidays=closed),
    st.dictionaries(st.integers(0, 6), day_blocks(), max_size=7),
    st.booleans(),
)
clock_change_days = st.sampled_from(
    [date(2025, 3, 30), date(2025, 10, 26), DST_STARTS, DST_ENDS, date(2026, 4, 27), date(2026, 12, 25)]
)
instants = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    # Near the clock changes and holidays, where the mistakes would be.
    st.builds(
        lambda day, seconds: datetime.combine(day, time(), tzinfo=UTC) + timedelta(seconds=seconds),
        clock_change_days,
        st.integers(-2 * 86400, 2 * 86400),
    ),
)
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _periods_between(schedule: Schedule, first: datetime, last: datetime) -> list[Period]:
    day, end = (
        first.astimezone(AMS).date() - timedelta(days=1),
        last.astimezone(AMS).date() + timedelta(days=1),
    )
    found = []
    while day <= end:
        found.extend(periods_on(schedule, day))
        day += timedelta(days=1)
    return found


@PROPERTY_SETTINGS
@given(schedules, instants)
def test_next_opening_is_the_first_start_after_the_instant(schedule, moment):
    period = next_opening(schedule, moment)
    if period is None:
        assert not any(schedule.weekly.values())
        return
    start = period.start.astimezone(UTC)
    assert start > moment
    assert period.end.astimezone(UTC) > start
    assert is_open(schedule, period.start)
    assert current_period(schedule, period.start).start.astimezone(UTC) == start
    nearby = _periods_between(schedule, moment, period.start)
    # No opening was skipped...
    assert not [p for p in nearby if moment < p.start.astimezone(UTC) < start]
    # ...and just before it the location is closed, unless an earlier period runs up to exactly this start.
    # (Step back in UTC: arithmetic on an Amsterdam datetime is wall-clock arithmetic.)
    if is_open(schedule, start - TICK):
        assert any(p.end.astimezone(UTC) == start for p in nearby)


@PROPERTY_SETTINGS
@given(schedules, instants)
def test_is_open_agrees_with_current_period(schedule, moment):
    period = current_period(schedule, moment)
    assert is_open(schedule, moment) == (period is not None)
    if period is not None:
        assert period.start.astimezone(UTC) <= moment < period.end.astimezone(UTC)


@PROPERTY_SETTINGS
@given(schedules, clock_change_days | st.dates(date(2025, 1, 1), date(2027, 12, 31)))
def test_periods_of_a_day_are_ordered_and_do_not_overlap(schedule, day):
    periods = [(p.start.astimezone(UTC), p.end.astimezone(UTC)) for p in periods_on(schedule, day)]
    assert all(start < end for start, end in periods)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(periods))
    for start, end in periods:
        assert start.astimezone(AMS).date() == day
        assert end.astimezone(AMS).date() == day


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([(0, time(9), time(12)), (0, time(12), time(17))], []),
        ([(0, time(9), time(12)), (1, time(10), time(11))], []),
        ([(0, time(17), time(9))], [HoursProblem(0, "closes_before_opens")]),
        ([(0, time(9), time(13)), (0, time(12), time(17))], [HoursProblem(1, "overlap", 0)]),
        # A long block overlapping two later ones is reported with both, not only the first pair.
        (
            [(2, time(9), time(17)), (2, time(10), time(11)), (2, time(12), time(13))],
            [HoursProblem(1, "overlap", 0), HoursProblem(2, "overlap", 0)],
        ),
        ([(3, time(9), time(12)), (3, time(9), time(12))], [HoursProblem(1, "overlap", 0)]),
    ],
)
def test_weekly_hours_problems_name_the_row(rows, expected):
    assert weekly_hours_problems(rows) == expected
