r"""HTML of the map's panels: legends, area-wide figures, timeline, stylesheet.

The builders return strings that :mod:`geo.render` puts on the map inside a
hidden holder, from which the page script moves each panel into a Leaflet
control (``data-im-position`` names the corner).  Popups and tooltips are
not here: the page script builds them in the browser from the map's JSON
data, with ``textContent`` (see :mod:`geo._assets`).

All text that may have come from an article goes through :func:`esc`.  The
panels are written into the page verbatim (no template engine reads them),
so :func:`html.escape` would do; :func:`esc` also turns backticks, ``$``,
``\\``, ``{`` and ``}`` into numeric character references, which the
browser shows as the original characters, so that the same strings stay
inert if they ever end up inside a JavaScript template literal or a Jinja
template (as folium's own popups are).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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

#: One stylesheet for all popups and panels, so each carries classes only.
#: The panels sit in Leaflet controls, inside the map, so a map pasted into a
#: report page (:func:`geo.render.write_fragment`) keeps them in its corners.
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
.im-box {background: rgba(255,255,255,0.93); border: 1px solid #999;
  border-radius: 4px; padding: 6px 8px; font: 12px/1.35 sans-serif;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 260px;
  max-height: 240px; overflow-y: auto;}
.im-panel {max-width: 340px;}
.im-box h4 {margin: 0 0 4px; font-size: 13px;}
.im-box h5 {margin: 6px 0 2px; font-size: 12px;}
.im-box ul {margin: 0; padding-left: 14px;}
.im-box p {margin: 2px 0;}
.im-swatch {display: inline-block; width: 11px; height: 11px;
  border-radius: 50%; margin-right: 5px; vertical-align: middle;
  border: 1px solid #555;}
.im-swatch.im-square {border-radius: 0;}
.im-swatch.im-empty {background: transparent;}
.im-timeline svg {display: block; margin: 2px 0;}
.im-timeline .im-bar {fill: #555;}
.im-timeline .im-axis {stroke: #999; stroke-width: 1;}
.im-note {color: #555; font-size: 11px;}
</style>"""

#: Where each panel sits: Leaflet control corners.
POSITIONS: dict[str, str] = {
    "legend": "bottomleft",
    "area": "topleft",
    "choropleth": "bottomright",
    "timeline": "bottomright",
}
#: The timeline chart's drawing area (px).
TIMELINE_WIDTH = 240
TIMELINE_HEIGHT = 48
#: Bars never grow wider than this (px), however few the days.
TIMELINE_MAX_BAR = 12.0


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
    if value is None or value is pd.NA or value is pd.NaT:
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
    parts = [_box("im-panel", "area"), f"<h4>{esc(heading)}</h4>"]
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
        f"{_box('im-legend', 'legend')}<h4>{esc(title)}</h4>{''.join(rows)}"
        f'<p class="im-note">{esc(note)}</p></div>'
    )


def choropleth_legend_html(classes: Sequence[tuple[int, int, str]]) -> str:
    """Return the legend of the district choropleth.

    Parameters
    ----------
    classes : sequence of (int, int, str)
        ``(low, high, colour)`` per class, lowest first
        (:func:`geo._mapdata.class_breaks`).

    Returns
    -------
    str
        Escaped HTML.
    """
    rows = [
        f'<div><span class="im-swatch im-square" style="background:{esc(colour)}"></span>'
        f"{esc(str(low) if low == high else f'{low}–{high}')}</div>"
        for low, high, colour in classes
    ]
    rows.append('<div><span class="im-swatch im-square im-empty"></span>No incident mapped</div>')
    return (
        f"{_box('im-choropleth-legend', 'choropleth')}"
        f"<h4>Fatalities (best estimate) by district</h4>{''.join(rows)}"
        '<p class="im-note">Sum of the best estimates of the incidents in each district;'
        " an unreported toll counts as 0.</p></div>"
    )


def timeline_html(days: Sequence[tuple[dt.date, int]], undated: int) -> str:
    """Return the timeline panel: an SVG bar chart of incidents per day.

    Each day with incidents is one ``<rect class="im-bar">`` placed on a
    true time axis (gaps between days stay visible), with a ``<title>``
    naming the day and its count.

    Parameters
    ----------
    days : sequence of (datetime.date, int)
        Incidents per day, in date order (:func:`geo._mapdata.timeline_counts`).
    undated : int
        Incidents without a usable date, counted apart.

    Returns
    -------
    str
        Escaped HTML, or ``""`` when there is no incident at all.
    """
    total = sum(n for _day, n in days) + undated
    if total == 0:
        return ""
    parts = [_box("im-timeline", "timeline"), "<h4>Incidents by date</h4>"]
    if days:
        first, last = days[0][0], days[-1][0]
        span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        dated = sum(n for _day, n in days)
        parts.append(f"<p>{esc(span)}: {dated} incident(s) on {len(days)} day(s)</p>")
        parts.append(_timeline_svg(days))
    if undated:
        parts.append(f'<p class="im-note">{undated} undated</p>')
    parts.append("</div>")
    return "".join(parts)


def _timeline_svg(days: Sequence[tuple[dt.date, int]]) -> str:
    width, height = TIMELINE_WIDTH, TIMELINE_HEIGHT
    first, last = days[0][0], days[-1][0]
    n_days = (last - first).days + 1
    slot = width / n_days
    bar = min(TIMELINE_MAX_BAR, max(1.0, slot * 0.8))
    top = max(n for _day, n in days)
    rects = []
    for day, n in days:
        x = min((day - first).days * slot + (slot - bar) / 2, width - bar)
        h = max(1.0, height * n / top)
        label = f"{day.isoformat()}: {n} incident{'' if n == 1 else 's'}"
        rects.append(
            f'<rect class="im-bar" x="{_num(x)}" y="{_num(height - h)}" width="{_num(bar)}"'
            f' height="{_num(h)}"><title>{esc(label)}</title></rect>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 1}"'
        f' viewBox="0 0 {width} {height + 1}" role="img" aria-label="Incidents per day,'
        f' at most {top} on one day">'
        f'<line class="im-axis" x1="0" y1="{height + 0.5}" x2="{width}" y2="{height + 0.5}"/>'
        f"{''.join(rects)}</svg>"
    )


def _num(value: float) -> str:
    """Format a coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _box(kind: str, panel: str) -> str:
    """Open a panel's box, naming the map corner the page script puts it in."""
    return f'<div class="im-box {kind}" data-im-position="{POSITIONS[panel]}">'
