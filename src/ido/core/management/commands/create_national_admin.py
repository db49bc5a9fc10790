"""`ido create_national_admin`: the first national administrator of a new installation."""

from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError
from django.db import transaction

from ido.core import audit
from ido.organisations.models import Membership, Organisation
from ido.organisations.roles import OrganisationKind, Role
from ido.organisations.services import send_welcome_email

User = get_user_model()


class Command(BaseCommand):
    help = "Create a national administrator (and the national body if needed); e-mail a password link."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--organisation", default="Landelijk beheer IDO", help="Name of the national body.")

    @transaction.atomic
    def handle(self, *args, email, name, organisation, **options):
        email = email.strip().lower()
        if "@" not in email:
            raise CommandError("Give a valid e-mail address.")
        body, _ = Organisation.objects.get_or_create(kind=OrganisationKind.NATIONAL, name=organisation)
        user = User.objects.filter(email__iexact=email).first()
        is_new = user is None
        if is_new:
            user = User.objects.create_user(email=email, name=name)
        if Membership.objects.active().filter(user=user, organisation=body, role=Role.NATIONAL_ADMIN).exists():
            raise CommandError(f"{email} is already a national administrator of {organisation}.")
        membership = Membership.objects.create(user=user, organisation=body, role=Role.NATIONAL_ADMIN)
        audit.record(
            actor=None,
            organisation=body,
            action="organisations.membership.created",
            target=membership,
            detail={"role": Role.NATIONAL_ADMIN, "new_user": is_new, "via": "command"},
        )
        if is_new:
            transaction.on_commit(lambda: send_welcome_email(user=user))
            self.stdout.write(f"Created {email}; an e-mail with a link to choose a password is on its way.")
        else:
            self.stdout.write(f"{email} is now a national administrator of {organisation}.")
