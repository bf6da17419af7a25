import pytest

from geo.claimants import classify, find_claimant
from geo.records import Claimant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the shapes of attribution
        pytest.param(
            "Police said four officers were killed in the raid.",
            Claimant("police", "official"),
            id="x-said",
        ),
        pytest.param(
            "Four officers were killed in the raid, said a police official.",
            Claimant("police", "official"),
            id="said-x-inverted",
        ),
        pytest.param(
            "Four officers were killed in the raid, a senior police officer said.",
            Claimant("police", "official"),
            id="comma-x-said",
        ),
        pytest.param(
            "According to the military, 12 militants were killed.",
            Claimant("military", "official"),
            id="according-to-first",
        ),
        pytest.param(
            "Twelve militants were killed, according to ISPR.",
            Claimant("military", "official"),
            id="according-to-last",
        ),
        pytest.param(
            "The BLA claimed to have killed 40 soldiers.",
            Claimant("BLA", "party"),
            id="claimed-to-have-killed",
        ),
        pytest.param(
            "The deputy commissioner told reporters that six people were hurt.",
            Claimant("district administration", "official"),
            id="told-reporters",
        ),
        pytest.param(
            "Nine people were killed in the blast, reported Dawn.",
            Claimant("Dawn", "independent"),
            id="reported-outlet",
        ),
        pytest.param(
            "Nine people were killed, reported Karachi-based Geo News.",
            Claimant("Geo News", "independent"),
            id="reported-based-outlet",
        ),
        pytest.param(
            "Nine people were killed, Reuters reported.",
            Claimant("Reuters", "independent"),
            id="outlet-reported",
        ),
        # who the speaker is
        pytest.param(
            "The Baloch Liberation Army said its fighters attacked the camp.",
            Claimant("BLA", "party"),
            id="militant-group-full-name",
        ),
        pytest.param(
            "The TTP claimed responsibility for the blast.",
            Claimant("TTP", "party"),
            id="ttp",
        ),
        pytest.param(
            "A spokesman for the group said its fighters had withdrawn.",
            Claimant("militant group", "party"),
            id="unnamed-group",
        ),
        pytest.param(
            "The chief minister said 31 civilians had died.",
            Claimant("provincial govt", "official"),
            id="chief-minister",
        ),
        pytest.param(
            "The interior minister said the attackers came from across the border.",
            Claimant("federal govt", "official"),
            id="interior-minister",
        ),
        pytest.param(
            "Hospital sources said 14 wounded people were brought in.",
            Claimant("hospital", "official"),
            id="hospital",
        ),
        pytest.param(
            "Doctors at the hospital said five of the injured were critical.",
            Claimant("hospital", "official"),
            id="doctors",
        ),
        pytest.param(
            "State media reported that the road had reopened.",
            Claimant("state media", "official"),
            id="state-media",
        ),
        pytest.param(
            "An official said the toll could rise.",
            Claimant("officials", "official"),
            id="an-official",
        ),
        pytest.param(
            "The HRCP said the attacks had caused panic.",
            Claimant("rights group", "independent"),
            id="rights-group-acronym",
        ),
        pytest.param(
            "Amnesty International said the killings must be investigated.",
            Claimant("rights group", "independent"),
            id="rights-group",
        ),
        pytest.param(
            "Residents said the firing lasted two hours.",
            Claimant("witnesses", "independent"),
            id="residents",
        ),
        # no speaker
        pytest.param(
            "Eight labourers were reportedly abducted.",
            Claimant("unattributed", "unattributed"),
            id="reportedly",
        ),
        pytest.param("Six soldiers were killed in the ambush.", None, id="none"),
        # limitations
        pytest.param(
            "Levies officials said three guards were wounded.",
            Claimant("paramilitary", "official"),
            id="force-officials",
            marks=pytest.mark.xfail(
                reason="the nearest match wins: generic 'officials' beats 'Levies' before it",
                strict=True,
            ),
        ),
    ],
)
def test_find_claimant(lexicon, text, expected):
    assert find_claimant(text, lexicon) == expected


def test_according_to_beats_an_earlier_speaker(lexicon):
    text = "Police said the toll was 12, according to the provincial government."
    assert find_claimant(text, lexicon) == Claimant("provincial govt", "official")


@pytest.mark.parametrize(
    ("words", "nearest_end", "expected"),
    [
        pytest.param("the chief minister", False, Claimant("provincial govt", "official")),
        pytest.param("a doctor at the civil hospital", False, Claimant("hospital", "official")),
        pytest.param("Frontier Corps officers", False, Claimant("paramilitary", "official")),
        pytest.param("the Associated Press", False, Claimant("Associated Press", "independent")),
        # Table order decides unless the speaker nearest the verb is asked for.
        pytest.param("the military and police", False, Claimant("military", "official")),
        pytest.param("the military and police", True, Claimant("police", "official")),
        pytest.param("a passer-by", False, None),
        pytest.param("", True, None),
    ],
)
def test_classify(lexicon, words, nearest_end, expected):
    assert classify(words, lexicon, nearest_end=nearest_end) == expected
