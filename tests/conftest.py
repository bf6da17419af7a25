"""Shared fixtures: the loaded lexicon, gazetteer and district polygons.

Heavy things are loaded once per session, as the pipeline does.  Boundary data
comes from ``$INCIDENTMAP_DATA``, else ``../shared/data``; tests that need it
are skipped when neither holds the file.  Nothing here reaches the network.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS_DIR = SHARED / "seeds"


@pytest.fixture(scope="session")
def lexicon():
    """The project's lexicon (``geo.lexicon.load_lexicon()``)."""
    from geo.lexicon import load_lexicon

    return load_lexicon()


@pytest.fixture(scope="session")
def gazetteer():
    """The project's gazetteer (``geo.gazetteer.load_gazetteer()``)."""
    from geo.gazetteer import load_gazetteer

    return load_gazetteer()


def _boundary_data_dir() -> Path | None:
    from geo.districts import ADM2_FILENAME, DATA_ENV

    env = os.environ.get(DATA_ENV, "").strip()
    candidates = [Path(env)] if env else []
    candidates.append(SHARED / "data")
    for folder in candidates:
        if (folder / "boundaries" / ADM2_FILENAME).is_file() or (folder / ADM2_FILENAME).is_file():
            return folder
    return None


@pytest.fixture(scope="session")
def boundary_data_dir_or_none() -> Path | None:
    """The folder holding the ADM2 boundary file, or None (never skips)."""
    return _boundary_data_dir()


@pytest.fixture(scope="session")
def boundary_data_dir() -> Path:
    """The folder holding the ADM2 boundary file; skips the test when there is none."""
    folder = _boundary_data_dir()
    if folder is None:
        pytest.skip("no boundary data: set INCIDENTMAP_DATA or provide ../shared/data")
    return folder


@pytest.fixture(scope="session")
def districts(boundary_data_dir):
    """District polygons (``load_districts`` on ``find_boundary_file(download=False)``)."""
    from geo.districts import find_boundary_file, load_districts

    return load_districts(find_boundary_file(data_dir=boundary_data_dir, download=False))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The reference articles in ``../shared/seeds``; skips the test when absent."""
    if not SEEDS_DIR.is_dir() or not any(SEEDS_DIR.glob("*.txt")):
        pytest.skip(f"no seed articles in {SEEDS_DIR}")
    return SEEDS_DIR


@pytest.fixture(scope="session")
def resources(gazetteer, lexicon, request):
    """Build resources from the session's gazetteer and lexicon (polygons when present)."""
    from geo.pipeline import Resources
    from geo.region import DEFAULT_REGION

    if _boundary_data_dir() is None:
        polygons, note = None, "no district polygons found (tests)"
    else:
        polygons = request.getfixturevalue("districts")
        note = f"district polygons: {_boundary_data_dir()}"
    return Resources(gazetteer, lexicon, polygons, note, DEFAULT_REGION)
