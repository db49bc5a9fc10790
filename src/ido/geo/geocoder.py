"""From what a citizen types (a postcode, a place, a municipality) to a spot on the map.

`Geocoder` is the interface. `OfflineGeocoder` answers from the CBS reference data in this package and is the
default: nothing depends on a service outside. `PdokGeocoder` asks the PDOK Locatieserver (full addresses) and
falls back to the offline answer when the service says nothing or cannot be reached. `IDO_GEOCODER` chooses.
"""

import difflib
import http.client
import json
import logging
import re
import unicodedata
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from django.conf import settings

from ido.geo.distance import in_netherlands
from ido.geo.reference import ALIASES, Gazetteer, NamedPlace, full_name_key, gazetteer, normalise_name

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 100
POSTCODE = re.compile(r"^(?P<digits>\d{4})\s*(?P<letters>[a-z]{2})?(?:[\s,]+.*)?$", re.IGNORECASE)
# A full postcode (four digits and two letters) inside a pasted address: "Neude 11, 3512 AE Utrecht".
POSTCODE_INSIDE = re.compile(r"(?<!\d)(?P<digits>[1-9]\d{3})\s?(?P<letters>[a-z]{2})(?![a-z])", re.IGNORECASE)
# "Hengelo, Bronckhorst" or "Hengelo (Bronckhorst)": a place within one municipality.
PLACE_COMMA_MUNICIPALITY = re.compile(r"^(?P<place>.+),\s*(?P<municipality>[^,]+)$")
PLACE_BRACKETED_MUNICIPALITY = re.compile(r"^(?P<place>[^(]+?)\s*\((?P<municipality>[^)]+)\)$")


class Problem:
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_A_DUTCH_POSTCODE = "not_a_dutch_postcode"
    UNKNOWN_POSTCODE = "unknown_postcode"
    UNKNOWN_NAME = "unknown_name"


@dataclass(frozen=True)
class Spot:
    """Where to search from. `query` is what to type (or link) to get here again."""

    label: str
    latitude: float
    longitude: float
    kind: str  # postcode, place, municipality, address, position
    query: str
    cbs_code: str = ""


@dataclass(frozen=True)
class GeocodeResult:
    """A spot; or no spot, a problem and suggestions. `alternatives` are other places with the same name."""

    spot: Spot | None
    problem: str = ""
    suggestions: tuple[Spot, ...] = field(default_factory=tuple)
    alternatives: tuple[Spot, ...] = field(default_factory=tuple)


def plain_text(query: str) -> str:
    """The query on one line, with digits of any script as 0-9: an Arabic keyboard types "٣٥١٢" for 3512."""
    text = "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in query)
    return " ".join(text.split())


class Geocoder(Protocol):
    def geocode(self, query: str) -> GeocodeResult: ...


def _place_spot(place: NamedPlace, qualified: bool = False) -> Spot:
    if qualified and normalise_name(place.name) != normalise_name(place.municipality):
        label = f"{place.name}, {place.municipality}"
    else:
        label = place.name
    return Spot(label, place.latitude, place.longitude, place.kind, label, place.cbs_code)


