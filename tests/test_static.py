import html
import re
import shutil
from pathlib import Path

import geopandas as gpd
import matplotlib
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import Point, box

from geo.exports import INCIDENT_COLUMNS
from geo.static import DEFAULT_ATTRIBUTION, DPI, MAX_LABELS, MIN_FONT_PT, write_static_map

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TITLE = "Attacks in Testland"


def _incidents(rows):
    base = dict.fromkeys(INCIDENT_COLUMNS, "")
    frame = pd.DataFrame([{**base, **row} for row in rows], columns=list(INCIDENT_COLUMNS))
    frame["fatalities_best"] = frame["fatalities_best"].replace("", None).astype("Int64")
    lon = pd.to_numeric(frame["longitude"].replace("", None))
    lat = pd.to_numeric(frame["latitude"].replace("", None))
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


ROWS = [
    {
        "incident_id": "i1",
        "event_date": "2026-01-30",
        "place": "Alphaville",
        "admin1": "Balochistan",
        "admin2": "Alpha",
        "latitude": 29.5,
        "longitude": 66.5,
        "primary_type": "suicide_bombing",
        "fatalities_best": 12,
    },
    {
        "incident_id": "i2",
        "event_date": "2026-01-31",
        "place": "Betatown",
        "admin1": "Balochistan",
        "admin2": "Beta",
        "latitude": 29.4,
        "longitude": 67.5,
        "primary_type": "armed_assault",
        "fatalities_best": 3,
    },
    {
        "incident_id": "i3",
        "event_date": "",
        "place": "Alpha Kalay",
        "admin1": "Balochistan",
        "admin2": "Alpha",
        "latitude": 29.8,
        "longitude": 66.2,
        "primary_type": "bombing",
        "fatalities_best": None,
    },
]


@pytest.fixture
def incidents():
    return _incidents(ROWS)


@pytest.fixture
def squares():
    return gpd.GeoDataFrame(
        {
            "admin2": ["Alpha", "Beta", "Gamma"],
            "admin1": ["Balochistan", "Balochistan", "Sindh"],
            "shape_id": ["a", "b", "c"],
        },
        geometry=[box(66, 29, 67, 30), box(67, 29, 68, 30), box(68, 29, 69, 30)],
        crs="EPSG:4326",
    )


def _write(tmp_path, incidents, districts, name="map", **kwargs):
    kwargs.setdefault("title", TITLE)
    return write_static_map(
        incidents,
        districts=districts,
        path_png=tmp_path / f"{name}.png",
        path_svg=tmp_path / f"{name}.svg",
        **kwargs,
    )


def _svg(path):
    """The SVG's text elements, joined by spaces (wrapped lines become one)."""
    svg = Path(path).read_text(encoding="utf-8")
    return " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def test_writes_png_and_svg(tmp_path, incidents, squares):
    written = _write(tmp_path, incidents, squares)
    assert written == [tmp_path / "map.png", tmp_path / "map.svg"]
    png = written[0]
    assert png.stat().st_size > 10_000
    with Image.open(png) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width >= 1600 and height >= 1200
        assert image.info["dpi"] == pytest.approx((DPI, DPI), abs=0.1)
    assert written[1].read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_png_only(tmp_path, incidents, squares):
    written = write_static_map(
        incidents, districts=squares, path_png=tmp_path / "only.png", title=TITLE
    )
    assert written == [tmp_path / "only.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["only.png"]


def test_svg_holds_the_text(tmp_path, incidents, squares):
    svg = _svg(_write(tmp_path, incidents, squares)[1])
    for text in (
        TITLE,
        "2026-01-30 to 2026-01-31 (1 undated)",
        "3 incidents, 15 killed (best estimate)",
        "Suicide bombing (1)",
        "Armed assault (1)",
        "Bombing (1)",
        "Fatalities (best estimate)",
        "Killed (best estimate)",
        "Alphaville (12)",
        "Betatown (3)",
        DEFAULT_ATTRIBUTION,
    ):
        assert text in svg, text
    # No toll, no label; a type absent from the data stays out of the legend.
    assert "Alpha Kalay" not in svg
    assert "Shelling" not in svg


def test_fonts_are_legible_on_a4(tmp_path, incidents, squares):
    svg = _write(tmp_path, incidents, squares)[1].read_text(encoding="utf-8")
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
    assert sizes and min(sizes) >= MIN_FONT_PT


@pytest.mark.slow
def test_same_input_same_bytes(tmp_path, incidents, squares):
    first = _write(tmp_path / "a", incidents, squares)
    second = _write(tmp_path / "b", incidents, squares)
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
    assert "<dc:date>" not in first[1].read_text(encoding="utf-8")
    assert b"Software" not in first[0].read_bytes()


def test_written_atomically(tmp_path, incidents, squares):
    (tmp_path / "map.png").write_bytes(b"old")
    _write(tmp_path, incidents, squares)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png", "map.svg"]
    assert (tmp_path / "map.png").read_bytes().startswith(b"\x89PNG")


def test_a_failed_draw_leaves_the_old_file(tmp_path, incidents, squares, monkeypatch):
    (tmp_path / "map.png").write_bytes(b"old")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        _write(tmp_path, incidents, squares)
    assert (tmp_path / "map.png").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]


