"""The public IDO locations as one Open Referral document: the Human Services Data Specification (HSDS) 3.0.

HSDS describes organisations, the services they give and the locations where they give them. Here every library
that runs a public IDO location is an `organization`, it gives one `service` (the Informatiepunt Digitale
Overheid), and each of its open locations is a `location` with its address, phone, e-mail contact, weekly
opening hours and coming exceptions as `schedules`, languages and accessibility; a `service_at_location` links
service and location. The document shape is described by `schemas/hsds-locations.schema.json` (shipped and served
next to the data), which is built from the official HSDS 3.0 object schemas.

Identifiers are UUIDs (HSDS 3.0 requires them) derived with uuid5 from a fixed namespace and the object's own key,
so a location keeps its ids in every download and consumers can follow changes. The texts are in Dutch whatever
the visitor's language: open data is one file for everyone, and one file caches well.

Times are local Dutch time (Europe/Amsterdam). HSDS asks for a UTC offset on `opens_at`, but the offset changes
twice a year while the opening hours do not, so the document names the time zone once, at the top and in each
schedule's notes.
"""

import uuid
from collections.abc import Iterable
from datetime import date, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from ido.locations.models import SPOKEN_LANGUAGES, Location
from ido.locations.validators import normalise_postcode

HSDS_VERSION = "3.0"
TIMEZONE = "Europe/Amsterdam"
# Never change: every published id is derived from it.
NAMESPACE = uuid.UUID("6f1d9c52-2a7e-5b8e-9d4c-1b0f3e6a7c21")
# RFC 5545 day codes, Monday (0) first, as HSDS `byday` uses them.
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# In the order of Location.accessibility_labels(), which gives their names.
ACCESSIBILITY_FIELDS = ("step_free", "hearing_loop", "accessible_toilet", "quiet_room")
# The name of the service, as the network calls itself: a proper name, not translated.
SERVICE_NAME = "Informatiepunt Digitale Overheid"
SERVICE_SHORT_NAME = "IDO"
PUBLISHER = "IDO Platform"
LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Bron: IDO Platform",
}


def hsds_id(kind: str, *parts: object) -> str:
    """The stable UUID of an object of `kind` (location, schedule, ...) with the given key parts."""
    return str(uuid.uuid5(NAMESPACE, ":".join([kind, *(str(part) for part in parts)])))


def location_id(location: Location) -> str:
    return hsds_id("location", location.pk)


def postcode(location: Location) -> str:
    """The postcode as "1234 AB" (rows saved outside the forms may lack the space)."""
    try:
        return normalise_postcode(location.postcode)
    except ValidationError:
        return location.postcode


def _hhmm(moment: time) -> str:
    return f"{moment:%H:%M}"


def _days_text(days: list[int]) -> str:
    """The days as in a sentence ("Maandag, dinsdag"): Django's own names, the first with a capital."""
    text = ", ".join(str(WEEKDAYS[day]) for day in days)
    return text[:1].upper() + text[1:]


def _schedule_notes(location: Location) -> str:
    holidays = (
        _("Also open on public holidays.")
        if location.open_on_public_holidays
        else _("Closed on Dutch public holidays.")
    )
    return f"{_('Times are local time in the Netherlands (Europe/Amsterdam).')} {holidays}"


def weekly_blocks(location: Location) -> dict[tuple[time, time], list[int]]:
    """The weekdays of each (opens, closes) block: Monday to Thursday 10:00–17:00 is one HSDS schedule."""
    blocks: dict[tuple[time, time], list[int]] = {}
    for row in location.opening_hours.all():
        blocks.setdefault((row.opens, row.closes), []).append(row.weekday)
    return {
        block: sorted(set(days)) for block, days in sorted(blocks.items(), key=lambda item: (min(item[1]), item[0]))
    }


def _weekly_schedules(location: Location, *, today: date, link: str) -> list[dict]:
    schedules = []
    notes = _schedule_notes(location)
    for (opens, closes), days in weekly_blocks(location).items():
        schedules.append(
            {
                "id": hsds_id("schedule", location.pk, "weekly", f"{_hhmm(opens)}-{_hhmm(closes)}"),
                "location_id": location_id(location),
                "valid_from": today.isoformat(),
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": ",".join(DAY_CODES[day] for day in days),
                "opens_at": _hhmm(opens),
                "closes_at": _hhmm(closes),
                "description": f"{_days_text(days)} {_hhmm(opens)}–{_hhmm(closes)}",
                "notes": notes,
                "schedule_link": link,
            }
        )
    return schedules


def coming_exceptions(location: Location, *, today: date) -> list:
    """The location's exceptions from today on (prefetched rows are used when they are there)."""
    return sorted(
        (row for row in location.opening_exceptions.all() if row.date >= today),
        key=lambda row: (row.date, row.opens or time.min),
    )


