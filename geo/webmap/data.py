"""Model -> the map's compact data document (plain values: no HTML, no folium).

The page script (``map.js``) draws everything from one JSON document, laid
out for size:

* every string (place, sentence, claimant, outlet, title, label) is stored
  once in ``s`` and referred to by its index, so a sentence quoted by ten
  claims, or an outlet cited a thousand times, costs its length once;
* incidents (``inc``) and claims (``cl``) are stored column by column, one
  array per field, in drawing order; an incident's claims are the rows
  ``cl0[i]`` to ``cl0[i + 1]``;
* popups, tooltips and panels are assembled in the browser from these
  tables, with ``textContent`` only.

Nothing is computed here that the model has not already decided: tolls,
district totals, classes, the contested figures and the timeline all come
from :class:`geo.model.Model`; this module only selects, orders and encodes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.classes import class_colour
from geo.columns import integer, records, row_tuples, text
from geo.model import Model
from geo.records import ATTACK_TYPES, FIGURE_KINDS, ROLES
from geo.schema import ROLE_LABELS, TYPE_COLOURS, TYPE_LABELS

#: Bumped when the document changes shape.
DATA_VERSION = 2
#: Decimals of incident coordinates (~1 m): finer than any gazetteer point.
POINT_DECIMALS = 5
#: Degrees; ~1 km, invisible at the zooms a district map is read at, and it
#: shrinks Pakistan's ADM2 file from ~1 MB to a few tens of kB.
SIMPLIFY_TOLERANCE = 0.01
#: Decimals kept in district coordinates (~10 m), again for size.
DISTRICT_DECIMALS = 4
#: Markers keep this radius (px) when no toll, or a small one, is reported.
MIN_RADIUS = 5.0
#: Pixels of radius per square root of a death: circle *area* tracks the toll.
RADIUS_SCALE = 3.0
#: The contested-figures table shows at most this many rows and claimants;
#: the rest is in areas.csv / claims.csv, and the panel says so.
MAX_AREA_ROWS = 6
MAX_AREA_COLUMNS = 5
MAX_AREA_PARTIES = 2
#: How a claimant kind reads beside a name in a popup.
KIND_LABELS: dict[str, str] = {
    "official": "official",
    "party": "party to the fight",
    "independent": "independent",
    "unattributed": "unattributed",
}
#: How the extractor marks a figure given the article's overall source
#: (geo.claims.lead_source), and how a reader is told the same thing.
_LEAD_SOURCE = (" (article's source)", " (per the article)")
#: Columns of the contested table: officials first, parties last.
_KIND_ORDER = {"official": 0, "independent": 1, "unattributed": 2, "party": 3}


def marker_radius(killed: Any) -> float:
    """Return the marker radius (px) for a toll, on an area-true scale.

    Parameters
    ----------
    killed : int or None
        The best estimate of people killed; missing counts as unknown.

    Returns
    -------
    float
        ``RADIUS_SCALE * sqrt(killed)``, but at least ``MIN_RADIUS``.
    """
    value = integer(killed)
    if value is None or value <= 0:
        return MIN_RADIUS
    return max(MIN_RADIUS, round(RADIUS_SCALE * math.sqrt(value), 2))


class Strings:
    """A table of strings, each stored once; :meth:`ref` returns its index."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {"": 0}
        self.values: list[str] = [""]

    def ref(self, value: Any) -> int:
        """Return the index of ``value`` (as text), adding it when new."""
        key = value if type(value) is str else text(value)
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.values)
            self.values.append(key)
        return found

    def refs(self, values: list[Any]) -> list[int]:
        """Return the index of each of ``values``, in order (as :meth:`ref` one by one)."""
        index, table = self._index, self.values
        found: list[int] = []
        for value in values:
            key = value if type(value) is str else text(value)
            at = index.get(key)
            if at is None:
                at = index[key] = len(table)
                table.append(key)
            found.append(at)
        return found


