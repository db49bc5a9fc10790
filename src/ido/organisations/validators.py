import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CBS_CODE = re.compile(r"^GM\d{4}$")


def validate_cbs_code(value: str) -> None:
    if not CBS_CODE.match(value or ""):
        raise ValidationError(_("A CBS code is GM followed by four digits, for example GM0363."), code="cbs_code")
