"""Matching place names: normal and phonetic keys, fuzzy search, ranking with reasons.

Private helpers of :mod:`geo.gazetteer` (which re-exports :func:`name_key`
and :func:`phonetic_key`).  Pure: strings and places in, keys and orders out.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Literal, NamedTuple

from rapidfuzz import fuzz, process

from geo.records import Place

MatchMethod = Literal["exact", "alias", "phonetic", "fuzzy", "none"]

#: A phonetic key keeps little more than the consonants, so a short name
#: shares it with too many others ("Sui", "Sibi" and "Sabi" would be close);
#: below 4 letters only an exact spelling counts.
PHONETIC_MIN_LETTERS = 4
#: In running text a phonetic match needs a longer word still: capitalised
#: surnames and tribe names of 4 letters sound like villages too often.
SPOT_PHONETIC_MIN_LETTERS = 5
#: ``rapidfuzz.fuzz.ratio`` (0-100) a misspelling must reach.  At 88 a name
#: may lose or gain one letter ("Dalbandn"), and a name of 9+ letters may
#: also have one letter wrong; two slips in a short name are refused, since
#: most 6-letter words are two edits from some village of the province.
FUZZY_MIN_SCORE = 88.0
#: Names under 5 letters are never matched fuzzily: one edit away from
#: "Hub", "Sui" or "Mach" lie ordinary words ("Hut", "Sun", "Much").
FUZZY_MIN_LETTERS = 5

#: Capitalised words of news prose that must never be read as a place, however
#: they sound: calendar words, ranks and offices, forces and groups, and the
#: words that start sentences.  Compared casefolded.
_COMMON = """
    january february march april june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    police army security militants militant province provincial minister ministry
    government officials official spokesman spokesperson statement forces force
    soldiers troops personnel levies frontier corps paramilitary rangers navy
    counter terrorism terrorist terrorists department inter services public relations
    chief prime interior federal national assembly senate party front movement
    liberation council committee commission court justice judge deputy senior
    inspector superintendent general major colonel captain commander officer officers
    hospital station market markets bazaar street highway railway express train
    airport school schools university college mosque district tehsil division
    attack attacks attacker attackers blast bombing bomber suicide gunmen insurgents
    insurgent separatist separatists fighters rebels civilians passengers workers
    labourers residents villagers people women children students family families
    reuters agence france presse associated press tribune dawn times news media
    united nations states human rights amnesty international islamic islam muslim
    muslims sunni shia christian hindu chinese china iranian afghan afghanistan
    british american english urdu balochi brahui pashto pashtun baloch
    after later earlier meanwhile according however several three seven eight other
    there these those their which while where among during since until about under
    local regional official witnesses sources eastern western northern southern
    central capital president secretary director operation operations
