"""Writes for IDO locations and their opening hours: typed, atomic, audited."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ido.core import audit
from ido.locations.models import Location, OpeningException, OpeningHours, Weekday
from ido.locations.opening_hours import Block, HoursProblem, overlapping_blocks, weekly_hours_problems
from ido.locations.validators import normalise_postcode
from ido.organisations.models import Membership, Municipality, Organisation
from ido.organisations.roles import OrganisationKind

LOCATION_FIELDS = (
    "name",
    "street",
    "house_number",
    "postcode",
    "city",
    "latitude",
    "longitude",
    "in_library",
    "venue",
    "step_free",
    "hearing_loop",
    "accessible_toilet",
    "quiet_room",
    "languages",
    "staffing",
    "phone",
    "email",
    "status",
    "open_on_public_holidays",
)


@dataclass(frozen=True)
class HoursBlock:
    weekday: int
    opens: time
    closes: time


def _check_may_manage(actor: Membership, library: Organisation) -> None:
    if not actor.has_perm("locations.manage"):
        raise PermissionDenied
    if not actor.has_perm("locations.view_all") and library.pk != actor.organisation.pk:
        raise PermissionDenied


def _check_location(library: Organisation, municipality: Municipality, fields: dict[str, Any], pk=None) -> dict:
    if library.kind != OrganisationKind.LIBRARY:
        raise ValidationError({"library": _("An IDO location belongs to a library.")})
    if not library.served_municipalities.filter(pk=municipality.pk).exists():
        raise ValidationError(
            {
                "municipality": _("%(library)s does not serve %(municipality)s.")
                % {"library": library.name, "municipality": municipality.name}
            }
        )
    fields = dict(fields)
    try:
        fields["postcode"] = normalise_postcode(fields.get("postcode", ""))
    except ValidationError as error:
        raise ValidationError({"postcode": error.messages}) from error
    if Location.objects.filter(library=library, name__iexact=fields["name"]).exclude(pk=pk).exists():
        raise ValidationError({"name": _("This library already has a location with this name.")})
    latitude, longitude = fields.get("latitude"), fields.get("longitude")
    if (latitude is None) != (longitude is None):
        raise ValidationError({"longitude": _("Fill in both latitude and longitude, or neither.")})
    if latitude is not None and not (Decimal("50.7") <= Decimal(latitude) <= Decimal("53.6")):
        raise ValidationError({"latitude": _("This latitude is outside the Netherlands.")})
    if longitude is not None and not (Decimal("3.3") <= Decimal(longitude) <= Decimal("7.3")):
        raise ValidationError({"longitude": _("This longitude is outside the Netherlands.")})
    if not fields.get("in_library", True) and not fields.get("venue"):
        raise ValidationError({"venue": _("Say in which building this help point is.")})
    return fields


@transaction.atomic
def create_location(*, actor: Membership, library: Organisation, municipality: Municipality, **fields: Any) -> Location:
    _check_may_manage(actor, library)
    unknown = set(fields) - set(LOCATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown location fields: {sorted(unknown)}")
    fields = _check_location(library, municipality, fields)
    location = Location.objects.create(library=library, municipality=municipality, **fields)
    audit.record(
        actor=actor.user,
        organisation=library,
        action="locations.location.created",
        target=location,
        detail={"municipality": municipality.cbs_code, "status": location.status},
    )
    return location


@transaction.atomic
def update_location(*, actor: Membership, location: Location, municipality: Municipality, **fields: Any) -> Location:
    _check_may_manage(actor, location.library)
    fields = _check_location(location.library, municipality, fields, pk=location.pk)
    changed = {
        name: [str(getattr(location, name)), str(value)]
        for name, value in fields.items()
        if getattr(location, name) != value
    }
    if location.municipality_id != municipality.pk:
        changed["municipality"] = [location.municipality.cbs_code, municipality.cbs_code]
    location.municipality = municipality
    for name, value in fields.items():
        setattr(location, name, value)
    location.save()
    audit.record(
        actor=actor.user,
        organisation=location.library,
        action="locations.location.updated",
        target=location,
        detail={"changed": changed},
    )
    return location


def hours_problem_message(problem: HoursProblem, blocks: Sequence[HoursBlock]) -> str:
    block = blocks[problem.index]
    day = Weekday(block.weekday).label
    if problem.kind == "closes_before_opens":
        return _("%(day)s: the closing time %(closes)s is not after the opening time %(opens)s.") % {
            "day": day,
            "opens": f"{block.opens:%H:%M}",
            "closes": f"{block.closes:%H:%M}",
        }
    other = blocks[problem.other if problem.other is not None else problem.index]
    return _("%(day)s: %(a)s and %(b)s overlap.") % {
        "day": day,
        "a": f"{other.opens:%H:%M}–{other.closes:%H:%M}",
        "b": f"{block.opens:%H:%M}–{block.closes:%H:%M}",
    }


def check_blocks(blocks: Sequence[HoursBlock]) -> None:
    """Refuse blocks that end before they start, and blocks on one day that overlap."""
    problems = weekly_hours_problems([(b.weekday, b.opens, b.closes) for b in blocks])
    if problems:
        raise ValidationError([hours_problem_message(problem, blocks) for problem in problems])


@transaction.atomic
def set_opening_hours(*, actor: Membership, location: Location, blocks: list[HoursBlock]) -> list[OpeningHours]:
    """Replace the weekly opening hours of a location as a whole."""
    _check_may_manage(actor, location.library)
    check_blocks(blocks)
    location.opening_hours.all().delete()
    rows = OpeningHours.objects.bulk_create(
        [OpeningHours(location=location, weekday=b.weekday, opens=b.opens, closes=b.closes) for b in blocks]
    )
    audit.record(
        actor=actor.user,
        organisation=location.library,
        action="locations.opening_hours.replaced",
        target=location,
        detail={
            "blocks": [
                [b.weekday, f"{b.opens:%H:%M}", f"{b.closes:%H:%M}"]
                for b in sorted(blocks, key=lambda b: (b.weekday, b.opens))
            ]
        },
    )
    return rows


@transaction.atomic
def add_opening_exception(
    *,
    actor: Membership,
    location: Location,
    day: date,
    is_closed: bool,
    opens: time | None = None,
    closes: time | None = None,
    reason: str = "",
) -> OpeningException:
    _check_may_manage(actor, location.library)
    # Lock the location so two people adding hours for the same date cannot both pass the checks below.
    Location.objects.select_for_update().filter(pk=location.pk).first()
    existing = list(location.opening_exceptions.filter(date=day))
    if is_closed:
        if existing:
            raise ValidationError({"date": _("There is already an exception on this date. Remove it first.")})
        opens = closes = None
    else:
        if opens is None or closes is None:
            raise ValidationError({"opens": _("Fill in the opening and closing time, or tick “Closed all day”.")})
        if closes <= opens:
            raise ValidationError({"closes": _("The closing time must be after the opening time.")})
        if any(row.is_closed for row in existing):
            raise ValidationError({"date": _("This date is already marked as closed. Remove that first.")})
        new = Block(opens, closes)
        if overlapping_blocks([Block(row.opens, row.closes) for row in existing if row.opens and row.closes] + [new]):
            raise ValidationError({"opens": _("These hours overlap with other hours on the same date.")})
    exception = OpeningException.objects.create(
        location=location, date=day, is_closed=is_closed, opens=opens, closes=closes, reason=reason
    )
    audit.record(
        actor=actor.user,
        organisation=location.library,
        action="locations.opening_exception.created",
        target=location,
        detail={"date": day.isoformat(), "closed": is_closed},
    )
    return exception


@transaction.atomic
def remove_opening_exception(*, actor: Membership, exception: OpeningException) -> None:
    location = exception.location
    _check_may_manage(actor, location.library)
    detail = {"date": exception.date.isoformat(), "closed": exception.is_closed}
    exception.delete()
    audit.record(
        actor=actor.user,
        organisation=location.library,
        action="locations.opening_exception.removed",
        target=location,
        detail=detail,
    )
