"""Writes for accounts: second-factor devices and backup codes."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ido.core import audit

BACKUP_CODE_COUNT = 10


def start_totp_enrolment(*, user) -> TOTPDevice:
    """An unconfirmed TOTP device for the QR code; replaces an earlier unfinished one."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


@transaction.atomic
def confirm_totp_enrolment(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device when `token` is right: returns new backup codes, or None for a wrong code."""
    if not device.verify_token(token):
        return None
    # New devices all round: sessions verified with the old app or an old backup code stop being verified,
    # because django-otp no longer finds the device they were verified with.
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = regenerate_backup_codes(user=user)
    audit.record(actor=user, action="accounts.totp.enrolled", target=user)
    transaction.on_commit(lambda: send_second_factor_notice(user=user))
    return codes


def send_second_factor_notice(*, user) -> None:
    """Tell the owner their two-step login changed: if it was not them, they know at once."""
    context = {"user": user, "link": settings.IDO_BASE_URL + reverse("accounts:password_reset")}
    send_mail(
        subject=render_to_string("accounts/email/second_factor_subject.txt", context).strip(),
        message=render_to_string("accounts/email/second_factor.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def regenerate_backup_codes(*, user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit.record(actor=user, action="accounts.backup_codes.regenerated", target=user)
    return codes


def remaining_backup_codes(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
