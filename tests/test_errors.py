"""Bad stores and bad boundary files: one clear line from the command, never a traceback.

Each case is the real thing (a file of garbage, a store from a newer schema,
a GeoJSON cut short, projected coordinates without a ``crs``), run through
``incidentmap build`` in-process; the test holds the command to one line on
stderr that names the file, and a non-zero exit code.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from faults import read_only

from geo.cli import main
from geo.districts import ADM2_FILENAME
from geo.store import SCHEMA_VERSION, Store

SAMPLE = (
    "published: 2026-02-01\n---\nGunmen attacked a checkpoint in Turbat on Saturday, "
    "killing two Levies personnel, police said.\n"
)


@pytest.fixture
def articles(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(SAMPLE, encoding="utf-8")
    return folder


@pytest.fixture
def no_polygons(monkeypatch, tmp_path):
    """No boundary data anywhere: the build runs on the gazetteer's table (and fast)."""
    monkeypatch.delenv("INCIDENTMAP_DATA", raising=False)
    monkeypatch.setenv("INCIDENTMAP_CACHE", str(tmp_path / "empty-cache"))


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _build(articles, tmp_path, *extra: str) -> int:
    return main(["build", str(articles), "--out", str(tmp_path / "out"), "-q", *extra])


# -------------------------------------------------------------------- stores


@pytest.mark.slow
def test_store_that_is_not_a_database(articles, tmp_path, capsys, no_polygons):
    store = tmp_path / "store.db"
    store.write_bytes(b"this is a shopping list, not a database\n" * 100)
    assert _build(articles, tmp_path, "--store", str(store)) == 1
    line = _one_line(capsys)
    assert line.startswith(f"incidentmap: the store is damaged: {store}: ")
    assert line.endswith("(rebuild with --rebuild)")
    # --rebuild sets the damaged file aside and builds afresh.
    assert _build(articles, tmp_path, "--store", str(store), "--rebuild") == 0
    assert (tmp_path / "store.db.damaged").exists()
    with Store(store) as fresh:
        assert len(fresh.article_ids()) == 1


@pytest.mark.slow
def test_store_from_a_newer_schema(articles, tmp_path, capsys, no_polygons):
    store = tmp_path / "store.db"
    with Store(store):
        pass
    connection = sqlite3.connect(store)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    assert _build(articles, tmp_path, "--store", str(store)) == 1
    line = _one_line(capsys)
    assert f"schema version {SCHEMA_VERSION + 1}" in line
    assert f"schema version {SCHEMA_VERSION} at most" in line
    assert str(store) in line


@pytest.mark.slow
def test_read_only_store(articles, tmp_path, capsys, no_polygons):
    folder = tmp_path / "stores"
    with Store(folder / "store.db"):
        pass
    with read_only(folder):
        assert _build(articles, tmp_path, "--store", str(folder / "store.db")) == 1
    line = _one_line(capsys)
    assert f"the store {folder / 'store.db'} is read-only" in line


def test_sqlite_error_outside_the_store_methods_is_one_line(monkeypatch, capsys):
    def fail(args):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr("geo.cli._places_unresolved", fail)
    assert main(["places", "unresolved"]) == 1
    assert "the store failed: database disk image is malformed" in _one_line(capsys)


# -------------------------------------------------------------- boundaries


@pytest.fixture
def boundary_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    (folder / "boundaries").mkdir(parents=True)
    monkeypatch.setenv("INCIDENTMAP_DATA", str(folder))
    return folder / "boundaries" / ADM2_FILENAME


def _square(x0: float, y0: float, size: float) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {
        "type": "Feature",
        "properties": {"shapeName": "Kech", "shapeID": "X1"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_truncated_geojson_is_named(articles, tmp_path, capsys, boundary_dir):
    whole = json.dumps({"type": "FeatureCollection", "features": [_square(62, 25, 1)] * 20})
    boundary_dir.write_text(whole[: len(whole) // 2], encoding="utf-8")
    assert _build(articles, tmp_path) == 1
    line = _one_line(capsys)
    assert f"cannot read the district boundaries {boundary_dir}" in line
    assert "truncated" in line


def test_projected_boundaries_without_a_crs(articles, tmp_path, capsys, boundary_dir):
    # UTM metres, written without a 'crs' member: readers take them for degrees.
    projected = {"type": "FeatureCollection", "features": [_square(250_000, 2_900_000, 50_000)]}
    boundary_dir.write_text(json.dumps(projected), encoding="utf-8")
    assert _build(articles, tmp_path) == 1
    line = _one_line(capsys)
    assert str(boundary_dir) in line
    assert "they are projected, not degrees" in line and "Reproject it to EPSG:4326" in line
