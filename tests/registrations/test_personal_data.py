"""The note on a registration is checked for personal data with real-looking examples."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ido.registrations.personal_data import find_personal_data, is_bsn


def bsn_check(digits: str) -> bool:
    """The eleven-test written out, to compare against."""
    weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("BSN 111222333 gevraagd", ["bsn"]),  # passes the eleven-test
        ("nummer 123456782", ["bsn"]),
        ("123 456 782", ["bsn"]),
        ("123.45.6782", ["bsn"]),
        ("nummer 123456789", []),  # nine digits, fails the eleven-test
        ("bel 06-12345678", ["phone"]),
        ("ik bel 0612345678 morgen", ["phone"]),
        ("020 123 4567", ["phone"]),
        ("+31 6 1234 5678", ["phone"]),
        ("mail jan.jansen@example.nl", ["email"]),
        ("NL91ABNA0417164300 rekening", ["iban"]),
        ("NL91 ABNA 0417 1643 00", ["iban"]),
        ("DigiD-app geïnstalleerd, 2 keer geprobeerd, 15 min", []),
        ("postcode 3512 AE, huisnummer 11", []),
        ("aangifte 2024 gedaan", []),
        ("BSN 111222333 en mail a@b.nl", ["bsn", "email"]),
    ],
)
def test_personal_data_is_found(text, kinds):
    assert [finding.kind for finding in find_personal_data(text)] == kinds


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_is_bsn_is_the_eleven_test(digits):
    assert is_bsn(digits) == (bsn_check(digits) and int(digits) > 0)


@given(st.text(alphabet=st.characters(whitelist_categories=["L", "Zs"]), max_size=200))
def test_text_without_digits_or_at_signs_has_no_findings(text):
    assert find_personal_data(text) == []
