import base64
import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pytest
import xyzservices

from geo.records import ATTACK_TYPES
from geo.schema import TYPE_COLOURS
from geo.webmap import render_map, write_fragment, write_map
from geo.webmap.data import MIN_RADIUS, marker_radius
from geo.webmap.leaflet import LEAFLET_CSS_URL, LEAFLET_JS_URL
from geo.webmap.page import COMPRESS_ABOVE, asset
from tests.map_frames import (
    articles_frame,
    claim,
    district_polygons,
    incident,
    make_claims,
    make_incidents,
)

pytestmark = pytest.mark.filterwarnings("ignore:CartoDB tiles now require an API key")

XSS = "<script>alert(1)</script> \"quote\" 'single' `tick` ${alert(2)} \\` {{7*7}} {# x #}"
SCRIPT_XSS = "</script><script>alert(1)</script> \"q\" 'q' `b`"
MAP_JS = Path(__file__).resolve().parents[1] / "geo" / "webmap" / "map.js"


@pytest.fixture
def incidents():
    return make_incidents(
        [
            incident("I1", "Pasni", 25.263, 63.471, "suicide_bombing", 17, target="FC camp",
                     fatalities_low=12, fatalities_high=19),
            incident("I2", "Nushki", 29.554, 66.021, "suicide_bombing"),
            incident("I3", XSS, 30.18, 66.99, "armed_assault", 3, admin2="Quetta"),
            incident("I4", "Somewhere", None, None, "abduction"),
        ]
    )  # fmt: skip


@pytest.fixture
def claims():
    shared = "Eleven civilians and six attackers were killed, police said."
    return make_claims(
        [
            claim("C1", "I1", "killed", "civilian", 11, "police", "official", shared, high=12),
            claim("C2", "I1", "killed", "militant", 6, "police", "official", shared),
            claim("C3", "I1", "injured", "civilian", 4, "hospital staff", "independent", shared),
            claim("C4", "I1", "killed", "civilian", 5, "officials", "official", "Five died.",
                  article="a2", published="2026-01-31"),
            claim("C5", "I3", "killed", "civilian", 3, "resident " + XSS, "unattributed", XSS),
            claim("A1", "", "killed", "militant", 197, "police", "official", "197",
                  area="Balochistan"),
            claim("A2", "", "killed", "militant", 177, "military", "official", "177",
                  area="Balochistan"),
            claim("A3", "", "killed", "security", 280, "BLA", "party", "280", area="Balochistan"),
        ]
    )  # fmt: skip


def page(m, tmp_path, name="map.html", **options):
    return write_map(m, tmp_path / name, **options).read_text(encoding="utf-8")


def data_of(text):
    """The page's data document, inflated when it travels compressed."""
    ((encoding, raw),) = re.findall(
        r'<script type="application/json" id="[^"]+-data" data-encoding="([^"]+)">(.*?)</script>',
        text,
        re.S,
    )
    if encoding == "gzip-base64":
        raw = gzip.decompress(base64.b64decode(raw)).decode("utf-8")
    return json.loads(raw)


def column(doc, table, name):
    return doc[table][name]


def by_id(doc):
    return {i: n for n, i in enumerate(doc["inc"]["id"])}


def external_loads(text):
    """Every <script src> and <link href> of the page (article links are data)."""
    tags = re.findall(r"<(?:script|link)\b[^>]*>", text)
    return [t for t in tags if re.search(r"\b(src|href)\s*=", t)]


# -- the data document ---------------------------------------------------------------


def test_render_map_is_a_folium_map_for_notebooks(incidents, claims):
    m = render_map(incidents, claims)
    assert isinstance(m, folium.Map)
    shown = m._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "leaflet" in shown.lower()
    with pytest.warns(UserWarning, match="drawn from its data document"):
        folium.Marker([25, 63]).add_to(m)


def test_incidents_are_columns_drawn_largest_first(incidents, claims, tmp_path):
    doc = data_of(page(render_map(incidents, claims), tmp_path))
    inc = doc["inc"]
    assert inc["id"] == ["I1", "I3", "I2"]  # I4 has no point; big circles first
    assert inc["r"] == [marker_radius(17), marker_radius(3), MIN_RADIUS]
    assert [doc["types"][t][0] for t in inc["t"]] == [
        "suicide_bombing", "armed_assault", "suicide_bombing",
    ]  # fmt: skip
    assert doc["types"] == [
        ["suicide_bombing", "Suicide bombing", TYPE_COLOURS["suicide_bombing"]],
        ["armed_assault", "Armed assault", TYPE_COLOURS["armed_assault"]],
    ]
    assert (inc["lat"][0], inc["lon"][0]) == (25.263, 63.471)
    assert doc["unmapped"] == 1
    s = doc["s"]
    assert s[inc["place"][1]] == XSS and s[inc["target"][0]] == "FC camp"


