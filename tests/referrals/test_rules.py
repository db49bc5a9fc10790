"""The referral's state machine and the promised reaction time, as tables."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ido.referrals import rules

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ALL = [
    rules.SENT,
    rules.ACCEPTED,
    rules.DECLINED,
    rules.CONTACTED,
    rules.APPOINTMENT_MADE,
    rules.COMPLETED,
    rules.NOT_REACHED,
    rules.WITHDRAWN,
]


@pytest.mark.parametrize(
    ("status", "side", "allowed"),
    [
        (rules.SENT, rules.RECEIVER, {rules.ACCEPTED, rules.DECLINED}),
        (rules.ACCEPTED, rules.RECEIVER, {rules.CONTACTED, rules.APPOINTMENT_MADE, rules.COMPLETED, rules.NOT_REACHED}),
        (rules.CONTACTED, rules.RECEIVER, {rules.APPOINTMENT_MADE, rules.COMPLETED, rules.NOT_REACHED}),
        (rules.APPOINTMENT_MADE, rules.RECEIVER, {rules.COMPLETED, rules.NOT_REACHED}),
        (rules.SENT, rules.SENDER, {rules.WITHDRAWN}),
        (rules.ACCEPTED, rules.SENDER, {rules.WITHDRAWN}),
        (rules.APPOINTMENT_MADE, rules.SENDER, {rules.WITHDRAWN}),
        *[(closed, side, set()) for closed in sorted(rules.CLOSED) for side in (rules.SENDER, rules.RECEIVER)],
    ],
)
def test_allowed_transitions(status, side, allowed):
    assert rules.allowed_transitions(status, side) == allowed


@pytest.mark.parametrize(
    ("status", "new", "side"),
    [
        (rules.SENT, rules.COMPLETED, rules.RECEIVER),  # accept first
        (rules.SENT, rules.ACCEPTED, rules.SENDER),  # only the receiver accepts
        (rules.COMPLETED, rules.ACCEPTED, rules.RECEIVER),  # a closed referral stays closed
        (rules.DECLINED, rules.WITHDRAWN, rules.SENDER),
        (rules.CONTACTED, rules.DECLINED, rules.RECEIVER),  # declining is only the first answer
    ],
)
def test_illegal_transitions_are_refused(status, new, side):
    assert not rules.may_move(status, new, side)


@given(st.sampled_from(ALL), st.sampled_from(ALL), st.sampled_from([rules.SENDER, rules.RECEIVER]))
def test_no_way_out_of_a_closed_referral_and_no_way_back_to_sent(status, new, side):
    if rules.is_closed(status):
        assert not rules.may_move(status, new, side)
    assert not rules.may_move(status, rules.SENT, side)


@pytest.mark.parametrize(
    ("sent_at", "days", "due"),
    [
        (datetime(2026, 12, 1, 10, 0, tzinfo=AMSTERDAM), 5, datetime(2026, 12, 8, 17, 0, tzinfo=AMSTERDAM)),
        # Friday + 1 working day: Monday.
        (datetime(2026, 12, 4, 16, 0, tzinfo=AMSTERDAM), 1, datetime(2026, 12, 7, 17, 0, tzinfo=AMSTERDAM)),
        # Christmas and Boxing Day do not count.
        (datetime(2026, 12, 24, 9, 0, tzinfo=AMSTERDAM), 2, datetime(2026, 12, 29, 17, 0, tzinfo=AMSTERDAM)),
        # King's Day 2027 is Tuesday 27 April.
        (datetime(2027, 4, 26, 9, 0, tzinfo=AMSTERDAM), 1, datetime(2027, 4, 28, 17, 0, tzinfo=AMSTERDAM)),
    ],
)
def test_the_reaction_is_due_after_working_days(sent_at, days, due):
    assert rules.response_deadline(sent_at, days) == due


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=1, max_value=20))
def test_the_deadline_is_a_working_day_after_the_day_sent(day, days):
    due = rules.add_working_days(day, days)
    assert due > day and rules.is_working_day(due)


def test_overdue_only_while_sent_without_a_reaction():
    due = datetime(2026, 12, 8, 17, 0, tzinfo=AMSTERDAM)
    later = datetime(2026, 12, 9, 9, 0, tzinfo=AMSTERDAM)
    assert rules.is_overdue(status=rules.SENT, response_due_at=due, first_reaction_at=None, now=later)
    assert not rules.is_overdue(status=rules.SENT, response_due_at=due, first_reaction_at=None, now=due)
    assert not rules.is_overdue(status=rules.ACCEPTED, response_due_at=due, first_reaction_at=due, now=later)
    assert not rules.is_overdue(status=rules.SENT, response_due_at=None, first_reaction_at=None, now=later)
