"""Folium plumbing: Leaflet's files, the page script, and reproducible rendering.

* :class:`PageAssets` puts Leaflet (linked from its CDN, or inlined from the
  ``xstatic-leaflet`` package when the map is self-contained) and the map's
  stylesheet in the page header.  folium's other default assets (jQuery,
  Bootstrap, Font Awesome, awesome-markers) are dropped: nothing on this map
  uses them.
* :class:`IncidentLayers` writes the map's JSON data block, the hidden panel
  holder and :data:`SCRIPT`, which draws the markers, popups, tooltips and
  district layers from the data in the browser.
* :func:`render_page` and :func:`render_fragment` render a copy of a map
  with ids renumbered in tree order, so the same map gives the same bytes.

Nothing here passes through branca's second Jinja pass (branca renders each
``MacroElement``'s output again as a template): :class:`Verbatim` carries
finished text into the page, so article text in the data can hold ``{{``.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import itertools
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import branca.element
import folium
import folium.elements
import jinja2

from geo import _popup

logger = logging.getLogger(__name__)

#: The Leaflet version folium 0.20 links; the inlined copy should match it.
LEAFLET_VERSION = "1.9.3"
#: folium's CDN links for Leaflet itself: the only default assets this map needs.
LEAFLET_JS_URL = dict(folium.Map.default_js)["leaflet"]
LEAFLET_CSS_URL = dict(folium.Map.default_css)["leaflet_css"]
#: What to install for a self-contained map.
XSTATIC_PACKAGE = "xstatic-leaflet"

#: The page script.  It reads the JSON data block, fills the (empty) feature
#: group of each attack type with circle markers, binds one popup and one
#: tooltip per group whose content it builds with DOM calls and
#: ``textContent`` (never ``innerHTML``: Leaflet sets a *string* popup or
#: tooltip as HTML), draws the district choropleth and province outline in
#: panes below the markers, and moves the panels into map controls.
SCRIPT = r"""
function (map, config) {
  "use strict";
  var data = JSON.parse(document.getElementById(config.data).textContent);
  var field = {};
  data.claim_fields.forEach(function (name, i) { field[name] = i; });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function line(parent, label, value) {
    var p = add(parent, el("p"));
    add(p, el("b", "", label + ": "));
    p.appendChild(document.createTextNode(String(value)));
    return p;
  }
  function claimsTable(parent, claims) {
    if (!claims.length) {
      add(parent, el("p", "im-note", "No casualty figures reported."));
      return;
    }
    var table = add(parent, el("table", "im-claims"));
    var head = add(table, el("tr"));
    ["Figure", "Whose", "Value", "Claimed by", "Outlet", "Published"].forEach(function (h) {
      add(head, el("th", "", h));
    });
    claims.forEach(function (claim) {
      var kind = claim[field.claimant_kind];
      var who = claim[field.claimant] + (kind ? " (" + kind + ")" : "");
      var row = add(table, el("tr", "im-claim"));
      [claim[field.figure], claim[field.role], claim[field.value], who,
       claim[field.outlet], claim[field.published]].forEach(function (cell) {
        add(row, el("td", "", cell));
      });
      if (claim[field.sentence]) {
        var cell = add(add(table, el("tr")), el("td"));
        cell.setAttribute("colspan", "6");
        add(cell, el("blockquote", "", claim[field.sentence]));
      }
    });
  }
  function sources(parent, ids) {
    if (!ids.length) { return; }
    add(add(parent, el("p")), el("b", "", "Sources"));
    var list = add(parent, el("ul", "im-sources"));
    ids.forEach(function (id) {
      var article = data.articles[id] || {label: id};
      var item = add(list, el("li"));
      if (article.href && /^https?:\/\//i.test(article.href)) {
        var link = add(item, el("a", "", article.label));
        link.setAttribute("href", article.href);
        link.setAttribute("target", "_blank");
        link.setAttribute("rel", "noopener noreferrer");
      } else {
        item.textContent = article.label + (article.where ? " \u2014 " + article.where : "");
      }
    });
  }
  function popup(inc) {
    var root = el("div", "im-popup");
    root.setAttribute("data-incident-id", inc.id);
    add(root, el("h4", "", inc.place));
    if (inc.where) { add(root, el("p", "", inc.where)); }
    line(root, "Date", inc.date + (inc.precision ? " (precision: " + inc.precision + ")" : ""));
    line(root, "Type", inc.types);
    if (inc.target) { line(root, "Target", inc.target); }
    line(root, "Toll", inc.toll);
    claimsTable(root, inc.claims || []);
    sources(root, inc.sources || []);
    if (inc.notes) { line(root, "Notes", inc.notes).className = "im-note"; }
    return root;
  }

  var Marker = L.CircleMarker.extend({
    onAdd: function (m) {
      L.CircleMarker.prototype.onAdd.call(this, m);
      // Leaflet makes a new <path> each time the layer is added.
      var path = this.getElement ? this.getElement() : null;
      if (path) { path.setAttribute("data-incident-id", this.options.incidentId); }
    }
  });
  Object.keys(config.groups).forEach(function (type) {
    var group = config.groups[type];
    group.bindPopup(function (layer) { return popup(layer.imIncident); },
                    {maxWidth: config.popupWidth});
    group.bindTooltip(function (layer) {
      return el("span", "", layer.imIncident.place + " \u2014 " + layer.imIncident.toll);
    });
  });
  data.incidents.forEach(function (inc) {
    var group = config.groups[inc.type], colour = data.types[inc.type].colour;
    var marker = new Marker([inc.lat, inc.lon], {
      radius: inc.r, color: colour, weight: 1, fillColor: colour, fillOpacity: 0.6,
      className: "im-marker im-type-" + inc.type, incidentId: inc.id
    });
    marker.imIncident = inc;
    group.addLayer(marker);
  });

  function pane(name, zIndex) {
    var node = map.getPane(name) || map.createPane(name);
    node.style.zIndex = String(zIndex);
    return name;
  }
  if (data.districts && config.districts) {
    L.geoJSON(data.districts, {
      pane: pane("imDistricts", 350),
      style: function (feature) {
        var fill = feature.properties.fill;
        return {color: "#666666", weight: 1, fillColor: fill || "#ffffff",
                fillOpacity: fill ? 0.55 : 0, className: "im-district"};
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(function () { return el("span", "", feature.properties.tip); },
                          {sticky: true});
      }
    }).addTo(config.districts);
  }
  if (data.outline && config.outline) {
    L.geoJSON(data.outline, {
      pane: pane("imOutline", 390), interactive: false,
      style: function () {
        return {color: "#333333", weight: 2.5, fill: false, className: "im-outline"};
      }
    }).addTo(config.outline);
  }

  var holder = document.getElementById(config.panels);
  if (holder) {
    Array.prototype.slice.call(holder.children).forEach(function (box) {
      var control = L.control({position: box.getAttribute("data-im-position") || "topleft"});
      control.onAdd = function () {
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      };
      control.addTo(map);
    });
    holder.parentNode.removeChild(holder);
  }
}
""".strip()

#: Calls :data:`SCRIPT` with the names folium gave the map and the groups.
_CALL = jinja2.Template(
    "({{ script }})({{ map }}, {"
    '"data": {{ (map ~ "_data")|tojson }}, "panels": {{ (map ~ "_panels")|tojson }}, '
    # A space after each literal "{": "{{%" would open a Jinja expression.
    '"popupWidth": {{ this.popup_width }}, "groups": { '
    "{% for type, group in this.groups.items() %}"
    "{{ type|tojson }}: {{ group.get_name() }}{% if not loop.last %}, {% endif %}"
    "{% endfor %}}, "
    '"districts": {{ this.districts.get_name() if this.districts else "null" }}, '
    '"outline": {{ this.outline.get_name() if this.outline else "null" }}});'
)


class Verbatim(branca.element.Element):
    """Finished text for the page: rendered as is, never as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Verbatim"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


