"""Draw the static incident map (:mod:`geo.static`) on a matplotlib Figure.

:mod:`geo.static` validates the input and works out what to draw (a
:class:`Plan`); this module only draws it, on an Agg canvas of its own,
and turns the figure into PNG or SVG bytes.  Matplotlib is imported where
used, as it is an optional dependency.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from geo.schema import TYPE_COLOURS, TYPE_LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Inches: the width of an A4 page (210 mm), so the image prints at 100 % in a report.
FIGSIZE = (8.27, 7.0)
#: Sharp in print, ~1650 px wide on screen.
DPI = 200
#: zlib level of the PNG: 3 makes a map's image 1% smaller than Pillow's default
#: (6) in three quarters of the time (at 10,000 articles: 330 kB in 0.18 s
#: against 334 kB in 0.24 s), as a flat-coloured map compresses well early.
PNG_LEVEL = 3
#: Points: nothing smaller is legible on a printed A4 page.
MIN_FONT_PT = 8
#: Marker diameter (pt) per sqrt(killed): the area grows with the toll, as on the HTML map.
MARKER_SCALE_PT = 3.6
#: Marker diameter (pt) for a toll of zero or unknown; still visible in print.
MIN_MARKER_PT = 6.0
#: The district classes' colours (the HTML map's, from the model) are laid
#: over white at this opacity, so the type-coloured points stand out.
CHOROPLETH_ALPHA = 0.55
#: Fill of districts outside the incidents' provinces (context only).
CONTEXT_COLOUR = "#ececec"
#: Fill of the incidents' districts with no reported fatality figure.
NO_FIGURE_COLOUR = "#ffffff"
# Figure-fraction boxes: [left, bottom, width, height].
MAP_BOX = (0.03, 0.14, 0.66, 0.75)
# Without polygons the map has latitude/longitude axes: room for their labels.
AXES_BOX = (0.09, 0.18, 0.60, 0.71)

_PANEL_BOX = (0.71, 0.30, 0.28, 0.59)
_CLASS_BOX = (0.71, 0.14, 0.28, 0.15)


@dataclass(frozen=True)
class Plan:
    """What to draw, worked out before any drawing."""

    points: pd.DataFrame  # x, y, colour, toll (NaN: unknown), size, place
    labels: pd.DataFrame  # x, y, text, size
    types: list[tuple[str, int]]  # (attack type, number of incidents), legend order
    focus: gpd.GeoDataFrame | None  # the mapped districts, with their class colour "fill"
    context: gpd.GeoDataFrame | None  # other districts
    outline: Any  # the focus provinces' outline (shapely geometry) or None
    extent: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax
    box: tuple[float, float, float, float]  # the map's axes, in figure fractions
    subtitle: str
    notes: list[str]
    classes: tuple[tuple[int, int, str], ...]  # the model's choropleth classes
    empty: bool
    max_toll: float


def marker_pt(toll: float) -> float:
    """Marker diameter in points for a toll (NaN: unknown)."""
    if math.isnan(toll) or toll <= 0:
        return MIN_MARKER_PT
    return max(MIN_MARKER_PT, MARKER_SCALE_PT * math.sqrt(toll))


def lat_aspect(extent: tuple[float, ...]) -> float:
    """Axes aspect for lon/lat degrees: a degree of longitude shrinks with latitude."""
    return 1 / math.cos(math.radians((extent[1] + extent[3]) / 2))


_NOTE_STYLE: dict[str, Any] = {"fontsize": MIN_FONT_PT, "linespacing": 1.3}
_LEGEND_STYLE: dict[str, Any] = {"frameon": False, "alignment": "left", "borderaxespad": 0}
_KNOWN_STYLE: dict[str, Any] = {
    "edgecolors": "white",
    "linewidths": 0.7,
    "alpha": 0.92,
    "zorder": 4,
}
_UNKNOWN_STYLE: dict[str, Any] = {"facecolors": "white", "linewidths": 1.6, "zorder": 5}
_LABEL_STYLE: dict[str, Any] = {
    "textcoords": "offset points",
    "fontsize": MIN_FONT_PT,
    "color": "#1a1a1a",
    "zorder": 7,
    # A box, not a path-effect halo: the SVG backend turns path-effect text into outlines.
    "bbox": {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
}
_EMPTY_STYLE: dict[str, Any] = {
    "ha": "center",
    "va": "center",
    "fontsize": 14,
    "color": "#555555",
    "zorder": 6,
    "bbox": {"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": "#bbbbbb"},
}


def draw_figure(plan: Plan, *, title: str, attribution: str) -> Figure:
    """Draw ``plan`` on a new Figure with an Agg canvas (never a pyplot figure)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)  # Agg, set explicitly: no GUI, no pyplot
    # geopandas redraws the whole figure after each layer it plots (five
    # times here); the image is drawn once, when it is saved.
    canvas.draw_idle = lambda *args, **kwargs: None  # type: ignore[method-assign]
    fig.text(0.03, 0.965, title, fontsize=15, fontweight="bold", va="top")
    fig.text(0.03, 0.918, plan.subtitle, fontsize=10.5, color="#333333", va="top")
    ax = fig.add_axes(plan.box)
    _draw_map(ax, plan)
    _draw_points(ax, plan)
    if plan.empty:
        ax.text(0.5, 0.5, "No incidents to show", transform=ax.transAxes, **_EMPTY_STYLE)
    _place_labels(fig, ax, plan)
    _draw_legends(fig, plan)
    note = "\n".join(textwrap.wrap(" ".join(plan.notes), 118))
    fig.text(0.03, 0.115, note, color="#333333", va="top", **_NOTE_STYLE)
    credit = "\n".join(textwrap.wrap(attribution, 118))
    fig.text(0.03, 0.025, credit, color="#555555", va="bottom", **_NOTE_STYLE)
    return fig