"""
COMMON_WORDS: frozenset[str] = frozenset(_COMMON.split())
#: An alternate GeoNames name is kept only when it is this similar
#: (``difflib`` ratio) to the main name: see :func:`plausible_alternate`.
ALTERNATE_MIN_SIMILARITY = 0.7
#: The longest place name, in words, that spotting tries to match.
MAX_NAME_TOKENS = 5

_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)
DISTRICT_WORDS = frozenset({"district", "districts"})
_CONTEXT_BEFORE = {"in", "at", "near", "from", "to", "of", "and", "outside", "around"}
_CONTEXT_AFTER = {"district", "town", "city", "area", "tehsil", "bazaar", "bazar", "village"}
_VOWELS = "aeiou"
_CONSONANTS = "bcdfgjklmnpqrstvwxzSCX"


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """Normalise a place name for matching: no accents, case or punctuation.

    ``"Qila-Saifullah"``, ``"qila saifullah"`` and ``"Qilā Saifullāh"`` share a key.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[’'`]s\b", "", text.casefold())
    text = re.sub(r"[’'`]", "", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


def letters(name: str) -> int:
    """Count the letters and digits of a name (what the length thresholds measure)."""
    return len(name_key(name).replace(" ", ""))


def phonetic_key(name: str) -> str:
    """A key shared by the English spellings of one Urdu or Balochi name.

    Romanisations of these names disagree mostly on vowels ("Gwadar",
    "Gwader"; "Nushki", "Noshki"; "Naseerabad", "Nasirabad"), on doubled
    letters ("Jaffarabad"), on the letter for ق ("Qalat", "Kalat") and on
    marking aspiration ("Kachhi", "Kachi"; "Chaghi", "Chagai").  So the key
    is the sequence of consonants with each run of vowels written ``a``:

    - case, accents, spaces and punctuation go ("Las Bela" = "Lasbela");
    - doubled letters become single; ``qu`` becomes ``kw`` and ``q`` ``k``;
    - ``sh``, ``ch`` and ``kh`` stay distinct sounds (``S``, ``C``, ``X``):
      "Pasni" and "Pishin", "Mastung" and "Mashkel", "Kalat" and "Kharan"
      are different places;
    - any other ``h`` after a consonant marks aspiration and goes (``gh``,
      ``th``, ``dh``, ``ph``: Urdu ``ph`` is an aspirated p, not an f), as
      does a final ``h`` after a vowel ("Gandawah" = "Gandawa");
    - ``v`` is ``w``; ``i`` between a consonant and a vowel is the glide
      ``y`` ("Sariab" = "Saryab", "Ziarat" = "Ziyarat", while "Surab" stays
      apart); ``y``, and ``w`` after a vowel, are vowels unless a vowel
      follows ("Chowki" = "Chauki", "Sibby" = "Sibi");
    - every run of vowels is one ``a``: "Musakhail" = "Musakhel",
      "Dera Bugti" = "Dera Bagti", "Turbat" = "Turbet".

    Vowels keep their place, so "Sibi" (``saba``) and "Sui" (``sa``) differ.
    """
    text = name_key(name).replace(" ", "")
    text = re.sub(r"(.)\1+", r"\1", text)
    text = text.replace("qu", "kw").replace("q", "k").replace("x", "ks").replace("v", "w")
    text = text.replace("sh", "S").replace("ch", "C").replace("kh", "X")
    text = re.sub(rf"(?<=[{_CONSONANTS}])h+", "", text)
    text = re.sub(rf"(?<=[{_VOWELS}])h$", "", text)
    text = text.replace("c", "k")
    text = text.replace("iy", "y")
    text = re.sub(rf"(?<=[{_CONSONANTS}])i(?=[{_VOWELS}])", "y", text)
    text = re.sub(rf"y(?![{_VOWELS}])", "i", text)
    text = re.sub(rf"(?<=[{_VOWELS}])w(?![{_VOWELS}])", "u", text)
    text = re.sub(rf"[{_VOWELS}]+", "a", text)
    return re.sub(r"(.)\1+", r"\1", text)


def plausible_alternate(alt: str, name: str) -> bool:
    """Whether a GeoNames alternate name looks like a spelling of the main name.

    GeoNames also lists old names and mistakes ("Ibis" for Sibi, "Tahsil"
    for Ormara) that would turn ordinary words into places.
    """
    if len(alt) < 4 or not alt.isascii() or alt.isupper() or not alt[0].isupper():
        return False
    ratio = difflib.SequenceMatcher(None, name_key(alt), name_key(name)).ratio()
    return ratio >= ALTERNATE_MIN_SIMILARITY


def is_common_word(word: str) -> bool:
    """True for a word of :data:`COMMON_WORDS` (any case)."""
    return word.casefold() in COMMON_WORDS


def may_be_misspelt(name: str) -> bool:
    """Whether a name not found as spelled may be guessed at (no common word in it).

    "Police", "Sunday" or "Police Station" is never a misspelt place, however
    it sounds ("Sunday" has the phonetic key of a Chinese town).
    """
    words = name_key(name).split()
    return bool(words) and not any(w in COMMON_WORDS for w in words)


class NameIndex:
    """Place ids by exact key and by phonetic key, plus fuzzy search in the region.

    Parameters
    ----------
    places
        The gazetteer's places by id.
    names
        ``(name, place_id)`` pairs: every name and alias.
    needs_context
        Names that are also ordinary words: in running text they count only
        with a cue around them ("in Hub", "Hub district").
    """

    def __init__(
        self,
        places: Mapping[str, Place],
        names: Iterable[tuple[str, str]],
        *,
        needs_context: Iterable[str] = (),
    ) -> None:
        self._places = places
        self.exact: dict[str, list[str]] = {}
        self.phonetic: dict[str, list[str]] = {}
        self.keys_of: dict[str, list[str]] = {}
        for name, place_id in names:
            if place_id not in places:
                raise ValueError(f"name {name!r} points at unknown place id {place_id!r}")
            key = name_key(name)
            if not key:
                continue
            _add(self.exact, key, place_id)
            _add(self.keys_of, place_id, key)
            _add(self.phonetic, phonetic_key(key), place_id)
        # Fuzzy search only looks at names of the region: a misspelling is
        # only worth guessing at where incidents are mapped.
        self._fuzzy_keys = sorted(
            key
            for key, ids in self.exact.items()
            if len(key.replace(" ", "")) >= FUZZY_MIN_LETTERS
            and any(places[i].in_region for i in ids)
        )
        needs_context = list(needs_context)
        self._needs_context = {name_key(n) for n in needs_context}
        self._needs_context_phonetic = {phonetic_key(n) for n in needs_context}

    def by_phonetic(self, name: str, *, min_letters: int = PHONETIC_MIN_LETTERS) -> list[str]:
        """Place ids whose phonetic key is that of ``name`` (none for a short name)."""
        if letters(name) < min_letters:
            return []
        return list(self.phonetic.get(phonetic_key(name), ()))

    def by_fuzzy(self, name: str) -> tuple[list[str], float]:
        """In-region place ids of the closest name (``fuzz.ratio`` >= the cutoff), and the score."""
        key = name_key(name)
        if len(key.replace(" ", "")) < FUZZY_MIN_LETTERS or not self._fuzzy_keys:
            return [], 0.0
        best = process.extractOne(
            key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE
        )
        if best is None:
            return [], 0.0
        return list(self.exact[best[0]]), float(best[1])

    def score(self, name: str, place_id: str) -> float:
        """The best ``fuzz.ratio`` between ``name`` and any name of a place."""
        key = name_key(name)
        return max((fuzz.ratio(key, k) for k in self.keys_of.get(place_id, ())), default=0.0)

    def find(self, text: str) -> list[NameSpan]:
        """Find place names in running text, longest first, left to right.

        Only capitalised words can start a name, so "a hub of trade" is not
        Hub; names that are also ordinary words need a cue around them.
        Known spellings are tried first; then the phonetic key, only for
        in-region places and only when every word may be part of a name
        (:meth:`_may_sound_like`).  A trailing possessive is trimmed.
        """
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        spans: list[NameSpan] = []
        i = 0
        while i < len(tokens):
            found = self._longest_match(text, tokens, i) if tokens[i][2][0].isupper() else None
            if found is None:
                i += 1
                continue
            j, ids, matched = found
            start = tokens[i][0]
            end = start + len(re.sub(r"[’'`]s$", "", text[start : tokens[j - 1][1]]))
            after = tokens[j][2].casefold() if j < len(tokens) else ""
            asked = after in DISTRICT_WORDS and _is_adjacent(text, end, tokens[j][0])
            spans.append(NameSpan(start, end, tuple(ids), asked, matched))
            i = j
        return spans

    def _longest_match(
        self, text: str, tokens: list[tuple[int, int, str]], i: int
    ) -> tuple[int, list[str], Literal["name", "phonetic"]] | None:
        ends = [
            i + n
            for n in range(min(MAX_NAME_TOKENS, len(tokens) - i), 0, -1)
            if all(_is_adjacent(text, tokens[k - 1][1], tokens[k][0]) for k in range(i + 1, i + n))
        ]
        for j in ends:
            key = name_key(text[tokens[i][0] : tokens[j - 1][1]])
            if key in self.exact and (key not in self._needs_context or _has_cue(tokens, i, j)):
                return j, self.exact[key], "name"
        for j in ends:
            name = text[tokens[i][0] : tokens[j - 1][1]]
            # A guessed spelling needs a cue ("in Naushki", "Turbet district"):
            # bare capitalised words are mostly people ("Attaul") or English.
            if not _has_cue(tokens, i, j):
                continue
            if not self._may_sound_like(name, [t[2] for t in tokens[i:j]]):
                continue
            ids = self.by_phonetic(name, min_letters=SPOT_PHONETIC_MIN_LETTERS)
            ids = [k for k in ids if self._places[k].in_region]
            if ids:
                return j, ids, "phonetic"
        return None

    @staticmethod
    def _may_sound_like(name: str, words: list[str]) -> bool:
        """Whether words of running text may be an unknown spelling of a place.

        Every word must be capitalised but not all capitals ("NACTA" is an
        acronym) and not a common word of news prose ("Police", "Sunday").
        """
        return letters(name) >= SPOT_PHONETIC_MIN_LETTERS and all(
            w[0].isupper() and not w.isupper() and not is_common_word(w) for w in words
        )


class NameSpan(NamedTuple):
    """A name found by :meth:`NameIndex.find`: offsets, place ids and how it matched."""

    start: int
    end: int
    place_ids: tuple[str, ...]
    district_asked: bool
    matched: Literal["name", "phonetic"]


def _is_adjacent(text: str, end: int, next_start: int) -> bool:
    """Two tokens belong to one name only when a space or hyphen separates them.

    After an initial, a full stop may too: "D.M. Jamali".
    """
    gap = text[end:next_start]
    if gap in (" ", "-"):
        return True
    initial = end >= 1 and text[end - 1].isupper() and (end == 1 or not text[end - 2].isalpha())
    return initial and gap in (".", ". ")


def _has_cue(tokens: list[tuple[int, int, str]], i: int, j: int) -> bool:
    before = tokens[i - 1][2].casefold() if i > 0 else ""
    after = tokens[j][2].casefold() if j < len(tokens) else ""
    return before in _CONTEXT_BEFORE or after in _CONTEXT_AFTER


def _add(index: dict[str, list[str]], key: str, value: str) -> None:
    values = index.setdefault(key, [])
    if value not in values:
        values.append(value)


# --------------------------------------------------------------------------- ranking

#: When a name fits several places, prefer the more specific kind: "Kalat"
#: alone is the town; "Kalat district" is asked for explicitly.
KIND_RANK: dict[str, int] = {
    "town": 0,
    "locality": 1,
    "district": 2,
    "tehsil": 3,
    "province": 4,
    "country": 5,
}


def km(a: Place, b: Place) -> float:
    """Great-circle distance in kilometres (haversine; ample for ranking)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def order_key(
    *, near: Sequence[Place], seats: Collection[str], district_asked: bool
) -> Callable[[Place], tuple]:
    """The sort key of candidates, one criterion per element, most decisive first.

    District asked for, in the region, kind (town before district), distance
    to the article's other in-region places, administrative seat, population
    and, for a stable answer, the id.  :func:`reason` names the first element
    on which the winner beats the runner-up.
    """

    def key(p: Place) -> tuple:
        distance = min((km(p, q) for q in near), default=0.0) if p.in_region else 0.0
        return (
            district_asked and p.kind != "district",
            not p.in_region,
            KIND_RANK[p.kind],
            distance,
            p.place_id not in seats,
            -p.population,
            p.place_id,
        )

    return key


def reason_for(
    chosen: Place,
    runner_up: Place | None,
    key: Callable[[Place], tuple],
    *,
    region_label: str,
    seats: Mapping[str, str],
) -> str:
    """Say why ``chosen`` beat ``runner_up`` under the ordering ``key``."""
    if runner_up is None:
        return "the only candidate"
    a, b = key(chosen), key(runner_up)
    if a[0] != b[0]:
        return "district asked for"
    if a[1] != b[1]:
        where = runner_up.admin1 or runner_up.country
        return f"in the region ({region_label}); {runner_up.name} is in {where}"
    if a[2] != b[2]:
        return f"a {chosen.kind} is preferred to a {runner_up.kind} of the same name"
    if a[3] != b[3]:
        return (
            f"nearest to the article's other places ({a[3]:.0f} km; {runner_up.name} {b[3]:.0f} km)"
        )
    if a[4] != b[4]:
        return f"administrative seat (of {seats[chosen.place_id]} district)"
    if a[5] != b[5]:
        return f"larger population ({chosen.population:,} against {runner_up.population:,})"
    return "equal on every ground; the first by id"
