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
from dataclasses import dataclass, field, replace
from typing import cast

from geo.lexicon import Lexicon
from geo.numbers import Number, Token, find_numbers, tokenize
from geo.records import Figure, FigureKind, Qualifier, Role

#: Words skipped between a noun phrase and its verb: "were also killed".
_AUXILIARIES = {
    "were", "was", "are", "is", "have", "has", "had", "been", "being", "be", "reportedly",
    "also", "all", "later", "allegedly", "subsequently", "who", "got", "their", "left",
    "initially", "reported", "confirmed", "feared", "believed", "said", "to", "seriously",
    "critically", "severely", "fatally", "mortally", "either", "both",
}  # fmt: skip
#: Words that end the noun phrase after a number.
_NP_STOP = {
    "and", "or", "including", "in", "on", "at", "during", "after", "before", "when", "while",
    "as", "who", "that", "were", "was", "are", "is", "have", "has", "had", "from", "by",
    "with", "since", "over", "across", "near", "to", "for", "into", "amid", "among",
}  # fmt: skip
#: Skipped between a verb and its number: "have “neutralized” 177".
_BEFORE_SKIP = {"the", "a", "further", "another", "have", "had", "to", "“", "”", '"', "‘", "’", "'"}
_SUBGROUP_CUES = {"including", "among", "comprising", "whom"}
_ELLIPSIS_LEAD = {"the", "another", "further"}
#: How far a subgroup ("— including two police personnel —") may separate a
#: noun phrase from its verb, in tokens.
_SUBGROUP_SPAN = 10
#: How far a second verb may follow the first ("were abducted ... and martyred").
_SECOND_VERB_SPAN = 25
_ONE_WORDS = {"a", "an", "one"}
#: Words before "an officer" that make it a count in a list or a subgroup.
_LIST_LEADS = {"and", ",", "including"}


class _Verbs:
    """The casualty verb phrases of one sentence, found once per sentence.

    ``at[i]`` is (kind, length) of the longest phrase starting at token i;
    ``ending[j]`` the same for the longest phrase ending at token j.
    """

    def __init__(self, tokens: list[Token], lexicon: Lexicon) -> None:
        self.at: dict[int, tuple[str, int]] = {}
        self.ending: dict[int, tuple[str, int]] = {}
        words = [t.low for t in tokens]
        index = lexicon.verbs_by_first_word
        for i, word in enumerate(words):
            for phrase, kind in index.get(word, ()):
                n = len(phrase)
                if tuple(words[i : i + n]) == phrase:
                    self.at[i] = (kind, n)
                    end = i + n - 1
                    if end not in self.ending or self.ending[end][1] < n:
                        self.ending[end] = (kind, n)
                    break


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


def _role_in(
    tokens: list[Token], start: int, lexicon: Lexicon, verbs: _Verbs
) -> tuple[str | None, int]:
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
        if tok.low in _NP_STOP or j in verbs.at or not tok.text[0].isalnum():
            break
        for n in range(lexicon.max_role_words, 0, -1):
            words = " ".join(t.low for t in tokens[j : j + n])
            if len(tokens[j : j + n]) == n and words in lexicon.roles:
                role = lexicon.roles[words]
                j += n - 1
                break
        j += 1
    return role, (j if role else start)


def _kind_before(tokens: list[Token], i: int, verbs: _Verbs) -> tuple[str, int] | None:
    """The verb right before a number or its qualifier: "killing 197 ...", "gunned down seven"."""
    j = i - 1
    while j >= 0 and tokens[j].low in _BEFORE_SKIP:
        j -= 1
    if j >= 0 and j in verbs.ending:
        kind, n = verbs.ending[j]
        return kind, j - n + 1
    return None


