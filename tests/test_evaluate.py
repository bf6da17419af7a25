import pytest

from geo.evaluate import SetScore, score

GOLD = [
    {"article_file": "a.txt", "scope": "incident", "place_as_written": "Noshki",
     "place_canonical": "Nushki", "district": "Nushki", "attack_types": "abduction",
     "killed_security": "7", "abducted": "1"},
    {"article_file": "a.txt", "scope": "incident", "place_as_written": "Central Jail",
     "place_canonical": "", "district": "unsure", "attack_types": "prison_break",
     "freed_prisoners": "30"},
    {"article_file": "b.txt", "scope": "place_list", "place_as_written": "Turbat, Pasni",
     "place_canonical": "", "district": "", "attack_types": "other"},
    {"article_file": "b.txt", "scope": "province_total", "place_as_written": "Balochistan",
     "place_canonical": "", "district": "", "attack_types": "", "killed_civilians": "36"},
]  # fmt: skip
INCIDENTS = [
    {"incident_id": "I1", "place": "Nushki", "admin2": "Nushki",
     "attack_types": "abduction;seizure", "sources": "A"},
    {"incident_id": "I2", "place": "Turbat", "admin2": "Kech", "attack_types": "other",
     "sources": "B"},
    {"incident_id": "I3", "place": "Khuzdar", "admin2": "Khuzdar", "attack_types": "other",
     "sources": "B"},
]  # fmt: skip


def _claim(article, figure, role, low, high, incident=""):
    return {"article_id": article, "figure": figure, "role": role, "value_low": low,
            "value_high": high, "incident_id": incident}  # fmt: skip


CLAIMS = [
    _claim("A", "killed", "security", "7", "7", "I1"),
    _claim("B", "killed", "civilian", "30", "40"),
    _claim("B", "captured", "unspecified", "1", "1", "I1"),
    _claim("A", "killed", "civilian", "2", "2", "I3"),
]


def spelling(name):
    return {"noshki": "nushki"}.get(name.casefold(), name.casefold())


def test_scores_places_districts_types_and_figures():
    result = score(incidents=INCIDENTS, claims=CLAIMS, gold=GOLD, canonical=spelling)
    assert (result.places.precision, result.places.recall) == (0.667, 0.667)
    assert result.places.gold == 3  # Nushki, Turbat, Pasni; the unsure jail is not a place
    assert result.unexpected_places == ("Khuzdar",)
    assert result.districts.recall == 1.0  # only incident rows with a district count
    assert result.district_types.recall == 1.0
    # 7 security killed and 36 civilians (inside 30..40); captured counts as abducted;
    # the 30 freed prisoners are missing.
    assert (result.figures_found, result.figures_total) == (3, 4)
    assert result.missed_figures == ("a.t freed_prisoners=30",)
    assert "mapped but not in gold: Khuzdar" in result.report()


def test_figures_are_matched_within_their_article_and_place_when_ids_are_known():
    ids = {"a.txt": "A", "b.txt": "B"}
    result = score(
        incidents=INCIDENTS, claims=CLAIMS, gold=GOLD, article_ids=ids, canonical=spelling
    )
    # A's 7 at Nushki and B's area 30..40; B's captured 1 is tied to A's gold row, not B's.
    assert result.figures_found == 2
    # Of the build's four figures, B's capture and A's 2 at Khuzdar match nothing.
    assert (result.figures_right, result.figures_reported) == (2, 4)
    assert result.article_places.precision == 0.667  # (b, Khuzdar) is not in b.txt's gold
    lines = result.explain().splitlines()
    assert any(line.startswith("extra figure") and "Khuzdar" in line for line in lines) is False
    assert any(line.startswith("extra place") and "Khuzdar" in line for line in lines)
    assert any(line.startswith("missed figure") and "freed_prisoners=30" in line for line in lines)


def test_background_places_mapped_are_reported():
    ids = {"a.txt": "A", "b.txt": "B"}
    background = [{"article_file": "b.txt", "place_canonical": "Khuzdar (Zehri)"}]
    result = score(
        incidents=INCIDENTS,
        claims=CLAIMS,
        gold=GOLD,
        article_ids=ids,
        canonical=spelling,
        background=background,
    )
    assert result.background_mapped == ("khuzdar (b.txt)",)


def test_a_gold_sublocality_counts_as_its_town():
    gold = [dict(GOLD[0], place_canonical="Nushki (Killi Mengal)")]
    result = score(incidents=INCIDENTS[:1], claims=[], gold=gold, canonical=spelling)
    assert (result.places.precision, result.places.recall) == (1.0, 1.0)


def test_gold_file_without_the_columns_says_which():
    with pytest.raises(ValueError, match="line 2: missing column.*district"):
        score(incidents=[], claims=[], gold=[{"article_file": "x", "scope": "incident"}])


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [
        (set(), set(), (1.0, 1.0, 1.0)),
        ({1, 2}, {2, 3}, (0.5, 0.5, 0.5)),
        ({1}, set(), (0.0, 0.0, 0.0)),
    ],
)
def test_set_score(predicted, gold, expected):
    s = SetScore.of(predicted, gold)
    assert (s.precision, s.recall, s.f1) == expected
