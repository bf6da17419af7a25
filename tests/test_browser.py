"""The map in a real browser: headless Chromium, every request answered locally.

A screenshot of the seed map is saved to ``tests/artifacts/seed_map_browser.png``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geo.pipeline import MapOptions, build
from tests.browser_support import Traffic, chromium, chromium_available, in_ci, route_offline

pytestmark = pytest.mark.slow  # a real Chromium per test

ARTIFACTS = Path(__file__).parent / "artifacts"
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def browser():
    if not chromium_available():
        if in_ci():
            pytest.fail("CI must run the browser tests: install chromium and playwright")
        pytest.skip("no Chromium/Playwright here")
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="module")
def seed_build(seeds_dir, resources, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "out"
    build([seeds_dir], out_dir=out, resources=resources)
    linked = out / "incidents.html"
    contained = out.parent / "contained"
    build(
        [seeds_dir],
        out_dir=contained,
        resources=resources,
        map_options=MapOptions(self_contained=True, tiles=False),
    )
    with (out / "incidents.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return linked, contained / "incidents.html", rows


def _open(browser, path: Path, **route):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    traffic = Traffic()
    route_offline(page, traffic, **route)
    page.goto(path.as_uri())
    page.wait_for_selector("path.im-marker", state="attached", timeout=15_000)
    return page, errors, dialogs, traffic


def test_seed_map_loads_without_errors_with_a_marker_per_incident(browser, seed_build):
    linked, _, rows = seed_build
    page, errors, dialogs, traffic = _open(browser, linked)
    try:
        assert errors == [] and dialogs == []
        assert traffic.refused == []  # only Leaflet and tiles are fetched
        ids = page.eval_on_selector_all(
            "path.im-marker", "els => els.map(e => e.getAttribute('data-incident-id'))"
        )
        assert sorted(ids) == sorted(r["incident_id"] for r in rows if r["latitude"])
        assert page.locator("path.im-district").count() > 0
        assert page.locator(".im-timeline rect.im-bar").count() >= 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "seed_map_browser.png"))
    finally:
        page.close()


def test_unticking_a_layer_hides_its_markers(browser, seed_build):
    linked, _, rows = seed_build
    page, errors, _, _ = _open(browser, linked)
    try:
        suicide = page.locator("path.im-marker.im-type-suicide_bombing")
        shown = suicide.count()
        assert shown == sum(r["primary_type"] == "suicide_bombing" for r in rows) > 0
        others = page.locator("path.im-marker").count() - shown
        page.get_by_label("Suicide bombing").uncheck()
        assert suicide.count() == 0
        assert page.locator("path.im-marker").count() == others
        page.get_by_label("Suicide bombing").check()
        assert suicide.count() == shown
        assert errors == []
    finally:
        page.close()


def test_clicking_a_marker_opens_its_popup_with_every_figure(browser, seed_build):
    linked, _, rows = seed_build
    pasni = next(r for r in rows if r["place"] == "Pasni")
    page, errors, _, _ = _open(browser, linked)
    try:
        # A dispatched click reaches Leaflet whatever covers the marker or however
        # far the opening zoom animation has got (a real click can miss then).
        page.locator(f'path.im-marker[data-incident-id="{pasni["incident_id"]}"]').dispatch_event(
            "click"
        )
        popup = page.locator(
            f'.leaflet-popup-content .im-popup[data-incident-id="{pasni["incident_id"]}"]'
        )
        popup.wait_for(timeout=15_000)
        text = popup.inner_text()
        assert "Pasni" in text and "2026-01-31" in text
        assert popup.locator("tr.im-claim").count() >= 3
        assert "Geo News" in text  # who claimed the soldier killed
        assert popup.locator("blockquote").count() >= 1
        assert errors == []
    finally:
        page.close()


def test_self_contained_map_renders_with_the_network_blocked(browser, seed_build):
    _, contained, rows = seed_build
    page, errors, _, traffic = _open(browser, contained, serve_cdn=False, serve_tiles=False)
    try:
        assert page.locator("path.im-marker").count() == sum(1 for r in rows if r["latitude"])
        assert traffic.refused == [] and traffic.local_assets == []
        assert errors == []
    finally:
        page.close()


def test_article_text_with_script_quotes_and_backticks_is_shown_as_text(
    browser, resources, tmp_path
):
    articles = tmp_path / "articles"
    articles.mkdir()
    sentence = (
        f"In Turbat, gunmen {XSS} stormed a post \"quoted\" and 'single' `tick` ${{x}} "
        "on Saturday, killing four soldiers, police said."
    )
    (articles / "x.txt").write_text(f"published: 2026-02-01\n---\n{sentence}\n", encoding="utf-8")
    out = tmp_path / "out"
    build([articles], out_dir=out, resources=resources, map_options=MapOptions(self_contained=True))
    html = (out / "incidents.html").read_text(encoding="utf-8")
    assert XSS not in html
    page, errors, dialogs, _ = _open(browser, out / "incidents.html", serve_cdn=False)
    try:
        page.locator("path.im-marker").first.dispatch_event("click")
        popup = page.locator(".leaflet-popup-content .im-popup")
        popup.wait_for(timeout=15_000)
        text = popup.inner_text()
        assert XSS in text and '"quoted"' in text and "`tick`" in text and "${x}" in text
        assert (
            page.evaluate("document.querySelectorAll('.leaflet-popup-content script').length") == 0
        )
        assert dialogs == [] and errors == []
    finally:
        page.close()


def test_two_fragments_on_one_page_both_draw(browser, resources, seeds_dir, tmp_path):
    import geopandas as gpd
    import pandas as pd

    from geo.render import render_map, write_fragment

    out = tmp_path / "out"
    options = MapOptions(self_contained=True, fragment=True, tiles=False)
    build([seeds_dir], out_dir=out, resources=resources, map_options=options)
    first = (out / "incidents_fragment.html").read_text(encoding="utf-8")
    assert "<html" not in first.lower()
    # A second, smaller map pasted into the same report page.
    incidents = gpd.read_file(out / "incidents.geojson").head(3)
    claims = pd.read_csv(out / "claims.csv", keep_default_na=False)
    second = render_map(incidents, claims, tiles=False, self_contained=True, title="Second")
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
        assert page.locator(".leaflet-container").count() == 2
        page.wait_for_function("document.querySelectorAll('path.im-marker').length >= 13")
        assert errors == []
    finally:
        page.close()
