"""Tests for geo.claims: from sentence mentions to claims and per-place reports.

Every article text here is written for these tests.  Articles are dated Monday
2 February 2026, so "on Saturday" is 31 January 2026.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geo.claims import build_claims_and_reports, claim_id
from geo.mentions import extract_mentions
from geo.records import Article, Figure

PUBLISHED = dt.date(2026, 2, 2)
SATURDAY = dt.date(2026, 1, 31)


@pytest.fixture
def run(gazetteer, lexicon):
    def _run(text, *, article_id="art1", outlet="Test Wire", published=PUBLISHED):
        article = Article(article_id, f"{article_id}.txt", text, outlet=outlet, published=published)
        mentions = extract_mentions(article, gazetteer=gazetteer, lexicon=lexicon)
        return build_claims_and_reports(article, mentions, area="Balochistan")

    return _run


def _by_place(reports):
    return {r.place.name: r for r in reports}


def test_place_and_trigger_give_a_report_there(run):
    claims, reports = run("Gunmen stormed a bank in Kalat on Saturday.")
    assert claims == []
    (report,) = reports
    assert (report.place.name, report.place.kind, report.place.admin2) == ("Kalat", "town", "Kalat")
    assert (report.event_date, report.date_precision) == (SATURDAY, "day")
    assert report.attack_types == ("armed_assault",)
    assert report.targets == ("bank",)
    assert report.listed_only is False
    assert report.article_id == "art1"
    assert report.sentences == ((0, 43),)


def test_placeless_sentence_inherits_the_place_of_its_paragraph(run):
    text = (
        "In Turbat, gunmen attacked a checkpoint on Saturday. "
        "Police said four soldiers were killed."
    )
    claims, reports = run(text)
    (report,) = reports
    (claim,) = claims
    assert report.place.name == "Turbat"
    assert report.claim_ids == (claim.claim_id,)
    assert len(report.sentences) == 2
    assert (claim.scope, claim.area, claim.place_id) == (
        "incident",
        "Turbat",
        report.place.place_id,
    )
    assert (claim.figure, claim.role, claim.value_low, claim.value_high) == (
        "killed",
        "security",
        4,
        4,
    )
    assert (claim.claimant, claim.claimant_kind) == ("police", "official")
    assert claim.event_date == SATURDAY
    assert claim.sentence == "Police said four soldiers were killed."
    assert text[claim.start_char : claim.end_char] == claim.sentence
    assert (claim.outlet, claim.published) == ("Test Wire", PUBLISHED)


@pytest.mark.parametrize(
    "second",
    [
        "Officials said 12 civilians were killed across Balochistan in the day's attacks.",
        "Officials said 12 civilians were killed in attacks across the province.",
    ],
)
def test_province_wide_figure_is_area_scoped(run, second):
    claims, reports = run(f"A bomb went off at a market in Kharan on Saturday. {second}")
    (claim,) = claims
    assert (claim.scope, claim.area, claim.place_id, claim.incident_id) == (
        "area",
        "Balochistan",
        "",
        "",
    )
    assert (claim.figure, claim.role, claim.value_low) == ("killed", "civilian", 12)
    assert (claim.claimant, claim.claimant_kind) == ("officials", "official")
    (report,) = reports
    assert (report.place.name, report.attack_types, report.claim_ids) == (
        "Kharan",
        ("bombing",),
        (),
    )


def test_background_paragraph_gives_nothing(run):
    claims, reports = run("In 2023, gunmen killed nine labourers in Kech.")
    assert (claims, reports) == ([], [])


def test_background_paragraph_beside_a_current_one(run):
    text = (
        "In 2023, gunmen killed nine labourers in Kech.\n\n"
        "On Saturday a bomb hit a bus in Sibi, and police said six passengers died."
    )
    claims, reports = run(text)
    assert [r.place.name for r in reports] == ["Sibi"]
    assert [(c.area, c.value_low) for c in claims] == [("Sibi", 6)]


def test_place_named_as_origin_gets_no_report(run):
    claims, reports = run(
        "Gunmen shot dead five members of a family from Khuzdar near Quetta on Sunday."
    )
    assert [r.place.name for r in reports] == ["Quetta"]
    assert reports[0].attack_types == ("armed_assault",)  # five shot dead: not one target
    assert reports[0].event_date == dt.date(2026, 2, 1)


def test_origin_only_sentence_gives_no_report(run):
    claims, reports = run("A family from Khuzdar buried five of its men on Sunday.")
    assert reports == []


def test_militant_group_claim_is_a_party_claim(run):
    claims, reports = run(
        "The Baloch Liberation Army said its fighters killed 40 soldiers in Panjgur on Saturday."
    )
    (claim,) = claims
    assert (claim.claimant, claim.claimant_kind) == ("BLA", "party")
    assert (claim.scope, claim.area, claim.value_low, claim.role) == (
        "incident",
        "Panjgur",
        40,
        "security",
    )
    assert [r.place.name for r in reports] == ["Panjgur"]


def test_claimant_is_carried_from_the_previous_sentence(run):
    claims, _ = run(
        "The BLA said its fighters had stormed a camp in Panjgur on Saturday. "
        "It added that 40 soldiers were killed."
    )
    (claim,) = claims
    assert (claim.claimant, claim.claimant_kind, claim.value_low) == ("BLA", "party", 40)
    assert claim.sentence == "It added that 40 soldiers were killed."


def test_claimant_is_not_carried_into_the_next_paragraph(run):
    claims, _ = run(
        "Police said gunmen stormed a bank in Kalat on Saturday.\n\nThree guards were killed."
    )
    (claim,) = claims
    # Not the sentence's own source: the article's, and marked as such.
    assert (claim.claimant, claim.claimant_kind) == ("police (article's source)", "official")


def test_figure_in_an_unsourced_article_falls_back_on_the_outlet(run):
    claims, _ = run("Gunmen stormed a bank in Kalat on Saturday.\n\nThree guards were killed.")
    (claim,) = claims
    assert (claim.claimant, claim.claimant_kind) == ("Test Wire", "independent")


def test_a_party_is_never_the_article_source(run):
    claims, _ = run(
        "The BLA said it stormed a bank in Kalat on Saturday.\n\nThree guards were killed."
    )
    (claim,) = claims
    assert (claim.claimant, claim.claimant_kind) == ("Test Wire", "independent")


def test_unattributed_figure_without_an_outlet(run):
    claims, _ = run(
        "Gunmen stormed a bank in Kalat on Saturday. Three guards were killed.", outlet=""
    )
    (claim,) = claims
    assert (claim.claimant, claim.claimant_kind, claim.area) == (
        "unattributed",
        "unattributed",
        "Kalat",
    )


def test_list_sentence_gives_listed_only_reports(run):
    claims, reports = run(
        "On Saturday, attacks were reported in Turbat, Pasni, Kharan and Panjgur."
    )
    assert claims == []
    assert sorted(r.place.name for r in reports) == ["Kharan", "Panjgur", "Pasni", "Turbat"]
    for report in reports:
        assert report.listed_only is True
        assert report.attack_types == ("other",)
        assert report.event_date == SATURDAY


def test_detailed_sentence_makes_a_listed_place_a_full_report(run):
    _, reports = run(
        "On Saturday, attacks were reported in Turbat, Pasni, Kharan and Panjgur. "
        "In Pasni, a suicide bomber struck the port gate."
    )
    listed = {r.place.name: r.listed_only for r in reports}
    assert listed == {"Turbat": True, "Pasni": False, "Kharan": True, "Panjgur": True}
    assert _by_place(reports)["Pasni"].attack_types == ("suicide_bombing",)


def test_types_belong_to_the_place_they_precede(run):
    _, reports = run(
        "On Saturday, a suicide blast in Nushki and gun attacks in Mastung shook the region."
    )
    types = {name: r.attack_types for name, r in _by_place(reports).items()}
    assert types == {"Nushki": ("suicide_bombing",), "Mastung": ("armed_assault",)}


def test_figure_in_the_clause_of_one_place(run):
    claims, _ = run(
        "On Saturday, gunmen killed three policemen in Kalat, while a blast in Kharan "
        "killed two civilians."
    )
    assert sorted((c.area, c.role, c.value_low, c.scope) for c in claims) == [
        ("Kalat", "security", 3, "incident"),
        ("Kharan", "civilian", 2, "incident"),
    ]


def test_claim_ids_are_stable_across_runs(run):
    text = (
        "In Turbat, gunmen attacked a checkpoint on Saturday. Police said four soldiers were "
        "killed.\n\nOfficials said 12 civilians were killed across Balochistan."
    )
    first, reports_1 = run(text)
    second, reports_2 = run(text)
    assert [c.claim_id for c in first] == [c.claim_id for c in second]
    assert first == second
    assert reports_1 == reports_2
    assert len({c.claim_id for c in first}) == 2
    other, _ = run(text, article_id="art2")
    assert not {c.claim_id for c in other} & {c.claim_id for c in first}


def test_claim_id_value():
    figure = Figure("killed", "security", 4, 4, "", 10, 30, "four soldiers were killed")
    # Pinned: a change here renumbers every stored claim.
    assert claim_id("art1", figure) == "C9d0b50998efa"
    assert claim_id("art2", figure) != claim_id("art1", figure)
