"""Where the project's own data folder (``data/``) is, installed or not.

In a source tree (a clone, an editable install, ``PYTHONPATH``) ``data/``
sits beside ``geo/``.  A wheel (``pip install .``) cannot put a folder beside
its package, so ``pyproject.toml`` maps ``data/`` into the package as
``geo/data`` (``[tool.setuptools] package-dir``).  Every module finds the
tables, the sample reports and the shipped boundary layer through
:data:`PROJECT_DATA`, so both layouts work.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _project_data() -> Path:
    # One stat at import: the installed copy wins, else the source tree's.
    installed = _PACKAGE / "data"
    return installed if installed.is_dir() else _PACKAGE.parent / "data"


PROJECT_DATA = _project_data()
