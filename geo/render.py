"""Old home of the interactive map, kept so that ``from geo.render import ...`` still works.

The map now lives in :mod:`geo.webmap` (model -> compact data -> page) and
the attack-type colours and labels in :mod:`geo.schema`.
"""

from __future__ import annotations

from geo.schema import TYPE_COLOURS, TYPE_LABELS
from geo.webmap import render_map, write_fragment, write_map
from geo.webmap.data import MIN_RADIUS, marker_radius

__all__ = [
    "MIN_RADIUS",
    "TYPE_COLOURS",
    "TYPE_LABELS",
    "marker_radius",
    "render_map",
    "write_fragment",
    "write_map",
]
