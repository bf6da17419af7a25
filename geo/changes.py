"""What a build changed: incidents added or retracted, figures revised, and by which article.

Users re-run after new articles arrive and need to see what moved: a new
marker at Tump, the civilian toll at Quetta revised from 2 to 5 by a later
report, the wave-wide count of civilians killed now 18, 31 or 36 depending on
the source.  :func:`describe_changes` compares the incident table and the
area-wide claims before and after a build.  Pure: rows in, a JSON-ready
dict out (no timestamps, so the same change always reads the same).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: Incident columns whose change is reported as a revised figure.
FIGURE_COLUMNS = (
    "killed_civilians",
    "killed_security",
    "killed_militants",
    "killed_unspecified",
    "fatalities_best",
    "injured",
    "abducted",
    "freed_prisoners",
)

Row = Mapping[str, Any]


def describe_changes(
    *,
    old_incidents: Sequence[Row],
    new_incidents: Sequence[Row],
    old_claims: Iterable[Row],
    new_claims: Iterable[Row],
    new_articles: Sequence[str],
    replaced_articles: Sequence[str] = (),
    pruned_articles: Sequence[str] = (),
) -> dict[str, Any]:
    """Compare two builds.

    Incidents are matched by id, then (an id follows the date, which a new
    source can move) by place and a date within a day.  ``new_articles``
    are the ids read by this build; they are what "moved" a figure.
    """
    moved_by = set(new_articles)
    old_claims, new_claims = list(old_claims), list(new_claims)
    old_by_id = {r["incident_id"]: r for r in old_incidents}
    matches, added = _match(old_by_id, new_incidents)
    kept = {old_id for old_id, _ in matches.values()}
    retracted = [r for i, r in old_by_id.items() if i not in kept]
    revised = []
    for new_id, (old_id, new_row) in sorted(matches.items()):
        old_row = old_by_id[old_id]
        movers = [a for a in _sources(new_row) if a in moved_by]
        for column in FIGURE_COLUMNS:
            before, after = _value(old_row.get(column)), _value(new_row.get(column))
            if before != after:
                revised.append(
                    {
                        "incident_id": new_id,
                        "place": new_row["place"],
                        "figure": column,
                        "old": before,
                        "new": after,
                        "articles": movers,
                    }  # fmt: skip
                )
    return {
        "articles": {
            "new": sorted(new_articles),
            "replaced": sorted(replaced_articles),
            "pruned": sorted(pruned_articles),
        },
        "incidents_added": [_summary(r, moved_by) for r in added],
        "incidents_retracted": [_summary(r, set()) for r in retracted],
        "figures_revised": revised,
        "area_figures_revised": _area_changes(old_claims, new_claims, moved_by),
    }


def has_changes(changes: Mapping[str, Any]) -> bool:
    """True when the build read, replaced or retracted anything."""
    return any(changes["articles"].values()) or any(
        changes[k]
        for k in (
            "incidents_added",
            "incidents_retracted",
            "figures_revised",
            "area_figures_revised",
        )
    )


def summary_lines(changes: Mapping[str, Any], *, limit: int = 12) -> list[str]:
    """A short human summary of a change set, for the command line."""
    lines = [
        f"changes: {len(changes['incidents_added'])} incidents added, "
        f"{len(changes['figures_revised'])} figures revised, "
        f"{len(changes['area_figures_revised'])} area figures revised, "
        f"{len(changes['incidents_retracted'])} incidents retracted"
    ]
    for item in changes["incidents_added"][:limit]:
        lines.append(
            f"  + {item['place']} {item['event_date'] or 'undated'} ({item['attack_types']})"
        )
    for item in changes["incidents_retracted"][:limit]:
        lines.append(f"  - {item['place']} {item['event_date'] or 'undated'}")
    for item in changes["figures_revised"][:limit]:
        lines.append(
            f"  ~ {item['place']} {item['figure']}: {_show(item['old'])} -> {_show(item['new'])}"
            + (f" (by {', '.join(item['articles'])})" if item["articles"] else "")
        )
    for item in changes["area_figures_revised"][:limit]:
        lines.append(
            f"  ~ area {item['figure']} {item['role']}: {_values(item['old'])} -> "
            f"{_values(item['new'])}"
            + (
                f" (by {', '.join(sorted({m['article_id'] for m in item['moved_by']}))})"
                if item["moved_by"]
                else ""
            )  # fmt: skip
        )
    return lines


def _match(
    old_by_id: Mapping[str, Row], new_incidents: Sequence[Row]
) -> tuple[dict[str, tuple[str, Row]], list[Row]]:
    """Pair new incidents with old ones: same id, else the same place within a day.

    A new incident whose id is unknown takes the first unused old incident
    (by id) at its place within a day.  The old incidents are indexed by
    (place, date), so each look-up reads three entries: linear in incidents.
    """
    matches: dict[str, tuple[str, Row]] = {}
    added = []
    new_sorted = sorted(new_incidents, key=lambda r: r["incident_id"])
    for row in new_sorted:
        if row["incident_id"] in old_by_id:
            matches[row["incident_id"]] = (row["incident_id"], row)
    used = set(matches)
    by_place_day: dict[tuple[Any, dt.date | None], list[str]] = defaultdict(list)
    for old_id in sorted(old_by_id):
        if old_id not in used:
            old = old_by_id[old_id]
            by_place_day[(old["place"], _day(old))].append(old_id)
    for row in new_sorted:
        if row["incident_id"] in matches:
            continue
        twin = _first_unused(by_place_day, row, used)
        if twin is None:
            added.append(row)
        else:
            matches[row["incident_id"]] = (twin, row)
            used.add(twin)
    return matches, added


def _first_unused(
    by_place_day: Mapping[tuple[Any, dt.date | None], list[str]], row: Row, used: set[str]
) -> str | None:
    """The lowest unused old id at the row's place within a day of its date (undated: undated)."""
    day = _day(row)
    days = [None] if day is None else [day + dt.timedelta(days=d) for d in (-1, 0, 1)]
    candidates = (
        old_id
        for d in days
        for old_id in by_place_day.get((row["place"], d), ())
        if old_id not in used
    )
    return min(candidates, default=None)