def _draw_map(ax: Axes, plan: Plan) -> None:
    xmin, ymin, xmax, ymax = plan.extent
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    # Degrees of longitude shrink with latitude: this keeps shapes true near the middle.
    ax.set_aspect(lat_aspect(plan.extent), adjustable="box")
    if plan.context is not None and len(plan.context):
        plan.context.plot(ax=ax, color=CONTEXT_COLOUR, edgecolor="white", linewidth=0.4, zorder=0)
    if plan.focus is not None and len(plan.focus):
        plan.focus.plot(ax=ax, color="white", edgecolor="none", zorder=1)
        plan.focus.plot(
            ax=ax,
            color=list(plan.focus["fill"]),
            alpha=CHOROPLETH_ALPHA,
            edgecolor="none",
            zorder=1,
        )
        plan.focus.boundary.plot(ax=ax, color="#8c8c8c", linewidth=0.35, zorder=1)
        if plan.outline is not None:
            outline = gpd.GeoSeries([plan.outline]).boundary
            outline.plot(ax=ax, color="#4d4d4d", linewidth=0.8, zorder=2)
    if plan.focus is not None:
        ax.set_axis_off()
        return
    ax.set_facecolor("#fafafa")
    ax.grid(True, color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_formatter(lambda v, _: _degrees(v, "E", "W"))
    ax.yaxis.set_major_formatter(lambda v, _: _degrees(v, "N", "S"))
    if plan.empty:
        ax.set_xticks([])
        ax.set_yticks([])


def _degrees(value: float, positive: str, negative: str) -> str:
    return f"{round(abs(value), 2):g}°{positive if value >= 0 else negative}"


def _draw_points(ax: Axes, plan: Plan) -> None:
    known = plan.points[plan.points["toll"].notna()]
    unknown = plan.points[plan.points["toll"].isna()]
    if len(known):
        ax.scatter(
            known["x"], known["y"], s=known["size"] ** 2, c=list(known["colour"]), **_KNOWN_STYLE
        )
    if len(unknown):
        ax.scatter(
            unknown["x"],
            unknown["y"],
            s=unknown["size"] ** 2,
            edgecolors=list(unknown["colour"]),
            **_UNKNOWN_STYLE,
        )


def _place_labels(fig: Figure, ax: Axes, plan: Plan) -> None:
    """Put each label beside its marker where it overlaps no label placed before."""
    if plan.labels.empty:
        return
    ax.apply_aspect()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []
    for row in plan.labels.itertuples():
        gap, diag = row.size / 2 + 2, (row.size / 2 + 2) * 0.7
        candidates = [
            (gap, 0, "left", "center"),
            (-gap, 0, "right", "center"),
            (0, gap, "center", "bottom"),
            (0, -gap, "center", "top"),
            (diag, diag, "left", "bottom"),
            (-diag, -diag, "right", "top"),
        ]
        for dx, dy, ha, va in candidates:
            text = ax.annotate(
                row.text, (row.x, row.y), xytext=(dx, dy), ha=ha, va=va, **_LABEL_STYLE
            )
            box = text.get_window_extent(renderer)
            inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(other) for other in placed):
                break
            text.remove()
        else:  # crowded everywhere: the first place, beside the marker
            dx, dy, ha, va = candidates[0]
            text = ax.annotate(
                row.text, (row.x, row.y), xytext=(dx, dy), ha=ha, va=va, **_LABEL_STYLE
            )
            box = text.get_window_extent(renderer)
        placed.append(box)


