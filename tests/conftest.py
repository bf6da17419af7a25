"""Shared fixtures: the loaded lexicon, gazetteer and district polygons.

Heavy things are loaded once per session, as the pipeline does.  District
polygons come from ``$INCIDENTMAP_DATA`` when it is set, else the layer that
ships with the package, so they are always at hand.  Tests that need the
source files of ``../shared`` (the full-resolution boundary file, the seed
articles) are skipped without them.  Nothing here reaches the network.

Tests that take more than about two seconds (end-to-end builds, killed
builds, the browser, the notebook) are marked ``slow``:
``python3 -m pytest -m "not slow"`` is the quick subset for development, and
CI runs everything.
"""

from __future__ import annotations

import logging
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
    """The folder holding geoBoundaries' own ADM2 file, or None (the shipped layer serves)."""
    return _boundary_data_dir()


@pytest.fixture(scope="session")
def boundary_data_dir() -> Path:
    """The folder holding geoBoundaries' own ADM2 file; skips the test when there is none."""
    folder = _boundary_data_dir()
    if folder is None:
        pytest.skip("no boundary data: set INCIDENTMAP_DATA or provide ../shared/data")
    return folder


@pytest.fixture(scope="session")
def districts():
    """District polygons as a build loads them (``$INCIDENTMAP_DATA``, else the shipped layer)."""
    from geo.districts import find_boundary_file, load_districts

    return load_districts(find_boundary_file())


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The reference articles in ``../shared/seeds``; skips the test when absent."""
    if not SEEDS_DIR.is_dir() or not any(SEEDS_DIR.glob("*.txt")):
        pytest.skip(f"no seed articles in {SEEDS_DIR}")
    return SEEDS_DIR


@pytest.fixture(scope="session")
def resources(gazetteer, lexicon, districts):
    """Build resources from the session's gazetteer, lexicon and district polygons."""
    from geo.districts import find_boundary_file
    from geo.pipeline import Resources
    from geo.region import DEFAULT_REGION

    note = f"district polygons: {find_boundary_file()} (tests)"
    return Resources(gazetteer, lexicon, districts, note, DEFAULT_REGION)


@pytest.fixture
def local_server(tmp_path):
    """Serve ``tmp_path/www`` over HTTP on 127.0.0.1 (never the internet); yield (folder, URL)."""
    import functools
    import http.server
    import threading

    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield www, f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def _restore_geo_logging():
    """The CLI's main() configures the "geo" logger; put it back for the tests that follow.

    Without this, a test that runs ``main(["-q", ...])`` in-process silences
    the warnings later tests look for.
    """
    logger = logging.getLogger("geo")
    handlers, level = logger.handlers[:], logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
