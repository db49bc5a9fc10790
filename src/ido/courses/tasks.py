"""Background work of the courses module (django-tasks). Each task takes ids, not objects, and is safe to run
twice: a message is claimed before it is sent (see notifications.py), the expiry of offers and the deletion of
personal data are conditional updates."""

from django_tasks import task

from ido.courses import notifications


@task()
def send_confirmation(enrolment_id: int) -> int:
    return notifications.send_confirmation(enrolment_id)


@task()
def send_offer(enrolment_id: int) -> int:
    return notifications.send_offer(enrolment_id)


@task()
def notify_rescheduled(meeting_id: int, reason: str) -> int:
    return notifications.send_rescheduled(meeting_id, reason)


@task()
def notify_session_cancelled(enrolment_id: int, reason: str) -> int:
    return notifications.send_session_cancelled(enrolment_id, reason)


@task()
def send_reminder(enrolment_id: int, meeting_id: int) -> int:
    return notifications.send_reminder(enrolment_id, meeting_id)


@task()
def queue_due_reminders() -> int:
    """Queue a reminder task for every enrolled person and meeting that is due one. Run every few minutes
    (`send_reminders`); a run that overlaps another only queues tasks whose claim will then fail."""
    due = notifications.due_for_reminder()
    for enrolment_id, meeting_id in due:
        send_reminder.enqueue(enrolment_id, meeting_id)
    return len(due)


@task()
def expire_offers() -> int:
    """Offers past their time lapse; the places go to the next on the waitlist (who get their offer)."""
    from ido.courses import services  # services queue these tasks: imported here to avoid a cycle

    return services.expire_offers()


@task()
def delete_expired_personal_data() -> int:
    from ido.courses import services

    return services.delete_expired_personal_data()
