"""Tests for transliteration-aware matching: phonetic keys, fuzzy lookup, explain()."""

from __future__ import annotations

import dataclasses

import pytest

from geo._matching import FUZZY_MIN_LETTERS, FUZZY_MIN_SCORE, SPOT_PHONETIC_MIN_LETTERS
from geo.gazetteer import Gazetteer, Resolution, build_gazetteer, phonetic_key
from geo.region import DEFAULT_REGION, Region
from tests.gazetteer_rows import COUNTRIES, city

# --- phonetic_key ---------------------------------------------------------------------

SAME = [
    ("Noshki", "Nushki"),
    ("Qalat", "Kalat"),
    ("Panjgoor", "Panjgur"),
    ("Sariab", "Saryab"),
    ("Musakhail", "Musakhel"),
    ("Musa Khel", "Musakhail"),
    ("Killa", "Qila"),
    ("Qilla", "Qila"),
    ("Jaffarabad", "Jafarabad"),
    ("Dera Bugti", "Dera Bagti"),
    ("Gwadar", "Gwader"),
    ("Khuzdar", "Khozdar"),
    ("Turbat", "Turbet"),
    ("Chagai", "Chaghi"),
    ("Naseerabad", "Nasirabad"),
    ("Lasbela", "Las Bela"),
    ("Kachhi", "Kachi"),
    ("Usta Mohammad", "Usta Muhammad"),
    ("Dera Allahyar", "Dera Allah Yar"),
    ("Gandawah", "Gandava"),
    ("Ziarat", "Ziyarat"),
    ("Chowki", "Chauki"),
]
DIFFERENT = [
    ("Kalat", "Kharan"),
    ("Mastung", "Mashkel"),
    ("Pasni", "Pishin"),
    ("Sibi", "Sui"),
    ("Hub", "Bela"),
    ("Quetta", "Kuchlak"),
    ("Sariab", "Surab"),
    ("Kalat", "Khalat"),
]


@pytest.mark.parametrize(("a", "b"), SAME, ids=[f"{a}={b}" for a, b in SAME])
def test_spellings_of_one_name_share_a_phonetic_key(a, b):
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT, ids=[f"{a}!={b}" for a, b in DIFFERENT])
def test_different_places_keep_different_phonetic_keys(a, b):
    assert phonetic_key(a) != phonetic_key(b)


def test_phonetic_key_ignores_case_accents_and_punctuation():
    assert phonetic_key("QILĀ-SAIFULLAH") == phonetic_key("qila saifullah") != ""
    assert phonetic_key("") == ""


def test_thresholds_are_what_the_docs_say():
    assert FUZZY_MIN_SCORE >= 88
    assert FUZZY_MIN_LETTERS >= 5
    assert SPOT_PHONETIC_MIN_LETTERS >= 5


# --- lookup of misspellings (the real gazetteer) --------------------------------------


@pytest.mark.parametrize(
    ("spelling", "name", "method"),
    [
        ("Panjgoor", "Panjgur", "alias"),  # a known spelling: places.csv lists it
        ("Khozdar", "Khuzdar", "alias"),
        ("Turbet", "Turbat", "phonetic"),
        ("Khuzdaar", "Khuzdar", "phonetic"),
        ("Panjguur", "Panjgur", "phonetic"),
        ("Sibbi", "Sibi", "phonetic"),
        ("Lorali", "Loralai", "phonetic"),
        ("Nokkundi", "Nok Kundi", "phonetic"),
        ("Dalbandn", "Dalbandin", "fuzzy"),
    ],
)
def test_lookup_finds_misspellings(gazetteer, spelling, name, method):
    best = gazetteer.lookup(spelling)[0]
    assert (best.name, best.admin1, best.in_region) == (name, "Balochistan", True)
    resolution = gazetteer.explain(spelling)
    assert (resolution.chosen, resolution.method) == (best, method)
    assert 0 < resolution.score <= 100


@pytest.mark.parametrize("spelling", ["Turbet", "Khuzdaar", "Dalbandn"])
def test_lookup_without_fuzzy_takes_known_spellings_only(gazetteer, spelling):
    assert gazetteer.lookup(spelling, fuzzy=False) == []


@pytest.mark.parametrize(
    "word",
    [
        "Police",
        "Market",
        "Station",
        "Security",
        "Hospital",
        "Militants",
        "Minister",
        "Province",
        "Sunday",
        "September",
        "Karachi-based",
        "Quetta-based",
        "Police Station",
        "Levies",
    ],
)
def test_ordinary_words_never_fuzzy_match(gazetteer, word):
    assert gazetteer.lookup(word) == []
    assert gazetteer.explain(word).method == "none"


def test_district_takes_no_guess(gazetteer):
    assert gazetteer.district("Khuzdaar") is None
    assert gazetteer.district("Khozdar") is not None


