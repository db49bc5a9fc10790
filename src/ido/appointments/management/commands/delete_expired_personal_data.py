from django.core.management.base import BaseCommand

from ido.appointments.services import delete_expired_personal_data, retention_days


class Command(BaseCommand):
    help = "Delete the personal data of appointments that ended more than IDO_APPOINTMENT_RETENTION_DAYS ago."

    def handle(self, *args, **options):
        count = delete_expired_personal_data()
        self.stdout.write(f"Personal data deleted from {count} appointment(s) (retention {retention_days()} days).")