def _exception_schedules(location: Location, *, today: date, link: str) -> list[dict]:
    """One schedule per exceptional date: the changed hours, or none at all when closed. HSDS has no field for
    "closed": a one-day schedule without opening times says so in its description, and software that reads
    opens_at and closes_at finds no opening in it. The weekly schedules stay as they are; the exceptions win."""
    schedules = []
    for row in coming_exceptions(location, today=today):
        day = row.date.isoformat()
        shown = f"{row.date:%d-%m-%Y}"
        schedule = {
            "id": hsds_id("schedule", location.pk, "exception", day, _hhmm(row.opens) if row.opens else "closed"),
            "location_id": location_id(location),
            "valid_from": day,
            "valid_to": day,
            "dtstart": day,
            "until": day,
            "freq": "WEEKLY",
            "wkst": "MO",
            "byday": DAY_CODES[row.date.weekday()],
        }
        if row.is_closed:
            schedule["description"] = _("Closed all day on %(date)s") % {"date": shown}
        else:
            schedule["opens_at"] = _hhmm(row.opens)
            schedule["closes_at"] = _hhmm(row.closes)
            schedule["description"] = _("Changed opening hours on %(date)s: %(opens)s–%(closes)s") % {
                "date": shown,
                "opens": _hhmm(row.opens),
                "closes": _hhmm(row.closes),
            }
        notes = [row.reason.strip().rstrip(".") + "."] if row.reason.strip() else []
        notes.append(_("Times are local time in the Netherlands (Europe/Amsterdam)."))
        schedule["notes"] = " ".join(notes)
        schedule["schedule_link"] = link
        schedules.append(schedule)
    return schedules


def _description(location: Location) -> str:
    if location.in_library:
        return _("Help point inside the library.")
    if location.venue:
        return _("Help point in %(venue)s.") % {"venue": location.venue}
    return _("Help point outside the library.")


def accessibility_codes(location: Location) -> list[str]:
    return [name for name in ACCESSIBILITY_FIELDS if getattr(location, name)]


def _location(location: Location, *, today: date, base_url: str) -> dict:
    own = location_id(location)
    link = base_url + reverse("public:location", kwargs={"pk": location.pk})
    item: dict = {
        "id": own,
        "location_type": "physical",
        "organization_id": hsds_id("organization", location.library_id),
        "name": location.name,
    }
    if location.venue:
        item["alternate_name"] = location.venue
    item["description"] = _description(location)
    # Only a location's own coordinates: the centre of a postcode area is no place to walk to (the CSV file has
    # that fallback, marked as such).
    if location.latitude is not None and location.longitude is not None:
        item["latitude"] = float(location.latitude)
        item["longitude"] = float(location.longitude)
    item["addresses"] = [
        {
            "id": hsds_id("address", location.pk),
            "location_id": own,
            "address_1": f"{location.street} {location.house_number}",
            "city": location.city,
            "region": location.municipality.name,
            "state_province": location.municipality.get_province_display(),
            "postal_code": postcode(location),
            "country": "NL",
            "address_type": "physical",
        }
    ]
    item["phones"] = (
        [{"id": hsds_id("phone", location.pk), "location_id": own, "number": location.phone, "type": "voice"}]
        if location.phone
        else []
    )
    item["contacts"] = (
        [{"id": hsds_id("contact", location.pk), "location_id": own, "email": location.email}] if location.email else []
    )
    item["schedules"] = _weekly_schedules(location, today=today, link=link) + _exception_schedules(
        location, today=today, link=link
    )
    labels = dict(SPOKEN_LANGUAGES)
    item["languages"] = [
        {
            "id": hsds_id("language", location.pk, code),
            "location_id": own,
            "name": str(labels.get(code, code)),
            "code": code,
        }
        for code in location.languages
    ]
    item["accessibility"] = [
        {"id": hsds_id("accessibility", location.pk, name), "location_id": own, "description": label}
        for name, label in zip(accessibility_codes(location), location.accessibility_labels(), strict=True)
    ]
    return item


def _organization(library) -> dict:
    item = {
        "id": hsds_id("organization", library.pk),
        "name": library.name,
        "description": _("Library that runs one or more IDO help points."),
    }
    if library.website:
        item["website"] = library.website
    if library.email:
        item["email"] = library.email
    return item


def _service(library, *, base_url: str) -> dict:
    return {
        "id": hsds_id("service", library.pk),
        "organization_id": hsds_id("organization", library.pk),
        "name": SERVICE_NAME,
        "alternate_name": SERVICE_SHORT_NAME,
        "description": _(
            "Free help with government websites, apps and letters. For example with DigiD, taxes, benefits "
            "or health insurance."
        ),
        "url": base_url + reverse("public:index"),
        "status": "active",
        "fees_description": _("Free."),
    }


def build_document(locations: Iterable[Location], *, today: date, base_url: str, schema_url: str) -> dict:
    """The HSDS document of these locations (the public ones: the caller selects). Reads each location's
    library, municipality, opening hours and exceptions: select and prefetch them."""
    with translation.override(settings.LANGUAGE_CODE):
        ordered = sorted(locations, key=lambda location: location.pk)
        libraries = {location.library_id: location.library for location in ordered}
        libraries_in_order = sorted(libraries.values(), key=lambda library: (library.name, library.pk))
        return {
            "hsds_version": HSDS_VERSION,
            "title": _("IDO help points"),
            "description": _(
                "All open help points of the Informatiepunt Digitale Overheid (IDO): free help with digital "
                "government, mostly in the library."
            ),
            "publisher": {"name": PUBLISHER, "website": base_url + reverse("public:index")},
            "license": dict(LICENCE),
            "schema": schema_url,
            "timezone": TIMEZONE,
            "generated_on": today.isoformat(),
            "organizations": [_organization(library) for library in libraries_in_order],
            "services": [_service(library, base_url=base_url) for library in libraries_in_order],
            "locations": [_location(location, today=today, base_url=base_url) for location in ordered],
            "service_at_locations": [
                {
                    "id": hsds_id("service_at_location", location.pk),
                    "service_id": hsds_id("service", location.library_id),
                    "location_id": location_id(location),
                }
                for location in ordered
            ],
        }
