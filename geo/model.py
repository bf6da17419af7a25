"""The aggregation stage: the export tables -> one model that every view reads.

:func:`aggregate` takes the incident, claim and article tables (from
:mod:`geo.tables`) and the district polygons, and makes, once, everything
the outputs show: the incidents and claims as exported, the per-district
totals of ``districts.csv`` (with the province outline and the choropleth
classes), the wave-wide ``areas.csv``, the contested figures of the current
event, incidents per day, and each incident's toll split by side.  The HTML
map, the static image and the exports are views of this :class:`Model`:
none of them totals, classes or selects anything of its own, so they cannot
disagree.  Pure: frames in, frames out.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.classes import Classes, class_breaks
from geo.columns import empty_table, listed, row_tuples, text, typed_table, value_or_none
from geo.districts import province_outline
from geo.incidents import reconcile
from geo.records import ATTACK_TYPES, FIGURE_KINDS, ROLES
from geo.schema import (
    AREA_COLUMNS,
    ARTICLE_COLUMNS,
    CLAIM_COLUMNS,
    DISTRICT_COLUMNS,
    INCIDENT_COLUMNS,
    SIDE_COLUMNS,
)

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
#: Area figures published within this many days of the latest one belong to
#: the current event; older ones (an earlier wave) stay in ``areas.csv``.
CURRENT_EVENT_DAYS = 14
#: Columns of :attr:`Model.tolls`: each incident's reconciled figures by side.
TOLL_COLUMNS = ("incident_id", "figure", "role", "low", "best", "high")
#: Columns of :attr:`Model.contested`: who said what about the current event.
CONTESTED_COLUMNS = (
    "area", "figure", "role", "claimant", "claimant_kind", "low", "high", "n_articles",
)  # fmt: skip


@dataclass(frozen=True)
class Model:
    """Everything the outputs show, computed once (see the module docstring).

    Attributes
    ----------
    incidents : geopandas.GeoDataFrame
        ``incidents.csv`` as points (EPSG:4326), sorted by ``incident_id``.
    claims : pandas.DataFrame
        ``claims.csv``, sorted by ``claim_id``; ``outlet`` falls back to the
        article URL's host.
    areas : pandas.DataFrame
        ``areas.csv``.
    districts : geopandas.GeoDataFrame
        ``districts.csv`` with each district's polygon (``None`` where no
        polygon is known), sorted by ``admin1``, ``admin2``.
    articles : pandas.DataFrame
        The sources (:data:`geo.schema.ARTICLE_COLUMNS`): a file *name*,
        never a path, and the outlet (front matter, else the URL's host).
    tolls : pandas.DataFrame
        Each incident's reconciled figures per (figure, role): low, best, high.
    contested : pandas.DataFrame
        The current event's area-wide figures per claimant (parties included,
        marked by ``claimant_kind``), for the map's contested-figures table.
    classes : tuple of (int, int, str)
        The choropleth classes of ``districts.killed_best``.
    outline : geopandas.GeoDataFrame or None
        The mapped provinces' outline (``admin1``, geometry), when polygons are known.
    boundaries : geopandas.GeoDataFrame or None
        All district polygons, for context around the mapped provinces.
    timeline : tuple of (datetime.date, int)
        Incidents per event day, in date order.
    undated : int
        Incidents without a usable event date.
    """

    incidents: gpd.GeoDataFrame
    claims: pd.DataFrame
    areas: pd.DataFrame
    districts: gpd.GeoDataFrame
    articles: pd.DataFrame
    tolls: pd.DataFrame
    contested: pd.DataFrame
    classes: Classes
    outline: gpd.GeoDataFrame | None = None
    boundaries: gpd.GeoDataFrame | None = None
    timeline: tuple[tuple[dt.date, int], ...] = ()
    undated: int = 0
    provinces: tuple[str, ...] = field(default_factory=tuple)

    @property
    def has_polygons(self) -> bool:
        """True when the districts carry polygons (a choropleth can be drawn)."""
        return bool(self.districts.geometry.notna().any()) if len(self.districts) else False


def aggregate(
    incidents: pd.DataFrame,
    claims: pd.DataFrame,
    *,
    articles: pd.DataFrame | None = None,
    areas: pd.DataFrame | None = None,
    polygons: gpd.GeoDataFrame | None = None,
    district_table: pd.DataFrame | None = None,
    province: str = "",
    known_tolls: KnownTolls | None = None,
    places: Places | None = None,
) -> Model:
    """Make the model from the export tables.

    Parameters
    ----------
    incidents : pandas.DataFrame or geopandas.GeoDataFrame
        The incidents (:data:`geo.schema.INCIDENT_COLUMNS`; ``geo_source``
        may be missing).  Points come from ``longitude``/``latitude``.
    claims : pandas.DataFrame
        The claims (:data:`geo.schema.CLAIM_COLUMNS`).
    articles : pandas.DataFrame, optional
        ``article_id, path, outlet, url, published, title`` (:func:`geo.tables.articles_frame`).
    areas : pandas.DataFrame, optional
        ``areas.csv`` (:func:`geo.tables.area_frame`); empty when not given.
    polygons : geopandas.GeoDataFrame, optional
        District polygons with ``admin1``, ``admin2`` (EPSG:4326).
    district_table : pandas.DataFrame, optional
        ``district, province`` rows listing the districts when there are no
        polygons (``geo.districts.read_district_table()``).
    province : str
        The mapped province; ``""`` maps the incidents' provinces (all when none).
    known_tolls : KnownTolls, optional
        Tolls of some incidents reconciled already (the build's merged
        groups keep them); the same rows the claims would give.
    places : Places, optional
        The incidents located already (:func:`locate`, on these
        ``polygons``), with the tolls their claims give; ``incidents``,
        ``district_table``, ``province`` and ``known_tolls`` are then unused.

    Returns
    -------
    Model

    Raises
    ------
    TypeError
        If a table is not a DataFrame.
    ValueError
        If a column is missing or a CRS is not EPSG:4326.
    """
    require_columns(claims, CLAIM_COLUMNS, "claims")
    article_table = _articles(articles)
    claim_table = _claims(claims, article_table)
    if places is None:
        places = locate(
            incidents,
            _tolls(claim_table, known_tolls),
            polygons=polygons,
            district_table=district_table,
            province=province,
        )
    elif places.boundaries is not polygons:
        raise ValueError("places were located on other district polygons than the ones given")
    return Model(
        incidents=places.incidents,
        claims=claim_table,
        areas=typed_table(areas, AREA_COLUMNS) if areas is not None else empty_table(AREA_COLUMNS),
        districts=places.districts,
        articles=article_table,
        tolls=places.tolls,
        contested=_contested(claim_table),
        classes=places.classes,
        outline=places.outline,
        boundaries=places.boundaries,
        timeline=places.timeline,
        undated=places.undated,
        provinces=places.provinces,
    )


@dataclass(frozen=True)
class Places:
    """The model's incidents as mapped (:func:`locate`): what the static image reads.

    The attributes are the :class:`Model`'s of the same names.  They need
    the incidents and their tolls, not the claims themselves: a build that
    has every toll already (:class:`KnownTolls`) locates the incidents and
    starts drawing before it reads the claims.
    """

    incidents: gpd.GeoDataFrame
    tolls: pd.DataFrame
    districts: gpd.GeoDataFrame
    classes: Classes
    outline: gpd.GeoDataFrame | None
    boundaries: gpd.GeoDataFrame | None
    timeline: tuple[tuple[dt.date, int], ...]
    undated: int
    provinces: tuple[str, ...]


def locate(
    incidents: pd.DataFrame,
    tolls: pd.DataFrame,
    *,
    polygons: gpd.GeoDataFrame | None = None,
    district_table: pd.DataFrame | None = None,
    province: str = "",
) -> Places:
    """The incidents as points, their districts' totals and classes, the timeline.

    ``tolls`` are each incident's reconciled figures (:data:`TOLL_COLUMNS`,
    as :attr:`Model.tolls`); the other arguments are :func:`aggregate`'s.
    """
    require_columns(incidents, [c for c in INCIDENT_COLUMNS if c != "geo_source"], "incidents")
    if polygons is not None:
        _check_polygons(polygons)
    points = _incident_points(incidents)
    provinces = _provinces(points, polygons, province)
    districts = _districts(points, tolls, polygons, district_table, provinces)
    known = [int(v) for v in districts["killed_best"] if not pd.isna(v)]
    days, undated = _timeline(points["event_date"])
    return Places(
        incidents=points,
        tolls=tolls,
        districts=districts,
        classes=class_breaks(known),
        outline=_outline(polygons, provinces),
        boundaries=polygons,
        timeline=days,
        undated=undated,
        provinces=provinces,
    )


def known_toll_frame(known: KnownTolls, incident_ids: Iterable[str]) -> pd.DataFrame | None:
    """The tolls of these incidents as :attr:`Model.tolls`, when ``known`` has all of them.

    None when an incident's tolls are not known: they need its claims.
    """
    if not known.incidents.issuperset(incident_ids):
        return None
    return _toll_frame(known.rows)


# -- validate ---------------------------------------------------------------


def require_columns(frame: Any, columns: Sequence[str], what: str) -> None:
    """Raise TypeError unless ``frame`` is a DataFrame, ValueError naming missing columns."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} is missing column(s) {missing}; it needs {list(columns)} "
            "(see the export schema in DESIGN.md)"
        )


