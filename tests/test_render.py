import itertools
import json
import re
import shutil
import subprocess
import sys

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import xyzservices
from shapely.geometry import box

from geo import _mapdata, _popup
from geo.records import ATTACK_TYPES
from geo.render import (
    CHOROPLETH_NAME,
    MIN_RADIUS,
    OUTLINE_NAME,
    TYPE_COLOURS,
    TYPE_LABELS,
    marker_radius,
    render_map,
    write_fragment,
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


SCRIPT_XSS = "</script><script>alert(1)</script> \"q\" 'q' `b`"


def groups(m):
    return [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]


def page(m, tmp_path, name="map.html", **options):
    return write_map(m, tmp_path / name, **options).read_text(encoding="utf-8")


def data_blocks(text):
    return re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', text, re.S)


def data_of(text):
    ((_id, raw),) = data_blocks(text)
    return json.loads(raw)


def claim_dicts(incident_data, data):
    return [
        dict(zip(data["claim_fields"], c, strict=True)) for c in incident_data.get("claims", [])
    ]


def test_one_empty_named_feature_group_per_type_present(incidents, claims):
    m = render_map(incidents, claims)
    # I4 (abduction) has no coordinates, so no abduction layer.
    assert [g.layer_name for g in groups(m)] == ["Suicide bombing", "Armed assault"]
    assert all(g.show and g.overlay for g in groups(m))
    # The markers are drawn by the page script from the data block, not by folium.
    assert all(not g._children for g in groups(m))


def test_data_block_holds_each_mapped_incident_with_its_claims(incidents, claims, tmp_path):
    data = data_of(page(render_map(incidents, claims), tmp_path))
    by_id = {item["id"]: item for item in data["incidents"]}
    assert sorted(by_id) == ["I1", "I2", "I3"]
    assert {t: v["colour"] for t, v in data["types"].items()} == {
        "suicide_bombing": TYPE_COLOURS["suicide_bombing"],
        "armed_assault": TYPE_COLOURS["armed_assault"],
    }
    assert [by_id[i]["type"] for i in ("I1", "I2", "I3")] == [
        "suicide_bombing",
        "suicide_bombing",
        "armed_assault",
    ]
    assert by_id["I1"]["r"] == marker_radius(7) and by_id["I2"]["r"] == MIN_RADIUS
    assert (by_id["I1"]["lat"], by_id["I1"]["lon"]) == (25.263, 63.471)
    pasni = claim_dicts(by_id["I1"], data)
    assert [(c["figure"], c["claimant"], c["claimant_kind"]) for c in pasni] == [
        ("killed", "police", "official"),
        ("injured", "hospital staff", "independent"),
    ]
    assert pasni[0]["sentence"] == "Seven were killed." and pasni[0]["outlet"] == "Dawn"
    assert "claims" not in by_id["I2"]  # no figures: the popup says so
    assert by_id["I1"]["toll"] == "7 killed" and by_id["I2"]["toll"] == "toll not reported"


def test_big_markers_are_drawn_first(incidents, claims, tmp_path):
    data = data_of(page(render_map(incidents, claims), tmp_path))
    radii = [item["r"] for item in data["incidents"]]
    assert radii == sorted(radii, reverse=True)


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


def test_sources_link_only_http_urls(incidents, claims, articles, tmp_path):
    data = data_of(page(render_map(incidents, claims, articles=articles), tmp_path))
    assert data["articles"] == {
        "a1": {
            "label": "Dawn, 2026-02-01: Attacks <b>bold</b>",
            "href": "https://dawn.com/x?a=1&b=2",
        },
        "a2": {"label": "Wire: a2", "where": "javascript:alert(3)"},
    }
    without = data_of(page(render_map(incidents, claims), tmp_path, "bare.html"))
    assert without["articles"] == {"a1": {"label": "a1"}, "a2": {"label": "a2"}}


def test_article_text_stays_data_in_the_written_file(incidents, claims, tmp_path):
    rows = claims.copy()
    rows.loc[rows["claim_id"] == "C1", "sentence"] = SCRIPT_XSS + " \u2028 & <!--"
    text = page(render_map(incidents, rows, title=SCRIPT_XSS), tmp_path)
    assert "<script>alert(1)</script>" not in text
    assert "<script>alert" not in text and "<!--" not in text.split("</head>")[1]
    data = data_of(text)
    sentences = {c["sentence"] for item in data["incidents"] for c in claim_dicts(item, data)}
    assert SCRIPT_XSS + " \u2028 & <!--" in sentences  # intact once parsed
    assert XSS in sentences
    ((_id, raw),) = data_blocks(text)
    for char in "<>&\u2028":
        assert char not in raw
    # The title, in the page's <title> and the legend, is escaped HTML.
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)" in text


