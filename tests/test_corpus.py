"""Extraction on the development corpus (real reporting, ../shared/corpus): a regression floor.

The corpus is real articles from 19 outlets with a hand-made gold file; its
texts belong to their publishers and are read from ``../shared`` only.  The
floors sit a little under the scores measured when issue 9 landed
(``benchmarks/extraction.py`` prints them): a change that loses ground on the
corpus as a whole fails here, whatever it wins on one article.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.evaluate import evaluate_build
from geo.pipeline import MapOptions, build

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CORPUS / "gold.csv").exists(), reason="no ../shared/corpus"),
]


@pytest.fixture(scope="module")
def evaluation(resources, boundary_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "out"
    build(
        [CORPUS / "articles"],
        out_dir=out,
        resources=resources,
        map_options=MapOptions(tiles=False),
    )
    return evaluate_build(out, CORPUS / "gold.csv")


def test_places_and_districts(evaluation):
    assert evaluation.places.f1 >= 0.92, evaluation.explain()
    assert evaluation.districts.f1 >= 0.96
    assert evaluation.article_places.f1 >= 0.92


def test_attack_types(evaluation):
    assert evaluation.district_types.f1 >= 0.85


def test_figures_found_and_right(evaluation):
    assert evaluation.figure_share >= 0.9, evaluation.missed_figures
    assert evaluation.figure_precision >= 0.88, evaluation.explain()


def test_no_background_event_is_mapped(evaluation):
    assert evaluation.background_mapped == ()