def _check_polygons(polygons: Any) -> None:
    if not isinstance(polygons, gpd.GeoDataFrame):
        raise TypeError(f"districts must be a GeoDataFrame or None, got {type(polygons).__name__}")
    require_columns(polygons, ("admin1", "admin2"), "districts")
    require_wgs84(polygons, "districts")


def require_wgs84(frame: gpd.GeoDataFrame, what: str) -> None:
    """Raise ValueError, with the fix, unless ``frame`` is in EPSG:4326."""
    if frame.crs is None:
        raise ValueError(
            f"{what} has no CRS; expected EPSG:4326. If the coordinates are "
            'longitude/latitude, call .set_crs("EPSG:4326") first.'
        )
    if frame.crs.to_epsg() != 4326:
        raise ValueError(
            f"{what} has CRS {frame.crs.to_string()}, expected EPSG:4326; "
            'reproject with .to_crs("EPSG:4326") first.'
        )


def _incident_points(incidents: pd.DataFrame) -> gpd.GeoDataFrame:
    frame = incidents if "geo_source" in incidents else incidents.assign(geo_source="")
    table = typed_table(frame, INCIDENT_COLUMNS)
    repeated = sorted(set(table.loc[table["incident_id"].duplicated(), "incident_id"]))
    if repeated:
        raise ValueError(
            f"incidents has repeated incident_id values {repeated}; each must be unique"
        )
    table = table.sort_values("incident_id", kind="stable").reset_index(drop=True)
    geometry = gpd.points_from_xy(table["longitude"], table["latitude"])
    located = (table["longitude"].notna() & table["latitude"].notna()).to_numpy()
    geometry = gpd.GeoSeries(np.where(located, geometry, None), crs=WGS84)
    return gpd.GeoDataFrame(table, geometry=geometry, crs=WGS84)


