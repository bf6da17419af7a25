"""Claims and reports: from what an article says to what it reports.

The article-level step (:mod:`geo.analysis`) decides which sentences tell
of the current events, the place each is about, and each figure's scope.
Here that becomes records: a sentence that tells of an attack at an
in-region place adds to that place's :class:`~geo.records.Report`; each
figure in scope becomes a :class:`~geo.records.Claim` (incident or area
scope); history, events elsewhere and figures that no place can be given
become nothing.  Then the article's claims are settled once: a part named
later ("the DSP was among the dead") is taken out of the total it belongs
to; a figure of "people" that counts a group the article named ("nine
passengers") takes that group's role; an unsourced total that only adds up
the places' own figures is not counted again.  The claimant is the
sentence's own attribution, else the previous sentence's, else the
article's lead source, else the outlet.  Pure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast

from geo.analysis import (
    ArticleAnalysis,
    FigureDecision,
    analyse_article,
    clauses,
    is_event,
    is_list,
)
from geo.figures import ANY_COUNT
from geo.records import Article, Claim, Claimant, Figure, Mention, Place, Report, Role, Trigger

_ATTACKERS = re.compile(
    r"\b(?:militants?|insurgents?|gunmen|attackers?|terrorists?|fighters?|assailants?|rebels?)\b",
    re.IGNORECASE,
)
#: How many sentences after a total a part of it ("was among the dead") may come.
PART_WINDOW = 6


def build_claims_and_reports(
    article: Article,
    mentions: Sequence[Mention],
    *,
    area: str,
    analysis: ArticleAnalysis | None = None,
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
    analysis
        The article-level reading of ``mentions``, if already made.
    """
    analysis = analysis or analyse_article(mentions)
    default_date = article_event_date(mentions)
    lead = lead_source(mentions)
    decisions = {id(d.figure): d for _, d in analysis.decisions}
    claims: list[Claim] = []
    settle: dict[str, _Settle] = {}
    reports: dict[tuple[str, dt.date | None], dict] = {}
    previous: Mention | None = None
    last_claimant: Claimant | None = None
    for view in analysis.sentences:
        mention = view.mention
        if view.status == "background":
            previous, last_claimant = mention, None
            continue
        claimant = mention.claimant
        if claimant is None and previous is not None and _same_paragraph(previous, mention):
            claimant = last_claimant
        own_claimant = mention.claimant is not None
        if claimant is None and lead is not None:
            claimant = lead
        date = mention.event_date or default_date
        if view.status == "current" and is_event(mention) and view.places:
            _add_reports(reports, mention, list(view.places), date)
        for figure in mention.figures:
            decision = decisions[id(figure)]
            if decision.scope not in ("incident", "area"):
                continue
            place = decision.place
            if place is not None and (place.place_id, date) not in reports:
                _add_reports(reports, mention, [place], date)
            claims.append(_claim(article, mention, figure, place, claimant, date, area))
            settle[claims[-1].claim_id] = _Settle(figure, mention.sentence.index, own_claimant)
            if place is not None:
                reports[(place.place_id, date)]["claims"].append(claims[-1].claim_id)
        if mention.claimant is not None or not _same_paragraph(previous, mention):
            last_claimant = mention.claimant
        previous = mention
    claims = _settle(claims, settle, analysis)
    if analysis.kind == "single":
        claims = _fold_into_one_place(reports, claims)
    kept = {c.claim_id for c in claims}
    for data in reports.values():
        data["claims"] = [c for c in data["claims"] if c in kept]
    return claims, [_report(article.article_id, data) for data in reports.values()]


def _fold_into_one_place(reports: dict, claims: list[Claim]) -> list[Claim]:
    """In an account of one incident, "Mastung" beside "Spezand" is the district.

    Reports at the district (or at a town named like it) join the one more
    precise place the article names in that district, and so do their claims.
    """
    precise = {
        data["place"].place_id: data["place"]
        for data in reports.values()
        if data["place"].kind != "district"
        and data["place"].name.casefold() != data["place"].admin2.casefold()
    }
    moved: dict[str, Place] = {}
    for key, data in list(reports.items()):
        place = data["place"]
        if place.place_id in precise:
            continue
        hosts = [p for p in precise.values() if p.admin2 == place.admin2]
        if len({p.place_id for p in hosts}) != 1:
            continue
        host = hosts[0]
        moved[place.place_id] = host
        target = next(
            (d for k, d in reports.items() if d["place"] == host and k[1] == key[1]), None
        ) or next(d for d in reports.values() if d["place"] == host)
        target["types"] |= data["types"]
        target["targets"] += [t for t in data["targets"] if t not in target["targets"]]
        target["claims"] += data["claims"]
        target["sentences"] += data["sentences"]
        target["listed"] = target["listed"] and data["listed"]
        del reports[key]
    return [
        replace(c, place_id=moved[c.place_id].place_id, area=moved[c.place_id].name)
        if c.place_id in moved
        else c
        for c in claims
    ]


@dataclass(frozen=True)
class _Settle:
    """What settling needs to know of a claim's figure."""

    figure: Figure
    sentence: int
    own_claimant: bool


def figure_decisions(analysis: ArticleAnalysis) -> list[FigureDecision]:
    """Every figure's scope and reason, in order (for ``evaluate --explain``)."""
    return [d for _, d in analysis.decisions]