def test_strings_are_stored_once(incidents, claims, tmp_path):
    doc = data_of(page(render_map(incidents, claims), tmp_path))
    assert len(doc["s"]) == len(set(doc["s"]))
    shared = "Eleven civilians and six attackers were killed, police said."
    assert doc["s"].count(shared) == 1
    sentences = [doc["s"][i] for i in doc["cl"]["sent"]]
    assert sentences.count(shared) == 3  # three claims point at one string


def test_claims_are_grouped_by_incident_and_sentence(incidents, claims, tmp_path):
    doc = data_of(page(render_map(incidents, claims), tmp_path))
    cl, s = doc["cl"], doc["s"]
    first, last = cl["cl0"][0], cl["cl0"][1]  # I1, drawn first
    rows = [
        (doc["figures"][cl["f"][c]], doc["roles"][cl["ro"][c]][0], cl["lo"][c], cl["hi"][c],
         s[cl["who"][c]], doc["kinds"][cl["kd"][c]][0])
        for c in range(first, last)
    ]  # fmt: skip
    assert rows == [
        ("killed", "civilian", 11, 12, "police", "official"),
        ("killed", "militant", 6, 6, "police", "official"),
        ("injured", "civilian", 4, 4, "hospital staff", "independent"),
        ("killed", "civilian", 5, 5, "officials", "official"),
    ]
    assert cl["cl0"][-1] == len(cl["f"]) == 5  # area claims are not popup rows


def test_tolls_are_split_by_side(incidents, claims, tmp_path):
    doc = data_of(page(render_map(incidents, claims), tmp_path))
    k = doc["inc"]["k"][by_id(doc)["I1"]]
    roles = [r for r, _label in doc["roles"]]
    sides = {roles[k[j]]: tuple(k[j + 1 : j + 4]) for j in range(0, len(k), 4)}
    # Civilians: 5 (a2, 2026-01-31) and 11-12 (a1, later): best is the later article's.
    assert sides == {"civilian": (5, 11, 12), "militant": (6, 6, 6)}
    assert doc["inc"]["kb"][by_id(doc)["I1"]] == [12, 17, 19]


def test_sources_show_outlet_and_title_or_file_never_a_path(incidents, claims, tmp_path):
    articles = articles_frame()
    text = page(render_map(incidents, claims, articles=articles), tmp_path)
    assert "/home/analyst" not in text
    doc = data_of(text)
    art, s = doc["art"], doc["s"]
    rows = {
        s[art["id"][n]]: (s[art["outlet"][n]], s[art["title"][n]], s[art["file"][n]],
                          s[art["href"][n]])
        for n in range(len(art["id"]))
    }  # fmt: skip
    assert rows == {
        "a1": ("Dawn", "Attacks <b>bold</b>", "a1.txt", "https://dawn.com/x?a=1&b=2"),
        "a2": ("example.org", "", "a2.txt", "https://www.example.org/news/2"),
    }


def test_only_http_links_are_links(incidents, claims, tmp_path):
    articles = articles_frame().assign(url=["javascript:alert(3)", "file:///etc/passwd"])
    doc = data_of(page(render_map(incidents, claims, articles=articles), tmp_path))
    assert [doc["s"][h] for h in doc["art"]["href"]] == ["", ""]


def test_contested_table_is_figures_by_claimant_parties_last(incidents, claims, tmp_path):
    doc = data_of(page(render_map(incidents, claims), tmp_path))
    area = doc["area"]
    assert area["area"] == "Balochistan"
    assert area["cols"] == [["military", "official"], ["police", "official"], ["BLA", "party"]]
    assert area["rows"] == [
        ["killed", "security", [None, None, [280, 280]]],
        ["killed", "militant", [[177, 177], [197, 197], None]],
    ]
    assert area["more"] == 0


def test_contested_table_is_capped(incidents, claims, tmp_path):
    extra = [
        claim(f"B{n}", "", "killed", "civilian", n, f"source {n}", "independent", "x",
              area="Balochistan")
        for n in range(8)
    ]  # fmt: skip
    more = make_claims([*claims.to_dict("records"), *extra])
    area = data_of(page(render_map(incidents, more), tmp_path))["area"]
    assert len(area["cols"]) == 5 and area["more"] > 0
    assert area["cols"][-1] == ["BLA", "party"]  # the party's claim always has a column
    assert all(any(values) for _f, _r, values in area["rows"])