NODE_HARNESS = r"""
const PAGE = JSON.parse(process.argv[2]);
class FakeNode {
  constructor(tag) {
    this.tagName = tag; this.kids = []; this.attributes = {}; this.className = "";
    this.style = {};
  }
  appendChild(child) { this.kids.push(child); child.parentNode = this; return child; }
  removeChild(child) { this.kids = this.kids.filter((k) => k !== child); }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; }
  get children() { return this.kids.filter((k) => k instanceof FakeNode); }
  set textContent(value) { this.kids = [{text: String(value)}]; }
  get textContent() {
    return this.kids.map((k) => (k.text !== undefined ? k.text : k.textContent)).join("");
  }
  set innerHTML(value) { throw new Error("innerHTML must not be used: " + value); }
}
const byId = {};
for (const [id, text] of Object.entries(PAGE.data)) { byId[id] = {textContent: text}; }
for (const [id, boxes] of Object.entries(PAGE.panels)) {
  const holder = new FakeNode("div");
  for (const [cls, position] of boxes) {
    const box = holder.appendChild(new FakeNode("div"));
    box.className = cls; box.setAttribute("data-im-position", position);
  }
  byId[id] = holder; new FakeNode("body").appendChild(holder);
}
globalThis.document = {
  createElement: (tag) => new FakeNode(tag),
  createTextNode: (text) => ({text: String(text)}),
  getElementById: (id) => byId[id] || null,
};
const anything = new Proxy(function () {}, {
  get: (target, prop) => (prop === Symbol.toPrimitive ? () => "x" : anything),
  apply: () => anything,
});
const made = {markers: [], controls: [], geojson: [], groups: []};
class Group {
  constructor() { this.layers = []; made.groups.push(this); }
  addLayer(layer) { this.layers.push(layer); return this; }
  bindPopup(content, options) { this.popup = content; this.popupOptions = options; return this; }
  bindTooltip(content) { this.tooltip = content; return this; }
  addTo() { return this; }
}
class BaseMarker {
  constructor(latlng, options) {
    this.latlng = latlng; this.options = options; made.markers.push(this);
  }
  onAdd() { this.path = new FakeNode("path"); }
  getElement() { return this.path; }
}
const mapStub = new Proxy({
  getPane: () => undefined,
  createPane: (name) => ({name, style: {}}),
}, {get: (target, prop) => (prop in target ? target[prop] : anything)});
const control = (options) => {
  const c = {options, addTo() { c.element = c.onAdd(mapStub); made.controls.push(c); return c; }};
  return c;
};
control.layers = () => anything;
control.scale = () => anything;
globalThis.L = new Proxy({
  map: () => mapStub,
  featureGroup: () => new Group(),
  control,
  CircleMarker: Object.assign(BaseMarker, {
    extend(proto) {
      class Extended extends BaseMarker {}
      Object.assign(Extended.prototype, proto);
      return Extended;
    },
  }),
  geoJSON: (data, options) => {
    made.geojson.push({data, options});
    return {addTo: (group) => group};
  },
  DomEvent: {disableClickPropagation() {}, disableScrollPropagation() {}},
}, {get: (target, prop) => (prop in target ? target[prop] : anything)});
globalThis.window = globalThis;

for (const script of PAGE.scripts) { (0, eval)(script); }

function tree(node) {
  if (!(node instanceof FakeNode)) { return node.text; }
  return {
    tag: node.tagName, cls: node.className, attrs: node.attributes, kids: node.kids.map(tree),
  };
}
const out = {
  markers: made.markers.map((m) => {
    const group = made.groups.find((g) => g.layers.includes(m));
    m.onAdd(mapStub);
    return {
      id: m.options.incidentId, className: m.options.className, radius: m.options.radius,
      colour: m.options.fillColor, path: m.path.attributes, popup: tree(group.popup(m)),
      tooltip: tree(group.tooltip(m)),
    };
  }),
  controls: made.controls.map((c) => [c.options.position, c.element.className]),
  geojson: made.geojson.map((g) => g.data.features.map((f) => {
    const layer = {bindTooltip(content) { this.tip = content; }};
    if (g.options.onEachFeature) { g.options.onEachFeature(f, layer); }
    return {style: g.options.style(f), tip: layer.tip ? tree(layer.tip()) : null,
            pane: g.options.pane, interactive: g.options.interactive !== false};
  })),
};
console.log(JSON.stringify(out));
"""


