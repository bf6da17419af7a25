"""Incidents: reports of one event merged across articles, figures reconciled.

Merging.  Reports at the same place whose dates lie within a day of each
other (ranges count by their nearest end) are one incident.  An undated
report joins the place's only dated incident; a district-level report ("in
Mastung district") joins the one town incident of that district; a
neighbourhood coded to its town joins the town's incident.

Reconciling.  For each (figure, role) of an incident, every article's
highest figure is its running total; across articles ``low`` is the lowest,
``high`` the highest, and ``best`` the figure of the most recently published
article (tolls rise as counts come in), ties going to the higher figure.
Claims by a party to the fight are kept beside these, never folded in.
Pure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from geo.records import Claim, Incident, Place, Report

#: Reports this many days apart at one place are still one incident.
MERGE_DAYS = 1
_NO_DATE = dt.date.min


@dataclass(frozen=True)
class Estimate:
    """A reconciled figure: lowest, best and highest credible values."""

    low: int
    best: int
    high: int


def merge_reports(reports: Iterable[Report]) -> list[Incident]:
    """Merge per-article reports into incidents (see the module docstring).

    Candidate clusters are looked up by place and by day (:class:`_Clusters`),
    so the cost grows with the number of reports, not with reports times
    incidents; the result is the one the plain pairwise rule gives.
    """
    reports = sorted(reports, key=_report_order)
    clusters = _Clusters()
    for report in reports:
        if report.event_date is None or report.place.kind != "town":
            continue
        clusters.add(report)
    # Towns first, districts last: an undated "Kech district" report joins the
    # undated Turbat incident the same article reports, whatever their order.
    for report in sorted(reports, key=lambda r: r.place.kind == "district"):
        if report.event_date is not None and report.place.kind == "town":
            continue
        target = clusters.host(report)
        if target is not None:
            clusters.append(target, report)
        else:
            clusters.add(report)
    return sorted((_incident(c) for c in clusters.members), key=lambda i: i.incident_id)


def _report_order(report: Report) -> tuple:
    return (report.place.place_id, report.event_date or _NO_DATE, report.article_id)


#: A dated report is indexed under every day it spans; a range longer than
#: this (a misread date, not news) is kept aside and checked against every
#: report of its place instead.
_MAX_INDEXED_DAYS = 62


class _Clusters:
    """Clusters of reports, indexed by the place of their first report and by day.

    A cluster is known by its first report (as the pairwise rule reads
    ``cluster[0]``): its place id, and for a town also its district and its
    point, which is how district and neighbourhood reports find a host.
    Every dated member registers the cluster under (key, day) for each day
    it spans, so "which clusters of this key lie within a day of this
    report" reads a few dictionary entries.  Clusters are numbered in order
    of creation, and every choice takes the lowest number, as the pairwise
    rule takes the first.
    """

    def __init__(self) -> None:
        self.members: list[list[Report]] = []
        self._by_key: dict[tuple, list[int]] = defaultdict(list)
        self._by_day: dict[tuple, list[int]] = defaultdict(list)
        self._wide: dict[tuple, list[int]] = defaultdict(list)
        self._undated: dict[str, list[int]] = defaultdict(list)

    def add(self, report: Report) -> None:
        """Put a report in the first cluster of its place and time, or in a new one."""
        place = report.place
        if report.event_date is None:
            found = self._undated.get(place.place_id, [])
        else:
            found = self._near(("place", place.place_id), report)
        if found:
            self.append(found[0], report)
            return
        number = len(self.members)
        self.members.append([])
        for key in self._keys(place):
            self._by_key[key].append(number)
        if report.event_date is None:
            self._undated[place.place_id].append(number)
        self.append(number, report)

    def append(self, number: int, report: Report) -> None:
        """Add a report to cluster ``number`` and index the days it spans."""
        self.members[number].append(report)
        if report.event_date is None:
            return
        start, end = sorted((report.event_date, _end(report) or report.event_date))
        first = self.members[number][0].place
        for key in self._keys(first):
            if (end - start).days > _MAX_INDEXED_DAYS:
                _add_once(self._wide[key], number)
                continue
            for offset in range((end - start).days + 1):
                _add_once(self._by_day[(key, start + dt.timedelta(days=offset))], number)

    def host(self, report: Report) -> int | None:
        """The one dated town cluster an undated, district or locality report belongs to."""
        place = report.place
        if place.kind == "town":
            key: tuple = ("place", place.place_id)
        elif place.kind == "district":
            key = _district_key(place)
        else:  # a neighbourhood, coded to its town's point
            key = _point_key(place)
        dated = report.event_date is not None
        hosts = self._near(key, report) if dated else self._by_key.get(key, [])
        return hosts[0] if len(hosts) == 1 else None

    def _near(self, key: tuple, report: Report) -> list[int]:
        """Clusters under ``key`` with a dated report within a day of ``report``, in order."""
        assert report.event_date is not None
        start, end = sorted((report.event_date, _end(report) or report.event_date))
        window = (end - start).days + 2 * MERGE_DAYS + 1
        first = start - dt.timedelta(days=MERGE_DAYS)
        seen = set(self._wide.get(key, ()))
        for offset in range(window):
            seen.update(self._by_day.get((key, first + dt.timedelta(days=offset)), ()))
        return [n for n in sorted(seen) if _near_in_time(self.members[n], report)]

    @staticmethod
    def _keys(place: Place) -> list[tuple]:
        keys: list[tuple] = [("place", place.place_id)]
        if place.kind == "town":
            keys += [_district_key(place), _point_key(place)]
        return keys


def _district_key(place: Place) -> tuple:
    return ("district", place.admin2)


def _point_key(place: Place) -> tuple:
    return ("point", place.latitude, place.longitude)


def merge_links(place: Place) -> list[str]:
    """Every key through which a report at ``place`` can meet another in :func:`merge_reports`.

    A report is filed under, and looks for clusters under, its place; a town
    also under its district and point, a district report under its
    district, a neighbourhood under its point.  Reports whose places share
    no key, even through others, never meet: they merge apart
    (:mod:`geo._merged` re-merges only the groups a build touches).
    """
    keys = [("place", place.place_id)]
    if place.kind in ("town", "district"):
        keys.append(_district_key(place))
    if place.kind != "district":
        keys.append(_point_key(place))
    return sorted({"|".join(str(part) for part in key) for key in keys})


def _add_once(numbers: list[int], number: int) -> None:
    if not numbers or numbers[-1] != number:
        numbers.append(number)


def _near_in_time(cluster: list[Report], report: Report) -> bool:
    if report.event_date is None:
        return all(r.event_date is None for r in cluster)
    dated = [r for r in cluster if r.event_date is not None]
    return bool(dated) and any(_days_apart(r, report) <= MERGE_DAYS for r in dated)


def _days_apart(a: Report, b: Report) -> int:
    a0, a1 = a.event_date, _end(a)
    b0, b1 = b.event_date, _end(b)
    assert a0 and a1 and b0 and b1
    if a1 < b0:
        return (b0 - a1).days
    if b1 < a0:
        return (a0 - b1).days
    return 0


def _end(report: Report) -> dt.date | None:
    """A range report ("29 and 30 January") ends on its last day."""
    return report.date_end or report.event_date


def incident_id(place: Place, date: dt.date | None) -> str:
    """A stable id from the place and the date: re-runs keep their ids."""
    key = f"{place.place_id}|{date.isoformat() if date else 'undated'}"
    return "I" + hashlib.sha1(key.encode()).hexdigest()[:10]


def _incident(cluster: list[Report]) -> Incident:
    towns = [r for r in cluster if r.place.kind == "town"] or cluster
    place = towns[0].place
    # A date stated for the day outweighs one read off a range ("29 and 30 January").
    exact = [r for r in cluster if r.event_date is not None and r.date_end is None]
    dates = Counter(r.event_date for r in exact or cluster if r.event_date is not None)
    date = min(dates, key=lambda d: (-dates[d], d)) if dates else None
    precision = "unknown" if date is None else ("day" if exact else "range")
    types = {t for r in cluster for t in r.attack_types}
    if len(types) > 1:
        types.discard("other")
    notes = []
    if len(dates) > 1:
        notes.append(
            "sources differ on the date: " + ", ".join(d.isoformat() for d in sorted(dates))
        )
    if any(r.place.kind == "district" for r in cluster) and place.kind != "district":
        notes.append("some sources name only the district")
    return Incident(
        incident_id=incident_id(place, date),
        place=place,
        event_date=date,
        date_precision=precision,  # type: ignore[arg-type]
        attack_types=tuple(sorted(types)),
        targets=tuple(dict.fromkeys(t for r in cluster for t in r.targets)),
        article_ids=tuple(sorted({r.article_id for r in cluster})),
        claim_ids=tuple(dict.fromkeys(c for r in cluster for c in r.claim_ids)),
        notes=tuple(notes),
    )


class Counted(Protocol):
    """What :func:`reconcile` reads of a claim (a :class:`Claim`, or a lighter row)."""

    @property
    def article_id(self) -> str: ...  # noqa: D102
    @property
    def figure(self) -> str: ...  # noqa: D102
    @property
    def role(self) -> str: ...  # noqa: D102
    @property
    def value_low(self) -> int: ...  # noqa: D102
    @property
    def value_high(self) -> int: ...  # noqa: D102
    @property
    def claimant_kind(self) -> str: ...  # noqa: D102


def reconcile(
    claims: Sequence[Counted], *, published: Mapping[str, dt.date | None]
) -> dict[tuple[str, str], Estimate]:
    """Reconcile the non-party claims of one incident per (figure, role).

    ``published`` maps article ids to publication dates (None sorts oldest).
    """
    per_article: dict[tuple[str, str], dict[str, tuple[int, int]]] = defaultdict(dict)
    for claim in claims:
        if claim.claimant_kind == "party":
            continue
        key: tuple[str, str] = (claim.figure, claim.role)
        low, high = per_article[key].get(claim.article_id, (0, 0))
        per_article[key][claim.article_id] = (
            max(low, claim.value_low),
            max(high, claim.value_high),
        )
    estimates: dict[tuple[str, str], Estimate] = {}
    for key, by_article in per_article.items():
        latest = max(by_article, key=lambda a: (published.get(a) or _NO_DATE, by_article[a]))
        estimates[key] = Estimate(
            low=min(v[0] for v in by_article.values()),
            best=by_article[latest][0],
            high=max(v[1] for v in by_article.values()),
        )
    return estimates


def assign_incidents(claims: Iterable[Claim], incidents: Iterable[Incident]) -> list[Claim]:
    """Return the claims with ``incident_id`` set from the incidents that hold them."""
    owner = {cid: inc.incident_id for inc in incidents for cid in inc.claim_ids}
    return [replace(c, incident_id=owner.get(c.claim_id, "")) for c in claims]
