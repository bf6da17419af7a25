"""Score a build against a hand-annotated gold file.

The gold format is that of ``shared/fixtures/seed_gold.csv``: one row per
(article, incident, claimant), with the place, its district, attack types
and the figures that source gives.  Scores:

- places and districts: precision, recall and F1 of the set of mapped
  incident places (or districts) against the gold set; a gold place written
  with a sub-locality in parentheses ("Quetta (Shahrah-e-Iqbal)") counts as
  its town;
- article places: the same for (article, place) pairs, so that a place mapped
  from one article's trap is not hidden by another article that reports it;
- (district, attack type) pairs: F1;
- figures found: the share of gold figures (value, kind, role) that the
  build's claims hold for the same article and the same place (or district;
  a province total for an area figure);
- figures right: the share of the build's figures that match a gold figure in
  that way: the numbers the map shows that an article states;
- background: places and figures of events the article only recalls (a
  ``background.csv`` beside the gold file), which must never be mapped.

:func:`explain` turns the same comparison into one line per error.  Reading
files happens in :func:`evaluate_build`; scoring is pure.
"""

from __future__ import annotations

import contextlib
import csv
import re
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
#: Gold districts that name no polygon: nothing to map there.
_NO_DISTRICT = {"", "unsure", "unknown", "province-wide"}
_SUBLOCALITY = re.compile(r"\s*\([^)]*\)\s*$")


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
class Error:
    """One disagreement between the build and the gold file, for ``--explain``."""

    what: str  # "missed place", "extra place", "missed figure", "extra figure", "background"
    article: str
    detail: str
    sentence: str = ""

    def line(self) -> str:
        """The error as one line."""
        quote = f' | "{_short(self.sentence)}"' if self.sentence else ""
        return f"{self.what:<13} {self.article[:34]:<34} {self.detail}{quote}"


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
    article_places: SetScore | None = None
    figures_right: int = 0
    figures_reported: int = 0
    background_mapped: tuple[str, ...] = ()
    errors: tuple[Error, ...] = ()

    @property
    def figure_share(self) -> float:
        """Share of gold figures found with the right role."""
        return round(self.figures_found / self.figures_total, 3) if self.figures_total else 1.0

    @property
    def figure_precision(self) -> float:
        """Share of the build's figures that match a gold figure of that place and role."""
        if not self.figures_reported:
            return 1.0
        return round(self.figures_right / self.figures_reported, 3)

    def report(self) -> str:
        """A short plain-text report."""
        lines = [
            _line("places", self.places),
            _line("districts", self.districts),
            _line("district+type", self.district_types),
        ]
        if self.article_places is not None:
            lines.append(_line("article+place", self.article_places))
        lines += [
            f"figures       found {self.figures_found}/{self.figures_total} "
            f"({self.figure_share:.0%}) with the right role",
            f"figures right {self.figures_right}/{self.figures_reported} "
            f"({self.figure_precision:.0%}) of the build's figures match a gold figure",
            "mapped but not in gold: " + (", ".join(self.unexpected_places) or "none"),
            "background mapped: " + (", ".join(self.background_mapped) or "none"),
        ]
        if self.missed_figures:
            lines.append("gold figures not found: " + "; ".join(self.missed_figures))
        return "\n".join(lines)

    def explain(self) -> str:
        """Every error, one line each."""
        return "\n".join(e.line() for e in self.errors) or "no errors"


def _line(name: str, score: SetScore) -> str:
    return (
        f"{name:<13} precision {score.precision:.2f}  recall {score.recall:.2f}  "
        f"F1 {score.f1:.2f}  ({score.predicted} mapped, {score.gold} in gold)"
    )


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def strip_sublocality(name: str) -> str:
    """The town of a gold place: "Quetta (Shahrah-e-Iqbal)" -> "Quetta"."""
    return _SUBLOCALITY.sub("", name or "").strip()


@dataclass(frozen=True)
class _GoldFigure:
    article: str
    scope: str  # "incident", "area", or "unplaced" (the article does not say where)
    place: str
    district: str
    column: str
    value: int
    claimant: str
    evidence: str


@dataclass(frozen=True)
class _BuildFigure:
    row: Mapping[str, str]
    article: str
    scope: str
    place: str
    district: str


