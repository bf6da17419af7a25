"""Re-runs on the seeds: incremental = full, changelog, replace, prune, nothing new.

The crash, Ctrl-C and concurrency tests, which need no seeds, are in
``test_publish.py``.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from geo.pipeline import build
from geo.publish import STATE_NAME

pytestmark = [pytest.mark.seeds, pytest.mark.slow]
TABLES = ("incidents.csv", "claims.csv")
OUTPUTS = (
    "incidents.csv", "claims.csv", "districts.csv", "incidents.geojson", "incidents.gpkg",
    "incidents.html",
)  # fmt: skip


def _rows(path: Path) -> list[tuple]:
    with path.open(encoding="utf-8", newline="") as handle:
        return sorted(tuple(row.items()) for row in csv.DictReader(handle))


def _copy(seeds_dir: Path, folder: Path, prefixes: tuple[str, ...]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(seeds_dir.glob("*.txt")):
        if path.name.startswith(prefixes):
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def full_build(seeds_dir, resources, tmp_path_factory):
    """One build of all five seeds: the reference every other path must reach."""
    folder = _copy(seeds_dir, tmp_path_factory.mktemp("all") / "articles", ("0",))
    out = folder.parent / "out"
    build([folder], out_dir=out, resources=resources)
    return folder, out


def test_adding_articles_gives_the_same_tables_as_one_build(
    seeds_dir, resources, full_build, tmp_path
):
    folder = _copy(seeds_dir, tmp_path / "articles", ("000", "003"))
    out = tmp_path / "out"
    first = build([folder], out_dir=out, resources=resources)
    assert first.n_new == 2
    _copy(seeds_dir, folder, ("001", "002", "004"))
    second = build([folder], out_dir=out, resources=resources)
    assert (second.n_new, second.n_known) == (3, 2)
    for name in TABLES:
        assert _rows(out / name) == _rows(full_build[1] / name), name

    changes = json.loads((out / "changes.json").read_text())
    added = {item["place"] for item in changes["incidents_added"]}
    assert {"Tump", "Panjgur", "Kalat"} <= added
    assert not changes["incidents_retracted"]
    civilians = next(
        c
        for c in changes["area_figures_revised"]
        if (c["figure"], c["role"]) == ("killed", "civilian")
    )
    assert civilians["old"] == [18, 36] and civilians["new"] == [18, 31, 36]
    movers = {m["value"]: m for m in civilians["moved_by"]}
    assert movers[31]["article_id"] in second.changes["articles"]["new"]
    assert movers[31]["claimant_kind"] in ("official", "independent", "unattributed")


def test_area_figures_are_reconciled_with_party_claims_beside(full_build):
    with (full_build[1] / "areas.csv").open(encoding="utf-8") as handle:
        rows = {(r["figure"], r["role"]): r for r in csv.DictReader(handle)}
    civilians, security = rows[("killed", "civilian")], rows[("killed", "security")]
    assert (civilians["low"], civilians["best"], civilians["high"]) == ("18", "36", "36")
    assert (security["low"], security["high"]) == ("15", "22")  # officials only
    assert security["party_claims"] == "200 (BLA); 280 (BLA); 84 (BLA)"


def test_one_incident_per_place_and_day_with_its_sources(full_build):
    with (full_build[1] / "incidents.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pasni = [r for r in rows if r["place"] == "Pasni"]
    assert len(pasni) == 1
    assert pasni[0]["event_date"] == "2026-01-31"
    assert "suicide_bombing" in pasni[0]["attack_types"].split(";")
    assert int(pasni[0]["n_sources"]) >= 4
    assert len(pasni[0]["sources"].split(";")) == int(pasni[0]["n_sources"])
    assert len({(r["place"], r["event_date"]) for r in rows}) == len(rows)


def test_nothing_new_changes_no_byte(full_build, resources):
    folder, out = full_build
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix != ".db"}
    result = build([folder], out_dir=out, resources=resources)
    assert (result.n_new, result.n_known) == (0, 5)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix != ".db"}
    before.pop(STATE_NAME)  # the publication's bookkeeping (hidden), not an output
    assert after.pop(STATE_NAME) is not None
    assert after == before  # the store's columns beside it included
    assert set(before) == {
        *OUTPUTS, "areas.csv", "incidents.png", "incidents.svg", "changes.json",
        "incidentmap.db-columns",
    }  # fmt: skip


def test_changed_file_replaces_its_claims_and_prune_retracts(seeds_dir, resources, tmp_path):
    folder = _copy(seeds_dir, tmp_path / "articles", ("003",))
    out = tmp_path / "out"
    build([folder], out_dir=out, resources=resources)
    article = next(folder.glob("003_*.txt"))
    # The same story, edited: the Gwadar paragraph is gone.
    text = article.read_text(encoding="utf-8")
    kept = "\n\n".join(p for p in text.split("\n\n") if "Gwadar, militants" not in p)
    assert kept != text
    article.write_text(kept, encoding="utf-8")
    edited = build([folder], out_dir=out, resources=resources)
    assert (edited.n_new, len(edited.replaced)) == (1, 1)
    rows = _rows(out / "claims.csv")
    assert len({dict(r)["article_id"] for r in rows}) == 1  # the old version's claims are gone
    assert not [r for r in rows if dict(r)["area"] == "Gwadar"]

    article.unlink()
    kept_without_prune = build([folder], out_dir=out, resources=resources)
    assert kept_without_prune.n_incidents > 0  # no --prune: nothing is retracted
    pruned = build([folder], out_dir=out, resources=resources, prune=True)
    assert len(pruned.pruned) == 1 and pruned.n_incidents == 0
    changes = json.loads((out / "changes.json").read_text())
    assert changes["articles"]["pruned"] == list(pruned.pruned)
    assert changes["incidents_retracted"]
