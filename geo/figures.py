"""Casualty figures in a sentence: how many, what happened to them, who they were.

A figure is a number (digits, number words, "dozens") whose noun phrase names
people ("22 security officials", "six of his guards") and whose verb says what
happened ("killing ...", "... were killed", "injuring another").  Numbers that
are times, distances, years, money or counts of places are not figures.

The parser is deliberately shallow (a token window, no syntax tree): it
recognises the constructions news reports use for tolls, and leaves a number
out rather than guess.  Pure: text in, :class:`~geo.records.Figure` out.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import cast

from geo.lexicon import Lexicon
from geo.numbers import Number, Token, find_numbers, tokenize
from geo.records import Figure, FigureKind, Qualifier, Role

# Thousands separators only ("50,000"): a trailing comma ("In 2024, 12 ...") ends the number.
_KIND_WORDS = {
    "killed": "killed", "killing": "killed", "kill": "killed", "kills": "killed",
    "dead": "killed", "died": "killed", "die": "killed", "martyred": "killed",
    "slain": "killed", "perished": "killed", "neutralized": "killed",
    "neutralised": "killed", "eliminated": "killed", "lost": "killed",
    "injured": "injured", "injuring": "injured", "wounded": "injured",
    "wounding": "injured", "hurt": "injured",
    "abducted": "abducted", "abducting": "abducted", "kidnapped": "abducted",
    "kidnapping": "abducted", "hostage": "abducted",
    "captured": "captured", "capturing": "captured", "arrested": "captured",
    "freed": "freed", "freeing": "freed", "released": "freed", "releasing": "freed",
    "escaped": "freed",
}  # fmt: skip
#: Words skipped between a noun phrase and its verb: "were also killed".
_AUXILIARIES = {
    "were", "was", "are", "is", "have", "has", "had", "been", "being", "be", "reportedly",
    "also", "all", "later", "allegedly", "subsequently", "who", "got", "their",
}  # fmt: skip
#: Words that end the noun phrase after a number.
_NP_STOP = {
    "and", "or", "including", "in", "on", "at", "during", "after", "before", "when", "while",
    "as", "who", "that", "were", "was", "are", "is", "have", "has", "had", "from", "by",
    "with", "since", "over", "across", "near", "to", "for", "into", "amid",
}  # fmt: skip
#: Skipped between a verb and its number: "have “neutralized” 177".
_BEFORE_SKIP = {"the", "a", "further", "another", "have", "had", "to", "“", "”", '"', "‘", "’", "'"}
_SUBGROUP_CUES = {"including", "among", "comprising", "whom"}
_ELLIPSIS_LEAD = {"the", "another", "further"}


def _figure(
    kind: str, role: str, low: int, high: int, qualifier: str, start: int, end: int, text: str
) -> Figure:
    """Make a Figure from the parser's plain strings (the values come from closed tables)."""
    return Figure(
        cast(FigureKind, kind),
        cast(Role, role),
        low,
        high,
        cast(Qualifier, qualifier),
        start,
        end,
        text,
    )


def _role_in(tokens: list[Token], start: int, lexicon: Lexicon) -> tuple[str | None, int]:
    """Find the head role noun of the phrase starting at ``start``.

    Returns the role and the index after the phrase.  The last role word
    wins ("members of Pakistan's law enforcement agencies" -> security); the
    phrase runs to the first stop word, verb or punctuation.
    """
    role = None
    j = start
    limit = min(len(tokens), start + 7)
    while j < limit:
        tok = tokens[j]
        if tok.low in _NP_STOP or tok.low in _KIND_WORDS or not tok.text[0].isalnum():
            break
        for n in range(lexicon.max_role_words, 0, -1):
            words = " ".join(t.low for t in tokens[j : j + n])
            if len(tokens[j : j + n]) == n and words in lexicon.roles:
                role = lexicon.roles[words]
                j += n - 1
                break
        j += 1
    return role, (j if role else start)


