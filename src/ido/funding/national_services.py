"""Writes of the national administrator's pages that `services` does not offer yet: the SiSa indicator codes of a
year's scheme (the official codes of the IDO grant are not fixed, so they are data per year), and saving a scheme
together with its codes in one go."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ido.core import audit
from ido.funding import services
from ido.funding.models import FundingScheme, default_indicators

INDICATOR_KEYS = tuple(default_indicators())  # spent, reserve_built, reserve_used, final
INDICATOR_MAX_LENGTH = 30
# SiSa codes look like "H4A_1" or "A2B/02": letters, digits and a few separators.
INDICATOR_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")


def _checked_indicators(indicators: dict[str, str]) -> dict[str, str]:
    unknown = set(indicators) - set(INDICATOR_KEYS)
    if unknown:
        raise ValidationError(_("Unknown indicator: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    codes = {}
    for key in INDICATOR_KEYS:
        code = (indicators.get(key) or "").strip()
        if len(code) > INDICATOR_MAX_LENGTH:
            raise ValidationError({f"sisa_{key}": _("At most %(count)d characters.") % {"count": INDICATOR_MAX_LENGTH}})
        if code and not INDICATOR_CODE.match(code):
            raise ValidationError({f"sisa_{key}": _("Use letters, digits and the signs _ . / - only, without spaces.")})
        codes[key] = code
    return codes


@transaction.atomic
def set_sisa_indicators(*, actor, scheme: FundingScheme, indicators: dict[str, str]) -> FundingScheme:
    """The SiSa indicator codes of the year's account (spent, reserve built up, reserve used, final account);
    an empty code means it is not known yet. National administrators only; the change is audited."""
    if not actor.has_perm("funding.allocations"):
        raise PermissionDenied
    codes = _checked_indicators(indicators)
    scheme = FundingScheme.objects.select_for_update().get(pk=scheme.pk)
    old = {**default_indicators(), **(scheme.sisa_indicators or {})}
    if old == {**old, **codes}:
        return scheme
    scheme.sisa_indicators = {**old, **codes}
    scheme.save(update_fields=["sisa_indicators"])
    audit.record(
        actor=actor.user,
        organisation=actor.organisation,
        action="funding.scheme.indicators_set",
        target=scheme,
        detail={"year": str(scheme.year), "old": old, "new": scheme.sisa_indicators},
    )
    return scheme


@transaction.atomic
def save_scheme_with_indicators(*, actor, data: services.SchemeInput, indicators: dict[str, str]) -> FundingScheme:
    """The year's scheme and its SiSa codes: both are saved, or (on any refusal) neither."""
    _checked_indicators(indicators)  # refuse bad codes before anything is written
    scheme = services.save_scheme(actor=actor, data=data)
    return set_sisa_indicators(actor=actor, scheme=scheme, indicators=indicators)
