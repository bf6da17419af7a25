import re

import pytest

from geo.lexicon import PROJECT_DATA, load_lexicon
from geo.records import ATTACK_TYPES, ROLES

ATTACK_TYPES_CSV = """\
# a comment line
attack_type,pattern,note
bombing,blasts?,
# another comment
arson,torch(?:ed)?,

,attack(?:s|ed)?,generic
"""
ROLES_CSV = """\
role,word
security,Police
security,security forces
civilian,civilians
"""
CLAIMANTS_CSV = """\
# kinds: official, party, independent, unattributed
pattern,claimant,kind
\\bpolice\\b,police,official
Reuters|\\bAFP\\b,media,independent
"""


@pytest.fixture
def data_dir(tmp_path):
    """A valid data folder with the three lexicon tables."""
    (tmp_path / "attack_types.csv").write_text(ATTACK_TYPES_CSV, encoding="utf-8")
    (tmp_path / "roles.csv").write_text(ROLES_CSV, encoding="utf-8")
    (tmp_path / "claimants.csv").write_text(CLAIMANTS_CSV, encoding="utf-8")
    return tmp_path


# ------------------------------------------------------------------ the project's tables


def test_project_lexicon_loads(lexicon):
    assert {kind for kind, _ in lexicon.triggers} <= {*ATTACK_TYPES, None}
    assert set(lexicon.roles.values()) == set(ROLES)
    assert {kind for _, _, kind in lexicon.claimants} == {"official", "party", "independent"}
    assert lexicon.max_role_words == 2


@pytest.mark.parametrize(
    ("word", "role"),
    [
        ("police", "security"),
        ("levies", "security"),
        ("fc", "security"),
        ("security forces", "security"),
        ("militants", "militant"),
        ("attackers", "militant"),
        ("passengers", "civilian"),
        ("labourers", "civilian"),
        ("people", "unspecified"),
    ],
)
def test_project_roles(lexicon, word, role):
    assert lexicon.roles[word] == role


def test_default_folder_is_the_project_data():
    assert (PROJECT_DATA / "attack_types.csv").is_file()


# ------------------------------------------------------------------ a folder of one's own


def test_load_from_folder(data_dir):
    lexicon = load_lexicon(data_dir)
    assert [(kind, pattern.pattern) for kind, pattern in lexicon.triggers] == [
        ("bombing", r"\b(?:blasts?)\b"),
        ("arson", r"\b(?:torch(?:ed)?)\b"),
        (None, r"\b(?:attack(?:s|ed)?)\b"),
    ]
    assert lexicon.roles == {
        "police": "security",
        "security forces": "security",
        "civilians": "civilian",
    }
    assert [(p.pattern, name, kind) for p, name, kind in lexicon.claimants] == [
        (r"\b(?:\bpolice\b)\b", "police", "official"),
        (r"\b(?:Reuters|\bAFP\b)\b", "media", "independent"),
    ]
    assert lexicon.max_role_words == 2


def test_patterns_match_whole_words_in_any_case(data_dir):
    lexicon = load_lexicon(data_dir)
    _, torch = lexicon.triggers[1]
    assert torch.search("They TORCHED a bus")
    assert not torch.search("a torchlight vigil")


def _break(data_dir, name, bad_line, *, at=None):
    """Replace line ``at`` (1-based) of a table with ``bad_line``, or append it."""
    path = data_dir / name
    lines = path.read_text(encoding="utf-8").splitlines()
    if at is None:
        lines.append(bad_line)
    else:
        lines[at - 1] = bad_line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "bad_line", "at", "message"),
    [
        pytest.param(
            "attack_types.csv",
            "bombs,explod(?:ed|ing),",
            None,
            r"attack_types.csv line 8: attack_type 'bombs' is not one of suicide_bombing, ",
            id="unknown-attack-type-after-comments-and-blank-line",
        ),
        pytest.param(
            "attack_types.csv",
            "arson,torch(ed,",
            5,
            r"attack_types.csv line 5: bad pattern 'torch\(ed': missing \)",
            id="bad-trigger-pattern",
        ),
        pytest.param(
            "attack_types.csv",
            "kind,pattern,note",
            2,
            r"attack_types.csv: header must name attack_type, pattern; missing \['attack_type'\]",
            id="bad-header",
        ),
        pytest.param(
            "roles.csv",
            "soldiers,troops",
            3,
            r"roles.csv line 3: role 'soldiers' is not one of \('civilian', ",
            id="unknown-role",
        ),
        pytest.param(
            "roles.csv",
            "word",
            1,
            r"roles.csv: header must name role, word; missing \['role'\]",
            id="roles-header",
        ),
        pytest.param(
            "claimants.csv",
            "BYC,rights group,neutral",
            4,
            r"claimants.csv line 4: kind 'neutral' is not one of \('official', ",
            id="unknown-claimant-kind",
        ),
        pytest.param(
            "claimants.csv",
            "[police,police,official",
            3,
            r"claimants.csv line 3: bad pattern '\[police'",
            id="bad-claimant-pattern",
        ),
    ],
)
def test_broken_table_names_file_and_line(data_dir, name, bad_line, at, message):
    path = _break(data_dir, name, bad_line, at=at)
    with pytest.raises(ValueError, match=re.escape(str(path.parent)) + ".*" + message):
        load_lexicon(data_dir)


def test_missing_table_names_the_file(data_dir):
    (data_dir / "roles.csv").unlink()
    with pytest.raises(FileNotFoundError, match="roles.csv"):
        load_lexicon(data_dir)


def test_any_trigger_matches_where_one_trigger_does_and_nowhere_else(lexicon):
    sentences = [
        "Gunmen opened fire on a bus near Turbat.",
        "A suicide bomber struck the convoy.",
        "Traders kept their shops shut on Sunday.",
        "The district administration met the elders.",
    ]
    for sentence in sentences:
        one = any(p.search(sentence) for _, p in lexicon.triggers)
        assert (lexicon.any_trigger.search(sentence) is not None) == one, sentence
    assert lexicon.any_trigger.search(sentences[0]) is not None
    assert lexicon.any_trigger.search(sentences[3]) is None


def test_any_trigger_with_mixed_flags_asks_each_trigger(lexicon):
    import dataclasses

    mixed = dataclasses.replace(
        lexicon, triggers=(*lexicon.triggers, ("bombing", re.compile("BOOM")))
    )
    assert mixed.any_trigger.search("anything at all") is not None  # every pattern is asked


@pytest.mark.parametrize(
    "phrase",
    ["a police official", "the Inter-Services Public Relations", "Dawn", "residents", "he"],
)
def test_any_claimant_matches_where_one_claimant_pattern_does(lexicon, phrase):
    one = any(p.search(phrase) for p, _, _ in lexicon.claimants)
    assert (lexicon.any_claimant.search(phrase) is not None) == one
