"""Dates in a sentence, resolved against the article's publication date.

Explicit dates ("Jan 31", "31 January 2026", "January 29 and 30, 2026") need
a year, which they take from the text or the publication date; weekdays
("on Saturday", "late Monday") and "the previous day" need an anchor.  With
no anchor a date stays unknown: a date is never invented.

Dates that say when something was *said* ("police said on Feb 4") or when
something ended ("before they regained control late on Feb 2") are not the
date of the event and are skipped.  Pure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8,
    "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_DAY2 = r"(?:\s*(?:and|-|–|to)\s*(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
_PATTERNS = (
    re.compile(r"\b(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}{_DAY2}{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}{_DAY2}\s+(?:of\s+)?{_MONTH}{_YEAR}\b", re.IGNORECASE),
    re.compile(r"\b(?P<weekday>" + "|".join(_WEEKDAYS) + r")(?:'s|’s)?\b", re.IGNORECASE),
    re.compile(
        r"\b(?P<relative>yesterday|the previous day|the day before|a day earlier|"
        r"the next day|the following day|today)\b",
        re.IGNORECASE,
    ),
)
_MONTH_YEAR = re.compile(rf"\b(?:in\s+)?{_MONTH}\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE)
_BARE_YEAR = re.compile(r"\b(?:in|since|during|by)\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE)
_REPORTING = re.compile(
    r"\b(?:said|says|told|reported|claimed|announced|stated|confirmed|added|wrote|"
    r"issued|released|statement|responding)\b",
    re.IGNORECASE,
)
_NOT_START = re.compile(r"\b(?:until|till|through|before|since|by)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    """A date found in a sentence; ``end`` is set for ranges ("29 and 30 January")."""

    start: int
    end_char: int
    date: dt.date | None
    end: dt.date | None
    is_event: bool


def find_dates(
    text: str, *, anchor: dt.date | None, previous: dt.date | None = None
) -> list[DateMention]:
    """Return the dates in a sentence, with whether each can date the event.

    ``anchor`` is the publication date (for weekdays and dates without a
    year); ``previous`` the last event date the article gave, which "the
    previous day" counts from (the publication date if there was none).
    """
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            date, end = _resolve(m, anchor, previous or anchor)
            found.append(DateMention(m.start(), m.end(), date, end, _is_event_date(text, m)))
    return sorted(found, key=lambda d: d.start)


def _resolve(
    m: re.Match[str], anchor: dt.date | None, previous: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    groups = m.groupdict()
    if groups.get("iso"):
        return _safe_date(*map(int, groups["iso"].split("-"))), None
    if groups.get("weekday"):
        if anchor is None:
            return None, None
        back = (anchor.weekday() - _WEEKDAYS[groups["weekday"].casefold()]) % 7
        return anchor - dt.timedelta(days=back), None
    if groups.get("relative"):
        word = groups["relative"].casefold()
        if word in ("today", "yesterday"):
            return (
                (anchor - dt.timedelta(days=word == "yesterday"), None) if anchor else (None, None)
            )
        if previous is None:
            return None, None
        step = 1 if word in ("the next day", "the following day") else -1
        return previous + dt.timedelta(days=step), None
    month = _MONTHS[groups["month"].casefold().rstrip(".")]
    year = int(groups["year"]) if groups.get("year") else _year_for(month, anchor)
    if year is None:
        return None, None
    start = _safe_date(year, month, int(groups["day"]))
    end = _safe_date(year, month, int(groups["day2"])) if groups.get("day2") else None
    return start, end


def _year_for(month: int, anchor: dt.date | None) -> int | None:
    """A date without a year lies on or before the publication date."""
    if anchor is None:
        return None
    return anchor.year if month <= anchor.month else anchor.year - 1


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _is_event_date(text: str, m: re.Match[str]) -> bool:
    """False for dates of speaking ("said on Feb 3") or of an ending ("until Feb 2")."""
    before = text[max(0, m.start() - 80) : m.start()]
    after = text[m.end() : m.end() + 25]
    near_before = " ".join(before.split()[-3:])
    near_after = " ".join(after.split()[:2])
    if _REPORTING.search(near_before) or _REPORTING.search(near_after):
        return False
    clause = re.split(r"[,;:]", before)[-1]
    return not _NOT_START.search(clause)


def is_background(
    text: str, *, reference: dt.date | None, cues: Sequence[re.Pattern[str]] = ()
) -> bool:
    """True when a sentence dates events well before the article's ("In March 2022").

    ``reference`` is the date of the wave the article reports (or its
    publication date); a month or year well before it marks history.  Words
    that recall earlier events ("last year", "a week after") are in
    ``data/background_cues.csv`` and come in as ``cues``.
    """
    if any(cue.search(text) for cue in cues):
        return True
    if reference is None:
        return False
    for m in _MONTH_YEAR.finditer(text):
        month = _MONTHS[m.group("month").casefold().rstrip(".")]
        # Months counted from year 0, so the month before January is December.
        if int(m.group("year")) * 12 + month < reference.year * 12 + reference.month - 1:
            return True
    return any(int(m.group("year")) < reference.year for m in _BARE_YEAR.finditer(text))
