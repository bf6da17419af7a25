"""The article as a whole: what it reports, and where each of its figures belongs.

Between what each sentence says (:mod:`geo.mentions`) and the claims and
reports an article yields (:mod:`geo.claims`) stands one judgement that no
single sentence can make:

- what the article is: an account of one incident, of several, of a wave of
  attacks across the province, a round-up of past attacks, or news from
  elsewhere that names the region in passing;
- which sentences tell of the current events, which recall earlier ones
  (history), and which tell of events outside the region;
- the place each sentence is about, carried from sentence to sentence while
  the account of one place goes on;
- for each figure its scope: one incident, the whole wave (area), or none
  (history, elsewhere, a figure no place can be given), with the reason.

Pure: mentions in, an :class:`ArticleAnalysis` out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from geo.records import Figure, Mention, Place, PlaceMention

Status = Literal["current", "background", "elsewhere"]
ArticleKind = Literal["single", "several", "wave", "roundup", "elsewhere", "none"]
FigureScope = Literal["incident", "area", "background", "elsewhere", "unplaced"]

#: Words that point back to a place named before ("the town", "that attack").
_ANAPHOR = re.compile(
    r"\b(?:the|that|this) (?:town|city|area|district|attack|assault|raid|siege|port|camp|blast|"
    r"explosion|incident|site|spot|station|vehicle|bus|coach|train)\b|\bthe ensuing\b|\bthere\b",
    re.IGNORECASE,
)
#: A sentence that starts another account: it never carries the last place on.
_NEW_TOPIC = re.compile(
    r"\b(?:in|during) (?:a|another) separate (?:incident|attack|operation)|\bseparately\b|"
    r"\bin another (?:incident|attack)\b|\bmeanwhile\b",
    re.IGNORECASE,
)
_MAPPABLE_KINDS = ("town", "locality", "district", "tehsil")
#: A sentence naming this many places with only generic triggers is a list of
#: places attacked, not an account of any one of them.
LIST_MIN_PLACES = 3
#: An article whose current events fall on this many dates this many days
#: apart is a round-up of past attacks, not news of one.
ROUNDUP_DATES = 3
ROUNDUP_SPAN_DAYS = 7
#: An article whose incidents lie in this many districts reports a wave.
WAVE_DISTRICTS = 3
_CLAUSE_BREAK = re.compile(r";|,? while |, whereas |, but |—| – ")


@dataclass(frozen=True)
class SentenceView:
    """One sentence as the article-level step reads it."""

    mention: Mention
    status: Status
    places: tuple[Place, ...]  # in-region incident places in effect (own or carried on)
    own: bool  # the places are named in the sentence itself
    reason: str


@dataclass(frozen=True)
class FigureDecision:
    """Where one figure belongs, and why."""

    figure: Figure
    scope: FigureScope
    place: Place | None
    reason: str


@dataclass(frozen=True)
class ArticleAnalysis:
    """What an article reports, sentence by sentence and figure by figure."""

    kind: ArticleKind
    main: tuple[Place, ...]
    sentences: tuple[SentenceView, ...]
    decisions: tuple[tuple[SentenceView, FigureDecision], ...] = field(default_factory=tuple)


def analyse_article(mentions: Sequence[Mention]) -> ArticleAnalysis:
    """Read an article's mentions as a whole (see the module docstring)."""
    roundup = _is_roundup(mentions)
    views = _sentence_views(mentions, roundup=roundup)
    kind, main = _article_kind(views, roundup=roundup)
    decisions = tuple(
        (view, _decide(view, figure, kind, main))
        for view in views
        for figure in view.mention.figures
    )
    return ArticleAnalysis(kind, main, views, decisions)


# ------------------------------------------------------------------ sentences


def is_event(mention: Mention) -> bool:
    """A sentence that tells of an attack: a trigger or a casualty figure."""
    return bool(mention.triggers or mention.figures)


