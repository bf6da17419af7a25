import random

import pytest

from geo.records import Article
from geo.text import split_paragraphs, split_sentences

LONG = "Security forces said the raid on the compound lasted several hours and ended"


def article(text: str) -> Article:
    return Article(article_id="abc", path="t.txt", text=text)


def sentences(text: str) -> list[str]:
    return [s.text for s in split_sentences(article(text))]


def paragraphs(text: str) -> list[str]:
    return [text[start:end] for start, end in split_paragraphs(text)]


# ---------------------------------------------------------------- paragraphs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "One line.\nwrapped here.\n\n  Second para.  \n\n\n\nThird.",
            ["One line.\nwrapped here.", "Second para.", "Third."],
            id="blank-lines",
        ),
        pytest.param(
            "Short heading\nFirst para.\nSecond para.",
            ["Short heading", "First para.", "Second para."],
            id="one-per-line",
        ),
        pytest.param(
            f"{LONG} with reported Lahore-based\nDawn News.\nOfficials responded.",
            [f"{LONG} with reported Lahore-based\nDawn News.", "Officials responded."],
            id="wrapped-long-line",
        ),
        pytest.param(
            "Attack in Town\nthe next line starts lower.\nNext.",
            ["Attack in Town\nthe next line starts lower.", "Next."],
            id="lowercase-continuation",
        ),
        pytest.param(
            "Rising Violence in the Province: Officials Report Many Deaths in Attacks\n"
            "Officials said.",
            [
                "Rising Violence in the Province: Officials Report Many Deaths in Attacks",
                "Officials said.",
            ],
            id="capitalised-heading",
        ),
        pytest.param(
            "What is the story about?\nThe story.",
            ["What is the story about?", "The story."],
            id="question",
        ),
        pytest.param(
            f"{LONG}, he said.”\nNext para.\n{LONG} (AP.)\nLast.",
            [f"{LONG}, he said.”", "Next para.", f"{LONG} (AP.)", "Last."],
            id="closing-quote-and-bracket",
        ),
        pytest.param("  \n \n", [], id="whitespace-only"),
        pytest.param("", [], id="empty"),
    ],
)
def test_split_paragraphs(text, expected):
    assert paragraphs(text) == expected


# ----------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "One fell. Two rose! Three? Four.", ["One fell.", "Two rose!", "Three?", "Four."]
        ),
        pytest.param("It ended. 12 people died.", ["It ended.", "12 people died."], id="digit"),
        pytest.param(
            "“It was loud,” he said. “Very loud.” Police came.",
            ["“It was loud,” he said.", "“Very loud.”", "Police came."],
            id="quotes",
        ),
        pytest.param(
            'He said "stop." Then he left. (It was late.) Next.',
            ['He said "stop."', "Then he left. (It was late.)", "Next."],
            id="straight-quote-no-bracket-start",
        ),
        pytest.param("Mr. Khan met Dr. Baloch.", ["Mr. Khan met Dr. Baloch."], id="titles"),
        pytest.param(
            "Lt. Gen. Ali and Col. Shah spoke.", ["Lt. Gen. Ali and Col. Shah spoke."], id="ranks"
        ),
        pytest.param("It began on Jan. 31 and Feb. 2.", ["It began on Jan. 31 and Feb. 2."]),
        pytest.param("Post No. 4 was hit.", ["Post No. 4 was hit."], id="number-abbrev"),
        pytest.param("He said no. Then left.", ["He said no.", "Then left."], id="lower-no"),
        pytest.param("Ali vs. Khan. Done.", ["Ali vs. Khan.", "Done."], id="vs"),
        pytest.param("Towns, e.g. Quetta, i.e. Kalat.", ["Towns, e.g. Quetta, i.e. Kalat."]),
        pytest.param("Guns, bombs, etc. Police said.", ["Guns, bombs, etc.", "Police said."]),
        pytest.param("The U.S. State Department spoke.", ["The U.S. State Department spoke."]),
        pytest.param("Reporter A. Khan wrote it.", ["Reporter A. Khan wrote it."], id="initial"),
        pytest.param("The BLA. The group.", ["The BLA.", "The group."], id="acronym-ends"),
        pytest.param("At 4 a.m. on Saturday it began.", ["At 4 a.m. on Saturday it began."]),
        pytest.param("At 4 p.m. 12 people died.", ["At 4 p.m. 12 people died."], id="pm-digit"),
        pytest.param("At 4 a.m. Police said so.", ["At 4 a.m.", "Police said so."], id="am-cap"),
        pytest.param("It rose 1.5 percent. Then 2.75.", ["It rose 1.5 percent.", "Then 2.75."]),
        pytest.param("Wait... Then more.", ["Wait...", "Then more."], id="ellipsis"),
        pytest.param("it ended. then lower.", ["it ended. then lower."], id="lowercase-next"),
        pytest.param("Heading\n\nBody.", ["Heading", "Body."], id="paragraph-ends-sentence"),
        pytest.param(
            f"{LONG} with reported Lahore-based\nDawn News. Officials responded.",
            [f"{LONG} with reported Lahore-based\nDawn News.", "Officials responded."],
            id="wrapped-line-in-sentence",
        ),
    ],
)
def test_split_sentences(text, expected):
    assert sentences(text) == expected


def test_sentence_numbering_and_offsets():
    text = "  Title line\nFirst one. Second one.\nThird one.  "
    result = split_sentences(article(text))
    assert [(s.index, s.paragraph, s.text) for s in result] == [
        (0, 0, "Title line"),
        (1, 1, "First one."),
        (2, 1, "Second one."),
        (3, 2, "Third one."),
    ]
    assert all(s.article_id == "abc" for s in result)
    assert result[1].start_char == text.index("First")


FRAGMENTS = [
    "Mr. Khan said.",
    "“Quoted,” he said.",
    "It rose 1.5 percent!",
    "Why?",
    "At 4 a.m. on Jan. 31 the U.S. spoke.",
    "a lowercase bit",
    "A Heading Without Stop",
    "wrapped tail ending",
    "(In brackets.)",
    "  ",
    "\t",
]


@pytest.mark.parametrize("seed", range(40))
def test_offsets_match_text(seed):
    rng = random.Random(seed)
    separators = [" ", "\n", "\n\n", "  \n", " \n \n "]
    text = "".join(
        rng.choice(FRAGMENTS) + rng.choice(separators) for _ in range(rng.randint(1, 30))
    )
    result = split_sentences(article(text))
    assert [s.index for s in result] == list(range(len(result)))
    assert [s.paragraph for s in result] == sorted(s.paragraph for s in result)
    previous_end = 0
    for s in result:
        assert text[s.start_char : s.end_char] == s.text
        assert s.text == s.text.strip() and s.text
        assert s.start_char >= previous_end
        previous_end = s.end_char
    # Nothing but whitespace is lost between sentences.
    covered = "".join(s.text for s in result)
    assert "".join(covered.split()) == "".join(text.split())
