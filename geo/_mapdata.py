"""The data behind the map, as plain values: no folium, no HTML.

:func:`payload` shapes incidents, claims and articles into the one JSON
document the page script reads (every article-derived string stays a JSON
string: the script puts it in the page with ``textContent``);
:func:`district_choropleth` sums the best toll estimate per district and
classifies the sums; :func:`province_outlines` dissolves the provinces;
:func:`timeline_counts` counts incidents per day; :func:`script_json` dumps
a document so that it can sit inside ``<script type="application/json">``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import _popup
from geo.districts import province_outline
from geo.records import ATTACK_TYPES

logger = logging.getLogger(__name__)

#: Bumped when the JSON document changes shape, for scripts that read it.
PAYLOAD_VERSION = 1
#: The order of the fields of a claim in the JSON document (claims are arrays,
#: not objects, which keeps 5,000 incidents' worth of claims a third smaller).
CLAIM_FIELDS: tuple[str, ...] = (
    "figure",
    "role",
    "value",
    "claimant",
    "claimant_kind",
    "outlet",
    "published",
    "sentence",
)
#: Decimals of incident coordinates (~0.1 m), as in incidents.csv.
POINT_DECIMALS = 6
#: At most this many classes in the choropleth: more are hard to tell apart.
MAX_CLASSES = 5
#: Light to dark greys: a neutral ground under the coloured markers, whose
#: palette already uses the reds, oranges, purples and blues.
CLASS_COLOURS: tuple[str, ...] = ("#e0e0e0", "#bdbdbd", "#969696", "#636363", "#252525")

#: Characters that may not appear literally in an HTML ``<script>`` element's
#: JSON: ``<`` (``</script>``, ``<!--``), ``>`` and ``&`` for good measure,
#: and the line separators that older JavaScript parsers reject in strings.
#: They only ever occur inside JSON strings, where ``\\uXXXX`` is the same text.
_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


@dataclass(frozen=True)
class Choropleth:
    """Districts with their summed toll and class, and the province outlines.

    ``features`` is a GeoJSON FeatureCollection (properties ``name``,
    ``admin1``, ``killed``, ``incidents``, ``fill`` — ``None`` for a district
    with no incident — and ``tip``, the tooltip text); ``classes`` lists
    ``(low, high, colour)`` per class, lowest first; ``outline`` is a
    FeatureCollection of the dissolved provinces (property ``name``).
    """

    features: dict[str, Any]
    classes: tuple[tuple[int, int, str], ...]
    outline: dict[str, Any]


def script_json(document: Any) -> str:
    r"""Dump ``document`` as compact JSON that is safe inside a ``<script>`` element.

    Parameters
    ----------
    document : Any
        JSON-serialisable values (no NaN).

    Returns
    -------
    str
        JSON in which ``<``, ``>``, ``&``, U+2028 and U+2029 are written as
        ``\uXXXX`` escapes: no article text can close the element.
    """
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_SCRIPT_ESCAPES)


def payload(
    points: pd.DataFrame,
    claims: pd.DataFrame,
    articles: pd.DataFrame | None,
    *,
    labels: Mapping[str, str],
    colours: Mapping[str, str],
    radius: Any,
) -> dict[str, Any]:
    """Return the JSON document of the mapped incidents.

    Parameters
    ----------
    points : pandas.DataFrame
        The incidents with coordinates; they are drawn largest toll first.
    claims : pandas.DataFrame
        All claims; those of ``scope == "incident"`` go with their incident.
    articles : pandas.DataFrame or None
        Articles, for the source links; ``None`` lists the bare article ids.
    labels, colours : mapping
        Label and colour of each attack type.
    radius : callable
        The marker radius (px) of a toll (:func:`geo.render.marker_radius`).

    Returns
    -------
    dict
        ``version``, ``claim_fields``, ``types`` (label and colour of each
        type present), ``incidents`` and ``articles`` (by id, the ones cited).
    """
    by_incident = _claims_by_incident(claims)
    by_article = _articles_by_id(articles)
    incidents = [
        _incident(row, by_incident.get(_popup.text_of(row["incident_id"]), []), labels, radius)
        for row in points.to_dict("records")
    ]
    # Big circles first, so that small ones are drawn on top and stay clickable.
    incidents.sort(key=lambda item: (-item["r"], item["id"]))
    cited = sorted({source for item in incidents for source in item.get("sources", [])})
    present = {item["type"] for item in incidents}
    return {
        "version": PAYLOAD_VERSION,
        "claim_fields": list(CLAIM_FIELDS),
        "types": {
            t: {"label": labels[t], "colour": colours[t]} for t in ATTACK_TYPES if t in present
        },
        "incidents": incidents,
        "articles": {a: _article(a, by_article) for a in cited},
    }


def _claims_by_incident(claims: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in claims.to_dict("records"):
        if _popup.text_of(row["scope"]) == "incident":
            grouped.setdefault(_popup.text_of(row["incident_id"]), []).append(row)
    return grouped


def _articles_by_id(articles: pd.DataFrame | None) -> dict[str, dict[str, Any]] | None:
    if articles is None:
        return None
    return {_popup.text_of(row["article_id"]): row for row in articles.to_dict("records")}


def _incident(
    row: Mapping[str, Any],
    claims: Sequence[Mapping[str, Any]],
    labels: Mapping[str, str],
    radius: Any,
) -> dict[str, Any]:
    text = _popup.text_of
    units = [text(row.get(k)) for k in ("admin3", "admin2", "admin1")]
    types = [t for t in text(row.get("attack_types")).split(";") if t]
    sources = list(dict.fromkeys(s.strip() for s in text(row.get("sources")).split(";")))
    item: dict[str, Any] = {
        "id": text(row["incident_id"]),
        "lat": round(float(row["latitude"]), POINT_DECIMALS),
        "lon": round(float(row["longitude"]), POINT_DECIMALS),
        "type": text(row["primary_type"]),
        "r": radius(row.get("fatalities_best")),
        "place": text(row.get("place")) or "Unnamed place",
        "where": ", ".join(unit for unit in units if unit),
        "date": text(row.get("event_date")) or "date unknown",
        "precision": text(row.get("date_precision")),
        "types": "; ".join(labels.get(t, t) for t in types) or "not stated",
        "target": text(row.get("target")),
        "toll": _popup.toll_text(
            row.get("fatalities_best"), row.get("fatalities_low"), row.get("fatalities_high")
        ),
        "claims": [_claim(c) for c in _popup.sort_claims(claims)],
        "sources": [s for s in sources if s],
        "notes": text(row.get("notes")),
    }
    # Empty strings and lists are left out: the script treats absent as empty.
    return {k: v for k, v in item.items() if v not in ("", [])}


def _claim(claim: Mapping[str, Any]) -> list[str]:
    text = _popup.text_of
    value = _popup.format_value(
        claim.get("value_low"), claim.get("value_high"), claim.get("qualifier")
    )
    fields = {
        "figure": text(claim.get("figure")),
        "role": text(claim.get("role")),
        "value": value,
        "claimant": text(claim.get("claimant")) or "unattributed",
        "claimant_kind": text(claim.get("claimant_kind")),
        "outlet": text(claim.get("outlet")),
        "published": text(claim.get("published")),
        "sentence": text(claim.get("sentence")),
    }
    return [fields[name] for name in CLAIM_FIELDS]


def _article(article_id: str, by_article: Mapping[str, Mapping[str, Any]] | None) -> dict[str, str]:
    """Return how a source is listed: ``label``, and ``href`` or ``where``."""
    if by_article is None:
        return {"label": article_id}
    article = by_article.get(article_id)
    if article is None:
        return {"label": f"{article_id} (article not in the store)"}
    text = _popup.text_of
    head = ", ".join(
        part for part in (text(article.get(k)) for k in ("outlet", "published")) if part
    )
    title = text(article.get("title")) or article_id
    entry = {"label": f"{head}: {title}" if head else title}
    url = text(article.get("url")).strip()
    if url.lower().startswith(("http://", "https://")):
        entry["href"] = url
    else:
        where = url or text(article.get("path"))
        if where:
            entry["where"] = where
    return entry


# -- districts ------------------------------------------------------------------


def districts_to_show(districts: gpd.GeoDataFrame, incidents: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the districts of the incidents' provinces (all when none match), sorted."""
    provinces = {_popup.text_of(v) for v in incidents["admin1"]} - {""}
    shown = districts
    if provinces:
        shown = districts[districts["admin1"].isin(provinces)]
        if shown.empty:
            logger.warning(
                "no district lies in the incidents' provinces %s; showing all districts",
                sorted(provinces),
            )
            shown = districts
    # Leaflet cannot draw a feature without a geometry.
    shown = shown[shown.geometry.notna() & ~shown.geometry.is_empty]
    return shown.sort_values(["admin1", "admin2"], kind="stable")