# --- spot: phonetic on running text, never rapidfuzz ----------------------------------

PROSE = """\
Officials said on Monday that the provincial government would review security
arrangements after a series of attacks in recent months. Chief Minister Sarfraz
Bugti chaired a meeting of the Apex Committee, which was attended by Inspector
General of Police Moazzam Jah Ansari and senior officers of the Frontier Corps.

According to a statement issued by the Inter-Services Public Relations, soldiers
conducted an intelligence-based operation and recovered weapons and explosives.
The Counter Terrorism Department registered a case against unknown suspects.
Meanwhile, Interior Minister Mohsin Naqvi told reporters in Islamabad that the
Federal Government stood with the families of the victims.

Human Rights Commission of Pakistan chairperson Asad Iqbal Butt criticised the
detention of activists, while Mahrang Baloch of the Baloch Yakjehti Committee
called for a sit-in. Jamaat-e-Islami leader Hafiz Naeem ur Rehman and Pakistan
Tehreek-e-Insaf spokesman Sheikh Waqas Akram issued separate statements. Senator
Kamran Murtaza and Nawabzada Haji Lashkari Raisani attended the funeral on
Wednesday, along with Sardar Akhtar Mengal and Maulana Abdul Ghafoor Haideri.

Traders in the main Bazaar kept their shops closed on Thursday and Friday. The
Railways Ministry suspended the Jaffar Express until further notice, and Pakistan
International Airlines cancelled flights. Reuters, Dawn and The Express Tribune
reported that the Election Commission postponed polls until December or January.
"""


def test_ordinary_news_prose_yields_no_false_place(gazetteer):
    spots = gazetteer.spot(PROSE)
    # Only real places: the capital and the country; no person, office or month.
    assert sorted({s.surface for s in spots}) == ["Islamabad", "Pakistan"]
    assert all(s.matched == "name" for s in spots)


@pytest.mark.parametrize(
    ("text", "surface", "name"),
    [
        ("Gunmen attacked a checkpoint in Turbet on Sunday.", "Turbet", "Turbat"),
        ("A convoy was ambushed near Khuzdaar.", "Khuzdaar", "Khuzdar"),
        ("Two shops were torched in Panjguur bazaar.", "Panjguur", "Panjgur"),
    ],
)
def test_spot_uses_the_phonetic_key_for_unknown_spellings(gazetteer, text, surface, name):
    (spot,) = gazetteer.spot(text)
    assert (spot.surface, spot.matched) == (surface, "phonetic")
    assert text[spot.start : spot.end] == surface
    assert gazetteer.resolve(spot).name == name


@pytest.mark.parametrize(
    "text",
    [
        "The blast hit Dalbandn.",  # only rapidfuzz would find it: never in running text
        "They met in turbet.",  # not capitalised
        "TURBET officials met.",  # all capitals: could be an acronym
        "A strike by Turbat-Bound lorries.",  # hyphenated token: a different word
    ],
)
def test_spot_refuses_guesses_outside_the_phonetic_rule(gazetteer, text):
    assert [s for s in gazetteer.spot(text) if s.matched == "phonetic"] == []


# --- explain() and ranking on a tiny hand-built gazetteer -----------------------------


CITIES = [
    # An Afghan town with a bigger population than its Balochistan namesake.
    city(1, "Qalat", "AF", "27", 32.1, 66.9, 40000),
    city(2, "Kalat", "PK", "02", 29.0, 66.6, 26000, alternates=["Qalat"]),
    # Two small Balochistan villages of one name, far apart; the western one
    # is the larger.
    city(3, "Killi Sardar", "PK", "02", 28.0, 63.0, 3000),
    city(4, "Killi Sardar", "PK", "02", 30.0, 68.0, 1000),
    city(5, "Westpost", "PK", "02", 28.1, 63.1, 8000),
    city(6, "Eastgate", "PK", "02", 30.1, 68.1, 8000),
    # A district seat in Balochistan and a larger namesake in Sindh.
    city(7, "Bandar Khas", "PK", "02", 27.0, 65.0, 5000),
    city(8, "Bandar Khas", "PK", "05", 25.0, 68.0, 90000),
    city(9, "Panjgur", "PK", "02", 26.97, 64.09, 63000),
    city(10, "Khuzdar", "PK", "02", 27.8, 66.61, 140000),
]
DISTRICTS = [
    {"district": "Kalat", "province": "Balochistan", "seat": "Kalat", "aliases": "Kelat"},
    {"district": "Coastal", "province": "Balochistan", "seat": "Bandar Khas", "aliases": ""},
]


def _tiny(region: Region = DEFAULT_REGION) -> Gazetteer:
    return build_gazetteer(
        cities=CITIES, countries=COUNTRIES, districts=DISTRICTS, places=[], region=region
    )


@pytest.fixture(scope="module")
def tiny() -> Gazetteer:
    return _tiny()