def run_page_scripts(text, tmp_path):
    """Run the page's inline scripts in node, with Leaflet and the DOM faked."""
    scripts = [
        s
        for s in re.findall(r"<script>(.*?)</script>", text, flags=re.S)
        if "L_NO_TOUCH" not in s and "L.version" not in s[:2000]
    ]
    panels = {
        holder: re.findall(r'<div class="(im-box [^"]+)" data-im-position="(\w+)">', inner)
        for holder, inner in re.findall(
            r'<div hidden class="im-panels" id="([^"]+)">(.*?)</div>\n<script', text, flags=re.S
        )
    }
    page_data = {"data": dict(data_blocks(text)), "panels": panels, "scripts": scripts}
    harness = tmp_path / "harness.js"
    harness.write_text(NODE_HARNESS, encoding="utf-8")
    done = subprocess.run(
        ["node", str(harness), json.dumps(page_data)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(done.stdout)


def texts(node):
    if isinstance(node, str):
        return [node]
    return [t for kid in node["kids"] for t in texts(kid)]


def find(node, tag):
    if isinstance(node, str):
        return []
    found = [node] if node["tag"] == tag else []
    return found + [n for kid in node["kids"] for n in find(kid, tag)]


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@needs_node
def test_page_script_draws_markers_popups_and_tooltips(
    incidents, claims, articles, districts, tmp_path
):
    m = render_map(incidents, claims, articles=articles, districts=districts)
    out = run_page_scripts(page(m, tmp_path), tmp_path)
    markers = {mk["id"]: mk for mk in out["markers"]}
    assert sorted(markers) == ["I1", "I2", "I3"]
    assert markers["I1"]["className"] == "im-marker im-type-suicide_bombing"
    assert markers["I3"]["colour"] == TYPE_COLOURS["armed_assault"]
    assert markers["I1"]["radius"] == marker_radius(7)
    assert markers["I1"]["path"] == {"data-incident-id": "I1"}
    assert texts(markers["I1"]["tooltip"]) == ["Pasni — 7 killed"]
    assert texts(markers["I2"]["tooltip"]) == ["Nushki — toll not reported"]

    popup = markers["I1"]["popup"]
    words = " ".join(texts(popup))
    for text in ["Pasni", "Gwadar, Balochistan", "2026-01-31 (precision: day)", "FC camp"]:
        assert text in words
    cells = [texts(td)[0] for td in find(popup, "td") if td["kids"] and texts(td)]
    assert "police (official)" in cells and "hospital staff (independent)" in cells
    quotes = [texts(q)[0] for q in find(popup, "blockquote")]
    assert quotes == ["Seven were killed.", "Four hurt."]
    links = find(popup, "a")
    assert [a["attrs"]["href"] for a in links] == ["https://dawn.com/x?a=1&b=2"]
    assert texts(links[0]) == ["Dawn, 2026-02-01: Attacks <b>bold</b>"]  # as text, not markup
    assert "Wire: a2 — javascript:alert(3)" in words

    # Article text arrives as text nodes, exactly as written.
    xss_words = texts(markers["I3"]["popup"])
    assert XSS in xss_words and f"resident {XSS} (unattributed)" in xss_words

    positions = dict((cls.split()[1], pos) for pos, cls in out["controls"])
    assert positions == {
        "im-legend": "bottomleft",
        "im-choropleth-legend": "bottomright",
        "im-panel": "topleft",
        "im-timeline": "bottomright",
    }
    choropleth, outline = out["geojson"]
    assert [texts(f["tip"]) for f in choropleth] == [
        ["Gwadar — 7 killed (3 incidents)"],
        ["Kalat — no incident mapped"],
        ["Quetta — 3 killed (1 incident)"],
    ]
    assert [f["style"]["fillOpacity"] > 0 for f in choropleth] == [True, False, True]
    assert {f["pane"] for f in choropleth} == {"imDistricts"}
    assert outline[0]["interactive"] is False and outline[0]["style"]["fill"] is False


@needs_node
def test_page_script_runs_on_an_empty_map(incidents, claims, tmp_path):
    text = page(render_map(incidents.iloc[0:0], claims.iloc[0:0]), tmp_path)
    out = run_page_scripts(text, tmp_path)
    assert out["markers"] == [] and out["geojson"] == []


def test_tiles_false_has_no_tile_layer(incidents, claims, tmp_path):
    plain = render_map(incidents, claims, tiles=False)
    assert not [c for c in plain._children.values() if isinstance(c, folium.TileLayer)]
    assert "L.tileLayer" not in page(plain, tmp_path)


def test_tiles_use_the_named_provider_with_attribution(incidents, claims):
    m = render_map(incidents, claims)
    (layer,) = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert "openstreetmap" in layer.tiles
    assert "OpenStreetMap" in layer.options["attribution"]
    carto = render_map(incidents, claims, basemap=xyzservices.providers.CartoDB.Positron)
    (layer,) = [c for c in carto._children.values() if isinstance(c, folium.TileLayer)]
    assert "basemaps.cartocdn.com" in layer.tiles
    assert "CARTO" in layer.options["attribution"]


def panel(text, kind):
    return re.search(
        rf'<div class="im-box {kind}" data-im-position="\w+">.*?</p></div>', text, re.S
    )


def test_area_panel_lists_party_claims_apart_and_never_sums(incidents, claims, tmp_path):
    text = page(render_map(incidents, claims), tmp_path)
    area = panel(text, "im-panel").group(0)
    official, party = area.split("Claimed by parties to the fight")
    assert "Militants killed:</b> 197 (police — Dawn); 177 (military — Dawn)" in official
    assert "Security personnel killed:</b> 22 (officials — Dawn)" in official
    assert "280" not in official
    assert "Security personnel killed:</b> 280 (BLA — Dawn)" in party
    assert "374" not in area and "302" not in area  # no sums


def test_no_panel_without_area_claims(incidents, claims, tmp_path):
    only_incident = claims[claims["scope"] == "incident"]
    assert 'class="im-box im-panel"' not in page(render_map(incidents, only_incident), tmp_path)


def test_legend_lists_type_colours_and_unmapped_incidents(incidents, claims, tmp_path):
    text = page(render_map(incidents, claims, title="Wave <1>"), tmp_path)
    legend = panel(text, "im-legend").group(0)
    assert "<h4>Wave &lt;1&gt;</h4>" in legend
    for kind in ("suicide_bombing", "armed_assault"):
        assert TYPE_COLOURS[kind] in legend and TYPE_LABELS[kind] in legend
    assert "1 incident(s) without coordinates are not mapped" in legend


def test_timeline_has_one_bar_per_distinct_date_and_counts_undated(incidents, claims, tmp_path):
    frame = incidents.copy()
    frame["event_date"] = ["2026-01-31", "2026-02-02", "2026-01-31", ""]
    text = page(render_map(frame, claims), tmp_path)
    timeline = panel(text, "im-timeline").group(0)
    bars = re.findall(r'<rect class="im-bar"[^>]*><title>([^<]*)</title>', timeline)
    assert bars == ["2026-01-31: 2 incidents", "2026-02-02: 1 incident"]
    assert "2026-01-31 to 2026-02-02: 3 incident(s) on 2 day(s)" in timeline
    assert "1 undated" in timeline
    assert "<svg" in timeline


@pytest.mark.parametrize(
    ("dates", "n_bars"),
    [(["2026-01-31"] * 4, 1), (["2026-01-01", "2026-01-02", "2026-03-01", "x"], 3)],
)
def test_timeline_bars_are_distinct_dates(dates, n_bars):
    days, undated = _mapdata.timeline_counts(pd.DataFrame({"event_date": dates}))
    html = _popup.timeline_html(days, undated)
    assert html.count('class="im-bar"') == n_bars
    assert ("1 undated" in html) == ("x" in dates)


def test_render_twice_gives_identical_bytes(incidents, claims, articles, districts, tmp_path):
    def build():
        return render_map(incidents, claims, articles=articles, districts=districts)

    first = write_map(build(), tmp_path / "a.html")
    m = build()
    second = write_map(m, tmp_path / "b.html")
    third = write_map(m, tmp_path / "c.html")  # the same map written again
    m.get_root().render()  # as a notebook display would
    fourth = write_map(m, tmp_path / "d.html")
    assert first.read_bytes() == second.read_bytes() == third.read_bytes() == fourth.read_bytes()
    assert not re.search(r"[0-9a-f]{32}", first.read_text())  # no random ids left
    one = write_fragment(build(), tmp_path / "f1.html").read_bytes()
    assert one == write_fragment(m, tmp_path / "f2.html").read_bytes()


def test_empty_incidents_render_centred_on_balochistan(incidents, claims, tmp_path):
    empty = incidents.iloc[0:0]
    m = render_map(empty, claims.iloc[0:0])
    assert m.location == [28.5, 66.0]
    assert not groups(m)
    text = page(m, tmp_path, "empty.html")
    assert "fitBounds" not in text
    assert data_of(text)["incidents"] == []
    assert 'class="im-box im-timeline"' not in text


def test_map_fits_the_incidents(incidents, claims, tmp_path):
    text = page(render_map(incidents, claims), tmp_path)
    assert re.search(r"fitBounds\(\s*\[\[25\.263, 63\.471\], \[30\.18, 66\.99\]\]", text)


# -- districts ------------------------------------------------------------------


@pytest.fixture
def districts():
    return gpd.GeoDataFrame(
        {
            "admin2": ["Gwadar", "Quetta", "Kalat", "Lahore"],
            "admin1": ["Balochistan", "Balochistan", "Balochistan", "Punjab"],
        },
        geometry=[
            box(61.6, 24.8, 64.6, 26.2),
            box(66.7, 29.9, 67.4, 30.5),
            box(66.0, 28.5, 67.0, 29.5),
            box(74.0, 31.2, 74.6, 31.8),
        ],
        crs="EPSG:4326",
    )


def test_choropleth_sums_the_toll_per_district_of_the_incidents_provinces(
    incidents, claims, districts, tmp_path
):
    m = render_map(incidents, claims, districts=districts)
    names = [g.layer_name for g in groups(m)]
    assert names == ["Suicide bombing", "Armed assault", CHOROPLETH_NAME, OUTLINE_NAME]
    features = data_of(page(m, tmp_path))["districts"]["features"]
    shown = {f["properties"]["name"]: f["properties"] for f in features}
    assert sorted(shown) == ["Gwadar", "Kalat", "Quetta"]  # not Lahore (Punjab)
    # Pasni (7), Nushki (toll not reported) and I4 (named district, no point) in
    # Gwadar; the XSS place (3) in Quetta.
    assert (shown["Gwadar"]["killed"], shown["Gwadar"]["incidents"]) == (7, 3)
    assert shown["Quetta"]["killed"] == 3
    assert shown["Kalat"]["killed"] is None and shown["Kalat"]["fill"] is None  # unshaded
    assert shown["Gwadar"]["fill"] != shown["Quetta"]["fill"]
    assert shown["Kalat"]["tip"] == "Kalat — no incident mapped"


def test_choropleth_legend_shows_the_class_breaks(incidents, claims, districts, tmp_path):
    text = page(render_map(incidents, claims, districts=districts), tmp_path)
    legend = panel(text, "im-choropleth-legend").group(0)
    assert "<h4>Fatalities (best estimate) by district</h4>" in legend
    rows = re.findall(r'style="background:(#\w+)"></span>([^<]+)</div>', legend)
    assert [label for _colour, label in rows] == ["3", "4–7"]
    assert "No incident mapped" in legend


def test_province_outline_is_a_dissolved_line_layer(incidents, claims, districts, tmp_path):
    outline = data_of(page(render_map(incidents, claims, districts=districts), tmp_path))["outline"]
    (feature,) = outline["features"]
    assert feature["properties"] == {"name": "Balochistan"}
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        ([], []),
        ([4], [(4, 4)]),
        ([0, 3, 3, 9], [(0, 0), (1, 3), (4, 9)]),
        ([1, 2, 3, 4, 5], [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]),
    ],
)
def test_few_distinct_values_each_close_a_class(values, labels):
    assert [(lo, hi) for lo, hi, _c in _mapdata.class_breaks(values)] == labels


