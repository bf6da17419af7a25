"""Tests for geo.boundaries: the shipped district layer, the registry, the override.

Nothing here reaches the network: downloads are served from a local folder
by a throw-away HTTP server on 127.0.0.1, and caches live in tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo import boundaries as gb

SOURCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "boundaries"
SOURCE_ADM2 = SOURCE / gb.ADM2_FILENAME
TEHSILS = "ADM3/geoBoundaries-PAK-ADM3.geojson"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def no_env(monkeypatch, tmp_path) -> Path:
    """No INCIDENTMAP_DATA; an empty private cache; return the cache folder."""
    monkeypatch.delenv(gb.DATA_ENV, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv(gb.CACHE_ENV, str(cache))
    return cache


@pytest.fixture
def shipped_copy(monkeypatch, tmp_path) -> Path:
    """A private copy of data/boundaries, which the module then reads instead."""
    folder = tmp_path / "boundaries"
    shutil.copytree(gb.BOUNDARY_DATA, folder)
    monkeypatch.setattr(gb, "BOUNDARY_DATA", folder)
    monkeypatch.setattr(gb, "SHIPPED_SUMS", folder / "SHA256SUMS")
    return folder


@pytest.fixture
def small_registry(monkeypatch, tmp_path):
    """Point the module at a registry of one small layer; return (fname, bytes)."""
    content = b'{"type":"FeatureCollection","features":[]}\n'
    registry = tmp_path / "registry.txt"
    registry.write_text(f"# a test registry\n{TEHSILS} sha256:{_sha256(content)}\n")
    monkeypatch.setattr(gb, "REGISTRY", registry)
    return TEHSILS, content


# --- the shipped district layer --------------------------------------------------------


def test_shipped_layer_is_found_and_its_hash_checked(no_env):
    path = gb.find_boundary_file()
    assert path == gb.BOUNDARY_DATA / gb.SHIPPED_ADM2
    assert gb.is_shipped(path)
    assert _sha256(path.read_bytes()) == gb.shipped_hashes()[gb.SHIPPED_ADM2]
    assert not no_env.exists()  # nothing downloaded, no cache made


def test_shipped_layer_is_the_126_districts_in_wgs84():
    frame = gpd.read_file(gb.BOUNDARY_DATA / gb.SHIPPED_ADM2, engine="pyogrio")
    assert len(frame) == gb.ADM2_UNIT_COUNT
    assert frame.crs.to_epsg() == 4326
    assert frame["shapeName"].is_unique and frame["shapeID"].is_unique
    assert frame.geometry.is_valid.all()
    # Rounding moved every vertex by the same grid: neighbours still share edges.
    assert shapely.coverage_is_valid(frame.geometry.values)


def test_a_tampered_shipped_layer_is_refused_naming_file_and_both_hashes(no_env, shipped_copy):
    layer = shipped_copy / gb.SHIPPED_ADM2
    expected = _sha256(layer.read_bytes())
    layer.write_bytes(layer.read_bytes().replace(b"Quetta", b"Qvetta"))
    found = _sha256(layer.read_bytes())
    with pytest.raises(gb.BoundaryError) as info:
        gb.find_boundary_file()
    message = str(info.value)
    assert str(layer) in message and expected in message and found in message
    assert "SHA256SUMS" in message and "Fix:" in message


def test_a_missing_shipped_layer_says_how_to_restore_it(no_env, shipped_copy):
    (shipped_copy / gb.SHIPPED_ADM2).unlink()
    with pytest.raises(gb.BoundaryError, match="missing.*reinstall"):
        gb.shipped_adm2()


def test_a_bad_sums_line_names_its_line(shipped_copy):
    (shipped_copy / "SHA256SUMS").write_text("not-a-hash  x.geojson\n")
    with pytest.raises(gb.BoundaryError, match=r"SHA256SUMS, line 1: expected"):
        gb.shipped_hashes()


@pytest.mark.parametrize("sub", ["boundaries", ""])
def test_data_env_overrides_the_shipped_layer(no_env, monkeypatch, tmp_path, sub):
    folder = tmp_path / "data"
    (folder / sub).mkdir(parents=True, exist_ok=True)
    own = folder / sub / gb.ADM2_FILENAME
    own.write_text("{}")
    monkeypatch.setenv(gb.DATA_ENV, str(folder))
    assert gb.find_boundary_file() == own  # the user's copy, used as it is
    monkeypatch.delenv(gb.DATA_ENV)
    assert gb.find_boundary_file(data_dir=folder) == own


def test_a_data_env_without_the_file_is_an_error(no_env, monkeypatch, tmp_path):
    monkeypatch.setenv(gb.DATA_ENV, str(tmp_path))
    with pytest.raises(gb.BoundaryError, match=r"INCIDENTMAP_DATA points at .*unset"):
        gb.find_boundary_file()
    with pytest.raises(gb.BoundaryError, match="data_dir"):
        gb.find_boundary_file(data_dir=tmp_path / "nowhere")


# --- how the shipped layer is made ------------------------------------------------------


def test_derive_rounds_coordinates_and_keeps_everything_else(tmp_path):
    source = tmp_path / "in.geojson"
    feature = {
        "type": "Feature",
        "properties": {"shapeName": "Kalat", "shapeID": "7"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[66.12345678, 29.0], [66.5, 29.00000049], [66.5, 29.5], [66.12345678, 29.0]]
            ],  # fmt: skip
        },
    }
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    collection = {"type": "FeatureCollection", "crs": crs, "features": [feature]}
    source.write_text(json.dumps(collection))
    out = json.loads(gb.derive_shipped_layer(source))
    assert "crs" not in out  # RFC 7946: lon/lat WGS 84 goes without saying
    (got,) = out["features"]
    assert got["properties"] == feature["properties"]
    ring = got["geometry"]["coordinates"][0]
    assert ring == [[66.123457, 29.0], [66.5, 29.0], [66.5, 29.5], [66.123457, 29.0]]


def test_derive_refuses_another_crs(tmp_path):
    source = tmp_path / "utm.geojson"
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32642"}}
    source.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": []}))
    with pytest.raises(ValueError, match=r"EPSG::32642.*to_crs"):
        gb.derive_shipped_layer(source)


def test_the_shipped_layer_is_remade_byte_for_byte_from_the_source():
    if not SOURCE_ADM2.is_file():
        pytest.skip(f"no source file {SOURCE_ADM2}")
    shipped = (gb.BOUNDARY_DATA / gb.SHIPPED_ADM2).read_bytes()
    assert gb.derive_shipped_layer(SOURCE_ADM2) == shipped


def test_rounding_moves_no_vertex_more_than_eight_centimetres():
    if not SOURCE_ADM2.is_file():
        pytest.skip(f"no source file {SOURCE_ADM2}")
    from pyproj import Geod

    source = gpd.read_file(SOURCE_ADM2, engine="pyogrio")
    shipped = gpd.read_file(gb.BOUNDARY_DATA / gb.SHIPPED_ADM2, engine="pyogrio")
    a = shapely.get_coordinates(source.geometry.values)
    b = shapely.get_coordinates(shipped.geometry.values)
    assert a.shape == b.shape == (24092, 2)  # no vertex dropped or added
    _, _, metres = Geod(ellps="WGS84").inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    assert metres.max() < 0.08


# --- the registry and downloads --------------------------------------------------------


def test_registry_layers_are_pinned_by_sha256():
    layers = gb.layers()
    assert set(layers) == {
        "adm1", "adm1-simplified", "adm2", "adm2-simplified", "adm3", "adm3-simplified",
    }  # fmt: skip
    assert layers["adm3"].fname == TEHSILS
    for layer in layers.values():
        assert len(layer.sha256) == 64 and int(layer.sha256, 16) >= 0
    fetcher = gb.boundary_registry()
    assert fetcher.get_url(TEHSILS) == gb.BASE_URL + TEHSILS
    assert gb.PINNED_COMMIT in gb.BASE_URL
    assert "ODbL" in gb.layer_info(layers["adm3"]) or "Open Database" in gb.layer_info(
        layers["adm3"]
    )


def test_unknown_layer_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown boundary layer 'adm9'.*adm3"):
        gb.layer_path("adm9")


def test_a_layer_not_cached_says_how_to_fetch_it(no_env):
    with pytest.raises(gb.LayerNotCached, match=r"not in the cache.*fetch-boundaries adm3"):
        gb.layer_path("adm3")
    assert not no_env.exists()


def test_a_tampered_file_in_the_cache_is_refused_naming_file_and_both_hashes(no_env):
    cached = no_env / TEHSILS
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b'{"type":"FeatureCollection","features":[]}\n')
    found = _sha256(cached.read_bytes())
    expected = gb.layers()["adm3"].sha256
    for download in (False, True):  # never silently replaced by a new download either
        with pytest.raises(gb.BoundaryError) as info:
            gb.layer_path("adm3", download=download, base_url="http://127.0.0.1:9/")
        message = str(info.value)
        assert str(cached) in message and expected in message and found in message
        assert "registry.txt" in message and f"delete {cached}" in message
    assert cached.read_bytes() == b'{"type":"FeatureCollection","features":[]}\n'


def test_download_lands_in_the_cache_only_with_the_registry_hash(
    no_env, local_server, small_registry
):
    www, url = local_server
    fname, content = small_registry
    (www / fname).parent.mkdir(parents=True)
    (www / fname).write_bytes(content)
    path = gb.layer_path("adm3", download=True, base_url=url)
    assert path == no_env / fname
    assert path.read_bytes() == content
    assert sorted(p.name for p in path.parent.iterdir()) == [Path(fname).name]  # no temp left
    # A second call uses the cache (the server is no longer asked).
    (www / fname).unlink()
    assert gb.layer_path("adm3", download=True, base_url=url) == path


def test_a_download_with_another_hash_is_refused_naming_file_and_both_hashes(
    no_env, local_server, small_registry
):
    www, url = local_server
    fname, content = small_registry
    served = b'{"type":"FeatureCollection","features":[{"changed":true}]}\n'
    (www / fname).parent.mkdir(parents=True)
    (www / fname).write_bytes(served)
    with pytest.raises(gb.BoundaryError) as info:
        gb.layer_path("adm3", download=True, base_url=url)
    message = str(info.value)
    assert "geoBoundaries-PAK-ADM3.geojson" in message
    assert _sha256(content) in message and _sha256(served) in message
    assert not (no_env / fname).exists()  # nothing kept
    leftovers = [p for p in no_env.rglob("*") if p.is_file()]
    assert leftovers == []


def test_a_missing_file_on_the_server_is_an_error_naming_the_url(
    no_env, local_server, small_registry
):
    _, url = local_server
    with pytest.raises(gb.BoundaryError, match=r"cannot download .*127\.0\.0\.1.*404"):
        gb.layer_path("adm3", download=True, base_url=url)


def test_no_server_is_an_error_with_a_fix(no_env, small_registry):
    # Port 9 (discard) on the loopback interface: refused at once, never the internet.
    with pytest.raises(gb.BoundaryError, match=r"cannot download .*Fix: run where"):
        gb.layer_path("adm3", download=True, base_url="http://127.0.0.1:9/")


def test_data_env_overrides_a_layer(no_env, monkeypatch, tmp_path):
    own = tmp_path / "mine" / "geoBoundaries-PAK-ADM3.geojson"
    own.parent.mkdir()
    own.write_text("{}")
    monkeypatch.setenv(gb.DATA_ENV, str(own.parent))
    assert gb.layer_path("adm3") == own


def test_registry_is_read_by_pooch_with_a_line_number_for_a_bad_entry(monkeypatch, tmp_path):
    registry = tmp_path / "registry.txt"
    registry.write_text("ADM3/x.geojson\n")
    monkeypatch.setattr(gb, "REGISTRY", registry)
    with pytest.raises(OSError, match="line 1"):
        gb.layers()
