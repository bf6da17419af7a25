import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo.records import Article, Claim, Incident, Place
from geo.schema import INCIDENT_COLUMNS
from geo.tables import area_frame, articles_frame, incident_frame

TOWN = Place(
    "gn:1", "Alpha", "town", 29.5, 66.5, "PK", "Balochistan", "TableDistrict", 5000,
    source="GeoNames 1",
)  # fmt: skip
FAR = Place("gn:2", "Beta", "town", 10.0, 10.0, "PK", "Balochistan", "FallbackDistrict", 10)


def _claim(cid, article, figure, role, low, high=None, kind="official", incident="I1"):
    return Claim(
        cid, article, "incident", "gn:1", "Alpha", figure, role, low, high or low, "",
        "police", kind, dt.date(2026, 1, 31), "A sentence.", 0, 11, incident_id=incident,
    )  # fmt: skip


@pytest.fixture
def articles():
    return [
        Article("a1", "one.txt", "x", "Outlet One", "", dt.date(2026, 2, 1)),
        Article("a2", "two.txt", "x", "Outlet Two", "", dt.date(2026, 2, 3)),
    ]


@pytest.fixture
def incidents():
    return [
        Incident("I1", TOWN, dt.date(2026, 1, 31), "day", ("armed_assault", "other"), ("camp",),
                 ("a1", "a2")),
        Incident("I2", FAR, None, "unknown", ("other",), (), ("a1",)),
    ]  # fmt: skip


@pytest.fixture
def claims():
    return [
        _claim("c1", "a1", "killed", "security", 5),
        _claim("c2", "a2", "killed", "security", 8),
        _claim("c3", "a1", "killed", "civilian", 2, 3),
        _claim("c4", "a2", "killed", "security", 90, kind="party"),
        _claim("c5", "a2", "injured", "unspecified", 4),
    ]


def test_incident_rows_reconcile_figures_and_keep_party_claims_out(incidents, claims, articles):
    frame = incident_frame(incidents, claims, articles, districts=None)
    assert list(frame.columns) == [*INCIDENT_COLUMNS, "geometry"]
    row = frame.set_index("incident_id").loc["I1"]
    assert row["killed_security"] == 8  # the later article's figure, not the party's 90
    assert row["killed_civilians"] == 2
    assert (row["fatalities_low"], row["fatalities_best"], row["fatalities_high"]) == (7, 10, 11)
    assert row["injured"] == 4
    assert pd.isna(row["abducted"])
    assert row["attack_types"] == "armed_assault;other"
    assert row["primary_type"] == "armed_assault"
    assert (row["n_sources"], row["sources"]) == (2, "a1;a2")
    assert row["geo_precision"] == 1 and row["geo_source"] == TOWN.source


def test_without_polygons_district_comes_from_gazetteer_and_says_so(incidents, claims, articles):
    frame = incident_frame(incidents, claims, articles, districts=None).set_index("incident_id")
    assert frame.loc["I1", "admin2"] == "TableDistrict"
    assert "district from the gazetteer table" in frame.loc["I1", "notes"]
    assert frame.loc["I2", "event_date"] == ""


def test_polygons_override_the_table_and_outside_points_fall_back(incidents, claims, articles):
    districts = gpd.GeoDataFrame(
        {"admin2": ["PolygonDistrict"], "admin1": ["Balochistan"]},
        geometry=[box(66.0, 29.0, 67.0, 30.0)],
        crs="EPSG:4326",
    )
    frame = incident_frame(incidents, claims, articles, districts=districts).set_index(
        "incident_id"
    )
    assert frame.loc["I1", "admin2"] == "PolygonDistrict"
    assert "gazetteer" not in frame.loc["I1", "notes"]
    assert frame.loc["I2", "admin2"] == "FallbackDistrict"
    assert "point outside every polygon" in frame.loc["I2", "notes"]


def test_articles_frame_dates_as_iso_text(articles):
    # The claims' table is read from the store as columns: tests/test_store.py.
    table = articles_frame(articles)
    assert table.loc[1, "published"] == "2026-02-03"


def test_area_frame_reconciles_officials_and_lists_parties_apart(articles):
    def area_claim(cid, article, value, kind="official", claimant="police"):
        return Claim(
            cid, article, "area", "", "Balochistan", "killed", "security", value, value, "",
            claimant, kind, None, "A sentence.", 0, 11,
        )  # fmt: skip

    claims = [
        area_claim("c1", "a1", 15),
        area_claim("c2", "a2", 22),
        area_claim("c3", "a2", 280, "party", "BLA"),
    ]
    row = area_frame(claims, articles).iloc[0]
    assert (row["low"], row["best"], row["high"]) == (15, 22, 22)
    assert (row["n_claims"], row["n_articles"]) == (3, 2)
    assert row["party_claims"] == "280 (BLA)"
