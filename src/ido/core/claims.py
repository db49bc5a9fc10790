"""Messages that go out at most once: a message is claimed by writing its row (unique per subject and key) before
it is sent, and the row records when it went or why it failed. Used for appointments and course enrolments."""

import logging

from django.db import IntegrityError, models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def claim(model: type[models.Model], **fields):
    """The new claim row, or None when the message was claimed before (an earlier run, a retry, another worker).
    `model` has `claimed_at`, `sent_at` and `failure` fields and a unique constraint over the subject and key."""
    try:
        with transaction.atomic():
            return model.objects.create(claimed_at=timezone.now(), **fields)
    except IntegrityError:
        return None


def deliver(claimed, send) -> bool:
    """Send a claimed message. Any failure of the mail server or gateway is recorded, never retried blindly: only
    the kind of failure, as its text may hold the address or number and this column is not encrypted."""
    try:
        send()
    except Exception as error:
        claimed.failure = type(error).__name__[:200]
        logger.warning("Message %s (%s) failed: %s", claimed.pk, claimed.key, type(error).__name__)
        claimed.save(update_fields=["failure"])
        return False
    claimed.sent_at = timezone.now()
    claimed.save(update_fields=["sent_at"])
    return True