@pytest.mark.slow
def test_many_values_get_at_most_five_natural_classes():
    values = [0, 1, 1, 2, 3, 10, 12, 13, 40, 45, 50, 200, 210]
    classes = _mapdata.class_breaks(values)
    assert 2 <= len(classes) <= _mapdata.MAX_CLASSES
    assert classes[0][0] == 0 and classes[-1][1] == 210
    for (_lo, hi, _c), (next_lo, _hi, _c2) in itertools.pairwise(classes):
        assert next_lo == hi + 1
    assert len({c for _lo, _hi, c in classes}) == len(classes)
    assert classes == _mapdata.class_breaks(list(reversed(values)))  # deterministic


def test_districts_in_another_crs_are_refused(incidents, claims, districts):
    with pytest.raises(ValueError, match=r"EPSG:3857.*to_crs\(\"EPSG:4326\"\)"):
        render_map(incidents, claims, districts=districts.to_crs("EPSG:3857"))


def test_districts_fall_back_to_all_with_a_warning(incidents, claims, districts, caplog, tmp_path):
    others = districts.assign(admin1="Punjab")
    text = page(render_map(incidents, claims, districts=others), tmp_path)
    assert len(data_of(text)["districts"]["features"]) == 4
    assert "showing all districts" in caplog.text