def _kind_after(tokens: list[Token], j: int, verbs: _Verbs) -> tuple[str, int] | None:
    """The verb after a noun phrase: "... were also killed", "... lost their lives".

    A subgroup between them is skipped: "four people — including two police
    personnel — were killed", "19 people including 14 soldiers embraced
    martyrdom".
    """
    if j < len(tokens) and (
        tokens[j].low in _SUBGROUP_CUES
        or (tokens[j].text in "—–-," and j + 1 < len(tokens) and tokens[j + 1].low == "including")
    ):
        for k in range(j + 1, min(len(tokens), j + _SUBGROUP_SPAN)):
            if k in verbs.at and tokens[k - 1].low not in ("and", "or"):
                return _kind_after(tokens, k, verbs)
            if tokens[k].text in ".;":
                break
        return None
    if j < len(tokens) and tokens[j].text in "—–" and j + 1 < len(tokens):
        j += 1
    while j < len(tokens) and tokens[j].low in _AUXILIARIES:
        j += 1
    if j < len(tokens) and j in verbs.at:
        return verbs.at[j][0], j
    return None


@dataclass
class _Bound:
    """A number bound to its noun phrase and verb, before it becomes a Figure."""

    num: Number
    role: str
    np_end: int
    kind: str
    verb: int  # token index of the verb phrase, shared by the figures of one list
    listed: bool = False  # carries on a list ("17 members ... and 31 civilians")
    parts: list[tuple[Number, str]] = field(default_factory=list)


def find_figures(text: str, lexicon: Lexicon, *, offset: int = 0) -> list[Figure]:
    """Return the casualty figures of one sentence, in order.

    Each number is bound to its own noun phrase and its own verb: the verb
    right before it ("killing 7"), else the verb after its noun phrase ("7
    passengers were killed", skipping a subgroup "including ..."), else the
    verb of the list it carries on.  A number whose verb is never a casualty
    ("12 hostages were rescued") is not a figure.  Offsets are shifted by
    ``offset`` (the sentence's start in its article).
    """
    return figures_and_groups(text, lexicon, offset=offset)[0]


def figures_and_groups(
    text: str, lexicon: Lexicon, *, offset: int = 0
) -> tuple[list[Figure], list[tuple[int, str]]]:
    """:func:`find_figures` and :func:`find_groups` of one sentence, tokenised once."""
    tokens = tokenize(text)
    verbs = _Verbs(tokens, lexicon)
    return _figures(tokens, verbs, text, lexicon, offset), _groups(tokens, verbs, lexicon)


