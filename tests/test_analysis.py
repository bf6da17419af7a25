"""Tests for geo.analysis and the claims it decides: the article read as a whole.

Every article here is written for these tests, in the project's own words,
after the shapes real reporting takes (one incident told over several
paragraphs, a wave, earlier attacks recalled, news from another province).
Articles are dated Monday 2 February 2026.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geo.analysis import analyse_article
from geo.claims import build_claims_and_reports
from geo.mentions import extract_mentions
from geo.records import Article

PUBLISHED = dt.date(2026, 2, 2)


@pytest.fixture
def read(gazetteer, lexicon):
    def _read(text, *, published=PUBLISHED):
        article = Article("a1", "a1.txt", text, outlet="Test Wire", published=published)
        mentions = extract_mentions(article, gazetteer=gazetteer, lexicon=lexicon)
        analysis = analyse_article(mentions)
        claims, reports = build_claims_and_reports(
            article, mentions, area="Balochistan", analysis=analysis
        )
        return analysis, claims, reports

    return _read


def _figures(claims):
    return sorted(
        (c.scope, c.area, c.figure, c.role, c.value_low) for c in claims
    )  # fmt: skip


def test_a_one_incident_article_gives_placeless_figures_to_its_incident(read):
    analysis, claims, reports = read(
        "Gunmen attacked a passenger coach near Kalat on Sunday, police said.\n\n"
        "Four passengers were killed and six were wounded.\n\n"
        "The provincial government condemned the attack in Balochistan.\n\n"
        "Officials later said the attackers had freed two prisoners."
    )
    assert analysis.kind == "single"
    assert {r.place.name for r in reports} == {"Kalat"}
    assert _figures(claims) == [
        ("incident", "Kalat", "freed", "unspecified", 2),
        ("incident", "Kalat", "injured", "civilian", 6),
        ("incident", "Kalat", "killed", "civilian", 4),
    ]


def test_a_wave_article_gives_placeless_figures_to_the_province(read):
    analysis, claims, _ = read(
        "Militants struck Quetta, Turbat and Gwadar on Saturday in coordinated attacks.\n\n"
        "In Turbat, two soldiers were killed.\n\n"
        "Officials said 30 civilians were killed in the attacks."
    )
    assert analysis.kind == "wave"
    assert ("area", "Balochistan", "killed", "civilian", 30) in _figures(claims)
    assert ("incident", "Turbat", "killed", "security", 2) in _figures(claims)


def test_several_incidents_leave_an_unplaceable_figure_out(read):
    analysis, claims, reports = read(
        "Gunmen killed three labourers in Kharan on Sunday.\n\n"
        "In a separate attack, a bomb hurt two policemen in Sibi.\n\n"
        "The attacks in Kharan and Sibi were condemned by the interior minister. "
        "Five more people were killed, officials said."
    )
    assert analysis.kind == "several"
    assert {r.place.name for r in reports} == {"Kharan", "Sibi"}
    assert 5 not in {c.value_low for c in claims}
    decisions = {d.figure.low: d for _, d in analysis.decisions}
    assert decisions[5].scope == "unplaced"


@pytest.mark.parametrize(
    "recall",
    [
        "The attack came days after six miners were killed in Duki.",
        "A week earlier, gunmen had killed six miners in Duki.",
        "Last month, six miners were killed in Duki.",
    ],
)
def test_earlier_attacks_recalled_are_history(read, recall):
    analysis, claims, reports = read(
        f"A bomb killed two policemen in Sibi on Sunday. {recall}\n\n"
        "The miners' bodies were taken to Duki hospital, officials in Duki said."
    )
    assert {r.place.name for r in reports} == {"Sibi"}
    assert _figures(claims) == [("incident", "Sibi", "killed", "security", 2)]
    assert [v.status for v in analysis.sentences][1:] == ["background", "background"]


def test_hours_before_is_the_same_news(read):
    _, claims, reports = read(
        "Gunmen abducted 12 workers in Musakhel on Sunday. The raid came hours after "
        "five labourers were shot dead in a house in Panjgur district."
    )
    assert {r.place.name for r in reports} == {"Musa Khel Bazar", "Panjgur"}
    assert ("incident", "Panjgur", "killed", "civilian", 5) in _figures(claims)


def test_a_round_up_of_past_attacks_maps_nothing(read):
    analysis, claims, reports = read(
        "On March 3, 2025, gunmen killed four soldiers in Zhob.\n\n"
        "On March 9, 2025, a bomb killed two policemen in Sibi.\n\n"
        "On March 21, 2025, militants attacked a post in Turbat, killing three.",
        published=None,
    )
    assert analysis.kind == "roundup"
    assert (claims, reports) == ([], [])


def test_news_from_another_province_maps_nothing_and_adds_nothing_to_the_area(read):
    analysis, claims, reports = read(
        "KARACHI: A bomb killed five people outside a college in Karachi on Sunday.\n\n"
        "Ten more were injured, police said.\n\n"
        "The bomber was a teacher from Kech district."
    )
    assert analysis.kind in ("elsewhere", "none")
    assert (claims, reports) == ([], [])


def test_a_lede_spanning_two_provinces_is_no_area_figure(read):
    _, claims, _ = read(
        "At least 11 people were killed in attacks in Balochistan's Kalat and "
        "Khyber Pakhtunkhwa's Bannu districts on Sunday.\n\n"
        "In Kalat, gunmen killed six soldiers."
    )
    assert _figures(claims) == [("incident", "Kalat", "killed", "security", 6)]


def test_a_headline_place_the_body_names_only_as_a_start_is_not_the_scene(read):
    _, claims, reports = read(
        "Ambush on convoy kills nine soldiers near Pasni\n\n"
        "Nine soldiers were killed when a convoy moving from Pasni to Ormara in "
        "Gwadar district was ambushed on Sunday, the military said."
    )
    assert {r.place.name for r in reports} == {"Gwadar"}
    assert {c.area for c in claims} == {"Gwadar"}


def test_a_town_named_like_its_district_is_folded_into_the_precise_place(read):
    _, _, reports = read(
        "Bomb hits train in Mastung\n\n"
        "Eight passengers were hurt when a bomb went off under a train in the Spezand "
        "area of Mastung on Sunday."
    )
    assert {r.place.name for r in reports} == {"Spezand"}


def test_a_part_named_later_leaves_the_total(read):
    _, claims, _ = read(
        "Five people, including two policemen, were killed in a blast in Quetta on "
        "Sunday, officials said. The dead also included a boy, the hospital said."
    )
    assert _figures(claims) == [
        ("incident", "Quetta", "killed", "civilian", 1),
        ("incident", "Quetta", "killed", "security", 2),
        ("incident", "Quetta", "killed", "unspecified", 2),
    ]


def test_an_unsourced_total_of_the_places_figures_is_not_counted_again(read):
    _, claims, _ = read(
        "Security forces killed nine terrorists in operations in Kech and Ziarat districts.\n\n"
        "Four terrorists were killed near Turbat in Kech district, the military said.\n\n"
        "In Ziarat, five terrorists were killed in another operation, the military said."
    )
    assert sorted(c.value_low for c in claims) == [4, 5]


def test_people_counted_with_a_named_group_take_its_role(read):
    _, claims, _ = read(
        "The labourers were asleep in a camp in Kharan when gunmen came, leaving six "
        "people dead, police said on Sunday."
    )
    assert _figures(claims) == [("incident", "Kharan", "killed", "civilian", 6)]


def test_a_party_claim_in_a_one_incident_article_stays_unspecified(read):
    _, claims, _ = read(
        "Gunmen offloaded six passengers from a bus near Barkhan and shot them dead on "
        "Sunday, officials said.\n\n"
        "The BLA said it had killed six individuals."
    )
    by_kind = {c.claimant_kind: (c.role, c.area) for c in claims}
    assert by_kind["official"] == ("civilian", "Barkhan")
    assert by_kind["party"] == ("unspecified", "Barkhan")
