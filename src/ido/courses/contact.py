"""Phone numbers of people in a course: any valid number to call them, a mobile number to text them."""

import phonenumbers


def phone_number(raw: str) -> str | None:
    """A valid Dutch (or international) phone number in international form; None when it is not one. A fixed
    line is fine: staff call it to offer a freed place; a text message goes to mobile numbers only."""
    try:
        number = phonenumbers.parse(raw.strip(), "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(number: str) -> bool:
    try:
        parsed = phonenumbers.parse(number, "NL")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