class OfflineGeocoder:
    """Postcodes (1234 AB, 1234AB, 1234), places and municipalities from the reference data."""

    def __init__(self, data: Gazetteer | None = None):
        self.data = data or gazetteer()

    def geocode(self, query: str) -> GeocodeResult:
        text = plain_text(query)
        if not text:
            return GeocodeResult(None, Problem.EMPTY)
        if len(text) > MAX_QUERY_LENGTH:
            return GeocodeResult(None, Problem.TOO_LONG)
        match = POSTCODE.match(text) or POSTCODE_INSIDE.search(text)
        if match:
            return self._postcode(match.group("digits"))
        return self._name(text)

    def _postcode(self, digits: str) -> GeocodeResult:
        if digits < "1000":
            return GeocodeResult(None, Problem.NOT_A_DUTCH_POSTCODE)
        area = self.data.areas.get(digits)
        if area is not None and area.has_point:
            label = f"{digits} {area.place}".strip()
            spot = Spot(label, area.latitude, area.longitude, "postcode", digits, area.cbs_code)  # type: ignore[arg-type]
            return GeocodeResult(spot)
        return GeocodeResult(None, Problem.UNKNOWN_POSTCODE, suggestions=self._neighbouring_postcodes(digits))

    def _neighbouring_postcodes(self, digits: str, each_side: int = 2) -> tuple[Spot, ...]:
        """The known postcodes just below and above a missing one: in the Netherlands they lie close by."""
        codes = [code for code in self.data.codes if self.data.areas[code].has_point]
        below = [code for code in codes if code < digits][-each_side:]
        above = [code for code in codes if code > digits][:each_side]
        spots = []
        for code in below + above:
            area = self.data.areas[code]
            label = f"{code} {area.place or area.municipality}"
            spots.append(Spot(label, area.latitude, area.longitude, "postcode", code, area.cbs_code))  # type: ignore[arg-type]
        return tuple(spots)

    def _name(self, text: str) -> GeocodeResult:
        bracketed = self.data.bracketed.get(full_name_key(text))
        if bracketed is not None:
            return GeocodeResult(_place_spot(bracketed, qualified=bracketed.kind == "place"))
        within = PLACE_COMMA_MUNICIPALITY.match(text) or PLACE_BRACKETED_MUNICIPALITY.match(text)
        if within:
            place_key = normalise_name(within.group("place"))
            municipality_key = normalise_name(within.group("municipality"))
            for place in self.data.places.get(place_key, []):
                if normalise_name(place.municipality) in {municipality_key, ALIASES.get(municipality_key)}:
                    return GeocodeResult(_place_spot(place, qualified=True))
            text = within.group("place")
        key = normalise_name(text)
        if not key:
            return GeocodeResult(None, Problem.UNKNOWN_NAME)
        key = key if key in self.data.places or key in self.data.municipalities else ALIASES.get(key, key)
        places = self.data.places.get(key, [])
        # Municipalities of this name that no place of the name lies in ("Bergen" the place is in Bergen (NH.);
        # Bergen (L.) is another municipality): offered too.
        places_in = {place.cbs_code for place in places}
        others = [m for m in self.data.municipalities_named.get(key, []) if m.cbs_code not in places_in]
        if places:
            # The biggest place of that name; the others are offered as "did you mean".
            qualified = len(places) > 1
            return GeocodeResult(
                _place_spot(places[0], qualified),
                alternatives=(
                    *(_place_spot(place, True) for place in places[1:]),
                    *(_place_spot(municipality) for municipality in others),
                ),
            )
        if others:
            return GeocodeResult(
                _place_spot(others[0]), alternatives=tuple(_place_spot(municipality) for municipality in others[1:])
            )
        return GeocodeResult(None, Problem.UNKNOWN_NAME, suggestions=self.suggest(key))

    def suggest(self, key: str, limit: int = 5) -> tuple[Spot, ...]:
        """Names that look like what was typed: those starting with it, then close spellings."""
        names = self.data.names()
        starting = [name for name in names if name.startswith(key)] if len(key) >= 3 else []
        close = difflib.get_close_matches(key, names, n=limit, cutoff=0.75)
        chosen: list[str] = []
        for name in [*close, *sorted(starting, key=len)]:
            if name not in chosen:
                chosen.append(name)
        spots: list[Spot] = []
        for name in chosen[:limit]:
            if name in self.data.places:
                spots.append(_place_spot(self.data.places[name][0], len(self.data.places[name]) > 1))
            else:
                spots.append(_place_spot(self.data.municipalities[name]))
        return tuple(spots)


class PdokGeocoder:
    """The PDOK Locatieserver (`/free`), for full addresses; the offline answer when it has none or is down."""

    def __init__(self, base_url: str, timeout: float = 3.0, fallback: Geocoder | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.fallback = fallback or OfflineGeocoder()

    def geocode(self, query: str) -> GeocodeResult:
        text = plain_text(query)
        if not text or len(text) > MAX_QUERY_LENGTH:
            return self.fallback.geocode(text)
        try:
            spot = self._ask(text)
        except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError) as error:
            logger.warning("PDOK Locatieserver unavailable, using the offline geocoder: %s", error)
            spot = None
        return GeocodeResult(spot) if spot else self.fallback.geocode(text)

    def _ask(self, text: str) -> Spot | None:
        parameters = urllib.parse.urlencode(
            {"q": text, "rows": 1, "fq": "type:(adres OR postcode OR woonplaats OR gemeente)", "fl": "*"}
        )
        request = urllib.request.Request(  # noqa: S310 - the URL is configuration, http(s) only
            f"{self.base_url}/free?{parameters}", headers={"Accept": "application/json"}
        )
        if not request.full_url.startswith(("http://", "https://")):
            raise ValueError("the Locatieserver URL must be http(s)")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            body = json.load(response)
        documents = body["response"]["docs"]
        if not documents:
            return None
        document = documents[0]
        point = re.match(r"POINT\(([-\d.]+) ([-\d.]+)\)", document["centroide_ll"])
        if not point:
            return None
        longitude, latitude = float(point.group(1)), float(point.group(2))
        if not in_netherlands(latitude, longitude):
            return None
        kind = {"adres": "address", "postcode": "postcode", "woonplaats": "place", "gemeente": "municipality"}.get(
            document.get("type", ""), "address"
        )
        code = document.get("gemeentecode", "")
        cbs_code = f"GM{code}" if code and not str(code).startswith("GM") else str(code)
        label = document.get("weergavenaam") or text
        return Spot(label, latitude, longitude, kind, text, cbs_code)


@lru_cache(maxsize=1)
def _configured(kind: str, url: str) -> Geocoder:
    if kind == "pdok":
        return PdokGeocoder(url)
    return OfflineGeocoder()


def get_geocoder() -> Geocoder:
    """The geocoder the settings ask for (`IDO_GEOCODER`: offline or pdok)."""
    return _configured(settings.IDO_GEOCODER, settings.IDO_PDOK_LOCATIESERVER_URL)