def _figures(
    tokens: list[Token], verbs: _Verbs, text: str, lexicon: Lexicon, offset: int
) -> list[Figure]:
    numbers = _with_single_people(tokens, find_numbers(tokens), lexicon)
    bound: list[_Bound] = []
    pending: list[tuple[Number, str, int]] = []  # listed figures waiting for a verb
    previous: _Bound | None = None
    prev_end = 0
    in_subgroup = False
    for num in numbers:
        between = [t.low for t in tokens[prev_end : num.qualifier_first]]
        role, np_end = _role_in(tokens, num.last, lexicon, verbs)
        listed = all(w in (",", "and") for w in between)
        # "11 people including five men, three women and ...": the parts of a
        # figure already counted, not more people.
        in_subgroup = previous is not None and (
            bool(set(between) & _SUBGROUP_CUES)
            or (in_subgroup and listed)
            or (between[-1:] == ["including"])
        )
        if in_subgroup and previous is not None:
            previous.parts.append((num, role or "unspecified"))
            prev_end = max(np_end, num.last)
            continue
        if role == "unspecified" and tokens[np_end - 1].low == "others" and previous:
            role = previous.role
        lead = tokens[num.qualifier_first - 1].low if num.qualifier_first else ""
        verb = _kind_before(tokens, num.qualifier_first, verbs)
        if role is None:
            bare = _bare_number(tokens, num, previous, lead, verb, verbs)
            if bare is None:
                continue
            kind, role, np_end, verb_at = bare
            verb = (kind, verb_at)
        if _partitive(tokens, num, np_end):
            prev_end = np_end
            continue
        if verb is None:
            verb = _kind_after(tokens, np_end, verbs)
        if verb is None:
            verb = _verb_further_on(tokens, np_end, verbs)
        if verb is None and tokens[np_end - 1].low == "bodies":
            verb = ("killed", np_end - 1)  # "three bodies were brought to the hospital"
        continues = listed and prev_end >= num.qualifier_first - 2
        if verb is None and lead in ("and", ",") and previous is not None and continues:
            verb = (previous.kind, previous.verb)
        if verb is None:
            # Only a figure that a list carries on from can wait for the verb:
            # "17 members ... and 31 civilians were killed".
            follows = [t.low for t in tokens[np_end : np_end + 1]]
            pending = [*pending, (num, role, np_end)] if follows in (["and"], [","]) else []
            prev_end = np_end
            continue
        kind, verb_at = verb
        if kind == "none":
            pending, previous, prev_end = [], None, np_end
            continue
        for i, (waiting, waiting_role, waiting_end) in enumerate([*pending, (num, role, np_end)]):
            previous = _Bound(waiting, waiting_role, waiting_end, kind, verb_at, listed=i > 0)
            bound.append(previous)
        if verb_at > np_end and previous is not None:
            bound.extend(_second_verb(tokens, verbs, previous, verb_at))
        pending = []
        prev_end = np_end
    figures = _figures_of(bound, tokens, text, offset)
    figures.extend(_toll_figures(tokens, text, offset, figures))
    figures.extend(_another(tokens, text, offset, figures, verbs))
    figures.extend(_single_victims(tokens, text, offset, figures, lexicon, verbs))
    figures.extend(_among(text, offset, figures, lexicon))
    figures.extend(_no_loss(text, offset, figures))
    return sorted(figures, key=lambda f: f.start_char)


#: "five of them", "the condition of three injured": a part of people counted before.
_PARTITIVE_AFTER = {"of"}
_PARTITIVE_BEFORE = ("condition", "of")


def _partitive(tokens: list[Token], num: Number, np_end: int) -> bool:
    """A number that picks out some of the people already counted, not more of them."""
    after = [t.low for t in tokens[num.last : num.last + 2]]
    if after and after[0] in _PARTITIVE_AFTER and after[1:] in (["them"], ["those"], ["whom"]):
        return True
    before = tuple(t.low for t in tokens[max(0, num.qualifier_first - 2) : num.qualifier_first])
    return before == _PARTITIVE_BEFORE


#: How far a verb may lie after a noun phrase when a relative clause or an
#: object pronoun stands between: "four terrorists who tried to flee were
#: engaged and killed", "offloaded nine passengers ... and shot them dead".
_FURTHER_SPAN = 16
_OBJECT_PRONOUNS = {"them", "him", "her"}


def _verb_further_on(tokens: list[Token], np_end: int, verbs: _Verbs) -> tuple[str, int] | None:
    """The verb of a noun phrase followed by a relative clause, or taken up by a pronoun."""
    relative = np_end < len(tokens) and tokens[np_end].low in ("who", "which", "that")
    for k in range(np_end, min(len(tokens), np_end + _FURTHER_SPAN)):
        tok = tokens[k]
        if tok.text[0].isdigit() or tok.text in ";" or tok.low in ("while", "whereas", "but"):
            return None
        if k in verbs.at and verbs.at[k][0] != "none":
            kind, length = verbs.at[k]
            words = {t.low for t in tokens[k : k + length]}
            if relative or words & _OBJECT_PRONOUNS:
                return kind, k
    return None


