"""The curated word lists of ``data/``, compiled once and passed to the stages.

The lexicons are facts the project maintains (attack-type triggers, role
nouns, claimant patterns), kept as data so that analysts can extend them
without touching code.  :func:`load_lexicon` reads them; nothing here reads
files at import time.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geo._paths import PROJECT_DATA
from geo.records import ATTACK_TYPES, ROLES

_CLAIMANT_KINDS = ("official", "party", "independent", "unattributed")
_TRIGGER_NEEDS = ("", "militant_figure")
_VERB_KINDS = ("killed", "injured", "abducted", "captured", "freed", "none")


@dataclass(frozen=True)
class Lexicon:
    """Compiled trigger, role and claimant tables."""

    triggers: tuple[tuple[str | None, re.Pattern[str]], ...]
    roles: dict[str, str]
    claimants: tuple[tuple[re.Pattern[str], str, str], ...]
    #: Casualty verbs and verb phrases (as word tuples) -> figure kind or "none".
    verbs: dict[tuple[str, ...], str] = field(default_factory=dict)
    #: Place-role cues: (role, side, pattern), in file order.
    place_cues: tuple[tuple[str, str, re.Pattern[str]], ...] = ()
    #: Patterns of sentences that recall earlier events ("a week after", "last month").
    background: tuple[re.Pattern[str], ...] = ()
    #: Patterns that make a figure one for the whole wave ("across the province").
    area: tuple[re.Pattern[str], ...] = ()
    #: What each trigger needs besides its words ("" or "militant_figure"), by index.
    trigger_requires: tuple[str, ...] = ()
    #: Patterns saying an attempt failed ("thwarted"): no abduction, seizure or jailbreak.
    thwarted: tuple[re.Pattern[str], ...] = ()
    #: What attacks are aimed at ("stormed the Levies station"), as one pattern.
    target: re.Pattern[str] | None = None

    @functools.cached_property
    def any_trigger(self) -> re.Pattern[str]:
        """Every trigger in one pattern: a sentence it does not match has no trigger.

        Most sentences of an article name no attack; one search settles them
        instead of one per trigger.
        """
        return _any_of([p for _, p in self.triggers])

    @functools.cached_property
    def any_claimant(self) -> re.Pattern[str]:
        """Every claimant pattern in one: a phrase it does not match names no claimant."""
        return _any_of([p for p, _, _ in self.claimants])

    @functools.cached_property
    def max_verb_words(self) -> int:
        """Return the longest verb phrase, in words."""
        return max((len(w) for w in self.verbs), default=1)

    @functools.cached_property
    def verbs_by_first_word(self) -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
        """Verb phrases by their first word, longest first (one lookup per token)."""
        index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for words, kind in self.verbs.items():
            index.setdefault(words[0], []).append((words, kind))
        return {w: tuple(sorted(v, key=lambda p: -len(p[0]))) for w, v in index.items()}

    @functools.cached_property
    def max_role_words(self) -> int:
        """Return the longest role entry, in words."""
        return max((len(w.split()) for w in self.roles), default=1)


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Read a ``#``-commented CSV, returning (line number, row) pairs."""
    with path.open(encoding="utf-8", newline="") as handle:
        # Blank lines go too: DictReader skips them, which would shift the line numbers.
        numbered = [
            (n, line)
            for n, line in enumerate(handle, start=1)
            if not line.startswith("#") and line.strip()
        ]
    reader = csv.DictReader(line for _, line in numbered)
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: header must name {', '.join(required)}; missing {missing}")
    rows = list(reader)
    # DictReader consumed the header line first; data lines follow in order.
    return [(numbered[i + 1][0], row) for i, row in enumerate(rows)]


def _compile(pattern: str, path: Path, line: int) -> re.Pattern[str]:
    try:
        return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{path} line {line}: bad pattern {pattern!r}: {exc}") from None


