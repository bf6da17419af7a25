"""The walkthrough notebook runs top to bottom, offline, as a user would run it."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the walkthrough in a kernel

nbformat = pytest.importorskip("nbformat", reason="needs the dev extra (nbformat)")
nbclient = pytest.importorskip("nbclient", reason="needs the dev extra (nbclient)")
pytest.importorskip("ipykernel", reason="needs the dev extra (ipykernel)")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "walkthrough.ipynb"
TIMEOUT_S = 300


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _outputs(nb, mime):
    """Every output of the given MIME type, as text."""
    found = []
    for cell in _code_cells(nb):
        for output in cell.get("outputs", []):
            value = output.get("data", {}).get(mime)
            if value is not None:
                found.append(value if isinstance(value, str) else json.dumps(value))
    return found


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in _code_cells(nb):
        assert cell.outputs == [], cell.source[:60]
        assert cell.execution_count is None, cell.source[:60]


def test_notebook_only_calls_geo():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in _code_cells(nb):
        for line in cell.source.splitlines():
            assert not line.lstrip().startswith(("def ", "class ", "async def ")), line


def test_notebook_runs_top_to_bottom():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    before = sorted(p.name for p in NOTEBOOK.parent.iterdir())
    client = nbclient.NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if one fails

    errors = [
        output
        for cell in _code_cells(nb)
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors
    html = _outputs(nb, "text/html")
    assert any("leaflet" in h.lower() for h in html), "no map among the outputs"
    assert sum("<table" in h for h in html) >= 2, "expected the incidents and areas tables"
    assert any("killed" in h and "party_claims" in h for h in html), "no area-wide figures"
    assert len(_outputs(nb, "image/png")) >= 2, "expected the chart and the static map"
    # Everything went to a temporary folder: nothing new beside the notebook.
    assert sorted(p.name for p in NOTEBOOK.parent.iterdir()) == before
