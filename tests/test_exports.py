import csv
import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo import exports
from geo.exports import (
    CLAIM_COLUMNS,
    INCIDENT_COLUMNS,
    OUTPUT_NAMES,
    write_claims_csv,
    write_incidents_csv,
    write_incidents_geojson,
    write_outputs,
)

pytestmark = pytest.mark.filterwarnings("ignore:CartoDB tiles now require an API key")

COUNT_COLUMNS = [
    "killed_civilians",
    "killed_security",
    "killed_militants",
    "killed_unspecified",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "injured",
    "abducted",
    "freed_prisoners",
]


def incident(incident_id, place, lat, lon, **figures):
    row = {c: "" for c in INCIDENT_COLUMNS}
    row.update(
        incident_id=incident_id,
        event_date="2026-01-31",
        date_precision="day",
        place=place,
        admin1="Balochistan",
        admin2="Gwadar",
        latitude=lat,
        longitude=lon,
        geo_precision=1,
        attack_types="suicide_bombing;armed_assault",
        primary_type="suicide_bombing",
        target="police station",
        n_sources=1,
        sources="a1",
    )
    row.update({c: pd.NA for c in COUNT_COLUMNS})
    row.update(figures)
    return row


def make_incidents(rows):
    frame = pd.DataFrame(rows, columns=list(INCIDENT_COLUMNS))
    for column in [*COUNT_COLUMNS, "geo_precision", "n_sources"]:
        frame[column] = frame[column].astype("Int64")
    frame["latitude"] = frame["latitude"].astype(float)
    frame["longitude"] = frame["longitude"].astype(float)
    return gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    )


@pytest.fixture
def incidents():
    return make_incidents(
        [
            incident("I2", "Pasni", 25.2630004, 63.4710001, killed_security=7, fatalities_best=7),
            incident("I1", "Tump — Kech, تمپ", 26.1166667, 62.3666667),
            incident("I3", "Nowhere", None, None, notes='said "somewhere", a, b'),
        ]
    )


@pytest.fixture
def claims():
    base = {
        "incident_id": "I2",
        "scope": "incident",
        "area": "",
        "figure": "killed",
        "role": "security",
        "qualifier": "",
        "claimant": "police",
        "claimant_kind": "official",
        "article_id": "a1",
        "outlet": "Dawn",
        "published": "2026-02-01",
        "sentence": 'Seven "policemen" were killed,\nofficials said.',
    }
    rows = [
        {**base, "claim_id": "C2", "value_low": 7, "value_high": 7},
        {
            **base,
            "claim_id": "C1",
            "incident_id": "",
            "scope": "area",
            "area": "Balochistan",
            "role": "militant",
            "value_low": 197,
            "value_high": 197,
        },
    ]
    frame = pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))
    frame[["value_low", "value_high"]] = frame[["value_low", "value_high"]].astype("Int64")
    return frame


WRITERS = [
    pytest.param(write_incidents_csv, "incidents", "place", id="incidents_csv"),
    pytest.param(write_claims_csv, "claims", "sentence", id="claims_csv"),
    pytest.param(write_incidents_geojson, "incidents", "place", id="incidents_geojson"),
]


@pytest.mark.parametrize(("writer", "which", "column"), WRITERS)
def test_missing_column_names_it_and_the_expected_list(
    writer, which, column, incidents, claims, tmp_path
):
    frame = {"incidents": incidents, "claims": claims}[which].drop(columns=[column])
    with pytest.raises(ValueError, match=rf"missing column\(s\) \['{column}'\]; expected columns"):
        writer(frame, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("writer", "which", "column"), WRITERS)
def test_not_a_frame_is_a_type_error(writer, which, column, tmp_path):
    with pytest.raises(TypeError, match="must be a pandas DataFrame, got list"):
        writer([{"x": 1}], tmp_path / "out")


@pytest.mark.parametrize(("writer", "which", "column"), WRITERS)
def test_same_input_gives_identical_bytes_whatever_the_row_order(
    writer, which, column, incidents, claims, tmp_path
):
    frame = {"incidents": incidents, "claims": claims}[which]
    writer(frame, tmp_path / "a")
    writer(frame, tmp_path / "b")
    writer(frame.iloc[::-1], tmp_path / "c")
    first = (tmp_path / "a").read_bytes()
    assert first == (tmp_path / "b").read_bytes() == (tmp_path / "c").read_bytes()
    assert b"\r\n" not in first
    first.decode("utf-8")


def test_incidents_csv_columns_order_na_and_rounding(incidents, tmp_path):
    path = write_incidents_csv(incidents, tmp_path / "incidents.csv")
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == INCIDENT_COLUMNS
    assert [r["incident_id"] for r in rows] == ["I1", "I2", "I3"]
    pasni = rows[1]
    assert pasni["killed_security"] == "7"
    assert pasni["injured"] == ""
    assert pasni["latitude"] == "25.263"
    assert pasni["longitude"] == "63.471"
    assert rows[0]["latitude"] == "26.116667"
    assert rows[2]["latitude"] == "" and rows[2]["notes"] == 'said "somewhere", a, b'
    assert "<NA>" not in text
    assert not [v for r in rows for v in r.values() if v.lower() in {"nan", "none", "<na>"}]
    assert "geometry" not in text
    assert "Tump — Kech, تمپ" in text


