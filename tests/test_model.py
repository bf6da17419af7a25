import geopandas as gpd
import pandas as pd
import pytest

from geo.model import aggregate, url_host
from geo.records import ATTACK_TYPES
from geo.schema import DISTRICT_COLUMNS, TYPE_COLOURS, TYPE_LABELS
from tests.map_frames import (
    articles_frame,
    claim,
    district_polygons,
    incident,
    make_claims,
    make_incidents,
)


@pytest.fixture
def incidents():
    return make_incidents(
        [
            incident("I1", "Pasni", 25.263, 63.471, "suicide_bombing", 17,
                     fatalities_low=12, fatalities_high=19, injured=4),
            incident("I2", "Jiwani", 25.05, 61.74, "bombing", event_date="2026-01-29"),
            incident("I3", "Quetta", 30.18, 66.99, "armed_assault", 3, admin2="Quetta",
                     event_date=""),
            incident("I4", "Somewhere", None, None, "abduction", event_date="2026-01-30"),
        ]
    )  # fmt: skip


@pytest.fixture
def claims():
    return make_claims(
        [
            claim("C1", "I1", "killed", "civilian", 5, "police", "official", "s1", article="a1"),
            claim("C2", "I1", "killed", "civilian", 11, "officials", "official", "s2",
                  article="a2", published="2026-02-03"),
            claim("C3", "I1", "killed", "militant", 6, "police", "official", "s1", article="a1"),
            claim("C4", "I1", "killed", "security", 50, "BLA", "party", "s3", article="a2"),
            claim("C5", "I3", "killed", "civilian", 3, "police", "official", "s4"),
            claim("A1", "", "killed", "militant", 197, "police", "official", "x",
                  area="Balochistan", published="2026-02-03"),
            claim("A2", "", "killed", "militant", 177, "military", "official", "x",
                  area="Balochistan", published="2026-02-04"),
            claim("A3", "", "killed", "security", 280, "BLA", "party", "x", area="Balochistan",
                  published="2026-02-04"),
            claim("A0", "", "killed", "militant", 40, "police", "official", "old wave",
                  area="Balochistan", published="2025-08-01"),
        ]
    )  # fmt: skip


def test_schema_covers_every_attack_type():
    assert set(TYPE_COLOURS) == set(TYPE_LABELS) == set(ATTACK_TYPES)
    assert len(set(TYPE_COLOURS.values())) == len(ATTACK_TYPES)


def test_district_totals_split_by_side_and_keep_missing_apart(incidents, claims):
    model = aggregate(
        incidents, claims, articles=articles_frame(), polygons=district_polygons(),
        province="Balochistan",
    )  # fmt: skip
    table = model.districts.set_index("admin2")
    assert list(model.districts.columns) == [*DISTRICT_COLUMNS, "geometry"]
    # Every district of the province, with or without incidents; not Lahore (Punjab).
    assert list(table.index) == ["Gwadar", "Kalat", "Quetta"]
    gwadar = table.loc["Gwadar"]
    assert gwadar["incidents"] == 3  # I4 has no point but names Gwadar
    assert (gwadar["killed_low"], gwadar["killed_best"], gwadar["killed_high"]) == (12, 17, 19)
    # Civilians: 5 then 11 (the later article is best); the party's 50 stays out.
    assert (gwadar["killed_civilians_low"], gwadar["killed_civilians_best"],
            gwadar["killed_civilians_high"]) == (5, 11, 11)  # fmt: skip
    assert gwadar["killed_militants_best"] == 6
    assert pd.isna(gwadar["killed_security_best"])
    assert gwadar["injured"] == 4 and pd.isna(gwadar["abducted"])
    assert gwadar["attack_types"] == "suicide_bombing;bombing;abduction"
    assert (gwadar["first_date"], gwadar["last_date"]) == ("2026-01-29", "2026-01-31")
    # A district with incidents but no reported toll is not a district with none killed.
    kalat = table.loc["Kalat"]
    assert kalat["incidents"] == 0 and pd.isna(kalat["killed_best"])
    assert table.loc["Quetta", "killed_best"] == 3
    assert model.has_polygons and model.outline["admin1"].tolist() == ["Balochistan"]
    assert [(lo, hi) for lo, hi, _c in model.classes] == [(3, 3), (4, 17)]


def test_without_polygons_the_district_table_lists_the_districts(incidents, claims):
    table = pd.DataFrame(
        {"district": ["Gwadar", "Kech", "Lahore"], "province": ["Balochistan"] * 2 + ["Punjab"]}
    )
    model = aggregate(incidents, claims, district_table=table, province="Balochistan")
    assert model.districts["admin2"].tolist() == ["Gwadar", "Kech", "Quetta"]
    assert model.districts.geometry.isna().all() and not model.has_polygons
    assert model.outline is None


def test_provinces_fall_back_to_all_with_a_warning(incidents, claims, caplog):
    others = district_polygons().assign(admin1="Punjab")
    model = aggregate(incidents, claims, polygons=others)
    assert "showing all districts" in caplog.text
    assert model.districts.geometry.notna().sum() == 4  # every polygon is shown
    # The incidents' own districts, which these polygons lack, are still listed.
    assert model.districts.loc[model.districts.geometry.isna(), "admin2"].tolist() == [
        "Gwadar", "Quetta",
    ]  # fmt: skip


def test_sources_carry_file_names_and_outlets_never_paths(incidents, claims):
    model = aggregate(incidents, claims, articles=articles_frame())
    articles = model.articles.set_index("article_id")
    assert articles.loc["a1", "file"] == "a1.txt"
    assert "/home" not in model.articles.to_csv()
    assert articles.loc["a2", "outlet"] == "example.org"  # the URL's host
    claims_out = model.claims.set_index("claim_id")
    assert claims_out.loc["C2", "outlet"] == "Dawn"  # as given
    assert url_host("javascript:alert(1)") == "" and url_host("http://www.x.org/a") == "x.org"


