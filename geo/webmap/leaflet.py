"""Leaflet's files: linked from its CDN (``--cdn``) or inlined from ``xstatic-leaflet``.

A map is self-contained by default: Leaflet's script and stylesheet (with its
control images as ``data:`` URIs) are inlined from the ``xstatic-leaflet``
package, so the page draws its districts and markers with no network at
all, mailed as an attachment or opened on a plane.  Only the basemap tiles
need the network.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
from pathlib import Path

logger = logging.getLogger(__name__)

#: The Leaflet version the page script is written and tested against.
LEAFLET_VERSION = "1.9.3"
LEAFLET_JS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"
#: What to install for a self-contained map.
XSTATIC_PACKAGE = "xstatic-leaflet"


def leaflet_head(*, inline: bool) -> str:
    """Return the markup that loads Leaflet: CDN links, or the files inline."""
    if not inline:
        return (
            f'<link rel="stylesheet" href="{LEAFLET_CSS_URL}"/>\n'
            f'<script src="{LEAFLET_JS_URL}"></script>'
        )
    js, css = leaflet_inline()
    # A page with two self-contained maps (two fragments) runs Leaflet once.
    return (
        f"<style>{css}</style>\n<script>\n"
        f'if (typeof L === "undefined" || L.version !== "{LEAFLET_VERSION}") {{\n{js}\n}}\n'
        "</script>"
    )


def leaflet_inline() -> tuple[str, str]:
    """Return Leaflet's script and stylesheet (images as ``data:`` URIs) from xstatic.

    Raises
    ------
    ImportError
        If the ``xstatic-leaflet`` package is not installed.
    """
    try:
        import xstatic.pkg.leaflet as xstatic_leaflet
    except ImportError as error:
        raise ImportError(
            f"a self-contained map inlines Leaflet from the {XSTATIC_PACKAGE!r} package, "
            f"which is not installed; install it with: pip install {XSTATIC_PACKAGE} "
            "(or link Leaflet from its CDN with --cdn)"
        ) from error
    version = str(getattr(xstatic_leaflet, "VERSION", ""))
    if version != LEAFLET_VERSION:
        logger.warning(
            "%s provides Leaflet %s; the map is written for Leaflet %s",
            XSTATIC_PACKAGE,
            version,
            LEAFLET_VERSION,
        )
    return _read_leaflet(str(xstatic_leaflet.BASE_DIR))


@functools.lru_cache(maxsize=4)
def _read_leaflet(base_dir: str) -> tuple[str, str]:
    base = Path(base_dir)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    # The source map is not shipped inline; a dangling reference only makes
    # the browser's developer tools ask for it.
    js = re.sub(r"\s*//# sourceMappingURL=\S+\s*$", "\n", js)
    js = js.replace("</script", "<\\/script")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        image = base / "images" / match.group(2)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f'url("data:image/png;base64,{encoded}")'

    css = re.sub(r"""url\((['"]?)images/([\w.-]+\.png)\1\)""", inline, css)
    return js, css
