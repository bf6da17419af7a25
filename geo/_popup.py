r"""HTML for the map (popups, tooltips, legend, area panel) and folium plumbing.

The fragment builders return strings that :mod:`geo.render` puts on the map;
:class:`Raw` carries ready-made HTML into the page, and :func:`render_html`
renders a map with stable element ids.

All text that may have come from an article goes through :func:`esc`.  Plain
:func:`html.escape` is not enough for folium: folium embeds popup and tooltip
HTML inside JavaScript template literals (``$(`...`)``), where a backtick
ends the string, ``${`` starts an expression and a backslash escapes the next
character; and branca parses the output of every ``MacroElement`` a second
time as a Jinja template, where ``{{``, ``{%`` and ``{#`` are code.  So
:func:`esc` also turns backticks, ``$``, ``\\``, ``{`` and ``}`` into numeric
character references, which the browser shows as the original characters.
"""

from __future__ import annotations

import copy
import html
import itertools
import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import branca.element
import folium
import folium.elements
import jinja2
import pandas as pd

from geo.records import FIGURE_KINDS, ROLES

#: Characters that are harmless in HTML but not inside folium's JS strings or
#: branca's second Jinja pass; replaced after :func:`html.escape`.
_EXTRA_ENTITIES = str.maketrans(
    {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}
)

#: Plural nouns for the roles, for the panel's row labels.
ROLE_NOUNS: dict[str, str] = {
    "civilian": "Civilians",
    "security": "Security personnel",
    "militant": "Militants",
}

#: Claims are listed figure by figure, role by role, in the records' order.
_FIGURE_RANK = {kind: i for i, kind in enumerate(FIGURE_KINDS)}
_ROLE_RANK = {role: i for i, role in enumerate(ROLES)}

#: One stylesheet for all popups and panels, so each popup carries classes only.
STYLESHEET = """<style>
.im-popup {font: 12px/1.35 sans-serif; max-height: 360px; overflow-y: auto;}
.im-popup h4 {margin: 0 0 2px; font-size: 14px;}
.im-popup p {margin: 2px 0;}
.im-popup table {border-collapse: collapse; margin: 4px 0; width: 100%;}
.im-popup th, .im-popup td {border-bottom: 1px solid #ddd; padding: 1px 4px;
  text-align: left; vertical-align: top;}
.im-popup blockquote {margin: 0 0 4px 8px; padding-left: 6px;
  border-left: 3px solid #ccc; color: #444; font-style: italic;}
.im-popup ul {margin: 2px 0; padding-left: 16px;}
.im-box {position: fixed; z-index: 9999; background: rgba(255,255,255,0.93);
  border: 1px solid #999; border-radius: 4px; padding: 6px 8px;
  font: 12px/1.35 sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,0.3);}
.im-legend {bottom: 40px; left: 10px; max-width: 240px;}
.im-legend .im-swatch {display: inline-block; width: 11px; height: 11px;
  border-radius: 50%; margin-right: 5px; vertical-align: middle;
  border: 1px solid #555;}
.im-panel {top: 10px; left: 54px; max-width: 340px; max-height: 45%;
  overflow-y: auto;}
.im-box h4 {margin: 0 0 4px; font-size: 13px;}
.im-box h5 {margin: 6px 0 2px; font-size: 12px;}
.im-box ul {margin: 0; padding-left: 14px;}
.im-note {color: #555; font-size: 11px;}
</style>"""


def esc(value: Any) -> str:
    """Escape a value for HTML that folium embeds in JavaScript and Jinja.

    Parameters
    ----------
    value : Any
        Text, a number, or a missing value (``None``, ``NaN``, ``pd.NA``).

    Returns
    -------
    str
        The escaped text; ``""`` for a missing value.
    """
    return html.escape(text_of(value), quote=True).translate(_EXTRA_ENTITIES)


def text_of(value: Any) -> str:
    """Return ``value`` as text, with every kind of missing value as ``""``."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def int_or_none(value: Any) -> int | None:
    """Return ``value`` as an int, or ``None`` when it is missing."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return int(value)


