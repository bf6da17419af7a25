import json
import re
import shutil
import subprocess

import folium
import geopandas as gpd
import pandas as pd
import pytest
import xyzservices
from shapely.geometry import box

from geo import _popup
from geo.records import ATTACK_TYPES
from geo.render import (
    MIN_RADIUS,
    TYPE_COLOURS,
    TYPE_LABELS,
    marker_radius,
    render_map,
    write_map,
)

pytestmark = pytest.mark.filterwarnings("ignore:CartoDB tiles now require an API key")

XSS = "<script>alert(1)</script> \"quote\" 'single' `tick` ${alert(2)} \\` {{7*7}} {# x #}"
COUNTS = [
    "killed_civilians",
    "killed_security",
    "killed_militants",
    "killed_unspecified",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "injured",
    "abducted",
    "freed_prisoners",
]
INCIDENT_COLUMNS = [
    "incident_id",
    "event_date",
    "date_precision",
    "place",
    "admin1",
    "admin2",
    "admin3",
    "latitude",
    "longitude",
    "geo_precision",
    "attack_types",
    "primary_type",
    "target",
    "killed_civilians",
    "killed_security",
    "killed_militants",
    "killed_unspecified",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "injured",
    "abducted",
    "freed_prisoners",
    "n_sources",
    "sources",
    "notes",
]
CLAIM_COLUMNS = [
    "claim_id",
    "incident_id",
    "scope",
    "area",
    "figure",
    "role",
    "value_low",
    "value_high",
    "qualifier",
    "claimant",
    "claimant_kind",
    "article_id",
    "outlet",
    "published",
    "sentence",
]


def incident(incident_id, place, lat, lon, primary, best=pd.NA, **extra):
    row = dict.fromkeys(INCIDENT_COLUMNS, "")
    row.update(dict.fromkeys(COUNTS, pd.NA))
    row.update(
        incident_id=incident_id,
        event_date="2026-01-31",
        date_precision="day",
        place=place,
        admin1="Balochistan",
        admin2="Gwadar",
        latitude=lat,
        longitude=lon,
        geo_precision=1,
        attack_types=primary,
        primary_type=primary,
        fatalities_best=best,
        n_sources=1,
        sources="a1;a2",
    )
    row.update(extra)
    return row


def make_incidents(rows):
    frame = pd.DataFrame(rows, columns=INCIDENT_COLUMNS)
    for column in [*COUNTS, "geo_precision", "n_sources"]:
        frame[column] = frame[column].astype("Int64")
    frame[["latitude", "longitude"]] = frame[["latitude", "longitude"]].astype(float)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]), crs="EPSG:4326"
    )


def claim(claim_id, incident_id, figure, role, value, claimant, kind, sentence, *, area=""):
    return {
        "claim_id": claim_id,
        "incident_id": incident_id,
        "scope": "area" if area else "incident",
        "area": area,
        "figure": figure,
        "role": role,
        "value_low": value,
        "value_high": value,
        "qualifier": "",
        "claimant": claimant,
        "claimant_kind": kind,
        "article_id": "a1",
        "outlet": "Dawn",
        "published": "2026-02-01",
        "sentence": sentence,
    }


@pytest.fixture
def incidents():
    return make_incidents(
        [
            incident("I1", "Pasni", 25.263, 63.471, "suicide_bombing", 7, target="FC camp"),
            incident("I2", "Nushki", 29.554, 66.021, "suicide_bombing"),
            incident("I3", XSS, 30.18, 66.99, "armed_assault", 3, admin2="Quetta"),
            incident("I4", "Somewhere", None, None, "abduction"),
        ]
    )


@pytest.fixture
def claims():
    frame = pd.DataFrame(
        [
            claim("C1", "I1", "killed", "security", 7, "police", "official", "Seven were killed."),
            claim(
                "C2", "I1", "injured", "civilian", 4, "hospital staff", "independent", "Four hurt."
            ),
            claim("C3", "I3", "killed", "civilian", 3, "resident " + XSS, "unattributed", XSS),
            claim(
                "A1",
                "",
                "killed",
                "militant",
                197,
                "police",
                "official",
                "197 killed",
                area="Balochistan",
            ),
            claim(
                "A2",
                "",
                "killed",
                "militant",
                177,
                "military",
                "official",
                "177",
                area="Balochistan",
            ),
            claim("A3", "", "killed", "security", 280, "BLA", "party", "280", area="Balochistan"),
            claim(
                "A4",
                "",
                "killed",
                "security",
                22,
                "officials",
                "official",
                "22",
                area="Balochistan",
            ),
        ],
        columns=CLAIM_COLUMNS,
    )
    frame[["value_low", "value_high"]] = frame[["value_low", "value_high"]].astype("Int64")
    return frame