def document(
    model: Model,
    *,
    title: str,
    tiles: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the JSON document the page script draws.

    Parameters
    ----------
    model : geo.model.Model
        What to show.
    title : str
        The map's title.
    tiles : mapping, optional
        ``url``, ``attribution`` and ``max_zoom`` of the basemap; ``None`` for none.

    Returns
    -------
    dict
        JSON-ready values (no NaN).
    """
    strings = Strings()
    points = model.incidents[model.incidents.geometry.notna()]
    # Big circles first, so that small ones are drawn on top and stay clickable.
    radius = [marker_radius(v) for v in points["fatalities_best"]]
    listed = records(points.drop(columns=points.geometry.name))
    order = sorted(range(len(listed)), key=lambda i: (-radius[i], listed[i]["incident_id"]))
    rows = [listed[i] for i in order]
    types = [t for t in ATTACK_TYPES if t in set(points["primary_type"])]
    articles = _article_index(model)
    doc: dict[str, Any] = {
        "v": DATA_VERSION,
        "title": title,
        "types": [[t, TYPE_LABELS[t], TYPE_COLOURS[t]] for t in types],
        "figures": list(FIGURE_KINDS),
        "roles": [[r, ROLE_LABELS[r]] for r in ROLES],
        "kinds": [[k, label] for k, label in KIND_LABELS.items()],
        "unmapped": int(len(model.incidents) - len(points)),
        "tiles": dict(tiles) if tiles else None,
        "bounds": _bounds(points, model),
    }
    doc["inc"] = _incidents(rows, [radius[i] for i in order], types, model, strings, articles)
    doc["cl"] = _claims(rows, model, strings, articles)
    doc["art"] = _articles(model, strings, articles)
    doc.update(_districts(model))
    doc["area"] = _area_table(model)
    doc["days"] = [[day.isoformat(), n] for day, n in model.timeline]
    doc["undated"] = model.undated
    doc["s"] = strings.values
    return doc


# -- incidents and claims -----------------------------------------------------------


def _who(claimant: str) -> str:
    """A claimant as a reader sees it: plain words for the extractor's markers."""
    return (claimant or "unattributed").replace(*_LEAD_SOURCE)


def _article_index(model: Model) -> dict[str, int]:
    return {a: i for i, a in enumerate(model.articles["article_id"])}


def _incidents(
    rows: list[dict[str, Any]],
    radius: list[float],
    types: list[str],
    model: Model,
    strings: Strings,
    articles: dict[str, int],
) -> dict[str, list[Any]]:
    tolls: dict[str, list[int | None]] = {}
    role_index = {r: i for i, r in enumerate(ROLES)}
    for incident_id, figure, role, low, best, high in row_tuples(model.tolls):
        if figure == "killed":
            tolls.setdefault(incident_id, []).extend(
                [role_index[role], integer(low), integer(best), integer(high)]
            )
    type_index = {t: i for i, t in enumerate(types)}
    # Each incident's texts in the order a popup reads them: the string table
    # numbers them as it first meets them.
    texts: list[Any] = []
    for row in rows:
        units = (row["admin3"], row["admin2"], row["admin1"])
        kinds = [t for t in row["attack_types"].split(";") if t]
        texts += (
            row["place"] or "Unnamed place",
            ", ".join(u for u in units if u),
            row["event_date"],
            row["date_precision"],
            "; ".join(TYPE_LABELS.get(t, t) for t in kinds),
            row["target"],
            row["notes"],
        )
    refs = strings.refs(texts)
    return {
        "id": [row["incident_id"] for row in rows],
        "lat": [round(float(row["latitude"]), POINT_DECIMALS) for row in rows],
        "lon": [round(float(row["longitude"]), POINT_DECIMALS) for row in rows],
        "t": [type_index[row["primary_type"]] for row in rows],
        "r": list(radius),
        "place": refs[0::7],
        "where": refs[1::7],
        "date": refs[2::7],
        "prec": refs[3::7],
        "types": refs[4::7],
        "target": refs[5::7],
        "notes": refs[6::7],
        "k": [tolls.get(row["incident_id"], []) for row in rows],
        "kb": [
            [_count(row[c]) for c in ("fatalities_low", "fatalities_best", "fatalities_high")]
            for row in rows
        ],
        "x": [[_count(row["injured"]), _count(row["abducted"])] for row in rows],
        "src": [
            [articles.get(s.strip(), -1) for s in row["sources"].split(";") if s.strip()]
            for row in rows
        ],
    }


def _claims(
    rows: list[dict[str, Any]], model: Model, strings: Strings, articles: dict[str, int]
) -> dict[str, list[Any]]:
    """Claims column by column, grouped by incident in drawing order."""
    claims = model.claims[model.claims["scope"] == "incident"]
    # Column lists, and a claim by its row number: no object per claim.
    (incident, article, sentence, figure, role, claim_id, low, high, qualifier, claimant,
     kind) = (claims[c].tolist() for c in (
        "incident_id", "article_id", "sentence", "figure", "role", "claim_id", "value_low",
        "value_high", "qualifier", "claimant", "claimant_kind"))  # fmt: skip
    by_incident: dict[str, list[int]] = {}
    for i, owner in enumerate(incident):
        by_incident.setdefault(owner, []).append(i)
    figure_rank = {f: i for i, f in enumerate(FIGURE_KINDS)}
    role_rank = {r: i for i, r in enumerate(ROLES)}
    kind_rank = {k: i for i, k in enumerate(KIND_LABELS)}
    # Claims from one sentence sit together, so the popup quotes it once.
    sort_key = list(
        zip(
            article, sentence, [figure_rank.get(f, 99) for f in figure],
            [role_rank.get(r, 99) for r in role], claim_id, strict=True,
        )
    )  # fmt: skip
    # The claims' row numbers in drawing order; cl0[i] is incident i's first.
    order: list[int] = []
    first: list[int] = []
    for row in rows:
        first.append(len(order))
        group = by_incident.get(row["incident_id"], [])
        group.sort(key=sort_key.__getitem__)
        order.extend(group)
    first.append(len(order))
    # Each claim's qualifier, claimant and sentence, in the order a popup reads
    # them: the string table numbers them as it first meets them.
    texts: list[Any] = []
    for i in order:
        texts += (qualifier[i], _who(claimant[i]), sentence[i])
    refs = strings.refs(texts)
    return {
        "cl0": first,
        "f": [figure_rank.get(figure[i], 0) for i in order],
        "ro": [role_rank.get(role[i], len(ROLES) - 1) for i in order],
        "lo": [_count(low[i]) for i in order],
        "hi": [_count(high[i]) for i in order],
        "q": refs[0::3],
        "who": refs[1::3],
        "kd": [kind_rank.get(kind[i], 3) for i in order],
        "a": [articles.get(article[i], -1) for i in order],
        "sent": refs[2::3],
    }


def _count(value: Any) -> int | None:
    """:func:`geo.columns.integer`, with a plain int passed straight through."""
    return value if type(value) is int else integer(value)


def _articles(model: Model, strings: Strings, articles: dict[str, int]) -> dict[str, list[int]]:
    """Sources: outlet, date, title, file name, and an http(s) link when there is one."""
    table = model.articles
    href = [u if u.lower().startswith(("http://", "https://")) else "" for u in table["url"]]
    return {
        "id": strings.refs(table["article_id"].tolist()),
        "outlet": strings.refs(table["outlet"].tolist()),
        "pub": strings.refs(table["published"].tolist()),
        "title": strings.refs(table["title"].tolist()),
        "file": strings.refs(table["file"].tolist()),
        "href": strings.refs(href),
    }


def _bounds(points: pd.DataFrame, model: Model) -> list[list[float]] | None:
    """South-west and north-east corners to open on: the incidents and the province."""
    west, south, east, north = math.inf, math.inf, -math.inf, -math.inf
    if len(points):
        south, north = float(points["latitude"].min()), float(points["latitude"].max())
        west, east = float(points["longitude"].min()), float(points["longitude"].max())
    if model.outline is not None and len(model.outline):
        w, s, e, n = (float(v) for v in model.outline.total_bounds)
        west, south, east, north = min(west, w), min(south, s), max(east, e), max(north, n)
    if not math.isfinite(west):
        return None
    return [[round(south, 4), round(west, 4)], [round(north, 4), round(east, 4)]]


# -- districts, contested figures ---------------------------------------------------


def _simplified(geometry: Any) -> Any:
    simple = shapely.simplify(geometry, SIMPLIFY_TOLERANCE, preserve_topology=True)
    return shapely.transform(simple, lambda xy: np.round(xy, DISTRICT_DECIMALS))


def _districts(model: Model) -> dict[str, Any]:
    """The choropleth (districts with polygons) and the province outline, as GeoJSON."""
    features = []
    drawn = model.districts[model.districts.geometry.notna()]
    for row in records(drawn):
        killed = integer(row["killed_best"])
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": row["admin2"],
                    "n": int(row["incidents"]),
                    "k": killed,
                    "fill": class_colour(killed, model.classes),
                },
                "geometry": shapely.geometry.mapping(_simplified(row["geometry"])),
            }
        )
    outline = []
    if model.outline is not None:
        for name, geometry in zip(model.outline["admin1"], model.outline.geometry, strict=True):
            outline.append(
                {
                    "type": "Feature",
                    "properties": {"name": name},
                    "geometry": shapely.geometry.mapping(_simplified(geometry)),
                }
            )
    return {
        "districts": {"type": "FeatureCollection", "features": features} if features else None,
        "outline": {"type": "FeatureCollection", "features": outline} if outline else None,
        "classes": [list(c) for c in model.classes] if features else [],
    }


