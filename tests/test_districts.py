"""Tests for geo.districts: loading and joining district boundaries.

The shipped layer is always at hand; the source file it was derived from
(``../shared/data``) is compared with it where present.
"""

from __future__ import annotations

import json
import logging
import os
import pathlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo import districts as gd

# --- fixtures -------------------------------------------------------------------------


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Two 1-degree squares sharing the edge x = 66."""
    return gpd.GeoDataFrame(
        {"admin2": ["West", "East"], "admin1": ["Balochistan", "Sindh"], "shape_id": ["w", "e"]},
        geometry=[box(65, 28, 66, 29), box(66, 28, 67, 29)],
        crs="EPSG:4326",
        index=[10, 20],
    )


def _points(*xy: tuple[float, float], index: list | None = None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"p{i}" for i in range(len(xy))]},
        geometry=[Point(x, y) for x, y in xy],
        crs="EPSG:4326",
        index=index,
    )


def _geojson(n: int, *, crs: str = "urn:ogc:def:crs:OGC:1.3:CRS84") -> str:
    features = [
        {
            "type": "Feature",
            "properties": {"shapeName": f"D{i}", "shapeID": str(i)},
            "geometry": {"type": "Point", "coordinates": [60 + i * 0.1, 25.0]},
        }
        for i in range(n)
    ]
    return json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": crs}},
            "features": features,
        }
    )


# --- join_districts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xy", "admin2", "admin1", "how"),
    [
        ((65.5, 28.5), "West", "Balochistan", "within"),
        ((66.5, 28.5), "East", "Sindh", "within"),
        ((66.0, 28.5), "West", "Balochistan", "within"),  # shared edge: first district
        ((65.0, 28.0), "West", "Balochistan", "within"),  # corner
        ((65.5, 27.95), "West", "Balochistan", "nearest"),  # ~5.5 km south
        ((66.5, 27.0), "", "", "none"),  # ~110 km away
    ],
)
def test_join_cases(squares, xy, admin2, admin1, how):
    out = gd.join_districts(_points(xy), squares)
    assert len(out) == 1
    assert out.iloc[0][["admin2", "admin1", "district_join"]].tolist() == [admin2, admin1, how]


def test_join_keeps_rows_order_index_and_columns(squares):
    pts = _points((66.5, 28.5), (66.0, 28.2), (10.0, 10.0), (65.5, 29.05), index=[7, 3, 3, 1])
    pts["extra"] = ["a", "b", "c", "d"]
    out = gd.join_districts(pts, squares)
    assert list(out.index) == [7, 3, 3, 1]
    assert out["extra"].tolist() == ["a", "b", "c", "d"]
    assert out["admin2"].tolist() == ["East", "West", "", "West"]
    assert out["district_join"].tolist() == ["within", "within", "none", "nearest"]
    assert out["district_km"].iloc[0] == 0.0
    assert np.isnan(out["district_km"].iloc[2])
    assert 5 < out["district_km"].iloc[3] < 6
    assert "admin2" not in pts.columns  # input untouched


def test_join_snap_distance_is_configurable(squares):
    pts = _points((65.5, 27.95))
    assert gd.join_districts(pts, squares, max_snap_km=1)["district_join"].iloc[0] == "none"
    assert gd.join_districts(pts, squares, max_snap_km=0)["district_join"].iloc[0] == "none"
    assert gd.join_districts(pts, squares, max_snap_km=6)["district_join"].iloc[0] == "nearest"


def test_join_empty_and_missing_geometry(squares):
    empty = _points()
    assert gd.join_districts(empty, squares).columns[-4:].tolist() == [
        "admin1",
        "admin2",
        "district_join",
        "district_km",
    ]
    pts = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[None, Point(65.5, 28.5)], crs=4326)
    out = gd.join_districts(pts, squares)
    assert out["district_join"].tolist() == ["none", "within"]


def test_join_crs_mismatch(squares):
    pts = _points((65.5, 28.5)).to_crs("EPSG:32642")
    with pytest.raises(ValueError, match=r"EPSG:32642.*EPSG:4326.*points\.to_crs\('EPSG:4326'\)"):
        gd.join_districts(pts, squares)
    with pytest.raises(ValueError, match=r"districts\.to_crs"):
        gd.join_districts(_points((65.5, 28.5)), squares.to_crs("EPSG:32642"))
    with pytest.raises(ValueError, match=r"no CRS.*points\.set_crs"):
        gd.join_districts(_points((65.5, 28.5)).set_crs(None, allow_override=True), squares)


def test_join_rejects_bad_input(squares):
    with pytest.raises(TypeError, match="points must be a GeoDataFrame"):
        gd.join_districts(pd.DataFrame({"x": [1]}), squares)  # type: ignore[arg-type]
    polys = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(ValueError, match="Point geometries"):
        gd.join_districts(polys, squares)
    with pytest.raises(ValueError, match="load_districts"):
        gd.join_districts(_points((65.5, 28.5)), squares.drop(columns="admin1"))
    with pytest.raises(ValueError, match="max_snap_km"):
        gd.join_districts(_points((65.5, 28.5)), squares, max_snap_km=-1)


def test_province_outline(squares):
    third = gpd.GeoDataFrame(
        {"admin2": ["North"], "admin1": ["Balochistan"], "shape_id": ["n"]},
        geometry=[box(65, 29, 66, 30)],
        crs=4326,
    )
    frame = pd.concat([squares, third])
    out = gd.province_outline(frame, "Balochistan")
    assert len(out) == 1
    assert out["n_districts"].iloc[0] == 2
    assert out.geometry.iloc[0].is_valid
    assert out.geometry.iloc[0].area == pytest.approx(2.0)
    with pytest.raises(ValueError, match="Punjab.*Balochistan, Sindh"):
        gd.province_outline(frame, "Punjab")


# --- district table and names ---------------------------------------------------------


def test_district_table_shape():
    table = gd.read_district_table()
    assert len(table) == gd.ADM2_UNIT_COUNT
    assert table.columns.tolist() == list(gd.TABLE_COLUMNS)
    baloch = table[table["province"] == "Balochistan"]
    assert (baloch["seat"] != "").all()
    for newer in [
        "Washuk", "Surab", "Hub", "Harnai", "Usta Muhammad",
        "Sherani", "Duki", "Sohbatpur", "Lehri",
    ]:  # fmt: skip
        assert newer not in set(table["district"])


@pytest.mark.parametrize(
    ("header_and_rows", "match"),
    [
        ("district,province,seat,aliases\nQuetta,Balochistan,,\n", "line 1: missing column.*note"),
        (
            "district,province,seat,aliases,note\nQuetta,Balochistan,,,\nQuetta,Balochistan,,,\n",
            "line 3: 'Quetta' repeats line 2",
        ),
        ("district,province,seat,aliases,note\nQuetta,Baluchistan,,,\n", "line 2: province"),
        ("district,province,seat,aliases,note\n,Balochistan,,,\n", "line 2: the district"),
    ],
)
def test_district_table_errors(tmp_path, header_and_rows, match):
    path = tmp_path / "districts.csv"
    path.write_text(header_and_rows)
    with pytest.raises(ValueError, match=match) as info:
        gd.read_district_table(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("name", "district"),
    [
        ("Noshki", "Nushki"),
        ("QALAT", "Kalat"),
        ("Kelat", "Kalat"),
        ("Musa Khel", "Musakhel"),
        ("Musakhail", "Musakhel"),
        ("Killa Abdullah", "Qilla Abdullah"),
        ("Qila Saifullah", "Qilla Saifullah"),
        ("Bolan", "Kachhi"),
        ("Jaffarabad", "Jafarabad"),
        ("Las Bela", "Lasbela"),
        ("Chaghi", "Chagai"),
        ("Dera-Bugti", "Dera Bugti"),
        ("D.I. Khan", "Dera Ismail Khan"),
    ],
)
def test_district_lookup(name, district):
    assert gd.district_lookup()[gd.district_key(name)] == district


def test_seats_are_not_aliases():
    lookup = gd.district_lookup()
    for town in ["Turbat", "Dalbandin", "Uthal", "Dhadar", "Hub", "Washuk"]:
        assert gd.district_key(town) not in lookup


def test_province_of():
    assert gd.province_of("Noshki") == "Balochistan"
    assert gd.province_of("jafarabad") == "Balochistan"
    assert gd.province_of("Kurram") == "Khyber Pakhtunkhwa"
    with pytest.raises(ValueError, match="did you mean Quetta"):
        gd.province_of("Quettta")


def test_load_districts_checks(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text(_geojson(2, crs="urn:ogc:def:crs:EPSG::32642"))
    with pytest.raises(ValueError, match=r"EPSG:32642.*EPSG:4326.*to_crs"):
        gd.load_districts(path)
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    frame.to_file(path, driver="GeoJSON")
    with pytest.raises(ValueError, match="shapeName"):
        gd.load_districts(path)


def test_load_districts_warns_on_unknown_unit(tmp_path, caplog):
    path = tmp_path / "x.geojson"
    path.write_text(_geojson(2))
    table = pd.DataFrame({"district": ["D0"], "province": ["Sindh"]})
    with caplog.at_level(logging.WARNING, logger="geo.districts"):
        out = gd.load_districts(path, table=table)
    assert out.columns.tolist() == ["admin2", "admin1", "shape_id", "geometry"]
    assert out["admin1"].tolist() == ["Sindh", ""]
    assert "D1" in caplog.text


# --- the real boundary file -----------------------------------------------------------


def _source_dir() -> pathlib.Path | None:
    """The folder holding geoBoundaries' full-resolution file, if any."""
    env = os.environ.get(gd.DATA_ENV, "").strip()
    shared = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"
    for folder in ([pathlib.Path(env)] if env else []) + [shared]:
        if (folder / "boundaries" / gd.ADM2_FILENAME).is_file():
            return folder
    return None