def test_claims_csv_keeps_newlines_and_quotes_in_sentences(claims, tmp_path):
    path = write_claims_csv(claims, tmp_path / "claims.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == CLAIM_COLUMNS
    assert [r["claim_id"] for r in rows] == ["C1", "C2"]
    assert rows[1]["sentence"] == 'Seven "policemen" were killed,\nofficials said.'
    assert rows[0]["incident_id"] == "" and rows[0]["value_low"] == "197"


def test_whole_floats_are_written_as_ints_and_fractions_refused(incidents, tmp_path):
    frame = incidents.copy()
    frame["injured"] = [3.0, None, None]
    text = write_incidents_csv(frame, tmp_path / "a.csv").read_text()
    assert list(csv.DictReader(io.StringIO(text)))[1]["injured"] == "3"
    frame["injured"] = [3.5, None, None]
    with pytest.raises(ValueError, match="'injured' must hold whole numbers"):
        write_incidents_csv(frame, tmp_path / "b.csv")


def test_repeated_ids_are_refused(incidents, tmp_path):
    frame = pd.concat([incidents, incidents.iloc[[0]]])
    with pytest.raises(ValueError, match=r"repeated incident_id values \['I2'\]"):
        write_incidents_csv(frame, tmp_path / "a.csv")


def test_geojson_features_and_properties(incidents, tmp_path):
    path = write_incidents_geojson(incidents, tmp_path / "incidents.geojson")
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == len(incidents)
    by_id = {f["id"]: f for f in data["features"]}
    assert [f["id"] for f in data["features"]] == ["I1", "I2", "I3"]
    for feature in data["features"]:
        assert tuple(feature["properties"]) == INCIDENT_COLUMNS
    pasni = by_id["I2"]
    assert pasni["geometry"] == {"type": "Point", "coordinates": [63.471, 25.263]}
    assert pasni["properties"]["killed_security"] == 7
    assert pasni["properties"]["injured"] is None
    assert pasni["properties"]["geo_precision"] == 1
    assert by_id["I1"]["geometry"]["coordinates"] == [62.366667, 26.116667]
    assert by_id["I3"]["geometry"] is None
    assert "تمپ" in text  # ensure_ascii=False


def test_geojson_refuses_another_crs(incidents, tmp_path):
    with pytest.raises(ValueError, match=r"EPSG:3857.*to_crs\(\"EPSG:4326\"\)"):
        write_incidents_geojson(incidents.to_crs("EPSG:3857"), tmp_path / "x.geojson")


def _fail_to_csv(self, handle, **kwargs):
    handle.write("incident_id,half a row")
    raise RuntimeError("disk full")


ORIGINAL_FEATURE = exports._feature


def _fail_to_csv_factory():
    return _fail_to_csv


def _fail_feature_factory():
    calls = 0

    def feature(row):
        nonlocal calls
        calls += 1
        if calls > 1:  # the first feature is already in the file
            raise RuntimeError("disk full")
        return ORIGINAL_FEATURE(row)

    return feature


@pytest.mark.parametrize(
    ("writer", "which", "target", "name", "replacement"),
    [
        (write_incidents_csv, "incidents", pd.DataFrame, "to_csv", _fail_to_csv_factory),
        (write_claims_csv, "claims", pd.DataFrame, "to_csv", _fail_to_csv_factory),
        (write_incidents_geojson, "incidents", exports, "_feature", _fail_feature_factory),
    ],
    ids=["incidents_csv", "claims_csv", "incidents_geojson"],
)
def test_failed_write_keeps_the_old_file_and_leaves_no_temp_file(
    writer, which, target, name, replacement, incidents, claims, tmp_path, monkeypatch
):
    path = tmp_path / "out.file"
    path.write_text("old contents", encoding="utf-8")
    monkeypatch.setattr(target, name, replacement())
    with pytest.raises(RuntimeError, match="disk full"):
        writer({"incidents": incidents, "claims": claims}[which], path)
    assert path.read_text(encoding="utf-8") == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.file"]


def test_write_outputs_writes_the_four_files(incidents, claims, tmp_path):
    articles = pd.DataFrame(
        [
            {
                "article_id": "a1",
                "path": "a.txt",
                "outlet": "Dawn",
                "url": "",
                "published": "",
                "title": "T",
            }
        ]
    )
    paths = write_outputs(
        tmp_path / "out",
        incidents=incidents,
        claims=claims,
        articles=articles,
        districts=None,
        title="Wave",
    )
    assert set(paths) == set(OUTPUT_NAMES)
    assert all(isinstance(p, Path) and p.is_file() for p in paths.values())
    assert (
        paths["incidents.csv"].read_bytes()
        == write_incidents_csv(incidents, tmp_path / "x").read_bytes()
    )
    assert "<title>Wave</title>" in paths["incidents.html"].read_text(encoding="utf-8")
    again = write_outputs(
        tmp_path / "again",
        incidents=incidents,
        claims=claims,
        articles=articles,
        districts=None,
        title="Wave",
    )
    for name in OUTPUT_NAMES:
        assert paths[name].read_bytes() == again[name].read_bytes(), name


def test_write_outputs_checks_everything_before_writing(incidents, claims, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "incidents.csv").write_text("last good", encoding="utf-8")
    with pytest.raises(ValueError, match=r"claims is missing column\(s\) \['outlet'\]"):
        write_outputs(
            out,
            incidents=incidents,
            claims=claims.drop(columns="outlet"),
            articles=None,
            districts=None,
        )
    assert sorted(p.name for p in out.iterdir()) == ["incidents.csv"]
    assert (out / "incidents.csv").read_text(encoding="utf-8") == "last good"


def test_coordinates_must_be_numbers(incidents, tmp_path):
    frame = incidents.copy()
    frame["latitude"] = frame["latitude"].astype(object)
    frame.loc[0, "latitude"] = "north"
    with pytest.raises(ValueError, match="'latitude' must hold numbers or NaN"):
        write_incidents_csv(frame, tmp_path / "a.csv")
