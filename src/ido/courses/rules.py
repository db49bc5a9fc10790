"""The rules of courses as pure functions over plain values: completion, when enrolment is possible, who on the
waitlist gets a freed place and until when, the meetings of a new session, and the no-show rate."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Statuses, as plain strings so the rules need no model.
ENROLLED, WAITLISTED, OFFERED = "enrolled", "waitlisted", "offered"
CANCELLED, DECLINED, EXPIRED, LEFT_WAITLIST = "cancelled", "declined", "expired", "left_waitlist"
HOLDS_PLACES = frozenset({ENROLLED, OFFERED})
ENDED = frozenset({CANCELLED, DECLINED, EXPIRED, LEFT_WAITLIST})

# Who may move an enrolment where. "person": the visitor (by link) or the desk on their behalf; "system": the
# expiry of an offer and the offer of a freed place.
TRANSITIONS: dict[str, frozenset[str]] = {
    WAITLISTED: frozenset({OFFERED, LEFT_WAITLIST, CANCELLED}),
    OFFERED: frozenset({ENROLLED, DECLINED, EXPIRED, CANCELLED}),
    ENROLLED: frozenset({CANCELLED}),
    CANCELLED: frozenset(),
    DECLINED: frozenset(),
    EXPIRED: frozenset(),
    LEFT_WAITLIST: frozenset(),
}


def may_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def is_completed(*, attended: int, held: int, required: int | None) -> bool:
    """Completed when the person came to at least `required` meetings (None: all of them). Only meetings that
    took place count, so a course with fewer meetings than `required` asks for all of them; a session that has
    not met yet is nobody's completion."""
    if held <= 0:
        return False
    needed = held if required is None else min(required, held)
    return attended >= needed


def enrolment_refusal(*, cancelled: bool, starts_at: datetime | None, now: datetime) -> str | None:
    """Why nobody can enrol (or be offered a place) now: "cancelled", "no_meetings", "started"; None when open.
    Enrolment closes when the first meeting starts: who comes later misses the start of the course."""
    if cancelled:
        return "cancelled"
    if starts_at is None:
        return "no_meetings"
    if now >= starts_at:
        return "started"
    return None


def offer_expires_at(*, offered_at: datetime, hours: int, first_meeting: datetime | None) -> datetime:
    """An offer stands for `hours`, but never past the start of the first meeting."""
    expires = offered_at + timedelta(hours=hours)
    if first_meeting is not None and first_meeting < expires:
        return first_meeting
    return expires


@dataclass(frozen=True)
class Waiting:
    """One entry on a waitlist, in order: its id and the places it needs (1, or 2 with a companion)."""

    id: int
    places: int


def next_offer(waitlist: Sequence[Waiting], free: int) -> Waiting | None:
    """Who gets a freed place: the first on the list whose places fit. A pair waits while one place is free,
    and the next single person gets it: a place never stays empty for want of a second one."""
    for entry in waitlist:
        if entry.places <= free:
            return entry
    return None


def meeting_times(
    *, first: date, start: time, end: time, count: int, every_weeks: int = 1
) -> list[tuple[datetime, datetime]]:
    """The meetings of a new session: `count` meetings from `first`, every `every_weeks` weeks, at local wall-clock
    times (a meeting keeps its 10:00 across the change to or from summer time)."""
    if count < 1 or every_weeks < 1 or end <= start:
        raise ValueError("a session needs at least one meeting that ends after it starts")
    meetings = []
    for number in range(count):
        day = first + timedelta(weeks=number * every_weeks)
        meetings.append((datetime.combine(day, start, tzinfo=AMSTERDAM), datetime.combine(day, end, tzinfo=AMSTERDAM)))
    return meetings


def no_show_rate(*, expected: int, absent: int) -> float | None:
    """The share of marked places where the person did not come; None when nothing was marked."""
    if expected <= 0:
        return None
    return absent / expected
