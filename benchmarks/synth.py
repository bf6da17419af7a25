"""Real-shaped synthetic news articles for the benchmarks, deterministic for a seed.

Run from the repository root: ``python benchmarks/synth.py OUT --articles 2000``.

Each article is about 4 kB and reads like a wire report on an attack in
Balochistan: front matter (outlet, date, URL, headline), a dateline, a lead
with the place, the day and the toll, officials' figures, often a militant
group's claim that differs, a round-up of other attacks that week, and
background paragraphs without figures.  One event is reported by one to three
outlets, with tolls that rise as counts come in; places are spelled as
``data/places.csv`` spells them, aliases included (Noshki, Qalat, Panjgoor).
Every sentence comes from the templates below, written for the project in
its own words: no publisher's text.  Outlets are invented, with ``.example``
domains.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACES_CSV = ROOT / "data" / "places.csv"

#: Invented outlets: (name, domain, how it credits officials).
OUTLETS = [
    ("Coast Daily", "coastdaily.example"),
    ("Frontier Wire", "frontierwire.example"),
    ("Valley Courier", "valleycourier.example"),
    ("Desert Herald", "desertherald.example"),
    ("Provincial Times", "provincialtimes.example"),
    ("Highway Post", "highwaypost.example"),
    ("Border Observer", "borderobserver.example"),
    ("Morning Ledger", "morningledger.example"),
]
OFFICIALS = [
    "police said", "officials said", "a police officer said", "the district administration said",
    "a provincial government spokesman said", "the military's media wing said",
]  # fmt: skip
GROUPS = ["Baloch Liberation Army", "Baloch Liberation Front", "BLA"]
NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
           "eleven", "twelve"]  # fmt: skip
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]  # fmt: skip

#: Leads by attack type: {where}, {when}, {toll} and {source} are filled in.
LEADS = {
    "bombing": [
        "A bomb planted on a motorcycle went off near a busy market in {where} {when}, "
        "killing {toll}, {source}.",
        "A roadside bomb struck a passing vehicle in {where} {when}, killing {toll}, {source}.",
    ],
    "suicide_bombing": [
        "A suicide bomber rammed an explosives-laden car into a security convoy in {where} "
        "{when}, killing {toll}, {source}.",
    ],
    "armed_assault": [
        "Gunmen stormed a checkpoint in {where} {when}, killing {toll}, {source}.",
        "Armed men attacked a police station in {where} {when}, killing {toll}, {source}.",
    ],
    "targeted_killing": [
        "Gunmen on a motorcycle shot dead {toll} in {where} {when}, {source}.",
    ],
    "grenade_attack": [
        "Unknown men hurled a grenade at a shop in {where} {when}, killing {toll}, {source}.",
    ],
    "abduction": [
        "Armed men abducted {abducted} from a bus in {where} {when}, {source}.",
    ],
}
#: Figure paragraphs: who says what about the sides.
FIGURES = [
    "Officials said {security} among the dead.",
    "A hospital official said {injured} were brought in with wounds.",
    "Security forces killed {militants} in the exchange of fire that followed, {source}.",
]
CLAIMS = [
    "The {group} said in a statement that its fighters had killed {n} soldiers, a figure "
    "officials did not confirm.",
    "In a message to reporters, the {group} claimed the attack and put the toll at {n} "
    "soldiers killed.",
]
ROUNDUPS = [
    "Separately, gunmen attacked a checkpoint in {where} {when}, killing {toll}, {source}.",
    "In another attack, a bomb went off near a government office in {where} {when}, "
    "killing {toll}, {source}.",
    "Elsewhere, armed men fired on a vehicle in {where} {when}, killing {toll}, {source}.",
]
#: Background without places or figures, so that it adds length and no incident.
BACKGROUND = [
    "The province has seen attacks on security forces, on infrastructure and on workers "
    "from other parts of the country rise over recent years.",
    "Separatist groups accuse the federal government of exploiting the region's gas and "
    "minerals while its people remain poor, a charge the government rejects.",
    "Mobile internet service was suspended in parts of the province as a precaution, "
    "residents said, and long queues formed at the few places that still had a signal.",
    "The chief minister condemned the violence and ordered an inquiry into how the "
    "attackers had reached their target unchallenged.",
    "Traders kept their shops closed for most of the day and the main highway was quiet "
    "apart from military vehicles.",
    "Rights groups have called for independent access for journalists, who are rarely "
    "allowed to travel to the scenes of such attacks.",
    "Relatives gathered outside the hospital waiting for news, and some said they had "
    "heard the blast from their homes across town.",
    "Analysts say the groups have grown more capable and now carry out coordinated raids "
    "rather than isolated ambushes.",
    "The interior ministry said more troops would be sent to guard roads and railway "
    "lines in the coming weeks.",
    "Opposition lawmakers demanded a debate on security in the province and accused the "
    "government of ignoring warnings.",
    "Funerals were held the next day under heavy guard, with schools closed for the occasion.",
    "Officials said the investigation was continuing and that several suspects had been "
    "detained for questioning.",
    "Local elders appealed for calm and asked the authorities to compensate the families "
    "of the victims without delay.",
    "The attack drew condemnation from neighbouring governments and from the United "
    "Nations, which urged restraint.",
    "Residents described hearing gunfire for hours and said security forces sealed off "
    "the roads leading into the area.",
    "Passenger trains to and from the provincial capital were suspended until the tracks "
    "could be checked.",
    "Teachers said attendance had fallen in recent months as parents kept children at home "
    "whenever there was news of fighting on the roads.",
    "The federal cabinet met in the evening to review the situation and promised support "
    "for the families of those who died.",
    "Drivers on the coastal highway said they now travel only in daylight and in groups, "
    "after a string of ambushes on the route.",
    "A spokesman for the provincial health department said extra doctors and blood supplies "
    "had been sent to the district hospital.",
    "Human rights workers said the families of missing men held a sit-in outside the press "
    "club to demand news of their relatives.",
    "Security analysts noted that the attackers appeared to have studied the guards' "
    "routines, choosing the hour when shifts changed.",
    "Shopkeepers said business had barely recovered from the last closure when the new "
    "violence brought the market to a halt again.",
    "Officials appealed to residents to report suspicious vehicles and to avoid crowded "
    "places for the next few days.",
]


@dataclass(frozen=True)
class Event:
    """One attack: where, when, what, and its true toll by side."""

    place: str
    spellings: tuple[str, ...]
    date: dt.date
    kind: str
    civilians: int
    security: int
    militants: int
    injured: int
    abducted: int


def load_places(path: Path = PLACES_CSV) -> list[tuple[str, tuple[str, ...]]]:
    """Towns of the project's place table, with their spellings (aliases included)."""
    places = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["exclude"].strip() or row["kind"] != "town" or row["province"] != "Balochistan":
                continue
            aliases = [a.strip() for a in row["aliases"].split(";") if a.strip()]
            places.append((row["name"], (row["name"], *aliases)))
    return places