def score(
    *,
    incidents: Iterable[Mapping[str, str]],
    claims: Iterable[Mapping[str, str]],
    gold: Iterable[Mapping[str, str]],
    article_ids: Mapping[str, str] | None = None,
    canonical: Callable[[str], str] = name_key,
    background: Iterable[Mapping[str, str]] = (),
    reasons: Mapping[str, list[tuple[int, str, str, str]]] | None = None,
) -> Evaluation:
    """Score incident and claim rows (as in the CSV exports) against gold rows.

    ``article_ids`` maps gold ``article_file`` names to article ids; without
    it, figures are matched across all articles and article places are not
    scored.  ``canonical`` turns a place name into a comparable key; pass one
    built on the gazetteer so that gold spellings ("Noshki") meet mapped names
    ("Nushki").  ``background`` rows (same columns) are events the articles
    only recall.  ``reasons`` (article id -> (value, sentence start, figure kind,
    decision) of each figure the extractor read, see :func:`figure_reasons`)
    say for ``--explain`` which rule decided a missed or extra figure.
    """
    gold = [_check_gold_row(row, n) for n, row in enumerate(gold, start=2)]
    incidents = list(incidents)
    files = {v: k for k, v in (article_ids or {}).items()}
    key = _cached(canonical)
    predicted_places = {key(r["place"]) for r in incidents}
    gold_places: set[str] = set()
    gold_districts: set[str] = set()
    gold_pairs: set[tuple[str, str]] = set()
    gold_article_places: set[tuple[str, str]] = set()
    for row in gold:
        for name in _gold_places(row):
            gold_places.add(key(name))
            gold_article_places.add((row["article_file"], key(name)))
        district = row.get("district", "")
        if row["scope"] == "incident" and district not in _NO_DISTRICT:
            gold_districts.add(key(district))
            gold_pairs |= {(key(district), t) for t in _types(row["attack_types"])}
    predicted_districts = {key(r["admin2"]) for r in incidents if r.get("admin2")}
    predicted_pairs = {(key(r["admin2"]), t) for r in incidents for t in _types(r["attack_types"])}
    by_id = {r["incident_id"]: r for r in incidents if r.get("incident_id")}
    predicted_article_places = {
        (files.get(a, a), key(r["place"]))
        for r in incidents
        for a in (r.get("sources") or "").split(";")
        if a
    }
    gold_figures = [f for row in gold for f in _gold_figures(row, key)]
    build_figures = [_build_figure(c, by_id, files, key) for c in claims]
    use_articles = article_ids is not None
    found, missed, right, extra = _match_figures(gold_figures, build_figures, use_articles)
    background_rows = list(background)
    errors = _place_errors(
        predicted_article_places if use_articles else set(),
        gold_article_places if use_articles else set(),
        incidents,
        files,
        key,
    )
    ids = dict(article_ids or {})
    errors += [
        Error(
            "missed figure",
            g.article,
            f"{g.place or 'province'}: {g.column}={g.value} ({g.claimant})"
            + _why_missed(g, (reasons or {}).get(ids.get(g.article, ""), [])),
            g.evidence,
        )
        for g in missed
    ]
    errors += [
        Error(
            "extra figure",
            b.article,
            f"{b.place or 'area ' + b.row.get('area', '')}: {b.row['figure']} {b.row['role']} "
            f"{_value(b.row)} ({b.row.get('claimant', '')})"
            + _why_kept(b.row, (reasons or {}).get(b.row["article_id"], [])),
            b.row.get("sentence", ""),
        )
        for b in extra
    ]
    mapped_background = _background_mapped(
        background_rows, predicted_article_places, gold_article_places, key
    )
    errors += [Error("background", a, p) for a, p in mapped_background]
    errors += [
        Error("extra type", "(all articles)", f"{d}: {t}")
        for d, t in sorted(predicted_pairs - gold_pairs)
    ]
    errors += [
        Error("missed type", "(all articles)", f"{d}: {t}")
        for d, t in sorted(gold_pairs - predicted_pairs)
    ]
    unexpected = sorted({r["place"] for r in incidents if key(r["place"]) not in gold_places})
    return Evaluation(
        places=SetScore.of(predicted_places, gold_places),
        districts=SetScore.of(predicted_districts, gold_districts),
        district_types=SetScore.of(predicted_pairs, gold_pairs),
        figures_found=len(found),
        figures_total=len(found) + len(missed),
        unexpected_places=tuple(unexpected),
        missed_figures=tuple(f"{g.article[:3]} {g.column}={g.value}" for g in missed),
        article_places=(
            SetScore.of(predicted_article_places, gold_article_places) if use_articles else None
        ),
        figures_right=len(build_figures) - len(extra),
        figures_reported=len(build_figures),
        background_mapped=tuple(f"{p} ({a})" for a, p in mapped_background),
        errors=tuple(sorted(errors, key=lambda e: (e.article, e.what, e.detail))),
    )