def _articles(articles: pd.DataFrame | None) -> pd.DataFrame:
    """Sources as listed on the map: a file name, never a path; the outlet or URL host."""
    if articles is None:
        return empty_table(ARTICLE_COLUMNS)
    require_columns(articles, ("article_id", "url", "outlet", "published", "title"), "articles")

    def texts(name: str) -> list[str]:  # a missing column is empty text
        values = articles[name].tolist() if name in articles else [None] * len(articles)
        return [v if type(v) is str else text(v) for v in values]

    urls = [url.strip() for url in texts("url")]
    columns = {
        "article_id": texts("article_id"),
        "file": [
            _file_name(path) if path else file
            for path, file in zip(texts("path"), texts("file"), strict=True)
        ],
        "outlet": [
            outlet.strip() or url_host(url)
            for outlet, url in zip(texts("outlet"), urls, strict=True)
        ],
        "url": urls,
        "published": articles["published"].tolist()
        if "published" in articles
        else [None] * len(articles),
        "title": [title.strip() for title in texts("title")],
    }
    table = typed_table(pd.DataFrame(columns, columns=list(ARTICLE_COLUMNS)), ARTICLE_COLUMNS)
    return table.sort_values("article_id", kind="stable").reset_index(drop=True)


def _file_name(path: str) -> str:
    """The file name at the end of a path written with either slash (the article file)."""
    if "\\" not in path and "/." not in path and not path.endswith("/"):
        return path.rpartition("/")[2]  # nothing to normalise (a build's 10,000 paths)
    return posixpath.basename(posixpath.normpath(path.replace("\\", "/")))


