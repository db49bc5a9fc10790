from django.core.management.base import BaseCommand

from ido.appointments.tasks import queue_due_reminders
from ido.referrals.tasks import remind_overdue


class Command(BaseCommand):
    help = (
        "Queue the reminders of appointments that start within IDO_REMINDER_HOURS_BEFORE hours, and remind partners "
        "of referrals past the agreed reaction time. Run it every few minutes; no reminder is sent twice."
    )

    def handle(self, *args, **options):
        result = queue_due_reminders.enqueue()
        if result.is_finished:
            self.stdout.write(f"Reminders queued for {result.return_value} appointment(s).")
        else:
            self.stdout.write("Queued the reminder run for the worker.")
        overdue = remind_overdue.enqueue()
        if overdue.is_finished:
            self.stdout.write(f"Partners reminded of {overdue.return_value} overdue referral(s).")
