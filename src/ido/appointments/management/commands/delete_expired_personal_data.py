from django.core.management.base import BaseCommand

from ido.appointments import tasks as appointment_tasks
from ido.appointments.services import retention_days
from ido.courses import tasks as course_tasks
from ido.courses.services import retention_days as course_retention_days
from ido.referrals import tasks as referral_tasks
from ido.referrals.services import retention_days as referral_retention_days


class Command(BaseCommand):
    help = (
        "Delete the personal data of appointments, referrals and course enrolments past their retention period "
        "(IDO_APPOINTMENT_RETENTION_DAYS, IDO_REFERRAL_RETENTION_DAYS, IDO_COURSE_RETENTION_DAYS). Run it daily; "
        "the anonymous counts stay."
    )

    def handle(self, *args, **options):
        for label, task, days in (
            ("appointment(s)", appointment_tasks.delete_expired_personal_data, retention_days()),
            ("referral(s)", referral_tasks.delete_expired_personal_data, referral_retention_days()),
            ("course enrolment(s)", course_tasks.delete_expired_personal_data, course_retention_days()),
        ):
            result = task.enqueue()
            if result.is_finished:
                self.stdout.write(f"Personal data deleted from {result.return_value} {label} (retention {days} days).")
            else:
                self.stdout.write(f"Queued the deletion for {label} for the worker.")
