"""Who says so: the source a sentence attributes its figures to.

Attribution in news copy takes a few shapes: "Police said ...", "... , a
senior police officer said", "according to military statements", "the BLA
claimed to have killed ...", "reported Karachi-based Geo News".  The words
naming the speaker are classified with ``data/claimants.csv`` into a
claimant and its kind (official, party to the fight, independent).  Pure.
"""

from __future__ import annotations

import re

from geo.lexicon import Lexicon
from geo.records import Claimant

_SPEECH = re.compile(
    r"\b(?:said|says|say|told|tell|claimed|claims|claim|reported|reports|confirmed|confirms|"
    r"stated|states|added|announced|announces|quoted|estimated|counted|recorded|"
    r"put the (?:death )?toll)\b",
    re.IGNORECASE,
)
_ACCORDING = re.compile(r"\baccording to (?P<who>[^,.;:“”\"]+)", re.IGNORECASE)
_UNSOURCED = re.compile(r"\b(?:reportedly|reports said|were reported|was reported)\b", re.I)
#: Speaker phrases are looked for this many words before a speech verb.
SPEAKER_WINDOW = 14


def find_claimant(text: str, lexicon: Lexicon) -> Claimant | None:
    """Return who the sentence attributes its content to, or None.

    "according to X" wins; then the speaker nearest before a speech verb;
    then an inverted attribution after it (", said one security official").
    A sentence that only says "reportedly" is marked unattributed.
    """
    m = _ACCORDING.search(text)
    if m:
        found = classify(m.group("who"), lexicon)
        if found:
            return found
    for verb in _SPEECH.finditer(text):
        before = text[: verb.start()]
        words = re.split(r"(?<=\s)", before)
        window = "".join(words[-SPEAKER_WINDOW:])
        found = classify(window, lexicon, nearest_end=True) or classify(
            before, lexicon, nearest_end=True
        )
        if found:
            return found
        if verb.group().casefold() in ("told", "tell"):
            continue  # "X told Dawn": the listener is not the source
        after = re.split(r"[,.;:“”\"]", text[verb.end() :], maxsplit=1)[0]
        found = classify(after, lexicon)
        if found:
            return found
    if _UNSOURCED.search(text):
        return Claimant("unattributed", "unattributed")
    return None


def classify(words: str, lexicon: Lexicon, *, nearest_end: bool = False) -> Claimant | None:
    """Classify a speaker phrase with the claimant table.

    With ``nearest_end`` the match closest to the end of ``words`` wins (the
    speaker right before the verb); otherwise the table's order decides.
    """
    if lexicon.any_claimant.search(words) is None:
        return None
    best: tuple[int, int, Claimant] | None = None
    for rank, (pattern, name, kind) in enumerate(lexicon.claimants):
        for m in pattern.finditer(words):
            label = m.group(0).strip() if name == "media" else name
            claimant = Claimant(label, kind)  # type: ignore[arg-type]
            position = m.end() if nearest_end else -rank
            if best is None or (position, -rank) > (best[0], best[1]):
                best = (position, -rank, claimant)
            if not nearest_end:
                return claimant
    return best[2] if best else None