def simplified(geometry: gpd.GeoSeries, tolerance: float, decimals: int) -> list[Any]:
    """Simplify (keeping topology) and round coordinates, to keep the page small."""
    simple = geometry.simplify(tolerance, preserve_topology=True)
    return list(shapely.transform(simple.to_numpy(), lambda xy: np.round(xy, decimals)))


def district_choropleth(
    shown: gpd.GeoDataFrame,
    incidents: pd.DataFrame,
    *,
    tolerance: float,
    decimals: int,
) -> Choropleth:
    """Sum ``fatalities_best`` per district, class the sums, outline the provinces.

    Incidents are matched to districts by their ``admin2`` (and ``admin1``
    when set), the names the district join gave them.  A missing toll counts
    as 0 in the sum; a district with no incident is left unshaded.
    """
    tolls = _district_tolls(incidents)
    killed, counts = [], []
    for admin1, admin2 in zip(shown["admin1"], shown["admin2"], strict=True):
        key1, key2 = _popup.text_of(admin1), _popup.text_of(admin2)
        found = tolls.get((key1, key2)) or tolls.get(("", key2))
        killed.append(found[0] if found else None)
        counts.append(found[1] if found else 0)
    classes = class_breaks([k for k in killed if k is not None])
    features = []
    geometries = simplified(shown.geometry, tolerance, decimals)
    rows = zip(shown["admin2"], shown["admin1"], killed, counts, geometries, strict=True)
    for name, admin1, toll, n, geometry in rows:
        label = _popup.text_of(name) or "Unnamed district"
        if toll is None:
            tip = f"{label} — no incident mapped"
        else:
            tip = f"{label} — {toll} killed ({n} incident{'' if n == 1 else 's'})"
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": _popup.text_of(name),
                    "admin1": _popup.text_of(admin1),
                    "killed": toll,
                    "incidents": n,
                    "fill": None if toll is None else _class_colour(toll, classes),
                    "tip": tip,
                },
                "geometry": shapely.geometry.mapping(geometry),
            }
        )
    outline = province_outlines(shown, shown["admin1"], tolerance=tolerance, decimals=decimals)
    return Choropleth({"type": "FeatureCollection", "features": features}, classes, outline)