def _draw_legends(fig: Figure, plan: Plan) -> None:
    panel = fig.add_axes(_PANEL_BOX)
    panel.set_axis_off()
    if plan.types:
        handles = [_dot(TYPE_COLOURS[t], 8, f"{TYPE_LABELS[t]} ({n})") for t, n in plan.types]
        types = panel.legend(
            handles=handles, title="Attack type (incidents)", loc="upper left", **_LEGEND_STYLE
        )
        panel.add_artist(types)
        panel.legend(
            handles=_size_handles(plan),
            title="Killed (best estimate)",
            loc="lower left",
            labelspacing=1.1,
            borderpad=0.6,
            **_LEGEND_STYLE,
        )
    if plan.classes:
        _class_legend(fig, plan)


def _class_legend(fig: Figure, plan: Plan) -> None:
    from matplotlib.patches import Patch

    panel = fig.add_axes(_CLASS_BOX)
    panel.set_axis_off()
    handles = [
        Patch(
            facecolor=colour, alpha=CHOROPLETH_ALPHA, edgecolor="#8c8c8c", linewidth=0.35,
            label=str(low) if low == high else f"{low}\u2013{high}",
        )
        for low, high, colour in plan.classes
    ]  # fmt: skip
    handles.append(
        Patch(
            facecolor=NO_FIGURE_COLOUR, edgecolor="#8c8c8c", linewidth=0.35, label="none reported"
        )
    )
    panel.legend(
        handles=handles,
        title="Fatalities (best estimate) per district",
        loc="upper left",
        ncols=2,
        **_LEGEND_STYLE,
    )


def _dot(colour: str, size: float, label: str, *, hollow: bool = False) -> Any:
    from matplotlib.lines import Line2D

    face, edge = ("white", colour) if hollow else (colour, "white")
    return Line2D(
        [],
        [],
        linestyle="",
        marker="o",
        markersize=size,
        markerfacecolor=face,
        markeredgecolor=edge,
        markeredgewidth=1.6 if hollow else 1.0,
        label=label,
    )


def _size_handles(plan: Plan) -> list[Any]:
    steps = [1, 5, 10, 25, 50, 100, 250, 500]
    shown = [s for s in steps if s <= plan.max_toll][-3:]
    handles = [_dot("#7f7f7f", marker_pt(s), str(s)) for s in shown]
    if plan.points["toll"].isna().any() or not shown:
        handles.append(_dot("#7f7f7f", MIN_MARKER_PT, "unknown", hollow=True))
    return handles


def image_bytes(fig: Figure, fmt: str, title: str) -> bytes:
    """The figure as PNG or SVG bytes, without dates or software versions."""
    # No dates or software versions: the same input gives the same bytes.
    metadata: dict[str, Any] = {"Title": title}
    metadata.update({"Software": None} if fmt == "png" else {"Date": None, "Creator": None})
    options: dict[str, Any] = {"pil_kwargs": {"compress_level": PNG_LEVEL}} if fmt == "png" else {}
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata, facecolor="white", **options)
    return buffer.getvalue()
