import csv
import io
import json

import pandas as pd
import pytest

from geo import exports
from geo.exports import (
    CLAIM_COLUMNS,
    FRAGMENT_NAME,
    INCIDENT_COLUMNS,
    OUTPUT_NAMES,
    MapOptions,
    write_claims_csv,
    write_incidents_csv,
    write_incidents_geojson,
    write_outputs,
)
from geo.model import aggregate
from tests.map_frames import make_incidents

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
    with pytest.raises(ValueError, match=rf"missing column\(s\) \['{column}'\]; it needs"):
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


@pytest.mark.parametrize(("writer", "which", "column"), WRITERS)
def test_failed_write_keeps_the_old_file_and_leaves_no_temp_file(
    writer, which, column, incidents, claims, tmp_path, monkeypatch
):
    path = tmp_path / "out.file"
    path.write_text("old contents", encoding="utf-8")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("geo.atomic.os.fsync", full)
    with pytest.raises(OSError, match="No space left"):
        writer({"incidents": incidents, "claims": claims}[which], path)
    assert path.read_text(encoding="utf-8") == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.file"]


# -- formula injection ---------------------------------------------------------------

PAYLOADS = ['=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)",
            "\tleading tab", "\rcarriage"]  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_cells_that_start_a_formula_are_neutralised(payload, claims, tmp_path):
    rows = claims.assign(outlet=payload, sentence=payload, claimant=payload)
    text = write_claims_csv(rows, tmp_path / "claims.csv").read_bytes().decode("utf-8")
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in parsed:
        for name in ("outlet", "sentence", "claimant"):
            assert row[name] == "'" + payload, name
    assert [r["value_low"] for r in parsed] == ["197", "7"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_below_plain_cells_is_neutralised_alone(payload, claims, tmp_path):
    # A column is checked as a whole first: one bad cell under plain ones must be found.
    rows = claims.sort_values("claim_id").assign(outlet=["Dawn", payload])
    text = write_claims_csv(rows, tmp_path / "claims.csv").read_bytes().decode("utf-8")
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["outlet"] for r in parsed] == ["Dawn", "'" + payload]


