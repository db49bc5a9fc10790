"""Pure rules of a referral: which status may follow which, who may make the step, and when a reaction is due."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ido.locations.opening_hours import dutch_public_holiday

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

SENT = "sent"
ACCEPTED = "accepted"
DECLINED = "declined"
CONTACTED = "contacted"
APPOINTMENT_MADE = "appointment_made"
COMPLETED = "completed"
NOT_REACHED = "not_reached"
WITHDRAWN = "withdrawn"

CLOSED = frozenset({DECLINED, COMPLETED, NOT_REACHED, WITHDRAWN})

# The receiver moves a referral forward; the sender can only withdraw it while it is open.
RECEIVER_STEPS: dict[str, frozenset[str]] = {
    SENT: frozenset({ACCEPTED, DECLINED}),
    ACCEPTED: frozenset({CONTACTED, APPOINTMENT_MADE, COMPLETED, NOT_REACHED}),
    CONTACTED: frozenset({APPOINTMENT_MADE, COMPLETED, NOT_REACHED}),
    APPOINTMENT_MADE: frozenset({COMPLETED, NOT_REACHED}),
}
SENDER_STEPS: dict[str, frozenset[str]] = {
    SENT: frozenset({WITHDRAWN}),
    ACCEPTED: frozenset({WITHDRAWN}),
    CONTACTED: frozenset({WITHDRAWN}),
    APPOINTMENT_MADE: frozenset({WITHDRAWN}),
}

SENDER = "sender"
RECEIVER = "receiver"


def allowed_transitions(status: str, side: str) -> frozenset[str]:
    """The statuses the sending or receiving side may move a referral to from `status`."""
    steps = RECEIVER_STEPS if side == RECEIVER else SENDER_STEPS
    return steps.get(status, frozenset())


def may_move(status: str, new_status: str, side: str) -> bool:
    return new_status in allowed_transitions(status, side)


def is_closed(status: str) -> bool:
    return status in CLOSED


def needs_reason(new_status: str) -> bool:
    """Declining asks for a reason, so the IDO can refer elsewhere."""
    return new_status == DECLINED


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and dutch_public_holiday(day) is None


def add_working_days(day: date, days: int) -> date:
    """`days` working days after `day` (weekends and Dutch public holidays do not count)."""
    current = day
    left = days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


def response_deadline(sent_at: datetime, working_days: int) -> datetime:
    """The end of the working day by which the partner promised to react (17:00 local time)."""
    local = sent_at.astimezone(AMSTERDAM)
    due_day = add_working_days(local.date(), working_days)
    return datetime.combine(due_day, time(17, 0), tzinfo=AMSTERDAM)


def is_overdue(
    *, status: str, response_due_at: datetime | None, first_reaction_at: datetime | None, now: datetime
) -> bool:
    """No reaction yet after the promised response time."""
    return status == SENT and first_reaction_at is None and response_due_at is not None and now > response_due_at
