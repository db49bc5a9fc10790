"""The pure rules of courses: completion, when enrolment closes, who gets a freed place and until when, the
meetings of a new session."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ido.courses import rules

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("attended", "held", "required", "completed"),
    [
        (3, 4, 3, True),  # the usual rule: at least 3 of 4
        (4, 4, 3, True),
        (2, 4, 3, False),
        (0, 4, 3, False),
        (4, 4, None, True),  # no number: all meetings
        (3, 4, None, False),
        (2, 2, 3, True),  # a meeting was cancelled: 2 held, so both are enough
        (1, 2, 3, False),
        (0, 0, 3, False),  # nothing held yet: nobody completed
        (0, 0, None, False),
        (1, 1, 1, True),
        (5, 6, 5, True),
        (4, 6, 5, False),
    ],
)
def test_completion_rule(attended, held, required, completed):
    assert rules.is_completed(attended=attended, held=held, required=required) is completed


@given(held=st.integers(0, 20), required=st.one_of(st.none(), st.integers(1, 20)))
def test_attending_every_meeting_held_always_completes_once_something_was_held(held, required):
    assert rules.is_completed(attended=held, held=held, required=required) is (held > 0)


@pytest.mark.parametrize(
    ("cancelled", "starts_at", "refusal"),
    [
        (False, NOW + timedelta(days=1), None),
        (False, NOW + timedelta(seconds=1), None),
        (False, NOW, "started"),
        (False, NOW - timedelta(days=7), "started"),
        (True, NOW + timedelta(days=1), "cancelled"),
        (False, None, "no_meetings"),
    ],
)
def test_enrolment_closes_when_the_first_meeting_starts(cancelled, starts_at, refusal):
    assert rules.enrolment_refusal(cancelled=cancelled, starts_at=starts_at, now=NOW) == refusal


def test_an_offer_stands_for_its_hours_but_never_past_the_first_meeting():
    assert rules.offer_expires_at(offered_at=NOW, hours=48, first_meeting=NOW + timedelta(days=7)) == NOW + timedelta(
        hours=48
    )
    first = NOW + timedelta(hours=20)
    assert rules.offer_expires_at(offered_at=NOW, hours=48, first_meeting=first) == first


@pytest.mark.parametrize(
    ("waiting", "free", "chosen"),
    [
        ([(1, 1), (2, 1)], 1, 1),  # first come, first served
        ([(1, 2), (2, 1)], 1, 2),  # a pair waits for two places; the single behind them gets the one
        ([(1, 2), (2, 1)], 2, 1),
        ([(1, 2)], 1, None),
        ([], 3, None),
        ([(1, 1)], 0, None),
    ],
)
def test_the_first_on_the_waitlist_who_fits_gets_the_place(waiting, free, chosen):
    entry = rules.next_offer([rules.Waiting(pk, places) for pk, places in waiting], free)
    assert (entry.id if entry else None) == chosen


def test_meetings_keep_their_wall_clock_time_across_the_change_to_winter_time():
    meetings = rules.meeting_times(first=date(2026, 10, 20), start=time(10), end=time(12), count=3)
    assert [start.date() for start, _end in meetings] == [date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 3)]
    assert {start.astimezone(AMSTERDAM).time() for start, _end in meetings} == {time(10)}
    assert meetings[0][0].utcoffset() != meetings[1][0].utcoffset()  # summer time, then winter time


def test_every_other_week():
    meetings = rules.meeting_times(first=date(2026, 12, 1), start=time(14), end=time(16), count=2, every_weeks=2)
    assert [start.date() for start, _end in meetings] == [date(2026, 12, 1), date(2026, 12, 15)]


@pytest.mark.parametrize(("count", "start", "end"), [(0, time(10), time(12)), (2, time(12), time(10))])
def test_a_session_without_a_proper_meeting_is_refused(count, start, end):
    with pytest.raises(ValueError):
        rules.meeting_times(first=date(2026, 12, 1), start=start, end=end, count=count)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("waitlisted", "offered", True),
        ("waitlisted", "enrolled", False),  # nobody skips the offer
        ("offered", "enrolled", True),
        ("offered", "expired", True),
        ("enrolled", "cancelled", True),
        ("enrolled", "offered", False),
        ("expired", "enrolled", False),  # too late is too late
        ("cancelled", "enrolled", False),
        ("declined", "offered", False),
    ],
)
def test_enrolment_state_machine(current, target, allowed):
    assert rules.may_move(current, target) is allowed


def test_no_show_rate():
    assert rules.no_show_rate(expected=0, absent=0) is None
    assert rules.no_show_rate(expected=8, absent=2) == 0.25