@pytest.fixture
def articles():
    return pd.DataFrame(
        [
            {
                "article_id": "a1",
                "path": "seeds/a1.txt",
                "outlet": "Dawn",
                "url": "https://dawn.com/x?a=1&b=2",
                "published": "2026-02-01",
                "title": "Attacks <b>bold</b>",
            },
            {
                "article_id": "a2",
                "path": "seeds/a2.txt",
                "outlet": "Wire",
                "url": "javascript:alert(3)",
                "published": "",
                "title": "",
            },
        ]
    )


def groups(m):
    return [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]


def markers(m):
    return [
        c for g in groups(m) for c in g._children.values() if isinstance(c, folium.CircleMarker)
    ]


def popup_html(marker):
    popup = next(c for c in marker._children.values() if isinstance(c, folium.Popup))
    return next(iter(popup.html._children.values())).data


def tooltip_text(marker):
    return next(c for c in marker._children.values() if isinstance(c, folium.Tooltip)).text


def test_one_named_feature_group_per_type_present(incidents, claims):
    m = render_map(incidents, claims)
    # I4 (abduction) has no coordinates, so no abduction layer.
    assert [g.layer_name for g in groups(m)] == ["Suicide bombing", "Armed assault"]
    assert all(g.show and g.overlay for g in groups(m))


def test_markers_one_per_mapped_incident_in_its_type_group(incidents, claims):
    m = render_map(incidents, claims)
    assert len(markers(m)) == 3
    by_group = {g.layer_name: len(g._children) for g in groups(m)}
    assert by_group == {"Suicide bombing": 2, "Armed assault": 1}
    colours = {mk.options["color"] for mk in markers(m)}
    assert colours == {TYPE_COLOURS["suicide_bombing"], TYPE_COLOURS["armed_assault"]}


def test_layer_control_is_present_and_open(incidents, claims):
    m = render_map(incidents, claims)
    controls = [c for c in m._children.values() if isinstance(c, folium.LayerControl)]
    assert len(controls) == 1
    assert controls[0].options["collapsed"] is False


@pytest.mark.parametrize(
    ("killed", "radius"),
    [
        (pd.NA, MIN_RADIUS),
        (None, MIN_RADIUS),
        (0, MIN_RADIUS),
        (1, MIN_RADIUS),
        (25, 15.0),
        (100, 30.0),
    ],
)
def test_marker_radius(killed, radius):
    assert marker_radius(killed) == radius


def test_marker_area_tracks_the_toll():
    assert (marker_radius(400) / marker_radius(100)) ** 2 == pytest.approx(4)


def test_tooltip_names_place_and_toll(incidents, claims):
    tips = sorted(tooltip_text(mk) for mk in markers(render_map(incidents, claims)))
    assert "Pasni — 7 killed" in tips
    assert "Nushki — toll not reported" in tips


def test_popup_lists_every_claim_with_claimant_and_sentence(incidents, claims, articles):
    m = render_map(incidents, claims, articles=articles)
    pasni = next(mk for mk in markers(m) if tooltip_text(mk).startswith("Pasni"))
    html = popup_html(pasni)
    for text in ["police (official)", "hospital staff (independent)", "Dawn", "2026-02-01"]:
        assert text in html
    assert "<blockquote>Seven were killed.</blockquote>" in html
    assert "<blockquote>Four hurt.</blockquote>" in html
    assert "FC camp" in html and "Gwadar, Balochistan" in html and "precision: day" in html
    # http(s) urls are links, escaped; anything else is shown as text.
    assert 'href="https://dawn.com/x?a=1&amp;b=2"' in html
    assert "Attacks &lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="javascript' not in html and "javascript:alert(3)" in html


def test_popup_escapes_article_text(incidents, claims):
    m = render_map(incidents, claims)
    html = popup_html(next(mk for mk in markers(m) if "alert(1)" in tooltip_text(mk)))
    assert "<script>" not in html
    escaped = _popup.esc(XSS)
    assert f"<blockquote>{escaped}</blockquote>" in html
    assert f"resident {escaped} (unattributed)" in html
    for raw in ["`", "${", "\\", "{{", "{#"]:
        assert raw not in escaped


def test_xss_sentence_is_inert_in_the_written_file(incidents, claims, tmp_path):
    path = write_map(render_map(incidents, claims), tmp_path / "map.html")
    text = path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # branca renders templates twice: {{7*7}} must not have become 49.
    assert "&#123;&#123;7*7&#125;&#125;" in text
    # Popup HTML sits in JS template literals: nothing in them may end or interpolate.
    literals = re.findall(r"\$\(`(.*?)`\)\[0\]", text, flags=re.S)
    assert len(literals) == 3
    for literal in literals:
        assert "${" not in literal and "\\" not in literal


