"""Answers for ``incidentmap places``: look a name up, list names that did not resolve.

Pure: the gazetteer, the district polygons and stored rows in; table rows
out.  The command line prints them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd

from geo.districts import join_districts
from geo.gazetteer import Gazetteer
from geo.records import Place, UnresolvedName


@dataclass(frozen=True)
class Candidate:
    """One place a name may denote, with the district of the boundary layer in use."""

    place: Place
    district: str
    district_source: str
    rank: int


def lookup(
    gazetteer: Gazetteer, name: str, *, districts: gpd.GeoDataFrame | None
) -> list[Candidate]:
    """Every place ``name`` may denote, best first, with its district.

    With polygons the district is the unit that contains the point (as the
    map uses it); without, the gazetteer's own table.
    """
    places = gazetteer.lookup(name)
    if not places:
        return []
    found = {p.place_id: (p.admin2, "gazetteer table") for p in places}
    if districts is not None:
        points = gpd.GeoDataFrame(
            {"place_id": [p.place_id for p in places]},
            geometry=gpd.points_from_xy(
                [p.longitude for p in places], [p.latitude for p in places]
            ),
            crs="EPSG:4326",
        )
        joined = join_districts(points, districts)
        for pid, admin2, how in zip(
            joined["place_id"], joined["admin2"], joined["district_join"], strict=True
        ):
            if how != "none" and isinstance(admin2, str):
                found[pid] = (admin2, "boundary polygon" if how == "within" else "nearest polygon")
    return [
        Candidate(p, found[p.place_id][0], found[p.place_id][1], rank)
        for rank, p in enumerate(places, start=1)
    ]


def lookup_lines(candidates: Sequence[Candidate], *, why: str = "") -> list[str]:
    """Format lookup candidates as text lines; ``why`` says how the first was chosen."""
    lines = [f"chosen: {why}"] if why else []
    for c in candidates:
        p = c.place
        region = "" if p.in_region else "  (outside the region)"
        lines.append(
            f"{c.rank}. {p.name} [{p.kind}] {p.latitude:.4f}, {p.longitude:.4f}  "
            f"district: {c.district or '?'} ({c.district_source}), {p.admin1 or p.country}  "
            f"precision {p.precision}  source: {p.source}{region}"
        )
    return lines


def unresolved_lines(names: Iterable[UnresolvedName], *, examples: int = 2) -> list[str]:
    """Group unresolved names, most frequent first, with example sentences."""
    groups: dict[str, list[UnresolvedName]] = defaultdict(list)
    for name in names:
        groups[name.surface].append(name)
    lines = []
    for surface, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        articles = len({i.article_id for i in items})
        lines.append(f"{surface}  ({len(items)} mentions in {articles} articles)")
        for item in items[:examples]:
            lines.append(f"    {item.article_id}: {item.sentence}")
    return lines
