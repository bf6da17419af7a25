"""Tests for geo.gazetteer: names, spellings, spotting, resolving, building, data checks."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geo.districts import join_districts
from geo.gazetteer import PROJECT_DATA, Gazetteer, build_gazetteer, name_key, read_csv_rows
from geo.records import Place
from tests.gazetteer_rows import COUNTRIES, city

# --- name_key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Qila-Saifullah", "qila saifullah"),
        ("qila  saifullah", "qila saifullah"),
        ("Qilā Saifullāh", "qila saifullah"),
        ("Quetta's", "quetta"),
        ("Quetta’s", "quetta"),
        ("D.M. Jamali", "d m jamali"),
        ("  NUSHKI ", "nushki"),
        ("Dera Murad Jamali", "dera murad jamali"),
        ("", ""),
    ],
)
def test_name_key(name, key):
    assert name_key(name) == key


# --- lookup of spellings (the real gazetteer) -----------------------------------------


@pytest.mark.parametrize(
    ("spelling", "name", "admin2"),
    [
        ("Noshki", "Nushki", "Nushki"),
        ("Nushki", "Nushki", "Nushki"),
        ("Qalat", "Kalat", "Kalat"),
        ("Kalat", "Kalat", "Kalat"),
        ("Musakhail", "Musa Khel Bazar", "Musakhel"),
        ("Musa Khel", "Musa Khel Bazar", "Musakhel"),
        ("Panjgoor", "Panjgur", "Panjgur"),
        ("Panjgur", "Panjgur", "Panjgur"),
        ("Killa Abdullah", "Qila Abdullah", "Qilla Abdullah"),
        ("Turbat", "Turbat", "Kech"),
        ("Dalbandin", "Dalbandin", "Chagai"),
        ("Pasni", "Pasni", "Gwadar"),
        ("Tump", "Tump", "Kech"),
        ("Hub", "Hub", "Lasbela"),
    ],
)
def test_lookup_spellings_give_the_town(gazetteer, spelling, name, admin2):
    best = gazetteer.lookup(spelling)[0]
    assert (best.name, best.kind, best.admin1, best.admin2) == (name, "town", "Balochistan", admin2)
    assert best.precision == 1
    assert best.in_region


def test_lookup_is_case_and_punctuation_blind(gazetteer):
    assert gazetteer.lookup("NOSHKI") == gazetteer.lookup("noshki") == gazetteer.lookup("Noshki")


def test_lookup_unknown_name_is_empty(gazetteer):
    assert gazetteer.lookup("Atlantis Bazar") == []


@pytest.mark.parametrize("spelling", ["Sariab Road", "Saryab Road", "Sariab"])
def test_sub_locality_is_coded_to_its_town_with_precision_2(gazetteer, spelling):
    (place,) = gazetteer.lookup(spelling)
    quetta = gazetteer.lookup("Quetta", kind="town")[0]
    assert (place.name, place.kind, place.admin2, place.precision) == (
        "Quetta (Saryab Road)",
        "locality",
        "Quetta",
        2,
    )
    assert (place.latitude, place.longitude) == (quetta.latitude, quetta.longitude)


@pytest.mark.parametrize(
    ("name", "district"),
    [
        ("Kech", "Kech"),
        ("Chagai", "Chagai"),
        ("Lasbela", "Lasbela"),
        ("Naseerabad", "Nasirabad"),
        ("Jhal Magsi", "Jhal Magsi"),
        ("Bolan", "Kachhi"),
    ],
)
def test_district_only_names_resolve_to_the_district(gazetteer, name, district):
    (place,) = gazetteer.lookup(name)
    assert (place.kind, place.name, place.admin2, place.precision) == (
        "district",
        district,
        district,
        3,
    )
    assert place.place_id == "district:" + name_key(district).replace(" ", "-")


@pytest.mark.parametrize("name", ["Quetta", "Mastung", "Kalat", "Qalat", "Noshki", "Panjgur"])
def test_names_of_town_and_district_rank_the_town_first(gazetteer, name):
    kinds = [p.kind for p in gazetteer.lookup(name)]
    assert kinds == ["town", "district"]
    district = gazetteer.district(name)
    assert district is not None
    assert (district.kind, district.precision) == ("district", 3)


def test_kech_is_not_an_alias_of_its_seat(gazetteer):
    # Turbat lies in Kech, but a mention of the town must stay a town.
    assert [p.kind for p in gazetteer.lookup("Turbat")] == ["town"]
    assert gazetteer.district("Turbat") is None


def test_neighbouring_country_town_is_recognised_but_not_in_region(gazetteer):
    kandahar = gazetteer.lookup("Kandahar")[0]
    assert (kandahar.country, kandahar.in_region) == ("AF", False)


# --- spot -----------------------------------------------------------------------------


def _surfaces(gazetteer, text):
    return [s.surface for s in gazetteer.spot(text)]


def test_spot_needs_a_capital(gazetteer):
    assert _surfaces(gazetteer, "traffic on the quetta road was light") == []
    assert _surfaces(gazetteer, "Traffic on the Quetta road was light") == ["Quetta"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The port has long been a hub of trade.", []),
        ("Hub of the coastal trade, the town was quiet.", []),
        ("Gunmen fired on a van in Hub on Monday.", ["Hub"]),
        ("Hub district police said the road was shut.", ["Hub"]),
        ("Mach was quiet.", []),
        ("Shots were heard near Mach at dawn.", ["Mach"]),
    ],
)
def test_spot_names_that_are_also_words_need_a_cue(gazetteer, text, found):
    assert _surfaces(gazetteer, text) == found


def test_spot_takes_the_longest_name(gazetteer):
    (spot,) = gazetteer.spot("A blast shook Dera Murad Jamali before dawn.")
    assert (spot.surface, spot.start, spot.end) == ("Dera Murad Jamali", 14, 31)
    place = gazetteer.resolve(spot)
    assert (place.name, place.admin2) == ("Dera Murad Jamali", "Nasirabad")


def test_spot_possessive_is_trimmed(gazetteer):
    text = "Quetta's hospitals were full."
    (spot,) = gazetteer.spot(text)
    assert (spot.surface, spot.start, spot.end) == ("Quetta", 0, 6)
    assert text[spot.start : spot.end] == "Quetta"


def test_spot_offsets_are_shifted(gazetteer):
    (spot,) = gazetteer.spot("Police in Nushki said.", offset=100)
    assert (spot.surface, spot.start, spot.end) == ("Nushki", 110, 116)


def test_spot_district_asked_and_resolved_to_the_district(gazetteer):
    (asked,) = gazetteer.spot("Troops moved into Mastung district at night.")
    assert asked.district_asked is True
    place = gazetteer.resolve(asked)
    assert (place.place_id, place.kind, place.precision) == ("district:mastung", "district", 3)

    (plain,) = gazetteer.spot("Troops moved into Mastung at night.")
    assert plain.district_asked is False
    town = gazetteer.resolve(plain)
    assert (town.place_id, town.kind, town.precision) == ("gn:1170706", "town", 1)


def test_spot_several_places_left_to_right(gazetteer):
    text = "Attacks hit Turbat, Pasni and Noshki."
    spots = gazetteer.spot(text)
    assert [s.surface for s in spots] == ["Turbat", "Pasni", "Noshki"]
    assert [gazetteer.resolve(s).name for s in spots] == ["Turbat", "Pasni", "Nushki"]


def test_resolve_qalat_is_kalat_in_balochistan(gazetteer):
    (spot,) = gazetteer.spot("Gunmen entered Qalat.")
    place = gazetteer.resolve(spot)
    assert (place.name, place.admin1, place.admin2, place.country) == (
        "Kalat",
        "Balochistan",
        "Kalat",
        "PK",
    )


# --- build_gazetteer on tiny hand-made rows (pure) ------------------------------------


CITIES = [
    # An Afghan town with a bigger population than its Balochistan namesake.
    city(1, "Qalat", "AF", "27", 32.1, 66.9, 40000),
    city(2, "Kalat", "PK", "02", 29.0, 66.6, 26000, alternates=["Qalat", "Ibis", "KLT"]),
    city(3, "Seatville", "PK", "02", 28.4, 68.4, 9000),
    city(4, "Innertown", "PK", "02", 28.2, 68.0, 7000),
    city(5, "Dropme", "PK", "02", 28.0, 68.0, 600),
    city(6, "Kabul", "AF", "13", 34.5, 69.2, 3000000),
    city(7, "Islamabad", "PK", "08", 33.7, 73.1, 600000),
]
DISTRICTS = [
    {"district": "Kalat", "province": "Balochistan", "seat": "Kalat", "aliases": "Kelat"},
    # Its seat lies in a neighbour's polygon (places.csv says so): the point moves inside.
    {"district": "Westbar", "province": "Balochistan", "seat": "Seatville", "aliases": ""},
    {"district": "Nowhere", "province": "Balochistan", "seat": "Ghost Town", "aliases": ""},
]
PLACES = [
    {"name": "Seatville", "geonameid": "3", "district": "Eastbar", "source": "test"},
    {"name": "Innertown", "geonameid": "4", "district": "Westbar", "source": "test"},
    {"name": "Dropme", "geonameid": "5", "exclude": "yes", "source": "test"},
    {
        "name": "Little Hamlet",
        "aliases": "Lil Hamlet",
        "kind": "town",
        "district": "Kalat",
        "province": "Balochistan",
        "latitude": "28.9",
        "longitude": "66.5",
        "precision": "1",
        "source": "hand survey",
    },
    {
        "name": "Fort Lane",
        "kind": "locality",
        "district": "Kalat",
        "province": "Balochistan",
        "coded_to": "2",
        "source": "a street of Kalat",
    },
]


@pytest.fixture(scope="module")
def tiny() -> Gazetteer:
    return build_gazetteer(
        cities=CITIES, countries=COUNTRIES, districts=DISTRICTS, places=PLACES, needs_context=()
    )


def test_build_resolve_prefers_the_region(tiny):
    (spot,) = tiny.spot("Fighters entered Qalat.")
    assert {p.country for p in spot.candidates} == {"AF", "PK"}
    place = tiny.resolve(spot)
    assert (place.place_id, place.name, place.country, place.in_region) == (
        "gn:2",
        "Kalat",
        "PK",
        True,
    )
    assert [p.place_id for p in tiny.lookup("Qalat")] == ["gn:2", "gn:1"]


def test_build_keeps_plausible_alternates_only(tiny):
    assert tiny.lookup("Ibis") == []  # a GeoNames oddity, not a spelling of Kalat
    assert tiny.lookup("KLT") == []


def test_build_district_at_its_seat(tiny):
    district = tiny.district("Kelat")
    assert district is not None
    town = tiny.lookup("Kalat", kind="town")[0]
    assert (district.place_id, district.precision, district.admin2) == (
        "district:kalat",
        3,
        "Kalat",
    )
    assert (district.latitude, district.longitude) == (town.latitude, town.longitude)
    assert town.admin2 == "Kalat"  # the seat takes its district


def test_build_district_whose_seat_lies_outside_moves_to_a_town_inside(tiny):
    district = tiny.district("Westbar")
    assert district is not None
    assert (district.latitude, district.longitude) == (28.2, 68.0)  # Innertown
    assert "Innertown" in district.source
    # The seat itself keeps the district the table gives it.
    assert tiny.lookup("Seatville")[0].admin2 == "Eastbar"


def test_build_district_without_a_known_seat_is_not_placed(tiny):
    assert tiny.lookup("Nowhere") == []


def test_build_refined_geonames_entry_keeps_the_source_of_its_point(tiny):
    # places.csv gives Seatville its district; the point is still GeoNames', and
    # the source (the exports' geo_source) says only that.  It once carried the
    # row's note on how the district was found ("point in ... polygon"), which
    # contradicted the notes column of a build without polygons.
    (seatville,) = tiny.lookup("Seatville")
    assert (seatville.admin2, seatville.source) == ("Eastbar", "GeoNames 3")


def test_build_excluded_geonames_row_is_dropped(tiny):
    assert tiny.lookup("Dropme") == []
    assert "gn:5" not in tiny.places


def test_build_project_place_and_alias(tiny):
    (place,) = tiny.lookup("Lil Hamlet")
    assert place == tiny.lookup("Little Hamlet")[0]
    assert (place.place_id, place.kind, place.latitude, place.longitude) == (
        "im:little-hamlet",
        "town",
        28.9,
        66.5,
    )
    assert (place.admin1, place.admin2, place.source, place.in_region) == (
        "Balochistan",
        "Kalat",
        "hand survey",
        True,
    )


def test_build_locality_coded_to_a_town_takes_its_point(tiny):
    (place,) = tiny.lookup("Fort Lane")
    assert (place.kind, place.precision, place.latitude, place.longitude) == (
        "locality",
        2,
        29.0,
        66.6,
    )


def test_build_provinces_and_countries_are_never_in_region(tiny):
    (province,) = tiny.lookup("Baluchistan")
    assert (province.kind, province.name, province.in_region) == ("province", "Balochistan", True)
    (country,) = tiny.lookup("Afghanistan")
    assert (country.kind, country.in_region, country.latitude) == ("country", False, 34.5)


def test_gazetteer_rejects_a_name_for_an_unknown_place():
    with pytest.raises(ValueError, match=r"'Nowhere'.*'x:1'"):
        Gazetteer([], [("Nowhere", "x:1")])


GOOD_ROW = {
    "name": "Good Place",
    "kind": "town",
    "province": "Balochistan",
    "latitude": "28.0",
    "longitude": "66.0",
    "source": "test",
}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"latitude": ""}, r"line 3: 'Bad Place' needs numeric latitude and longitude"),
        ({"longitude": "east"}, r"line 3: 'Bad Place' needs numeric latitude and longitude"),
        ({"kind": "hamlet"}, r"line 3: kind 'hamlet' is not one of"),
        ({"source": ""}, r"line 3: every row needs a source"),
        ({"latitude": "128.0"}, r"line 3: latitude/longitude out of range"),
    ],
)
def test_build_bad_place_rows_name_the_line(bad, message):
    rows = [GOOD_ROW, {**GOOD_ROW, "name": "Bad Place", **bad}]
    with pytest.raises(ValueError, match=message) as info:
        build_gazetteer(cities=[], countries={}, districts=[], places=rows)
    assert "data/places.csv" in str(info.value)


def test_read_csv_rows_names_missing_columns(tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("name,kind\nA,town\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"places\.csv: missing column\(s\) source"):
        read_csv_rows(path, required=("name", "source"))


# --- acceptance: the curated table agrees with the district polygons ------------------


def _place_rows() -> list[dict[str, str]]:
    return read_csv_rows(PROJECT_DATA / "places.csv", required=("name", "source"))


def _joined(points: list[tuple[str, str, Place]], districts) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "label": [label for label, _, _ in points],
            "claimed": [claimed for _, claimed, _ in points],
        },
        geometry=gpd.points_from_xy(
            [p.longitude for _, _, p in points], [p.latitude for _, _, p in points]
        ),
        crs="EPSG:4326",
    )
    return join_districts(frame, districts)


def test_places_csv_rows_lie_in_the_district_they_claim(gazetteer, districts):
    points = []
    for row in _place_rows():
        if row.get("exclude"):
            assert f"gn:{row['geonameid']}" not in gazetteer.places, row["name"]
            continue
        if row.get("geonameid"):
            place = gazetteer.places[f"gn:{row['geonameid']}"]
        else:
            place = gazetteer.places["im:" + name_key(row["name"]).replace(" ", "-")]
        # The gazetteer carries the table's district (the GeoNames town it refines, too).
        assert (place.admin1, place.admin2) == ("Balochistan", row["district"]), row["name"]
        points.append((row["name"], row["district"], place))
    assert len(points) >= 50
    joined = _joined(points, districts)
    wrong = joined.loc[joined["admin2"] != joined["claimed"], ["label", "claimed", "admin2"]]
    assert wrong.empty, wrong.to_string()
    assert set(joined["admin1"]) == {"Balochistan"}
    # Only rows whose source says so are off the coarse coastline (snapped).
    snapped = set(joined.loc[joined["district_join"] != "within", "label"])
    said = {r["name"] for r in _place_rows() if "nearest" in r["source"] and not r.get("exclude")}
    assert snapped == said == {"Gadani", "Ormara"}
    assert (joined["district_km"] <= 15).all()


def test_every_balochistan_district_place_lies_in_its_own_polygon(gazetteer, districts):
    places = [
        p for p in gazetteer.places.values() if p.kind == "district" and p.admin1 == "Balochistan"
    ]
    balochistan = set(districts.loc[districts["admin1"] == "Balochistan", "admin2"])
    assert {p.admin2 for p in places} == balochistan
    assert len(places) == len(balochistan) == 27
    joined = _joined([(p.name, p.admin2, p) for p in places], districts)
    wrong = joined.loc[joined["admin2"] != joined["claimed"], ["label", "claimed", "admin2"]]
    assert wrong.empty, wrong.to_string()
    assert set(joined["district_join"]) == {"within"}


# --- tehsil seats and sub-localities added to data/places.csv -------------------------


@pytest.mark.parametrize(
    ("spelling", "name", "admin2"),
    [
        ("Sui", "Sui", "Dera Bugti"),
        ("Besima", "Besima", "Kharan"),  # Washuk district lies in the Kharan unit (2019)
        ("Basima", "Besima", "Kharan"),
        ("Nal", "Nal", "Khuzdar"),
        ("Naal", "Nal", "Khuzdar"),
        ("Wadh", "Wadh", "Khuzdar"),
        ("Ornach", "Ornach", "Khuzdar"),
        ("Winder", "Winder", "Lasbela"),
        ("Windar", "Winder", "Lasbela"),
        ("Muslim Bagh", "Muslim Bagh", "Qilla Saifullah"),
        ("Hindubagh", "Muslim Bagh", "Qilla Saifullah"),
        ("Kuchlak", "Kuchlak", "Quetta"),
        ("Manguchar", "Mangochar", "Kalat"),
        ("Jhatpat", "Dera Allahyar", "Nasirabad"),  # a GeoNames town, refined by the table
    ],
)
def test_lookup_tehsil_seats_give_the_town_in_its_district(gazetteer, spelling, name, admin2):
    best = gazetteer.lookup(spelling)[0]
    assert (best.name, best.kind, best.admin1, best.admin2) == (name, "town", "Balochistan", admin2)
    assert (best.precision, best.in_region) == (1, True)


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("Alamdar Road", "Alamdar Road"),
        ("Mariabad", "Marriabad"),
        ("Marriabad", "Marriabad"),
        ("Hazara Town", "Hazara Town"),
        ("Spinney Road", "Spinny Road"),
        ("Zarghun Road", "Zarghoon Road"),
        ("Nawan Killi", "Nawa Killi"),
        ("Quetta Cantt", "Cantonment"),
        ("Eastern Bypass", "Eastern Bypass"),
    ],
)
def test_quetta_localities_are_coded_to_quetta_with_precision_2(gazetteer, spelling, name):
    (place,) = gazetteer.lookup(spelling)
    quetta = gazetteer.lookup("Quetta", kind="town")[0]
    assert (place.name, place.kind, place.admin2, place.precision) == (
        f"Quetta ({name})",
        "locality",
        "Quetta",
        2,
    )
    assert (place.latitude, place.longitude) == (quetta.latitude, quetta.longitude)


@pytest.mark.parametrize("shared", ["Airport Road", "Jinnah Road", "Satellite Town", "Red Zone"])
def test_road_names_shared_by_many_towns_are_not_places(gazetteer, shared):
    assert gazetteer.lookup(shared) == []


def test_sui_needs_a_cue_because_sui_gas_is_a_common_noun(gazetteer):
    assert gazetteer.spot("Sui gas supply was cut again.") == []
    (spot,) = gazetteer.spot("Two soldiers were killed in Sui on Monday.")
    assert (spot.surface, gazetteer.resolve(spot).admin2) == ("Sui", "Dera Bugti")