class PageAssets(branca.element.MacroElement):
    """Leaflet's script and stylesheet (linked or inline) and the map's stylesheet."""

    def __init__(self, *, self_contained: bool = False) -> None:
        super().__init__()
        self._name = "PageAssets"
        self.self_contained = self_contained

    def render(self, **kwargs: Any) -> str:
        """Put the assets in the page header; return ``""`` (nothing in place)."""
        figure = self.get_root()
        if not isinstance(figure, branca.element.Figure):
            raise TypeError("PageAssets must be added to a map that is in a Figure")
        figure.header.add_child(Verbatim(leaflet_head(self.self_contained)), name="leaflet")
        figure.header.add_child(Verbatim(_popup.STYLESHEET), name=self.get_name())
        return ""


class IncidentLayers(branca.element.MacroElement):
    """The JSON data block, the panel holder and the script that uses them."""

    def __init__(
        self,
        data_json: str,
        panels_html: str,
        groups: Mapping[str, folium.FeatureGroup],
        *,
        districts: folium.FeatureGroup | None = None,
        outline: folium.FeatureGroup | None = None,
        popup_width: int = 480,
    ) -> None:
        super().__init__()
        self._name = "IncidentLayers"
        self.data_json = data_json
        self.panels_html = panels_html
        self.groups = dict(groups)
        self.districts = districts
        self.outline = outline
        self.popup_width = int(popup_width)

    def render(self, **kwargs: Any) -> str:
        """Add the data and panels to the body and the call to the script; return ``""``."""
        figure = self.get_root()
        if not isinstance(figure, branca.element.Figure) or self._parent is None:
            raise TypeError("IncidentLayers must be added to a map that is in a Figure")
        name = self._parent.get_name()
        body = (
            f'<div hidden class="im-panels" id="{name}_panels">{self.panels_html}</div>\n'
            f'<script type="application/json" id="{name}_data">{self.data_json}</script>'
        )
        figure.html.add_child(Verbatim(body), name=self.get_name())
        call = _CALL.render(this=self, map=name, script=SCRIPT)
        figure.script.add_child(Verbatim(call), name=self.get_name())
        return ""


# -- Leaflet's files ----------------------------------------------------------


