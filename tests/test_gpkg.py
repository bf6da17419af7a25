import sqlite3

import pandas as pd
import pyogrio
import pytest

from geo.gpkg import LAYERS, write_geopackage
from geo.model import aggregate
from geo.schema import AREA_COLUMNS, CLAIM_COLUMNS, DISTRICT_COLUMNS, INCIDENT_COLUMNS
from tests.map_frames import claim, district_polygons, incident, make_claims, make_incidents


@pytest.fixture
def incidents():
    return make_incidents(
        [
            incident("I1", "Pasni", 25.263, 63.471, "suicide_bombing", 7),
            incident("I2", "Nowhere", None, None, "bombing", event_date=""),
        ]
    )


@pytest.fixture
def claims():
    return make_claims(
        [claim("C1", "I1", "killed", "civilian", 7, "=cmd|' /C calc'!A0", "official", "-2+3")]
    )


def types(path, layer):
    info = pyogrio.read_info(path, layer=layer)
    return dict(zip(info["fields"], info["dtypes"], strict=True)), info


def test_four_layers_with_schema_types(incidents, claims, tmp_path):
    model = aggregate(incidents, claims, polygons=district_polygons(), province="Balochistan")
    path = write_geopackage(tmp_path / "incidents.gpkg", model)
    assert sorted(name for name, _geom in pyogrio.list_layers(path)) == sorted(LAYERS)
    incident_types, info = types(path, "incidents")
    assert list(incident_types) == list(INCIDENT_COLUMNS)
    assert info["geometry_type"] == "Point" and info["crs"] == "EPSG:4326"
    assert incident_types["event_date"] == "datetime64[D]"  # a DATE, though one is empty
    assert incident_types["injured"] == "int64"  # null everywhere, still an integer
    assert incident_types["latitude"] == "float64"
    district_types, info = types(path, "districts")
    assert list(district_types) == list(DISTRICT_COLUMNS)
    assert info["geometry_type"] == "MultiPolygon"
    assert (
        district_types["killed_best"] == "int64" and district_types["first_date"] == "datetime64[D]"
    )
    claim_types, info = types(path, "claims")
    assert list(claim_types) == list(CLAIM_COLUMNS) and info["geometry_type"] is None
    rows = pyogrio.read_dataframe(path, layer="incidents")
    assert pd.isna(rows.loc[rows["incident_id"] == "I2", "event_date"]).all()
    assert rows.loc[rows["incident_id"] == "I2", "geometry"].isna().all()
    districts = pyogrio.read_dataframe(path, layer="districts")
    assert districts.set_index("admin2").loc["Gwadar", "killed_best"] == 7


def test_the_geopackage_keeps_raw_text(incidents, claims, tmp_path):
    path = write_geopackage(tmp_path / "x.gpkg", aggregate(incidents, claims))
    row = pyogrio.read_dataframe(path, layer="claims").iloc[0]
    assert row["claimant"] == "=cmd|' /C calc'!A0" and row["sentence"] == "-2+3"


def test_districts_layer_exists_without_polygons(incidents, claims, tmp_path):
    table = pd.DataFrame({"district": ["Gwadar", "Kech"], "province": ["Balochistan"] * 2})
    model = aggregate(incidents, claims, district_table=table, province="Balochistan")
    path = write_geopackage(tmp_path / "x.gpkg", model)
    districts = pyogrio.read_dataframe(path, layer="districts")
    assert districts["admin2"].tolist() == ["Gwadar", "Kech"]
    assert districts.geometry.isna().all()


def test_an_empty_build_keeps_every_field(incidents, claims, tmp_path):
    model = aggregate(incidents.iloc[:0], claims.iloc[:0])
    path = write_geopackage(tmp_path / "x.gpkg", model)
    assert sorted(name for name, _geom in pyogrio.list_layers(path)) == sorted(LAYERS)
    incident_types, _info = types(path, "incidents")
    assert list(incident_types) == list(INCIDENT_COLUMNS)
    assert incident_types["fatalities_best"] == "int64"


def test_qgis_styles_and_reproducible_bytes(incidents, claims, tmp_path):
    model = aggregate(incidents, claims, polygons=district_polygons(), province="Balochistan")
    one = write_geopackage(tmp_path / "a" / "incidents.gpkg", model)
    two = write_geopackage(tmp_path / "b" / "incidents.gpkg", model)
    assert one.read_bytes() == two.read_bytes()
    assert sorted(p.name for p in one.parent.iterdir()) == ["incidents.gpkg"]
    with sqlite3.connect(one) as connection:
        styles = dict(connection.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    connection.close()
    assert set(styles) == {"incidents", "districts"}
    assert 'attr="primary_type"' in styles["incidents"] and "178,24,43,255" in styles["incidents"]
    assert 'attr="killed_best"' in styles["districts"]


def test_a_failed_write_leaves_the_old_file(incidents, claims, tmp_path, monkeypatch):
    path = tmp_path / "incidents.gpkg"
    path.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("geo.gpkg._styles", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_geopackage(path, aggregate(incidents, claims))
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incidents.gpkg"]


def test_plain_tables_hold_every_row_typed_and_counted(incidents, tmp_path):
    # The claims and areas rows go in through SQLite: read back by GDAL, they
    # are the model's, with nulls where a count or a date is missing.
    claims = make_claims(
        [
            claim("C1", "I1", "killed", "civilian", 7, "police", "official", "Seven died."),
            {**claim("C2", "", "killed", "security", 280, "BLA", "party", "A claim."),
             "value_high": None, "published": "", "area": "Balochistan", "scope": "area"},
        ]
    )  # fmt: skip
    areas = pd.DataFrame(
        [["Balochistan", "killed", "security", 22, 22, 280, 2, 2, "BLA: 280", "a1; a2"]],
        columns=list(AREA_COLUMNS),
    )
    model = aggregate(incidents, claims, areas=areas)
    path = write_geopackage(tmp_path / "x.gpkg", model)
    rows = pyogrio.read_dataframe(path, layer="claims").set_index("claim_id")
    assert rows.loc["C1", "value_high"] == 7 and rows.loc["C1", "published"] == pd.Timestamp(
        "2026-02-01"
    )
    assert pd.isna(rows.loc["C2", "value_high"]) and pd.isna(rows.loc["C2", "published"])
    assert rows.loc["C2", "value_low"] == 280 and rows.loc["C2", "claimant"] == "BLA"
    read = pyogrio.read_dataframe(path, layer="areas")
    assert read[["area", "best", "high", "party_claims"]].values.tolist() == [
        ["Balochistan", 22, 280, "BLA: 280"]
    ]
    with sqlite3.connect(path) as connection:
        counts = dict(connection.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
        triggers = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'claims'"
            )
        }
    connection.close()
    assert (counts["claims"], counts["areas"]) == (2, 1)
    # GDAL's triggers are back, so a row added later in QGIS is still counted.
    assert triggers == {
        "trigger_insert_feature_count_claims",
        "trigger_delete_feature_count_claims",
    }