def _why_missed(gold: _GoldFigure, reasons: list[tuple[int, str, str, str]]) -> str:
    """What the extractor did with figures of that value, if it read any."""
    kind = GOLD_FIGURES[gold.column][0]
    seen = [why for value, _, k, why in reasons if value == gold.value and k == kind]
    if not seen:
        return " [no such figure read]"
    return " [read as: " + "; ".join(dict.fromkeys(seen)) + "]"


def _why_kept(row: Mapping[str, str], reasons: list[tuple[int, str, str, str]]) -> str:
    for _value, sentence, kind, why in reasons:
        if kind == row["figure"] and sentence == row.get("sentence"):
            return f" [{why}]"
    return ""


def _cached(canonical: Callable[[str], str]) -> Callable[[str], str]:
    memo: dict[str, str] = {}

    def key(name: str) -> str:
        if name not in memo:
            memo[name] = canonical(strip_sublocality(name))
        return memo[name]

    return key


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
        name = row["place_canonical"] or row.get("place_as_written", "")
        return [] if name.startswith("unnamed") else [name]
    if row["scope"] == "place_list":
        return [p.strip() for p in row.get("place_as_written", "").split(",") if p.strip()]
    return []


def _types(text: str) -> set[str]:
    return {t.strip() for t in (text or "").split(";") if t.strip()}


def _value(row: Mapping[str, str]) -> str:
    low, high = row["value_low"], row["value_high"]
    return low if low == high else f"{low}-{high}"


def _gold_figures(row: Mapping[str, str], key: Callable[[str], str]) -> list[_GoldFigure]:
    scope = "incident" if row["scope"] == "incident" else "area"
    if scope == "incident" and row.get("district") == "unsure":
        scope = "unplaced"
    place = key(_gold_places(row)[0]) if scope == "incident" and _gold_places(row) else ""
    district = row.get("district", "")
    out = []
    for column in GOLD_FIGURES:
        value = (row.get(column) or "").strip()
        if value:
            out.append(
                _GoldFigure(
                    article=row["article_file"],
                    scope=scope,
                    place=place,
                    district=key(district) if district not in _NO_DISTRICT else "",
                    column=column,
                    value=int(value),
                    claimant=row.get("claimant", ""),
                    evidence=row.get("evidence", ""),
                )
            )
    return out


def _build_figure(
    claim: Mapping[str, str],
    incidents: Mapping[str, Mapping[str, str]],
    files: Mapping[str, str],
    key: Callable[[str], str],
) -> _BuildFigure:
    incident = incidents.get(claim.get("incident_id") or "")
    scope = "incident" if incident is not None else "area"
    return _BuildFigure(
        row=claim,
        article=files.get(claim["article_id"], claim["article_id"]),
        scope=scope,
        place=key(incident["place"]) if incident else "",
        district=key(incident.get("admin2", "")) if incident else "",
    )


def _match_figures(
    gold: list[_GoldFigure], built: list[_BuildFigure], use_articles: bool
) -> tuple[list[_GoldFigure], list[_GoldFigure], list[_BuildFigure], list[_BuildFigure]]:
    """Pair gold and build figures: (found, missed, right, extra)."""
    matched_build: set[int] = set()
    found: list[_GoldFigure] = []
    missed: list[_GoldFigure] = []
    for g in gold:
        hits = [i for i, b in enumerate(built) if _matches(g, b, use_articles=use_articles)]
        matched_build.update(hits)
        (found if hits else missed).append(g)
    right = [b for i, b in enumerate(built) if i in matched_build]
    extra = [b for i, b in enumerate(built) if i not in matched_build]
    return found, missed, right, extra