@pytest.fixture(scope="module")
def shipped() -> gpd.GeoDataFrame:
    return gd.load_districts()


@pytest.fixture(scope="module")
def source() -> gpd.GeoDataFrame:
    folder = _source_dir()
    if folder is None:
        pytest.skip(f"no source file: set {gd.DATA_ENV} or provide ../shared/data")
    return gd.load_districts(gd.find_boundary_file(data_dir=folder))


@pytest.fixture(scope="module", params=["shipped", "source"])
def real(request) -> gpd.GeoDataFrame:
    """Each real layer in turn: the shipped one, and the source where present."""
    return request.getfixturevalue(request.param)


BALOCHISTAN = {
    "Awaran", "Barkhan", "Chagai", "Dera Bugti", "Gwadar", "Jafarabad", "Jhal Magsi",
    "Kachhi", "Kalat", "Kech", "Kharan", "Khuzdar", "Kohlu", "Lasbela", "Loralai",
    "Mastung", "Musakhel", "Nasirabad", "Nushki", "Panjgur", "Pishin", "Qilla Abdullah",
    "Qilla Saifullah", "Quetta", "Sibi", "Zhob", "Ziarat",
}  # fmt: skip


def test_real_units_match_table(real):
    assert len(real) == gd.ADM2_UNIT_COUNT
    assert real.crs.to_epsg() == 4326
    assert set(real["admin2"]) == set(gd.read_district_table()["district"])
    assert (real["admin1"] != "").all()
    assert real["shape_id"].is_unique