def _any_of(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern that matches where any of ``patterns`` does (a filter before asking each).

    Patterns compiled with different flags cannot share one: then the
    result matches everything, and each pattern is asked as before.
    """
    flags = {p.flags for p in patterns}
    if len(flags) > 1:
        return re.compile("")
    alternatives = "|".join(f"(?:{p.pattern})" for p in patterns) or "(?!)"
    return re.compile(alternatives, flags.pop() if flags else 0)


def load_lexicon(data_dir: Path = PROJECT_DATA) -> Lexicon:
    """Read ``attack_types.csv``, ``roles.csv`` and ``claimants.csv``."""
    triggers = []
    requires = []
    path = data_dir / "attack_types.csv"
    for line, row in _rows(path, ("attack_type", "pattern")):
        need = (row.get("requires") or "").strip()
        if need not in _TRIGGER_NEEDS:
            raise ValueError(
                f"{path} line {line}: requires {need!r} is not one of {_TRIGGER_NEEDS}"
            )
        requires.append(need)
        kind = row["attack_type"].strip() or None
        if kind is not None and kind not in ATTACK_TYPES:
            raise ValueError(
                f"{path} line {line}: attack_type {kind!r} is not one of {', '.join(ATTACK_TYPES)}"
            )
        triggers.append((kind, _compile(row["pattern"], path, line)))
    roles: dict[str, str] = {}
    path = data_dir / "roles.csv"
    for line, row in _rows(path, ("role", "word")):
        if row["role"] not in ROLES:
            raise ValueError(f"{path} line {line}: role {row['role']!r} is not one of {ROLES}")
        roles[row["word"].strip().casefold()] = row["role"]
    claimants = []
    path = data_dir / "claimants.csv"
    for line, row in _rows(path, ("pattern", "claimant", "kind")):
        if row["kind"] not in _CLAIMANT_KINDS:
            raise ValueError(
                f"{path} line {line}: kind {row['kind']!r} is not one of {_CLAIMANT_KINDS}"
            )
        claimants.append((_compile(row["pattern"], path, line), row["claimant"], row["kind"]))
    return Lexicon(
        tuple(triggers),
        roles,
        tuple(claimants),
        _verbs(data_dir / "verbs.csv"),
        _place_cues(data_dir / "place_cues.csv"),
        _patterns(data_dir / "background_cues.csv"),
        _patterns(data_dir / "area_cues.csv"),
        tuple(requires),
        _patterns(data_dir / "thwarted_cues.csv"),
        _target_pattern(data_dir / "targets.csv"),
    )


def _target_pattern(path: Path) -> re.Pattern[str] | None:
    """The phrase after an attack verb that ends in a target noun of ``targets.csv``."""
    if not path.exists():
        return None
    nouns = sorted({row["noun"].strip() for _, row in _rows(path, ("noun",))}, key=len)
    return re.compile(
        r"\b(?:attacked|targeted|targeting|stormed|storming|struck|seized(?: control of)?|"
        r"ambushed|on|into)\s+(?:a|an|the|his|her|their|its)\s+(?P<target>(?:[\w’'-]+\s+){0,4}?"
        r"(?:" + "|".join(re.escape(n) for n in reversed(nouns)) + r"))\b",
        re.IGNORECASE,
    )


_PLACE_ROLES = (
    "origin", "destination", "route", "facility", "venue", "organisation", "street", "base",
    "train",
)  # fmt: skip


def _place_cues(path: Path) -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """Read ``place_cues.csv`` (absent in a reduced data folder: no cues)."""
    if not path.exists():
        return ()
    cues = []
    for line, row in _rows(path, ("role", "side", "pattern")):
        if row["role"] not in _PLACE_ROLES or row["side"] not in ("before", "after"):
            raise ValueError(
                f"{path} line {line}: expected a role in {', '.join(_PLACE_ROLES)} and side "
                f"'before' or 'after', got {row['role']!r} and {row['side']!r}"
            )
        try:
            pattern = re.compile(row["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{path} line {line}: bad pattern {row['pattern']!r}: {exc}") from None
        cues.append((row["role"], row["side"], pattern))
    return tuple(cues)


def _patterns(path: Path) -> tuple[re.Pattern[str], ...]:
    """Read a one-column ``pattern`` table (absent: none)."""
    if not path.exists():
        return ()
    return tuple(_compile(row["pattern"], path, line) for line, row in _rows(path, ("pattern",)))


def _verbs(path: Path) -> dict[tuple[str, ...], str]:
    """Read ``verbs.csv`` (absent in a reduced data folder: no verbs)."""
    verbs: dict[tuple[str, ...], str] = {}
    if not path.exists():
        return verbs
    for line, row in _rows(path, ("kind", "phrase")):
        if row["kind"] not in _VERB_KINDS:
            raise ValueError(
                f"{path} line {line}: kind {row['kind']!r} is not one of {', '.join(_VERB_KINDS)}"
            )
        words = tuple(row["phrase"].casefold().split())
        if not words:
            raise ValueError(f"{path} line {line}: empty phrase; expected words like 'shot dead'")
        verbs[words] = row["kind"]
    return verbs
