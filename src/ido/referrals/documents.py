"""The consent text as a printable PDF: the visitor takes it home or signs it (special personal data)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ido.core.documents import render_pdf
from ido.organisations.models import Organisation
from ido.referrals import services


def consent_pdf(receiver: Organisation) -> bytes:
    return render_pdf(
        "referrals/consent_pdf.html",
        {
            "receiver": receiver,
            "consent_text": services.consent_text(receiver),
            "special_consent_text": services.special_consent_text(),
            "today": timezone.localdate(),
        },
    )


def subject_data_pdf(data: dict) -> bytes:
    """Everything held about the person of one referral (from `services.export_subject_data`), readable on paper."""
    labels = {
        "reason": _("The question"),
        "tried": _("Already tried"),
        "name": _("Name"),
        "phone": _("Phone number"),
        "email": _("E-mail address"),
        "preferred_contact_time": _("Best time to call"),
    }
    return render_pdf(
        "referrals/subject_pdf.html",
        {
            "data": data,
            "personal": [(labels[field], value) for field, value in data["personal_data"].items()],
            "today": timezone.localdate(),
        },
    )