def _with_single_people(
    tokens: list[Token], numbers: list[Number], lexicon: Lexicon
) -> list[Number]:
    """Add "an officer", "a soldier" as counts of one where a list or verb needs them.

    "three soldiers and an officer were martyred" counts four.
    """
    taken = {i for n in numbers for i in range(n.qualifier_first, n.last)}
    extra = []
    for i, tok in enumerate(tokens[:-1]):
        if tok.low not in _ONE_WORDS or i in taken or tokens[i - 1].low not in _LIST_LEADS:
            continue
        nxt = tokens[i + 1].low
        if nxt in lexicon.roles and lexicon.roles[nxt] != "unspecified" or nxt in _TITLES:
            extra.append(Number(i, i + 1, 1, 1, "", i))
    return sorted([*numbers, *extra], key=lambda n: n.first)


def _second_verb(tokens: list[Token], verbs: _Verbs, figure: _Bound, verb_at: int) -> list[_Bound]:
    """A second verb for the same people: "nine people were abducted ... and martyred"."""
    first_kind, length = verbs.at[verb_at]
    k = verb_at + length
    while k < min(len(tokens), verb_at + _SECOND_VERB_SPAN):
        tok = tokens[k]
        if tok.text in ";" or tok.text[0].isdigit() or tok.low in ("while", "whereas", "but"):
            return []
        if tok.low == "and":
            j = k + 1
            while j < len(tokens) and tokens[j].low in _AUXILIARIES:
                j += 1
            if j in verbs.at and verbs.at[j][0] not in (first_kind, "none"):
                return [_Bound(figure.num, figure.role, figure.np_end, verbs.at[j][0], j, parts=[])]
        k += 1
    return []


def _figures_of(bound: list[_Bound], tokens: list[Token], text: str, offset: int) -> list[Figure]:
    """Turn bound numbers into figures: subgroups split out, lists summed."""
    groups: list[list[Figure]] = []
    open_groups: dict[tuple[int, str, str], list[Figure]] = {}
    for b in bound:
        whole = _make_figure(tokens, text, offset, b.num, b.kind, b.role, b.np_end)
        for piece in _split_parts(whole, b, tokens, text, offset):
            # The figures of one list that share a verb count one group of
            # people per role; for the injured, abducted and freed (one
            # column each on the map) the whole list is one figure.
            key = (b.verb, piece.kind, piece.role if piece.kind == "killed" else "*")
            if b.listed and key in open_groups:
                open_groups[key].append(piece)
            else:
                open_groups[key] = [piece]
                groups.append(open_groups[key])
    return [_sum(g, text, offset) if len(g) > 1 else g[0] for g in groups]


def _sum(group: list[Figure], text: str, offset: int) -> Figure:
    roles = {f.role for f in group}
    start, end = group[0].start_char, max(f.end_char for f in group)
    return _figure(
        group[0].kind,
        roles.pop() if len(roles) == 1 else "unspecified",
        sum(f.low for f in group),
        sum(f.high for f in group),
        group[0].qualifier,
        start,
        end,
        text[start - offset : end - offset],
    )


def _split_parts(
    whole: Figure, bound: _Bound, tokens: list[Token], text: str, offset: int
) -> list[Figure]:
    """Count each person once: a total and its named parts.

    "N people including women and children" whose parts are all civilians (or
    men) counts N civilians.  Otherwise the parts with a role are figures of
    their own and the total keeps only the rest: "four people, including two
    police personnel, were killed" is two security and two unspecified.
    """
    parts = bound.parts
    if not parts or whole.role != "unspecified":
        return [whole]
    roles = {r for _, r in parts}
    if "civilian" in roles and roles <= {"civilian", "unspecified"}:
        return [replace(whole, role="civilian")]
    pieces = []
    counted = 0
    for num, role in parts:
        if role == "unspecified":
            continue
        end = num.last
        while end < len(tokens) and tokens[end].text[0].isalnum() and end < num.last + 4:
            end += 1
        part = _make_figure(tokens, text, offset, num, whole.kind, role, end)
        pieces.append(part)
        counted += num.low
    rest = whole.low - counted
    if rest > 0:
        pieces.insert(0, replace(whole, low=rest, high=max(rest, whole.high - counted)))
    return pieces or [whole]