def incident_places(mention: Mention, *, in_region: bool = True) -> list[Place]:
    """The places a sentence names as where something happened.

    A district is dropped when a town of it is named too ("Turbat, in Kech
    district" is one place), and so is a town when a locality coded to it is.
    """
    found = [
        pm.place
        for pm in mention.places
        if pm.role == "incident"
        and pm.place.kind in _MAPPABLE_KINDS
        and pm.place.in_region == in_region
    ]
    places = list(dict.fromkeys(found))
    towns = {p.admin2 for p in places if p.kind != "district"}
    places = [p for p in places if p.kind != "district" or p.admin2 not in towns]
    # "Quetta (Saryab Road)" and Quetta are one place: the more precise one.
    points = {(p.latitude, p.longitude) for p in places if p.kind == "locality"}
    places = [p for p in places if p.kind == "locality" or (p.latitude, p.longitude) not in points]
    # "the Spezand area of Mastung": a town named like its district stands for
    # the district when another place of that district is named with it (in a
    # list of many places each stands for itself).
    if len(places) > 2:
        return places
    inner = {p.admin2 for p in places if p.name.casefold() != p.admin2.casefold()}
    return [p for p in places if p.name.casefold() != p.admin2.casefold() or p.admin2 not in inner]


def _elsewhere(mention: Mention) -> bool:
    """The sentence's events lie outside the region: "in Khyber Pakhtunkhwa's Hangu"."""
    outside = incident_places(mention, in_region=False)
    if outside and not incident_places(mention):
        return True
    provinces = [
        pm.place for pm in mention.places if pm.role == "area" and pm.place.kind == "province"
    ]
    return (
        bool(provinces) and all(not p.in_region for p in provinces) and not incident_places(mention)
    )


def _is_roundup(mentions: Sequence[Mention]) -> bool:
    """Many current events on dates far apart: a round-up of past attacks."""
    dates = sorted(
        {m.event_date for m in mentions if m.event_date and is_event(m) and not m.background}
    )
    return len(dates) >= ROUNDUP_DATES and (dates[-1] - dates[0]).days >= ROUNDUP_SPAN_DAYS


def is_heading(mention: Mention) -> bool:
    """A headline or subheading: a short line that does not end a sentence."""
    text = mention.sentence.text.rstrip()
    return bool(text) and len(text) < HEADING_MAX_CHARS and text[-1] not in ".!?\"”’'"


#: Headlines and subheadings are shorter than this.
HEADING_MAX_CHARS = 150


def _loose_in_headings(mentions: Sequence[Mention]) -> set[str]:
    """Places a headline calls the scene that the body names only as something else.

    "Attack on convoy in Pasni" above a body where Pasni is only where the
    convoy set out from: the body, more precise, wins.
    """
    in_body: dict[str, set[str]] = {}
    in_headings: set[str] = set()
    for mention in mentions:
        heading = is_heading(mention)
        for pm in mention.places:
            if heading and pm.role == "incident":
                in_headings.add(pm.place.place_id)
            elif not heading:
                in_body.setdefault(pm.place.place_id, set()).add(pm.role)
    return {p for p in in_headings if p in in_body and "incident" not in in_body[p]}


def _sentence_views(mentions: Sequence[Mention], *, roundup: bool) -> tuple[SentenceView, ...]:
    views: list[SentenceView] = []
    topic: tuple[Place, ...] = ()
    topic_status: Status = "current"
    history: set[str] = set()  # names and districts of the events recalled last
    history_paragraph = -2
    previous: Mention | None = None
    loose = _loose_in_headings(mentions)
    for mention in mentions:
        own = tuple(incident_places(mention))
        if is_heading(mention):
            own = tuple(p for p in own if p.place_id not in loose)
        named = _named_keys(mention.places)
        if roundup:
            view = SentenceView(mention, "background", own, True, "a round-up of past attacks")
        elif mention.background:
            view = SentenceView(mention, "background", own, True, "recalls earlier events")
            history = named | {p.admin2.casefold() for p in own if p.admin2}
            history_paragraph = mention.sentence.paragraph
        elif _continues_history(mention, own, named, history, history_paragraph):
            view = SentenceView(mention, "background", own, True, "goes on about earlier events")
        else:
            history = set()
            if is_event(mention) and _elsewhere(mention):
                view = SentenceView(mention, "elsewhere", own, True, "outside the region")
                topic, topic_status = (), "elsewhere"
            elif own:
                view = SentenceView(mention, "current", own, True, "names the place")
                topic, topic_status = own, "current"
            elif is_event(mention) and _carries_on(mention, previous, topic, topic_status):
                view = SentenceView(
                    mention, topic_status, topic, False, "goes on about the place before"
                )
            else:
                view = SentenceView(mention, "current", (), False, "names no place")
                if is_event(mention):
                    topic, topic_status = (), "current"
        if view.status == "background":
            topic, topic_status = (), "current"
        views.append(view)
        previous = mention
    return tuple(views)


