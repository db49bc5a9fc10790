from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.nl import postcode as nl_postcode


def normalise_postcode(value: str) -> str:
    """Return a Dutch postcode as "1234 AB", or raise ValidationError with a message for the form."""
    try:
        return nl_postcode.validate(value or "")
    except StdnumValidationError as exc:
        raise ValidationError(
            _("Enter a Dutch postcode: four digits and two letters, for example 1234 AB."), code="postcode"
        ) from exc


def validate_postcode(value: str) -> None:
    normalise_postcode(value)