def test_district_choropleth_reads_the_model(incidents, claims, tmp_path):
    m = render_map(incidents, claims, districts=district_polygons())
    doc = data_of(page(m, tmp_path))
    shown = {f["properties"]["name"]: f["properties"] for f in doc["districts"]["features"]}
    assert sorted(shown) == ["Gwadar", "Kalat", "Quetta"]
    assert (shown["Gwadar"]["k"], shown["Gwadar"]["n"]) == (17, 3)
    assert shown["Kalat"]["k"] is None and shown["Kalat"]["fill"] is None
    assert shown["Gwadar"]["fill"] != shown["Quetta"]["fill"]
    assert [c[:2] for c in doc["classes"]] == [[3, 3], [4, 17]]
    (outline,) = doc["outline"]["features"]
    assert outline["properties"] == {"name": "Balochistan"}


def test_timeline_days(incidents, claims, tmp_path):
    doc = data_of(page(render_map(incidents, claims), tmp_path))
    assert doc["days"] == [["2026-01-31", 4]] and doc["undated"] == 0


@pytest.mark.parametrize(
    ("killed", "radius"),
    [(pd.NA, MIN_RADIUS), (None, MIN_RADIUS), (0, MIN_RADIUS), (1, MIN_RADIUS), (25, 15.0),
     (100, 30.0)],
)  # fmt: skip
def test_marker_radius(killed, radius):
    assert marker_radius(killed) == radius
    assert (marker_radius(400) / marker_radius(100)) ** 2 == pytest.approx(4)


# -- the page ---------------------------------------------------------------------------


def test_default_page_is_self_contained(incidents, claims, tmp_path):
    text = page(render_map(incidents, claims, articles=articles_frame()), tmp_path)
    assert external_loads(text) == []
    assert not re.search(r"url\(\s*['\"]?(https?:|images/)", text)
    assert 'url("data:image/png;base64,' in text  # Leaflet's control images
    assert 't.version="1.9.3"' in text  # Leaflet's own code
    assert "sourceMappingURL" not in text
    assert "jquery" not in text.lower() and "bootstrap" not in text.lower()


def test_cdn_links_leaflet_only(incidents, claims, tmp_path):
    for m, options in (
        (render_map(incidents, claims, self_contained=False), {}),
        (render_map(incidents, claims), {"self_contained": False}),
    ):
        assert external_loads(page(m, tmp_path, **options)) == [
            f'<link rel="stylesheet" href="{LEAFLET_CSS_URL}"/>',
            f'<script src="{LEAFLET_JS_URL}">',
        ]


def test_self_contained_needs_xstatic_leaflet(incidents, claims, monkeypatch):
    monkeypatch.setitem(sys.modules, "xstatic.pkg.leaflet", None)
    with pytest.raises(ImportError, match=r"pip install xstatic-leaflet"):
        render_map(incidents, claims)
    render_map(incidents, claims, self_contained=False)  # the linked page does not need it


def test_article_text_stays_data_in_the_written_file(incidents, claims, tmp_path):
    rows = claims.copy()
    rows.loc[rows["claim_id"] == "C4", "sentence"] = SCRIPT_XSS + " \u2028 & <!--"
    text = page(render_map(incidents, rows, title=SCRIPT_XSS), tmp_path)
    body = text.split("</head>")[1]
    assert "<script>alert" not in text and "<!--" not in body
    doc = data_of(text)
    assert SCRIPT_XSS + " \u2028 & <!--" in doc["s"] and XSS in doc["s"]
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)" in text


def test_big_data_travels_compressed_and_small_data_as_json(incidents, claims, tmp_path):
    small = page(render_map(incidents, claims), tmp_path)
    assert 'data-encoding="json"' in small
    big_incidents, big_claims, articles = synthetic(300)
    big = page(render_map(big_incidents, big_claims, articles=articles), tmp_path, "big.html")
    assert 'data-encoding="gzip-base64"' in big
    assert len(json.dumps(data_of(big))) > COMPRESS_ABOVE
    assert len(data_of(big)["inc"]["id"]) == 300


def test_same_map_same_bytes(incidents, claims, tmp_path):
    one = page(render_map(incidents, claims, districts=district_polygons()), tmp_path, "1.html")
    two = page(render_map(incidents, claims, districts=district_polygons()), tmp_path, "2.html")
    assert one == two


def test_tiles(incidents, claims, tmp_path):
    assert data_of(page(render_map(incidents, claims, tiles=False), tmp_path))["tiles"] is None
    osm = data_of(page(render_map(incidents, claims), tmp_path))["tiles"]
    assert "tile.openstreetmap.org" in osm["url"] and "OpenStreetMap" in osm["attribution"]
    carto = render_map(incidents, claims, basemap=xyzservices.providers.CartoDB.Positron)
    assert "basemaps.cartocdn.com" in data_of(page(carto, tmp_path))["tiles"]["url"]
    with pytest.raises(TypeError, match="xyzservices.TileProvider"):
        render_map(incidents, claims, basemap="osm")