def _named_keys(places: Iterable[PlaceMention]) -> set[str]:
    keys = set()
    for pm in places:
        keys.add(pm.place.name.casefold())
        if pm.place.admin2:
            keys.add(pm.place.admin2.casefold())
    return keys


def _continues_history(
    mention: Mention,
    own: tuple[Place, ...],
    named: set[str],
    history: set[str],
    history_paragraph: int,
) -> bool:
    """A sentence right after a recalled event that still tells of it.

    It stays in that paragraph or the next, and the places it names are
    those of the recalled event (an official "of Zhob" on the Zhob killings).
    """
    if not history:
        return False
    gap = mention.sentence.paragraph - history_paragraph
    if gap > 1 or gap < 0:
        return False
    if own and not {p.name.casefold() for p in own} | {p.admin2.casefold() for p in own} <= (
        history
    ):
        return False
    if gap == 0:
        return True
    return bool(named) and named <= history


def _carries_on(
    mention: Mention, previous: Mention | None, topic: tuple[Place, ...], status: Status
) -> bool:
    """Whether a sentence that names no place goes on about the last place.

    Only when there is one last place (or the last sentence was elsewhere),
    the sentence does not start another account, and it is in the same
    paragraph, points back ("the town", "the attack"), or opens the next one.
    """
    if previous is None or mention.places or mention.area_cues:
        return False
    if status == "current" and len(topic) != 1:
        return False
    text = mention.sentence.text
    if is_heading(previous) and previous.places and topic:
        return True  # "Ziarat IBO" heading the account below it
    if _NEW_TOPIC.search(text):
        return False
    if _ANAPHOR.search(text):
        return True
    same_paragraph = mention.sentence.paragraph == previous.sentence.paragraph
    if _party_claim(mention) and not same_paragraph:
        return False  # a group's claim in its own paragraph is about its whole operation
    return 0 <= mention.sentence.paragraph - previous.sentence.paragraph <= 1


def _party_claim(mention: Mention) -> bool:
    text = mention.sentence.text
    return (mention.claimant is not None and mention.claimant.kind == "party") or bool(
        re.search(r"\bclaimed responsibility\b", text, re.IGNORECASE)
    )


# ------------------------------------------------------------------ the article


def _article_kind(
    views: Sequence[SentenceView], *, roundup: bool
) -> tuple[ArticleKind, tuple[Place, ...]]:
    """One incident, several, a wave, a round-up, or news from elsewhere.

    Counted from the places that current event sentences name themselves;
    lists of places ("attacks at Kakat, Mastung and Sur-Dakai") do not count.
    """
    if roundup:
        return "roundup", ()
    districts: dict[str, list[Place]] = {}
    wave_cue = False
    elsewhere = False
    listed: set[str] = set()
    for view in views:
        mention = view.mention
        if view.status == "elsewhere":
            elsewhere = True
        if view.status != "current" or not is_event(mention):
            continue
        if mention.area_cues:
            wave_cue = True
        if view.own and is_list(mention, view.places):
            listed |= {p.admin2 or p.name for p in view.places}
            continue
        if not view.own:
            continue
        for place in view.places:
            districts.setdefault(place.admin2 or place.name, []).append(place)
    if len(listed) >= WAVE_DISTRICTS:
        # "Militants struck Quetta, Turbat and Gwadar": a list of places
        # attacked in three districts or more is a wave.
        for name in listed:
            districts.setdefault(name, [])
    if not districts:
        return ("elsewhere" if elsewhere else "none"), ()
    main = tuple(_main_place(places) for places in districts.values() if places)
    if len(districts) >= WAVE_DISTRICTS or (wave_cue and len(districts) > 1):
        return "wave", main
    return ("single" if len(districts) == 1 else "several"), main