def test_without_districts(tmp_path, incidents):
    png, svg_path = _write(tmp_path, incidents, None)
    svg = _svg(svg_path)
    assert "District boundaries unavailable" in svg
    assert "°N" in svg and "°E" in svg  # latitude/longitude axes
    assert "Alphaville (12)" in svg
    assert "Fatalities (best estimate)" not in svg  # no choropleth, no colour bar
    assert "Places: GeoNames. Figures: news reports, see claims.csv." in svg
    assert "geoBoundaries" not in svg  # no boundary drawn, none credited
    with Image.open(png) as image:
        assert image.size[0] >= 1600


@pytest.mark.parametrize("with_districts", [True, False])
def test_no_incidents(tmp_path, incidents, squares, with_districts):
    png, svg_path = _write(tmp_path, incidents.iloc[:0], squares if with_districts else None)
    svg = _svg(svg_path)
    assert "No incidents to show" in svg
    assert "dates unknown" in svg and "0 incidents" in svg
    assert png.stat().st_size > 10_000


def test_dates_unknown(tmp_path, squares):
    rows = [{**row, "event_date": ""} for row in ROWS]
    svg = _svg(_write(tmp_path, _incidents(rows), squares)[1])
    assert "dates unknown" in svg


def test_incident_without_coordinates_is_counted_not_drawn(tmp_path, squares):
    rows = [*ROWS, {**ROWS[0], "incident_id": "i4", "latitude": "", "longitude": ""}]
    svg = _svg(_write(tmp_path, _incidents(rows), squares)[1])
    assert "4 incidents, 27 killed (best estimate)" in svg
    assert "1 incident without coordinates not shown" in svg


@pytest.mark.parametrize("shape", [None, Point(), box(66, 29, 67, 30)], ids=str)
def test_odd_geometries_are_counted_not_drawn(tmp_path, squares, shape):
    frame = _incidents(ROWS)
    frame.loc[0, "geometry"] = shape
    svg = _svg(_write(tmp_path, frame, squares)[1])
    assert "3 incidents, 15 killed (best estimate)" in svg
    assert "1 incident without coordinates not shown" in svg
    assert "Alphaville" not in svg


def test_district_shading_reads_the_model(incidents, squares):
    from geo.model import aggregate
    from geo.static import _NO_CLAIMS, _plan, _points_to_columns

    model = aggregate(
        _points_to_columns(incidents), _NO_CLAIMS, polygons=squares, province="Balochistan"
    )
    plan = _plan(model)
    totals = dict(zip(model.districts["admin2"], model.districts["killed_best"], strict=True))
    assert totals == {"Alpha": 12, "Beta": 3}
    colours = dict(zip(plan.focus["admin2"], plan.focus["fill"], strict=True))
    assert colours == {"Alpha": model.classes[1][2], "Beta": model.classes[0][2]}
    assert list(plan.context["admin2"]) == ["Gamma"]  # another province: context only
    assert plan.classes == model.classes


