"""Background work of the courses module (django-tasks): messages to people about their enrolment. Each task
claims its message before sending (see notifications.py), so a retried task never sends twice."""

from django_tasks import task

from ido.courses import notifications


@task()
def send_confirmation(enrolment_id: int) -> None:
    notifications.send_confirmation(enrolment_id)


@task()
def send_offer(enrolment_id: int) -> None:
    notifications.send_offer(enrolment_id)


@task()
def notify_rescheduled(meeting_id: int, reason: str) -> None:
    notifications.send_rescheduled(meeting_id, reason)


@task()
def notify_session_cancelled(enrolment_id: int, reason: str) -> None:
    notifications.send_session_cancelled(enrolment_id, reason)


@task()
def send_reminder(enrolment_id: int, meeting_id: int) -> None:
    notifications.send_reminder(enrolment_id, meeting_id)
