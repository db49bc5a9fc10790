"""Pure rules for registrations: who may still change a registration, and when."""

from datetime import datetime, timedelta

# Staff correct their own registrations for a week; after that a registration is final for them.
EDIT_WINDOW = timedelta(days=7)
# Right after saving, the person who saved can take it back ("undo").
UNDO_WINDOW = timedelta(seconds=30)
# Nor long before the IDOs existed: an earlier year is a typing error.
EARLIEST_VISIT_YEAR = 2000
# A visit cannot be registered in the future (a little slack for clocks that differ).
FUTURE_SLACK = timedelta(minutes=5)


def may_edit(*, is_own: bool, may_correct_library: bool, created_at: datetime, now: datetime) -> bool:
    """Own registrations within the edit window; coordinators (may_correct_library) any of their library's."""
    if may_correct_library:
        return True
    return is_own and now - created_at <= EDIT_WINDOW


def is_final_for_staff(*, created_at: datetime, now: datetime) -> bool:
    return now - created_at > EDIT_WINDOW


def may_undo(*, is_own: bool, created_at: datetime, now: datetime) -> bool:
    return is_own and now - created_at <= UNDO_WINDOW