def test_real_balochistan(real):
    baloch = set(real.loc[real["admin1"] == "Balochistan", "admin2"])
    assert len(baloch) == 27
    assert baloch == BALOCHISTAN


@pytest.mark.parametrize(
    ("name", "lat", "lon", "district", "how"),
    [
        ("Quetta", 30.1841, 67.0014, "Quetta", "within"),
        ("Nushki", 29.5522, 66.0229, "Nushki", "within"),
        ("Dalbandin", 28.8885, 64.4062, "Chagai", "within"),
        ("Pasni", 25.2631, 63.4710, "Gwadar", "within"),
        ("Turbat", 26.0031, 63.0440, "Kech", "within"),
        # Ormara is a tehsil of Gwadar district; the coarse coast leaves it 0.8 km out.
        ("Ormara", 25.2088, 64.6357, "Gwadar", "nearest"),
        ("Gadani", 25.1189, 66.7322, "Lasbela", "nearest"),
    ],
)
def test_real_points(real, name, lat, lon, district, how):
    out = gd.join_districts(_points((lon, lat)), real)
    assert out["admin2"].iloc[0] == district, name
    assert out["admin1"].iloc[0] == "Balochistan"
    assert out["district_join"].iloc[0] == how


def test_real_province_outline(real):
    out = gd.province_outline(real, "Balochistan")
    assert len(out) == 1
    assert out["n_districts"].iloc[0] == 27
    geom = out.geometry.iloc[0]
    assert geom.is_valid and not geom.is_empty
    assert geom.contains(Point(67.0014, 30.1841))  # Quetta