@pytest.mark.parametrize("text", ["Cost $5 and $", r"$\frac{$", "a $x^$ b", "$$", "50% \\"])
def test_text_with_dollars_is_printed_not_parsed_as_mathtext(tmp_path, squares, text):
    rows = [{**ROWS[0], "place": text}, *ROWS[1:]]
    png, svg_path = _write(tmp_path, _incidents(rows), squares, title=f"Title {text}")
    svg = _svg(svg_path)
    assert f"Title {text}" in svg and f"{text} (12)" in svg
    assert png.stat().st_size > 10_000


def test_labels_only_the_largest_tolls(tmp_path, squares):
    rows = [
        {
            **ROWS[0],
            "incident_id": f"i{n:02d}",
            "place": f"Place{n:02d}",
            "fatalities_best": n,
            "latitude": 29.05 + n * 0.04,
            "longitude": 66.05 + n * 0.09,
        }  # fmt: skip
        for n in range(1, 21)
    ]
    svg = _svg(_write(tmp_path, _incidents(rows), squares)[1])
    labels = re.findall(r"\bPlace(\d\d) \(\d+\)", svg)
    assert len(labels) == MAX_LABELS
    assert sorted(int(n) for n in labels) == list(range(21 - MAX_LABELS, 21))


def test_no_pyplot_state_or_rcparams_leak(tmp_path, incidents, squares):
    import matplotlib.pyplot as plt

    before_figs, before_rc = plt.get_fignums(), dict(matplotlib.rcParams)
    _write(tmp_path, incidents, squares)
    assert plt.get_fignums() == before_figs
    assert dict(matplotlib.rcParams) == before_rc


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda f: pd.DataFrame(f.drop(columns="geometry")), TypeError, "GeoDataFrame"),
        (lambda f: f.drop(columns="fatalities_best"), ValueError, "fatalities_best"),
        (lambda f: f.to_crs("EPSG:3857"), ValueError, "to_crs"),
        (lambda f: f.set_crs(None, allow_override=True), ValueError, "no CRS"),
        (lambda f: f.assign(primary_type="ambush"), ValueError, "i1: 'ambush'"),
    ],
)
def test_bad_incidents(tmp_path, incidents, squares, change, error, match):
    with pytest.raises(error, match=match):
        _write(tmp_path, change(incidents), squares)
    assert not list(tmp_path.iterdir())


def test_bad_districts_and_paths(tmp_path, incidents, squares):
    with pytest.raises(ValueError, match="admin1"):
        _write(tmp_path, incidents, squares.drop(columns="admin1"))
    with pytest.raises(ValueError, match="path_png must end in .png"):
        write_static_map(incidents, districts=None, path_png=tmp_path / "map.jpg", title=TITLE)
    with pytest.raises(ValueError, match="path_svg must end in .svg"):
        write_static_map(
            incidents,
            districts=None,
            path_png=tmp_path / "map.png",
            path_svg=tmp_path / "map.pdf",
            title=TITLE,
        )


@pytest.mark.seeds
@pytest.mark.slow
def test_seeds_static_map(seeds_dir, resources, boundary_data_dir_or_none, tmp_path):
    from geo.pipeline import build

    out = tmp_path / "out"
    build([seeds_dir], out_dir=out, resources=resources)
    table = pd.read_csv(out / "incidents.csv", dtype={"event_date": str})
    frame = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table.longitude, table.latitude), crs="EPSG:4326"
    )
    title = f"Attacks in {resources.region.label}"
    png, svg_path = write_static_map(
        frame,
        districts=resources.districts,
        path_png=out / "incidents.png",
        path_svg=out / "incidents.svg",
        title=title,
    )
    svg = _svg(svg_path)
    assert title in svg
    assert re.search(r"\bQuetta \(\d+\)", svg)
    assert f"{len(frame)} incidents" in svg
    if boundary_data_dir_or_none is None:
        assert "District boundaries unavailable" in svg
    else:
        assert "Fatalities (best estimate)" in svg
    with Image.open(png) as image:
        assert image.size[0] >= 1600
    # For people to look at (tests/artifacts/ is not committed).
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(png, ARTIFACTS / "seed_map.png")
