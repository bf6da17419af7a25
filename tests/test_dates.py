import datetime as dt

import pytest

from geo.dates import find_dates, is_background

#: A Wednesday: weekdays count back from it.
PUBLISHED = dt.date(2026, 2, 4)
#: The last event date an earlier sentence gave.
PREVIOUS = dt.date(2026, 1, 31)


def _dates(text, anchor=PUBLISHED, previous=None):
    """(matched text, date, end, is_event) of each date, in order."""
    return [
        (text[d.start : d.end_char], d.date, d.end, d.is_event)
        for d in find_dates(text, anchor=anchor, previous=previous)
    ]


# ------------------------------------------------------------------ resolving

DATE_CASES = [
    pytest.param(
        "Militants attacked a post on Jan 31.",
        [("Jan 31", dt.date(2026, 1, 31), None, True)],
        id="month-day",
    ),
    pytest.param(
        "The bridge was blown up on Feb. 3 near the river.",
        [("Feb. 3", dt.date(2026, 2, 3), None, True)],
        id="month-with-dot",
    ),
    pytest.param(
        "The convoy came under fire on 31 January 2026.",
        [("31 January 2026", dt.date(2026, 1, 31), None, True)],
        id="day-month-year",
    ),
    pytest.param(
        "The raid took place on the 2nd of February.",
        [("2nd of February", dt.date(2026, 2, 2), None, True)],
        id="ordinal-of-month",
    ),
    pytest.param(
        "Militants attacked checkpoints on January 29 and 30, 2026.",
        [("January 29 and 30, 2026", dt.date(2026, 1, 29), dt.date(2026, 1, 30), True)],
        id="range-and-year",
    ),
    pytest.param(
        "Clashes continued on 29-30 January.",
        [("29-30 January", dt.date(2026, 1, 29), dt.date(2026, 1, 30), True)],
        id="range-day-first",
    ),
    pytest.param(
        "Militants attacked a camp on Dec 30.",
        [("Dec 30", dt.date(2025, 12, 30), None, True)],
        id="later-month-is-last-year",
    ),
    pytest.param(
        "The attack on 2026-01-31 killed four.",
        [("2026-01-31", dt.date(2026, 1, 31), None, True)],
        id="iso",
    ),
    pytest.param(
        "Gunmen struck on Feb 30.",
        [("Feb 30", None, None, True)],
        id="impossible-day",
    ),
    # weekdays against the publication date (a Wednesday)
    pytest.param(
        "Gunmen struck on Saturday.",
        [("Saturday", dt.date(2026, 1, 31), None, True)],
        id="weekday",
    ),
    pytest.param(
        "Gunmen struck on Wednesday.",
        [("Wednesday", dt.date(2026, 2, 4), None, True)],
        id="weekday-same-day",
    ),
    pytest.param(
        "Gunmen struck on Thursday.",
        [("Thursday", dt.date(2026, 1, 29), None, True)],
        id="weekday-day-after-is-last-week",
    ),
    pytest.param(
        "The blast came late Sunday night.",
        [("Sunday", dt.date(2026, 2, 1), None, True)],
        id="late-weekday-night",
    ),
    pytest.param(
        "Monday's ambush left five dead.",
        [("Monday's", dt.date(2026, 2, 2), None, True)],
        id="weekday-possessive",
    ),
    pytest.param(
        "The bodies were found yesterday.",
        [("yesterday", dt.date(2026, 2, 3), None, True)],
        id="yesterday",
    ),
    pytest.param(
        "Shops stayed shut today.",
        [("today", dt.date(2026, 2, 4), None, True)],
        id="today",
    ),
    # skipped: dates of saying and of ending
    pytest.param(
        "Police said on Feb 4 that six people died.",
        [("Feb 4", dt.date(2026, 2, 4), None, False)],
        id="reporting-before",
    ),
    pytest.param(
        "Six people died, police said on Feb 4.",
        [("Feb 4", dt.date(2026, 2, 4), None, False)],
        id="reporting-inverted",
    ),
    pytest.param(
        "A statement issued on Tuesday named the dead.",
        [("Tuesday", dt.date(2026, 2, 3), None, False)],
        id="statement-issued",
    ),
    pytest.param(
        "The curfew stayed in place until Feb 2.",
        [("Feb 2", dt.date(2026, 2, 2), None, False)],
        id="until",
    ),
    pytest.param(
        "Troops fought the attackers for hours before regaining control on Feb 2.",
        [("Feb 2", dt.date(2026, 2, 2), None, False)],
        id="before-ending",
    ),
    pytest.param(
        "Before dawn on Feb 1, gunmen attacked the station on Jan 31.",
        [
            ("Feb 1", dt.date(2026, 2, 1), None, False),
            ("Jan 31", dt.date(2026, 1, 31), None, True),
        ],
        id="ending-clause-is-per-clause",
    ),
    pytest.param("Gunmen attacked the post at dawn.", [], id="no-date"),
]


