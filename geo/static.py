"""Render the incidents as a static image for reports: a PNG, optionally an SVG.

:func:`write_static_map` draws the incidents' districts shaded by the best
estimate of fatalities, the incidents as points coloured by attack type and
sized by toll, labels for the largest tolls, a title, a subtitle with the
date range and counts, and the attribution.  It needs no network (no
basemap tiles) and uses matplotlib's Agg canvas on a
:class:`matplotlib.figure.Figure` of its own, so no pyplot state is touched.

The files are byte-for-byte reproducible (no dates or software versions in
the metadata, fixed SVG ids) and written atomically (:mod:`geo.atomic`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._static_draw import (
    AXES_BOX,
    DPI,
    FIGSIZE,
    MAP_BOX,
    MIN_FONT_PT,
    NO_FIGURE_COLOUR,
    Plan,
    draw_figure,
    image_bytes,
    lat_aspect,
    marker_pt,
)
from geo.atomic import write_bytes_atomic
from geo.classes import class_colour
from geo.columns import integer, text
from geo.model import Model, Places, aggregate, require_columns, require_wgs84
from geo.schema import CLAIM_COLUMNS, INCIDENT_COLUMNS, TYPE_COLOURS, column_type

__all__ = ["DEFAULT_ATTRIBUTION", "DPI", "MAX_LABELS", "MIN_FONT_PT", "write_static_map"]

logger = logging.getLogger(__name__)

_BOUNDARIES_CREDIT = "Boundaries: geoBoundaries (Runfola et al. 2020). "
_NO_BOUNDARIES_ATTRIBUTION = "Places: GeoNames. Figures: news reports, see claims.csv."
#: Credit for the data the image shows; printed at its foot.
DEFAULT_ATTRIBUTION = _BOUNDARIES_CREDIT + _NO_BOUNDARIES_ATTRIBUTION
#: Only the places with the largest tolls get a label, so labels never crowd the map.
MAX_LABELS = 10
#: Degrees (~500 m): below one pixel at this scale, and keeps the SVG small.
SIMPLIFY_DEG = 0.005
#: Fixes the SVG's element ids, which matplotlib otherwise draws at random.
SVG_HASHSALT = "incidentmap"

_INCIDENT_NEEDS = (
    "incident_id",
    "event_date",
    "place",
    "admin1",
    "admin2",
    "primary_type",
    "fatalities_best",
)
_DISTRICT_NEEDS = ("admin1", "admin2")
_RC: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "svg.fonttype": "none",  # text stays text: searchable and editable
    "svg.hashsalt": SVG_HASHSALT,
    "path.simplify": True,
    # Place names, titles and notes are text, never TeX: a "$" in an article
    # must print as a dollar sign, not open mathtext (which can fail to parse).
    "text.parse_math": False,
}
_NO_CLAIMS = pd.DataFrame({c: pd.Series(dtype=object) for c in CLAIM_COLUMNS})


def write_static_map(
    incidents: gpd.GeoDataFrame,
    *,
    districts: gpd.GeoDataFrame | None,
    path_png: Path,
    path_svg: Path | None = None,
    title: str,
    attribution: str = DEFAULT_ATTRIBUTION,
    region_label: str = "Balochistan",
) -> list[Path]:
    """Write the static incident map for reports (PNG, and SVG on request).

    A convenience for frames of one's own: the incidents are aggregated
    (:func:`geo.model.aggregate`) and drawn as :func:`static_images` draws
    a build's model.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The incidents frame (columns of ``incidents.csv``, point geometry, EPSG:4326);
        rows without a point are counted but not drawn.
    districts : geopandas.GeoDataFrame or None
        District polygons with ``admin2`` and ``admin1`` in EPSG:4326
        (:func:`geo.districts.load_districts`); ``None`` draws the points on a
        plain background with latitude/longitude axes.
    path_png : pathlib.Path
        The PNG to write (A4 width, 200 dpi).
    path_svg : pathlib.Path, optional
        An SVG to write as well, its text kept as text.
    title : str
        The heading.
    attribution : str, default DEFAULT_ATTRIBUTION
        Credits printed at the foot; without ``districts`` the default drops
        its boundaries credit, as no boundary is drawn.
    region_label : str, default "Balochistan"
        The province whose districts are shown when the incidents name none.

    Returns
    -------
    list of pathlib.Path
        The files written: ``path_png``, then ``path_svg`` if given.

    Raises
    ------
    TypeError
        If a frame is not a GeoDataFrame.
    ValueError
        If a column is missing, a CRS is not EPSG:4326, an incident has an
        unknown ``primary_type`` or a path has the wrong suffix.
    """
    _check_inputs(incidents, districts, path_png, path_svg)
    frame = _points_to_columns(incidents)
    named = {str(v) for v in frame["admin1"] if isinstance(v, str) and v}
    model = aggregate(frame, _NO_CLAIMS, polygons=districts, province="" if named else region_label)
    images = static_images(
        model,
        title=title,
        attribution=attribution,
        formats=("png", "svg") if path_svg else ("png",),
    )
    paths = {"incidents.png": Path(path_png), "incidents.svg": Path(path_svg or "")}
    for name, data in images.items():
        write_bytes_atomic(paths[name], data)
    return [paths[name] for name in images]


def static_images(
    model: Model,
    *,
    title: str,
    attribution: str = DEFAULT_ATTRIBUTION,
    formats: tuple[str, ...] = ("png", "svg"),
) -> dict[str, bytes]:
    """Draw ``model`` and return ``{"incidents.png": bytes, "incidents.svg": bytes}``.

    Both images are drawn before either is returned: a failure leaves no
    half.  The same model gives the same bytes.  This is
    :func:`static_plan`, then :func:`draw_images` (which a build runs in a
    second process: the plan is small, the model is not).
    """
    plan, attribution = static_plan(model, attribution=attribution)
    return draw_images(plan, title=title, attribution=attribution, formats=formats)


def static_plan(
    model: Model | Places, *, attribution: str = DEFAULT_ATTRIBUTION
) -> tuple[Plan, str]:
    """What the image shows, worked out from the model, and the credit line it prints.

    It reads only the incidents as located (:class:`geo.model.Places`): a
    build starts drawing as soon as it has them, before the claims.
    """
    if model.boundaries is None and attribution == DEFAULT_ATTRIBUTION:
        attribution = _NO_BOUNDARIES_ATTRIBUTION
    return _plan(model), attribution


def draw_images(
    plan: Plan,
    *,
    title: str,
    attribution: str,
    formats: tuple[str, ...] = ("png", "svg"),
) -> dict[str, bytes]:
    """Draw a :func:`static_plan` as PNG and SVG bytes, keyed by file name."""
    try:
        import matplotlib
        import matplotlib.style
    except ImportError as exc:  # pragma: no cover - matplotlib is installed with the project
        raise ImportError(
            "the static map needs matplotlib; install it with: python -m pip install matplotlib"
        ) from exc
    with matplotlib.style.context("default"), matplotlib.rc_context(_RC):
        fig = draw_figure(plan, title=title, attribution=attribution)
        return {f"incidents.{fmt}": image_bytes(fig, fmt, title) for fmt in formats}


#: What :func:`draw_images` imports: a process that will draw imports these first.
DRAWING_MODULES = (
    "geo.static",
    "matplotlib.style",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg",
)


# -- validate ---------------------------------------------------------------


def _check_inputs(incidents: Any, districts: Any, path_png: Any, path_svg: Any) -> None:
    _check_frame(incidents, _INCIDENT_NEEDS, "incidents")
    if districts is not None:
        _check_frame(districts, _DISTRICT_NEEDS, "districts")
    bad = sorted(
        f"{row.incident_id}: {row.primary_type!r}"
        for row in incidents[["incident_id", "primary_type"]].itertuples()
        if row.primary_type not in TYPE_COLOURS
    )
    if bad:
        raise ValueError(
            f"incidents have a primary_type outside ATTACK_TYPES: {', '.join(bad)}; "
            f"expected one of {list(TYPE_COLOURS)}"
        )
    for path, suffix, name in ((path_png, ".png", "path_png"), (path_svg, ".svg", "path_svg")):
        if path is not None and Path(path).suffix.lower() != suffix:
            raise ValueError(f"{name} must end in {suffix}, got {str(path)!r}")


def _check_frame(frame: Any, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(
            f"{what} must be a GeoDataFrame, got {type(frame).__name__}; for a table read "
            "from CSV use gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.longitude, "
            'df.latitude), crs="EPSG:4326")'
        )
    require_columns(frame, list(columns), what)
    require_wgs84(frame, what)


# -- compute ----------------------------------------------------------------


def _points_to_columns(incidents: gpd.GeoDataFrame) -> pd.DataFrame:
    """Take the point from the geometry: a missing, empty or non-point one is unmapped."""
    shapes = incidents.geometry.to_numpy()
    is_point = ~shapely.is_missing(shapes) & (shapely.get_type_id(shapes) == 0)
    is_point[is_point] &= ~shapely.is_empty(shapes[is_point])
    xs, ys = np.full(len(shapes), np.nan), np.full(len(shapes), np.nan)
    xs[is_point], ys[is_point] = shapely.get_x(shapes[is_point]), shapely.get_y(shapes[is_point])
    frame = pd.DataFrame(incidents.drop(columns=incidents.geometry.name))
    for column in INCIDENT_COLUMNS:
        if column not in frame:
            frame[column] = pd.NA if column_type(column) == "int" else ""
        elif column_type(column) == "int":  # a table read from CSV has "" for "not reported"
            frame[column] = frame[column].replace("", None)
    frame["longitude"], frame["latitude"] = xs, ys
    return frame


def _plan(model: Model | Places) -> Plan:
    """Work out what to draw from the model; the image computes no total of its own."""
    incidents = model.incidents
    tolls = pd.to_numeric(incidents["fatalities_best"]).astype(float).to_numpy()
    drawable = incidents.geometry.notna().to_numpy()
    points = pd.DataFrame(
        {
            "x": incidents["longitude"].to_numpy(dtype=float),
            "y": incidents["latitude"].to_numpy(dtype=float),
            "type": incidents["primary_type"].to_numpy(),
            "toll": tolls,
            "place": [text(v).strip() for v in incidents["place"]],
            "incident_id": incidents["incident_id"].to_numpy(),
        }
    )[drawable]
    points["colour"] = points["type"].map(TYPE_COLOURS)
    points["size"] = [marker_pt(t) for t in points["toll"]]
    # Big markers first, so small ones stay visible on top of them.
    points = points.assign(_order=-points["toll"].fillna(-1)).sort_values(
        ["_order", "incident_id"], kind="stable"
    )
    counts = incidents["primary_type"].value_counts()
    types = [(t, int(counts[t])) for t in TYPE_COLOURS if t in counts.index]

    notes: list[str] = []
    n_unmapped = int((~drawable).sum())
    if n_unmapped:
        notes.append(f"{_plural(n_unmapped, 'incident')} without coordinates not shown.")
    n_unknown = int(np.isnan(tolls).sum())
    if n_unknown and len(incidents):
        notes.append(f"Hollow markers: toll unknown ({n_unknown} of {len(incidents)}).")

    focus = context = outline = None
    if model.boundaries is not None:
        focus = model.districts[model.districts.geometry.notna()]
        focus = focus.assign(
            fill=[class_colour(integer(v), model.classes) or NO_FIGURE_COLOUR
                  for v in focus["killed_best"]]
        )  # fmt: skip
        shown = set(zip(focus["admin1"], focus["admin2"], strict=True))
        others = model.boundaries[
            [(a, b) not in shown for a, b in zip(
                model.boundaries["admin1"], model.boundaries["admin2"], strict=True)]
        ]  # fmt: skip
        context = others[others.geometry.notna() & ~others.geometry.is_empty]
        if model.outline is not None and len(model.outline):
            outline = shapely.union_all(model.outline.geometry.to_numpy())
        if len(incidents):
            notes.append(
                "District shading: sum of the best-estimate fatalities of its incidents "
                "(districts.csv); white: no figure reported."
            )
    else:
        notes.append("District boundaries unavailable: incidents shown on a plain background.")
    box = MAP_BOX if focus is not None else AXES_BOX
    extent = _extent(points, focus, box)
    if context is not None:
        xmin, ymin, xmax, ymax = extent
        context = context.cx[xmin:xmax, ymin:ymax]
    return Plan(
        points=_drawn(points.drop(columns="_order")),
        labels=_labels(points),
        types=types,
        focus=_simplified(focus),
        context=_simplified(context),
        outline=outline.simplify(SIMPLIFY_DEG) if outline is not None else None,
        extent=extent,
        box=box,
        subtitle=_subtitle(model, tolls),
        notes=notes,
        classes=model.classes if focus is not None else (),
        empty=len(incidents) == 0,
        max_toll=float(np.nanmax(tolls)) if len(tolls) and not np.isnan(tolls).all() else 0.0,
    )


def _drawn(points: pd.DataFrame) -> pd.DataFrame:
    """The markers to draw: one for each stack of identical ones.

    Incidents at one place with the same toll and type give identical
    markers on the same spot; drawn one over another they only darken a
    translucent circle, and an SVG would carry an element per incident
    (thousands, for a long archive).  The last of each stack is kept, so
    the markers' order (big under small) is the same.
    """
    key = points.assign(_known=points["toll"].notna())
    same = key.duplicated(["x", "y", "size", "colour", "_known"], keep="last")
    return points[~same.to_numpy()]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _simplified(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if frame is None:
        return None
    return frame.set_geometry(frame.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True))


def _extent(
    points: pd.DataFrame, focus: gpd.GeoDataFrame | None, box: tuple[float, ...]
) -> tuple[float, float, float, float]:
    xs, ys = list(points["x"]), list(points["y"])
    if focus is not None and len(focus):
        xmin, ymin, xmax, ymax = focus.total_bounds
        xs += [xmin, xmax]
        ys += [ymin, ymax]
    if not xs:
        return (0.0, 0.0, 1.0, 1.0)
    # A lone point (or a tight cluster) still gets a degree of surroundings.
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    half_w, half_h = max((max(xs) - min(xs)) / 2, 0.5), max((max(ys) - min(ys)) / 2, 0.5)
    xmin, ymin, xmax, ymax = _padded((cx - half_w, cy - half_h, cx + half_w, cy + half_h), 0.04)
    # Widen the extent in x or y to the map box's shape, so the box is filled.
    aspect = lat_aspect((xmin, ymin, xmax, ymax))
    box_w, box_h = box[2] * FIGSIZE[0], box[3] * FIGSIZE[1]
    dx, dy = xmax - xmin, ymax - ymin
    if dy * aspect / dx < box_h / box_w:
        grow = (dx * box_h / box_w / aspect - dy) / 2
        ymin, ymax = ymin - grow, ymax + grow
    else:
        grow = (dy * aspect * box_w / box_h - dx) / 2
        xmin, xmax = xmin - grow, xmax + grow
    return (xmin, ymin, xmax, ymax)


def _padded(box: tuple[float, float, float, float], share: float) -> tuple[float, ...]:
    dx, dy = (box[2] - box[0]) * share, (box[3] - box[1]) * share
    return (box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy)  # type: ignore[return-value]


def _labels(points: pd.DataFrame) -> pd.DataFrame:
    """One label per place, for the places with the largest known tolls."""
    known = points[points["toll"] > 0]
    if known.empty:
        return pd.DataFrame(columns=["x", "y", "text", "size"])
    per_place = (
        known.groupby("place", sort=True)
        .agg(x=("x", "first"), y=("y", "first"), toll=("toll", "sum"), size=("size", "max"))
        .reset_index()
    )
    per_place = per_place[per_place["place"] != ""]
    per_place = per_place.sort_values(["toll", "place"], ascending=[False, True], kind="stable")
    top = per_place.head(MAX_LABELS)
    text = [f"{p} ({int(t)})" for p, t in zip(top["place"], top["toll"], strict=True)]
    return pd.DataFrame({"x": top["x"], "y": top["y"], "text": text, "size": top["size"]})


def _subtitle(model: Model | Places, tolls: np.ndarray) -> str:
    incidents = model.incidents
    days = [day for day, _n in model.timeline]
    if not days:
        when = "dates unknown"
    elif days[0] == days[-1]:
        when = days[0].isoformat()
    else:
        when = f"{days[0].isoformat()} to {days[-1].isoformat()}"
    if days and model.undated:
        when += f" ({model.undated} undated)"
    count = _plural(len(incidents), "incident")
    if len(incidents) and not np.isnan(tolls).all():
        count += f", {int(np.nansum(tolls))} killed (best estimate)"
    elif len(incidents):
        count += ", no death toll reported"
    return f"{when} \N{MIDDLE DOT} {count}"
