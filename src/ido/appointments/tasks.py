"""Background work for appointments (django-tasks). Each task takes ids, not objects, and is safe to run twice:
the messages are claimed before they are sent (notifications.py), the deletion is a conditional update."""

from django_tasks import task

from ido.appointments import notifications, services


@task()
def send_confirmation(appointment_id: int) -> int:
    return notifications.send_confirmation(appointment_id)


@task()
def send_reminder(appointment_id: int) -> int:
    return notifications.send_reminder(appointment_id)


@task()
def send_cancellation_notice(appointment_id: int, reason: str) -> int:
    return notifications.send_cancellation_notice(appointment_id, reason)


@task()
def queue_due_reminders() -> int:
    """Queue a reminder task for every appointment that is due one. Run every few minutes (`ido send_reminders`
    from cron or a timer); a run that overlaps another only queues tasks whose claim will then fail."""
    due = list(notifications.due_for_reminder())
    for appointment_id in due:
        send_reminder.enqueue(appointment_id)
    return len(due)


@task()
def delete_expired_personal_data() -> int:
    return services.delete_expired_personal_data()
