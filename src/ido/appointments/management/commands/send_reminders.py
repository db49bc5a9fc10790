from django.core.management.base import BaseCommand

from ido.appointments.tasks import queue_due_reminders


class Command(BaseCommand):
    help = (
        "Queue the reminders of appointments that start within IDO_REMINDER_HOURS_BEFORE hours. Run it every few "
        "minutes; a reminder is never sent twice."
    )

    def handle(self, *args, **options):
        result = queue_due_reminders.enqueue()
        if result.is_finished:
            self.stdout.write(f"Reminders queued for {result.return_value} appointment(s).")
        else:
            self.stdout.write("Queued the reminder run for the worker.")
