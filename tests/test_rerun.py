"""Re-runs on the seeds: incremental = full, changelog, replace, prune, crashes, two builds at once.

The crash and concurrency tests run the real command in separate processes
and kill them with SIGKILL, so that what is tested is what a user's machine
does when a build dies.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from geo.pipeline import build

pytestmark = pytest.mark.seeds
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
    assert after == before
    assert set(before) == {*OUTPUTS, "areas.csv", "incidents.png", "incidents.svg", "changes.json"}


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


def _command(folder: Path, out: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "geo.cli", "build", str(folder), "--out", str(out), "-q"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


@pytest.fixture
def env(boundary_data_dir_or_none, tmp_path):
    """The environment of a child build: the same boundary data as ``resources``."""

    def make(**extra: str) -> dict[str, str]:
        drop = ("INCIDENTMAP_CHECKPOINT", "INCIDENTMAP_DATA")
        values = {k: v for k, v in os.environ.items() if k not in drop}
        if boundary_data_dir_or_none is not None:
            values["INCIDENTMAP_DATA"] = str(boundary_data_dir_or_none)
        values["INCIDENTMAP_CACHE"] = str(tmp_path / "empty-cache")
        values.update(extra)
        return values

    return make


@pytest.mark.parametrize(
    "point", ["article-stored", "before-commit", "mid-outputs", "before-changelog"]
)
def test_build_killed_at_any_point_recovers(point, seeds_dir, full_build, tmp_path, env):
    folder = _copy(seeds_dir, tmp_path / "articles", ("000", "003"))
    out = tmp_path / "out"
    assert subprocess.run(
        [sys.executable, "-m", "geo.cli", "build", str(folder), "--out", str(out), "-q"],
        env=env(), check=False, timeout=120,
    ).returncode == 0  # fmt: skip
    good = {name: (out / name).read_bytes() for name in TABLES}
    _copy(seeds_dir, folder, ("001", "002", "004"))
    process = _command(folder, out, env(INCIDENTMAP_CHECKPOINT=point))
    line = process.stderr.readline()
    assert line.strip() == f"checkpoint {point}", line
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # Killed before its commit, the store holds the last good build, and the
    # tables are either the old ones or the new ones, never half of either.
    for name in TABLES:
        data = (out / name).read_bytes()
        assert data == good[name] or data == (full_build[1] / name).read_bytes()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")] or point == "mid-outputs"
    rerun = subprocess.run(
        [sys.executable, "-m", "geo.cli", "build", str(folder), "--out", str(out)],
        env=env(), capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    for name in TABLES:
        assert _rows(out / name) == _rows(full_build[1] / name), name


def test_two_builds_at_once_on_one_store(seeds_dir, full_build, tmp_path, env):
    folder = _copy(seeds_dir, tmp_path / "articles", ("0",))
    out = tmp_path / "out"
    first = _command(folder, out, env(INCIDENTMAP_CHECKPOINT="article-stored"))
    assert first.stderr.readline().strip() == "checkpoint article-stored"
    # The first build holds the store's write lock; the second waits for it.
    second = _command(folder, out, env())
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            second.wait(timeout=3)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert second.wait(timeout=120) == 0, second.stderr.read()
    for name in TABLES:
        assert _rows(out / name) == _rows(full_build[1] / name), name
