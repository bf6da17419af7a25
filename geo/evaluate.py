"""Score a build against a hand-annotated gold file.

The gold format is that of ``shared/fixtures/seed_gold.csv``: one row per
incident per article, with the place, its district, attack types and the
figures each article gives.  Scores:

- places and districts: precision, recall and F1 of the set of mapped
  incident places (or districts) against the gold set;
- (district, attack type) pairs: F1;
- figures: the share of gold figures (value, kind, role) that the build's
  claims contain for the same article (any article when the store that maps
  file names to article ids is not at hand);
- places mapped that the gold file does not list.

Reading files happens in :func:`evaluate_build`; scoring is pure.
"""

from __future__ import annotations

import contextlib
import csv
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from geo.gazetteer import Gazetteer, load_gazetteer, name_key

#: Gold figure columns -> (kind, role); ``None`` role matches any role.
GOLD_FIGURES: dict[str, tuple[str, str | None]] = {
    "killed_civilians": ("killed", "civilian"),
    "killed_security": ("killed", "security"),
    "killed_militants": ("killed", "militant"),
    "killed_unspecified": ("killed", "unspecified"),
    "injured": ("injured", None),
    "abducted": ("abducted", None),
    "freed_prisoners": ("freed", None),
}
#: Gold "abducted" also counts as found when the build says "captured".
_SAME_KIND = {"abducted": {"abducted", "captured"}}
_GOLD_COLUMNS = ("article_file", "scope", "place_canonical", "district", "attack_types")


@dataclass(frozen=True)
class SetScore:
    """Precision, recall and F1 of a predicted set against a gold set."""

    precision: float
    recall: float
    f1: float
    predicted: int
    gold: int

    @classmethod
    def of(cls, predicted: set, gold: set) -> SetScore:
        """Score two sets (an empty prediction of an empty gold set scores 1)."""
        hits = len(predicted & gold)
        precision = hits / len(predicted) if predicted else float(not gold)
        recall = hits / len(gold) if gold else float(not predicted)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(round(precision, 3), round(recall, 3), round(f1, 3), len(predicted), len(gold))


@dataclass(frozen=True)
class Evaluation:
    """All scores of one build."""

    places: SetScore
    districts: SetScore
    district_types: SetScore
    figures_found: int
    figures_total: int
    unexpected_places: tuple[str, ...]
    missed_figures: tuple[str, ...] = field(default_factory=tuple)

    @property
    def figure_share(self) -> float:
        """Share of gold figures found with the right role."""
        return round(self.figures_found / self.figures_total, 3) if self.figures_total else 1.0

    def report(self) -> str:
        """A short plain-text report."""
        lines = [
            _line("places", self.places),
            _line("districts", self.districts),
            _line("district+type", self.district_types),
            f"figures       found {self.figures_found}/{self.figures_total} "
            f"({self.figure_share:.0%}) with the right role",
            "mapped but not in gold: " + (", ".join(self.unexpected_places) or "none"),
        ]
        if self.missed_figures:
            lines.append("gold figures not found: " + "; ".join(self.missed_figures))
        return "\n".join(lines)


def _line(name: str, score: SetScore) -> str:
    return (
        f"{name:<13} precision {score.precision:.2f}  recall {score.recall:.2f}  "
        f"F1 {score.f1:.2f}  ({score.predicted} mapped, {score.gold} in gold)"
    )


