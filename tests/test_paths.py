"""Tests for geo._paths: data/ is found in a source tree and in an installed wheel."""

from __future__ import annotations

import tomllib
from pathlib import Path

from geo import _paths

ROOT = Path(__file__).resolve().parents[1]


def test_source_tree_finds_data_beside_the_package():
    assert _paths.PROJECT_DATA == ROOT / "data"
    assert (_paths.PROJECT_DATA / "districts.csv").is_file()


def test_an_installed_copy_inside_the_package_wins(monkeypatch, tmp_path):
    # A wheel installs data/ as geo/data (pyproject's package-dir mapping).
    package = tmp_path / "site-packages" / "geo"
    (package / "data").mkdir(parents=True)
    monkeypatch.setattr(_paths, "_PACKAGE", package)
    assert _paths._project_data() == package / "data"
    (package / "data").rmdir()
    assert _paths._project_data() == tmp_path / "site-packages" / "data"


def test_every_data_file_is_packaged_into_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    assert "geo.data" in setuptools["packages"]
    assert setuptools["package-dir"]["geo.data"] == "data"
    patterns = setuptools["package-data"]["geo.data"]
    files = [
        p.relative_to(ROOT / "data").as_posix()
        for p in (ROOT / "data").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert "boundaries/geoBoundaries-PAK-ADM2_6dp.geojson" in files
    # setuptools expands each pattern as a glob relative to the package's folder.
    packaged = {
        p.relative_to(ROOT / "data").as_posix()
        for pattern in patterns
        for p in (ROOT / "data").glob(pattern)
    }
    assert sorted(set(files) - packaged) == []
