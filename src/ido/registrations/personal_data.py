"""Finding personal data in a short free-text note, so that it can be refused before it is stored.

Pure functions over strings. They look for what must never be in an anonymous registration: a BSN (nine digits
that pass the eleven-test), an e-mail address, a phone number and an IBAN. They err on the side of refusing:
a false alarm costs the desk a rephrase, a miss puts personal data in a record that is meant to be anonymous.
"""

import re
from dataclasses import dataclass
from typing import Literal

from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

Kind = Literal["bsn", "email", "phone", "iban"]

# Nine digits, possibly written in groups (123 456 782, 123.45.6782, 1234-56-782).
_NINE_DIGITS = re.compile(r"(?<!\d)(\d(?:[ .\-]?\d){8})(?!\d)")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
# Dutch numbers: 06-12345678, 020 123 4567, +31 6 12345678, 0031 20 1234567.
_PHONE = re.compile(r"(?<![\w+])(?:\+31|0031|0)[\s\-]?(?:\(0\)[\s\-]?)?\d(?:[\s\-]?\d){8}(?!\d)")
# IBAN: two letters, two digits, then 11 to 30 letters/digits, written as one word or in groups of four.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{1,4}){3,8})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: Kind
    text: str


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def is_bsn(candidate: str) -> bool:
    """Nine digits that pass the eleven-test (as python-stdnum checks a Dutch BSN)."""
    digits = _digits(candidate)
    return len(digits) == 9 and stdnum_bsn.is_valid(digits)


def find_personal_data(text: str) -> list[Finding]:
    """Everything in `text` that looks like personal data, in order of appearance. Where two kinds overlap
    (the digits of an IBAN look like a phone number), the first kind found keeps the span."""
    found: list[tuple[int, int, Finding]] = []

    def add(start: int, end: int, finding: Finding) -> None:
        if not any(start < other_end and other_start < end for other_start, other_end, _f in found):
            found.append((start, end, finding))

    for match in _EMAIL.finditer(text):
        add(match.start(), match.end(), Finding("email", match.group()))
    for match in _IBAN.finditer(text):
        if stdnum_iban.is_valid(match.group().replace(" ", "")):
            add(match.start(), match.end(), Finding("iban", match.group()))
    for match in _PHONE.finditer(text):
        add(match.start(), match.end(), Finding("phone", match.group()))
    for match in _NINE_DIGITS.finditer(text):
        if is_bsn(match.group(1)):
            add(match.start(1), match.end(1), Finding("bsn", match.group(1)))
    return [finding for _start, _end, finding in sorted(found, key=lambda item: item[0])]
