"""The offline gazetteer: 4-digit postcode areas, places and municipalities with a point each.

Built once per process from `data/postcodes_pc4.csv` (CBS data; see `data/README.md`). A place or municipality
lies at the centre of its postcode areas weighted by inhabitants, so "Utrecht" means where its people live, not
the middle of its meadows.
"""

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "postcodes_pc4.csv"

# Names people use for a municipality or place that the CBS spells otherwise.
ALIASES = {
    "den haag": "s gravenhage",
    "the hague": "s gravenhage",
    "la haye": "s gravenhage",
    "s gravenhage": "den haag",
    "den bosch": "s hertogenbosch",
    "bosch": "s hertogenbosch",
}


def normalise_name(text: str) -> str:
    """A key for comparing names: no accents, no case, no punctuation; "'s-Gravenhage" → "s gravenhage",
    "Beek (L.)" → "beek"."""
    text = re.sub(r"\(.*?\)", " ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"[^0-9a-z]+", " ", text.casefold())
    return " ".join(text.split())


def full_name_key(text: str) -> str:
    """Like `normalise_name`, but what is between brackets counts: "Bergen (L.)" → "bergen l", so a name that the
    CBS tells apart with a bracket ("Bergen (NH.)", "Hengelo (Gld)") can be asked for as such."""
    return normalise_name(text.replace("(", " ").replace(")", " "))


@dataclass(frozen=True)
class PostcodeArea:
    pc4: str
    place: str
    municipality: str
    cbs_code: str
    latitude: float | None
    longitude: float | None
    inhabitants: int | None

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class NamedPlace:
    """A place (woonplaats) within one municipality, or a whole municipality (`kind`)."""

    name: str
    municipality: str
    cbs_code: str
    latitude: float
    longitude: float
    inhabitants: int
    kind: str  # "place" or "municipality"


def _centre(areas: list[PostcodeArea]) -> tuple[float, float] | None:
    points = [
        (area.latitude, area.longitude, max(area.inhabitants or 0, 1))
        for area in areas
        if area.latitude is not None and area.longitude is not None
    ]
    if not points:
        return None
    total = sum(weight for _lat, _lon, weight in points)
    latitude = sum(lat * weight for lat, _lon, weight in points)
    longitude = sum(lon * weight for _lat, lon, weight in points)
    return latitude / total, longitude / total


class Gazetteer:
    """Postcode areas by PC4; places and municipalities by normalised name (most inhabitants first)."""

    def __init__(self, areas: Iterable[PostcodeArea]):
        self.areas: dict[str, PostcodeArea] = {area.pc4: area for area in areas}
        self.codes: list[str] = sorted(self.areas)
        by_place: dict[tuple[str, str], list[PostcodeArea]] = {}
        by_municipality: dict[str, list[PostcodeArea]] = {}
        for area in self.areas.values():
            if area.place:
                by_place.setdefault((area.place, area.cbs_code), []).append(area)
            by_municipality.setdefault(area.cbs_code, []).append(area)
        self.places: dict[str, list[NamedPlace]] = {}
        for (name, cbs_code), members in by_place.items():
            place = self._named(name, members, cbs_code, "place")
            if place:
                self.places.setdefault(normalise_name(name), []).append(place)
        self.municipalities: dict[str, NamedPlace] = {}
        self.municipality_by_code: dict[str, NamedPlace] = {}
        # Several municipalities can share a name without their brackets: Bergen (NH.) and Bergen (L.).
        self.municipalities_named: dict[str, list[NamedPlace]] = {}
        for cbs_code, members in by_municipality.items():
            municipality = self._named(members[0].municipality, members, cbs_code, "municipality")
            if municipality:
                self.municipalities[normalise_name(municipality.name)] = municipality
                self.municipalities_named.setdefault(normalise_name(municipality.name), []).append(municipality)
                self.municipality_by_code[cbs_code] = municipality
        for candidates in [*self.places.values(), *self.municipalities_named.values()]:
            candidates.sort(key=lambda place: (-place.inhabitants, place.municipality))
        # Places and municipalities whose name has a bracket, by their full name: "Bergen (L.)" is not "Bergen".
        self.bracketed: dict[str, NamedPlace] = {}
        for named in [
            *(place for places in self.places.values() for place in places),
            *self.municipality_by_code.values(),
        ]:
            if "(" in named.name:
                self.bracketed.setdefault(full_name_key(named.name), named)

    @staticmethod
    def _named(name: str, members: list[PostcodeArea], cbs_code: str, kind: str) -> NamedPlace | None:
        centre = _centre(members)
        if centre is None:
            return None
        inhabitants = sum(area.inhabitants or 0 for area in members)
        return NamedPlace(name, members[0].municipality, cbs_code, centre[0], centre[1], inhabitants, kind)

    def names(self) -> list[str]:
        """Every normalised place and municipality name, for suggestions."""
        return sorted(set(self.places) | set(self.municipalities))

    def areas_in(self, cbs_code: str) -> list[PostcodeArea]:
        return [self.areas[code] for code in self.codes if self.areas[code].cbs_code == cbs_code]


def read_areas(path: Path = DATA_FILE) -> list[PostcodeArea]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            PostcodeArea(
                pc4=row["pc4"],
                place=row["place"].strip(),
                municipality=row["municipality"],
                cbs_code=row["cbs_code"],
                latitude=float(row["latitude"]) if row["latitude"] else None,
                longitude=float(row["longitude"]) if row["longitude"] else None,
                inhabitants=int(row["inhabitants"]) if row["inhabitants"] else None,
            )
            for row in csv.DictReader(handle)
        ]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The Dutch gazetteer, read once per process."""
    return Gazetteer(read_areas())
