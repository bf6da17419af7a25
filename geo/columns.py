"""Values and columns typed by the export schema, every kind of "missing" as one.

pandas spells a missing value ``None``, ``NaN``, ``pd.NA`` or ``NaT``
depending on the column; the outputs need one answer each: ``""`` for text,
``None`` for a count.  :func:`typed_column` types a column by
:func:`geo.schema.column_type`, so a count is ``Int64`` and a date an ISO
day whatever the data held.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from geo.schema import column_type


def value_or_none(value: Any) -> Any:
    """``None`` for every kind of missing value (None, NA, NaT, NaN), else the value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def text(value: Any) -> str:
    """Return ``value`` as text, every kind of missing value as ``""``."""
    value = value_or_none(value)
    return "" if value is None else str(value)


def integer(value: Any) -> int | None:
    """Return ``value`` as an int, every kind of missing value as ``None``."""
    value = value_or_none(value)
    return None if value is None else int(value)


def typed_column(values: pd.Series, name: str, what: str = "table") -> pd.Series:
    """Type one column by the schema: Int64, float64, ISO date text or text.

    Raises
    ------
    ValueError
        If a count is not whole or a coordinate not a number, naming the column.
    """
    kind = column_type(name)
    values = values.reset_index(drop=True)
    if kind == "int":
        try:
            return values.astype("Int64")
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{what} column {name!r} must hold whole numbers or <NA>: {error}"
            ) from error
    if kind == "float":
        try:
            return pd.to_numeric(values).astype("float64")
        except (TypeError, ValueError) as error:
            raise ValueError(f"{what} column {name!r} must hold numbers or NaN: {error}") from error
    # Most cells already are text: testing that first spares a function call
    # per cell (the build's tables have hundreds of thousands), and a list is
    # walked several times faster than Series.map.
    cells = values.tolist()
    if kind == "date":
        cells = [v.strip() if type(v) is str else _iso_day(v) for v in cells]
    else:
        cells = [v if type(v) is str else text(v) for v in cells]
    return pd.Series(cells, index=values.index, dtype=object, name=values.name)


def _iso_day(value: Any) -> str:
    value = value_or_none(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")``, column by column: the same dicts, several times faster.

    pandas boxes every cell on its own there; ``Series.tolist`` converts a
    column at once (numbers to Python numbers).  A missing count is ``None``,
    as ``to_dict`` gives it.
    """
    names = list(frame.columns)
    columns = [listed(frame[name]) for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def row_tuples(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """``frame.itertuples(index=False, name=None)``, read column by column.

    pandas walks an extension column (a count, a string) one boxed cell at a
    time there; :func:`listed` converts each column at once.  A missing
    count is ``None``.
    """
    return zip(*(listed(frame[name]) for name in frame.columns), strict=True)


def listed(column: pd.Series) -> list[Any]:
    """``column.tolist()``, a missing value of an extension column (a count) as ``None``."""
    values = column.tolist()
    if isinstance(column.dtype, pd.api.extensions.ExtensionDtype):
        return [None if v is pd.NA else v for v in values]
    return values


def typed_table(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Return ``frame``'s ``columns``, each typed by the schema, on a fresh index."""
    return pd.DataFrame({c: typed_column(frame[c], c) for c in columns}, index=range(len(frame)))


def empty_table(columns: Sequence[str]) -> pd.DataFrame:
    """Return a table with no rows and ``columns``, typed by the schema."""
    return typed_table(pd.DataFrame({c: [] for c in columns}), columns)
