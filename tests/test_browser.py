"""The map in a real browser: headless Chromium, every request answered locally.

Builds the project's own sample reports (``data/articles``), so nothing here
needs ``../shared``.  Screenshots at 1400x1000, 800x600 (the README's
iframe) and 390x844 (a phone) go to ``tests/artifacts/`` for people to look at.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geo.exports import MapOptions
from geo.pipeline import SAMPLE_ARTICLES, build
from tests.browser_support import Traffic, chromium, chromium_available, in_ci, route_offline

pytestmark = pytest.mark.slow  # a real Chromium per test

ARTIFACTS = Path(__file__).parent / "artifacts"
MAP_ID = "incidentmap"
SIZES = [(1400, 1000), (800, 600), (390, 844)]
#: Records every string the page hands to an HTML parser (innerHTML and kin).
TRAP_HTML_SINKS = """
window.__htmlSinks = [];
(function () {
  function trap(proto, name) {
    var d = Object.getOwnPropertyDescriptor(proto, name);
    Object.defineProperty(proto, name, {
      configurable: true,
      get: d.get,
      set: function (v) { window.__htmlSinks.push(String(v)); return d.set.call(this, v); }
    });
  }
  trap(Element.prototype, "innerHTML");
  trap(Element.prototype, "outerHTML");
  var adjacent = Element.prototype.insertAdjacentHTML;
  Element.prototype.insertAdjacentHTML = function (where, v) {
    window.__htmlSinks.push(String(v)); return adjacent.call(this, where, v);
  };
})();
"""


@pytest.fixture(scope="module")
def browser():
    if not chromium_available():
        if in_ci():
            pytest.fail("CI must run the browser tests: install chromium and playwright")
        pytest.skip("no Chromium/Playwright here")
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="module")
def sample_build(resources, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "out"
    build([SAMPLE_ARTICLES], out_dir=out, resources=resources)
    with (out / "incidents.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return out, rows


def _open(browser, path: Path, size=(1200, 900), *, trap=False, **route):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    if trap:
        page.add_init_script(TRAP_HTML_SINKS)
    traffic = Traffic()
    route_offline(page, traffic, **route)
    page.goto(path.as_uri())
    return page, errors, dialogs, traffic


def _ready(page, element_id=MAP_ID):
    page.wait_for_selector(f"#{element_id}[data-im-ready]", state="attached", timeout=15_000)


def _own_errors(errors):
    """Console errors other than the refused tile requests of an offline page."""
    return [e for e in errors if "net::ERR_FAILED" not in e]


def _shown_markers(page, element_id=MAP_ID):
    return page.evaluate(
        """id => { const m = incidentmap.maps[id];
        return Object.keys(m.markers).filter(k => m.map.hasLayer(m.markers[k])).sort(); }""",
        element_id,
    )


def _marker_point(page, incident_id, element_id=MAP_ID):
    """Centre the map on a marker, as a reader would pan to it; return its pixel."""
    return page.evaluate(
        """([id, inc]) => { const m = incidentmap.maps[id], mk = m.markers[inc];
        m.map.setView(mk.getLatLng(), m.map.getZoom(), {animate: false});
        const p = m.map.latLngToContainerPoint(mk.getLatLng());
        const r = m.map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""",
        [element_id, incident_id],
    )


def _click_marker(page, incident_id, element_id=MAP_ID):
    x, y = _marker_point(page, incident_id, element_id)
    page.mouse.click(x, y)
    popup = page.locator(f'.leaflet-popup-content .im-popup[data-incident-id="{incident_id}"]')
    popup.wait_for(timeout=15_000)
    return popup


def _rect(page, selector):
    return page.evaluate(
        """s => Array.from(document.querySelectorAll(s)).filter(
             e => getComputedStyle(e).visibility !== 'hidden' && e.offsetParent !== null
           ).map(e => { const r = e.getBoundingClientRect();
             return [e.className, r.left, r.top, r.right, r.bottom]; })""",
        selector,
    )


def _overlap(a, b):
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


def test_default_map_opens_with_no_network_at_all(browser, sample_build, resources):
    out, rows = sample_build
    html = (out / "incidents.html").read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html
    page, errors, dialogs, traffic = _open(browser, out / "incidents.html", serve_cdn=False,
                                           serve_tiles=False)  # fmt: skip
    try:
        _ready(page)
        assert _shown_markers(page) == sorted(r["incident_id"] for r in rows if r["latitude"])
        assert traffic.local_assets == []  # nothing but tiles was even asked for
        assert all("tile.openstreetmap.org" in url for url in traffic.refused)
        assert page.locator(".im-box.im-key").count() == 1
        assert page.locator(".im-box.im-timeline").count() == 1
        assert page.locator(".im-box.im-area").count() == 1
        page.locator(".im-offline").wait_for(timeout=15_000)  # says the tiles need a network
        if resources.districts is not None:
            drawn = page.evaluate(
                "() => incidentmap.maps.incidentmap.data.districts.features.length"
            )
            assert drawn > 20
        assert _own_errors(errors) == [] and dialogs == []
    finally:
        page.close()


def test_cdn_map_says_when_leaflet_cannot_load(browser, resources, tmp_path):
    out = tmp_path / "out"
    build([SAMPLE_ARTICLES], out_dir=out, resources=resources,
          map_options=MapOptions(self_contained=False))  # fmt: skip
    page, _errors, _dialogs, _traffic = _open(browser, out / "incidents.html", serve_cdn=False)
    try:
        message = page.locator(".im-status.im-error")
        message.wait_for(timeout=15_000)
        assert "Leaflet" in message.inner_text() and "--cdn" in message.inner_text()
    finally:
        page.close()


def test_clicking_a_marker_opens_its_popup_with_every_figure(browser, sample_build):
    out, rows = sample_build
    pasni = next(r for r in rows if r["place"] == "Pasni")
    page, errors, _, _ = _open(browser, out / "incidents.html")
    try:
        _ready(page)
        x, y = _marker_point(page, pasni["incident_id"])
        page.mouse.move(x, y)
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for(timeout=15_000)
        # The toll by side, not one sum that reads as a disagreement.
        assert tooltip.inner_text() == "Pasni \u2014 1 security personnel, 6 militants killed"
        popup = _click_marker(page, pasni["incident_id"])
        text = popup.inner_text()
        assert "Pasni" in text and "2026-01-31" in text
        assert popup.locator("tr.im-claim").count() == 2
        assert "Geo News" in text  # the outlet of the soldier's figure
        assert popup.locator("blockquote").count() >= 1
        assert "1 security personnel, 6 militants killed" in text
        assert _own_errors(errors) == []
    finally:
        page.close()


def test_unticking_a_layer_hides_its_markers(browser, sample_build):
    out, rows = sample_build
    page, errors, _, _ = _open(browser, out / "incidents.html")
    try:
        _ready(page)
        every = _shown_markers(page)
        suicide = sorted(r["incident_id"] for r in rows if r["primary_type"] == "suicide_bombing")
        assert suicide
        box = page.get_by_label("Suicide bombing")
        box.uncheck()
        assert _shown_markers(page) == sorted(set(every) - set(suicide))
        box.check()
        assert _shown_markers(page) == every
        assert _own_errors(errors) == []
    finally:
        page.close()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_panels_stay_out_of_the_way_and_popups_open_unobstructed(browser, sample_build, size):
    out, rows = sample_build
    page, errors, _, _ = _open(browser, out / "incidents.html", size)
    try:
        _ready(page)
        ARTIFACTS.mkdir(exist_ok=True)
        name = f"map_{size[0]}x{size[1]}"
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        area = size[0] * size[1]
        for box in _rect(page, ".im-box"):
            covered = (box[3] - box[1]) * (box[4] - box[2])
            if size == (800, 600):
                assert covered <= area / 4, box
            assert covered <= area / 3, box
        target = max(rows, key=lambda r: int(r["fatalities_best"] or 0))
        popup = _click_marker(page, target["incident_id"])
        page.wait_for_timeout(400)  # the popup's pan and the panels stepping aside
        (shape,) = _rect(page, ".leaflet-popup")
        assert shape[1] >= 0 and shape[2] >= 0 and shape[3] <= size[0]  # on screen
        for box in _rect(page, ".im-box"):
            assert not _overlap(shape, box), box
        assert popup.is_visible()
        page.screenshot(path=str(ARTIFACTS / f"{name}_popup.png"))
        assert _own_errors(errors) == []
    finally:
        page.close()


def test_popups_never_parse_article_text_as_html(browser, tmp_path):
    """Payloads in every field that reaches a popup are shown as text, never parsed."""
    from geo.webmap import render_map, write_map
    from tests.map_frames import claim, incident, make_claims, make_incidents

    def payload(field):
        return f"<img src=x onerror=\"alert('{field}')\"><b>{field}</b>"

    incidents = make_incidents(
        [incident("I1", payload("place"), 25.263, 63.471, "bombing", 4, target=payload("target"),
                  sources="a1")]
    )  # fmt: skip
    claims = make_claims(
        [claim("C1", "I1", "killed", "civilian", 4, payload("claimant"), "official",
               payload("sentence"), outlet=payload("outlet"))]
    )  # fmt: skip
    import pandas as pd

    articles = pd.DataFrame(
        [{"article_id": "a1", "path": f"/x/{payload('file')}.txt", "outlet": payload("outlet"),
          "url": f"https://example.org/?q={payload('url')}", "published": "2026-02-01",
          "title": ""}]
    )  # fmt: skip
    path = tmp_path / "xss.html"
    write_map(render_map(incidents, claims, articles=articles, title=payload("title")), path)
    page, errors, dialogs, _ = _open(browser, path, trap=True, serve_tiles=False)
    try:
        _ready(page)
        popup = _click_marker(page, "I1")
        text = popup.inner_text()
        for field in ("place", "target", "claimant", "sentence", "outlet"):
            assert payload(field) in text, field
        link = popup.locator("a")
        assert link.get_attribute("href").startswith("https://example.org/?q=")
        assert popup.locator("img").count() == 0 and page.locator("img[src=x]").count() == 0
        sinks = page.evaluate("window.__htmlSinks")
        assert not [s for s in sinks if "onerror" in s], sinks
        assert dialogs == [] and _own_errors(errors) == []
    finally:
        page.close()


def test_two_fragments_on_one_page_both_draw(browser, resources, tmp_path):
    import geopandas as gpd
    import pandas as pd

    from geo.webmap import render_map, write_fragment

    out = tmp_path / "out"
    options = MapOptions(fragment=True, tiles=False)
    build([SAMPLE_ARTICLES], out_dir=out, resources=resources, map_options=options)
    first = (out / "incidents_fragment.html").read_text(encoding="utf-8")
    assert "<html" not in first.lower()
    incidents = gpd.read_file(out / "incidents.geojson").head(2)
    claims = pd.read_csv(out / "claims.csv", keep_default_na=False)
    second = render_map(incidents, claims, tiles=False, title="Second")
    write_fragment(second, tmp_path / "second.html", id_prefix="second")
    report = tmp_path / "report.html"
    report.write_text(
        "<!doctype html><html><head><meta charset='utf-8'></head><body><h1>Report</h1>"
        f"{first}<p>between</p>{(tmp_path / 'second.html').read_text(encoding='utf-8')}"
        "</body></html>",
        encoding="utf-8",
    )
    page, errors, _, _ = _open(browser, report, serve_cdn=False, serve_tiles=False)
    try:
        page.wait_for_function("document.querySelectorAll('[data-im-ready]').length == 2")
        counts = page.evaluate(
            "() => Object.values(incidentmap.maps).map(m => Object.keys(m.markers).length)"
        )
        assert sorted(counts) == [2, 3]
        assert _own_errors(errors) == []
    finally:
        page.close()