def _bare_number(
    tokens: list[Token],
    num: Number,
    previous: _Bound | None,
    lead: str,
    verb: tuple[str, int] | None,
    verbs: _Verbs,
) -> tuple[str, str, int, int] | None:
    """A number without a role noun: "the 41 on Friday", "10 dead", or nothing.

    Returns (kind, role, end of the phrase, index of the verb).
    """
    after = tokens[num.last].low if num.last < len(tokens) else ""
    if num.last in verbs.at and after not in ("kill", "kills", "lost"):
        kind = verbs.at[num.last][0]
        return kind, "unspecified", num.last + verbs.at[num.last][1], num.last
    if (
        previous is not None
        and lead in _ELLIPSIS_LEAD
        and (not after or not after.isalpha() or after in _NP_STOP)
    ):
        kind, at = verb or (previous.kind, previous.verb)
        return kind, previous.role, num.last, at
    if after in ("were", "was"):
        found = _kind_after(tokens, num.last, verbs)
        if found:
            # "... and two were taken hostage": people, of the role just named.
            role = previous.role if previous else "unspecified"
            return found[0], role, num.last, found[1]
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
    "dsp", "sho", "sub-inspector", "havaldar", "hawaldar", "naik", "captain", "major", "minor",
}  # fmt: skip
_SINGLE_VERBS = {"abducted", "kidnapped", "killed", "assassinated", "injured", "wounded"}
_SINGLE_SKIP = {
    "the", "a", "an", "his", "her", "their", "its", "senior", "local", "deputy", "assistant",
    "civil", "tribal", "political", "district", "retired", "former",
}  # fmt: skip


def _single_victims(
    tokens: list[Token],
    text: str,
    offset: int,
    found: list[Figure],
    lexicon: Lexicon,
    verbs: _Verbs,
) -> list[Figure]:
    """One person named by a title: "abducted the area's administrator", "a sepoy died"."""
    out = _single_subjects(tokens, text, offset, found, lexicon, verbs)
    taken = [(f.start_char, f.end_char) for f in [*found, *out]]
    for i, tok in enumerate(tokens):
        if tok.low not in _SINGLE_VERBS or i not in verbs.at:
            continue
        kind = verbs.at[i][0]
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


def _single_subjects(
    tokens: list[Token],
    text: str,
    offset: int,
    found: list[Figure],
    lexicon: Lexicon,
    verbs: _Verbs,
) -> list[Figure]:
    """Count one person named as a subject: "a Frontier Corps sepoy lost his life"."""
    out = []
    taken = [(f.start_char, f.end_char) for f in found]
    for i, tok in enumerate(tokens):
        if tok.low not in _TITLES:
            continue
        j = i - 1
        while j >= 0 and i - j <= 4 and tokens[j].low not in _ONE_WORDS:
            if not (tokens[j].text[:1].isupper() or tokens[j].low in lexicon.roles):
                j = -1
                break
            j -= 1
        if j < 0 or tokens[j].low not in _ONE_WORDS:
            continue
        verb = _kind_after(tokens, i + 1, verbs)
        if verb is None or verb[0] == "none":
            continue
        kind = verb[0]
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


def _another(
    tokens: list[Token], text: str, offset: int, found: list[Figure], verbs: _Verbs
) -> list[Figure]:
    """Count "injuring another" as one more person of the role just named."""
    out = []
    for i, tok in enumerate(tokens[1:], start=1):
        if tok.low != "another" or i - 1 not in verbs.ending:
            continue
        kind = verbs.ending[i - 1][0]
        if kind == "none":
            continue
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
        if nxt.isalpha() and nxt not in _NP_STOP:
            continue  # "another attack": not a person
        before = [f for f in found if f.end_char <= offset + tok.start]
        if not before:
            continue
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