def _kind_before(tokens: list[Token], i: int) -> str | None:
    """The verb right before a number or its qualifier: "killing 197 ...", "freed more than 30"."""
    j = i - 1
    while j >= 0 and tokens[j].low in _BEFORE_SKIP:
        j -= 1
    return _KIND_WORDS.get(tokens[j].low) if j >= 0 else None


def _kind_after(tokens: list[Token], j: int) -> str | None:
    """The verb after a noun phrase: "... were also killed", "... died"."""
    while j < len(tokens) and tokens[j].low in _AUXILIARIES:
        j += 1
    if j < len(tokens):
        if tokens[j].low == "taken" and j + 1 < len(tokens) and tokens[j + 1].low == "hostage":
            return "abducted"
        return _KIND_WORDS.get(tokens[j].low)
    return None


def find_figures(text: str, lexicon: Lexicon, *, offset: int = 0) -> list[Figure]:
    """Return the casualty figures of one sentence, in order.

    Offsets are shifted by ``offset`` (the sentence's start in its article).
    """
    tokens = tokenize(text)
    numbers = find_numbers(tokens)
    figures: list[Figure] = []
    pending: list[tuple[Number, str, int]] = []  # listed figures waiting for a verb
    previous: Figure | None = None
    prev_end = 0
    in_subgroup = False
    parts: list[str] = []  # roles of the current figure's parts
    for num in numbers:
        between = [t.low for t in tokens[prev_end : num.qualifier_first]]
        role, np_end = _role_in(tokens, num.last, lexicon)
        # "11 people including five men, three women and ...": the parts of a
        # figure already counted, not more people.
        listed = all(w in (",", "and") for w in between)
        in_subgroup = previous is not None and (
            bool(set(between) & _SUBGROUP_CUES) or (in_subgroup and listed)
        )
        if in_subgroup:
            parts.append(role or "unspecified")
            prev_end = max(np_end, num.last)
            continue
        _settle_parts(figures, parts)
        parts = []
        if role == "unspecified" and tokens[np_end - 1].low == "others" and previous:
            role = previous.role
        kind = _kind_before(tokens, num.qualifier_first)
        lead = tokens[num.qualifier_first - 1].low if num.qualifier_first else ""
        if role is None:
            figure = _bare_number(tokens, num, previous, lead, kind)
            if figure is None:
                continue
            kind, role, np_end = figure
        if kind is None and lead in ("and", ",") and previous is not None:
            kind = previous.kind if prev_end >= num.qualifier_first - 2 else None
        if kind is None:
            kind = _kind_after(tokens, np_end)
        if kind is None:
            # Only a figure that a list carries on from can wait for the verb:
            # "17 members ... and 31 civilians were killed".
            follows = [t.low for t in tokens[np_end : np_end + 1]]
            pending = [*pending, (num, role, np_end)] if follows in (["and"], [","]) else []
            prev_end = np_end
            continue
        for waiting, waiting_role, waiting_end in [*pending, (num, role, np_end)]:
            previous = _make_figure(tokens, text, offset, waiting, kind, waiting_role, waiting_end)
            figures.append(previous)
        pending = []
        prev_end = np_end
    _settle_parts(figures, parts)
    figures.extend(_toll_figures(tokens, text, offset, figures))
    figures.extend(_another(tokens, text, offset, figures))
    figures.extend(_single_victims(tokens, text, offset, figures, lexicon))
    return sorted(figures, key=lambda f: f.start_char)


def _settle_parts(figures: list[Figure], parts: list[str]) -> None:
    """Count "N people including M women and K children" as civilians.

    An unspecified figure whose listed parts are civilians (and men, who are
    unspecified on their own) counts civilians.
    """
    civilian_parts = "civilian" in parts and set(parts) <= {"civilian", "unspecified"}
    if figures and figures[-1].role == "unspecified" and civilian_parts:
        figures[-1] = replace(figures[-1], role="civilian")


