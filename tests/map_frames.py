"""Hand-made export tables for the model, map and static-image tests."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from geo.schema import CLAIM_COLUMNS, INCIDENT_COLUMNS

COUNTS = [
    "killed_civilians", "killed_security", "killed_militants", "killed_unspecified",
    "fatalities_low", "fatalities_best", "fatalities_high", "injured", "abducted",
    "freed_prisoners",
]  # fmt: skip


def incident(incident_id, place, lat, lon, primary, best=pd.NA, **extra):
    row = dict.fromkeys(INCIDENT_COLUMNS, "")
    row.update(dict.fromkeys(COUNTS, pd.NA))
    row.update(
        incident_id=incident_id, event_date="2026-01-31", date_precision="day", place=place,
        admin1="Balochistan", admin2="Gwadar", latitude=lat, longitude=lon, geo_precision=1,
        attack_types=primary, primary_type=primary, fatalities_best=best,
        fatalities_low=best, fatalities_high=best, n_sources=1, sources="a1;a2",
    )  # fmt: skip
    row.update(extra)
    return row


def make_incidents(rows):
    frame = pd.DataFrame(rows, columns=list(INCIDENT_COLUMNS))
    for column in [*COUNTS, "geo_precision", "n_sources"]:
        frame[column] = frame[column].astype("Int64")
    frame[["latitude", "longitude"]] = frame[["latitude", "longitude"]].astype(float)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]), crs="EPSG:4326"
    )


def claim(claim_id, incident_id, figure, role, value, claimant, kind, sentence, *, area="",
          high=None, article="a1", published="2026-02-01", outlet="Dawn"):  # fmt: skip
    return {
        "claim_id": claim_id, "incident_id": incident_id,
        "scope": "area" if area else "incident", "area": area, "figure": figure, "role": role,
        "value_low": value, "value_high": value if high is None else high, "qualifier": "",
        "claimant": claimant, "claimant_kind": kind, "article_id": article, "outlet": outlet,
        "published": published, "sentence": sentence,
    }  # fmt: skip


def make_claims(rows):
    frame = pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))
    frame[["value_low", "value_high"]] = frame[["value_low", "value_high"]].astype("Int64")
    return frame


def articles_frame(rows=None):
    rows = rows or [
        {"article_id": "a1", "path": "/home/analyst/secret/seeds/a1.txt", "outlet": "Dawn",
         "url": "https://dawn.com/x?a=1&b=2", "published": "2026-02-01",
         "title": "Attacks <b>bold</b>"},
        {"article_id": "a2", "path": "/home/analyst/secret/seeds/a2.txt", "outlet": "",
         "url": "https://www.example.org/news/2", "published": "2026-02-03", "title": ""},
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["article_id", "path", "outlet", "url", "published", "title"])


def district_polygons():
    return gpd.GeoDataFrame(
        {
            "admin2": ["Gwadar", "Quetta", "Kalat", "Lahore"],
            "admin1": ["Balochistan", "Balochistan", "Balochistan", "Punjab"],
        },
        geometry=[
            box(61.6, 24.8, 64.6, 26.2),
            box(66.7, 29.9, 67.4, 30.5),
            box(66.0, 28.5, 67.0, 29.5),
            box(74.0, 31.2, 74.6, 31.8),
        ],
        crs="EPSG:4326",
    )
