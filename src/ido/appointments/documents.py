"""The printable appointment card (PDF) the desk hands to a visitor after booking: when, where, with whom, what to
bring and how to cancel (the signed cancel link as text and as a QR code).

Rendered from a template with WeasyPrint. The card fetches nothing: the CSS is inline, the QR code is inline SVG,
and the fetcher allows only `data:` addresses, so rendering never waits on the network and no address of ours
(with a visitor's token in it) leaves the server.
"""

from django.utils import timezone
from django.utils.safestring import mark_safe

from ido.appointments import cancel_links
from ido.appointments.models import Appointment, AppointmentStatus
from ido.core.documents import qr_svg, render_pdf

TEMPLATE = "appointments/card_pdf.html"


def card_context(appointment: Appointment, *, with_name: bool = True, now=None) -> dict:
    """What the card shows. The cancel part only while the appointment can still be cancelled by the link; the
    visitor's name only while the personal data is kept; the visitor's phone and e-mail never."""
    now = now or timezone.now()
    hour = appointment.slot.consultation_hour
    can_cancel = appointment.status == AppointmentStatus.BOOKED and appointment.slot.starts_at > now
    context = {
        "appointment": appointment,
        "hour": hour,
        "location": hour.location,
        "visitor_name": appointment.name if with_name and not appointment.personal_data_deleted_at else "",
        "is_booked": appointment.status == AppointmentStatus.BOOKED,
        "can_cancel": can_cancel,
    }
    if can_cancel:
        url = cancel_links.cancel_url(appointment)
        # Safe: the SVG is generated here from the URL (as module paths), no text of anyone's in it.
        context.update(cancel_url=url, cancel_qr=mark_safe(qr_svg(url)))  # noqa: S308
    return context


def appointment_card_pdf(appointment: Appointment, *, with_name: bool = True) -> bytes:
    """The appointment card as PDF bytes, in the active language, times in Europe/Amsterdam. Without the name
    when it is fetched by the cancel link, which anyone holding the link can use."""
    return render_pdf(TEMPLATE, card_context(appointment, with_name=with_name))
