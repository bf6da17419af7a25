"""Tests for geo.cli: the ``incidentmap`` command line."""

from __future__ import annotations

import logging
import re

import pytest

import geo.pipeline
from geo.articles import ARTICLE_SUFFIXES
from geo.cli import main

SUMMARY = re.compile(
    r"^articles: (\d+) found, (\d+) new, (\d+) already in the store, (\d+) skipped$"
)
KALAT = "Gunmen stormed a bank in Kalat on Saturday. Police said three guards were killed.\n"
KHARAN = "A bomb went off near a market in Kharan, killing five civilians, officials said.\n"


@pytest.fixture(autouse=True)
def _restore_logging():
    """main() configures the "geo" logger; put it back for the tests that follow."""
    logger = logging.getLogger("geo")
    handlers, level = logger.handlers[:], logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.fixture
def env(monkeypatch, tmp_path, boundary_data_dir_or_none):
    """Boundary data from the shared folder when present, else an empty private cache."""
    if boundary_data_dir_or_none is None:
        monkeypatch.delenv("INCIDENTMAP_DATA", raising=False)
    else:
        monkeypatch.setenv("INCIDENTMAP_DATA", str(boundary_data_dir_or_none))
    monkeypatch.setenv("INCIDENTMAP_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def fast(monkeypatch, env, resources):
    """Skip re-loading the gazetteer: hand the CLI the session's resources."""
    calls = []

    def load(**kwargs):
        calls.append(kwargs)
        return resources

    monkeypatch.setattr(geo.pipeline, "load_resources", load)
    return calls


@pytest.fixture
def articles(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "kalat.txt").write_text(KALAT, encoding="utf-8")
    (folder / "kharan.md").write_text(KHARAN, encoding="utf-8")
    return folder


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: incidentmap" in out
    assert "build" in out
    assert "fetch-boundaries" in out


def test_build_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["build", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--out", "--store", "--rebuild", "--province", "PATH"):
        assert option in out


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage: incidentmap" in capsys.readouterr().err


def test_build_prints_the_summary(articles, tmp_path, env, capsys):
    out, store = tmp_path / "out", tmp_path / "state" / "s.db"
    code = main(["build", str(articles), "--out", str(out), "--store", str(store)])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "articles: 2 found, 2 new, 0 already in the store, 0 skipped"
    assert lines[1] == "incidents: 2; claims: 2"
    assert lines[2] == (
        "changes: 2 incidents added, 0 figures revised, 0 area figures revised, "
        "0 incidents retracted"
    )
    assert [line[:4] for line in lines[3:5]] == ["  + ", "  + "]
    assert lines[5].startswith(("district polygons: ", "no district polygons found"))
    assert lines[6:] == [
        f"wrote {out / name}"
        for name in (
            "incidents.csv", "claims.csv", "incidents.geojson", "incidents.html", "areas.csv",
            "incidents.png", "incidents.svg", "changes.json",
        )
    ]  # fmt: skip
    assert store.is_file()
    assert not (out / "incidentmap.db").exists()


def test_build_twice_reads_nothing_new(articles, tmp_path, fast, capsys):
    argv = ["build", str(articles), "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(argv) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "articles: 2 found, 0 new, 2 already in the store, 0 skipped"
    assert main([*argv, "--rebuild"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "articles: 2 found, 2 new, 0 already in the store, 0 skipped"


def test_build_counts_skipped_files(articles, tmp_path, fast, capsys):
    (articles / "blank.txt").write_text("  \n", encoding="utf-8")
    assert main(["build", str(articles), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == (
        "articles: 3 found, 2 new, 0 already in the store, 1 skipped"
    )
    assert "blank.txt" in captured.err


def test_province_is_passed_on(articles, tmp_path, fast):
    assert main(["build", str(articles), "--out", str(tmp_path / "o"), "--province", "Sindh"]) == 0
    assert [c["region"].admin1 for c in fast] == ["Sindh"]


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_prints_nothing(articles, tmp_path, fast, capsys, where):
    args = ["build", str(articles), "--out", str(tmp_path / "out")]
    argv = ["-q", *args] if where == "before" else [*args, "-q"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""
    assert (tmp_path / "out" / "incidents.csv").is_file()


def test_missing_path_returns_2_and_names_it(tmp_path, fast, capsys):
    missing = tmp_path / "no-such-folder"
    code = main(["build", str(missing), "--out", str(tmp_path / "out")])
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(missing) in captured.err
    assert captured.err.startswith("incidentmap: ")
    assert not (tmp_path / "out").exists()


def test_unsupported_file_returns_1_and_names_it(tmp_path, fast, capsys):
    sheet = tmp_path / "table.csv"
    sheet.write_text("a,b\n", encoding="utf-8")
    assert main(["build", str(sheet), "--out", str(tmp_path / "out")]) == 1
    assert "table.csv" in capsys.readouterr().err


def test_build_without_path_reads_the_sample_reports(tmp_path, fast, capsys, monkeypatch):
    samples = geo.pipeline.SAMPLE_ARTICLES
    files = sorted(
        p for p in samples.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
    ) if samples.is_dir() else []  # fmt: skip
    if not files:
        pytest.skip(f"no sample reports in {samples}")
    monkeypatch.chdir(tmp_path)  # the default --out is ./maps
    assert main(["build"]) == 0
    lines = capsys.readouterr().out.splitlines()
    found = SUMMARY.match(lines[0])
    assert found is not None, lines[0]
    assert found.groups() == (str(len(files)), str(len(files)), "0", "0")
    n_incidents = int(re.match(r"incidents: (\d+);", lines[1]).group(1))
    assert n_incidents >= 1
    assert (tmp_path / "maps" / "incidents.csv").is_file()
    assert (tmp_path / "maps" / "incidentmap.db").is_file()


@pytest.mark.parametrize(("value", "message"), [("0", "1 or more"), ("two", "whole number")])
def test_build_jobs_must_be_a_whole_number_of_processes(value, message, capsys):
    with pytest.raises(SystemExit):
        main(["build", "--jobs", value])
    assert message in capsys.readouterr().err
