"""Extraction on articles the rules were not written from: scores close to the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.evaluate import evaluate_build
from geo.pipeline import build

pytestmark = pytest.mark.slow  # builds and scores whole article sets

UNSEEN = Path(__file__).parent / "data" / "unseen"


@pytest.fixture(scope="module")
def evaluation(resources, tmp_path_factory):
    out = tmp_path_factory.mktemp("unseen") / "out"
    build([UNSEEN / "articles"], out_dir=out, resources=resources)
    return evaluate_build(out, UNSEEN / "gold.csv")


def test_places_and_districts_are_all_right(evaluation):
    assert (evaluation.places.precision, evaluation.places.recall) == (1.0, 1.0)
    assert (evaluation.districts.precision, evaluation.districts.recall) == (1.0, 1.0)
    assert evaluation.unexpected_places == ()  # no Quetta from a dateline or a route


def test_attack_types_and_figures_score_like_the_seeds(evaluation):
    assert evaluation.district_types.f1 >= 0.85
    assert evaluation.figure_share >= 0.9, evaluation.missed_figures


def test_seed_scores_meet_the_bar(resources, seeds_dir, tmp_path):
    out = tmp_path / "out"
    build([seeds_dir], out_dir=out, resources=resources)
    gold = seeds_dir.parent / "fixtures" / "seed_gold.csv"
    result = evaluate_build(out, gold)
    assert (result.places.precision, result.places.recall) == (1.0, 1.0)
    assert (result.districts.precision, result.districts.recall) == (1.0, 1.0)
    assert result.district_types.f1 >= 0.85
    assert result.figure_share >= 0.9, result.missed_figures
    assert result.unexpected_places == ()


def test_seed_contested_area_figures_are_all_kept_with_their_claimants(
    resources, seeds_dir, tmp_path
):
    import csv

    out = tmp_path / "out"
    build([seeds_dir], out_dir=out, resources=resources)
    with (out / "claims.csv").open(encoding="utf-8") as handle:
        area = [r for r in csv.DictReader(handle) if r["scope"] == "area"]

    def values(role, *, party=False, figure="killed"):
        return {
            int(r["value_low"])
            for r in area
            if (r["figure"], r["role"]) == (figure, role)
            and (r["claimant_kind"] == "party") == party
        }

    assert {36, 31, 18} <= values("civilian")
    assert {22, 17, 15} <= values("security")
    assert {197, 177, 145, 133, 92, 41} <= values("militant")
    assert values("security", party=True) == {280, 200, 84}
    assert values("security", party=True, figure="captured") == {18}
    assert all(
        r["claimant"] and r["claimant"] != "unattributed"
        for r in area
        if r["value_low"] in ("36", "22")
    )
    assert {r["claimant"] for r in area if r["claimant_kind"] == "party"} == {"BLA"}
