"""Tests for geo.incidents: merging reports into incidents, reconciling figures."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.incidents import Estimate, assign_incidents, incident_id, merge_reports, reconcile
from geo.records import Claim, Place, Report

JAN = {day: dt.date(2026, 1, day) for day in range(26, 32)}
FEB = {day: dt.date(2026, 2, day) for day in range(1, 8)}


def _town(pid: str, name: str, admin2: str, lat: float, lon: float) -> Place:
    return Place(pid, name, "town", lat, lon, "PK", "Balochistan", admin2)


QUETTA = _town("gn:1167528", "Quetta", "Quetta", 30.18, 67.0)
MASTUNG = _town("gn:1170706", "Mastung", "Mastung", 29.8, 66.85)
KALAT = _town("gn:1175296", "Kalat", "Kalat", 29.03, 66.59)
MASTUNG_DISTRICT = Place(
    "district:mastung", "Mastung", "district", 29.8, 66.85, "PK", "Balochistan", "Mastung", 0, 3
)
SARYAB = Place(
    "im:saryab-road", "Saryab Road", "locality", 30.18, 67.0, "PK", "Balochistan", "Quetta", 0, 2
)


def _report(
    place: Place,
    date: dt.date | None,
    article: str = "a1",
    *,
    types: tuple[str, ...] = ("armed_assault",),
    claims: tuple[str, ...] = (),
    date_end: dt.date | None = None,
    targets: tuple[str, ...] = (),
) -> Report:
    precision = "unknown" if date is None else ("range" if date_end else "day")
    return Report(
        article_id=article,
        place=place,
        event_date=date,
        date_precision=precision,
        attack_types=types,
        targets=targets,
        claim_ids=claims,
        sentences=((0, 10),),
        date_end=date_end,
    )


# --- merging --------------------------------------------------------------------------


def test_same_place_within_a_day_is_one_incident():
    reports = [
        _report(QUETTA, JAN[31], "a1", types=("bombing",), claims=("C1",), targets=("market",)),
        _report(QUETTA, FEB[1], "a2", types=("armed_assault",), claims=("C2",)),
    ]
    (incident,) = merge_reports(reports)
    assert incident.place == QUETTA
    assert (incident.event_date, incident.date_precision) == (JAN[31], "day")
    assert incident.attack_types == ("armed_assault", "bombing")
    assert incident.primary_type == "bombing"
    assert incident.article_ids == ("a1", "a2")
    assert incident.claim_ids == ("C1", "C2")
    assert incident.targets == ("market",)
    assert incident.notes == ("sources differ on the date: 2026-01-31, 2026-02-01",)
    assert incident.incident_id == incident_id(QUETTA, JAN[31])


def test_same_day_same_place_has_no_date_note():
    (incident,) = merge_reports([_report(QUETTA, JAN[31], "a1"), _report(QUETTA, JAN[31], "a2")])
    assert incident.notes == ()
    assert incident.article_ids == ("a1", "a2")


def test_three_days_apart_are_two_incidents():
    incidents = merge_reports([_report(QUETTA, JAN[31], "a1"), _report(QUETTA, FEB[3], "a2")])
    assert sorted((i.event_date, i.article_ids) for i in incidents) == [
        (JAN[31], ("a1",)),
        (FEB[3], ("a2",)),
    ]


def test_undated_report_joins_the_single_dated_incident():
    reports = [
        _report(KALAT, None, "a2", types=("seizure",), claims=("C9",)),
        _report(KALAT, JAN[31], "a1"),
    ]
    (incident,) = merge_reports(reports)
    assert (incident.event_date, incident.date_precision) == (JAN[31], "day")
    assert incident.article_ids == ("a1", "a2")
    assert incident.attack_types == ("armed_assault", "seizure")
    assert incident.claim_ids == ("C9",)


def test_undated_report_with_two_dated_incidents_stays_apart():
    reports = [
        _report(KALAT, JAN[27], "a1"),
        _report(KALAT, JAN[31], "a2"),
        _report(KALAT, None, "a3"),
    ]
    incidents = merge_reports(reports)
    assert sorted((i.event_date or dt.date.min, i.article_ids) for i in incidents) == [
        (dt.date.min, ("a3",)),
        (JAN[27], ("a1",)),
        (JAN[31], ("a2",)),
    ]
    undated = next(i for i in incidents if i.event_date is None)
    assert undated.date_precision == "unknown"


def test_district_report_joins_the_town_incident_of_that_district():
    reports = [
        _report(MASTUNG, JAN[31], "a1", types=("prison_break",)),
        _report(MASTUNG_DISTRICT, JAN[31], "a2", types=("bombing",)),
    ]
    (incident,) = merge_reports(reports)
    assert incident.place == MASTUNG
    assert incident.article_ids == ("a1", "a2")
    assert incident.attack_types == ("bombing", "prison_break")
    assert incident.notes == ("some sources name only the district",)


def test_district_report_alone_is_a_district_incident():
    (incident,) = merge_reports([_report(MASTUNG_DISTRICT, JAN[31], "a2")])
    assert (incident.place.kind, incident.place.precision) == ("district", 3)
    assert incident.notes == ()


def test_district_report_does_not_join_another_district():
    incidents = merge_reports([_report(QUETTA, JAN[31]), _report(MASTUNG_DISTRICT, JAN[31])])
    assert sorted(i.place.place_id for i in incidents) == ["district:mastung", "gn:1167528"]


def test_locality_joins_its_town_incident():
    (incident,) = merge_reports([_report(QUETTA, JAN[31], "a1"), _report(SARYAB, JAN[31], "a2")])
    assert incident.place == QUETTA
    assert incident.article_ids == ("a1", "a2")


def test_range_report_merges_with_the_next_day():
    reports = [
        _report(QUETTA, JAN[29], "a1", date_end=JAN[30]),
        _report(QUETTA, JAN[31], "a2"),
    ]
    (incident,) = merge_reports(reports)
    # The date stated for the day wins over the one read off the range.
    assert (incident.event_date, incident.date_precision) == (JAN[31], "day")
    assert incident.article_ids == ("a1", "a2")


def test_range_report_alone_keeps_range_precision():
    (incident,) = merge_reports([_report(QUETTA, JAN[29], "a1", date_end=JAN[30])])
    assert (incident.event_date, incident.date_precision) == (JAN[29], "range")


def test_range_report_does_not_reach_three_days():
    incidents = merge_reports(
        [_report(QUETTA, JAN[26], "a1", date_end=JAN[27]), _report(QUETTA, JAN[31], "a2")]
    )
    assert len(incidents) == 2


@pytest.mark.parametrize("date", [JAN[31], None])
def test_different_places_never_merge(date):
    incidents = merge_reports(
        [_report(QUETTA, date, "a1"), _report(MASTUNG, date, "a1"), _report(KALAT, date, "a2")]
    )
    assert sorted(i.place.name for i in incidents) == ["Kalat", "Mastung", "Quetta"]


def test_empty_input():
    assert merge_reports([]) == []


def test_incident_ids_are_stable():
    reports = [
        _report(QUETTA, JAN[31], "a1"),
        _report(MASTUNG, JAN[31], "a2"),
        _report(QUETTA, FEB[4], "a3"),
        _report(KALAT, None, "a4"),
    ]
    forward = merge_reports(reports)
    backward = merge_reports(list(reversed(reports)))
    assert forward == backward
    assert [i.incident_id for i in forward] == sorted(i.incident_id for i in forward)
    # Pinned: a change renames every incident a user has cited.
    assert incident_id(QUETTA, JAN[31]) == "Ide10adfc48"
    assert incident_id(QUETTA, None) == "I61800e354a"
    assert incident_id(MASTUNG, JAN[31]) != incident_id(QUETTA, JAN[31])


# --- reconciling ----------------------------------------------------------------------


def _claim(
    cid: str,
    article: str,
    low: int,
    high: int | None = None,
    *,
    figure: str = "killed",
    role: str = "security",
    kind: str = "official",
) -> Claim:
    return Claim(
        claim_id=cid,
        article_id=article,
        scope="incident",
        place_id=QUETTA.place_id,
        area="Quetta",
        figure=figure,
        role=role,
        value_low=low,
        value_high=low if high is None else high,
        qualifier="",
        claimant="BLA" if kind == "party" else "police",
        claimant_kind=kind,
        event_date=JAN[31],
        sentence="",
        start_char=0,
        end_char=0,
    )


PUBLISHED = {"early": FEB[1], "middle": FEB[2], "late": FEB[3], "party": FEB[4], "nodate": None}


def test_reconcile_low_best_high():
    claims = [
        _claim("C1", "early", 10),
        _claim("C2", "early", 12),  # the article's own later figure: its running total
        _claim("C3", "middle", 20, 25),
        _claim("C4", "late", 15),
        _claim("C5", "party", 280, kind="party"),
    ]
    estimates = reconcile(claims, published=PUBLISHED)
    assert estimates == {("killed", "security"): Estimate(low=12, best=15, high=25)}


def test_reconcile_party_only_figure_is_left_out():
    estimates = reconcile([_claim("C5", "party", 280, kind="party")], published=PUBLISHED)
    assert estimates == {}


def test_reconcile_keeps_figure_and_role_apart():
    claims = [
        _claim("C1", "early", 3, role="civilian"),
        _claim("C2", "late", 4, role="civilian"),
        _claim("C3", "early", 7, role="militant"),
        _claim("C4", "late", 2, figure="injured", role="unspecified"),
    ]
    assert reconcile(claims, published=PUBLISHED) == {
        ("killed", "civilian"): Estimate(3, 4, 4),
        ("killed", "militant"): Estimate(7, 7, 7),
        ("injured", "unspecified"): Estimate(2, 2, 2),
    }


def test_reconcile_undated_article_counts_as_oldest():
    claims = [_claim("C1", "nodate", 30), _claim("C2", "early", 8)]
    assert reconcile(claims, published=PUBLISHED) == {("killed", "security"): Estimate(8, 8, 30)}


def test_reconcile_same_day_tie_goes_to_the_higher_figure():
    claims = [_claim("C1", "x", 5), _claim("C2", "y", 9)]
    estimates = reconcile(claims, published={"x": FEB[2], "y": FEB[2]})
    assert estimates == {("killed", "security"): Estimate(5, 9, 9)}


def test_reconcile_one_article_counts_once():
    claims = [_claim("C1", "early", 4), _claim("C2", "early", 4), _claim("C3", "early", 6)]
    assert reconcile(claims, published=PUBLISHED) == {("killed", "security"): Estimate(6, 6, 6)}


def test_assign_incidents_sets_the_owner():
    claims = [_claim("C1", "early", 4), _claim("C2", "late", 6), _claim("C3", "late", 1)]
    incidents = merge_reports(
        [
            _report(QUETTA, JAN[31], "early", claims=("C1",)),
            _report(QUETTA, JAN[31], "late", claims=("C2",)),
        ]
    )
    owned = assign_incidents(claims, incidents)
    expected = incident_id(QUETTA, JAN[31])
    assert [c.incident_id for c in owned] == [expected, expected, ""]
    assert [c.claim_id for c in owned] == ["C1", "C2", "C3"]


# --- the indexed merge equals the pairwise rule -----------------------------------------

QUETTA_EAST = _town("gn:9", "Quetta East", "Quetta", 30.18, 67.0)  # shares Quetta's point
KALAT_DISTRICT = Place(
    "district:kalat", "Kalat", "district", 29.03, 66.59, "PK", "Balochistan", "Kalat", 0, 3
)
_PLACES = (QUETTA, QUETTA_EAST, MASTUNG, KALAT, MASTUNG_DISTRICT, KALAT_DISTRICT, SARYAB)


def _pairwise_merge(reports):
    """The merge rule as first written: every report against every cluster (quadratic)."""
    from geo.incidents import _incident, _near_in_time, _report_order

    reports = sorted(reports, key=_report_order)
    clusters: list[list[Report]] = []

    def add(report):
        for cluster in clusters:
            if cluster[0].place.place_id == report.place.place_id and _near_in_time(
                cluster, report
            ):
                cluster.append(report)
                return
        clusters.append([report])

    def host(report):
        place = report.place
        if place.kind == "town":
            hosts = [c for c in clusters if c[0].place.place_id == place.place_id]
        elif place.kind == "district":
            hosts = [
                c
                for c in clusters
                if c[0].place.kind == "town" and c[0].place.admin2 == place.admin2
            ]
        else:
            point = (place.latitude, place.longitude)
            hosts = [
                c
                for c in clusters
                if c[0].place.kind == "town"
                and (c[0].place.latitude, c[0].place.longitude) == point
            ]
        if report.event_date is not None:
            hosts = [c for c in hosts if _near_in_time(c, report)]
        return hosts[0] if len(hosts) == 1 else None

    for report in reports:
        if report.event_date is not None and report.place.kind == "town":
            add(report)
    # Towns before districts, as the merge does.
    for report in sorted(reports, key=lambda r: r.place.kind == "district"):
        if report.event_date is None or report.place.kind != "town":
            target = host(report)
            if target is not None:
                target.append(report)
            else:
                add(report)
    return sorted((_incident(c) for c in clusters), key=lambda i: i.incident_id)


def _random_reports(rng, n: int) -> list[Report]:
    reports = []
    for number in range(n):
        place = rng.choice(_PLACES)
        roll = rng.random()
        date = None if roll < 0.15 else JAN[26] + dt.timedelta(days=rng.randint(0, 12))
        end = None
        if date is not None and rng.random() < 0.15:
            # Mostly short ranges, now and then a long misread one (indexed apart).
            end = date + dt.timedelta(days=rng.choice((1, 2, 90)))
        reports.append(_report(place, date, f"a{number:03d}", claims=(f"C{number}",), date_end=end))
    return reports


@pytest.mark.parametrize("seed", range(200))
def test_indexed_merge_equals_the_pairwise_rule(seed):
    import random

    rng = random.Random(seed)
    reports = _random_reports(rng, rng.randint(1, 40))
    assert merge_reports(reports) == _pairwise_merge(reports)