# -- assets, self-contained pages and fragments -----------------------------------


def external_loads(text):
    """Every <script src> and <link href> of the page (article links are data)."""
    tags = re.findall(r"<(?:script|link)\b[^>]*>", text)
    return [t for t in tags if re.search(r"\b(src|href)\s*=", t)]


def test_page_links_only_leaflet(incidents, claims, tmp_path):
    loads = external_loads(page(render_map(incidents, claims), tmp_path))
    assert loads == [
        '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">',
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>',
    ]


@pytest.mark.parametrize("where", ["render", "write"])
def test_self_contained_page_loads_nothing(incidents, claims, articles, tmp_path, where):
    if where == "render":
        m = render_map(incidents, claims, articles=articles, self_contained=True)
        text = page(m, tmp_path)
    else:
        text = page(render_map(incidents, claims, articles=articles), tmp_path, self_contained=True)
    assert external_loads(text) == []
    assert not re.search(r"url\(\s*['\"]?(https?:|images/)", text)
    assert 'url("data:image/png;base64,' in text  # Leaflet's control images
    assert 't.version="1.9.3"' in text  # Leaflet's own code
    assert "sourceMappingURL" not in text
    assert "jquery" not in text.lower() and "bootstrap" not in text.lower()
    assert data_of(text)["articles"]["a1"]["href"] == "https://dawn.com/x?a=1&b=2"


