"""Hostile and unlucky input folders, end to end: the build goes on and says why it skipped.

The articles are written here, in the project's own words; nothing needs
``../shared``.
"""

from __future__ import annotations

import logging
import os

import pytest

from geo.pipeline import build

GOOD = (
    "published: 2026-02-01\n---\nGunmen attacked a Levies checkpoint in Turbat on Saturday, "
    "killing three personnel, police said.\n"
)
# Written for the project: "There was an explosion in Quetta; police say three people died."
URDU = (
    "published: 2026-02-01\n---\nکوئٹہ میں ایک دھماکہ ہوا، پولیس کے مطابق تین افراد ہلاک ہو گئے۔\n"
)


@pytest.mark.slow
def test_a_folder_of_traps_is_read_around_with_reasons(tmp_path, resources, caplog):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    folder = tmp_path / "articles"
    (folder / "more").mkdir(parents=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "urdu.txt").write_text(URDU, encoding="utf-8")
    os.mkfifo(folder / "x.txt")
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")
    (folder / "more" / "back").symlink_to("..")
    with caplog.at_level(logging.WARNING, logger="geo"):
        result = build([folder], out_dir=tmp_path / "out", resources=resources)
    assert result.n_new == 2  # good.txt and urdu.txt
    assert result.n_incidents == 1
    assert sorted(os.path.basename(p) for p in result.skipped) == [
        "a.txt",
        "b.txt",
        "back",
        "x.txt",
    ]
    text = caplog.text
    assert f"skipped {folder / 'x.txt'}: not a regular file (a FIFO)" in text
    assert f"skipped {folder / 'a.txt'}: a symbolic link that loops" in text
    assert "urdu.txt: 100% of its letters are in Arabic script" in text
