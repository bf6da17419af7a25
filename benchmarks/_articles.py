"""Synthetic, real-shaped news articles for the build benchmark.

Every sentence here is written for incidentmap in its own words; none comes
from a publisher.  An *event* (a town, a day, an attack, a toll) is reported
by several outlets, each article a few kilobytes: a lead with the figures, a
quoted official, and background paragraphs (the province, the district, a
second place), as wire copy is.  The towns are the district seats of
Balochistan from ``data/districts.csv``, so the gazetteer resolves them.
Seeded: the same ``n`` and ``seed`` always give the same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

#: What the articles are written to weigh, as the issue measured: about 4 kB.
TARGET_BYTES = 4_000
#: Outlets per event (1..this); several outlets per event is what makes merging work.
MAX_OUTLETS_PER_EVENT = 4
#: The latest event; earlier ones go back two days each (10,000 articles span about
#: 22 years; places repeat on far days), so no publication date lies in the future.
LAST_DAY = dt.date(2025, 12, 31)

_DATA = Path(__file__).resolve().parent.parent / "data"
_OUTLETS = (
    "Evening Wire", "Coastal Herald", "Frontier Daily", "Province Monitor",
    "Highland Gazette", "Desert Post", "Valley Times", "National Desk",
)  # fmt: skip
_ATTACKS = (
    ("gunmen opened fire on a checkpoint", "a gun attack"),
    ("a roadside bomb struck a passing convoy", "a bombing"),
    ("a suicide bomber blew himself up near the main market", "a suicide bombing"),
    ("attackers threw a grenade into a crowded shop", "a grenade attack"),
    ("armed men set fire to a row of trucks on the highway", "an arson attack"),
    ("gunmen abducted a group of road workers", "an abduction"),
)
_OFFICIALS = (
    "a senior police officer", "the deputy commissioner", "a district official",
    "a spokesman for the provincial government", "hospital staff", "the levies force",
)  # fmt: skip
_BACKGROUND = (
    "The district has seen a rise in violence over the past year, and residents say that "
    "travel after dark on the main roads has become rare.",
    "Traders in the bazaar closed their shops for the rest of the day, and schools "
    "announced that classes would stay suspended until the weekend.",
    "Officials said that a search operation had begun in the hills around the town and "
    "that several people had been taken in for questioning.",
    "Mobile phone service was suspended across parts of the province as a precaution, a "
    "measure the authorities have often taken after attacks.",
    "Local leaders condemned the violence and called on the government to do more to "
    "protect ordinary people going about their work.",
    "The provincial assembly is expected to debate the security situation next week, "
    "members of the opposition said in a joint statement.",
    "Relatives gathered outside the hospital, waiting for news, while ambulances came and "
    "went through the afternoon.",
    "Analysts say the long distances and the thin presence of the state make the region "
    "hard to police, and that the roads are the most exposed.",
    "Farmers in the surrounding villages said they had heard the sound from several "
    "kilometres away and had stayed indoors until the evening.",
    "No group had claimed responsibility by the time this report was filed, and officials "
    "declined to say whom they suspected.",
)
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True)
class Event:
    """One synthetic attack: where, when, what, and the toll."""

    town: str
    district: str
    day: dt.date
    attack: int
    killed: int
    injured: int


def seats() -> list[tuple[str, str]]:
    """Return (seat, district) of each Balochistan district in ``data/districts.csv``."""
    with (_DATA / "districts.csv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return [
            (r["seat"], r["district"])
            for r in rows
            if r.get("province") == "Balochistan" and (r.get("seat") or "").strip()
        ]


def events(n_articles: int, *, seed: int = 10) -> list[tuple[Event, int]]:
    """Return ``(event, outlets)`` pairs whose outlets add up to ``n_articles``."""
    rng = random.Random(seed)
    towns = seats()
    out: list[tuple[Event, int]] = []
    left = n_articles
    index = 0
    while left > 0:
        town, district = rng.choice(towns)
        event = Event(
            town=town,
            district=district,
            day=LAST_DAY - dt.timedelta(days=index * 2 + rng.randint(0, 1)),
            attack=rng.randrange(len(_ATTACKS)),
            killed=rng.randint(1, 9),
            injured=rng.randint(0, 9),
        )
        outlets = min(left, rng.randint(1, MAX_OUTLETS_PER_EVENT))
        out.append((event, outlets))
        left -= outlets
        index += 1
    return out


def article_text(event: Event, outlet: int, rng: random.Random) -> str:
    """One outlet's article about an event: a header, a lead, background to ~4 kB."""
    name = _OUTLETS[outlet % len(_OUTLETS)]
    published = event.day + dt.timedelta(days=rng.randint(0, 1))
    what, kind = _ATTACKS[event.attack]
    # A later outlet may have a higher toll: counts rise as they come in.
    killed = event.killed + (outlet if rng.random() < 0.3 else 0)
    weekday = event.day.strftime("%A")
    lead = (
        f"In {event.town}, {what} on {weekday}, {event.day.day} {event.day:%B %Y}. "
        f"{_number(killed).capitalize()} people were killed and {_number(event.injured)} were "
        f"injured, {rng.choice(_OFFICIALS)} said."
    )
    second = (
        f"The attack in {event.town}, in {event.district} district of Balochistan, was "
        f"{kind}, {rng.choice(_OFFICIALS)} told {name}."
    )
    paragraphs = [lead, second]
    body_size = len(lead) + len(second)
    pool = list(_BACKGROUND)
    rng.shuffle(pool)
    while body_size < TARGET_BYTES - 300:
        paragraph = pool[len(paragraphs) % len(pool)]
        paragraphs.append(paragraph)
        body_size += len(paragraph) + 2
    title = f"{kind.capitalize()} in {event.town}"
    header = f"outlet: {name}\npublished: {published.isoformat()}\ntitle: {title}\n---\n"
    return header + "\n\n".join(paragraphs) + "\n"


def write_articles(folder: Path, n_articles: int, *, seed: int = 10) -> list[Path]:
    """Write ``n_articles`` articles into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for number, (event, outlets) in enumerate(events(n_articles, seed=seed)):
        for outlet in range(outlets):
            path = folder / f"{number:06d}-{outlet}.txt"
            path.write_text(article_text(event, outlet, rng), encoding="utf-8")
            paths.append(path)
    return paths


def one_more(folder: Path, *, seed: int = 99) -> Path:
    """Write one extra article about a new event (the "one more article arrives" case)."""
    rng = random.Random(seed)
    town, district = rng.choice(seats())
    event = Event(town, district, LAST_DAY + dt.timedelta(days=30), 1, 3, 2)
    path = folder / "zz-one-more.txt"
    path.write_text(article_text(event, 0, rng), encoding="utf-8")
    return path


def _number(n: int) -> str:
    return _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
