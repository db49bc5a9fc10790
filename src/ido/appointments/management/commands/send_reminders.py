from django.core.management.base import BaseCommand

from ido.appointments.tasks import queue_due_reminders
from ido.courses import tasks as course_tasks
from ido.referrals.tasks import remind_overdue


class Command(BaseCommand):
    help = (
        "Queue the reminders of appointments and course meetings that start within IDO_REMINDER_HOURS_BEFORE hours, "
        "hand expired course offers on to the next on the waitlist, and remind partners of referrals past the "
        "agreed reaction time. Run it every few minutes; no reminder is sent twice."
    )

    def handle(self, *args, **options):
        result = queue_due_reminders.enqueue()
        if result.is_finished:
            self.stdout.write(f"Reminders queued for {result.return_value} appointment(s).")
        else:
            self.stdout.write("Queued the reminder run for the worker.")
        # Offers first: the next person on the waitlist gets their offer in this run, not the next one.
        expired = course_tasks.expire_offers.enqueue()
        if expired.is_finished:
            self.stdout.write(f"Course offers expired: {expired.return_value}; the places went to the waitlist.")
        course_reminders = course_tasks.queue_due_reminders.enqueue()
        if course_reminders.is_finished:
            self.stdout.write(f"Reminders queued for {course_reminders.return_value} course meeting(s) and person(s).")
        overdue = remind_overdue.enqueue()
        if overdue.is_finished:
            self.stdout.write(f"Partners reminded of {overdue.return_value} overdue referral(s).")
