"""How a build writes its map: the few choices a user makes on the command line.

Kept apart from :mod:`geo.exports` (which imports pandas and geopandas) so
that a build with nothing new can compare its options with the last build's
without importing the map's libraries.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MapOptions:
    """How the HTML map is written.

    ``self_contained`` (the default) inlines Leaflet so the page opens with
    no network at all; ``False`` (``--cdn``) links it from its CDN.
    ``tiles=False`` (``--no-tiles``) draws no basemap; ``fragment`` also
    writes ``incidents_fragment.html``.
    """

    tiles: bool = True
    self_contained: bool = True
    fragment: bool = False
