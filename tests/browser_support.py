"""Headless Chromium for the browser tests and the map benchmark, kept off the network.

Debian's Chromium is driven by Playwright (which never downloads a browser
here).  Every request a page makes is answered on this machine: Leaflet's CDN
files from the installed ``xstatic-leaflet`` package, basemap tiles with a
blank tile, and anything else refused and recorded, so a test sees exactly
what a page would fetch.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from geo.webmap.leaflet import LEAFLET_CSS_URL, LEAFLET_JS_URL

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Flags of a quiet headless run as root: no sandbox, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LEAFLET_BASE = LEAFLET_JS_URL.rsplit("/", 1)[0] + "/"
#: A 1x1 transparent PNG stands in for every basemap tile.
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
TILE_HOSTS = ("tile.openstreetmap.org", "basemaps.cartocdn.com", "tile.opentopomap.org")


def chromium_available() -> bool:
    """True when Playwright and a Chromium binary are installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists()


@dataclass
class Traffic:
    """What a page asked for, by how it was answered."""

    local_assets: list[str] = field(default_factory=list)
    tiles: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


#: jQuery as folium's own templates link it (plain folium popups need it).
JQUERY_URL = "https://code.jquery.com/jquery-3.7.1.min.js"


def _leaflet_file(url: str) -> Path | None:
    """The local copy of a Leaflet (or, for plain folium pages, jQuery) CDN file."""
    if url == JQUERY_URL:
        import xstatic.pkg.jquery as xstatic_jquery

        return Path(xstatic_jquery.BASE_DIR) / "jquery.min.js"
    import xstatic.pkg.leaflet as xstatic_leaflet

    if not url.startswith(LEAFLET_BASE):
        return None
    path = Path(xstatic_leaflet.BASE_DIR) / url[len(LEAFLET_BASE) :].split("?")[0]
    return path if path.is_file() else None


def route_offline(page, traffic: Traffic, *, serve_cdn: bool = True, serve_tiles: bool = True):
    """Answer every request of ``page`` on this machine (see the module docstring)."""

    def handle(route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "about:")):
            route.continue_()
            return
        local = _leaflet_file(url) if serve_cdn else None
        if local is not None:
            traffic.local_assets.append(url)
            kind = "text/css" if url.endswith(".css") else "application/javascript"
            if url.endswith(".png"):
                kind = "image/png"
            route.fulfill(status=200, body=local.read_bytes(), content_type=kind)
            return
        if serve_tiles and any(host in url for host in TILE_HOSTS):
            traffic.tiles.append(url)
            route.fulfill(status=200, body=BLANK_TILE, content_type="image/png")
            return
        traffic.refused.append(url)
        route.abort()

    page.route("**/*", handle)


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright ``Browser``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def in_ci() -> bool:
    """True under CI, where a missing browser is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


# Keep the names the tests and the benchmark use in one place.
__all__ = [
    "BLANK_TILE",
    "CHROMIUM",
    "LEAFLET_CSS_URL",
    "Traffic",
    "chromium",
    "chromium_available",
    "in_ci",
    "route_offline",
]