def test_self_contained_needs_xstatic_leaflet(incidents, claims, monkeypatch):
    monkeypatch.setitem(sys.modules, "xstatic.pkg.leaflet", None)
    with pytest.raises(ImportError, match=r"pip install xstatic-leaflet"):
        render_map(incidents, claims, self_contained=True)
    render_map(incidents, claims)  # the linked page does not need it


def test_fragment_is_a_snippet_with_prefixed_ids(incidents, claims, districts, tmp_path):
    m = render_map(incidents, claims, districts=districts)
    text = write_fragment(m, tmp_path / "f.html", id_prefix="wave", height=400).read_text()
    for tag in ("<html", "<head", "<body", "<!DOCTYPE"):
        assert tag.lower() not in text.lower()
    assert "html, body" not in text  # leaves the host page's styles alone
    assert 'style="position: relative; width: 100%; height: 400px;"' in text
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert ids and all(i.startswith("map_wave_0") for i in ids)
    assert "var feature_group_wave_0 " in text and "feature_group_0" not in text
    assert data_of(text)["incidents"]


def test_two_fragments_share_a_page_without_clashes(incidents, claims, tmp_path):
    one = write_fragment(render_map(incidents, claims), tmp_path / "1.html").read_text()
    two = write_fragment(render_map(incidents.iloc[:2], claims), tmp_path / "2.html").read_text()
    names = [
        set(re.findall(r"(?:var|let) (\w+_\d+)\b", t)) | set(re.findall(r'id="([^"]+)"', t))
        for t in (one, two)
    ]
    assert names[0] and names[1] and not names[0] & names[1]