def url_host(url: str) -> str:
    """Return the host of an http(s) URL without ``www.``, or ``""``."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname
    return host[4:] if host.startswith("www.") else host


def _claims(claims: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    table = typed_table(claims, CLAIM_COLUMNS)
    repeated = sorted(set(table.loc[table["claim_id"].duplicated(), "claim_id"]))
    if repeated:
        raise ValueError(f"claims has repeated claim_id values {repeated}; each must be unique")
    outlets = dict(zip(articles["article_id"], articles["outlet"], strict=True))
    missing = table["outlet"] == ""
    table.loc[missing, "outlet"] = table.loc[missing, "article_id"].map(outlets).fillna("")
    return table.sort_values("claim_id", kind="stable").reset_index(drop=True)


# -- tolls by side ------------------------------------------------------------


class _Counted(NamedTuple):
    """The fields of a claim that reconciling reads (geo.incidents.Counted)."""

    article_id: str
    figure: str
    role: str
    value_low: int
    value_high: int
    claimant_kind: str


#: What :func:`toll_rows` reads of each claim, in this order.
TOLL_INPUT = (
    "incident_id", "scope", "article_id", "figure", "role", "value_low", "value_high",
    "claimant_kind", "published",
)  # fmt: skip


@dataclass(frozen=True)
class KnownTolls:
    """Tolls reconciled already (by :mod:`geo._merged`, group by group).

    ``rows`` (:data:`TOLL_COLUMNS`) are every toll of the ``incidents``
    named; their claims are not reconciled again.
    """

    incidents: frozenset[str]
    rows: list[tuple[Any, ...]]


def toll_rows(claims: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Reconcile claims (:data:`TOLL_INPUT` each) into toll rows (:data:`TOLL_COLUMNS`).

    Per incident in id order, per (figure, role) in the records' order.
    Claims of no incident, of an area, or with no value are not counted.
    """
    by_incident: dict[str, list[_Counted]] = defaultdict(list)
    published: dict[str, dt.date | None] = {}
    na = pd.NA  # typed counts are ints or NA
    for incident_id, scope, article_id, figure, role, low, high, kind, day in claims:
        if scope != "incident" or not incident_id:
            continue
        if low is na or high is na or low is None or high is None:
            low, high = value_or_none(low), value_or_none(high)
            if low is None and high is None:
                continue
            low = high if low is None else low
            high = low if high is None else high
        by_incident[incident_id].append(
            _Counted(article_id, figure, role, int(low), int(high), kind)
        )
        if article_id not in published:
            published[article_id] = dt.date.fromisoformat(day) if day else None
    rows = []
    for incident_id in sorted(by_incident):
        estimates = reconcile(by_incident[incident_id], published=published)
        for (figure, role), e in sorted(
            estimates.items(),
            key=lambda item: _FIGURE_ORDER.get(item[0]) or _figure_order(*item[0]),
        ):
            rows.append((incident_id, figure, role, e.low, e.best, e.high))
    return rows


