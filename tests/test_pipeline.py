"""Tests for geo.pipeline: building from articles on disk, incrementally and offline.

The small articles here are written for these tests.  The seed tests read the
reference articles from ``../shared/seeds`` and are skipped without them.
"""

from __future__ import annotations

import csv
import json
import logging
import socket
from pathlib import Path

import pytest

from geo.pipeline import build, load_resources

SEEDS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

INCIDENT_COLUMNS = [
    "incident_id", "event_date", "date_precision", "place", "admin1", "admin2", "admin3",
    "latitude", "longitude", "geo_precision", "attack_types", "primary_type", "target",
    "killed_civilians", "killed_security", "killed_militants", "killed_unspecified",
    "fatalities_low", "fatalities_best", "fatalities_high", "injured", "abducted",
    "freed_prisoners", "n_sources", "sources", "notes", "geo_source",
]  # fmt: skip
CLAIM_COLUMNS = [
    "claim_id", "incident_id", "scope", "area", "figure", "role", "value_low", "value_high",
    "qualifier", "claimant", "claimant_kind", "article_id", "outlet", "published", "sentence",
]  # fmt: skip
OUTPUTS = (
    "incidents.csv",
    "claims.csv",
    "districts.csv",
    "areas.csv",
    "incidents.geojson",
    "incidents.gpkg",
    "incidents.html",
    "incidents.png",
    "incidents.svg",
    "changes.json",
)

FRONT_MATTER = """\
---
title: Gunmen storm a bank in Kalat
outlet: Valley Courier
published: 2026-02-01
url: https://example.org/kalat-bank
tags: [security]
---
Gunmen stormed a bank in Kalat on Saturday, police said.

Police said three guards were killed in the raid.
"""
PLAIN = "A bomb went off near a market in Kharan, killing five civilians, officials said.\n"
PAGE = (
    "<html><head><title>Checkpoint attack</title>"
    '<meta property="og:site_name" content="Coast Daily">'
    '<meta property="article:published_time" content="2026-02-02T08:00:00Z">'
    "</head><body><nav>Home | World</nav>"
    "<p>In Turbat, gunmen attacked a checkpoint on Saturday.</p>"
    "<p>Police said four soldiers were killed.</p></body></html>"
)
# Curly quotes and a dash that cp1252 encodes in one byte each.
CP1252 = (
    "Militants torched a government office in Panjgur on Saturday \u2013 the district\u2019s "
    "administration said two guards were killed.\n"
)
EXTRA = "Gunmen ambushed a convoy near Mastung on Saturday, and police said two officers died.\n"


def _write_articles(folder):
    folder.mkdir()
    (folder / "a_front.md").write_text(FRONT_MATTER, encoding="utf-8")
    (folder / "b_plain.txt").write_text(PLAIN, encoding="utf-8")
    (folder / "c_page.html").write_text(PAGE, encoding="utf-8")
    (folder / "d_cp1252.txt").write_bytes(CP1252.encode("cp1252"))
    (folder / "e_empty.txt").write_text("", encoding="utf-8")
    (folder / "notes.csv").write_text("not,an,article\n", encoding="utf-8")
    return folder