@pytest.mark.parametrize(("text", "expected"), DATE_CASES)
def test_find_dates(text, expected):
    assert _dates(text) == expected


@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        pytest.param(
            "Two soldiers died of their wounds the previous day.",
            PREVIOUS,
            dt.date(2026, 1, 30),
            id="previous-day-from-previous",
        ),
        pytest.param(
            "Two soldiers died of their wounds the previous day.",
            None,
            dt.date(2026, 2, 3),
            id="previous-day-from-anchor",
        ),
        pytest.param(
            "The second attack came a day earlier.",
            PREVIOUS,
            dt.date(2026, 1, 30),
            id="a-day-earlier",
        ),
        pytest.param(
            "Troops cleared the area the following day.",
            PREVIOUS,
            dt.date(2026, 2, 1),
            id="following-day",
        ),
        pytest.param(
            "The bodies were found yesterday.",
            PREVIOUS,
            dt.date(2026, 2, 3),
            id="yesterday-ignores-previous",
        ),
        pytest.param(
            "Gunmen struck on Saturday.",
            dt.date(2026, 1, 20),
            dt.date(2026, 1, 31),
            id="weekday-ignores-previous",
        ),
    ],
)
def test_relative_dates(text, previous, expected):
    (found,) = find_dates(text, anchor=PUBLISHED, previous=previous)
    assert found.date == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Gunmen struck on Saturday.", None, id="weekday"),
        pytest.param("Militants attacked a post on Jan 31.", None, id="no-year"),
        pytest.param("The bodies were found yesterday.", None, id="yesterday"),
        pytest.param("Troops returned the previous day.", None, id="previous-day"),
        pytest.param(
            "The convoy came under fire on 31 January 2026.",
            dt.date(2026, 1, 31),
            id="full-date-needs-no-anchor",
        ),
    ],
)
def test_without_anchor_a_date_is_never_invented(text, expected):
    (found,) = find_dates(text, anchor=None)
    assert found.date == expected
    assert found.end is None


def test_previous_day_without_anchor_uses_previous():
    (found,) = find_dates("Troops returned the previous day.", anchor=None, previous=PREVIOUS)
    assert found.date == dt.date(2026, 1, 30)


def test_dates_come_out_in_text_order():
    text = "After the raid on Saturday, a second attack came on Jan 29."
    assert _dates(text) == [
        ("Saturday", dt.date(2026, 1, 31), None, True),
        ("Jan 29", dt.date(2026, 1, 29), None, True),
    ]


# ------------------------------------------------------------------ background


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        pytest.param("In 2022, a similar attack killed ten people.", PUBLISHED, True, id="year"),
        pytest.param("The group has fought the state since 2004.", PUBLISHED, True, id="since"),
        pytest.param("Last year, the group attacked a train.", PUBLISHED, True, id="last-year"),
        pytest.param("The highway was closed last month.", PUBLISHED, True, id="last-month"),
        pytest.param("The camp was attacked two years ago.", PUBLISHED, True, id="years-ago"),
        pytest.param("In March 2025, militants blocked the highway.", PUBLISHED, True, id="m-y"),
        pytest.param(
            "In December 2025, militants blocked the highway.",
            PUBLISHED,
            True,
            id="two-months-before",
        ),
        pytest.param(
            "In January 2026, militants blocked the highway.",
            PUBLISHED,
            False,
            id="month-before",
        ),
        pytest.param(
            "In February 2026, militants blocked the highway.",
            PUBLISHED,
            False,
            id="same-month",
        ),
        pytest.param(
            "In December 2025, militants blocked the highway.",
            dt.date(2026, 1, 10),
            False,
            id="month-before-across-new-year",
        ),
        pytest.param(
            "In November 2025, militants blocked the highway.",
            dt.date(2026, 1, 10),
            True,
            id="two-months-before-across-new-year",
        ),
        pytest.param("Gunmen attacked the post on Saturday.", PUBLISHED, False, id="event"),
        pytest.param("In 2026, the attacks grew bolder.", PUBLISHED, False, id="this-year"),
        pytest.param("In 2022, a bus was attacked.", None, False, id="year-without-reference"),
        pytest.param("Last year, a bus was attacked.", None, True, id="words-need-no-reference"),
    ],
)
def test_is_background(lexicon, text, reference, expected):
    assert is_background(text, reference=reference, cues=lexicon.background) is expected
