import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geo.columns import empty_table, integer, records, text, typed_column, typed_table


@pytest.mark.parametrize("missing", [None, pd.NA, pd.NaT, float("nan"), np.nan])
def test_every_missing_value_is_one(missing):
    assert text(missing) == "" and integer(missing) is None


def test_columns_are_typed_by_the_schema_not_the_data():
    assert str(typed_column(pd.Series([None, None]), "injured").dtype) == "Int64"
    days = pd.Series([dt.date(2026, 1, 31), None, "2026-02-01"])
    assert typed_column(days, "event_date").tolist() == ["2026-01-31", "", "2026-02-01"]
    assert typed_column(pd.Series(["3", 4]), "latitude").tolist() == [3.0, 4.0]
    assert typed_column(pd.Series(["Pasni", None]), "place").tolist() == ["Pasni", ""]
    with pytest.raises(ValueError, match="'injured' must hold whole numbers"):
        typed_column(pd.Series([1.5]), "injured", "incidents")
    with pytest.raises(ValueError, match="'latitude' must hold numbers"):
        typed_column(pd.Series(["north"]), "latitude")


def test_tables():
    table = typed_table(
        pd.DataFrame({"injured": [1.0], "place": [None]}, index=[5]), ["place", "injured"]
    )
    assert list(table.columns) == ["place", "injured"] and list(table.index) == [0]
    assert str(empty_table(["incidents", "admin2"])["incidents"].dtype) == "Int64"


def test_records_are_the_rows_to_dict_gives():
    frame = pd.DataFrame(
        {
            "count": pd.Series([3, None], dtype="Int64"),
            "latitude": [25.1, np.nan],
            "place": pd.Series(["Turbat", None], dtype=object),
            "day": [dt.date(2026, 1, 31), None],
        }
    )

    rows = records(frame)

    assert rows == [
        {"count": 3, "latitude": 25.1, "place": "Turbat", "day": dt.date(2026, 1, 31)},
        {"count": None, "latitude": rows[1]["latitude"], "place": None, "day": None},
    ]
    assert np.isnan(rows[1]["latitude"])
    assert [type(v) for v in rows[0].values()] == [int, float, str, dt.date]
    assert str(rows) == str(frame.to_dict("records"))
