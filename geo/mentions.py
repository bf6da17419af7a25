"""Mentions: what each sentence of an article says, before any judgement.

For every sentence: the places it names (resolved through the gazetteer, each
with the role the sentence gives it: where something happened, where
someone came from, a dateline...), the attack-type triggers, the casualty
figures, the dates, who is quoted, and whether it tells of earlier events.
Deciding which of this makes an incident is the job of :mod:`geo.claims`.
Pure: an article and the loaded gazetteer and lexicon in, mentions out.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import cast

from geo._matching import COMMON_WORDS
from geo.claimants import find_claimant
from geo.dates import find_dates, is_background
from geo.figures import figures_and_groups
from geo.gazetteer import Gazetteer, Spot
from geo.lexicon import Lexicon, load_lexicon
from geo.records import (
    Article,
    Figure,
    Mention,
    Place,
    PlaceMention,
    PlaceRole,
    Sentence,
    Trigger,
    UnresolvedName,
)
from geo.text import split_sentences

#: National capitals that reporting uses for their governments.
GOVERNMENT_SEATS = {"islamabad", "new delhi", "delhi", "beijing", "kabul", "tehran", "washington"}
_GOVERNMENT_NEXT = re.compile(
    r"^(?:['’]s\b|-|\s+(?:has|have|had|is|was|says|said|accused|accuses|alleged|alleges|"
    r"blamed|blames|denied|denies|rejected|rejects|should|must|will|would|and\s+\w+\s+(?:have|"
    r"accused|blame)))",
    re.IGNORECASE,
)
#: "QUETTA -", "QUETTA, Pakistan (Reuters) -", "MACH:" opening a story.
_DATELINE_AFTER = re.compile(r"^\s*(?:[-–—:(]|,\s+[A-Z])")
#: "Lahore:", "Mastung (Balochistan):", "Karachi (AsiaNews) –" opening a paragraph.
_TITLE_DATELINE_AFTER = re.compile(r"^\s*(?:\([^)]{1,40}\)\s*)?[:–—]|^\s*(?:\([^)]{1,40}\)\s*)?-\s")
#: Between the names of a list that shares one role: "residents of A, B and C".
_LIST_GAP = re.compile(r"^\s*(?:,\s*(?:and\s+)?|and\s+|/\s*)(?:the\s+)?$")
_MAPPABLE_KINDS = ("town", "locality", "district", "tehsil")


def extract_mentions(
    article: Article,
    *,
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    sentences: Sequence[Sentence] | None = None,
    resolve_unknown: Callable[[str], Place | None] | None = None,
) -> list[Mention]:
    """Return one :class:`~geo.records.Mention` per sentence of ``article``.

    ``resolve_unknown`` is asked about names used like places that the
    gazetteer lacks (the online fallback); what it cannot place stays in
    ``Mention.unresolved``.
    """
    sentences = list(sentences if sentences is not None else split_sentences(article))
    spots = [gazetteer.spot(s.text, offset=s.start_char) for s in sentences]
    unknown = [_unknown_names(s, found, lexicon) for s, found in zip(sentences, spots, strict=True)]
    if resolve_unknown is not None:
        spots, unknown = _resolve_unknown(spots, unknown, resolve_unknown)
    context = _article_places(gazetteer, spots)
    reference = article.published or _latest_explicit_date(sentences)
    mentions: list[Mention] = []
    previous_date: dt.date | None = None
    previous_paragraph = -1
    for sentence, sentence_spots, names in zip(sentences, spots, unknown, strict=True):
        opening = sentence.index == 0 or sentence.paragraph != previous_paragraph
        previous_paragraph = sentence.paragraph
        places = tuple(
            _list_roles(
                sentence.text,
                [
                    _place_mention(
                        article, sentence, spot, gazetteer.resolve(spot, near=context),
                        first=opening, cues=lexicon.place_cues,
                    )
                    for spot in sentence_spots
                ],
                sentence.start_char,
            )
        )  # fmt: skip
        dates = [
            d
            for d in find_dates(sentence.text, anchor=article.published, previous=previous_date)
            if d.is_event and d.date is not None
        ]
        first = dates[0] if dates else None
        figures, groups = figures_and_groups(sentence.text, lexicon, offset=sentence.start_char)
        background = is_background(
            sentence.text, reference=reference, cues=lexicon.background
        ) or is_caption(sentence.text)
        if first is not None and not background:
            previous_date = first.date
        mentions.append(
            Mention(
                article_id=article.article_id,
                sentence=sentence,
                places=places,
                triggers=find_triggers(
                    sentence.text, lexicon, offset=sentence.start_char, figures=figures
                ),
                figures=tuple(figures),
                event_date=first.date if first else None,
                date_end=first.end if first else None,
                date_precision=("range" if first.end else "day") if first else "unknown",
                claimant=find_claimant(sentence.text, lexicon),
                groups=tuple(groups),
                targets=tuple(
                    m.group("target").strip() for m in lexicon.target.finditer(sentence.text)
                )
                if lexicon.target
                else (),
                area_cues=tuple(
                    (sentence.start_char + m.start(), sentence.start_char + m.end())
                    for cue in lexicon.area
                    for m in cue.finditer(sentence.text)
                ),
                background=background,
                unresolved=tuple(
                    UnresolvedName(article.article_id, start, end, surface, sentence.text)
                    for start, end, surface in names
                ),
            )
        )
    return mentions


_CAPTION = re.compile(
    r"\bin [A-Z][\w’' -]+, (?:Pakistan|Balochistan)(?:,| on)? (?:on )?"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?\.?"
    r"(?:\s+(?:File|Photo|Image|REUTERS|AFP|AP)\b.*)?\s*$"
)


def is_caption(text: str) -> bool:
    """True for a photo caption ("... in Quetta, Pakistan, February 1, 2026. REUTERS").

    Captions describe a picture taken after the events; their dates and
    places are not the story's, so they are kept out like history.
    """
    return bool(_CAPTION.search(text))


#: A capitalised name after a word that introduces a place ("in Kolpur",
#: "near the town of Gichk"), or before one ("Kolpur area").
_PLACE_LIKE = re.compile(
    r"\b(?:in|at|near|outside|around|of)\s+(?:the\s+(?:town|city|village|area)\s+of\s+)?"
    r"(?P<a>[A-Z][a-z’'-]{2,}(?:\s[A-Z][a-z’'-]{2,}){0,2})"
    r"|(?P<b>[A-Z][a-z’'-]{2,}(?:\s[A-Z][a-z’'-]{2,}){0,2})\s+(?:district|tehsil|town|village|area)\b"
)
#: Capitalised words that follow "in" or "of" without being places: the
#: matcher's common words, and the small words and titles a sentence adds.
_NOT_PLACES = COMMON_WORDS | {
    "the", "this", "that", "his", "her", "its", "he", "she", "they", "it", "we", "i", "a",
    "an", "one", "some", "many", "parliament", "english", "punjabi", "sindhi", "indian",
    "pakistani", "ministry", "external", "foreign", "affairs", "supreme", "high", "home", "may",
    "north", "south", "east", "west", "state",
}  # fmt: skip


def _unknown_names(
    sentence: Sentence, spots: list[Spot], lexicon: Lexicon
) -> list[tuple[int, int, str]]:
    """Names used like places that the gazetteer did not spot."""
    found = []
    known = [(s.start, s.end) for s in spots]
    for m in _PLACE_LIKE.finditer(sentence.text):
        group = "a" if m.group("a") else "b"
        surface = m.group(group)
        start = sentence.start_char + m.start(group)
        end = start + len(surface)
        words = surface.casefold().split()
        if any(s < end and start < e for s, e in known):
            continue
        if words[0] in _NOT_PLACES or any(w in lexicon.roles or w in _NOT_PLACES for w in words):
            continue
        if re.search(r"-(?:based|backed|led|born|bound|owned|run)$", surface):
            continue
        if any(pattern.search(surface) for pattern, _, _ in lexicon.claimants):
            continue  # an organisation ("Frontier Corps", "Levies"), not a place
        found.append((start, end, surface))
    return found


def _resolve_unknown(
    spots: list[list[Spot]],
    unknown: list[list[tuple[int, int, str]]],
    resolve: Callable[[str], Place | None],
) -> tuple[list[list[Spot]], list[list[tuple[int, int, str]]]]:
    """Ask the fallback about each unknown name; found ones become spots."""
    new_spots, still = [], []
    for sentence_spots, names in zip(spots, unknown, strict=True):
        spots_here, left = list(sentence_spots), []
        for start, end, surface in names:
            place = resolve(surface)
            if place is None:
                left.append((start, end, surface))
            else:
                spots_here.append(Spot(start, end, surface, (place,)))
        new_spots.append(sorted(spots_here, key=lambda s: s.start))
        still.append(left)
    return new_spots, still


def find_triggers(
    text: str, lexicon: Lexicon, *, offset: int = 0, figures: Sequence[Figure] = ()
) -> tuple[Trigger, ...]:
    """Return attack-type triggers, longest first where two overlap.

    A trigger that requires militants killed or caught in its sentence
    (``requires=militant_figure``) counts only beside such a figure.
    """
    if lexicon.any_trigger.search(text) is None:
        return ()
    found: list[Trigger] = []
    militants = any(f.role == "militant" and f.kind in ("killed", "captured") for f in figures)
    needs = lexicon.trigger_requires or ("",) * len(lexicon.triggers)
    for (attack_type, pattern), need in zip(lexicon.triggers, needs, strict=True):
        if need == "militant_figure" and not militants:
            continue
        for m in pattern.finditer(text):
            found.append(Trigger(attack_type, offset + m.start(), offset + m.end(), m.group()))
    if lexicon.thwarted:
        found = [t for t in found if not _thwarted(text, t, offset, lexicon.thwarted)]
    found.sort(key=lambda t: (t.start_char, -(t.end_char - t.start_char)))
    kept: list[Trigger] = []
    for trigger in found:
        if kept and trigger.start_char < kept[-1].end_char:
            # An overlapping specific type refines a generic one, never the reverse.
            if kept[-1].attack_type is None and trigger.attack_type is not None:
                kept[-1] = trigger
            continue
        kept.append(trigger)
    return tuple(kept)


_ATTEMPTED_TYPES = ("abduction", "seizure", "prison_break")
_CLAUSE_END = re.compile(r"[;.]|, (?:while|but|and) ")


def _thwarted(text: str, trigger: Trigger, offset: int, cues: Sequence[re.Pattern[str]]) -> bool:
    """A hostage-taking or seizure that "was thwarted" did not happen."""
    if trigger.attack_type not in _ATTEMPTED_TYPES:
        return False
    start, end = trigger.start_char - offset, trigger.end_char - offset
    left = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE_END.finditer(text, end)), len(text))
    clause = text[left:right]
    return any(cue.search(clause) for cue in cues)


def is_mappable(mention: PlaceMention) -> bool:
    """True for an in-region town, locality or district named as an incident place."""
    place = mention.place
    return mention.role == "incident" and place.in_region and place.kind in _MAPPABLE_KINDS


def _article_places(gazetteer: Gazetteer, spots: list[list[Spot]]) -> list[Place]:
    """Unambiguous in-region places of the article, to settle ambiguous ones.

    Each place once: only its distance counts, and a long article names the
    same towns hundreds of times (listing every mention made ranking
    quadratic in the article's length).
    """
    places: dict[Place, None] = {}
    for spot in (s for sentence in spots for s in sentence):
        ranked = gazetteer.rank(spot.candidates)
        if len(ranked) == 1 and ranked[0].in_region and ranked[0].kind == "town":
            places.setdefault(ranked[0])
    return list(places)


def _latest_explicit_date(sentences: Sequence[Sentence]) -> dt.date | None:
    """Without a publication date, the latest full date in the text dates the article."""
    dates = [
        d.date for s in sentences for d in find_dates(s.text, anchor=None) if d.date is not None
    ]
    return max(dates) if dates else None


def _place_mention(
    article: Article,
    sentence: Sentence,
    spot: Spot,
    place: Place,
    *,
    first: bool,
    cues: Sequence[tuple[str, str, re.Pattern[str]]],
) -> PlaceMention:
    local_start = spot.start - sentence.start_char
    local_end = spot.end - sentence.start_char
    role = place_role(sentence.text, local_start, local_end, place, first=first, cues=cues)
    return PlaceMention(article.article_id, spot.start, spot.end, spot.surface, place, role)


def place_role(
    text: str,
    start: int,
    end: int,
    place: Place,
    *,
    first: bool = False,
    cues: Sequence[tuple[str, str, re.Pattern[str]]] | None = None,
) -> PlaceRole:
    """What a sentence uses a place name for, from the words around it.

    ``first`` is true for the first sentence of a paragraph (where datelines
    stand); ``cues`` are the place-role cues of ``data/place_cues.csv``
    (default: the project's own).
    """
    before, after, surface = text[:start], text[end:], text[start:end]
    if place.kind in ("country", "province"):
        return "area"
    opening = first or not before.strip(" \t•*-–—")
    if (
        surface.isupper()
        and len(surface) > 3
        and _DATELINE_AFTER.match(after)
        and (first or not before.strip())
    ):
        return "dateline"
    if opening and not before.strip(" \t•*") and _TITLE_DATELINE_AFTER.match(after):
        return "dateline"
    if surface.casefold() in GOVERNMENT_SEATS and _GOVERNMENT_NEXT.match(after):
        return "government"
    for role, side, pattern in cues if cues is not None else default_place_cues():
        if (side == "before" and pattern.search(before)) or (
            side == "after" and pattern.match(after)
        ):
            return cast(PlaceRole, role)
    return "incident"


@functools.cache
def default_place_cues() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """The project's place-role cues, read once (for callers without a lexicon)."""
    return load_lexicon().place_cues


def _list_roles(text: str, mentions: list[PlaceMention], base: int) -> list[PlaceMention]:
    """Names listed after one with a cue share its role: "residents of A, B and C"."""
    out = list(mentions)
    for i in range(1, len(out)):
        prev, cur = out[i - 1], out[i]
        gap = text[prev.end_char - base : cur.start_char - base]
        if (
            prev.role not in ("incident", "area", "dateline", "government", "route")
            and cur.role == "incident"
            and _LIST_GAP.match(gap)
        ):
            out[i] = replace(cur, role=prev.role)
    return out