def score(
    *,
    incidents: Iterable[Mapping[str, str]],
    claims: Iterable[Mapping[str, str]],
    gold: Iterable[Mapping[str, str]],
    article_ids: Mapping[str, str] | None = None,
    canonical: Callable[[str], str] = name_key,
) -> Evaluation:
    """Score incident and claim rows (as in the CSV exports) against gold rows.

    ``article_ids`` maps gold ``article_file`` names to article ids; without
    it, figures are matched across all articles.  ``canonical`` turns a place
    name into a comparable key; pass one built on the gazetteer so that gold
    spellings ("Noshki") meet mapped names ("Nushki").
    """
    gold = [_check_gold_row(row, n) for n, row in enumerate(gold, start=2)]
    incidents = list(incidents)
    predicted_places = {canonical(r["place"]) for r in incidents}
    gold_places = set()
    gold_districts = set()
    gold_pairs = set()
    for row in gold:
        names = _gold_places(row)
        gold_places |= {canonical(n) for n in names}
        district = row.get("district", "")
        if row["scope"] == "incident" and district and district != "unsure":
            gold_districts.add(canonical(district))
            gold_pairs |= {(canonical(district), t) for t in _types(row["attack_types"])}
    # place_list rows name places without districts; take those from the
    # incident rows that give them.
    predicted_districts = {canonical(r["admin2"]) for r in incidents if r.get("admin2")}
    predicted_pairs = {
        (canonical(r["admin2"]), t) for r in incidents for t in _types(r["attack_types"])
    }
    found, missed = _figures(list(claims), gold, article_ids)
    unexpected = sorted({r["place"] for r in incidents if canonical(r["place"]) not in gold_places})
    return Evaluation(
        places=SetScore.of(predicted_places, gold_places),
        districts=SetScore.of(predicted_districts, gold_districts),
        district_types=SetScore.of(predicted_pairs, gold_pairs),
        figures_found=found,
        figures_total=found + len(missed),
        unexpected_places=tuple(unexpected),
        missed_figures=tuple(missed),
    )


def _check_gold_row(row: Mapping[str, str], line: int) -> Mapping[str, str]:
    missing = [c for c in _GOLD_COLUMNS if c not in row]
    if missing:
        raise ValueError(
            f"gold file line {line}: missing column(s) {', '.join(missing)}; a gold file needs "
            f"the columns of shared/fixtures/seed_gold.csv ({', '.join(_GOLD_COLUMNS)}, ...)"
        )
    return row


def _gold_places(row: Mapping[str, str]) -> list[str]:
    if row["scope"] == "incident":
        if row.get("district") == "unsure":
            return []  # the article does not say where: nothing to map
        return [row["place_canonical"] or row.get("place_as_written", "")]
    if row["scope"] == "place_list":
        return [p.strip() for p in row.get("place_as_written", "").split(",") if p.strip()]
    return []


def _types(text: str) -> set[str]:
    return {t.strip() for t in (text or "").split(";") if t.strip()}


def _figures(
    claims: list[Mapping[str, str]],
    gold: list[Mapping[str, str]],
    article_ids: Mapping[str, str] | None,
) -> tuple[int, list[str]]:
    found, missed = 0, []
    for row in gold:
        for column, (kind, role) in GOLD_FIGURES.items():
            value = (row.get(column) or "").strip()
            if not value:
                continue
            article = article_ids.get(row["article_file"]) if article_ids else None
            if any(_matches(c, int(value), kind, role, article) for c in claims):
                found += 1
            else:
                missed.append(f"{row['article_file'][:3]} {column}={value}")
    return found, missed


def _matches(claim: Mapping[str, str], value: int, kind: str, role: str | None, article) -> bool:
    if article is not None and claim["article_id"] != article:
        return False
    if claim["figure"] not in _SAME_KIND.get(kind, {kind}):
        return False
    if role is not None and claim["role"] != role:
        return False
    return int(claim["value_low"]) <= value <= int(claim["value_high"])


# ------------------------------------------------------------------------ I/O


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read a CSV file into rows, naming the file if it is missing."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: expected a CSV file")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def article_ids_from_store(store: Path) -> dict[str, str]:
    """Map article file names to ids using the build's store (read only)."""
    if not store.exists():
        return {}
    with contextlib.closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT path, article_id FROM articles").fetchall()
    return {Path(path).name: article_id for path, article_id in rows}


def evaluate_build(out_dir: Path, gold_path: Path, *, store: Path | None = None) -> Evaluation:
    """Score the build in ``out_dir`` against ``gold_path``."""
    incidents = read_rows(out_dir / "incidents.csv")
    claims = read_rows(out_dir / "claims.csv")
    gold = read_rows(gold_path)
    ids = article_ids_from_store(store or out_dir / "incidentmap.db")
    return score(
        incidents=incidents,
        claims=claims,
        gold=gold,
        article_ids=ids or None,
        canonical=gazetteer_key(load_gazetteer()),
    )


def gazetteer_key(gazetteer: Gazetteer) -> Callable[[str], str]:
    """A place key that folds every known spelling onto the gazetteer's name."""

    def key(name: str) -> str:
        found = gazetteer.lookup(name)
        return name_key(found[0].name if found else name)

    return key