def test_fragment_is_a_snippet_with_its_own_id(incidents, claims, tmp_path):
    m = render_map(incidents, claims, districts=district_polygons())
    text = write_fragment(m, tmp_path / "f.html", id_prefix="wave", height=400).read_text()
    for tag in ("<html", "<head", "<body", "<!DOCTYPE"):
        assert tag.lower() not in text.lower()
    assert "html, body" not in text  # leaves the host page's styles alone
    assert 'id="wave"' in text and 'id="wave-data"' in text
    assert "height: 400px;" in text and 'incidentmap.start("wave")' in text.replace("'", '"')
    assert data_of(text)["inc"]["id"]


def test_two_fragments_get_different_ids(incidents, claims, tmp_path):
    one = write_fragment(render_map(incidents, claims), tmp_path / "1.html").read_text()
    two = write_fragment(render_map(incidents.iloc[:2], claims), tmp_path / "2.html").read_text()
    ids = [set(re.findall(r'\bid="([^"]+)"', t)) for t in (one, two)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"height": "tall"}, "height must be a CSS length"),
        ({"height": "1px; color: red"}, "height must be a CSS length"),
        ({"id_prefix": "1abc"}, "id_prefix must be letters"),
        ({"id_prefix": "a b"}, "id_prefix must be letters"),
    ],
)
def test_fragment_options_are_checked(incidents, claims, tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        write_fragment(render_map(incidents, claims), tmp_path / "f.html", **options)


@pytest.mark.parametrize("writer", [write_map, write_fragment])
def test_writers_want_a_map(writer, tmp_path):
    with pytest.raises(TypeError, match="expected a map from render_map"):
        writer("not a map", tmp_path / "x.html")


def test_unknown_attack_type_is_refused(incidents, claims):
    bad = incidents.copy()
    bad.loc[0, "primary_type"] = "drone_strike"
    with pytest.raises(ValueError, match=r"ATTACK_TYPES: I1: 'drone_strike'; expected one of"):
        render_map(bad, claims)


def test_missing_columns_are_named(incidents, claims):
    with pytest.raises(ValueError, match=r"claims is missing column\(s\) \['claimant'\]"):
        render_map(incidents, claims.drop(columns="claimant"))


# -- the script -----------------------------------------------------------------------------


def test_page_script_is_package_data():
    assert asset("map.js") == MAP_JS.read_text(encoding="utf-8")
    assert "incidentmap" in asset("map.css")


def test_page_script_never_writes_html():
    code = MAP_JS.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in code, sink


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_page_script_parses():
    done = subprocess.run(
        ["node", "--check", str(MAP_JS)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


# -- scale --------------------------------------------------------------------------------


def synthetic(n, seed=6):
    """``n`` incidents over Balochistan with 3 claims each, seeded."""
    rng = np.random.default_rng(seed)
    words = "police said militants attacked the checkpoint late on Tuesday killing soldiers "
    words = (words + "and civilians near the highway").split()
    dates = pd.date_range("2024-01-01", "2025-12-31").strftime("%Y-%m-%d").to_numpy()
    rows, claim_rows = [], []
    for i in range(n):
        kind = ATTACK_TYPES[int(rng.integers(len(ATTACK_TYPES)))]
        best = int(rng.integers(0, 60))
        rows.append(
            incident(
                f"I{i:05d}", f"Place {i}", round(float(rng.uniform(25.0, 31.5)), 6),
                round(float(rng.uniform(61.5, 70.0)), 6), kind, best,
                event_date=str(dates[rng.integers(len(dates))]) if i % 20 else "",
                admin2=f"District {i % 30}", target="checkpoint",
                fatalities_high=best + int(rng.integers(0, 5)),
                sources=f"a{i % 400};a{(7 * i) % 400}",
            )
        )  # fmt: skip
        for k in range(3):
            sentence = " ".join(rng.choice(words, int(rng.integers(15, 35)))).capitalize() + "."
            claim_rows.append(
                claim(f"C{i:05d}{k}", f"I{i:05d}", "killed", "security",
                      int(rng.integers(0, 60)), "police", "official", sentence)
            )  # fmt: skip
    articles = pd.DataFrame(
        {
            "article_id": [f"a{i}" for i in range(400)],
            "path": [f"articles/a{i}.txt" for i in range(400)],
            "outlet": "Dawn",
            "url": [f"https://example.org/news/{i}" for i in range(400)],
            "published": "2025-01-01",
            "title": [f"Attack report {i}" for i in range(400)],
        }
    )
    return make_incidents(rows), make_claims(claim_rows), articles
