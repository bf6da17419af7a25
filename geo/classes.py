"""Class breaks for the district choropleth: natural breaks, computed exactly.

A map shades at most a few hundred districts, so the optimal Fisher-Jenks
classes (the split of the sorted values that minimises the squared
deviations within classes) are found by dynamic programming in well under a
millisecond, without pulling in scipy and scikit-learn through
``mapclassify``.  Pure and deterministic: the same values, in any order,
give the same classes.
"""

from __future__ import annotations

from collections.abc import Iterable

from geo.schema import CLASS_COLOURS, MAX_CLASSES

Classes = tuple[tuple[int, int, str], ...]


def natural_breaks(values: Iterable[float], k: int) -> list[float]:
    """Return the upper bound of each of at most ``k`` Fisher-Jenks classes, ascending.

    Parameters
    ----------
    values : iterable of float
        The values to class (any order; repeats count).
    k : int
        The number of classes wanted, 1 or more.

    Returns
    -------
    list of float
        The largest value of each class; fewer than ``k`` when there are
        fewer distinct values.

    Raises
    ------
    ValueError
        If ``k`` is less than 1.
    """
    if k < 1:
        raise ValueError(f"k must be 1 or more, got {k!r}")
    data = sorted(float(v) for v in values)
    n = len(data)
    if n == 0:
        return []
    k = min(k, len(set(data)))
    # Prefix sums give the squared deviation of any run data[i:j] in O(1).
    s1, s2 = [0.0], [0.0]
    for v in data:
        s1.append(s1[-1] + v)
        s2.append(s2[-1] + v * v)

    def cost(i: int, j: int) -> float:
        total = s1[j] - s1[i]
        return (s2[j] - s2[i]) - total * total / (j - i)

    inf = float("inf")
    # best[c][j]: least cost of data[:j] in c classes; cut[c][j]: where the last class starts.
    best = [[inf] * (n + 1) for _ in range(k + 1)]
    cut = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for c in range(1, k + 1):
        for j in range(c, n + 1):
            for i in range(c - 1, j):
                # A class never splits equal values: it must start at a new value.
                if i and data[i] == data[i - 1]:
                    continue
                candidate = best[c - 1][i] + cost(i, j)
                if candidate < best[c][j] - 1e-9:
                    best[c][j], cut[c][j] = candidate, i
    uppers, j = [], n
    for c in range(k, 0, -1):
        uppers.append(data[j - 1])
        j = cut[c][j]
    return sorted(set(uppers))


def class_breaks(values: Iterable[int], *, k: int = MAX_CLASSES) -> Classes:
    """Class whole-number totals: ``(low, high, colour)`` per class, lowest first.

    With at most ``k`` distinct values each value is its own class; with
    more, :func:`natural_breaks` finds ``k``.  Classes are contiguous
    integer ranges (the next class starts one above the last's top), and
    take colours from :data:`geo.schema.CLASS_COLOURS`, light to dark.
    """
    distinct = sorted({int(v) for v in values})
    if not distinct:
        return ()
    # Few values: each is a class of its own; more: the natural breaks.
    uppers = distinct if len(distinct) <= k else [int(u) for u in natural_breaks(distinct, k)]
    colours = _spread(len(uppers))
    classes, low = [], distinct[0]
    for upper, colour in zip(uppers, colours, strict=True):
        classes.append((low, upper, colour))
        low = upper + 1
    return tuple(classes)


def class_colour(value: int | None, classes: Classes) -> str | None:
    """Return the colour of ``value``'s class, or ``None`` for a missing value."""
    if value is None or not classes:
        return None
    for _low, high, colour in classes:
        if value <= high:
            return colour
    return classes[-1][2]


def _spread(n: int) -> list[str]:
    """Pick ``n`` colours from :data:`CLASS_COLOURS`, light to dark, ends included."""
    if n == 1:
        return [CLASS_COLOURS[2]]
    last = len(CLASS_COLOURS) - 1
    return [CLASS_COLOURS[round(i * last / (n - 1))] for i in range(n)]
