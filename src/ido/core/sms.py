"""Text messages behind one small interface, so nothing depends on a particular SMS provider. Here: a console
implementation (logs), a file implementation (one JSON line per message, for a test environment or a hand-off
to another system) and an in-memory outbox for the tests. A real gateway is a class with the same `send`,
named by its dotted path in IDO_SMS_BACKEND."""

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str
    sender: str


class SmsGateway(Protocol):
    def send(self, message: TextMessage) -> None:
        """Hand the message over; raise on failure (the caller records it)."""


def masked(number: str) -> str:
    """A phone number as logs may show it: the last three digits."""
    return "*" * max(len(number) - 3, 0) + number[-3:]


class ConsoleGateway:
    """For development: logs that a message would go out, without the number or the text (they are personal
    data, and the text holds a cancel link). Nothing is sent."""

    def send(self, message: TextMessage) -> None:
        logger.info("SMS (not sent: console backend) to %s, %s characters", masked(message.to), len(message.body))


class FileGateway:
    """Appends each message as one JSON line to `sms.jsonl` in IDO_SMS_FILE_PATH."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = Path(directory or settings.IDO_SMS_FILE_PATH)

    def send(self, message: TextMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        line = json.dumps({**asdict(message), "sent_at": datetime.now(UTC).isoformat()}, ensure_ascii=False)
        with (self.directory / "sms.jsonl").open("a", encoding="utf-8") as file:
            file.write(line + "\n")


# The in-memory outbox, like django.core.mail.outbox: the tests read what was sent.
outbox: list[TextMessage] = []


class MemoryGateway:
    def send(self, message: TextMessage) -> None:
        outbox.append(message)


GATEWAYS = {"console": ConsoleGateway, "file": FileGateway, "memory": MemoryGateway}


def gateway() -> SmsGateway:
    name = settings.IDO_SMS_BACKEND
    cls = GATEWAYS.get(name) or import_string(name)
    return cls()


def send_sms(to: str, body: str) -> None:
    gateway().send(TextMessage(to=to, body=body, sender=settings.IDO_SMS_SENDER))