def test_numbers_stay_numbers_and_harmless_text_stays_as_is(incidents, tmp_path):
    frame = incidents.copy()
    frame["longitude"] = [-63.5, 62.3666667, None]  # never negative here, but numbers anyway
    frame["notes"] = ["a - b", "plain", "café = bar"]
    text = write_incidents_csv(frame, tmp_path / "i.csv").read_text(encoding="utf-8")
    rows = {r["incident_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["I2"]["longitude"] == "-63.5"
    assert [rows[i]["notes"] for i in ("I1", "I2", "I3")] == ["plain", "a - b", "café = bar"]


def test_neutralise():
    assert exports.neutralise("=1") == "'=1"
    assert exports.neutralise("1=1") == "1=1"
    assert exports.neutralise("") == ""


# -- GeoJSON types ---------------------------------------------------------------------


def test_geojson_types_do_not_depend_on_the_data(incidents, tmp_path):
    import pyogrio

    frame = incidents.copy()
    frame["event_date"] = ["2026-01-31", "", "2026-02-02"]  # an empty date
    path = write_incidents_geojson(frame, tmp_path / "a.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    dates = {f["id"]: f["properties"]["event_date"] for f in data["features"]}
    assert dates == {"I1": None, "I2": "2026-01-31", "I3": "2026-02-02"}
    assert data["fields"]["event_date"] == "date" and data["fields"]["injured"] == "integer"
    info = pyogrio.read_info(path)
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["event_date"].startswith("datetime64")  # GDAL reads a date, not text
    assert types["killed_security"].startswith("int")


def test_empty_geojson_still_lists_its_fields(incidents, tmp_path):
    path = write_incidents_geojson(incidents.iloc[:0], tmp_path / "empty.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["features"] == [] and tuple(data["fields"]) == INCIDENT_COLUMNS


def test_coordinates_must_be_numbers(incidents, tmp_path):
    frame = incidents.copy()
    frame["latitude"] = frame["latitude"].astype(object)
    frame.loc[0, "latitude"] = "north"
    with pytest.raises(ValueError, match="'latitude' must hold numbers or NaN"):
        write_incidents_csv(frame, tmp_path / "a.csv")


# -- every output at once ---------------------------------------------------------------


@pytest.fixture
def model(incidents, claims):
    articles = pd.DataFrame(
        [{"article_id": "a1", "path": "/abs/a.txt", "outlet": "", "url": "https://x.org/a",
          "published": "2026-02-01", "title": "T"}]
    )  # fmt: skip
    return aggregate(incidents, claims, articles=articles, province="Balochistan")


@pytest.mark.slow
def test_write_outputs_writes_every_file_into_the_folder_only(model, tmp_path):
    out = tmp_path / "out"
    paths = write_outputs(out, model, title="Wave", options=MapOptions(fragment=True))
    assert list(paths) == [*OUTPUT_NAMES, FRAGMENT_NAME]
    assert all(p.parent == out and p.is_file() for p in paths.values())
    assert sorted(p.name for p in out.iterdir()) == sorted(paths)  # no temporary left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing elsewhere
    html = paths["incidents.html"].read_text(encoding="utf-8")
    assert "<title>Wave</title>" in html and "<script src" not in html
    again = write_outputs(
        tmp_path / "again", model, title="Wave", options=MapOptions(fragment=True)
    )
    for name in paths:
        assert paths[name].read_bytes() == again[name].read_bytes(), name


def test_write_outputs_writes_nothing_when_a_view_fails(model, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "incidents.csv").write_text("last good", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr("geo.static.draw_images", broken)
    with pytest.raises(RuntimeError, match="drawing failed"):
        write_outputs(out, model)
    assert sorted(p.name for p in out.iterdir()) == ["incidents.csv"]
    assert (out / "incidents.csv").read_text(encoding="utf-8") == "last good"


@pytest.mark.slow
def test_a_second_process_writes_the_same_bytes(model, tmp_path):
    """--jobs 2 forks the GeoPackage and GeoJSON writer: nothing in the files may tell."""
    one = write_outputs(tmp_path / "one", model, title="Wave", parallel=False)
    two = write_outputs(tmp_path / "two", model, title="Wave", parallel=True)
    assert list(two) == list(one) == list(OUTPUT_NAMES)
    for name in OUTPUT_NAMES:
        assert two[name].read_bytes() == one[name].read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted(OUTPUT_NAMES)


@pytest.mark.parametrize("parallel", [False, True])
def test_a_failing_geopackage_leaves_the_folder_as_it_was(model, tmp_path, monkeypatch, parallel):
    out = tmp_path / "out"
    out.mkdir()
    (out / "incidents.gpkg").write_text("last good", encoding="utf-8")

    def full(path, model):
        with open(path, "w", encoding="utf-8") as half:
            half.write("half a GeoPackage")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("geo.gpkg.write_geopackage", full)  # the forked writer inherits it
    with pytest.raises(OSError, match="No space left") as caught:
        write_outputs(out, model, parallel=parallel)
    assert caught.value.errno == 28
    assert sorted(p.name for p in out.iterdir()) == ["incidents.gpkg"]  # no temporary left
    assert (out / "incidents.gpkg").read_text(encoding="utf-8") == "last good"


def test_write_outputs_wants_a_model(incidents, tmp_path):
    with pytest.raises(TypeError, match="model must be a geo.model.Model"):
        write_outputs(tmp_path, incidents)


@pytest.mark.slow
def test_html_and_png_district_totals_come_from_districts_csv(tmp_path):
    """Acceptance 3: both views read the totals of districts.csv; they cannot diverge."""
    import base64
    import gzip
    import re

    from geo.classes import class_colour
    from geo.static import _plan
    from tests.map_frames import claim as map_claim
    from tests.map_frames import district_polygons, make_claims, make_incidents
    from tests.map_frames import incident as map_incident

    incidents = make_incidents(
        [
            map_incident("I1", "Pasni", 25.263, 63.471, "bombing", 7),
            map_incident("I2", "Jiwani", 25.05, 61.74, "bombing"),  # toll not reported
            map_incident("I3", "Ormara", 25.2, 64.6, "armed_assault", 4),
            map_incident("I4", "Quetta", 30.18, 66.99, "bombing", 12, admin2="Quetta"),
        ]
    )
    claims = make_claims(
        [map_claim("C1", "I1", "killed", "civilian", 7, "police", "official", "s")]
    )
    model = aggregate(incidents, claims, polygons=district_polygons(), province="Balochistan")
    paths = write_outputs(tmp_path, model, options=MapOptions(tiles=False))
    rows = {r["admin2"]: r for r in csv.DictReader(paths["districts.csv"].open(encoding="utf-8"))}
    assert {k: (r["incidents"], r["killed_best"]) for k, r in rows.items()} == {
        "Gwadar": ("3", "11"), "Kalat": ("0", ""), "Quetta": ("1", "12"),
    }  # fmt: skip
    html = paths["incidents.html"].read_text(encoding="utf-8")
    encoding, raw = re.search(r'data-encoding="([^"]+)">(.*?)</script>', html, re.S).groups()
    if encoding == "gzip-base64":
        raw = gzip.decompress(base64.b64decode(raw)).decode("utf-8")
    features = json.loads(raw)["districts"]["features"]
    html_totals = {f["properties"]["name"]: f["properties"] for f in features}
    plan = _plan(model)
    png_fill = dict(zip(plan.focus["admin2"], plan.focus["fill"], strict=True))
    for name, row in rows.items():
        killed = int(row["killed_best"]) if row["killed_best"] else None
        assert html_totals[name]["k"] == killed and html_totals[name]["n"] == int(row["incidents"])
        colour = class_colour(killed, model.classes)
        assert html_totals[name]["fill"] == colour
        assert png_fill[name] == (colour or "#ffffff")
