"""Tests for geo.cli: the ``incidentmap`` command line.

Builds here hand the command line the session's loaded resources (``fast``)
unless a test is about loading them; downloads are served from a local
folder on 127.0.0.1, never the internet.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest

import geo.pipeline
from geo import boundaries
from geo.articles import ARTICLE_SUFFIXES
from geo.cli import main

SUMMARY = re.compile(
    r"^articles: (\d+) found, (\d+) new, (\d+) already in the store, (\d+) skipped$"
)
KALAT = "Gunmen stormed a bank in Kalat on Saturday. Police said three guards were killed.\n"
KHARAN = "A bomb went off near a market in Kharan, killing five civilians, officials said.\n"
KOLPUR = "Gunmen attacked a checkpoint in Kolpur on Saturday, killing two policemen, police said.\n"


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A fresh machine: no INCIDENTMAP_DATA (the shipped layer serves), an empty cache."""
    monkeypatch.delenv("INCIDENTMAP_DATA", raising=False)
    monkeypatch.setenv("INCIDENTMAP_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


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


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


#: Every file a build writes (with --fragment): --help must name each one.
BUILD_OUTPUTS = (
    "incidents.html", "incidents_fragment.html", "incidents.csv", "claims.csv",
    "incidents.geojson", "areas.csv", "incidents.png", ".svg", "changes.json", "incidentmap.db",
)  # fmt: skip


def test_help_lists_commands_examples_environment_and_outputs(capsys):
    out = _help(capsys)
    assert "usage: incidentmap" in out
    for command in ("build", "evaluate", "places", "fetch-boundaries"):
        assert command in out
    assert "examples:" in out and "incidentmap build ARTICLES/ --out OUT" in out
    assert "INCIDENTMAP_DATA" in out and "INCIDENTMAP_CACHE" in out
    for name in BUILD_OUTPUTS:
        assert name in out, name


@pytest.mark.parametrize(
    ("argv", "example"),
    [
        (["build"], "incidentmap build ~/articles --out out"),
        (["evaluate"], "incidentmap evaluate OUT --gold"),
        (["places"], "incidentmap places lookup Noshki"),
        (["places", "lookup"], "incidentmap places lookup Qalat"),
        (["places", "unresolved"], "incidentmap places unresolved --store"),
        (["fetch-boundaries"], "incidentmap fetch-boundaries adm3"),
    ],
)
def test_every_command_has_examples(capsys, argv, example):
    out = _help(capsys, *argv)
    assert "examples:" in out
    assert example in out


def test_build_help_names_options_outputs_and_environment(capsys):
    out = _help(capsys, "build")
    for option in ("--out", "--store", "--rebuild", "--province", "PATH", "-q"):
        assert option in out
    for name in BUILD_OUTPUTS:
        assert name in out, name
    assert "INCIDENTMAP_DATA" in out and "INCIDENTMAP_CACHE" in out
    assert "exit status" in out


def test_fetch_help_names_the_cache_variable(capsys):
    out = _help(capsys, "fetch-boundaries")
    assert "INCIDENTMAP_CACHE" in out and "sha256" in out and "--mirror" in out


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage: incidentmap" in capsys.readouterr().err


@pytest.mark.slow
def test_build_on_a_fresh_machine_uses_the_shipped_districts(articles, tmp_path, env, capsys):
    # No INCIDENTMAP_DATA, an empty cache, resources loaded by the command itself.
    out, store = tmp_path / "out", tmp_path / "state" / "s.db"
    code = main(["build", str(articles), "--out", str(out), "--store", str(store)])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "articles: 2 found, 2 new, 0 already in the store, 0 skipped"
    assert lines[1] == "incidents: 2; figures: 2"
    assert lines[2] == "place names not resolved: 0"
    assert lines[3] == (
        "changes: 2 incidents added, 0 figures revised, 0 area figures revised, "
        "0 incidents retracted"
    )
    assert [line[:4] for line in lines[4:6]] == ["  + ", "  + "]
    assert lines[6].startswith("district polygons: geoBoundaries PAK ADM2 2019, shipped (")
    assert "sha256 checked" in lines[6]
    assert lines[7:] == [
        f"wrote {out / name}"
        for name in (
            "incidents.csv", "claims.csv", "districts.csv", "areas.csv", "incidents.geojson",
            "incidents.gpkg", "incidents.html", "incidents.png", "incidents.svg", "changes.json",
        )
    ]  # fmt: skip
    assert store.is_file()
    assert not (out / "incidentmap.db").exists()
    rows = {r["place"]: r for r in _csv_rows(out / "incidents.csv")}
    assert {p: r["admin2"] for p, r in rows.items()} == {"Kalat": "Kalat", "Kharan": "Kharan"}
    assert not any("gazetteer table" in r["notes"] for r in rows.values())
    page = (out / "incidents.html").read_text(encoding="utf-8")
    assert "Killed by district" in page  # the choropleth's legend
    # The choropleth's totals: the districts with incidents, and a toll to shade by.
    shaded = {r["admin2"]: r for r in _csv_rows(out / "districts.csv")}
    assert {"Kalat", "Kharan"} <= set(shaded)
    assert any(shaded[d]["killed_best"] for d in ("Kalat", "Kharan"))
    # Nothing downloaded: the cache holds at most the built gazetteer.
    assert not env.exists() or [p.name for p in env.iterdir()] == ["gazetteer"]


def _csv_rows(path):
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
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


def test_build_counts_skipped_files_and_says_why(articles, tmp_path, fast, capsys):
    (articles / "blank.txt").write_text("  \n", encoding="utf-8")
    (articles / "report.pdf").write_bytes(b"%PDF-1.4")
    (articles / "scan.PDF").write_bytes(b"%PDF-1.4")
    (articles / "notes.csv").write_text("a,b\n", encoding="utf-8")
    assert main(["build", str(articles), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "articles: 3 found, 2 new, 0 already in the store, 1 skipped"
    assert lines[1].startswith(f"  skipped {articles / 'blank.txt'}: ")
    assert "is empty" in lines[1]
    assert lines[2] == "  not read: 1 .csv, 2 .pdf (articles end in .txt, .md, .html, .htm)"
    assert "blank.txt" in captured.err


def test_unresolved_names_are_counted_with_the_command_that_lists_them(
    articles, tmp_path, fast, capsys
):
    (articles / "kolpur.txt").write_text(KOLPUR, encoding="utf-8")
    store = tmp_path / "out" / "incidentmap.db"
    assert main(["build", str(articles), "--out", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()
    (line,) = [x for x in lines if x.startswith("place names not resolved")]
    assert line.startswith("place names not resolved: 1 (Kolpur); ")
    assert line.endswith(f"List them with: incidentmap places unresolved --store {store}")
    assert main(["places", "unresolved", "--store", str(store)]) == 0
    assert capsys.readouterr().out.startswith("Kolpur  (1 mentions in 1 articles)")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, r"found no files in .*in; expected articles ending in \.txt, \.md"),
        (
            {"a.pdf": b"%PDF", "b.pdf": b"%PDF", "c.pdf": b"%PDF"},
            r"found 3 file\(s\) in .*, none readable: 3 \.pdf \(not read: expected \.txt, "
            r"\.md, \.html, \.htm\)\. Nothing was written",
        ),
        (
            {"empty.txt": b"", "scan.pdf": b"%PDF"},
            r"found 2 file\(s\) in .*, none readable: 1 \.pdf \(not read: .*\); 1 unreadable "
            r"article file\(s\): Article file '.*empty\.txt' is empty",
        ),
    ],
)
def test_no_readable_article_exits_1_and_says_what_was_found(
    tmp_path, fast, capsys, files, expected
):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    assert main(["build", str(folder), "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert re.search(expected, captured.err), captured.err
    assert not (tmp_path / "out").exists()  # no store, no empty outputs


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


def test_an_emptied_folder_over_a_filled_store_is_a_rerun_but_rebuild_is_refused(
    articles, tmp_path, fast, capsys
):
    out = tmp_path / "out"
    assert main(["build", str(articles), "--out", str(out)]) == 0
    for path in articles.iterdir():
        path.unlink()
    assert main(["build", str(articles), "--out", str(out)]) == 0  # --prune would retract
    lines = capsys.readouterr().out.splitlines()
    assert "articles: 0 found, 0 new, 0 already in the store, 0 skipped" in lines
    assert "incidents: 2; figures: 2" in lines
    assert main(["build", str(articles), "--out", str(out), "--rebuild"]) == 1
    assert "found no files in" in capsys.readouterr().err


# --- the progress display ---------------------------------------------------------------


STAGE_LINES = [
    "incidentmap: [1/4] loading the gazetteer and district polygons",
    "incidentmap: [2/4] reading articles",
    "incidentmap: [3/4] merging incidents",
    "incidentmap: [4/4] writing the maps and exports",
]


def test_piped_build_prints_one_plain_line_per_stage(articles, tmp_path, fast, capsys):
    assert main(["build", str(articles), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == STAGE_LINES  # on stderr; stdout is the summary
    assert "incidentmap: [" not in captured.out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_build_draws_a_bar_over_all_stages(articles, tmp_path, fast, capsys, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["build", str(articles), "--out", str(tmp_path / "out")]) == 0
    drawn = terminal.getvalue()
    for stage in ("loading the gazetteer", "reading articles", "writing the maps and exports"):
        assert stage in drawn
    assert "/4 stages" in drawn
    assert re.search(r"/2 \[[^]]*file/s\]", drawn)  # the articles' own bar
    assert "incidentmap: [" not in drawn  # the bar, not the plain lines
    assert capsys.readouterr().out.startswith("articles: 2 found")


# --- fetch-boundaries -------------------------------------------------------------------


def test_fetch_without_layers_lists_them(env, capsys):
    assert main(["fetch-boundaries"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "adm1", "adm1-simplified", "adm2", "adm2-simplified", "adm3", "adm3-simplified",
    ]  # fmt: skip
    assert all(line.endswith("not downloaded") for line in lines)
    assert "Open Database License" in lines[4]


def test_fetch_downloads_through_a_mirror_and_checks_the_hash(
    env, local_server, monkeypatch, tmp_path, capsys
):
    www, url = local_server
    content = b'{"type":"FeatureCollection","features":[]}\n'
    fname = "ADM1/geoBoundaries-PAK-ADM1.geojson"
    registry = tmp_path / "registry.txt"
    registry.write_text(f"{fname} sha256:{hashlib.sha256(content).hexdigest()}\n")
    monkeypatch.setattr(boundaries, "REGISTRY", registry)
    (www / "ADM1").mkdir()
    (www / fname).write_bytes(content)
    assert main(["fetch-boundaries", "adm1", "--mirror", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"adm1: {env / fname} (sha256 ok; 7 units, 2019; licence: Public")
    assert (env / fname).read_bytes() == content


def test_fetch_refuses_a_tampered_cache_file_naming_both_hashes(env, capsys):
    cached = env / "ADM3" / "geoBoundaries-PAK-ADM3.geojson"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"tampered")
    assert main(["fetch-boundaries", "adm3"]) == 1
    err = capsys.readouterr().err
    assert str(cached) in err
    assert hashlib.sha256(b"tampered").hexdigest() in err
    assert boundaries.layers()["adm3"].sha256 in err
    assert main(["fetch-boundaries"]) == 0  # the listing says so too
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("adm3 ")]
    assert "REFUSED" in line


def test_fetch_unknown_layer_names_the_known_ones(env, capsys):
    assert main(["fetch-boundaries", "adm7"]) == 1
    assert "unknown boundary layer(s) adm7; expected one of adm1" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "message"), [("0", "1 or more"), ("two", "whole number")])
def test_build_jobs_must_be_a_whole_number_of_processes(value, message, capsys):
    with pytest.raises(SystemExit):
        main(["build", "--jobs", value])
    assert message in capsys.readouterr().err


def test_the_command_ends_at_once_with_mains_code_and_its_output_flushed():
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from geo import cli\n"
        "def main():\n"
        "    sys.stdout.write('said, not yet flushed')\n"
        "    sys.stderr.write('warned')\n"
        "    return 3\n"
        "cli.main = main\n"
        "cli.run()\n"
        "print('never reached')\n"
    )
    # Buffered output, as a command's usually is: what it wrote is flushed at its end.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert (done.returncode, done.stdout, done.stderr) == (3, "said, not yet flushed", "warned")

    # A reader gone away (as | head leaves it) ends the command quietly, with its code:
    # the command writes only once its stdout is closed (it waits for its stdin).
    waiting = code.replace("    sys.stdout.write", "    sys.stdin.read()\n    sys.stdout.write")
    piped = subprocess.Popen(
        [sys.executable, "-c", waiting],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert piped.stdin is not None and piped.stdout is not None and piped.stderr is not None
    piped.stdout.close()
    piped.stdin.close()
    assert piped.wait() == 3
    assert piped.stderr.read() == b"warned"


def test_the_installed_command_is_run():
    import tomllib

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    assert project["project"]["scripts"] == {"incidentmap": "geo.cli:run"}
