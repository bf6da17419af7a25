"""incidentmap places: lookup gives the right district; unresolved lists what did not resolve."""

from __future__ import annotations

import pytest

from geo.cli import main
from geo.places import lookup, lookup_lines, unresolved_lines
from geo.records import UnresolvedName

#: Issue 3's acceptance list: name -> the unit of the 2019 boundary layer that holds it
#: (Washuk, Surab, Hub, Harnai and Usta Muhammad are not units of that layer).
RIGHT_DISTRICT = {
    "Noshki": "Nushki", "Nushki": "Nushki", "Qalat": "Kalat", "Kalat": "Kalat",
    "Musa Khel": "Musakhel", "Musakhail": "Musakhel", "Turbat": "Kech", "Tump": "Kech",
    "Dalbandin": "Chagai", "Pasni": "Gwadar", "Gwadar": "Gwadar", "Panjgur": "Panjgur",
    "Panjgoor": "Panjgur", "Kharan": "Kharan", "Mastung": "Mastung", "Bela": "Lasbela",
    "Hub": "Lasbela", "Sibi": "Sibi", "Saryab Road": "Quetta", "Hazarganji": "Quetta",
    "Chaman": "Qilla Abdullah", "Zhob": "Zhob", "Ormara": "Gwadar", "Jiwani": "Gwadar",
    "Awaran": "Awaran", "Dera Bugti": "Dera Bugti", "Sui": "Dera Bugti", "Kohlu": "Kohlu",
    "Barkhan": "Barkhan", "Loralai": "Loralai", "Washuk": "Kharan", "Besima": "Kharan",
    "Surab": "Kalat", "Nal": "Khuzdar", "Wadh": "Khuzdar", "Ornach": "Khuzdar",
    "Uthal": "Lasbela", "Winder": "Lasbela", "Gandava": "Jhal Magsi",
    "Dera Murad Jamali": "Nasirabad", "Usta Muhammad": "Jafarabad", "Jaffarabad": "Jafarabad",
    "Ziarat": "Ziarat", "Harnai": "Sibi", "Pishin": "Pishin",
    "Qila Saifullah": "Qilla Saifullah", "Muslim Bagh": "Qilla Saifullah",
    "Killa Abdullah": "Qilla Abdullah",
}  # fmt: skip


@pytest.mark.parametrize(("name", "district"), sorted(RIGHT_DISTRICT.items()))
def test_lookup_gives_the_right_district(gazetteer, districts, name, district):
    best = lookup(gazetteer, name, districts=districts)[0]
    assert best.district == district
    assert best.place.in_region


def test_lookup_without_polygons_uses_the_gazetteer_table(gazetteer):
    (town, *_) = lookup(gazetteer, "Tump", districts=None)
    assert (town.district, town.district_source) == ("Kech", "gazetteer table")


def test_lookup_lines_show_coordinates_district_precision_and_source(gazetteer):
    lines = lookup_lines(lookup(gazetteer, "Saryab Road", districts=None), why="exact match")
    assert lines[0] == "chosen: exact match"
    assert "[locality]" in lines[1] and "precision 2" in lines[1] and "district: Quetta" in lines[1]
    assert "source: " in lines[1]


def test_unresolved_lines_group_names_with_their_sentences():
    names = [
        UnresolvedName("a1", 10, 16, "Kolpur", "Gunmen attacked a post in Kolpur."),
        UnresolvedName("a2", 4, 10, "Kolpur", "In Kolpur, a bridge was blown up."),
        UnresolvedName("a2", 50, 55, "Gichk", "Clashes near the town of Gichk."),
    ]
    assert unresolved_lines(names) == [
        "Kolpur  (2 mentions in 2 articles)",
        "    a1: Gunmen attacked a post in Kolpur.",
        "    a2: In Kolpur, a bridge was blown up.",
        "Gichk  (1 mentions in 1 articles)",
        "    a2: Clashes near the town of Gichk.",
    ]


@pytest.mark.slow
def test_cli_lookup_and_unknown_name(capsys, monkeypatch):
    monkeypatch.delenv("INCIDENTMAP_DATA", raising=False)  # the shipped district layer
    assert main(["places", "lookup", "Panjgoor"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("chosen: ")
    assert (
        out[1].startswith("1. Panjgur [town]") and "district: Panjgur (boundary polygon)" in out[1]
    )
    assert main(["places", "lookup", "Xyzzyabad"]) == 1
    assert "no place called 'Xyzzyabad'" in capsys.readouterr().err


def test_cli_unresolved_reads_a_build_store(tmp_path, capsys, resources):
    from geo.pipeline import build

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text(
        "Gunmen attacked a checkpoint in Kolpur on Saturday, police said.\n", encoding="utf-8"
    )
    build([articles], out_dir=tmp_path / "out", resources=resources)
    assert main(["places", "unresolved", "--store", str(tmp_path / "out" / "incidentmap.db")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Kolpur  (1 mentions in 1 articles)"
    assert main(["places", "unresolved", "--store", str(tmp_path / "none.db")]) == 2
    assert "no store at" in capsys.readouterr().err


def test_cli_forget_clears_one_name_or_the_whole_cache(tmp_path, capsys):
    from geo.geocode import cache_key
    from geo.store import Store

    path = tmp_path / "out" / "incidentmap.db"
    with Store(path) as store, store.transaction():
        store.geocode_put(cache_key("Kolpur"), "nominatim", {"lat": "29.5"}, "found: Kolpur")
        store.geocode_put(cache_key("Londonabad"), "nominatim", None, "rejected: far away")
    assert main(["places", "forget", "Kolpur", "--store", str(path)]) == 0
    assert capsys.readouterr().out == "forgot 1 cached answer: kolpur balochistan pakistan\n"
    assert main(["places", "forget", "Kolpur", "--store", str(path)]) == 0
    assert capsys.readouterr().out.startswith("no cached answer for 'Kolpur' in ")
    assert main(["places", "forget", "--store", str(path)]) == 0
    assert capsys.readouterr().out == "forgot 1 cached answer: londonabad balochistan pakistan\n"
    with Store(path) as store:
        assert store.geocode_entries() == []
    assert main(["places", "forget", "--store", str(tmp_path / "none.db")]) == 2