def _count(n: int) -> str:
    return NUMBERS[n] if n < len(NUMBERS) else str(n)


def _people(n: int, singular: str, plural: str) -> str:
    return f"{_count(n)} {singular if n == 1 else plural}"


def _date(day: dt.date) -> str:
    return f"on {day.day} {MONTHS[day.month - 1]}"


def _toll(event: Event, share: float) -> str:
    """The toll as one outlet has it: part of the final count, as counts rise."""
    civilians = max(0, round(event.civilians * share))
    security = max(0, round(event.security * share))
    parts = []
    if civilians:
        parts.append(_people(civilians, "civilian", "civilians"))
    if security:
        parts.append(_people(security, "soldier", "soldiers"))
    if not parts:
        parts.append("one passer-by")
    return " and ".join(parts)


class Generator:
    """Events and the articles that report them, from one seeded random stream."""

    def __init__(self, seed: int = 11, start: dt.date = dt.date(2023, 1, 1)) -> None:
        self.rng = random.Random(seed)
        self.places = load_places()
        self.start = start
        self.used: set[tuple[str, dt.date]] = set()

    def event(self) -> Event:
        """A new event at a (place, day) no other event has used, nor the days beside it."""
        rng = self.rng
        while True:
            place, spellings = rng.choice(self.places)
            day = self.start + dt.timedelta(days=rng.randrange(3 * 365))
            near = {(place, day + dt.timedelta(days=d)) for d in (-2, -1, 0, 1, 2)}
            if not near & self.used:
                self.used.add((place, day))
                break
        kind = rng.choice(list(LEADS))
        return Event(
            place=place, spellings=spellings, date=day, kind=kind,
            civilians=rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 9, 12, 18]),
            security=rng.choice([0, 1, 2, 3, 4, 6, 8, 11]),
            militants=rng.choice([0, 0, 0, 2, 3, 5, 6]),
            injured=rng.choice([0, 2, 4, 6, 9, 15]),
            abducted=rng.choice([2, 3, 5, 8]),
        )  # fmt: skip

    def _spell(self, event: Event) -> str:
        return self.rng.choice(event.spellings)

    def article(self, event: Event, nth: int, outlet: tuple[str, str]) -> tuple[str, str]:
        """The ``nth`` report (0 first) of ``event`` by ``outlet``: file name and text."""
        rng = self.rng
        name, domain = outlet
        published = event.date + dt.timedelta(days=nth + rng.choice([0, 1]))
        share = [0.6, 0.85, 1.0][min(nth, 2)]
        where, when, source = self._spell(event), _date(event.date), rng.choice(OFFICIALS)
        lead = rng.choice(LEADS[event.kind]).format(
            where=where, when=when, toll=_toll(event, share), source=source,
            abducted=_people(event.abducted, "passenger", "passengers"),
        )  # fmt: skip
        headline = f"{event.kind.replace('_', ' ').capitalize()} in {where} leaves dead and wounded"
        paragraphs = [f"{where.upper()}: {lead}"]
        figures = []
        if event.security:
            figures.append(
                FIGURES[0].format(
                    security=_people(
                        max(1, round(event.security * share)),
                        "security official was",
                        "security personnel were",
                    )
                )
            )
        if event.injured:
            figures.append(FIGURES[1].format(injured=_people(event.injured, "person", "people")))
        if event.militants:
            figures.append(
                FIGURES[2].format(
                    militants=_people(event.militants, "attacker", "attackers"), source=source
                )
            )
        if figures:
            paragraphs.append(" ".join(figures))
        if event.security and rng.random() < 0.6:
            paragraphs.append(
                rng.choice(CLAIMS).format(
                    group=rng.choice(GROUPS), n=event.security * rng.choice([3, 4, 6])
                )
            )
        background = rng.sample(BACKGROUND, rng.randint(18, 22))
        for i in range(0, len(background), 3):
            paragraphs.append(" ".join(background[i : i + 3]))
        for other in self.roundup(published):
            paragraphs.insert(
                -1,
                rng.choice(ROUNDUPS).format(
                    where=self._spell(other),
                    when=_date(other.date),
                    toll=_toll(other, 1.0),
                    source=rng.choice(OFFICIALS),
                ),
            )
        slug = f"{event.place.lower().replace(' ', '-')}-{event.date.isoformat()}-{nth}"
        head = (
            f"---\ntitle: {headline}\noutlet: {name}\npublished: {published.isoformat()}\n"
            f"url: https://{domain}/news/{slug}\n---\n"
        )
        body = "\n\n".join(paragraphs) + "\n"
        return f"{slug}-{domain.split('.')[0]}.md", head + body

    def roundup(self, published: dt.date) -> list[Event]:
        """One or two other attacks of the past days, mentioned in passing."""
        events = []
        for _ in range(self.rng.choice([1, 2, 2])):
            event = self.event()
            # A round-up looks back: the event took place in the week before.
            day = published - dt.timedelta(days=self.rng.randint(1, 6))
            self.used.discard((event.place, event.date))
            near = {(event.place, day + dt.timedelta(days=d)) for d in (-2, -1, 0, 1, 2)}
            if near & self.used:
                continue
            self.used.add((event.place, day))
            events.append(Event(**{**event.__dict__, "date": day}))
        return events

    def articles(self, n: int) -> Iterator[tuple[str, str]]:
        """``n`` articles: each event reported by one to three outlets."""
        made = 0
        while made < n:
            event = self.event()
            outlets = self.rng.sample(OUTLETS, self.rng.choice([1, 2, 2, 3]))
            for nth, outlet in enumerate(outlets):
                if made == n:
                    return
                yield self.article(event, nth, outlet)
                made += 1


def write_articles(folder: Path, n: int, *, seed: int = 11) -> list[Path]:
    """Write ``n`` articles into ``folder`` (created); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in Generator(seed).articles(n):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    paths = write_articles(args.out, args.articles, seed=args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} articles, {size / 1e6:.1f} MB, into {args.out}")


if __name__ == "__main__":
    main()