def _main_place(places: list[Place]) -> Place:
    """The place of a district's incident: the town most named, else the district."""
    towns = [p for p in places if p.kind != "district"]
    pool = towns or places
    return max(pool, key=lambda p: (pool.count(p), -pool.index(p)))


def is_list(mention: Mention, places: Sequence[Place]) -> bool:
    """A sentence that lists places attacked: "attacks at Kakat, Mastung and Sur-Dakai"."""
    specific = any(t.attack_type for t in mention.triggers)
    named = len(places) + len(mention.unresolved)
    return named >= LIST_MIN_PLACES and not specific and not mention.figures


# ------------------------------------------------------------------ figures


def _decide(
    view: SentenceView,
    figure: Figure,
    kind: ArticleKind,
    main: tuple[Place, ...],
) -> FigureDecision:
    mention = view.mention
    if view.status == "background":
        return FigureDecision(figure, "background", None, view.reason)
    if view.status == "elsewhere":
        return FigureDecision(figure, "elsewhere", None, view.reason)
    clause = _clause_of(mention, figure)
    outside = [
        pm
        for pm in mention.places
        if pm.role == "incident" and not pm.place.in_region and pm.place.kind in _MAPPABLE_KINDS
    ]
    if any(clause[0] <= pm.start_char < clause[1] for pm in outside):
        if _places_in(mention, view.places, clause):
            return FigureDecision(figure, "elsewhere", None, "spans places in two provinces")
        return FigureDecision(figure, "elsewhere", None, "its clause names a place outside")
    if any(clause[0] <= start < clause[1] for start, _ in mention.area_cues):
        return FigureDecision(figure, "area", None, "its clause speaks of the whole wave")
    if view.places:
        place = _figure_place(mention, figure, list(view.places), clause)
        if place is not None:
            return FigureDecision(figure, "incident", place, view.reason)
        if outside:
            return FigureDecision(figure, "elsewhere", None, "spans places in two provinces")
        return FigureDecision(figure, "area", None, "spans several places")
    if kind == "single" and main:
        return FigureDecision(figure, "incident", main[0], "the article reports one incident")
    if kind in ("wave", "none"):
        reason = "a wave article; the sentence names no place"
        if kind == "none":
            reason = "the article names no place in the region"
        return FigureDecision(figure, "area", None, reason)
    if kind == "elsewhere":
        return FigureDecision(figure, "elsewhere", None, "the article reports events elsewhere")
    return FigureDecision(figure, "unplaced", None, "several incidents; no place for this one")


def _clause_of(mention: Mention, figure: Figure) -> tuple[int, int]:
    return next(
        (span for span in clauses(mention) if span[0] <= figure.start_char < span[1]),
        (mention.sentence.start_char, mention.sentence.end_char),
    )


def _places_in(mention: Mention, places: Sequence[Place], clause: tuple[int, int]) -> list[Place]:
    return [
        pm.place
        for pm in mention.places
        if pm.place in places and clause[0] <= pm.start_char < clause[1]
    ]


def _figure_place(
    mention: Mention, figure: Figure, places: list[Place], clause: tuple[int, int]
) -> Place | None:
    """The one place a figure belongs to, or None when its sentence spans several."""
    if len(places) == 1:
        return places[0]
    here = _places_in(mention, places, clause)
    return here[0] if len(set(here)) == 1 else None


def clauses(mention: Mention) -> list[tuple[int, int]]:
    """The clauses of a sentence as article offsets."""
    text, base = mention.sentence.text, mention.sentence.start_char
    bounds, start = [], 0
    for m in _CLAUSE_BREAK.finditer(text):
        bounds.append((base + start, base + m.start()))
        start = m.end()
    bounds.append((base + start, base + len(text)))
    return bounds