#: "Name was among the dead", "the deceased also included a minor girl": a part
#: of a total given before, not more people.
_AMONG = re.compile(
    r"(?P<who>\b[\w’'().,-]+(?:\s+[\w’'().,-]+){0,8}?)\s+(?:was|were)\s+(?:also\s+)?among\s+"
    r"the\s+(?P<kind>dead|deceased|killed|martyred|victims|injured|wounded)\b"
    r"|\b(?:the|those)\s+(?P<kind2>dead|deceased|killed|martyred|injured|wounded)\b[^.;]{0,40}?"
    r"\s(?:also\s+)?(?:include|includes|included)\s+(?P<who2>[^.;,]{1,60})",
    re.IGNORECASE,
)
_AMONG_KINDS = {"injured": "injured", "wounded": "injured"}


def _among(text: str, offset: int, found: list[Figure], lexicon: Lexicon) -> list[Figure]:
    """Parts of an earlier total: "the DSP was among the dead" (one security, killed).

    Marked ``part_of_total`` so that the claims stage can take them out of the
    total they belong to instead of counting the same people twice.
    """
    out = []
    taken = [(f.start_char, f.end_char) for f in found]
    for m in _AMONG.finditer(text):
        who = m.group("who") or m.group("who2") or ""
        kind = _AMONG_KINDS.get((m.group("kind") or m.group("kind2") or "").casefold(), "killed")
        tokens = tokenize(who)
        numbers = find_numbers(tokens)
        if (
            not numbers
            and not any(t.low in _ONE_WORDS for t in tokens[:3])
            and (m.group("who2") is not None)
        ):
            continue  # "the injured included women and children": no count
        count = numbers[-1].low if numbers else 1
        role = "unspecified"
        for tok in tokens:
            if tok.low in lexicon.roles:
                role = lexicon.roles[tok.low]
            elif tok.low in _TITLES:
                role = "security" if lexicon.roles.get(tok.low) == "security" else "civilian"
        if role == "unspecified" and not any(t.low in _TITLES for t in tokens):
            continue
        start, end = offset + m.start(), offset + m.end()
        if any(s < end and start < e for s, e in taken):
            continue
        figure = _figure(kind, role, count, count, "", start, end, m.group(0))
        out.append(replace(figure, part_of_total=True))
    return out


_NO_LOSS = re.compile(
    r"\bno (?:loss of (?:human )?li(?:fe|ves)|casualt(?:y|ies)|deaths?|fatalit(?:y|ies)|one was "
    r"(?:killed|hurt|injured))\b",
    re.IGNORECASE,
)


def _no_loss(text: str, offset: int, found: list[Figure]) -> list[Figure]:
    """Zero killed, where the text says so ("no loss of life"): stated, not unknown."""
    if any(f.kind == "killed" for f in found):
        return []
    m = _NO_LOSS.search(text)
    if m is None:
        return []
    return [_figure("killed", "unspecified", 0, 0, "", offset + m.start(), offset + m.end(),
                    m.group(0))]  # fmt: skip


def find_groups(text: str, lexicon: Lexicon) -> list[tuple[int, str]]:
    """Counts of people named with their role, whatever befell them: "nine passengers".

    A later "nine people were killed" at the same place counts the same group.
    """
    tokens = tokenize(text)
    return _groups(tokens, _Verbs(tokens, lexicon), lexicon)


def _groups(tokens: list[Token], verbs: _Verbs, lexicon: Lexicon) -> list[tuple[int, str]]:
    out = []
    for num in find_numbers(tokens):
        role, _ = _role_in(tokens, num.last, lexicon, verbs)
        if role is not None and num.low == num.high:
            out.append((num.low, role))
    # "the labourers ... left seven people dead": a group named without a count.
    for i, tok in enumerate(tokens[:-1]):
        nxt = tokens[i + 1].low
        if tok.low == "the" and lexicon.roles.get(nxt) == "civilian" and nxt.endswith("s"):
            out.append((ANY_COUNT, "civilian"))
    return out


#: The count of a group named without one ("the labourers").
ANY_COUNT = -1