def test_explain_region_beats_a_larger_namesake_abroad(tiny):
    resolution = tiny.explain("Qalat")
    assert isinstance(resolution, Resolution)
    assert (resolution.query, resolution.chosen.place_id, resolution.method) == (
        "Qalat",
        "gn:2",
        "alias",  # Qalat is the Afghan town's name, but an alternate of Kalat
    )
    assert [p.place_id for p in resolution.runners_up] == ["gn:1"]
    assert resolution.reason.startswith("in the region (Balochistan, Pakistan)")
    assert "Qalat is in AF" in resolution.reason
    assert resolution.score == 100.0


def test_explain_alias_and_district_asked_for(tiny):
    alias = tiny.explain("Kelat")
    assert (alias.chosen.place_id, alias.method, alias.reason) == (
        "district:kalat",
        "alias",
        "the only candidate",
    )
    asked = tiny.explain("Kalat district")
    assert (asked.chosen.kind, asked.method, asked.reason) == (
        "district",
        "exact",
        "district asked for",
    )
    assert "gn:2" in [p.place_id for p in asked.runners_up]
    plain = tiny.explain("Kalat")
    assert plain.chosen.kind == "town"
    assert plain.reason == "a town is preferred to a district of the same name"


def test_explain_nearest_to_the_article_places_wins_between_namesakes(tiny):
    east, west = tiny.places["gn:6"], tiny.places["gn:5"]
    by_population = tiny.explain("Killi Sardar")
    assert by_population.chosen.place_id == "gn:3"
    assert by_population.reason == "larger population (3,000 against 1,000)"

    near_east = tiny.explain("Killi Sardar", near=[east])
    assert near_east.chosen.place_id == "gn:4"
    assert [p.place_id for p in near_east.runners_up] == ["gn:3"]
    assert near_east.reason.startswith("nearest to the article's other places (15 km;")
    assert tiny.explain("Killi Sardar", near=[west]).chosen.place_id == "gn:3"


def test_resolve_follows_the_same_order_as_explain(tiny):
    (spot,) = tiny.spot("Gunmen stormed Killi Sardar at night.")
    east, west = tiny.places["gn:6"], tiny.places["gn:5"]
    assert tiny.resolve(spot).place_id == "gn:3"
    assert tiny.resolve(spot, near=[east]).place_id == "gn:4"
    assert tiny.resolve(spot, near=[west]).place_id == "gn:3"
    # Places outside the region say nothing about where an article is.
    abroad = tiny.places["gn:1"]
    assert tiny.resolve(spot, near=[abroad]).place_id == "gn:3"


def test_district_seats_are_marked_and_beat_a_larger_namesake():
    whole_country = _tiny(Region(admin1=""))
    assert whole_country.seats == {"gn:2": "Kalat", "gn:7": "Coastal"}
    resolution = whole_country.explain("Bandar Khas")
    assert (resolution.chosen.place_id, [p.place_id for p in resolution.runners_up]) == (
        "gn:7",
        ["gn:8"],
    )
    assert resolution.reason == "administrative seat (of Coastal district)"


@pytest.mark.parametrize(
    ("spelling", "place_id", "method"),
    [
        ("Panjgoor", "gn:9", "phonetic"),
        ("Khozdar", "gn:10", "phonetic"),
        ("Panjgurr", "gn:9", "phonetic"),
        ("Khuzdr", "gn:10", "fuzzy"),
    ],
)
def test_tiny_misspellings_resolve_by_phonetic_key_or_rapidfuzz(tiny, spelling, place_id, method):
    resolution = tiny.explain(spelling)
    assert (resolution.chosen.place_id, resolution.method) == (place_id, method)
    assert resolution.score >= (FUZZY_MIN_SCORE if method == "fuzzy" else 0)


def test_explain_nothing_matches(tiny):
    resolution = tiny.explain("Atlantis Bazar")
    assert (resolution.chosen, resolution.runners_up, resolution.method, resolution.score) == (
        None,
        (),
        "none",
        0.0,
    )
    assert resolution.reason


def test_short_names_are_never_guessed(tiny):
    # "Klat" is one letter from Kalat, but under the fuzzy minimum length;
    # its phonetic key ("klat") differs from Kalat's ("kalat").
    assert tiny.lookup("Klat") == []


def test_resolution_is_frozen(tiny):
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny.explain("Kalat").method = "fuzzy"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["Troops in D.M. Jamali.", "Troops in D. M. Jamali."])
def test_spot_reads_initials_with_full_stops(gazetteer, text):
    (spot,) = gazetteer.spot(text)
    assert spot.surface == text[10:-1]
    assert gazetteer.resolve(spot).name == "Dera Murad Jamali"


def test_spot_initials_do_not_join_a_sentence_end(gazetteer):
    assert [s.surface for s in gazetteer.spot("It was Plan B. Quetta was calm.")] == ["Quetta"]