def _matches(gold: _GoldFigure, built: _BuildFigure, *, use_articles: bool) -> bool:
    row = built.row
    kind, role = GOLD_FIGURES[gold.column]
    if use_articles and built.article != gold.article:
        return False
    if row["figure"] not in _SAME_KIND.get(kind, {kind}):
        return False
    if role is not None and row["role"] != role:
        return False
    if not int(row["value_low"]) <= gold.value <= int(row["value_high"]):
        return False
    if not use_articles or gold.scope == "unplaced":
        return True  # without article ids, places cannot be told apart reliably
    if gold.scope == "area":
        return built.scope == "area"
    if built.scope != "incident":
        return False
    return built.place == gold.place or bool(gold.district and built.district == gold.district)


def _place_errors(
    predicted: set[tuple[str, str]],
    gold: set[tuple[str, str]],
    incidents: list[Mapping[str, str]],
    files: Mapping[str, str],
    key: Callable[[str], str],
) -> list[Error]:
    names = {key(r["place"]): r["place"] for r in incidents}
    errors = [Error("extra place", a, names.get(p, p)) for a, p in sorted(predicted - gold)]
    errors += [Error("missed place", a, p) for a, p in sorted(gold - predicted)]
    return errors


def _background_mapped(
    background: list[Mapping[str, str]],
    predicted: set[tuple[str, str]],
    gold: set[tuple[str, str]],
    key: Callable[[str], str],
) -> list[tuple[str, str]]:
    """Background places that the build maps from the article that only recalls them."""
    out = []
    for row in background:
        name = row.get("place_canonical") or row.get("place_as_written", "")
        pair = (row["article_file"], key(strip_sublocality(name)))
        if pair in predicted and pair not in gold and pair not in out:
            out.append(pair)
    return [(a, p) for a, p in out]


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


def evaluate_build(
    out_dir: Path,
    gold_path: Path,
    *,
    store: Path | None = None,
    background_path: Path | None = None,
    explain: bool = False,
) -> Evaluation:
    """Score the build in ``out_dir`` against ``gold_path``.

    ``background_path`` defaults to a ``background.csv`` beside the gold file.
    With ``explain``, the stored articles are read again to say which rule
    decided each missed and extra figure.
    """
    incidents = read_rows(out_dir / "incidents.csv")
    claims = read_rows(out_dir / "claims.csv")
    gold = read_rows(gold_path)
    background_path = background_path or gold_path.with_name("background.csv")
    background = read_rows(background_path) if background_path.exists() else []
    store_path = store or out_dir / "incidentmap.db"
    ids = article_ids_from_store(store_path)
    gazetteer = load_gazetteer()
    return score(
        incidents=incidents,
        claims=claims,
        gold=gold,
        article_ids=ids or None,
        canonical=gazetteer_key(gazetteer),
        background=background,
        reasons=figure_reasons(store_path, gazetteer) if explain and ids else None,
    )


def figure_reasons(store: Path, gazetteer: Gazetteer) -> dict[str, list[tuple[int, str, str, str]]]:
    """Read the stored articles again and say, for every figure, what decided its scope.

    Returns article id -> (value, sentence, kind, "scope: reason") per figure.
    """
    from geo.analysis import analyse_article
    from geo.lexicon import load_lexicon
    from geo.mentions import extract_mentions
    from geo.store import Store

    lexicon = load_lexicon()
    out: dict[str, list[tuple[int, str, str, str]]] = {}
    with Store(store) as opened:
        articles = opened.articles()
    for article in articles:
        mentions = extract_mentions(article, gazetteer=gazetteer, lexicon=lexicon)
        analysis = analyse_article(mentions)
        out[article.article_id] = [
            (
                d.figure.low,
                view.mention.sentence.text,
                d.figure.kind,
                f"{d.scope}{' at ' + d.place.name if d.place else ''}: {d.reason}",
            )
            for view, d in analysis.decisions
        ]
    return out


def gazetteer_key(gazetteer: Gazetteer) -> Callable[[str], str]:
    """A place key that folds every known spelling onto the gazetteer's name."""

    def key(name: str) -> str:
        found = gazetteer.lookup(name)
        return name_key(found[0].name if found else name)

    return key