def _tolls(claims: pd.DataFrame, known: KnownTolls | None = None) -> pd.DataFrame:
    """Reconcile each incident's claims per (figure, role), as its exported row was.

    The incidents of ``known`` take its rows; only the others' claims are read.
    """
    owners = claims["incident_id"].tolist()
    done = known.incidents if known else frozenset()
    todo = [i for i, owner in enumerate(owners) if owner and owner not in done]
    columns = [claims[c].tolist() for c in TOLL_INPUT] if todo else []
    rows = toll_rows(tuple(column[i] for column in columns) for i in todo)
    if known is not None:
        rows = sorted([*known.rows, *rows], key=lambda row: row[0])  # stable: figures stay in order
    return _toll_frame(rows)


def _toll_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    # Text as Python objects, as typed_column gives it: pandas's own string
    # columns hand their cells out one at a time, several times slower.
    frame = pd.DataFrame(rows, columns=list(TOLL_COLUMNS), dtype=object)
    for column in ("low", "best", "high"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _figure_order(figure: str, role: str) -> tuple[int, int]:
    """Figures and sides in the records' order (killed before injured; civilians first)."""
    kinds = FIGURE_KINDS.index(figure) if figure in FIGURE_KINDS else len(FIGURE_KINDS)
    return kinds, ROLES.index(role) if role in ROLES else len(ROLES)


#: :func:`_figure_order` of every known (figure, role), looked up once.
_FIGURE_ORDER = {(f, r): _figure_order(f, r) for f in FIGURE_KINDS for r in ROLES}


# -- districts --------------------------------------------------------------


def _provinces(
    points: pd.DataFrame, polygons: gpd.GeoDataFrame | None, province: str
) -> tuple[str, ...]:
    """The provinces mapped: the given one, else the incidents' (all when none)."""
    wanted = {province} if province else {p for p in points["admin1"] if p}
    if polygons is not None:
        present = {text(p) for p in polygons["admin1"]}
        if wanted and not wanted & present:
            logger.warning(
                "no district lies in the provinces %s; showing all districts", sorted(wanted)
            )
            wanted = set()
        if not wanted:
            wanted = present - {""}
    return tuple(sorted(wanted))


def _districts(
    points: pd.DataFrame,
    tolls: pd.DataFrame,
    polygons: gpd.GeoDataFrame | None,
    table: pd.DataFrame | None,
    provinces: tuple[str, ...],
) -> gpd.GeoDataFrame:
    """One row per district of the mapped provinces, with its incidents' totals."""
    units: dict[tuple[str, str], Any] = {}
    if polygons is not None:
        shown = polygons[polygons["admin1"].isin(provinces)] if provinces else polygons
        for a1, a2, geometry in zip(shown["admin1"], shown["admin2"], shown.geometry, strict=True):
            usable = geometry is not None and not geometry.is_empty
            units.setdefault((text(a1), text(a2)), geometry if usable else None)
    elif table is not None:
        for a2, a1 in zip(table["district"], table["province"], strict=True):
            if not provinces or text(a1) in provinces:
                units.setdefault((text(a1), text(a2)), None)
    totals = _district_totals(points, tolls)
    for key in totals:
        if key not in units:
            units[key] = None  # an incident's district that the table or polygons lack
    rows = []
    for key in sorted(units):
        row = dict.fromkeys(DISTRICT_COLUMNS)
        row.update({"admin1": key[0], "admin2": key[1], "incidents": 0})
        row.update(totals.get(key, {}))
        rows.append(row)
    frame = typed_table(pd.DataFrame(rows, columns=list(DISTRICT_COLUMNS)), DISTRICT_COLUMNS)
    geometry = gpd.GeoSeries([units[k] for k in sorted(units)], crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def _sum(values: Sequence[Any]) -> int | None:
    """The sum of the reported values; ``None`` when none is reported."""
    known = [int(v) for v in values if value_or_none(v) is not None]
    return sum(known) if known else None


def _district_totals(
    points: pd.DataFrame, tolls: pd.DataFrame
) -> dict[tuple[str, str], dict[str, Any]]:
    side = {(i, r): (lo, be, hi) for i, f, r, lo, be, hi in row_tuples(tolls) if f == "killed"}
    # Read column by column (a build has thousands of incidents), grouped by row number.
    column = {name: listed(points[name]) for name in _TOTALLED}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, (admin1, admin2) in enumerate(zip(column["admin1"], column["admin2"], strict=True)):
        if admin2:
            groups[(admin1, admin2)].append(n)
    totals = {}
    for key, rows in groups.items():
        ids = [column["incident_id"][n] for n in rows]
        days = [column["event_date"][n] for n in rows]
        dates = sorted(d[:10] for d in days if _day(d))
        types = {t for n in rows for t in column["attack_types"][n].split(";") if t}
        entry: dict[str, Any] = {
            "incidents": len(rows),
            "killed_low": _sum([column["fatalities_low"][n] for n in rows]),
            "killed_best": _sum([column["fatalities_best"][n] for n in rows]),
            "killed_high": _sum([column["fatalities_high"][n] for n in rows]),
            "injured": _sum([column["injured"][n] for n in rows]),
            "abducted": _sum([column["abducted"][n] for n in rows]),
            "attack_types": ";".join(t for t in ATTACK_TYPES if t in types),
            "first_date": dates[0] if dates else "",
            "last_date": dates[-1] if dates else "",
        }
        for role in ROLES:
            stem = f"killed_{SIDE_COLUMNS[role]}"
            found = [side[(i, role)] for i in ids if (i, role) in side]
            for n, bound in enumerate(("low", "best", "high")):
                entry[f"{stem}_{bound}"] = _sum([f[n] for f in found])
        totals[key] = entry
    return totals


#: The incident columns :func:`_district_totals` reads.
_TOTALLED = (
    "incident_id", "admin1", "admin2", "event_date", "attack_types", "fatalities_low",
    "fatalities_best", "fatalities_high", "injured", "abducted",
)  # fmt: skip


def _outline(
    polygons: gpd.GeoDataFrame | None, provinces: tuple[str, ...]
) -> gpd.GeoDataFrame | None:
    """Dissolve the mapped provinces' districts into their outlines."""
    if polygons is None:
        return None
    members = polygons[polygons.geometry.notna() & ~polygons.geometry.is_empty]
    present = [p for p in provinces if (members["admin1"] == p).any()]
    if not present:
        return None
    outlines = [province_outline(members, p)[["admin1", "geometry"]] for p in present]
    return gpd.GeoDataFrame(pd.concat(outlines, ignore_index=True), crs=WGS84)


# -- area figures and timeline --------------------------------------------------


def _contested(claims: pd.DataFrame) -> pd.DataFrame:
    """The current event's area figures: per (area, figure, role, claimant), low..high.

    The current event is the area claims published within
    :data:`CURRENT_EVENT_DAYS` of the latest dated one (all of them when
    none is dated), so that an earlier wave's totals do not crowd the panel.
    """
    area = claims[(claims["scope"] == "area") & claims["value_low"].notna()]
    dates = [dt.date.fromisoformat(d) for d in area["published"] if d]
    if dates:
        start = (max(dates) - dt.timedelta(days=CURRENT_EVENT_DAYS)).isoformat()
        area = area[(area["published"] == "") | (area["published"] >= start)]
    rows = []
    keys = ["area", "figure", "role", "claimant", "claimant_kind"]
    for key, group in area.groupby(keys, sort=True):
        values = list(group["value_low"]) + list(group["value_high"].fillna(group["value_low"]))
        row = dict(zip(keys, key, strict=True))
        row.update(low=int(min(values)), high=int(max(values)))
        row["n_articles"] = group["article_id"].nunique()
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(CONTESTED_COLUMNS))
    for column in ("low", "high", "n_articles"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text(value).strip()[:10])
    except ValueError:
        return None


def _timeline(dates: pd.Series) -> tuple[tuple[tuple[dt.date, int], ...], int]:
    """Count incidents per event day; return ``(((day, n), ...), n_undated)``."""
    days: dict[dt.date, int] = defaultdict(int)
    undated = 0
    for value in dates:
        day = _day(value)
        if day is None:
            undated += 1
        else:
            days[day] += 1
    return tuple(sorted(days.items())), undated