def _rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _header(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def _snapshot(out):
    return {name: (out / name).read_bytes() for name in OUTPUTS}


@pytest.fixture
def articles(tmp_path):
    return _write_articles(tmp_path / "articles")


@pytest.fixture
def built(articles, tmp_path, resources):
    out = tmp_path / "out"
    result = build([articles], out_dir=out, resources=resources)
    return result, out


def test_build_writes_the_outputs_with_the_design_columns(articles, tmp_path, resources, caplog):
    caplog.set_level(logging.WARNING, logger="geo.pipeline")
    out = tmp_path / "out"
    result = build([articles], out_dir=out, resources=resources)

    assert (result.n_files, result.n_new, result.n_known) == (5, 4, 0)
    assert result.skipped == (str(articles / "e_empty.txt"),)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "e_empty.txt" in warnings[0] and "empty" in warnings[0]
    assert result.outputs == {name: out / name for name in OUTPUTS}
    for name in OUTPUTS:
        assert (out / name).is_file()
    assert (out / "incidentmap.db").is_file()
    assert _header(out / "incidents.csv") == INCIDENT_COLUMNS
    assert _header(out / "claims.csv") == CLAIM_COLUMNS
    geojson = json.loads((out / "incidents.geojson").read_text(encoding="utf-8"))
    assert geojson["type"] == "FeatureCollection"
    assert [list(f["properties"]) for f in geojson["features"]] == [INCIDENT_COLUMNS] * 4
    assert (result.n_incidents, result.n_claims) == (4, 4)


def test_build_content_of_the_small_articles(built):
    _, out = built
    incidents = {r["place"]: r for r in _rows(out / "incidents.csv")}
    assert sorted(incidents) == ["Kalat", "Kharan", "Panjgur", "Turbat"]
    assert {p: r["admin2"] for p, r in incidents.items()} == {
        "Kalat": "Kalat",
        "Kharan": "Kharan",
        "Panjgur": "Panjgur",
        "Turbat": "Kech",
    }
    assert {r["admin1"] for r in incidents.values()} == {"Balochistan"}
    kalat = incidents["Kalat"]
    # Front matter dates the article 1 February 2026, so "Saturday" is 31 January.
    assert (kalat["event_date"], kalat["date_precision"]) == ("2026-01-31", "day")
    # A bank's guards are civilians (private guards, not the state's forces).
    assert (kalat["primary_type"], kalat["target"], kalat["killed_civilians"]) == (
        "armed_assault",
        "bank",
        "3",
    )
    turbat = incidents["Turbat"]
    assert (turbat["event_date"], turbat["killed_security"], turbat["fatalities_best"]) == (
        "2026-01-31",
        "4",
        "4",
    )
    assert incidents["Kharan"]["killed_civilians"] == "5"
    assert incidents["Panjgur"]["primary_type"] == "arson"

    claims = {r["area"]: r for r in _rows(out / "claims.csv")}
    assert sorted(claims) == ["Kalat", "Kharan", "Panjgur", "Turbat"]
    assert (claims["Kalat"]["outlet"], claims["Kalat"]["published"]) == (
        "Valley Courier",
        "2026-02-01",
    )
    assert claims["Turbat"]["outlet"] == "Coast Daily"
    # The cp1252 file is read as such and written out as UTF-8.
    assert "\u2013 the district\u2019s administration" in claims["Panjgur"]["sentence"]
    for claim in claims.values():
        assert claim["incident_id"] == incidents[claim["area"]]["incident_id"]


def test_second_build_reads_nothing_and_rewrites_the_same_bytes(built, articles, resources):
    _, out = built
    before = _snapshot(out)
    again = build([articles], out_dir=out, resources=resources)
    assert (again.n_files, again.n_new, again.n_known, again.skipped) == (
        5,
        0,
        4,
        (str(articles / "e_empty.txt"),),
    )
    assert _snapshot(out) == before


def test_adding_a_file_reads_exactly_one(built, articles, resources):
    _, out = built
    (articles / "f_extra.txt").write_text(EXTRA, encoding="utf-8")
    result = build([articles], out_dir=out, resources=resources)
    assert (result.n_files, result.n_new, result.n_known) == (6, 1, 4)
    places = sorted(r["place"] for r in _rows(out / "incidents.csv"))
    assert places == ["Kalat", "Kharan", "Mastung", "Panjgur", "Turbat"]


def test_changed_file_is_read_again(built, articles, resources):
    _, out = built
    (articles / "b_plain.txt").write_text(PLAIN.replace("five", "six"), encoding="utf-8")
    result = build([articles], out_dir=out, resources=resources)
    assert (result.n_new, result.n_known) == (1, 3)
    kharan = [r for r in _rows(out / "incidents.csv") if r["place"] == "Kharan"]
    assert [r["killed_civilians"] for r in kharan] == ["6"]


def test_rebuild_rereads_everything(built, articles, resources):
    _, out = built
    before = _snapshot(out)
    result = build([articles], out_dir=out, resources=resources, rebuild=True)
    assert (result.n_new, result.n_known) == (4, 0)
    assert _snapshot(out) == before


def test_store_path_can_live_elsewhere(articles, tmp_path, resources):
    store = tmp_path / "elsewhere" / "my.db"
    build([articles], out_dir=tmp_path / "out", store_path=store, resources=resources)
    assert store.is_file()
    assert not (tmp_path / "out" / "incidentmap.db").exists()


def test_missing_path_raises_naming_it(tmp_path, resources):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match="nope"):
        build([missing], out_dir=tmp_path / "out", resources=resources)


def test_progress_wraps_the_article_loop(articles, tmp_path, resources):
    seen = []

    def progress(items, total):
        seen.append(total)
        return items

    build([articles], out_dir=tmp_path / "out", resources=resources, progress=progress)
    assert seen == [5]


# --- the seed articles ----------------------------------------------------------------

SEED_PLACES = {
    "Quetta": "Quetta",
    "Nushki": "Nushki",
    "Pasni": "Gwadar",
    "Gwadar": "Gwadar",
    "Mastung": "Mastung",
    "Kalat": "Kalat",
    "Kharan": "Kharan",
    "Dalbandin": "Chagai",
    "Panjgur": "Panjgur",
    "Tump": "Kech",
}
NOT_INCIDENT_PLACES = {"Khuzdar", "Karachi", "Islamabad", "Beijing", "New Delhi"}


