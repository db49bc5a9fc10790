"""The links a person gets by e-mail, text message and on the confirmation card: one signed token per enrolment
that opens its own page, where they accept or decline an offered place, leave the waitlist or cancel. No login;
a signature cannot be forged without SECRET_KEY, and the enrolment's own state decides what the page offers."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from ido.courses.models import Enrolment

SALT = "ido.courses.enrolment"


def token(enrolment: Enrolment) -> str:
    # A plain signature (no timestamp): the same link on the card and in every message. It stops working when
    # the personal data is deleted (the page then has nothing to show) and otherwise follows the status.
    return signing.Signer(salt=SALT).sign_object([enrolment.pk, enrolment.session_id])


def enrolment_from_token(value: str) -> Enrolment | None:
    """The enrolment the token names, or None for a forged or damaged token or one whose data is gone."""
    try:
        pk, session_id = signing.Signer(salt=SALT).unsign_object(value)
        pk, session_id = int(pk), int(session_id)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Enrolment.objects.select_related("session__course__provider", "session__location")
        .filter(pk=pk, session_id=session_id, personal_data_deleted_at__isnull=True)
        .first()
    )


def enrolment_url(enrolment: Enrolment) -> str:
    """The full address of the person's page, for print and messages (IDO_BASE_URL + path)."""
    return settings.IDO_BASE_URL + reverse("course_links:enrolment", kwargs={"token": token(enrolment)})
