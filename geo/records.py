"""Typed records that flow between the stages of the pipeline.

Every record that carries something read from an article keeps the
``article_id`` and the character offsets (``start_char``, ``end_char``) into
that article's cleaned text, so that any figure on the map can be traced back
to its sentence.  Records are frozen: stages build new ones instead of
mutating what an earlier stage produced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

#: The attack types of the export schema (DESIGN.md), in display order.
ATTACK_TYPES: tuple[str, ...] = (
    "suicide_bombing",
    "bombing",
    "grenade_attack",
    "armed_assault",
    "shelling",
    "abduction",
    "prison_break",
    "arson",
    "sabotage",
    "seizure",
    "identity_killing",
    "targeted_killing",
    "security_operation",
    "other",
)

FigureKind = Literal["killed", "injured", "abducted", "captured", "freed"]
Role = Literal["civilian", "security", "militant", "unspecified"]
Qualifier = Literal["", "at least", "more than", "about", "up to", "fewer than"]
ClaimantKind = Literal["official", "party", "independent", "unattributed"]
PlaceKind = Literal["country", "province", "district", "tehsil", "town", "locality"]
PlaceRole = Literal[
    "incident",  # where something happened
    "origin",  # "a family from Khuzdar"
    "base",  # "Karachi-based"
    "dateline",  # "QUETTA -" at the top of a wire story
    "government",  # "Islamabad has accused"
    "destination",  # "bound for Peshawar"
    "train",  # "Bolan Mail", "Jaffar Express"
    "area",  # a province or country: the wave as a whole
    "route",  # "the Quetta-Sibi line", "on the border between X and Y"
    "facility",  # "Civil Hospital Quetta"
    "venue",  # "a press conference in Quetta"
    "organisation",  # "Mastung Assistant Commissioner", "Quetta division"
    "street",  # "Sibi Road" (in Quetta)
    "other",
]
DatePrecision = Literal["day", "range", "month", "unknown"]
Scope = Literal["incident", "area"]

FIGURE_KINDS: tuple[str, ...] = ("killed", "injured", "abducted", "captured", "freed")
ROLES: tuple[str, ...] = ("civilian", "security", "militant", "unspecified")


@dataclass(frozen=True)
class Article:
    """One news article, cleaned and identified by a hash of its content.

    ``text`` is the body with metadata removed, HTML reduced to text and
    repeated paragraphs dropped; every offset elsewhere points into it.
    """

    article_id: str
    path: str
    text: str
    outlet: str = ""
    url: str = ""
    published: dt.date | None = None
    title: str = ""


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article, with its paragraph number and offsets."""

    article_id: str
    index: int
    paragraph: int
    start_char: int
    end_char: int
    text: str


@dataclass(frozen=True)
class Place:
    """A gazetteer entry: a named point with its administrative units.

    ``precision`` follows ACLED: 1 a named town or village, 2 a sub-locality
    coded to its town, 3 a district or larger.
    """

    place_id: str
    name: str
    kind: PlaceKind
    latitude: float
    longitude: float
    country: str
    admin1: str = ""
    admin2: str = ""
    population: int = 0
    precision: int = 1
    source: str = ""
    in_region: bool = True


@dataclass(frozen=True)
class PlaceMention:
    """A place name found in a sentence, with what the sentence uses it for."""

    article_id: str
    start_char: int
    end_char: int
    surface: str
    place: Place
    role: PlaceRole = "incident"


@dataclass(frozen=True)
class Figure:
    """A casualty figure as written: what happened to whom, and how many."""

    kind: FigureKind
    role: Role
    low: int
    high: int
    qualifier: Qualifier
    start_char: int
    end_char: int
    text: str
    #: A part of a total the article gave before ("the DSP was among the dead").
    part_of_total: bool = False


@dataclass(frozen=True)
class Claimant:
    """Who states a figure, and what kind of source that is."""

    name: str
    kind: ClaimantKind


@dataclass(frozen=True)
class Trigger:
    """A word or phrase that signals an attack type (``None`` = generic)."""

    attack_type: str | None
    start_char: int
    end_char: int
    text: str


@dataclass(frozen=True)
class UnresolvedName:
    """A name used like a place ("in Kolpur") that no gazetteer entry matched.

    Kept so that a user can see it with its sentence and add a spelling.
    """

    article_id: str
    start_char: int
    end_char: int
    surface: str
    sentence: str


@dataclass(frozen=True)
class Mention:
    """What one sentence says: places, triggers, figures, date and source."""

    article_id: str
    sentence: Sentence
    places: tuple[PlaceMention, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    figures: tuple[Figure, ...] = ()
    event_date: dt.date | None = None
    date_end: dt.date | None = None
    date_precision: DatePrecision = "unknown"
    claimant: Claimant | None = None
    background: bool = False
    anaphoric: bool = False
    unresolved: tuple[UnresolvedName, ...] = ()
    #: Counts of people named with a role, whatever befell them: (9, "civilian").
    groups: tuple[tuple[int, str], ...] = ()
    #: Spans (article offsets) of words that speak of the whole wave ("across the province").
    area_cues: tuple[tuple[int, int], ...] = ()
    #: What the attacks of the sentence were aimed at ("Levies station").
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """One reported figure with its scope, claimant and evidence."""

    claim_id: str
    article_id: str
    scope: Scope
    place_id: str
    area: str
    figure: FigureKind
    role: Role
    value_low: int
    value_high: int
    qualifier: Qualifier
    claimant: str
    claimant_kind: ClaimantKind
    event_date: dt.date | None
    sentence: str
    start_char: int
    end_char: int
    outlet: str = ""
    published: dt.date | None = None
    incident_id: str = ""


@dataclass(frozen=True)
class Report:
    """One article's account of an incident: a place, a date, what happened.

    Reports from several articles (or several sentences of one) about the
    same place and day are merged into one :class:`Incident`.
    """

    article_id: str
    place: Place
    event_date: dt.date | None
    date_precision: DatePrecision
    attack_types: tuple[str, ...]
    targets: tuple[str, ...]
    claim_ids: tuple[str, ...]
    sentences: tuple[tuple[int, int], ...]
    listed_only: bool = False
    date_end: dt.date | None = None


@dataclass(frozen=True)
class Incident:
    """One event at one place on one date, merged across articles."""

    incident_id: str
    place: Place
    event_date: dt.date | None
    date_precision: DatePrecision
    attack_types: tuple[str, ...]
    targets: tuple[str, ...]
    article_ids: tuple[str, ...]
    claim_ids: tuple[str, ...] = ()
    admin2: str = ""
    admin1: str = ""
    admin3: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def primary_type(self) -> str:
        """Return the most specific attack type, by the order of ATTACK_TYPES."""
        ranked = sorted(self.attack_types, key=ATTACK_TYPES.index)
        return ranked[0] if ranked else "other"
