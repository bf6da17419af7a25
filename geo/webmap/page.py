"""The compact data document -> an HTML page or a fragment, byte for byte reproducible.

The page is Leaflet (inlined by default, or linked with ``--cdn``), the
map's stylesheet and script (``map.css`` and ``map.js``, shipped as package
data beside this module), one ``<script type="application/json">`` data
block and one line that starts the script.  Nothing is rendered by a
template engine, no id is random and the data is compressed with a fixed
header, so the same model gives the same bytes.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import html
import json
import re
from importlib import resources
from typing import Any

from geo.webmap.leaflet import leaflet_head

#: Data blocks larger than this (bytes of JSON) travel gzip-compressed and
#: base64-encoded (the browser's DecompressionStream inflates them); below
#: it the saving is a few kB and readable JSON is worth more.
COMPRESS_ABOVE = 16_000
#: Within 2% of zlib's default (6) in half its time: on the 1.8 MB document
#: of 10,000 articles, 460 kB in 0.045 s against 453 kB in 0.09 s (level 9
#: saves 2% more in three times as long; level 4 costs 6% for 0.02 s less).
GZIP_LEVEL = 5
#: The id of the map's element in a page (a fragment's is derived from its data).
PAGE_ID = "incidentmap"
#: Letters, digits, ``_`` and ``-``, starting with a letter: safe as an HTML id and in JS strings.
ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")

#: Characters that may not appear literally in a ``<script>`` element's JSON:
#: ``<`` (``</script>``, ``<!--``), ``>`` and ``&`` for good measure, and the
#: line separators older JavaScript parsers reject.  They only ever occur
#: inside JSON strings, where ``\\uXXXX`` is the same text.
_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


@functools.lru_cache(maxsize=2)
def asset(name: str) -> str:
    """Return a file shipped beside this module (``map.js``, ``map.css``)."""
    return resources.files("geo.webmap").joinpath(name).read_text(encoding="utf-8")


def script_json(document: Any) -> str:
    r"""Dump ``document`` as compact JSON that is safe inside a ``<script>`` element.

    ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\uXXXX``
    escapes: no article text can close the element.
    """
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_SCRIPT_ESCAPES)


def data_block(document: Any, element_id: str) -> str:
    """Return the ``<script type="application/json">`` element holding ``document``."""
    text = script_json(document)
    encoding = "json"
    if len(text.encode("utf-8")) > COMPRESS_ABOVE:
        packed = gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)
        text, encoding = base64.b64encode(packed).decode("ascii"), "gzip-base64"
    return (
        f'<script type="application/json" id="{element_id}-data" '
        f'data-encoding="{encoding}">{text}</script>'
    )


def _container(element_id: str, style: str = "") -> str:
    attribute = f' style="{style}"' if style else ""
    return (
        f'<div class="im-map" id="{element_id}"{attribute}>'
        '<p class="im-status" role="status">Loading the map\N{HORIZONTAL ELLIPSIS}</p>'
        '<noscript><p class="im-status">This map needs JavaScript; the same data is in '
        "incidents.csv, claims.csv and districts.csv.</p></noscript></div>"
    )


def _start(element_id: str) -> str:
    call = f"<script>incidentmap.start({element_id!r});</script>"
    return f"<script>\n{asset('map.js')}\n</script>\n{call}"


def page_html(document: dict[str, Any], *, inline_leaflet: bool = True) -> str:
    """Return a standalone HTML page that draws ``document``.

    Parameters
    ----------
    document : dict
        From :func:`geo.webmap.data.document`.
    inline_leaflet : bool, default True
        Inline Leaflet (no ``<script src>`` or stylesheet link at all);
        ``False`` links it from its CDN.
    """
    title = html.escape(str(document.get("title", "")), quote=True)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{leaflet_head(inline=inline_leaflet)}\n"
        f"<style>\n{asset('map.css')}</style>\n"
        f"<style>html, body {{height: 100%; margin: 0;}}\n"
        f"#{PAGE_ID} {{position: absolute; inset: 0;}}</style>\n</head>\n<body>\n"
        f"{_container(PAGE_ID)}\n{data_block(document, PAGE_ID)}\n{_start(PAGE_ID)}\n"
        "</body>\n</html>\n"
    )


def fragment_html(
    document: dict[str, Any], *, height: str, inline_leaflet: bool = True, prefix: str | None = None
) -> str:
    """Return a snippet (styles, map element, data, scripts) to paste into a page.

    No ``<html>``, ``<head>`` or ``<body>``, and no style that reaches the
    host page's own elements.  The map's element id is ``prefix`` (by
    default a hash of the data, so two different maps never clash).
    """
    if prefix is None:
        digest = hashlib.sha256(script_json(document).encode("utf-8")).hexdigest()[:10]
        prefix = f"im{digest}"
    return (
        f"<!-- incidentmap fragment {prefix} -->\n{leaflet_head(inline=inline_leaflet)}\n"
        f"<style>\n{asset('map.css')}</style>\n"
        f"{_container(prefix, f'position: relative; width: 100%; height: {height};')}\n"
        f"{data_block(document, prefix)}\n{_start(prefix)}\n"
    )