def _day(row: Row) -> dt.date | None:
    text = row.get("event_date") or ""
    return dt.date.fromisoformat(text) if text else None


def _sources(row: Row) -> list[str]:
    return [s for s in str(row.get("sources") or "").split(";") if s]


def _summary(row: Row, moved_by: set[str]) -> dict[str, Any]:
    return {
        "incident_id": row["incident_id"],
        "place": row["place"],
        "admin2": row.get("admin2") or "",
        "event_date": row.get("event_date") or "",
        "attack_types": row.get("attack_types") or "",
        "articles": [a for a in _sources(row) if a in moved_by] or _sources(row),
    }


def _value(value: Any) -> int | None:
    """A figure cell as an int, or None for "not reported" (NA, empty, NaN)."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else int(number)  # NaN is not a figure


def _area_changes(
    old_claims: Sequence[Row], new_claims: Sequence[Row], moved_by: set[str]
) -> list[dict[str, Any]]:
    old = _area_values(old_claims)
    new = _area_values(new_claims)
    movers: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for claim in new_claims:
        if claim["scope"] == "area" and claim["article_id"] in moved_by:
            movers[(claim["figure"], claim["role"])].append(
                {
                    "article_id": claim["article_id"],
                    "value": int(claim["value_low"]),
                    "claimant": claim["claimant"],
                    "claimant_kind": claim["claimant_kind"],
                }
            )
    out: list[dict[str, Any]] = []
    for key in sorted(set(old) | set(new)):
        if old.get(key, []) != new.get(key, []):
            out.append(
                {
                    "figure": key[0],
                    "role": key[1],
                    "old": old.get(key, []),
                    "new": new.get(key, []),
                    "moved_by": sorted(movers[key], key=_by_content),
                }
            )
    return out


def _by_content(mover: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((k, str(v)) for k, v in mover.items())


def _area_values(claims: Iterable[Row]) -> dict[tuple[str, str], list[int]]:
    values: dict[tuple[str, str], set[int]] = defaultdict(set)
    for claim in claims:
        if claim["scope"] == "area":
            values[(claim["figure"], claim["role"])].add(int(claim["value_low"]))
    return {k: sorted(v) for k, v in values.items()}


def _show(value: int | None) -> str:
    return "none" if value is None else str(value)


def _values(values: list[int]) -> str:
    return " / ".join(map(str, values)) or "none"