@needs_node
def test_fragment_scripts_run(incidents, claims, tmp_path):
    m = render_map(incidents, claims)
    text = write_fragment(m, tmp_path / "f.html", self_contained=True).read_text()
    assert external_loads(text) == []
    out = run_page_scripts(text, tmp_path)
    assert len(out["markers"]) == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"height": "tall"}, "height must be a CSS length"),
        ({"height": "1px; color: red"}, "height must be a CSS length"),
        ({"id_prefix": "1abc"}, "id_prefix must be letters"),
        ({"id_prefix": "a-b"}, "id_prefix must be letters"),
    ],
)
def test_fragment_options_are_checked(incidents, claims, tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        write_fragment(render_map(incidents, claims), tmp_path / "f.html", **options)


@pytest.mark.parametrize("writer", [write_map, write_fragment])
def test_writers_want_a_map(writer, tmp_path):
    with pytest.raises(TypeError, match="expected a folium.Map"):
        writer("not a map", tmp_path / "x.html")


# -- scale ------------------------------------------------------------------------


def synthetic(n, seed=6):
    """``n`` incidents over Balochistan with 3 claims each, seeded."""
    rng = np.random.default_rng(seed)
    words = ["police", "said", "militants", "attacked", "the", "checkpoint", "late", "on"]
    words += ["Tuesday", "killing", "soldiers", "and", "civilians", "near", "the", "highway"]
    dates = pd.date_range("2024-01-01", "2025-12-31").strftime("%Y-%m-%d").to_numpy()
    rows = []
    for i in range(n):
        kind = ATTACK_TYPES[int(rng.integers(len(ATTACK_TYPES)))]
        best = int(rng.integers(0, 60))
        rows.append(
            incident(
                f"I{i:05d}",
                f"Place {i}",
                round(float(rng.uniform(25.0, 31.5)), 6),
                round(float(rng.uniform(61.5, 70.0)), 6),
                kind,
                best,
                event_date=str(dates[rng.integers(len(dates))]) if i % 20 else "",
                admin2=f"District {i % 30}",
                admin3=f"Tehsil {i % 90}",
                target="checkpoint",
                fatalities_low=best,
                fatalities_high=best + int(rng.integers(0, 5)),
                sources=f"a{i % 400};a{(7 * i) % 400}",
            )
        )
    claim_rows = []
    for i in range(n):
        for k in range(3):
            value = int(rng.integers(0, 60))
            sentence = " ".join(rng.choice(words, int(rng.integers(15, 35)))).capitalize() + "."
            claim_rows.append(
                claim(
                    f"C{i:05d}{k}",
                    f"I{i:05d}",
                    "killed",
                    "security",
                    value,
                    "police",
                    "official",
                    sentence,
                )
            )
    frame = pd.DataFrame(claim_rows, columns=CLAIM_COLUMNS)
    frame[["value_low", "value_high"]] = frame[["value_low", "value_high"]].astype("Int64")
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
    return make_incidents(rows), frame, articles


@pytest.mark.slow
def test_five_thousand_incidents_stay_under_ten_megabytes(tmp_path):
    incidents, claims, articles = synthetic(5000)
    m = render_map(incidents, claims, articles=articles, self_contained=True)
    path = write_map(m, tmp_path / "big.html")
    size = path.stat().st_size
    print(f"5,000 incidents, 15,000 claims: {size / 1e6:.2f} MB")
    assert size < 10_000_000
    assert len(data_of(path.read_text(encoding="utf-8"))["incidents"]) == 5000


def test_real_districts_keep_a_small_map_small(incidents, claims, boundary_data_dir, tmp_path):
    from geo.districts import find_boundary_file, load_districts

    real = load_districts(find_boundary_file(data_dir=boundary_data_dir, download=False))
    m = render_map(incidents, claims, districts=real, self_contained=True)
    size = write_map(m, tmp_path / "small.html").stat().st_size
    print(f"fixture incidents on the real districts, self-contained: {size / 1e3:.0f} kB")
    assert size < 1_000_000


# -- validation -------------------------------------------------------------------


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


def test_write_outputs_passes_the_map_options_on(incidents, claims, tmp_path):
    from geo.exports import FRAGMENT_NAME, OUTPUT_NAMES, write_outputs

    paths = write_outputs(
        tmp_path,
        incidents=incidents.assign(geo_source="gazetteer"),
        claims=claims,
        articles=None,
        districts=None,
        basemap=xyzservices.providers.CartoDB.Positron,
        self_contained=True,
        fragment=True,
    )
    assert set(paths) == {*OUTPUT_NAMES, FRAGMENT_NAME}
    text = paths["incidents.html"].read_text(encoding="utf-8")
    assert external_loads(text) == [] and "basemaps.cartocdn.com" in text
    fragment = paths[FRAGMENT_NAME].read_text(encoding="utf-8")
    assert "<html" not in fragment and external_loads(fragment) == []
