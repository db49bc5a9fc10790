"""The consent text as a printable PDF: the visitor takes it home or signs it (special personal data)."""

import weasyprint
from django.template.loader import render_to_string
from django.utils import timezone

from ido.organisations.models import Organisation
from ido.referrals import services


def consent_pdf(receiver: Organisation) -> bytes:
    html = render_to_string(
        "referrals/consent_pdf.html",
        {
            "receiver": receiver,
            "consent_text": services.consent_text(receiver),
            "special_consent_text": services.special_consent_text(),
            "today": timezone.localdate(),
        },
    )
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