def test_contested_figures_are_the_current_event_per_claimant(incidents, claims):
    contested = aggregate(incidents, claims).contested
    who = {(r.role, r.claimant): (r.low, r.high) for r in contested.itertuples()}
    assert who == {
        ("militant", "police"): (197, 197),
        ("militant", "military"): (177, 177),
        ("security", "BLA"): (280, 280),
    }  # the old wave's 40 is in areas.csv, not the panel


def test_timeline_and_unmapped(incidents, claims):
    model = aggregate(incidents, claims)
    assert [(d.isoformat(), n) for d, n in model.timeline] == [
        ("2026-01-29", 1), ("2026-01-30", 1), ("2026-01-31", 1),
    ]  # fmt: skip
    assert model.undated == 1
    assert model.incidents.geometry.isna().sum() == 1


def test_bad_input_is_named(incidents, claims):
    with pytest.raises(TypeError, match="incidents must be a pandas DataFrame"):
        aggregate([1], claims)
    with pytest.raises(ValueError, match=r"claims is missing column\(s\) \['claimant'\]"):
        aggregate(incidents, claims.drop(columns="claimant"))
    with pytest.raises(ValueError, match=r"EPSG:3857.*to_crs"):
        aggregate(incidents, claims, polygons=district_polygons().to_crs("EPSG:3857"))
    with pytest.raises(TypeError, match="districts must be a GeoDataFrame"):
        aggregate(incidents, claims, polygons=pd.DataFrame({"admin1": [], "admin2": []}))
    doubled = gpd.GeoDataFrame(pd.concat([incidents, incidents.iloc[[0]]]), crs="EPSG:4326")
    with pytest.raises(ValueError, match=r"repeated incident_id values \['I1'\]"):
        aggregate(doubled, claims)


@pytest.mark.parametrize("known", [[], ["I1"], ["I3"], ["I1", "I3", "I2"]])
def test_tolls_known_already_are_taken_and_the_rest_reconciled(incidents, claims, known):
    from geo.model import KnownTolls

    whole = aggregate(incidents, claims, province="Balochistan").tolls
    rows = [tuple(r) for r in whole.itertuples(index=False) if r.incident_id in known]
    taken = aggregate(
        incidents,
        claims,
        province="Balochistan",
        known_tolls=KnownTolls(frozenset(known), rows),
    ).tolls
    pd.testing.assert_frame_equal(taken, whole)
    assert len(whole) == 3  # I1: civilians and militants (the party's claim aside); I3


def test_known_tolls_are_believed_not_reconciled_again(incidents, claims):
    from geo.model import KnownTolls

    known = KnownTolls(frozenset({"I1"}), [("I1", "killed", "civilian", 1, 2, 3)])
    tolls = aggregate(incidents, claims, province="Balochistan", known_tolls=known).tolls
    assert tolls.values.tolist() == [
        ["I1", "killed", "civilian", 1, 2, 3],
        ["I3", "killed", "civilian", 3, 3, 3],
    ]


def test_incidents_located_first_make_the_same_model(incidents, claims):
    """A build locates the incidents before it reads the claims (the static image needs no more)."""
    from geo.model import KnownTolls, known_toll_frame, locate
    from tests.map_frames import district_polygons

    polygons = district_polygons()
    whole = aggregate(incidents, claims, polygons=polygons, province="Balochistan")
    rows = [tuple(r) for r in whole.tolls.itertuples(index=False)]
    ids = incidents["incident_id"].tolist()
    assert known_toll_frame(KnownTolls(frozenset(ids[:-1]), rows), ids) is None  # one unknown
    tolls = known_toll_frame(KnownTolls(frozenset(ids), rows), ids)
    places = locate(incidents, tolls, polygons=polygons, province="Balochistan")
    first = aggregate(
        incidents.iloc[:0], claims, polygons=polygons, province="Nowhere", places=places
    )  # located already: the incidents and province given are not read again
    for name in ("incidents", "claims", "districts", "tolls", "contested", "articles", "areas"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(whole, name), obj=name)
    assert (first.classes, first.timeline, first.undated, first.provinces) == (
        whole.classes, whole.timeline, whole.undated, whole.provinces,
    )  # fmt: skip
    with pytest.raises(ValueError, match="other district polygons"):
        aggregate(incidents, claims, polygons=polygons.copy(), places=places)


def test_the_static_image_reads_only_the_located_incidents(incidents, claims):
    import pickle

    from geo.model import locate
    from geo.static import static_plan
    from tests.map_frames import district_polygons

    polygons = district_polygons()
    model = aggregate(incidents, claims, polygons=polygons, province="Balochistan")
    places = locate(incidents, model.tolls, polygons=polygons, province="Balochistan")
    assert pickle.dumps(static_plan(places)) == pickle.dumps(static_plan(model))


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("in/kalat.md", "kalat.md"), ("in//kalat.md", "kalat.md"), ("in/./kalat.md", "kalat.md"),
        ("./kalat.md", "kalat.md"), ("in/old/../kalat.md", "kalat.md"), ("in/kalat.", "kalat."),
        ("in/.hidden", ".hidden"), ("/abs/kalat.txt", "kalat.txt"),
        ("in\\win\\kalat.txt", "kalat.txt"), ("in/folder/", "folder"), ("kalat.md", "kalat.md"),
        ("..", ".."),
    ],
)  # fmt: skip
def test_an_article_is_shown_by_its_file_name_whatever_the_path(path, name):
    from geo.model import _file_name

    assert _file_name(path) == name