NODE_STUB = """
const handler = {get: (t, p) => (p === Symbol.toPrimitive ? () => "x" : proxy), apply: () => proxy};
const proxy = new Proxy(function () {}, handler);
globalThis.L = proxy; globalThis.window = proxy; globalThis.document = proxy;
const popups = [];
globalThis.$ = (html) => { popups.push(html); return [html]; };
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_script_runs_and_popup_strings_arrive_intact(incidents, claims, tmp_path):
    # Leaflet stubbed out: the page script must parse, reference only defined
    # names, and hand jQuery exactly the HTML that was built in Python.
    m = render_map(incidents, claims)
    text = write_map(m, tmp_path / "map.html").read_text(encoding="utf-8")
    script = re.findall(r"<script>(.*?)</script>", text, flags=re.S)[-1]
    js = tmp_path / "map.js"
    js.write_text(NODE_STUB + script + "\nconsole.log(JSON.stringify(popups));", encoding="utf-8")
    done = subprocess.run(["node", str(js)], check=True, capture_output=True, text=True, timeout=60)
    popups = json.loads(done.stdout)
    built = [popup_html(mk) for mk in markers(m)]
    assert len(popups) == len(built) == 3
    for html, expected in zip(popups, built, strict=True):
        assert html.endswith(f">{expected}</div>")


def test_tiles_false_has_no_tile_layer(incidents, claims, tmp_path):
    plain = render_map(incidents, claims, tiles=False)
    assert not [c for c in plain._children.values() if isinstance(c, folium.TileLayer)]
    assert "L.tileLayer" not in write_map(plain, tmp_path / "plain.html").read_text()


def test_tiles_use_the_named_provider_with_attribution(incidents, claims):
    m = render_map(incidents, claims)
    (layer,) = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert "openstreetmap" in layer.tiles
    assert "OpenStreetMap" in layer.options["attribution"]
    carto = render_map(incidents, claims, basemap=xyzservices.providers.CartoDB.Positron)
    (layer,) = [c for c in carto._children.values() if isinstance(c, folium.TileLayer)]
    assert "basemaps.cartocdn.com" in layer.tiles
    assert "CARTO" in layer.options["attribution"]


def test_area_panel_lists_party_claims_apart_and_never_sums(incidents, claims, tmp_path):
    text = write_map(render_map(incidents, claims), tmp_path / "map.html").read_text()
    panel = re.search(r'<div class="im-box im-panel">.*?</div>', text, flags=re.S).group(0)
    official, party = panel.split("Claimed by parties to the fight")
    assert "Militants killed:</b> 197 (police — Dawn); 177 (military — Dawn)" in official
    assert "Security personnel killed:</b> 22 (officials — Dawn)" in official
    assert "280" not in official
    assert "Security personnel killed:</b> 280 (BLA — Dawn)" in party
    assert "374" not in panel and "302" not in panel  # no sums


def test_no_panel_without_area_claims(incidents, claims, tmp_path):
    only_incident = claims[claims["scope"] == "incident"]
    text = write_map(render_map(incidents, only_incident), tmp_path / "m.html").read_text()
    assert 'class="im-box im-panel"' not in text


def test_legend_lists_type_colours_and_unmapped_incidents(incidents, claims, tmp_path):
    text = write_map(
        render_map(incidents, claims, title="Wave <1>"), tmp_path / "m.html"
    ).read_text()
    legend = re.search(r'<div class="im-box im-legend">.*?</p></div>', text, flags=re.S).group(0)
    assert "<h4>Wave &lt;1&gt;</h4>" in legend
    for kind in ("suicide_bombing", "armed_assault"):
        assert TYPE_COLOURS[kind] in legend and TYPE_LABELS[kind] in legend
    assert "1 incident(s) without coordinates are not mapped" in legend


def test_render_twice_gives_identical_bytes(incidents, claims, articles, tmp_path):
    first = write_map(render_map(incidents, claims, articles=articles), tmp_path / "a.html")
    m = render_map(incidents, claims, articles=articles)
    second = write_map(m, tmp_path / "b.html")
    third = write_map(m, tmp_path / "c.html")  # the same map written again
    m.get_root().render()  # as a notebook display would
    fourth = write_map(m, tmp_path / "d.html")
    assert first.read_bytes() == second.read_bytes() == third.read_bytes() == fourth.read_bytes()
    assert not re.search(r"[0-9a-f]{32}", first.read_text())  # no random ids left


def test_empty_incidents_render_centred_on_balochistan(incidents, claims, tmp_path):
    empty = incidents.iloc[0:0]
    m = render_map(empty, claims.iloc[0:0])
    assert m.location == [28.5, 66.0]
    assert not groups(m)
    text = write_map(m, tmp_path / "empty.html").read_text()
    assert "fitBounds" not in text


def test_map_fits_the_incidents(incidents, claims, tmp_path):
    text = write_map(render_map(incidents, claims), tmp_path / "m.html").read_text()
    assert re.search(r"fitBounds\(\s*\[\[25\.263, 63\.471\], \[30\.18, 66\.99\]\]", text)


@pytest.fixture
def districts():
    return gpd.GeoDataFrame(
        {
            "admin2": ["Gwadar", "Quetta", "Lahore"],
            "admin1": ["Balochistan", "Balochistan", "Punjab"],
        },
        geometry=[
            box(61.6, 24.8, 64.6, 26.2),
            box(66.7, 29.9, 67.4, 30.5),
            box(74.0, 31.2, 74.6, 31.8),
        ],
        crs="EPSG:4326",
    )


def test_districts_layer_shows_only_the_incidents_provinces(incidents, claims, districts):
    m = render_map(incidents, claims, districts=districts)
    (layer,) = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    assert layer.layer_name == "Districts"
    names = [f["properties"]["admin2"] for f in layer.data["features"]]
    assert names == ["Gwadar", "Quetta"]
    tooltip = next(c for c in layer._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert tooltip.fields == ["admin2", "admin1"]


def test_districts_in_another_crs_are_refused(incidents, claims, districts):
    with pytest.raises(ValueError, match=r"EPSG:3857.*to_crs\(\"EPSG:4326\"\)"):
        render_map(incidents, claims, districts=districts.to_crs("EPSG:3857"))


@pytest.mark.parametrize(
    ("frame", "column"),
    [("incidents", "primary_type"), ("claims", "claimant")],
)
def test_missing_columns_are_named(incidents, claims, frame, column):
    frames = {"incidents": incidents, "claims": claims}
    frames[frame] = frames[frame].drop(columns=column)
    with pytest.raises(ValueError, match=rf"{frame} is missing column\(s\) \['{column}'\]"):
        render_map(frames["incidents"], frames["claims"])


def test_unknown_attack_type_is_refused(incidents, claims):
    bad = incidents.copy()
    bad.loc[0, "primary_type"] = "drone_strike"
    with pytest.raises(ValueError, match=r"ATTACK_TYPES: I1: 'drone_strike'; expected one of"):
        render_map(bad, claims)


def test_every_attack_type_has_a_colour_and_label():
    assert set(TYPE_COLOURS) == set(TYPE_LABELS) == set(ATTACK_TYPES)
    assert len(set(TYPE_COLOURS.values())) == len(ATTACK_TYPES)


def test_districts_fall_back_to_all_with_a_warning(incidents, claims, districts, caplog):
    others = districts.assign(admin1="Punjab")
    m = render_map(incidents, claims, districts=others)
    (layer,) = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    assert len(layer.data["features"]) == 3
    assert "showing all districts" in caplog.text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<b>", "&lt;b&gt;"),
        ("a & \"b\" 'c'", "a &amp; &quot;b&quot; &#x27;c&#x27;"),
        ("`${x}`", "&#96;&#36;&#123;x&#125;&#96;"),
        ("\\`", "&#92;&#96;"),
        (
            "{{ 7*7 }} {% if %} {# c #}",
            "&#123;&#123; 7*7 &#125;&#125; &#123;% if %&#125; &#123;# c #&#125;",
        ),
        (None, ""),
        (pd.NA, ""),
        (float("nan"), ""),
        (7, "7"),
    ],
)
def test_esc(raw, escaped):
    assert _popup.esc(raw) == escaped


@pytest.mark.parametrize(
    ("low", "high", "qualifier", "text"),
    [
        (7, 7, "", "7"),
        (7, 7, "at least", "at least 7"),
        (10, 12, "", "10–12"),
        (pd.NA, pd.NA, "", "?"),
    ],
)
def test_format_value(low, high, qualifier, text):
    assert _popup.format_value(low, high, qualifier) == text


def test_panel_labels_unspecified_roles_and_ranges():
    rows = [
        claim("A1", "", "killed", "unspecified", 30, "", "unattributed", "", area="Balochistan"),
        claim("A2", "", "abducted", "civilian", 5, "police", "official", "", area="Balochistan"),
    ]
    rows[0]["value_high"] = 35
    html = _popup.area_panel_html(rows)
    assert "Killed, role not stated:</b> 30–35 (unattributed — Dawn)" in html
    assert "Civilians abducted:</b> 5 (police — Dawn)" in html
    assert html.index("Killed, role") < html.index("Civilians abducted")
    assert "parties to the fight" not in html
