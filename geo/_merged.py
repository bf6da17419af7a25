"""Incidents merged group by group, and only the groups a build touches.

:func:`geo.incidents.merge_reports` joins a report only to clusters filed
under its own place's keys (:func:`geo.incidents.merge_links`): its place,
a town's district and point, a district, a neighbourhood's point.  Places
that share no key, even through other places, form separate groups whose
reports never meet, so the merge of the whole store is the union of the
merges of its groups, and the incidents of a group depend only on the
articles that report in it.

The store keeps each group's incident rows (``incidents.csv`` as
:func:`geo.tables.incident_frame` made them, districts joined) and which
incident owns each of its claims, with the list of articles they were made
from.  A build works the groups out again from the reports' keys (a small
table, read whole), and merges anew only the groups whose articles are not
the ones recorded: new, replaced or retracted articles, or a group that a
new place has joined to another.  Everything the rows depend on besides
the articles (the code, the data tables, the extractor, the district
polygons) is in the key a build passes (:func:`geo._incremental.outputs_key`):
when it moves, every group is merged again.  The tests hold the result
equal to a merge of the whole store.
"""

from __future__ import annotations

import hashlib
import logging
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geo.incidents import assign_incidents, merge_links, merge_reports
from geo.model import KnownTolls, toll_rows
from geo.store import Store

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

#: Where the store keeps the key its merged groups were made under.
KEY_META = "merged_key"


@dataclass(frozen=True)
class Merged:
    """The whole store's incidents, as one merge of every report would give them.

    ``incidents`` are the rows of ``incidents.csv`` (counts as ints or None),
    sorted by id; ``owners`` maps each claim id an incident holds to that
    incident; ``remerged`` counts the groups this build merged anew, of
    ``groups``.
    """

    incidents: list[dict[str, Any]]
    owners: dict[str, str]
    remerged: int
    groups: int
    tolls: KnownTolls | None = None


def groups(links: Iterable[tuple[str, int, list[str]]]) -> dict[str, list[str]]:
    """Group the reports' keys into the groups that merge apart: group id -> sorted keys.

    A group's id is a hash of its keys, so a group that a new place joins,
    or that two groups become, has a new id.
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for _article, _seq, keys in links:
        first = root(keys[0])
        for key in keys[1:]:
            other = root(key)
            if other != first:
                parent[other] = first
    members: dict[str, list[str]] = defaultdict(list)
    for key in parent:
        members[root(key)].append(key)
    named = {}
    for keys in members.values():
        keys.sort()
        named[hashlib.sha1("\n".join(keys).encode()).hexdigest()[:16]] = keys
    return named


def merged(store: Store, districts: gpd.GeoDataFrame | None, *, key: str) -> Merged:
    """The store's incidents, re-merging only the groups whose articles changed.

    Call inside the build's transaction: the groups merged anew are stored.
    ``key`` names what besides the articles the rows depend on (code, data
    tables, district polygons); a store whose groups were made under
    another key has all of them merged again.
    """
    if store.get_meta(KEY_META) != key:
        store.drop_merged()
        store.set_meta(KEY_META, key)
    links = store.report_links()
    found = groups(links)
    group_of = {k: name for name, keys in found.items() for k in keys}
    articles: dict[str, set[str]] = defaultdict(set)
    for article_id, _seq, keys in links:
        articles[group_of[keys[0]]].add(article_id)
    recorded = store.merged_articles()
    store.drop_merged(g for g in recorded if g not in found)  # joined, or emptied
    dirty = sorted(g for g in found if recorded.get(g) != sorted(articles[g]))
    if dirty:
        _merge_groups(store, districts, dirty, articles, group_of)
    incidents: list[dict[str, Any]] = []
    owners: dict[str, str] = {}
    bodies = store.merged_bodies()
    for body in bodies:
        incidents.extend(body["incidents"])
        for claim_id, incident_id in body["owners"].items():
            # As assign_incidents over all incidents: the last in id order wins.
            owners[claim_id] = max(incident_id, owners.get(claim_id, ""))
    incidents.sort(key=lambda row: row["incident_id"])
    logger.debug("merged %d of %d groups of places anew", len(dirty), len(found))
    return Merged(incidents, owners, len(dirty), len(found), _known_tolls(bodies, owners))


def _known_tolls(bodies: list[dict[str, Any]], owners: dict[str, str]) -> KnownTolls:
    """The tolls the groups reconciled, where they are those of the whole store.

    A group counted its incidents' claims as it owned them.  Its tolls hold
    unless another group also lists one of its claims (the whole store's
    owner may then be that group's incident): then they are reconciled
    again from the claims, as are a body's without tolls.
    """
    covered: set[str] = set()
    rows: list[tuple[Any, ...]] = []
    for body in bodies:
        if "tolls" not in body:
            continue
        mine = body["owners"]
        if any(map(operator.ne, map(owners.__getitem__, mine), mine.values())):
            continue  # a claim of this group is another's: its incidents are counted again
        covered.update(row["incident_id"] for row in body["incidents"])
        rows.extend(map(tuple, body["tolls"]))
    rows.sort(key=lambda row: row[0])  # stable: each incident's figures stay in order
    return KnownTolls(frozenset(covered), rows)


def _merge_groups(
    store: Store,
    districts: gpd.GeoDataFrame | None,
    dirty: list[str],
    articles: dict[str, set[str]],
    group_of: dict[str, str],
) -> None:
    """Merge the reports of the ``dirty`` groups (at once: they never meet) and store each."""
    from geo.columns import records
    from geo.tables import incident_frame

    wanted = set(dirty)
    ids = sorted({a for g in dirty for a in articles[g]})
    # An article may report in a clean group as well: only its reports here are merged.
    reports = [r for r in store.reports(ids) if group_of[merge_links(r.place)[0]] in wanted]
    incidents = merge_reports(reports)
    claims = assign_incidents(store.claims(articles=ids), incidents)
    frame = incident_frame(incidents, claims, store.article_rows(ids), districts=districts)
    rows = records(frame.drop(columns=frame.geometry.name))
    bodies: dict[str, dict[str, Any]] = {
        g: {"incidents": [], "owners": {}, "tolls": []} for g in dirty
    }
    group_of_incident = {}
    for incident, row in zip(incidents, rows, strict=True):
        group = group_of_incident[incident.incident_id] = group_of[merge_links(incident.place)[0]]
        body = bodies[group]
        body["incidents"].append(row)
        for claim_id in incident.claim_ids:
            body["owners"][claim_id] = incident.incident_id
    # Each incident's tolls, as the model reconciles them (geo.model.toll_rows).
    counted = [
        (c.incident_id, c.scope, c.article_id, c.figure, c.role, c.value_low, c.value_high,
         c.claimant_kind or "unattributed", c.published.isoformat() if c.published else "")
        for c in claims
    ]  # fmt: skip
    for toll in toll_rows(counted):
        bodies[group_of_incident[toll[0]]]["tolls"].append(list(toll))
    for group in dirty:
        store.put_merged(group, sorted(articles[group]), bodies[group])
