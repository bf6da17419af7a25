"""Numbers in news text: digits, number words, ranges, qualifiers, and what is not a count.

``find_numbers`` finds the numbers of a sentence that could count people:
"22", "twenty-two", "a dozen", "dozens" (coded as ACLED does), "37-70", with
their qualifier ("at least", "more than"); times, distances, money, years and
dates are left out.  :mod:`geo.figures` decides which of them are casualty
figures.  Pure.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[^\W\d_]+(?:['’-][^\W\d_]+)*|[^\s\w]", re.UNICODE)

_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
#: Vague quantities, coded as ACLED does ("dozens" -> 12, "hundreds" -> 100)
#: with the qualifier "about" so the vagueness stays visible.
VAGUE_NUMBERS = {"dozens": 12, "hundreds": 100}

_QUALIFIERS = (
    (("at", "least"), "at least"),
    (("no", "fewer", "than"), "at least"),
    (("more", "than"), "more than"),
    (("upwards", "of"), "more than"),
    (("over",), "more than"),
    (("as", "many", "as"), "up to"),
    (("up", "to"), "up to"),
    (("fewer", "than"), "fewer than"),
    (("less", "than"), "fewer than"),
    (("an", "estimated"), "about"),
    (("about",), "about"),
    (("around",), "about"),
    (("nearly",), "about"),
    (("almost",), "about"),
    (("approximately",), "about"),
    (("roughly",), "about"),
    (("some",), "about"),
)
_UNITS = {
    "am", "pm", "a", "p", "km", "kms", "kilometre", "kilometres", "kilometer", "kilometers",
    "mile", "miles", "metre", "metres", "meter", "meters", "hour", "hours", "minute",
    "minutes", "day", "days", "week", "weeks", "month", "months", "year", "years",
    "percent", "per", "%", "million", "billion", "crore", "lakh", "times", "kg", "o'clock",
}  # fmt: skip
_MONTHS = {
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun",
    "june", "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october",
    "nov", "november", "dec", "december",
}  # fmt: skip


@dataclass(frozen=True)
class Token:
    """A word, number or punctuation mark with its offsets in the sentence."""

    text: str
    start: int
    end: int

    @functools.cached_property
    def low(self) -> str:
        """The token casefolded, for comparisons (once: numbers look at their neighbours often)."""
        return self.text.casefold()


@dataclass(frozen=True)
class Number:
    """A number found in a sentence: token span, value range and qualifier."""

    first: int  # index of the first token (qualifier excluded)
    last: int  # index after the last token of the number
    low: int
    high: int
    qualifier: str
    qualifier_first: int


def tokenize(text: str) -> list[Token]:
    """Split text into word, number and punctuation tokens with offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def word_value(word: str) -> int | None:
    """Return the value of a number word ("seven", "twenty-two"), else None."""
    word = word.casefold()
    if word in _ONES:
        return _ONES[word]
    if word in _TENS:
        return _TENS[word]
    parts = word.split("-")
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _ONES and _ONES[parts[1]] < 10:
        return _TENS[parts[0]] + _ONES[parts[1]]
    return None


def _number_at(tokens: list[Token], i: int) -> tuple[int, int, int, bool] | None:
    """Parse a number starting at token i: (low, high, next index, vague)."""
    tok = tokens[i]
    if tok.text[0].isdigit():
        if "." in tok.text:
            return None
        value = int(tok.text.replace(",", ""))
        j = i + 1
        # Ranges: "37-70", "37 to 70".
        if (
            j + 1 < len(tokens)
            and tokens[j].text in ("-", "–", "to")
            and tokens[j + 1].text.isdigit()
        ):
            high = int(tokens[j + 1].text)
            if high > value:
                return value, high, j + 2, False
        return value, value, j, False
    if tok.low == "a" and i + 1 < len(tokens) and tokens[i + 1].low == "dozen":
        return 12, 12, i + 2, False
    if tok.low in VAGUE_NUMBERS:
        return VAGUE_NUMBERS[tok.low], VAGUE_NUMBERS[tok.low], i + 1, True
    word = word_value(tok.text)
    if word is None:
        return None
    value = word
    j = i + 1
    if j < len(tokens) and tokens[j].low == "hundred":
        value *= 100
        j += 1
        if j + 1 < len(tokens) and tokens[j].low == "and" and word_value(tokens[j + 1].text):
            value += word_value(tokens[j + 1].text) or 0
            j += 2
    return value, value, j, False


def _qualifier_before(tokens: list[Token], i: int) -> tuple[str, int]:
    for words, label in _QUALIFIERS:
        n = len(words)
        if i - n >= 0 and tuple(t.low for t in tokens[i - n : i]) == words:
            return label, i - n
    return "", i


def _is_not_a_count(tokens: list[Token], first: int, nxt: int, value: int) -> bool:
    """Times, distances, money, years and dates are not casualty counts."""
    after = tokens[nxt].low if nxt < len(tokens) else ""
    after2 = tokens[nxt + 1].low if nxt + 1 < len(tokens) else ""
    before = tokens[first - 1].low if first > 0 else ""
    if after in _UNITS or (after == "-" and after2 in _UNITS) or after == ".":
        return after != "." or after2 in ("m",)
    if before in ("$", "rs", "no", "pkr", "£", "€") or before in _MONTHS or after in _MONTHS:
        return True
    return 1900 <= value <= 2100 and tokens[first].text.isdigit()


def find_numbers(tokens: list[Token]) -> list[Number]:
    """Return the numbers that could count people, with their qualifiers."""
    numbers: list[Number] = []
    i = 0
    while i < len(tokens):
        parsed = _number_at(tokens, i)
        if parsed is None:
            i += 1
            continue
        low, high, nxt, vague = parsed
        if _is_not_a_count(tokens, i, nxt, low):
            i = nxt
            continue
        qualifier, qfirst = _qualifier_before(tokens, i)
        if vague and not qualifier:
            qualifier = "about"
        numbers.append(Number(i, nxt, low, high, qualifier, qfirst))
        i = nxt
    return numbers