def _area_table(model: Model) -> dict[str, Any] | None:
    """The current event's contested figures as a small table: figure x who says so.

    One area (the one with most claimants) is shown; at most
    :data:`MAX_AREA_ROWS` figures and :data:`MAX_AREA_COLUMNS` claimants,
    officials first and parties last; ``more`` counts what was left out.
    """
    table = model.contested
    if table.empty:
        return None
    sizes = table.groupby("area")["claimant"].nunique()
    area = sorted(sizes.index, key=lambda a: (-sizes[a], a))[0]
    rows_left = int(len(table) - (table["area"] == area).sum())
    shown = table[table["area"] == area]
    figure_rank = {f: i for i, f in enumerate(FIGURE_KINDS)}
    role_rank = {r: i for i, r in enumerate(ROLES)}
    keys = sorted(
        {(f, r) for f, r in zip(shown["figure"], shown["role"], strict=True)},
        key=lambda k: (figure_rank.get(k[0], 99), role_rank.get(k[1], 99)),
    )
    counts = shown.groupby(["claimant", "claimant_kind"]).size()
    claimants = sorted(
        counts.index, key=lambda c: (_KIND_ORDER.get(c[1], 2), -counts[c], c[0].lower())
    )
    # A party's claim is what makes a figure contested: it always gets a column.
    parties = [c for c in claimants if c[1] == "party"][:MAX_AREA_PARTIES]
    others = [c for c in claimants if c[1] != "party"]
    cols = others[: MAX_AREA_COLUMNS - len(parties)] + parties
    cells = {
        (f, r, c, k): (lo, hi)
        for f, r, c, k, lo, hi in shown[
            ["figure", "role", "claimant", "claimant_kind", "low", "high"]
        ].itertuples(index=False)
    }
    body: list[list[Any]] = []
    for figure, role in keys:
        values = []
        for claimant, kind in cols:
            low, high = cells.get((figure, role, claimant, kind), (None, None))
            values.append(None if low is None else [int(low), int(high)])
        if any(values) and len(body) < MAX_AREA_ROWS:
            body.append([figure, role, values])
    hidden = len(shown) - sum(v is not None for _f, _r, vs in body for v in vs)
    return {
        "area": area,
        "cols": [[_who(c), k] for c, k in cols],
        "rows": body,
        "more": int(hidden + rows_left),
    }