def _settle(
    claims: list[Claim], info: dict[str, _Settle], analysis: ArticleAnalysis
) -> list[Claim]:
    """Count each person once across the article's claims (see the module docstring)."""
    claims = _take_out_parts(claims, info)
    claims = _roles_of_groups(claims, analysis)
    return _drop_restated_totals(claims, info)


def _take_out_parts(claims: list[Claim], info: dict[str, _Settle]) -> list[Claim]:
    """A part of an earlier total leaves that total: 4 people, among them a girl, is 3 + 1."""
    out = list(claims)
    for i, claim in enumerate(out):
        part = info.get(claim.claim_id)
        if part is None or not part.figure.part_of_total:
            continue
        for j in range(i - 1, -1, -1):
            total = out[j]
            total_info = info.get(total.claim_id)
            if total_info is None or total.figure != claim.figure:
                continue
            if (total.scope, total.place_id) != (claim.scope, claim.place_id):
                continue
            near = part.sentence - total_info.sentence <= PART_WINDOW
            # "The dead also included a boy": "also" ties the part to the total
            # whoever says it; otherwise a part from another source stands apart.
            also = "also" in part.figure.text.casefold().split()
            same_source = total.claimant == claim.claimant or not part.own_claimant or also
            if total.role == "unspecified" and total.value_low > claim.value_low:
                if near and same_source:
                    out[j] = replace(
                        total,
                        value_low=total.value_low - claim.value_low,
                        value_high=total.value_high - claim.value_low,
                    )
                break
    return out


def _roles_of_groups(claims: list[Claim], analysis: ArticleAnalysis) -> list[Claim]:
    """Seven "people" in a sentence that names "seven labourers" are the labourers.

    Only within one sentence, and never for a party's claim: a group's "nine
    individuals" stays as the group put it.
    """
    groups: dict[tuple[int, int], Role] = {}
    # A group that is itself a figure of the sentence ("including two
    # policemen") is counted already: the rest are not its members.
    counted = {(c.start_char, c.value_low, c.role) for c in claims if c.role != "unspecified"}
    for view in analysis.sentences:
        for value, named in view.mention.groups:
            if (view.mention.sentence.start_char, value, named) in counted:
                continue
            if named != "unspecified":
                groups.setdefault((view.mention.sentence.start_char, value), cast(Role, named))
    out = []
    for claim in claims:
        group = groups.get((claim.start_char, claim.value_low)) or groups.get(
            (claim.start_char, ANY_COUNT)
        )
        if claim.role == "unspecified" and group and claim.claimant_kind != "party":
            claim = replace(claim, role=group)
        out.append(claim)
    return out


def _drop_restated_totals(claims: list[Claim], info: dict[str, _Settle]) -> list[Claim]:
    """An unsourced area total that adds up the places' own figures is not counted again.

    "Security forces killed 10 terrorists in two districts" before "three
    near one town" and "seven in the other": the 10 is the reporter's sum.
    """
    sums: dict[tuple[str, str], dict[str, int]] = {}
    for claim in claims:
        if claim.scope == "incident":
            per_place = sums.setdefault((claim.figure, claim.role), {})
            per_place[claim.place_id] = max(per_place.get(claim.place_id, 0), claim.value_low)
    out = []
    for claim in claims:
        per_place = sums.get((claim.figure, claim.role), {})
        sourced = claim.claim_id in info and info[claim.claim_id].own_claimant
        restated = (
            claim.scope == "area"
            and len(per_place) >= 2
            and claim.value_low == sum(per_place.values())
            and not sourced
        )
        if not restated:
            out.append(claim)
    return out


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
    for start, end in clauses(mention):
        triggers = [t for t in mention.triggers if start <= t.start_char < end]
        here = sorted((pos, pid) for pid, pos in spans.items() if start <= pos < end)
        chosen_by: dict[str, list[Trigger]] = {}
        for pos, pid in here:
            before = [t for t in triggers if t.end_char <= pos]
            chosen = _last_cluster(before, here, pos) if before else _first_cluster(triggers)
            chosen_by[pid] = chosen
            result[pid] |= {t.attack_type for t in chosen if t.attack_type}
        if here:
            # "attacks on camps in Nushki and Panjgur, and operations after them":
            # what follows the last place belongs to the places listed with it.
            last = chosen_by[here[-1][1]]
            trailing = {t.attack_type for t in triggers if t.start_char > here[-1][0]}
            for _, pid in here:
                if chosen_by[pid] == last:
                    result[pid] |= {t for t in trailing if t}
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
    listed = is_list(mention, places)
    targets = list(mention.targets)
    precision = mention.date_precision if mention.event_date else "unknown"
    if date is not None and not mention.event_date:
        precision = "day"
    if (
        not specific
        and _ATTACKERS.search(mention.sentence.text)
        and any(f.kind in ("killed", "injured") and f.role != "militant" for f in mention.figures)
    ):
        # "insurgents killed 10 people": an attack by armed men, method unsaid
        # (not "forces killed seven terrorists": their deaths are no assault).
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


#: A more specific type that makes another redundant for one incident: a
#: suicide blast is not also a plain bombing; killings after identity checks
#: are not also targeted killings.
_SUPERSEDES = {"suicide_bombing": "bombing", "identity_killing": "targeted_killing"}


def _report(article_id: str, data: dict) -> Report:
    found = set(data["types"])
    found -= {redundant for specific, redundant in _SUPERSEDES.items() if specific in found}
    types = sorted(found) or ["other"]
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