def _check_seed_outputs(out):
    incidents = _rows(out / "incidents.csv")
    places = {r["place"]: r["admin2"] for r in incidents}
    assert places == SEED_PLACES
    assert len(incidents) == len(SEED_PLACES)
    assert {r["admin1"] for r in incidents} == {"Balochistan"}
    assert not NOT_INCIDENT_PLACES & set(places)
    claims = _rows(out / "claims.csv")
    area = {(c["figure"], c["role"], c["value_low"]) for c in claims if c["scope"] == "area"}
    assert {
        ("killed", "civilian", "36"),
        ("killed", "security", "22"),
        ("killed", "militant", "197"),
    } <= area
    party = {
        (c["claimant"], c["claimant_kind"], c["scope"])
        for c in claims
        if (c["figure"], c["role"], c["value_low"]) == ("killed", "security", "280")
    }
    assert party == {("BLA", "party", "area")}
    assert not NOT_INCIDENT_PLACES & {c["area"] for c in claims}
    return incidents


@pytest.mark.seeds
@pytest.mark.slow
def test_seeds_end_to_end(seeds_dir, boundary_data_dir, resources, tmp_path):
    out = tmp_path / "out"
    result = build([seeds_dir], out_dir=out, resources=resources)
    assert (result.n_files, result.n_new, result.skipped) == (5, 5, ())
    assert result.n_incidents == len(SEED_PLACES)
    incidents = _check_seed_outputs(out)
    assert all("district from the gazetteer" not in r["notes"] for r in incidents)
    before = _snapshot(out)
    again = build([seeds_dir], out_dir=out, resources=resources)
    assert (again.n_new, again.n_known) == (0, 5)
    assert _snapshot(out) == before


@pytest.mark.seeds
@pytest.mark.slow
def test_seeds_with_only_the_shipped_boundaries(seeds_dir, tmp_path, monkeypatch):
    # A fresh machine: no INCIDENTMAP_DATA, an empty cache; the shipped layer serves.
    monkeypatch.delenv("INCIDENTMAP_DATA", raising=False)
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    monkeypatch.setenv("INCIDENTMAP_CACHE", str(cache))
    resources = load_resources()
    assert len(resources.districts) == 126
    assert resources.boundaries.startswith("district polygons: geoBoundaries PAK ADM2 2019, ship")
    out = tmp_path / "out"
    result = build([seeds_dir], out_dir=out, resources=resources)
    assert result.boundaries == resources.boundaries
    incidents = _check_seed_outputs(out)
    for row in incidents:
        assert "district from the gazetteer" not in row["notes"]
        assert "polygon" not in row["geo_source"]  # the point's source only
    # Nothing was downloaded (the built gazetteer may be kept there).
    assert [p.name for p in cache.iterdir() if p.name != "gazetteer"] == []


class _NoNetwork(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise _NoNetwork(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.mark.slow
def test_build_opens_no_network_connection(
    no_network, articles, tmp_path, monkeypatch, boundary_data_dir_or_none
):
    folder = boundary_data_dir_or_none
    if folder is None:
        monkeypatch.delenv("INCIDENTMAP_DATA", raising=False)
        monkeypatch.setenv("INCIDENTMAP_CACHE", str(tmp_path / "cache"))
    else:
        monkeypatch.setenv("INCIDENTMAP_DATA", str(folder))
    with pytest.raises(_NoNetwork):  # the guard works
        socket.create_connection(("example.org", 80))
    no_network.clear()

    resources = load_resources()
    result = build([articles], out_dir=tmp_path / "samples", resources=resources)
    assert result.n_new == 4
    if SEEDS_DIR.is_dir():
        seeds = build([SEEDS_DIR], out_dir=tmp_path / "seeds", resources=resources)
        assert seeds.n_incidents == len(SEED_PLACES)
    assert no_network == []


@pytest.mark.slow
def test_a_store_read_by_another_extractor_is_read_again(articles, tmp_path, resources):
    from geo.pipeline import extractor_fingerprint
    from geo.store import Store

    out = tmp_path / "out"
    first = build([articles], out_dir=out, resources=resources)
    with Store(out / "incidentmap.db") as store, store.transaction():
        assert store.get_meta("extractor") == extractor_fingerprint()
        store.set_meta("extractor", "an-older-extractor")
    again = build([articles], out_dir=out, resources=resources)
    assert again.reextracted == first.n_new
    assert (again.n_new, again.n_known) == (0, first.n_new)
    assert again.n_incidents == first.n_incidents
