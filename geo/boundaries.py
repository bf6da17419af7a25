"""Boundary files: the shipped district layer, pinned downloads, the override.

Where a boundary file comes from, in this order:

1. ``$INCIDENTMAP_DATA``: a folder holding the user's own copy
   (``boundaries/<file>`` or ``<file>``), used as it is;
2. for the districts (ADM2), the layer shipped with the package,
   ``data/boundaries/geoBoundaries-PAK-ADM2_6dp.geojson``: geoBoundaries' PAK
   ADM2 layer (2019, Public Domain) with coordinates rounded to 6 decimals
   (:func:`derive_shipped_layer` re-makes it byte for byte; see
   ``data/boundaries/README.md``).  Its sha256, in ``data/boundaries/SHA256SUMS``,
   is checked every time it is used;
3. for the other layers (provinces, tehsils, geoBoundaries' own full and
   simplified files), the per-user cache, filled by :func:`layer_path` through
   pooch from the registry ``data/boundaries/registry.txt``.  The registry's
   sha256 is a contract: a download or a cached file with another hash is
   refused, never used and never silently replaced.

Nothing here touches the disk or the network at import time.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo._paths import PROJECT_DATA

if TYPE_CHECKING:
    import pooch

logger = logging.getLogger(__name__)

DATA_ENV = "INCIDENTMAP_DATA"
CACHE_ENV = "INCIDENTMAP_CACHE"
BOUNDARY_DATA = PROJECT_DATA / "boundaries"
#: The district layer that ships with the package (a rounded derivative).
SHIPPED_ADM2 = "geoBoundaries-PAK-ADM2_6dp.geojson"
SHIPPED_SUMS = BOUNDARY_DATA / "SHA256SUMS"
REGISTRY = BOUNDARY_DATA / "registry.txt"
LAYER_TABLE = BOUNDARY_DATA / "layers.csv"
#: The name geoBoundaries gives the ADM2 file, looked for in ``$INCIDENTMAP_DATA``.
ADM2_FILENAME = "geoBoundaries-PAK-ADM2.geojson"
#: The newest commit of geoBoundaries' repository whose PAK file hashes could
#: be read (from its Git LFS pointers); every download is pinned to it.
PINNED_COMMIT = "ea5b27e7aa608eb6827f2cc76620a5b21acc5962"
BASE_URL = f"https://github.com/wmgeolab/geoBoundaries/raw/{PINNED_COMMIT}/releaseData/gbOpen/PAK/"
#: 6 decimals of a degree is 0.11 m at most: far below the 2019 layer's own
#: accuracy (kilometres), and it halves the file.
SHIPPED_DECIMALS = 6
ADM2_UNIT_COUNT = 126
_CRS84 = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326")


class BoundaryError(RuntimeError):
    """A boundary file is missing, unreadable, or not the one its hash pins."""


class LayerNotCached(BoundaryError):
    """A registry layer has not been downloaded (and downloading was not asked for)."""


# --- the district layer ----------------------------------------------------------------


def find_boundary_file(
    *, data_dir: str | os.PathLike[str] | None = None, download: bool = False
) -> Path:
    """Return the district (ADM2) file: the override if set, else the shipped layer.

    Parameters
    ----------
    data_dir
        A folder holding ``boundaries/<ADM2_FILENAME>`` or ``<ADM2_FILENAME>``;
        default ``$INCIDENTMAP_DATA``, and when that is unset too, the layer
        shipped with the package (its sha256 checked).
    download
        Accepted for callers of the earlier API and ignored: the district
        layer ships with the package, so nothing is downloaded.

    Raises
    ------
    BoundaryError
        If the named folder holds no such file, or the shipped layer is
        missing or does not match its sha256.
    """
    if data_dir is not None:
        return _local_copy(Path(data_dir), ADM2_FILENAME, origin="data_dir")
    env_dir = os.environ.get(DATA_ENV, "").strip()
    if env_dir:
        return _local_copy(Path(env_dir), ADM2_FILENAME, origin=f"${DATA_ENV}")
    return shipped_adm2()


def shipped_adm2() -> Path:
    """Return the shipped district layer after checking its sha256."""
    path = BOUNDARY_DATA / SHIPPED_ADM2
    if not path.is_file():
        raise BoundaryError(
            f"the district layer {path} that ships with incidentmap is missing; "
            "reinstall the package (pip install --force-reinstall incidentmap) or, in a "
            "clone, restore it with 'git checkout -- data/boundaries'"
        )
    verify_sha256(
        path,
        shipped_hashes()[SHIPPED_ADM2],
        pinned_by=SHIPPED_SUMS,
        fix="reinstall the package, or in a clone run 'git checkout -- data/boundaries'",
    )
    return path


def is_shipped(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is the district layer shipped with the package."""
    return Path(path).resolve() == (BOUNDARY_DATA / SHIPPED_ADM2).resolve()


