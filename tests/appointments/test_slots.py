"""The pure slot generation of consultation hours: recurrences, exceptions, holidays, daylight saving time, the
RFC 5545 rule, validation and the booking window."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ido.appointments.slots import (
    EVERY_OTHER_WEEK,
    FREQUENCIES,
    MAX_SLOT_MINUTES,
    MIN_SLOT_MINUTES,
    MONTHLY_NTH_WEEKDAY,
    NTH_CHOICES,
    WEEKLY,
    SeriesRule,
    Slot,
    bookable,
    generate_slots,
    occurrence_dates,
    problems_by_field,
    rule_from_rrule_string,
    rule_problems,
    skipped_dates,
    to_rrule_string,
)
from ido.locations.opening_hours import dutch_public_holiday

AMS = ZoneInfo("Europe/Amsterdam")
DST_STARTS = date(2026, 3, 29)  # Sunday: 02:00 CET → 03:00 CEST
DST_ENDS = date(2026, 10, 25)  # Sunday: 03:00 CEST → 02:00 CET
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def rule(**changes) -> SeriesRule:
    """Every Tuesday 13:00–16:00, slots of 20 minutes, one place; changed where a test says so."""
    values = {
        "starts_on": date(2026, 1, 1),
        "frequency": WEEKLY,
        "weekdays": (TUE,),
        "start_time": time(13),
        "end_time": time(16),
        "slot_minutes": 20,
    }
    return SeriesRule(**{**values, **changes})


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- Dates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "start", "end", "expected"),
    [
        pytest.param(rule(), d(11, 1), d(11, 30), [d(11, 3), d(11, 10), d(11, 17), d(11, 24)], id="weekly-tuesday"),
        pytest.param(
            rule(weekdays=(THU, TUE)),
            d(11, 1),
            d(11, 14),
            [d(11, 3), d(11, 5), d(11, 10), d(11, 12)],
            id="weekly-tuesday-and-thursday",
        ),
        pytest.param(
            rule(weekdays=(TUE, TUE)), d(11, 1), d(11, 14), [d(11, 3), d(11, 10)], id="a-weekday-given-twice-once"
        ),
        pytest.param(
            rule(frequency=EVERY_OTHER_WEEK, starts_on=d(11, 3)),
            d(11, 1),
            d(12, 31),
            [d(11, 3), d(11, 17), d(12, 1), d(12, 15), d(12, 29)],
            id="every-other-week",
        ),
        pytest.param(
            # Weeks count from the week of the first date; that week's Tuesday is before it, so it is skipped.
            rule(frequency=EVERY_OTHER_WEEK, starts_on=d(11, 4)),
            d(11, 1),
            d(12, 5),
            [d(11, 17), d(12, 1)],
            id="every-other-week-first-date-after-the-weekday",
        ),
        pytest.param(
            # A range that starts in an "off" week still finds the right weeks.
            rule(frequency=EVERY_OTHER_WEEK, starts_on=d(11, 3)),
            d(11, 9),
            d(12, 5),
            [d(11, 17), d(12, 1)],
            id="every-other-week-range-starts-in-off-week",
        ),
        pytest.param(
            rule(frequency=EVERY_OTHER_WEEK, starts_on=d(11, 2), weekdays=(MON, FRI)),
            d(11, 1),
            d(11, 30),
            [d(11, 2), d(11, 6), d(11, 16), d(11, 20), d(11, 30)],
            id="every-other-week-two-days",
        ),
        pytest.param(
            rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(THU,), nth=2),
            d(9, 1),
            d(12, 31),
            [d(9, 10), d(10, 8), d(11, 12), d(12, 10)],
            id="monthly-second-thursday",
        ),
        pytest.param(
            rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(FRI,), nth=-1),
            d(9, 1),
            d(11, 30),
            [d(9, 25), d(10, 30), d(11, 27)],
            id="monthly-last-friday",
        ),
        pytest.param(
            # The last Friday of December 2026 is Christmas Day.
            rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(FRI,), nth=-1),
            d(12, 1),
            d(1, 31, 2027),
            [d(1, 29, 2027)],
            id="monthly-last-friday-christmas-skipped",
        ),
        pytest.param(
            rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(FRI,), nth=-1, skip_public_holidays=False),
            d(12, 1),
            d(1, 31, 2027),
            [d(12, 25), d(1, 29, 2027)],
            id="monthly-last-friday-christmas-kept",
        ),
        pytest.param(
            rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(MON,), nth=1),
            d(1, 1),
            d(3, 31),
            [d(1, 5), d(2, 2), d(3, 2)],
            id="monthly-first-monday",
        ),
        pytest.param(
            rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(SUN,), nth=4),
            d(2, 1),
            d(3, 31),
            [d(2, 22), d(3, 22)],
            id="monthly-fourth-sunday",
        ),
        pytest.param(
            rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(THU,), nth=2),
            d(9, 11),
            d(10, 7),
            [],
            id="monthly-range-between-occurrences",
        ),
        pytest.param(
            rule(cancelled_dates=frozenset({d(11, 10), d(11, 11)})),
            d(11, 1),
            d(11, 30),
            [d(11, 3), d(11, 17), d(11, 24)],
            id="cancelled-date",
        ),
        pytest.param(
            # Easter Monday (6 April) and King's Day (27 April) in 2026.
            rule(weekdays=(MON,)),
            d(4, 1),
            d(4, 30),
            [d(4, 13), d(4, 20)],
            id="easter-monday-and-kings-day-skipped",
        ),
        pytest.param(
            rule(weekdays=(MON,), skip_public_holidays=False),
            d(4, 1),
            d(4, 30),
            [d(4, 6), d(4, 13), d(4, 20), d(4, 27)],
            id="holidays-kept-when-not-skipping",
        ),
        pytest.param(
            rule(weekdays=(FRI,)), d(12, 1), d(12, 31), [d(12, 4), d(12, 11), d(12, 18)], id="christmas-skipped"
        ),
        pytest.param(
            rule(weekdays=(FRI,), skip_public_holidays=False, cancelled_dates=frozenset({d(12, 4)})),
            d(12, 1),
            d(12, 31),
            [d(12, 11), d(12, 18), d(12, 25)],
            id="christmas-kept-cancelled-date-still-skipped",
        ),
        pytest.param(
            rule(ends_on=d(11, 17)), d(11, 1), d(11, 30), [d(11, 3), d(11, 10), d(11, 17)], id="ends-on-inclusive"
        ),
        pytest.param(rule(starts_on=d(11, 10)), d(11, 1), d(11, 30), [d(11, 10), d(11, 17), d(11, 24)], id="starts-on"),
        pytest.param(rule(ends_on=d(10, 31)), d(11, 1), d(11, 30), [], id="range-after-the-series"),
        pytest.param(rule(), d(11, 30), d(11, 1), [], id="empty-range"),
        pytest.param(rule(), d(11, 3), d(11, 3), [d(11, 3)], id="one-day-range-inclusive"),
    ],
)
def test_occurrence_dates(series, start, end, expected):
    assert occurrence_dates(series, start, end) == expected


def test_skipped_dates_are_the_cancelled_dates_and_holidays_of_the_pattern():
    series = rule(weekdays=(MON,), cancelled_dates=frozenset({d(4, 13), d(4, 14)}))
    assert skipped_dates(series, d(4, 1), d(4, 30)) == [d(4, 6), d(4, 13), d(4, 27)]
    assert skipped_dates(replace(series, skip_public_holidays=False), d(4, 1), d(4, 30)) == [d(4, 13)]


# --- Slots --------------------------------------------------------------------------------------------------


def test_slots_of_a_day_follow_the_local_clock_in_winter():
    slots = generate_slots(rule(capacity=3), d(12, 8), d(12, 8))
    assert [slot.starts_at for slot in slots] == [
        utc(2026, 12, 8, 12, 0),
        utc(2026, 12, 8, 12, 20),
        utc(2026, 12, 8, 12, 40),
        utc(2026, 12, 8, 13, 0),
        utc(2026, 12, 8, 13, 20),
        utc(2026, 12, 8, 13, 40),
        utc(2026, 12, 8, 14, 0),
        utc(2026, 12, 8, 14, 20),
        utc(2026, 12, 8, 14, 40),
    ]
    assert slots[0] == Slot(utc(2026, 12, 8, 12, 0), utc(2026, 12, 8, 12, 20), 3)
    assert all(slot.starts_at.utcoffset() == timedelta(0) and slot.capacity == 3 for slot in slots)


@pytest.mark.parametrize(
    ("end_time", "slot_minutes", "expected_last_start"),
    [
        (time(16, 10), 20, time(15, 40)),  # the partial slot 16:00–16:10 is dropped
        (time(13, 59), 20, time(13, 20)),
        (time(13, 20), 20, time(13, 0)),
        (time(17), 45, time(16, 0)),
        (time(13, 5), 5, time(13, 0)),
    ],
)
def test_the_last_partial_slot_of_a_window_is_dropped(end_time, slot_minutes, expected_last_start):
    slots = generate_slots(rule(end_time=end_time, slot_minutes=slot_minutes), d(12, 8), d(12, 8))
    last = slots[-1]
    assert last.starts_at.astimezone(AMS).time() == expected_last_start
    assert last.ends_at.astimezone(AMS).time() <= end_time


def test_slots_over_several_days_are_sorted_and_skip_holidays():
    slots = generate_slots(rule(weekdays=(MON, TUE)), d(4, 1), d(4, 30))
    days = sorted({slot.starts_at.astimezone(AMS).date() for slot in slots})
    assert d(4, 6) not in days and d(4, 27) not in days
    assert days == occurrence_dates(rule(weekdays=(MON, TUE)), d(4, 1), d(4, 30))
    assert slots == sorted(slots)
    assert len(slots) == 9 * len(days)


@pytest.mark.parametrize(
    ("day", "expected_utc_hour"),
    [
        (d(3, 24), 12),  # Tuesday before the clocks go forward: CET, UTC+1
        (d(3, 31), 11),  # Tuesday after: CEST, UTC+2
        (d(10, 20), 11),  # Tuesday before the clocks go back: CEST
        (d(10, 27), 12),  # Tuesday after: CET
    ],
)
def test_a_13_oclock_slot_stays_13_oclock_local_across_daylight_saving(day, expected_utc_hour):
    first = generate_slots(rule(), day, day)[0]
    assert first.starts_at == datetime.combine(day, time(expected_utc_hour), tzinfo=UTC)
    assert first.starts_at.astimezone(AMS).time() == time(13)


@pytest.mark.parametrize(
    ("day", "expected_local_starts"),
    [
        # Clocks go forward at 02:00: 01:50–02:10, 02:10–02:30, 02:30–02:50, 02:50–03:10 start or end in the
        # skipped hour and are dropped.
        (DST_STARTS, [(time(1, 30), 1), (time(3, 10), 2)]),
        # Clocks go back at 03:00: 02:xx is summer time (the first pass); 02:50–03:10 would last 80 minutes.
        (DST_ENDS, [(time(1, 30), 2), (time(1, 50), 2), (time(2, 10), 2), (time(2, 30), 2), (time(3, 10), 1)]),
    ],
)
def test_a_night_window_across_the_clock_change_has_only_real_slots(day, expected_local_starts):
    series = rule(weekdays=(SUN,), start_time=time(1, 30), end_time=time(3, 30), skip_public_holidays=False)
    slots = generate_slots(series, day, day)
    starts = [slot.starts_at.astimezone(AMS) for slot in slots]
    assert [(moment.time(), int(moment.utcoffset() / timedelta(hours=1))) for moment in starts] == (
        expected_local_starts
    )
    for slot in slots:
        assert slot.ends_at - slot.starts_at == timedelta(minutes=20)  # in real time
        for moment in (slot.starts_at, slot.ends_at):
            wall = moment.astimezone(AMS).replace(tzinfo=None)
            # The local clock really reads this time, and it is its first reading (fold=0).
            assert wall.replace(tzinfo=AMS).astimezone(UTC) == moment
    assert len({slot.starts_at for slot in slots}) == len(slots)
    assert all(a.ends_at <= b.starts_at for a, b in pairwise(slots))


def test_on_a_clock_change_day_a_daytime_window_is_whole():
    series = rule(weekdays=(SUN,), skip_public_holidays=False)
    for day in (DST_STARTS, DST_ENDS):
        slots = generate_slots(series, day, day)
        assert len(slots) == 9
        assert slots[0].starts_at.astimezone(AMS).time() == time(13)


def test_an_invalid_rule_generates_nothing_but_an_error():
    with pytest.raises(ValueError, match="invalid consultation hour rule"):
        generate_slots(rule(slot_minutes=0), d(12, 1), d(12, 31))
    with pytest.raises(ValueError):
        occurrence_dates(rule(frequency="daily"), d(12, 1), d(12, 31))


# --- Validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "fields"),
    [
        (rule(), []),
        (rule(end_time=time(13, 50)), []),  # not a whole number of slots: fine, the last part is dropped
        (rule(end_time=time(13, 20)), []),  # exactly one slot
        (rule(frequency=WEEKLY, nth=3), []),  # nth only matters for monthly rules
        (rule(frequency="daily"), ["frequency"]),
        (rule(starts_on=d(5, 1), ends_on=d(4, 30)), ["ends_on"]),
        (rule(starts_on=d(5, 1), ends_on=d(5, 1)), []),
        (rule(end_time=time(13)), ["end_time"]),
        (rule(end_time=time(12)), ["end_time"]),
        (rule(slot_minutes=MIN_SLOT_MINUTES - 1), ["slot_minutes"]),
        (rule(slot_minutes=0), ["slot_minutes"]),
        (rule(slot_minutes=MAX_SLOT_MINUTES + 1, end_time=time(23)), ["slot_minutes"]),
        (rule(slot_minutes=MAX_SLOT_MINUTES, end_time=time(17)), []),
        (rule(end_time=time(13, 15)), ["slot_minutes"]),  # a 20-minute slot in a 15-minute window
        (rule(capacity=0), ["capacity"]),
        (rule(weekdays=()), ["weekdays"]),
        (rule(weekdays=(7,)), ["weekdays"]),
        (rule(weekdays=(-1, TUE)), ["weekdays"]),
        (rule(frequency=MONTHLY_NTH_WEEKDAY, nth=None), ["nth"]),
        (rule(frequency=MONTHLY_NTH_WEEKDAY, nth=0), ["nth"]),
        (rule(frequency=MONTHLY_NTH_WEEKDAY, nth=5), ["nth"]),
        (rule(frequency=MONTHLY_NTH_WEEKDAY, nth=-2), ["nth"]),
        (rule(frequency=MONTHLY_NTH_WEEKDAY, nth=-1), []),
        (rule(frequency=MONTHLY_NTH_WEEKDAY, nth=2, weekdays=(TUE, THU)), ["weekdays"]),
        (
            rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(), end_time=time(12), capacity=0),
            ["end_time", "capacity", "weekdays", "nth"],
        ),
    ],
)
def test_rule_problems(series, fields):
    problems = problems_by_field(series)
    assert [problem.field for problem in problems] == fields
    assert rule_problems(series) == [problem.message for problem in problems]
    assert all(isinstance(message, str) and message for message in rule_problems(series))


def test_rule_problems_are_plain_sentences():
    with translation.override("en"):
        assert rule_problems(rule(slot_minutes=1)) == ["A slot lasts from 5 to 240 minutes."]
        assert rule_problems(rule(end_time=time(12))) == ["The consultation hour must end after it starts."]


# --- RFC 5545 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        (rule(), "FREQ=WEEKLY;BYDAY=TU"),
        (rule(weekdays=(THU, MON)), "FREQ=WEEKLY;BYDAY=MO,TH"),
        (rule(frequency=EVERY_OTHER_WEEK), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;WKST=MO"),
        (rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(THU,), nth=2), "FREQ=MONTHLY;BYDAY=2TH"),
        (rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(FRI,), nth=-1), "FREQ=MONTHLY;BYDAY=-1FR"),
        # UNTIL in UTC (as RFC 5545 requires with a DTSTART in a time zone): the end of the last local day.
        (rule(ends_on=d(6, 30)), "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T215959Z"),
        (rule(ends_on=d(12, 31)), "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261231T225959Z"),
    ],
)
def test_to_rrule_string(series, expected):
    assert to_rrule_string(series) == expected


def _from(text: str, series: SeriesRule) -> SeriesRule:
    return rule_from_rrule_string(
        text,
        starts_on=series.starts_on,
        start_time=series.start_time,
        end_time=series.end_time,
        slot_minutes=series.slot_minutes,
        capacity=series.capacity,
        skip_public_holidays=series.skip_public_holidays,
        cancelled_dates=series.cancelled_dates,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", rule()),
        ("RRULE:freq=weekly;byday=th,mo", rule(weekdays=(MON, THU))),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", rule(frequency=EVERY_OTHER_WEEK)),
        ("FREQ=MONTHLY;BYDAY=+2TH", rule(frequency=MONTHLY_NTH_WEEKDAY, weekdays=(THU,), nth=2)),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630", rule(ends_on=d(6, 30))),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T130000", rule(ends_on=d(6, 30))),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T215959Z", rule(ends_on=d(6, 30))),
    ],
)
def test_rule_from_rrule_string(text, expected):
    assert _from(text, expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY;BYDAY=TU",
        "FREQ=WEEKLY",
        "FREQ=WEEKLY;BYDAY=TU;COUNT=3",
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU",
        "FREQ=WEEKLY;BYDAY=2TU",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;BYDAY=",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU",
        "FREQ=WEEKLY;BYDAY=TU;BYDAY=TH",
        "FREQ=MONTHLY;BYDAY=TU",
        "FREQ=MONTHLY;BYDAY=5TU",
        "FREQ=MONTHLY;BYDAY=2TU,3TH",
        "FREQ=MONTHLY;BYDAY=2TU,2TH",
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU",
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20251231",  # ends before it starts
        "not a rule",
    ],
)
def test_rules_that_are_not_a_consultation_hour_are_refused(text):
    with pytest.raises(ValueError):
        _from(text, rule())


# --- Booking window -----------------------------------------------------------------------------------------

NOW = local(d(12, 7), 10)  # Monday 7 December 2026, 10:00


@pytest.mark.parametrize(
    ("slot_start", "now", "ahead", "until", "expected"),
    [
        pytest.param(NOW - timedelta(minutes=1), NOW, 7, 0, False, id="in-the-past"),
        pytest.param(NOW, NOW, 7, 0, False, id="starting-now"),
        pytest.param(NOW + timedelta(microseconds=1), NOW, 7, 0, True, id="just-ahead-without-cut-off"),
        pytest.param(NOW + timedelta(minutes=59), NOW, 7, 60, False, id="inside-the-cut-off"),
        pytest.param(NOW + timedelta(minutes=60), NOW, 7, 60, True, id="exactly-the-cut-off"),
        pytest.param(local(d(12, 14), 23, 30), NOW, 7, 60, True, id="last-day-late-evening"),
        pytest.param(local(d(12, 15), 0, 0), NOW, 7, 60, False, id="day-after-the-last"),
        pytest.param(local(d(12, 7), 18), NOW, 0, 60, True, id="today-only"),
        pytest.param(local(d(12, 8), 9), NOW, 0, 60, False, id="today-only-not-tomorrow"),
        # The days count on the Amsterdam calendar: 23:30 UTC on 7 December is already 8 December.
        pytest.param(local(d(12, 15), 13), utc(2026, 12, 7, 23, 30), 7, 60, True, id="days-count-in-amsterdam"),
        pytest.param(local(d(12, 15), 13).astimezone(UTC), NOW.astimezone(UTC), 7, 60, False, id="utc-in"),
        # Across the clock change: 7 calendar days, not 7 × 24 hours.
        pytest.param(local(d(3, 29), 23), local(d(3, 22), 12), 7, 60, True, id="across-dst"),
        pytest.param(local(d(3, 30), 0, 30), local(d(3, 22), 12), 7, 60, False, id="across-dst-day-after"),
    ],
)
def test_bookable(slot_start, now, ahead, until, expected):
    assert bookable(slot_start, now=now, book_ahead_days=ahead, book_until_minutes=until) is expected


def test_bookable_needs_aware_datetimes():
    with pytest.raises(ValueError):
        bookable(datetime(2026, 12, 8, 13), now=NOW, book_ahead_days=7, book_until_minutes=60)
    with pytest.raises(ValueError):
        bookable(NOW, now=datetime(2026, 12, 8, 13), book_ahead_days=7, book_until_minutes=60)


# --- Properties ---------------------------------------------------------------------------------------------

# 28 March 2027 is Easter Sunday too.
CLOCK_CHANGE_DAYS = [date(2025, 3, 30), date(2025, 10, 26), DST_STARTS, DST_ENDS, date(2027, 3, 28), date(2027, 10, 31)]


@st.composite
def series_rules(draw) -> SeriesRule:
    frequency = draw(st.sampled_from(FREQUENCIES))
    if frequency == MONTHLY_NTH_WEEKDAY:
        weekdays, nth = (draw(st.integers(0, 6)),), draw(st.sampled_from(NTH_CHOICES))
    else:
        weekdays, nth = tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1)))), None
    starts_on = draw(st.dates(date(2024, 6, 1), date(2027, 6, 30)))
    ends_on = draw(st.none() | st.dates(starts_on, starts_on + timedelta(days=500)))
    slot_minutes = draw(st.integers(MIN_SLOT_MINUTES, MAX_SLOT_MINUTES))
    # Minutes of the day; night windows often, to meet the clock changes.
    first = draw(st.integers(0, 24 * 60 - 1 - slot_minutes) | st.integers(60, 180))
    last = draw(st.integers(first + slot_minutes, 24 * 60 - 1))
    cancelled = draw(st.frozensets(st.dates(starts_on, starts_on + timedelta(days=400)), max_size=8))
    return SeriesRule(
        starts_on=starts_on,
        ends_on=ends_on,
        frequency=frequency,
        weekdays=weekdays,
        nth=nth,
        start_time=time(first // 60, first % 60),
        end_time=time(last // 60, last % 60),
        slot_minutes=slot_minutes,
        capacity=draw(st.integers(1, 30)),
        skip_public_holidays=draw(st.booleans()),
        cancelled_dates=cancelled,
    )


@st.composite
def date_ranges(draw) -> tuple[date, date]:
    start = draw(
        st.dates(date(2024, 1, 1), date(2028, 6, 30))
        | st.builds(
            lambda day, back: day - timedelta(days=back), st.sampled_from(CLOCK_CHANGE_DAYS), st.integers(0, 60)
        )
    )
    return start, start + timedelta(days=draw(st.integers(-1, 120)))


@st.composite
def clock_change_cases(draw) -> tuple[SeriesRule, tuple[date, date]]:
    """A rule that falls on a day the clocks change (always a Sunday), often with a window in the night."""
    day = draw(st.sampled_from(CLOCK_CHANGE_DAYS))
    series = draw(series_rules())
    if series.frequency == MONTHLY_NTH_WEEKDAY:
        series = replace(series, weekdays=(SUN,), nth=-1)  # the clocks change on the last Sunday
    else:
        series = replace(series, weekdays=tuple(sorted({*series.weekdays, SUN})))
    series = replace(
        series,
        # Whole fortnights back, so "every other week" falls on the day too.
        starts_on=day - timedelta(weeks=2 * draw(st.integers(0, 10))),
        ends_on=draw(st.none() | st.dates(day, day + timedelta(days=100))),
        cancelled_dates=series.cancelled_dates - {day},
    )
    start = day - timedelta(days=draw(st.integers(0, 20)))
    return series, (start, day + timedelta(days=draw(st.integers(0, 20))))


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _changes_clock(day: date) -> bool:
    return local(day, 0).utcoffset() != datetime.combine(day, time(23, 59), tzinfo=AMS).utcoffset()


def _assert_slots_are_real_sorted_apart_and_inside_the_window(series: SeriesRule, start: date, end: date) -> None:
    slots = generate_slots(series, start, end)
    step = timedelta(minutes=series.slot_minutes)
    window = datetime.combine(date.min, series.end_time) - datetime.combine(date.min, series.start_time)
    occurrences = occurrence_dates(series, start, end)
    assert all(a.ends_at <= b.starts_at for a, b in pairwise(slots))  # sorted, no overlap, no duplicates
    per_day: dict[date, int] = {}
    for slot in slots:
        assert slot.starts_at.utcoffset() == timedelta(0) and slot.ends_at.utcoffset() == timedelta(0)
        assert slot.ends_at - slot.starts_at == step  # in real time
        assert slot.capacity == series.capacity
        starts, ends = slot.starts_at.astimezone(AMS), slot.ends_at.astimezone(AMS)
        day = starts.date()
        assert ends.date() == day
        assert series.start_time <= starts.time() and ends.time() <= series.end_time
        # The local clock really reads the start, the first time it does (fold=0).
        assert starts.replace(tzinfo=None).replace(tzinfo=AMS).astimezone(UTC) == slot.starts_at
        # On the grid of the day: start_time + i × slot_minutes on the local clock.
        assert (starts.replace(tzinfo=None) - datetime.combine(day, series.start_time)) % step == timedelta(0)
        assert day in occurrences and start <= day <= end
        assert day not in series.cancelled_dates
        if series.skip_public_holidays:
            assert dutch_public_holiday(day) is None
        per_day[day] = per_day.get(day, 0) + 1
    for day in occurrences:
        count = per_day.get(day, 0)
        assert count <= window // step
        if not _changes_clock(day):
            assert count == window // step
        else:
            expected = _real_grid_slots(series, day)
            assert [slot for slot in slots if slot.starts_at.astimezone(AMS).date() == day] == expected


def _real_grid_slots(series: SeriesRule, day: date) -> list[Slot]:
    """An independent oracle for a clock-change day: walk the real minutes around the day, note the first instant
    the local clock reads each time, and keep the grid slots whose start and end it reads, slot_minutes apart."""
    first_reading: dict[datetime, datetime] = {}
    moment = datetime.combine(day, time(), tzinfo=UTC) - timedelta(hours=3)
    while moment < datetime.combine(day, time(), tzinfo=UTC) + timedelta(hours=25):
        first_reading.setdefault(moment.astimezone(AMS).replace(tzinfo=None), moment)
        moment += timedelta(minutes=1)
    step = timedelta(minutes=series.slot_minutes)
    wall, closes = datetime.combine(day, series.start_time), datetime.combine(day, series.end_time)
    expected = []
    while wall + step <= closes:
        starts, ends = first_reading.get(wall), first_reading.get(wall + step)
        if starts is not None and ends is not None and ends - starts == step:
            expected.append(Slot(starts, ends, series.capacity))
        wall += step
    return expected


@PROPERTY_SETTINGS
@given(series_rules(), date_ranges())
def test_slots_are_real_sorted_apart_and_inside_the_window(series, dates):
    _assert_slots_are_real_sorted_apart_and_inside_the_window(series, *dates)


@PROPERTY_SETTINGS
@given(clock_change_cases())
def test_slots_on_clock_change_days_are_real_sorted_apart_and_inside_the_window(case):
    series, dates = case
    _assert_slots_are_real_sorted_apart_and_inside_the_window(series, *dates)


@PROPERTY_SETTINGS
@given(series_rules(), date_ranges())
def test_the_rrule_gives_the_same_dates_through_dateutil(series, dates):
    start, end = dates
    text = to_rrule_string(series)
    recurrence = rrulestr(text, dtstart=datetime.combine(series.starts_on, series.start_time, tzinfo=AMS))
    found = [
        moment.date()
        for moment in recurrence.between(
            datetime.combine(start, time.min, tzinfo=AMS), datetime.combine(end, time.max, tzinfo=AMS), inc=True
        )
    ]
    skipped = skipped_dates(series, start, end)
    assert [day for day in found if day not in skipped] == occurrence_dates(series, start, end)
    assert sorted(set(found)) == found == sorted([*occurrence_dates(series, start, end), *skipped])
    assert _from(text, series) == series
