"""Incidents merged group by group (geo._merged): the same as one merge of everything."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

import pytest

from geo import _incremental, _merged
from geo.incidents import merge_links, merge_reports
from geo.pipeline import STORE_NAME, build
from geo.records import Place, Report

# Places of two districts, a district itself, a locality at a town's point, and one
# locality coded to a town of *another* district (it joins the two groups).
TOWNS = [
    Place("t:quetta", "Quetta", "town", 30.18, 67.0, "PK", "Balochistan", "Quetta"),
    Place("t:kuchlak", "Kuchlak", "town", 30.4, 66.97, "PK", "Balochistan", "Quetta"),
    Place("t:turbat", "Turbat", "town", 26.0, 63.05, "PK", "Balochistan", "Kech"),
    Place("t:tump", "Tump", "town", 26.12, 62.37, "PK", "Balochistan", "Kech"),
    Place("t:gwadar", "Gwadar", "town", 25.12, 62.33, "PK", "Balochistan", "Gwadar"),
]
OTHERS = [
    Place("d:kech", "Kech", "district", 26.0, 63.0, "PK", "Balochistan", "Kech", 0, 3),
    Place("l:saryab", "Saryab Road", "locality", 30.18, 67.0, "PK", "Balochistan", "Quetta", 0, 2),
    Place("l:odd", "Odd Lane", "locality", 25.12, 62.33, "PK", "Balochistan", "Kech", 0, 2),
]


def _report(place: Place, day: int | None, article: str, n: int) -> Report:
    return Report(
        article_id=article,
        place=place,
        event_date=None if day is None else dt.date(2025, 3, day),
        date_precision="unknown" if day is None else "day",
        attack_types=("armed_assault",),
        targets=(),
        claim_ids=(f"{article}-c{n}",),
        sentences=((0, 10),),
    )


def test_groups_join_places_through_any_shared_key():
    links = [
        ("a1", 0, ["district|Quetta", "place|t:quetta", "point|30.18|67.0"]),
        ("a2", 0, ["district|Quetta", "place|t:kuchlak", "point|30.4|66.97"]),
        ("a3", 0, ["place|l:saryab", "point|30.18|67.0"]),
        ("a4", 0, ["district|Kech", "place|t:turbat", "point|26.0|63.05"]),
    ]
    groups = _merged.groups(links)
    assert sorted(len(keys) for keys in groups.values()) == [3, 6]

    # A place that shares a key with both makes them one group, under a new id.
    joined = _merged.groups([*links, ("a5", 0, ["place|x", "point|26.0|63.05", "district|Quetta"])])
    assert len(joined) == 1
    assert not set(joined) & set(groups)


@pytest.mark.parametrize("seed", range(20))
def test_groups_merged_apart_give_the_merge_of_everything(seed):
    rng = random.Random(seed)
    places = TOWNS + OTHERS
    reports = [
        _report(rng.choice(places), rng.choice([None, *range(1, 12)]), f"a{rng.randrange(30)}", n)
        for n in range(rng.randrange(5, 60))
    ]
    found = _merged.groups([(r.article_id, 0, merge_links(r.place)) for r in reports])
    group_of = {key: name for name, keys in found.items() for key in keys}
    by_group = defaultdict(list)
    for report in reports:
        by_group[group_of[merge_links(report.place)[0]]].append(report)

    apart = sorted(
        (i for group in by_group.values() for i in merge_reports(group)),
        key=lambda i: i.incident_id,
    )

    assert apart == merge_reports(reports)


# -- through the build -------------------------------------------------------------


def _article(town: str, day: int, killed: int, outlet: str) -> str:
    """A short report written for these tests (the project's own words)."""
    return (
        f"outlet: {outlet}\npublished: 2025-03-{day + 1:02d}\ntitle: Attack in {town}\n---\n"
        f"In {town}, gunmen attacked a police post on {day} March 2025. "
        f"Officials said {killed} policemen were killed and two were injured.\n"
    )


ARTICLES = {
    f"{n:02d}.txt": _article(town, day, killed, f"Wire {n % 3}")
    for n, (town, day, killed) in enumerate(
        [("Quetta", 3, 2), ("Turbat", 3, 4), ("Quetta", 3, 3), ("Gwadar", 5, 1),
         ("Mastung", 6, 2), ("Turbat", 9, 1), ("Kalat", 3, 5), ("Gwadar", 5, 2)]
    )
}  # fmt: skip


def _outputs(out: Path) -> dict[str, bytes]:
    """Every output but the store and the change report (which describes the last build)."""
    skip = {"changes.json"}
    return {
        p.name: p.read_bytes()
        for p in sorted(out.iterdir())
        if not p.name.startswith((STORE_NAME, ".")) and p.name not in skip
    }


@pytest.fixture
def remerged(monkeypatch):
    """The number of groups each build merged anew, in order."""
    counts: list[tuple[int, int]] = []
    real = _merged.merged

    def counting(*args, **kwargs):
        found = real(*args, **kwargs)
        counts.append((found.remerged, found.groups))
        return found

    monkeypatch.setattr(_merged, "merged", counting)
    return counts


@pytest.mark.slow
def test_builds_step_by_step_write_what_one_build_of_the_end_state_writes(
    resources, tmp_path, remerged
):
    folder, out = tmp_path / "articles", tmp_path / "out"
    folder.mkdir()
    names = sorted(ARTICLES)
    for name in names[:5]:
        (folder / name).write_text(ARTICLES[name], encoding="utf-8")
    build([folder], out_dir=out, resources=resources)
    # One more article, about a place already reported: its group only.
    (folder / names[5]).write_text(ARTICLES[names[5]], encoding="utf-8")
    build([folder], out_dir=out, resources=resources)
    # An article changed (a new toll), one retracted, two more arrive.
    (folder / names[0]).write_text(ARTICLES[names[0]].replace("2 policemen", "4 policemen"))
    (folder / names[4]).unlink()
    for name in names[6:]:
        (folder / name).write_text(ARTICLES[name], encoding="utf-8")
    build([folder], out_dir=out, resources=resources, prune=True)

    once = tmp_path / "once"
    build([folder], out_dir=once, resources=resources)

    assert _outputs(out) == _outputs(once)
    first, one_more, changed, fresh = remerged
    assert first[0] == first[1]  # a first build merges every group
    assert one_more[0] == 1 < one_more[1]  # one more article: its own group only
    assert 0 < changed[0] < changed[1]
    assert fresh[0] == fresh[1]


@pytest.mark.slow
def test_other_code_or_polygons_merge_every_group_again(resources, tmp_path, remerged):
    folder, out = tmp_path / "articles", tmp_path / "out"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    build([folder], out_dir=out, resources=resources)
    with_other_key = pytest.MonkeyPatch.context()
    with with_other_key as patch:
        patch.setattr(_incremental, "outputs_key", lambda settings: "another key")
        (folder / "zz.txt").write_text(_article("Pasni", 8, 1, "Wire 9"), encoding="utf-8")
        build([folder], out_dir=out, resources=resources)
    assert remerged[1][0] == remerged[1][1]


def test_a_groups_tolls_are_kept_only_while_no_other_group_lists_its_claims():
    bodies = [
        {"incidents": [{"incident_id": "I1"}], "owners": {"c1": "I1", "c2": "I1"},
         "tolls": [["I1", "killed", "civilian", 1, 1, 1]]},
        {"incidents": [{"incident_id": "I2"}], "owners": {"c2": "I2"},
         "tolls": [["I2", "killed", "civilian", 2, 2, 2]]},
        {"incidents": [{"incident_id": "I0"}], "owners": {"c0": "I0"}},  # made before tolls
    ]  # fmt: skip
    owners = {"c0": "I0", "c1": "I1", "c2": "I2"}  # the last in id order wins c2

    known = _merged._known_tolls(bodies, owners)

    assert known.incidents == {"I2"}  # I1 lost c2 to I2: reconciled again, as is I0
    assert known.rows == [("I2", "killed", "civilian", 2, 2, 2)]