def format_value(low: Any, high: Any, qualifier: Any = "") -> str:
    """Format a reported figure: ``"7"``, ``"at least 7"``, ``"10–12"``.

    Parameters
    ----------
    low, high : int or None
        The bounds as reported; equal for a single number.
    qualifier : str
        ``"at least"``, ``"about"``...; empty for none.

    Returns
    -------
    str
        Plain (unescaped) text.
    """
    lo, hi = int_or_none(low), int_or_none(high)
    if lo is None and hi is None:
        number = "?"
    elif lo is None or hi is None or lo == hi:
        number = str(lo if lo is not None else hi)
    else:
        number = f"{lo}–{hi}"
    prefix = text_of(qualifier).strip()
    return f"{prefix} {number}" if prefix else number


def toll_text(best: Any, low: Any = None, high: Any = None) -> str:
    """Return the toll for a tooltip: ``"7 killed"`` or ``"toll not reported"``."""
    value = int_or_none(best)
    if value is None:
        return "toll not reported"
    lo, hi = int_or_none(low), int_or_none(high)
    if lo is not None and hi is not None and lo != hi:
        return f"{value} killed (reports range {lo}–{hi})"
    return f"{value} killed"


def tooltip_html(incident: Mapping[str, Any]) -> str:
    """Return the escaped tooltip of an incident: its place and its toll."""
    place = text_of(incident.get("place")) or "Unnamed place"
    toll = toll_text(
        incident.get("fatalities_best"),
        incident.get("fatalities_low"),
        incident.get("fatalities_high"),
    )
    return esc(f"{place} — {toll}")


