"""Records -> the export tables of DESIGN.md, with districts joined.

The tables' columns come from :mod:`geo.schema`; :mod:`geo.model` then
aggregates them into the model every output reads.

``incident_frame`` is where an incident gets its district: from the
boundary polygons when they are available (point in polygon), else from the
gazetteer's table, and the ``notes`` column says which.  Pure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

from geo.districts import join_districts
from geo.incidents import reconcile
from geo.records import ROLES, Article, Claim, Incident
from geo.schema import AREA_COLUMNS, INCIDENT_COLUMNS

_COUNT_COLUMNS = (
    "killed_civilians", "killed_security", "killed_militants", "killed_unspecified",
    "fatalities_low", "fatalities_best", "fatalities_high", "injured", "abducted",
    "freed_prisoners",
)  # fmt: skip
_KILLED_COLUMN = {
    "civilian": "killed_civilians",
    "security": "killed_security",
    "militant": "killed_militants",
    "unspecified": "killed_unspecified",
}
_OTHER_COLUMN = {"injured": "injured", "abducted": "abducted", "freed": "freed_prisoners"}


def incident_frame(
    incidents: Sequence[Incident],
    claims: Sequence[Claim],
    articles: Sequence[Article],
    *,
    districts: gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    """Return the ``incidents.csv`` table as a GeoDataFrame of points (EPSG:4326)."""
    published = {a.article_id: a.published for a in articles}
    by_incident: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        if claim.incident_id:
            by_incident[claim.incident_id].append(claim)
    rows = [_row(i, by_incident[i.incident_id], published) for i in incidents]
    frame = pd.DataFrame(rows, columns=[*INCIDENT_COLUMNS])
    for column in (*_COUNT_COLUMNS, "geo_precision", "n_sources"):
        frame[column] = frame[column].astype("Int64")
    points = gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    )
    return _with_districts(points, districts)


def incident_table(rows: Sequence[dict]) -> gpd.GeoDataFrame:
    """The ``incidents.csv`` table of rows :func:`incident_frame` made earlier (as dicts).

    Counts missing as ``None`` are ``<NA>`` again; the points come from the
    coordinates.
    """
    frame = pd.DataFrame(list(rows), columns=[*INCIDENT_COLUMNS])
    for column in (*_COUNT_COLUMNS, "geo_precision", "n_sources"):
        frame[column] = frame[column].astype("Int64")
    return gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    )


def _row(incident: Incident, claims: list[Claim], published: dict) -> dict:
    place = incident.place
    estimates = reconcile(claims, published=published)
    row = {
        "incident_id": incident.incident_id,
        "event_date": incident.event_date.isoformat() if incident.event_date else "",
        "date_precision": incident.date_precision,
        "place": place.name,
        "admin1": place.admin1,
        "admin2": place.admin2,
        "admin3": "",
        "latitude": round(place.latitude, 6),
        "longitude": round(place.longitude, 6),
        "geo_precision": place.precision,
        "geo_source": place.source,
        "attack_types": ";".join(incident.attack_types),
        "primary_type": incident.primary_type,
        "target": "; ".join(incident.targets),
        "n_sources": len(incident.article_ids),
        "sources": ";".join(incident.article_ids),
        "notes": "; ".join(incident.notes),
    }
    row.update(dict.fromkeys(_COUNT_COLUMNS, pd.NA))
    killed = [estimates[("killed", r)] for r in ROLES if ("killed", r) in estimates]
    for role, column in _KILLED_COLUMN.items():
        if ("killed", role) in estimates:
            row[column] = estimates[("killed", role)].best
    if killed:
        row["fatalities_low"] = sum(e.low for e in killed)
        row["fatalities_best"] = sum(e.best for e in killed)
        row["fatalities_high"] = sum(e.high for e in killed)
    for figure, column in _OTHER_COLUMN.items():
        values = [e.best for (f, _), e in estimates.items() if f == figure]
        if values:
            row[column] = sum(values)
    return row


def _with_districts(
    points: gpd.GeoDataFrame, districts: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    """Fill admin1/admin2 from the polygons, keeping the gazetteer's as the fallback."""
    if districts is None or points.empty:
        if not points.empty:
            points["notes"] = points["notes"].map(
                lambda n: _join_note(n, "district from the gazetteer table (no boundary polygons)")
            )
        return points
    joined = join_districts(points.drop(columns=["admin1", "admin2"]), districts)
    how = joined.pop("district_join")
    joined.pop("district_km") if "district_km" in joined else None
    fallback = how == "none"
    joined["admin2"] = joined["admin2"].where(~fallback, points["admin2"])
    joined["admin1"] = joined["admin1"].where(~fallback, points["admin1"])
    joined["notes"] = [
        _join_note(note, "district from the gazetteer table (point outside every polygon)")
        if h == "none"
        else note
        for note, h in zip(joined["notes"], how, strict=True)
    ]
    return gpd.GeoDataFrame(joined[[*INCIDENT_COLUMNS, "geometry"]], crs=points.crs)


def _join_note(note: str, extra: str) -> str:
    return f"{note}; {extra}" if note else extra


def area_frame(claims: Sequence[Claim], articles: Sequence[Article]) -> pd.DataFrame:
    """Return the ``areas.csv`` table: area-wide figures per (area, figure, role).

    ``low``/``best``/``high`` are reconciled as for an incident (best = the
    latest article's figure); parties' claims are listed apart in
    ``party_claims`` ("280 (BLA)"), never folded in.
    """
    published = {a.article_id: a.published for a in articles}
    groups: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for claim in claims:
        if claim.scope == "area":
            groups[(claim.area, claim.figure, claim.role)].append(claim)
    rows = []
    for (area, figure, role), group in sorted(groups.items()):
        estimate = reconcile(group, published=published).get((figure, role))
        party = sorted(
            {f"{c.value_low} ({c.claimant})" for c in group if c.claimant_kind == "party"}
        )
        rows.append(
            {
                "area": area,
                "figure": figure,
                "role": role,
                "low": estimate.low if estimate else pd.NA,
                "best": estimate.best if estimate else pd.NA,
                "high": estimate.high if estimate else pd.NA,
                "n_claims": len(group),
                "n_articles": len({c.article_id for c in group}),
                "party_claims": "; ".join(party),
                "sources": ";".join(sorted({c.article_id for c in group})),
            }
        )
    frame = pd.DataFrame(rows, columns=list(AREA_COLUMNS))
    for column in ("low", "best", "high", "n_claims", "n_articles"):
        frame[column] = frame[column].astype("Int64")
    return frame


def articles_frame(articles: Sequence[Article]) -> pd.DataFrame:
    """Return the article table the map links to (built column by column: no dict per article)."""
    return pd.DataFrame(
        {
            "article_id": [a.article_id for a in articles],
            "path": [a.path for a in articles],
            "outlet": [a.outlet for a in articles],
            "url": [a.url for a in articles],
            "published": [
                a.published.isoformat() if isinstance(a.published, dt.date) else ""
                for a in articles
            ],
            "title": [a.title for a in articles],
        },
        columns=["article_id", "path", "outlet", "url", "published", "title"],
        dtype=object,
    )
