"""Tests for geo.bulk: extraction mapped over a Dask bag, loaded into a store, then built."""

from __future__ import annotations

import pytest

from geo.bulk import extract_path, for_workers, store_extractions
from geo.pipeline import STORE_NAME, build
from tests.test_incremental import _write

TABLES = ("incidents.csv", "claims.csv", "areas.csv", "incidents.geojson")


def test_an_unusable_file_gives_none(resources, tmp_path, caplog):
    path = tmp_path / "blank.txt"
    path.write_text("  \n", encoding="utf-8")
    assert extract_path(path, resources=resources) is None
    assert "blank.txt" in caplog.text


@pytest.mark.slow
def test_a_dask_bag_then_a_build_equals_one_build(resources, tmp_path):
    bag = pytest.importorskip("dask.bag")
    folder = tmp_path / "articles"
    _write(folder, range(8))
    paths = sorted(str(p) for p in folder.iterdir())

    mapped = bag.from_sequence(paths, npartitions=2).map(
        extract_path, resources=for_workers(resources)
    )
    results = mapped.compute(scheduler="processes", num_workers=2)
    out = tmp_path / "bulk"
    added = store_extractions(out / STORE_NAME, results)
    assert len(added) == 8
    assert store_extractions(out / STORE_NAME, results) == []  # known ones are left
    result = build([folder], out_dir=out, resources=resources)
    assert (result.n_new, result.n_known) == (0, 8)

    once = tmp_path / "once"
    build([folder], out_dir=once, resources=resources)
    for name in TABLES:
        assert (out / name).read_bytes() == (once / name).read_bytes(), name


def test_a_store_of_another_extractor_is_refused(tmp_path):
    from geo.store import Store

    with Store(tmp_path / STORE_NAME) as store, store.transaction():
        store.set_meta("extractor", "an-older-one")
    with pytest.raises(ValueError, match="another version of the extractor"):
        store_extractions(tmp_path / STORE_NAME, [])