def leaflet_head(self_contained: bool) -> str:
    """Return the ``<head>`` markup that loads Leaflet: links, or the files inline."""
    if not self_contained:
        return (
            f'<script src="{LEAFLET_JS_URL}"></script>\n'
            f'<link rel="stylesheet" href="{LEAFLET_CSS_URL}"/>'
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
            "a self-contained map inlines Leaflet from the "
            f"{XSTATIC_PACKAGE!r} package, which is not installed; "
            f"install it with: pip install {XSTATIC_PACKAGE}"
        ) from error
    version = str(getattr(xstatic_leaflet, "VERSION", ""))
    if version != LEAFLET_VERSION:
        logger.warning(
            "%s provides Leaflet %s; folium's maps are written for Leaflet %s",
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


# -- rendering ----------------------------------------------------------------


def prepare(m: folium.Map, *, self_contained: bool) -> None:
    """Drop folium's default assets from ``m`` and add :class:`PageAssets`."""
    # Instance attributes: folium's class-level lists stay as they are.
    m.default_js = []
    m.default_css = []
    m.add_child(PageAssets(self_contained=self_contained), name="incidentmap_assets")


def render_page(m: folium.Map, *, self_contained: bool | None = None) -> str:
    """Render a copy of ``m`` as a standalone HTML page with stable ids."""
    figure, _clone = _copy(m, self_contained=self_contained, prefix="")
    return figure.render()


def render_fragment(
    m: folium.Map,
    *,
    height: str,
    self_contained: bool | None = None,
    prefix: str | None = None,
) -> str:
    """Render a copy of ``m`` as a snippet to paste into a page.

    The snippet is the map's styles and scripts and a wrapper ``<div>`` of
    the given CSS ``height``; every id and JavaScript name starts from
    ``prefix`` (default: a hash of the page, so two different maps pasted
    into one page do not clash).
    """
    if prefix is None:
        page = render_page(m, self_contained=self_contained)
        prefix = "f" + hashlib.sha256(page.encode("utf-8")).hexdigest()[:10]
    figure, clone = _copy(m, self_contained=self_contained, prefix=prefix)
    for child in figure._children.values():
        child.render()
    name = clone.get_name()
    # The map's own header styles <html> and <body> for a full page; a
    # fragment must leave the host page's alone.
    head = [
        child.render()
        for key, child in figure.header._children.items()
        if key not in ("meta_http", name)
    ]
    own = (
        f"<style>#{name} {{position: relative; width: 100%; height: 100%;}}\n"
        f"#{name}.leaflet-container {{font-size: 1rem;}}</style>"
    )
    return (
        f"<!-- incidentmap fragment {name} -->\n"
        + "\n".join([own, *head])
        + f'\n<div class="im-map" style="position: relative; width: 100%; height: {height};">\n'
        + figure.html.render()
        + "\n</div>\n<script>\n"
        + figure.script.render()
        + "\n</script>\n"
    )


def _copy(
    m: folium.Map, *, self_contained: bool | None, prefix: str
) -> tuple[branca.element.Figure, folium.Map]:
    """Copy ``m`` into a fresh Figure, renumber its ids, set the asset mode."""
    old_figure = m.get_root()
    figure = branca.element.Figure(title=getattr(old_figure, "title", None))
    # The memo makes the copy point at the new Figure instead of copying the old one.
    clone = copy.deepcopy(m, memo={id(old_figure): figure})
    stabilise_ids(clone, prefix=prefix)
    if self_contained is not None:
        for child in clone._children.values():
            if isinstance(child, PageAssets):
                child.self_contained = self_contained
    figure.add_child(clone, name=clone.get_name())
    return figure, clone


def stabilise_ids(m: folium.Map, *, prefix: str = "") -> None:
    """Renumber the ids of ``m`` and everything below it, in tree order.

    Each kind of element (``feature_group``, ``tile_layer``...) is numbered
    on its own, so an element that one render adds and the next replaces
    shifts no other numbers; with a ``prefix`` the ids read ``<prefix>_<n>``.
    Children keyed by their generated name (some templates use the key as a
    JavaScript variable) are re-keyed with the new name, and elements a
    parent holds as attributes are numbered too.  ``addTo`` calls left by an
    earlier render are dropped: every render adds them again.
    """
    counters: dict[str, itertools.count] = {}
    seen: set[int] = set()

    def visit(element: branca.element.Element) -> None:
        if id(element) in seen:
            return
        seen.add(id(element))
        kind = element.get_name()[: -len(element._id) or None]
        number = next(counters.setdefault(kind, itertools.count()))
        element._id = f"{prefix}_{number}" if prefix else str(number)
        for value in list(vars(element).values()):
            if isinstance(value, branca.element.Element) and value._parent is element:
                visit(value)
        renamed: OrderedDict[str, branca.element.Element] = OrderedDict()
        for key, child in element._children.items():
            if isinstance(child, folium.elements.ElementAddToElement):
                continue
            generated = child.get_name()
            visit(child)
            renamed[child.get_name() if key == generated else key] = child
        element._children = renamed

    visit(m)
