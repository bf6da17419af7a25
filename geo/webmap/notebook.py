"""The map as a ``folium.Map``, so that a notebook shows it inline.

:class:`IncidentMap` is a ``folium.Map`` whose page is incidentmap's own
(:mod:`geo.webmap.page`): displaying it in Jupyter, ``save()`` and
:func:`geo.webmap.write_map` all give that page.  It carries the map's data
document; folium children added to it are not drawn (the page is drawn
from the document), and adding one says so.
"""

from __future__ import annotations

import html
import warnings
from typing import Any

import folium

from geo.atomic import write_text_atomic
from geo.webmap.page import page_html

#: The notebook frame's height: the map's panels need some room.
NOTEBOOK_HEIGHT_PX = 600


class IncidentMap(folium.Map):
    """A folium.Map that renders as incidentmap's page (see the module docstring)."""

    def __init__(self, document: dict[str, Any], *, self_contained: bool = True) -> None:
        super().__init__(location=[28.5, 66.0], zoom_start=6, tiles=None)
        self.document = document
        self.self_contained = self_contained
        self._ready = True

    def add_child(self, child: Any, name: str | None = None, index: int | None = None) -> Any:
        """Refuse folium children after construction: the page is drawn from the data."""
        if getattr(self, "_ready", False):
            warnings.warn(
                "an incidentmap map is drawn from its data document; folium layers added to it "
                "are not shown. Draw extra layers on a folium.Map of your own.",
                UserWarning,
                stacklevel=2,
            )
        return super().add_child(child, name=name, index=index)

    def page(self, *, self_contained: bool | None = None) -> str:
        """Return the standalone HTML page."""
        inline = self.self_contained if self_contained is None else self_contained
        return page_html(self.document, inline_leaflet=inline)

    def _repr_html_(self, **kwargs: Any) -> str:
        """Show the page in a notebook, in a frame of its own (as folium does)."""
        # Inline Leaflet: a notebook viewed offline still shows the map.
        text = html.escape(self.page(self_contained=True), quote=True)
        return (
            f'<iframe srcdoc="{text}" title="{html.escape(str(self.document.get("title", "")))}" '
            f'style="width: 100%; height: {NOTEBOOK_HEIGHT_PX}px; border: 0;"></iframe>'
        )

    def save(self, outfile: Any, close_file: bool = True, **kwargs: Any) -> None:
        """Write the page to ``outfile`` (a path, atomically, or a binary file)."""
        if hasattr(outfile, "write"):
            outfile.write(self.page().encode("utf-8"))
        else:
            write_text_atomic(outfile, self.page())
