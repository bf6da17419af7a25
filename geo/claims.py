"""Claims and reports: from what sentences say to what an article reports.

A sentence becomes part of an incident report when it tells of an attack (a
trigger or a casualty figure), is not history, and names an in-region place
as where it happened.  A sentence that names no place inherits the place of
the sentence before it in the same paragraph ("Police said seven officers
were killed ..." after "In the desert town of Nushki ..."), or across a
paragraph break when it points back ("the assault", "the town").

Each casualty figure becomes a :class:`~geo.records.Claim`: incident scope
when it belongs to one place, area scope (the whole wave or province) when it
does not.  The claimant is the sentence's own attribution, else the previous
sentence's, else the outlet.  Pure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from geo.mentions import is_mappable
from geo.records import Article, Claim, Claimant, Figure, Mention, Place, Report, Trigger

#: Words that point back to a place named before ("the town", "that attack").
_ANAPHOR = re.compile(
    r"\b(?:the|that|this) (?:town|city|area|district|attack|assault|raid|siege|port|camp)\b|"
    r"\bthe ensuing\b|\bthere\b",
    re.IGNORECASE,
)
#: Words that make a sentence about the wave as a whole, not one place.
_AREA_WORDS = re.compile(
    r"\b(?:across|province|provinces|provincial|nationwide|country|several|multiple|various|"
    r"districts|towns|cities|locations|places|region)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r";|,? while |, whereas |, but |—| – ")
_TARGET = re.compile(
    r"\b(?:attacked|targeted|targeting|stormed|storming|struck|seized(?: control of)?|"
    r"on|into)\s+(?:a|an|the|his|her|their|its)\s+(?P<target>(?:[\w’'-]+\s+){0,4}?"
    r"(?:station|stations|camp|post|headquarters|prison|jail|vehicle|residence|house|building|"
    r"buildings|office|offices|checkpoint|checkpoints|bank|school|market|gate|lines|centre|"
    r"center|convoy|train|bus|port|base|installations?|compound|hospital|cameras))\b",
    re.IGNORECASE,
)
_ATTACKERS = re.compile(
    r"\b(?:militants?|insurgents?|gunmen|attackers?|terrorists?|fighters?|assailants?|rebels?)\b",
    re.IGNORECASE,
)
#: A sentence naming this many places with only generic triggers is a list of
#: places attacked, not an account of any one of them.
LIST_MIN_PLACES = 3


def build_claims_and_reports(
    article: Article, mentions: Sequence[Mention], *, area: str
) -> tuple[list[Claim], list[Report]]:
    """Turn one article's mentions into claims and per-place reports.

    Parameters
    ----------
    article
        The article the mentions come from (outlet and date for the claims).
    mentions
        Its mentions, in sentence order, from :func:`geo.mentions.extract_mentions`.
    area
        Name of the area that wave-wide figures belong to (the region's province).
    """
    default_date = article_event_date(mentions)
    lead = lead_source(mentions)
    claims: list[Claim] = []
    reports: dict[tuple[str, dt.date | None], dict] = {}
    topic: list[Place] = []
    previous: Mention | None = None
    last_claimant: Claimant | None = None
    for mention in mentions:
        if mention.background:
            topic, previous, last_claimant = [], mention, None
            continue
        places = _distinct_places(pm.place for pm in mention.places if is_mappable(pm))
        is_event = bool(mention.triggers or mention.figures)
        if not places and is_event and _inherits(mention, previous, topic):
            places = list(topic)
        claimant = mention.claimant
        if claimant is None and previous is not None and _same_paragraph(previous, mention):
            claimant = last_claimant
        if claimant is None and lead is not None:
            claimant = lead
        date = mention.event_date or default_date
        if is_event and places:
            _add_reports(reports, mention, places, date)
        for figure in mention.figures:
            place = _figure_place(mention, figure, places)
            claims.append(_claim(article, mention, figure, place, claimant, date, area))
            if place is not None:
                reports[(place.place_id, date)]["claims"].append(claims[-1].claim_id)
        # Only what the story is about moves the topic: a sentence on where a
        # train came from does not end the account of where it was attacked.
        if places or is_event:
            topic = places
        if mention.claimant is not None or not _same_paragraph(previous, mention):
            last_claimant = mention.claimant
        previous = mention
    return claims, [_report(article.article_id, data) for data in reports.values()]


def _distinct_places(found: Iterable[Place]) -> list[Place]:
    """The places of a sentence, a district dropped when a town in it is named.

    "Turbat, in Kech district" is one place, Turbat, not two.
    """
    places = list(dict.fromkeys(found))
    towns = {p.admin2 for p in places if p.kind != "district"}
    return [p for p in places if p.kind != "district" or p.admin2 not in towns]


def article_event_date(mentions: Sequence[Mention]) -> dt.date | None:
    """The date most event sentences give (ties: the first given), for undated ones.

    The most frequent date rather than the first: a photo caption or a
    "the previous day" aside should not date the whole story.
    """
    dated = [
        m.event_date
        for m in mentions
        if not m.background and m.event_date is not None and (m.triggers or m.figures)
    ]
    if not dated:
        return None
    counts = Counter(dated)
    # On a tie, the date the story gives first (its lede) wins.
    return min(counts, key=lambda d: (-counts[d], dated.index(d)))


def lead_source(mentions: Sequence[Mention]) -> Claimant | None:
    """The source the story as a whole rests on: the first official or independent one.

    Wire copy attributes its account once ("police said on Feb 4, as the
    death toll rose to 58") and then reports figures without repeating it.
    Such figures are given that source, marked as the article's rather than
    the sentence's: ``"police (article's source)"``.
    """
    for mention in mentions:
        claimant = mention.claimant
        if mention.background or claimant is None:
            continue
        if claimant.kind in ("official", "independent"):
            return Claimant(f"{claimant.name} (article's source)", claimant.kind)
    return None


def _same_paragraph(a: Mention | None, b: Mention) -> bool:
    return a is not None and a.sentence.paragraph == b.sentence.paragraph


def _inherits(mention: Mention, previous: Mention | None, topic: list[Place]) -> bool:
    """Whether a placeless event sentence continues the previous one's place.

    Only a sentence that names no place at all (not even "Pakistan") and
    does not speak of the wave as a whole in its main clause qualifies; a
    pointer back ("the town", "that attack") or the same paragraph ties it
    to the place before, and so does the very next paragraph.
    """
    if len(topic) != 1 or previous is None or mention.places:
        return False
    text = mention.sentence.text
    if _ANAPHOR.search(text):
        return True
    if _AREA_WORDS.search(_CLAUSE_BREAK.split(text)[0]):
        return False
    if _party_claim(mention) and not _same_paragraph(previous, mention):
        return False  # a group's claim in its own paragraph is about its whole operation
    return mention.sentence.paragraph - previous.sentence.paragraph <= 1


def _party_claim(mention: Mention) -> bool:
    text = mention.sentence.text
    return (mention.claimant is not None and mention.claimant.kind == "party") or bool(
        re.search(r"\bclaimed responsibility\b", text, re.IGNORECASE)
    )


def _clauses(mention: Mention) -> list[tuple[int, int]]:
    text, base = mention.sentence.text, mention.sentence.start_char
    bounds, start = [], 0
    for m in _CLAUSE_BREAK.finditer(text):
        bounds.append((base + start, base + m.start()))
        start = m.end()
    bounds.append((base + start, base + len(text)))
    return bounds


def _types_by_place(mention: Mention, places: list[Place]) -> dict[str, set[str]]:
    """Attack types per place: the triggers nearest before a place, in its clause.

    "suicide blasts in Nushki and Pasni and gun and grenade attacks in 11
    more places, including Quetta": Nushki and Pasni get the suicide
    bombing, Quetta the gun and grenade attacks.
    """
    spans = {pm.place.place_id: pm.start_char for pm in mention.places if pm.place in places}
    result: dict[str, set[str]] = {p.place_id: set() for p in places}
    if len(places) == 1 or not spans:
        types = {t.attack_type for t in mention.triggers if t.attack_type}
        return {p.place_id: set(types) for p in places}
    for start, end in _clauses(mention):
        triggers = [t for t in mention.triggers if start <= t.start_char < end]
        here = sorted((pos, pid) for pid, pos in spans.items() if start <= pos < end)
        for pos, pid in here:
            before = [t for t in triggers if t.end_char <= pos]
            chosen = _last_cluster(before, here, pos) if before else _first_cluster(triggers)
            result[pid] |= {t.attack_type for t in chosen if t.attack_type}
    return result


def _last_cluster(before: list[Trigger], here: list[tuple[int, str]], pos: int) -> list[Trigger]:
    """The run of triggers after the previous place and before this one, if any."""
    prior = [p for p, _ in here if p < pos]
    limit = prior[-1] if prior else -1
    run = [t for t in before if t.start_char > limit]
    return run or [before[-1]]


def _first_cluster(triggers: list[Trigger]) -> list[Trigger]:
    return triggers[:3]


def _add_reports(
    reports: dict, mention: Mention, places: list[Place], date: dt.date | None
) -> None:
    types = _types_by_place(mention, places)
    specific = any(t.attack_type for t in mention.triggers)
    listed = len(places) >= LIST_MIN_PLACES and not specific and not mention.figures
    targets = [m.group("target").strip() for m in _TARGET.finditer(mention.sentence.text)]
    precision = mention.date_precision if mention.event_date else "unknown"
    if date is not None and not mention.event_date:
        precision = "day"
    if (
        not specific
        and _ATTACKERS.search(mention.sentence.text)
        and any(f.kind in ("killed", "injured") for f in mention.figures)
    ):
        # "insurgents killed 10 people": an attack by armed men, method unsaid.
        types = {pid: found or {"armed_assault"} for pid, found in types.items()}
    for place in places:
        entry = reports.setdefault(
            (place.place_id, date),
            {
                "place": place,
                "date": date,
                "precision": precision,
                "types": set(),
                "targets": [],
                "claims": [],
                "sentences": [],
                "listed": True,
                "date_end": mention.date_end if mention.event_date else None,
            },  # fmt: skip
        )
        entry["types"] |= types[place.place_id]
        entry["targets"] += [t for t in targets if t not in entry["targets"]]
        entry["sentences"].append((mention.sentence.start_char, mention.sentence.end_char))
        entry["listed"] = entry["listed"] and listed


def _report(article_id: str, data: dict) -> Report:
    types = sorted(data["types"]) or ["other"]
    return Report(
        article_id=article_id,
        place=data["place"],
        event_date=data["date"],
        date_precision=data["precision"],
        attack_types=tuple(types),
        targets=tuple(data["targets"]),
        claim_ids=tuple(data["claims"]),
        sentences=tuple(data["sentences"]),
        listed_only=data["listed"],
        date_end=data["date_end"],
    )


def _figure_place(mention: Mention, figure: Figure, places: list[Place]) -> Place | None:
    """The one place a figure belongs to, or None for a wave-wide figure."""
    if len(places) == 1:
        return places[0]
    for start, end in _clauses(mention):
        if start <= figure.start_char < end:
            here = [
                pm.place
                for pm in mention.places
                if pm.place in places and start <= pm.start_char < end
            ]
            if len(set(here)) == 1:
                return here[0]
    return None


def claim_id(article_id: str, figure: Figure) -> str:
    """A stable id: the same figure in the same article always gets the same id."""
    key = f"{article_id}|{figure.start_char}|{figure.end_char}|{figure.kind}|{figure.role}"
    return "C" + hashlib.sha1(key.encode()).hexdigest()[:12]


def _claim(
    article: Article,
    mention: Mention,
    figure: Figure,
    place: Place | None,
    claimant: Claimant | None,
    date: dt.date | None,
    area: str,
) -> Claim:
    if claimant is None:
        claimant = Claimant(article.outlet, "independent") if article.outlet else None
    claimant = claimant or Claimant("unattributed", "unattributed")
    return Claim(
        claim_id=claim_id(article.article_id, figure),
        article_id=article.article_id,
        scope="incident" if place else "area",
        place_id=place.place_id if place else "",
        area=place.name if place else area,
        figure=figure.kind,
        role=figure.role,
        value_low=figure.low,
        value_high=figure.high,
        qualifier=figure.qualifier,
        claimant=claimant.name,
        claimant_kind=claimant.kind,
        event_date=date,
        sentence=mention.sentence.text,
        start_char=mention.sentence.start_char,
        end_char=mention.sentence.end_char,
        outlet=article.outlet,
        published=article.published,
    )