def _place_points(places) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"place_id": [p.place_id for p in places], "claimed": [p.admin2 for p in places]},
        geometry=gpd.points_from_xy([p.longitude for p in places], [p.latitude for p in places]),
        crs="EPSG:4326",
    )


def test_every_balochistan_district_contains_its_seat_in_the_shipped_layer(gazetteer, shipped):
    table = gd.read_district_table()
    baloch = table[table["province"] == "Balochistan"]
    points = [gazetteer.district(name) for name in baloch["district"]]
    assert all(p is not None for p in points)
    out = gd.join_districts(_place_points(points), shipped)
    assert out["district_join"].eq("within").all()
    assert out["admin2"].tolist() == baloch["district"].tolist()


def test_shipped_layer_joins_every_gazetteer_place_as_the_source_does(gazetteer, shipped, source):
    # Every Pakistani place (towns, localities, district and seat points): same
    # district, same way (within / nearest / none), same snapping distance.
    places = [p for p in gazetteer.places.values() if p.country == "PK"]
    assert len(places) > 700
    points = _place_points(places)
    a, b = gd.join_districts(points, shipped), gd.join_districts(points, source)
    assert a["admin2"].tolist() == b["admin2"].tolist()
    assert a["district_join"].tolist() == b["district_join"].tolist()
    assert np.allclose(a["district_km"], b["district_km"], atol=1e-3, equal_nan=True)


def test_load_districts_checks_the_shipped_hash(monkeypatch, tmp_path):
    from geo import boundaries

    folder = tmp_path / "boundaries"
    folder.mkdir()
    copy = folder / boundaries.SHIPPED_ADM2
    copy.write_bytes((boundaries.BOUNDARY_DATA / boundaries.SHIPPED_ADM2).read_bytes() + b" ")
    (folder / "SHA256SUMS").write_bytes(boundaries.SHIPPED_SUMS.read_bytes())
    monkeypatch.setattr(boundaries, "BOUNDARY_DATA", folder)
    monkeypatch.setattr(boundaries, "SHIPPED_SUMS", folder / "SHA256SUMS")
    with pytest.raises(gd.BoundaryError, match="is refused: its sha256 is"):
        gd.load_districts()
    with pytest.raises(gd.BoundaryError, match="is refused"):
        gd.load_districts(copy)  # the shipped file by its path is checked too


def test_the_shipped_layer_read_by_geos_is_what_gdal_reads():
    from geo.boundaries import shipped_adm2

    fast = gd.load_districts()
    gdal = gpd.read_file(shipped_adm2(), engine="pyogrio")
    assert fast["admin2"].tolist() == gdal["shapeName"].tolist()
    assert fast["shape_id"].tolist() == gdal["shapeID"].tolist()
    assert [g.wkb for g in fast.geometry] == [g.wkb for g in gdal.geometry]
    assert fast.crs == gdal.crs