def _district_tolls(incidents: pd.DataFrame) -> dict[tuple[str, str], tuple[int, int]]:
    """Return ``(killed, n_incidents)`` per ``(admin1, admin2)``, and per ``("", admin2)``."""
    sums: Counter[tuple[str, str]] = Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for admin1, admin2, best in zip(
        incidents["admin1"], incidents["admin2"], incidents["fatalities_best"], strict=True
    ):
        key2 = _popup.text_of(admin2)
        if not key2:
            continue
        value = _popup.int_or_none(best) or 0
        for key in {(_popup.text_of(admin1), key2), ("", key2)}:
            sums[key] += value
            counts[key] += 1
    return {key: (sums[key], counts[key]) for key in counts}


def class_breaks(values: Sequence[int]) -> tuple[tuple[int, int, str], ...]:
    """Class the district tolls: ``(low, high, colour)`` per class, lowest first.

    With at most :data:`MAX_CLASSES` distinct values each value is its own
    class; with more, ``mapclassify.FisherJenks`` (deterministic, unlike
    ``NaturalBreaks``) finds :data:`MAX_CLASSES` classes.
    """
    distinct = sorted(set(int(v) for v in values))
    if not distinct:
        return ()
    if len(distinct) <= MAX_CLASSES:
        uppers = distinct
    else:
        import mapclassify

        with warnings.catch_warnings():
            # Without numba mapclassify says it is slow: not for a hundred districts.
            warnings.filterwarnings("ignore", message="Numba not installed")
            found = mapclassify.FisherJenks(np.asarray(distinct, dtype=float), k=MAX_CLASSES)
        uppers = sorted({int(math.floor(b)) for b in found.bins})
    colours = _spread(len(uppers))
    classes, low = [], distinct[0]
    for upper, colour in zip(uppers, colours, strict=True):
        classes.append((low, upper, colour))
        low = upper + 1
    return tuple(classes)


def _spread(n: int) -> list[str]:
    """Pick ``n`` colours from :data:`CLASS_COLOURS`, light to dark, ends included."""
    if n == 1:
        return [CLASS_COLOURS[2]]
    last = len(CLASS_COLOURS) - 1
    return [CLASS_COLOURS[round(i * last / (n - 1))] for i in range(n)]


def _class_colour(value: int, classes: Iterable[tuple[int, int, str]]) -> str:
    colour = ""
    for _low, high, colour in classes:
        if value <= high:
            return colour
    return colour


def province_outlines(
    districts: gpd.GeoDataFrame, provinces: Iterable[str], *, tolerance: float, decimals: int
) -> dict[str, Any]:
    """Dissolve the districts of each province into its outline (a FeatureCollection)."""
    features = []
    for province in sorted(set(provinces)):
        outline = province_outline(districts, province)
        (geometry,) = simplified(outline.geometry, tolerance, decimals)
        features.append(
            {
                "type": "Feature",
                "properties": {"name": province},
                "geometry": shapely.geometry.mapping(geometry),
            }
        )
    return {"type": "FeatureCollection", "features": features}


# -- timeline -----------------------------------------------------------------


def timeline_counts(incidents: pd.DataFrame) -> tuple[list[tuple[dt.date, int]], int]:
    """Count incidents per ``event_date``; return ``([(day, n), ...], n_undated)``.

    A date is read from the first ten characters (``YYYY-MM-DD``); anything
    else counts as undated.
    """
    days: Counter[dt.date] = Counter()
    undated = 0
    for value in incidents["event_date"]:
        day = _day(value)
        if day is None:
            undated += 1
        else:
            days[day] += 1
    return sorted(days.items()), undated


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _popup.text_of(value).strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