def sort_claims(claims: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Order claims by figure, then role, then claim id."""
    return sorted(
        claims,
        key=lambda c: (
            _FIGURE_RANK.get(text_of(c.get("figure")), len(_FIGURE_RANK)),
            _ROLE_RANK.get(text_of(c.get("role")), len(_ROLE_RANK)),
            text_of(c.get("claim_id")),
        ),
    )


def _claims_table(claims: Sequence[Mapping[str, Any]]) -> str:
    if not claims:
        return '<p class="im-note">No casualty figures reported.</p>'
    rows = [
        "<table><tr><th>Figure</th><th>Whose</th><th>Value</th><th>Claimed by</th>"
        "<th>Outlet</th><th>Published</th></tr>"
    ]
    for claim in sort_claims(claims):
        claimant = text_of(claim.get("claimant")) or "unattributed"
        kind = text_of(claim.get("claimant_kind"))
        who = f"{esc(claimant)} ({esc(kind)})" if kind else esc(claimant)
        value = format_value(
            claim.get("value_low"), claim.get("value_high"), claim.get("qualifier")
        )
        rows.append(
            f"<tr><td>{esc(claim.get('figure'))}</td><td>{esc(claim.get('role'))}</td>"
            f"<td>{esc(value)}</td><td>{who}</td><td>{esc(claim.get('outlet'))}</td>"
            f"<td>{esc(claim.get('published'))}</td></tr>"
        )
        sentence = text_of(claim.get("sentence"))
        if sentence:
            rows.append(f'<tr><td colspan="6"><blockquote>{esc(sentence)}</blockquote></td></tr>')
    rows.append("</table>")
    return "".join(rows)


def safe_href(url: Any) -> str | None:
    """Return ``url`` escaped for an ``href`` if it is http(s), else ``None``."""
    text = text_of(url).strip()
    if text.lower().startswith(("http://", "https://")):
        return esc(text)
    return None


def source_item(article_id: str, article: Mapping[str, Any] | None) -> str:
    """Return one ``<li>`` naming an article, linked when it has an http(s) url.

    Parameters
    ----------
    article_id : str
        The article's id, shown when nothing better is known.
    article : mapping or None
        The article's row (``outlet``, ``url``, ``published``, ``title``, ``path``).

    Returns
    -------
    str
        Escaped HTML.
    """
    if article is None:
        return f"<li>{esc(article_id)} (article not in the store)</li>"
    parts = [text_of(article.get(key)) for key in ("outlet", "published")]
    head = ", ".join(part for part in parts if part)
    title = text_of(article.get("title")) or article_id
    label = f"{head}: {title}" if head else title
    href = safe_href(article.get("url"))
    if href is not None:
        return (
            f'<li><a href="{href}" target="_blank" rel="noopener noreferrer">{esc(label)}</a></li>'
        )
    where = text_of(article.get("url")) or text_of(article.get("path"))
    suffix = f" — {esc(where)}" if where else ""
    return f"<li>{esc(label)}{suffix}</li>"


def popup_html(
    incident: Mapping[str, Any],
    claims: Sequence[Mapping[str, Any]],
    articles: Mapping[str, Mapping[str, Any]] | None,
    type_labels: Mapping[str, str],
) -> str:
    """Return the escaped popup HTML of one incident.

    Parameters
    ----------
    incident : mapping
        One row of the incidents frame.
    claims : sequence of mappings
        Every claim of this incident (rows of the claims frame).
    articles : mapping or None
        Article rows by ``article_id``; ``None`` when no articles were given.
    type_labels : mapping
        Human labels of the attack types.

    Returns
    -------
    str
        HTML with every article-derived string escaped by :func:`esc`.
    """
    place = text_of(incident.get("place")) or "Unnamed place"
    units = [text_of(incident.get(k)) for k in ("admin3", "admin2", "admin1")]
    where = ", ".join(unit for unit in units if unit)
    date = text_of(incident.get("event_date")) or "date unknown"
    precision = text_of(incident.get("date_precision"))
    types = [t for t in text_of(incident.get("attack_types")).split(";") if t]
    type_text = "; ".join(type_labels.get(t, t) for t in types) or "not stated"
    parts = [
        '<div class="im-popup">',
        f"<h4>{esc(place)}</h4>",
        f"<p>{esc(where)}</p>" if where else "",
        f"<p><b>Date:</b> {esc(date)}"
        + (f" (precision: {esc(precision)})" if precision else "")
        + "</p>",
        f"<p><b>Type:</b> {esc(type_text)}</p>",
    ]
    target = text_of(incident.get("target"))
    if target:
        parts.append(f"<p><b>Target:</b> {esc(target)}</p>")
    toll = toll_text(
        incident.get("fatalities_best"),
        incident.get("fatalities_low"),
        incident.get("fatalities_high"),
    )
    parts.append(f"<p><b>Toll:</b> {esc(toll)}</p>")
    parts.append(_claims_table(claims))
    sources = list(dict.fromkeys(s.strip() for s in text_of(incident.get("sources")).split(";")))
    sources = [s for s in sources if s]
    if sources:
        if articles is None:
            items = "".join(f"<li>{esc(s)}</li>" for s in sources)
        else:
            items = "".join(source_item(s, articles.get(s)) for s in sources)
        parts.append(f"<p><b>Sources</b></p><ul>{items}</ul>")
    notes = text_of(incident.get("notes"))
    if notes:
        parts.append(f'<p class="im-note"><b>Notes:</b> {esc(notes)}</p>')
    parts.append("</div>")
    return "".join(parts)


def area_panel_html(claims: Sequence[Mapping[str, Any]]) -> str:
    """Return the panel listing wave-wide figures, party claims apart.

    Figures are grouped by (figure, role) and listed side by side, never
    summed or averaged; claims whose ``claimant_kind`` is ``"party"`` are
    listed under their own heading.

    Parameters
    ----------
    claims : sequence of mappings
        The claims whose ``scope`` is ``"area"``.

    Returns
    -------
    str
        Escaped HTML, or ``""`` when there are no area claims.
    """
    if not claims:
        return ""
    areas = sorted({text_of(c.get("area")) for c in claims} - {""})
    heading = "Area-wide figures" + (f" ({', '.join(areas)})" if areas else "")
    official = [c for c in claims if text_of(c.get("claimant_kind")) != "party"]
    party = [c for c in claims if text_of(c.get("claimant_kind")) == "party"]
    parts = ['<div class="im-box im-panel">', f"<h4>{esc(heading)}</h4>"]
    if official:
        parts.append(_figure_list(official))
    if party:
        parts.append("<h5>Claimed by parties to the fight</h5>")
        parts.append(_figure_list(party))
    parts.append(
        '<p class="im-note">Each figure is shown as reported, with who gave it;'
        " figures are not summed or averaged.</p></div>"
    )
    return "".join(parts)


def _figure_list(claims: Sequence[Mapping[str, Any]]) -> str:
    """List claims as ``Label: value (claimant — outlets); ...`` per (figure, role)."""
    groups: dict[tuple[str, str], dict[tuple, set[str]]] = {}
    for claim in sort_claims(claims):
        key = (text_of(claim.get("figure")), text_of(claim.get("role")))
        entry = (
            int_or_none(claim.get("value_high")),
            int_or_none(claim.get("value_low")),
            text_of(claim.get("qualifier")),
            text_of(claim.get("claimant")) or "unattributed",
        )
        outlets = groups.setdefault(key, {}).setdefault(entry, set())
        if text_of(claim.get("outlet")):
            outlets.add(text_of(claim.get("outlet")))
    items = []
    for (figure, role), entries in groups.items():
        if role in ROLE_NOUNS:
            label = f"{ROLE_NOUNS[role]} {figure}"
        else:
            label = f"{figure.capitalize()}, role not stated"
        # Largest figure first; ties by claimant so the order never depends on input order.
        ordered = sorted(
            entries.items(),
            key=lambda item: (-(item[0][0] or -1), -(item[0][1] or -1), item[0][2], item[0][3]),
        )
        values = []
        for (high, low, qualifier, claimant), outlets in ordered:
            source = claimant + (f" — {', '.join(sorted(outlets))}" if outlets else "")
            values.append(f"{esc(format_value(low, high, qualifier))} ({esc(source)})")
        items.append(f"<li><b>{esc(label)}:</b> {'; '.join(values)}</li>")
    return f"<ul>{''.join(items)}</ul>"


def legend_html(
    title: str,
    types: Sequence[str],
    labels: Mapping[str, str],
    colours: Mapping[str, str],
    *,
    unmapped: int = 0,
) -> str:
    """Return the legend: the title, one swatch per attack type, the size key.

    Parameters
    ----------
    title : str
        The map's title (escaped here).
    types : sequence of str
        The attack types on the map, in display order.
    labels, colours : mapping
        Human label and colour of each type.
    unmapped : int
        Incidents left off the map for want of coordinates.

    Returns
    -------
    str
        Escaped HTML.
    """
    rows = [
        f'<div><span class="im-swatch" style="background:{esc(colours[t])}"></span>'
        f"{esc(labels.get(t, t))}</div>"
        for t in types
    ]
    note = "Circle area is proportional to the best estimate of people killed."
    if unmapped:
        note += f" {unmapped} incident(s) without coordinates are not mapped; see incidents.csv."
    return (
        f'<div class="im-box im-legend"><h4>{esc(title)}</h4>{"".join(rows)}'
        f'<p class="im-note">{esc(note)}</p></div>'
    )


# -- folium plumbing ----------------------------------------------------------


class Raw(branca.element.MacroElement):
    """Put ready-made, already escaped HTML in the page header or body.

    The content is a template *variable*, so Jinja never parses it as code.
    """

    _template = jinja2.Template(
        "{% macro header(this, kwargs) %}{{ this.head }}{% endmacro %}"
        "{% macro html(this, kwargs) %}{{ this.body }}{% endmacro %}"
    )

    def __init__(self, *, head: str = "", body: str = "") -> None:
        super().__init__()
        self._name = "Raw"
        self.head = head
        self.body = body


def render_html(m: folium.Map) -> str:
    """Render a copy of ``m`` in a fresh Figure, with renumbered ids."""
    old_figure = m.get_root()
    figure = branca.element.Figure(title=getattr(old_figure, "title", None))
    # The memo makes the copy point at the new Figure instead of copying the old one.
    clone = copy.deepcopy(m, memo={id(old_figure): figure})
    stabilise_ids(clone)
    figure.add_child(clone, name=clone.get_name())
    return figure.render()


def stabilise_ids(m: folium.Map) -> None:
    """Renumber the ids of ``m`` and everything below it, in tree order.

    Each kind of element (``circle_marker``, ``popup``...) is numbered on its
    own, so an element that one render adds and the next replaces shifts no
    other numbers.  Children keyed by their generated name (some templates
    use the key as a JavaScript variable) are re-keyed with the new name, and
    elements a parent holds as attributes (a Popup's ``html``) are numbered
    too.  ``addTo`` calls left by an earlier render are dropped: every render
    adds them again under the layers' names.
    """
    counters: dict[str, itertools.count] = {}
    seen: set[int] = set()

    def visit(element: branca.element.Element) -> None:
        if id(element) in seen:
            return
        seen.add(id(element))
        kind = element.get_name()[: -len(element._id) or None]
        element._id = str(next(counters.setdefault(kind, itertools.count())))
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