def _bare_number(
    tokens: list[Token], num: Number, previous: Figure | None, lead: str, kind: str | None
) -> tuple[str | None, str, int] | None:
    """A number without a role noun: "the 41 on Friday", "10 dead", or nothing."""
    after = tokens[num.last].low if num.last < len(tokens) else ""
    if after in _KIND_WORDS and after not in ("kill", "kills", "lost"):
        return _KIND_WORDS[after], "unspecified", num.last + 1
    if (
        previous is not None
        and lead in _ELLIPSIS_LEAD
        and (not after or not after.isalpha() or after in _NP_STOP)
    ):
        return kind or previous.kind, previous.role, num.last
    if after in ("were", "was") and _kind_after(tokens, num.last):
        # "... and two were taken hostage": people, of the role just named.
        return kind, previous.role if previous else "unspecified", num.last
    return None


def _make_figure(
    tokens: list[Token], text: str, offset: int, num: Number, kind: str, role: str, end: int
) -> Figure:
    start_char = tokens[num.qualifier_first].start
    end_char = tokens[max(end, num.last) - 1].end
    named = _named_companion(tokens, num.qualifier_first)
    if named is not None:
        start_char = tokens[named].start  # "Shahid Malazai and six of his guards": seven
    return _figure(
        kind=kind,
        role=role,
        low=num.low + (named is not None),
        high=num.high + (named is not None),
        qualifier=num.qualifier,
        start=offset + start_char,
        end=offset + end_char,
        text=text[start_char:end_char],
    )


def _named_companion(tokens: list[Token], first: int) -> int | None:
    """The start of a named person listed before a figure ("Name Surname and six ...")."""
    if first < 3 or tokens[first - 1].low != "and":
        return None
    name = first - 2
    while name > 0 and tokens[name - 1].text[:1].isupper() and tokens[name - 1].text.isalpha():
        name -= 1
    length = first - 1 - name
    titled = name > 0 and tokens[name - 1].low in _TITLES
    if not all(t.text[:1].isupper() and t.text.isalpha() for t in tokens[name : first - 1]):
        return None
    return name if length >= 2 or (length == 1 and titled) else None


#: Words that name one person: "abducted the deputy commissioner", "killed a
#: tribal elder".  A victim named this way counts as one.
_TITLES = {
    "administrator", "commissioner", "official", "officer", "engineer", "doctor", "journalist",
    "leader", "chief", "elder", "judge", "lawyer", "teacher", "politician", "minister", "mayor",
    "chairman", "councillor", "headmaster", "cleric", "trader", "shopkeeper", "driver",
    "student", "activist", "son", "daughter", "brother", "man", "woman", "boy", "girl",
    "child", "policeman", "soldier", "constable", "sepoy", "inspector", "superintendent",
}  # fmt: skip
_SINGLE_VERBS = {
    "abducted": "abducted", "kidnapped": "abducted", "killed": "killed", "assassinated": "killed",
    "injured": "injured", "wounded": "injured",
}  # fmt: skip
_SINGLE_SKIP = {
    "the", "a", "an", "his", "her", "their", "its", "senior", "local", "deputy", "assistant",
    "civil", "tribal", "political", "district", "retired", "former",
}  # fmt: skip


def _single_victims(
    tokens: list[Token], text: str, offset: int, found: list[Figure], lexicon: Lexicon
) -> list[Figure]:
    """One person named by a title: "abducted the area's administrator", "a sepoy died"."""
    out = _single_subjects(tokens, text, offset, found, lexicon)
    taken = [(f.start_char, f.end_char) for f in [*found, *out]]
    for i, tok in enumerate(tokens):
        kind = _SINGLE_VERBS.get(tok.low)
        if kind is None:
            continue
        j = i + 1
        while j < min(len(tokens), i + 7):
            word = tokens[j].low
            if word in _TITLES:
                start, end = offset + tok.start, offset + tokens[j].end
                if not any(s < end and start < e for s, e in taken):
                    role = "security" if lexicon.roles.get(word) == "security" else "civilian"
                    out.append(
                        _figure(kind, role, 1, 1, "", start, end, text[tok.start : tokens[j].end])
                    )
                break
            modifier = word in _SINGLE_SKIP or word in lexicon.roles or word.endswith(("'s", "’s"))
            if not (modifier or tokens[j].text[:1].isupper()):
                break
            j += 1
    return out


