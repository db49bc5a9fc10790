"""The cancel link a visitor gets on the appointment card and in the e-mail: a signed token that names one
appointment and stops working when the appointment starts (a signature cannot be forged without SECRET_KEY, and
the appointment's own state decides the rest: a cancelled appointment cannot be cancelled twice)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from ido.appointments.models import Appointment

CANCEL_SALT = "ido.appointments.cancel"


def cancel_token(appointment: Appointment) -> str:
    """The token carries the appointment and its start, so a link to a moved appointment stops working."""
    # A plain signature (no timestamp), so the card, the e-mail and the text message carry the same link; it
    # expires with the appointment itself.
    return signing.Signer(salt=CANCEL_SALT).sign_object([appointment.pk, int(appointment.slot.starts_at.timestamp())])


def appointment_from_token(token: str) -> Appointment | None:
    """The appointment the token names, or None for a forged, damaged or outdated token."""
    try:
        pk, starts = signing.Signer(salt=CANCEL_SALT).unsign_object(token)
        pk, starts = int(pk), int(starts)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    appointment = (
        Appointment.objects.select_related("slot__consultation_hour__location", "slot__consultation_hour__provider")
        .filter(pk=pk)
        .first()
    )
    if appointment is None or int(appointment.slot.starts_at.timestamp()) != starts:
        return None
    return appointment


def cancel_url(appointment: Appointment) -> str:
    """The full address of the cancel page, for print and e-mail (IDO_BASE_URL + path)."""
    return settings.IDO_BASE_URL + reverse("booking:cancel", kwargs={"token": cancel_token(appointment)})
