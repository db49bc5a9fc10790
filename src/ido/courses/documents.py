"""The printed documents of a course enrolment: the confirmation card the desk hands to the visitor (the course,
the place, every meeting, and their own page as a link and a QR code) and the certificate for someone who
completed the course.

Rendered from templates with WeasyPrint, like the appointment card: the CSS is inline, the QR code is inline SVG
and the fetcher allows only `data:` addresses, so rendering never waits on the network and no address of ours
(with a person's token in it) leaves the server.
"""

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ido.core.documents import qr_svg, render_pdf
from ido.courses import links, selectors
from ido.courses.models import Enrolment, EnrolmentStatus

CARD_TEMPLATE = "courses/documents/card_pdf.html"
CERTIFICATE_TEMPLATE = "courses/documents/certificate_pdf.html"

# A card is for someone who is (still) coming or waiting; the other statuses ended the enrolment.
CARD_STATUSES = frozenset({EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED})


def card_refusal(enrolment: Enrolment) -> str | None:
    """Why there is no card for this enrolment (a message for the desk), or None."""
    if enrolment.personal_data_deleted_at is not None:
        return _("The personal data of this enrolment has been deleted: there is no card to print any more.")
    if enrolment.status not in CARD_STATUSES:
        return _("This enrolment has ended (“%(status)s”): there is no card to print.") % {
            "status": enrolment.get_status_display()
        }
    return None


def card_context(enrolment: Enrolment) -> dict:
    """What the card shows: the course, its provider, the place with its address, every meeting, the person's
    first name, the companion, the place on the waitlist or the offer, and their own page. Never a phone number
    or e-mail address."""
    session = enrolment.session
    url = links.enrolment_url(enrolment)
    return {
        "enrolment": enrolment,
        "session": session,
        "course": session.course,
        "location": session.location,
        "meetings": list(session.meetings.order_by("starts_at", "pk")),
        "name": enrolment.name,
        "is_enrolled": enrolment.status == EnrolmentStatus.ENROLLED,
        "is_waitlisted": enrolment.status == EnrolmentStatus.WAITLISTED,
        "is_offered": enrolment.status == EnrolmentStatus.OFFERED,
        "with_companion": enrolment.places == 2,
        "personal_url": url,
        # Safe: the SVG is generated here from the URL (as module paths), no text of anyone's in it.
        "personal_qr": mark_safe(qr_svg(url)),  # noqa: S308
    }


def enrolment_card_pdf(enrolment: Enrolment) -> bytes:
    """The confirmation card as PDF bytes, in the active language, times in Europe/Amsterdam."""
    return render_pdf(CARD_TEMPLATE, card_context(enrolment))


def certificate_refusal(enrolment: Enrolment, *, now=None) -> str | None:
    """Why there is no certificate for this enrolment (a message for staff), or None."""
    if enrolment.personal_data_deleted_at is not None:
        return _("The personal data of this enrolment has been deleted: a certificate can no longer be made.")
    if not selectors.is_completed(enrolment, now=now):
        return _("A certificate is only for someone who completed the course.")
    return None


def certificate_context(enrolment: Enrolment, *, now=None) -> dict:
    """The person's name, the course, provider, place, the period of the session and the meetings attended."""
    now = now or timezone.now()
    session = enrolment.session
    attended, held = selectors.attendance_counts(session, now=now).get(enrolment.pk, (0, 0))
    return {
        "enrolment": enrolment,
        "name": enrolment.name,
        "course": session.course,
        "location": session.location,
        "session": session,
        "attended": attended,
        "held": held,
        "issued_on": timezone.localdate(now),
    }


def certificate_pdf(enrolment: Enrolment, *, now=None) -> bytes:
    """The certificate as PDF bytes, in the active language."""
    return render_pdf(CERTIFICATE_TEMPLATE, certificate_context(enrolment, now=now))
