import itertools
import random

import pytest

from geo.classes import class_breaks, class_colour, natural_breaks
from geo.schema import CLASS_COLOURS, MAX_CLASSES


def brute_force(values, k):
    """The optimal split by trying every one (small inputs only)."""
    data = sorted(values)
    starts = [i for i in range(1, len(data)) if data[i] != data[i - 1]]

    def cost(run):
        mean = sum(run) / len(run)
        return sum((v - mean) ** 2 for v in run)

    best = None
    for cuts in itertools.combinations(starts, k - 1):
        bounds = [0, *cuts, len(data)]
        total = sum(cost(data[a:b]) for a, b in itertools.pairwise(bounds))
        if best is None or total < best[0] - 1e-9:
            best = (total, [data[b - 1] for b in bounds[1:]])
    return best[1]


@pytest.mark.parametrize("seed", range(8))
def test_natural_breaks_are_the_optimal_split(seed):
    rng = random.Random(seed)
    values = [rng.choice([0, 1, 2, 3, 5, 8, 13, 40, 41, 90, 200]) for _ in range(14)]
    k = rng.randint(2, 4)
    assert natural_breaks(values, k) == brute_force(values, min(k, len(set(values))))


def test_natural_breaks_separates_obvious_groups():
    assert natural_breaks([1, 2, 3, 50, 51, 52, 400, 410], 3) == [3, 52, 410]


def test_natural_breaks_edge_cases():
    assert natural_breaks([], 3) == []
    assert natural_breaks([7, 7, 7], 3) == [7]
    with pytest.raises(ValueError, match="k must be 1 or more"):
        natural_breaks([1], 0)


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        ([], []),
        ([4], [(4, 4)]),
        ([0, 3, 3, 9], [(0, 0), (1, 3), (4, 9)]),
        ([1, 2, 3, 4, 5], [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]),
    ],
)
def test_few_distinct_values_each_close_a_class(values, labels):
    assert [(lo, hi) for lo, hi, _c in class_breaks(values)] == labels


def test_many_values_get_at_most_five_contiguous_classes_in_any_order():
    values = [0, 1, 1, 2, 3, 10, 12, 13, 40, 45, 50, 200, 210]
    classes = class_breaks(values)
    assert len(classes) == MAX_CLASSES
    assert classes[0][0] == 0 and classes[-1][1] == 210
    for (_lo, hi, _c), (next_lo, _hi, _c2) in itertools.pairwise(classes):
        assert next_lo == hi + 1
    assert [c for _lo, _hi, c in classes] == list(CLASS_COLOURS)
    assert classes == class_breaks(list(reversed(values)))


def test_class_colour():
    classes = class_breaks([1, 5, 9])
    assert class_colour(5, classes) == classes[1][2]
    assert class_colour(None, classes) is None
    assert class_colour(1000, classes) == classes[-1][2]


def test_a_hundred_districts_do_not_need_mapclassify(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "mapclassify", None)
    rng = random.Random(1)
    assert len(class_breaks([rng.randint(0, 300) for _ in range(126)])) == MAX_CLASSES