_ONE = {"a", "an", "one"}


def _single_subjects(
    tokens: list[Token], text: str, offset: int, found: list[Figure], lexicon: Lexicon
) -> list[Figure]:
    """Count one person named as a subject: "a Frontier Corps sepoy lost his life"."""
    out = []
    taken = [(f.start_char, f.end_char) for f in found]
    for i, tok in enumerate(tokens):
        if tok.low not in _TITLES:
            continue
        j = i - 1
        while j >= 0 and i - j <= 4 and tokens[j].low not in _ONE:
            if not (tokens[j].text[:1].isupper() or tokens[j].low in lexicon.roles):
                j = -1
                break
            j -= 1
        if j < 0 or tokens[j].low not in _ONE:
            continue
        kind = _kind_after(tokens, i + 1)
        if kind is None:
            continue
        start, end = offset + tokens[j].start, offset + tok.end
        if not any(s < end and start < e for s, e in taken):
            role = "security" if lexicon.roles.get(tok.low) == "security" else "civilian"
            out.append(_figure(kind, role, 1, 1, "", start, end, text[tokens[j].start : tok.end]))
    return out


_TOLL = re.compile(
    r"\b(?:death toll|toll|number of (?:dead|deaths|fatalities|(?P<role>\w+) killed)|"
    r"total (?:number )?of (?P<role2>\w+) killed)\b[^.;]*?\b(?:rose|risen|climbed|jumped|"
    r"reached|stood|stands|increased|is|was|to|at)\s+(?:to\s+|at\s+)?"
    r"(?P<qual>at least |more than |over |nearly |about )?(?P<n>\d[\d,]*)\b",
    re.IGNORECASE,
)


_TOLL_ROLES = {
    "militants": "militant",
    "insurgents": "militant",
    "terrorists": "militant",
    "civilians": "civilian",
    "soldiers": "security",
}
_TOLL_QUALIFIERS = {
    "at least ": "at least",
    "more than ": "more than",
    "over ": "more than",
    "nearly ": "about",
    "about ": "about",
}


def _toll_figures(tokens: list[Token], text: str, offset: int, found: list[Figure]) -> list[Figure]:
    """Running totals: "the death toll rose to 58", "the number of militants killed reached 133"."""
    del tokens
    out = []
    taken = {(f.start_char, f.end_char) for f in found}
    for m in _TOLL.finditer(text):
        start, end = m.start("n"), m.end("n")
        if any(s <= offset + start < e for s, e in taken):
            continue
        role_word = (m.group("role") or m.group("role2") or "").casefold()
        role = _TOLL_ROLES.get(role_word, "unspecified")
        value = int(m.group("n").replace(",", ""))
        qual = _TOLL_QUALIFIERS.get((m.group("qual") or "").casefold(), "")
        out.append(
            _figure(
                "killed",
                role,
                value,
                value,
                qual,
                offset + m.start(),
                offset + end,
                text[m.start() : end],
            )  # fmt: skip
        )
    return out


def _another(tokens: list[Token], text: str, offset: int, found: list[Figure]) -> list[Figure]:
    """Count "injuring another" as one more person of the role just named."""
    out = []
    for i, tok in enumerate(tokens[1:], start=1):
        if tok.low != "another" or tokens[i - 1].low not in _KIND_WORDS:
            continue
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
        if nxt.isalpha() and nxt not in _NP_STOP:
            continue  # "another attack": not a person
        before = [f for f in found if f.end_char <= offset + tok.start]
        if not before:
            continue
        kind = _KIND_WORDS[tokens[i - 1].low]
        start = tokens[i - 1].start
        out.append(
            _figure(
                kind,
                before[-1].role,
                1,
                1,
                "",
                offset + start,
                offset + tok.end,
                text[start : tok.end],
            )  # fmt: skip
        )
    return out