def shipped_hashes() -> dict[str, str]:
    """Read ``SHA256SUMS`` (``sha256sum`` format): file name -> sha256."""
    hashes: dict[str, str] = {}
    lines = SHIPPED_SUMS.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise BoundaryError(
                f"{SHIPPED_SUMS}, line {number}: expected '<64 hex digits>  <file name>', "
                f"got {line!r}"
            )
        hashes[name.strip()] = digest.lower()
    return hashes


def verify_sha256(
    path: str | os.PathLike[str], expected: str, *, pinned_by: str | os.PathLike[str], fix: str
) -> None:
    """Raise BoundaryError naming the file, the expected and the found sha256 if they differ."""
    expected = expected.split(":")[-1].lower()
    with open(path, "rb") as handle:  # not pooch.file_hash: importing pooch took longer
        found = hashlib.file_digest(handle, "sha256").hexdigest()
    if found != expected:
        raise BoundaryError(
            f"{path} is refused: its sha256 is {found}, but {pinned_by} pins {expected}; "
            f"the file was changed or damaged. Fix: {fix}"
        )


def _local_copy(folder: Path, name: str, *, origin: str) -> Path:
    candidates = (folder / "boundaries" / name, folder / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise BoundaryError(
        f"{origin} points at {folder}, but neither {candidates[0]} nor {candidates[1]} "
        f"exists; expected the geoBoundaries file {name}. Fix: put the file there, or unset "
        f"{DATA_ENV} to use the district layer that ships with incidentmap"
    )


# --- other layers, through the pooch registry ------------------------------------------


@dataclass(frozen=True)
class Layer:
    """A downloadable boundary layer of the registry."""

    name: str  # "adm3", "adm3-simplified"
    fname: str  # the registry's path under BASE_URL, e.g. "ADM3/geoBoundaries-PAK-ADM3.geojson"
    sha256: str


def boundary_registry(*, base_url: str | None = None) -> pooch.Pooch:
    """A pooch for the registry's layers (cache ``$INCIDENTMAP_CACHE``, else the user cache).

    ``base_url`` names a mirror laid out like geoBoundaries'
    ``releaseData/gbOpen/PAK/`` folder; the hashes stay those of the registry.
    Updates are off: a cached file whose hash differs is an error, not a
    reason to download again behind the user's back.
    """
    import pooch

    fetcher = pooch.create(
        path=pooch.os_cache("incidentmap"),
        base_url=base_url or BASE_URL,
        env=CACHE_ENV,
        registry=None,
        allow_updates=False,
    )
    fetcher.load_registry(REGISTRY)
    return fetcher


def layers() -> dict[str, Layer]:
    """The registry's layers by name (``adm1``, ``adm2-simplified``, ``adm3``, ...)."""
    fetcher = boundary_registry()
    found = {}
    for fname, digest in fetcher.registry.items():
        stem = Path(fname).name.removeprefix("geoBoundaries-PAK-").removesuffix(".geojson")
        name = stem.lower().replace("_", "-")
        found[name] = Layer(name, fname, digest.split(":")[-1])
    return found


def layer_info(layer: Layer) -> str:
    """Units, year, licence and source of a layer's level (``layers.csv``), in one line."""
    level = layer.fname.split("/")[0]
    with LAYER_TABLE.open(encoding="utf-8", newline="") as handle:
        rows = {row["level"]: row for row in csv.DictReader(handle)}
    if level not in rows:
        return f"{level}: not described in {LAYER_TABLE}"
    row = rows[level]
    return f"{row['units']} units, {row['year']}; licence: {row['licence']} ({row['source']})"


def layer_path(
    name: str, *, download: bool = False, base_url: str | None = None, progressbar: bool = False
) -> Path:
    """Return a verified copy of the registry layer ``name``, downloading it if allowed.

    Looks in ``$INCIDENTMAP_DATA`` (the user's own copy, used as is), then in
    the cache (its sha256 checked), then downloads through pooch when
    ``download`` is true (the sha256 enforced; the file lands in the cache
    only if it matches).

    Raises
    ------
    ValueError
        For a name that is not in the registry.
    LayerNotCached
        If the layer is not cached and ``download`` is false.
    BoundaryError
        If the network fails, or a cached or downloaded file does not match
        its sha256.
    """
    known = layers()
    if name not in known:
        raise ValueError(f"unknown boundary layer {name!r}; expected one of {', '.join(known)}")
    layer = known[name]
    env_dir = os.environ.get(DATA_ENV, "").strip()
    if env_dir:
        basename = Path(layer.fname).name
        for candidate in (Path(env_dir) / "boundaries" / basename, Path(env_dir) / basename):
            if candidate.is_file():
                return candidate
    fetcher = boundary_registry(base_url=base_url)
    cached = Path(fetcher.abspath) / layer.fname
    fix = f"delete {cached} and run 'incidentmap fetch-boundaries {name}' again"
    if cached.is_file():
        verify_sha256(cached, layer.sha256, pinned_by=REGISTRY, fix=fix)
        return cached
    if not download:
        raise LayerNotCached(
            f"boundary layer {name} is not in the cache {fetcher.abspath}. Fix: run "
            f"'incidentmap fetch-boundaries {name}' where there is internet, or set "
            f"{DATA_ENV} to a folder holding {Path(layer.fname).name}"
        )
    return _download(fetcher, layer, progressbar=progressbar)


def _download(fetcher: pooch.Pooch, layer: Layer, *, progressbar: bool) -> Path:
    import requests

    url = fetcher.get_url(layer.fname)
    try:
        return Path(fetcher.fetch(layer.fname, progressbar=progressbar))
    except ValueError as exc:  # pooch: the hash does not match; it deleted the download
        raise BoundaryError(
            f"the download of {layer.fname} from {url} is refused: {exc} Fix: check the "
            f"mirror, or report it if geoBoundaries changed the file at commit {PINNED_COMMIT}"
        ) from exc
    except requests.RequestException as exc:
        raise BoundaryError(
            f"cannot download {layer.fname} from {url} ({exc}). Fix: run where there is "
            f"internet, or pass a mirror, or set {DATA_ENV} to a folder holding "
            f"{Path(layer.fname).name}"
        ) from exc
    except OSError as exc:
        raise BoundaryError(
            f"cannot write {layer.fname} into the cache {fetcher.abspath} ({exc}); "
            f"set {CACHE_ENV} to a writable folder"
        ) from exc


# --- how the shipped layer is made ------------------------------------------------------


def derive_shipped_layer(source: str | os.PathLike[str]) -> bytes:
    """Re-make the shipped district layer from geoBoundaries' PAK ADM2 GeoJSON.

    Every coordinate is rounded to :data:`SHIPPED_DECIMALS` decimals (at most
    0.08 m away from the original); vertices, rings, properties and feature
    order stay as they are.  One feature per line keeps diffs readable.  The
    output is RFC 7946 GeoJSON (lon/lat in WGS 84, so no ``crs`` member).

    Raises
    ------
    ValueError
        If ``source`` is not a GeoJSON FeatureCollection in lon/lat WGS 84.
    """
    source = Path(source)
    collection = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValueError(f"{source}: expected a GeoJSON FeatureCollection")
    crs = (collection.get("crs") or {}).get("properties", {}).get("name", "EPSG:4326")
    if crs not in _CRS84:
        raise ValueError(
            f"{source} is in {crs}, but the shipped layer is lon/lat WGS 84; reproject it "
            "with frame.to_crs('EPSG:4326') first"
        )
    lines = [
        json.dumps(
            {
                "type": "Feature",
                "properties": feature["properties"],
                "geometry": {
                    "type": feature["geometry"]["type"],
                    "coordinates": _rounded(feature["geometry"]["coordinates"]),
                },
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )
        for feature in collection["features"]
    ]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    return text.encode("utf-8")


def _rounded(coordinates: Any) -> Any:
    if coordinates and isinstance(coordinates[0], int | float):
        return [round(float(value), SHIPPED_DECIMALS) for value in coordinates]
    return [_rounded(part) for part in coordinates]
