"""A build is one unit: staged outputs, the output folder's lock, owed change reports, crashes.

The crash and concurrency tests run the real command in separate processes
and kill them with SIGKILL (or SIGINT), so that what is tested is what a
user's machine does when a build dies.  They read articles the tests write
themselves (they never skip for want of ``../shared``) and check every
output: all of them must equal one reference build's, the old or the new,
never a mix; the store must hold exactly the articles of its last commit;
and the next build must report the dead build's changes.  Processes wait for
each other through the checkpoints they print (:mod:`geo._faults`), never
through sleeps.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from faults import read_only, small_disk

from geo.articles import parse_article
from geo.pipeline import build
from geo.publish import (
    MANIFEST_NAME,
    STAGING_PREFIX,
    STATE_NAME,
    OutputBusyError,
    OutputFolder,
    PublishError,
)

ROOT = Path(__file__).resolve().parents[1]

#: Short reports written for these tests in the project's own words.
OLD = {
    "a1.txt": "url: https://example.org/a1\npublished: 2026-02-01\noutlet: Coast Daily\n---\n"
    "Gunmen attacked a Levies checkpoint in Turbat on Saturday, killing three personnel, "
    "police said.\n",
    "a2.txt": "url: https://example.org/a2\npublished: 2026-02-01\noutlet: Valley Courier\n---\n"
    "A roadside bomb struck a convoy in Panjgur on Saturday. Officials said two soldiers were "
    "killed.\n",
}
NEW = {
    "b1.txt": "url: https://example.org/b1\npublished: 2026-02-02\noutlet: Coast Daily\n---\n"
    "Militants stormed a bank in Kalat on Sunday and killed four guards, a police official "
    "said.\n",
    "b2.txt": "url: https://example.org/b2\npublished: 2026-02-02\noutlet: Hill Times\n---\n"
    "The toll of the attack on a checkpoint in Turbat on Saturday rose to five Levies "
    "personnel, police said.\n",
}
#: Every output a build writes, but the change report (checked on its own).
OUTPUT_FILES = (
    "incidents.csv", "claims.csv", "incidents.geojson", "incidents.html", "areas.csv",
    "incidents.png", "incidents.svg",
)  # fmt: skip


# ------------------------------------------------------------ the folder alone


def _writer(files: dict[str, str]):
    def write(folder: Path) -> dict[str, Path]:
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return {name: folder / name for name in files}

    return write


def test_publish_moves_every_file_and_the_state_last(tmp_path):
    with OutputFolder(tmp_path / "out") as folder:
        paths = folder.publish("t1", _writer({"a.csv": "1\n", "b.csv": "2\n"}), extra={"c": "3"})
        assert folder.published == "t1"
    out = tmp_path / "out"
    assert paths == {"a.csv": out / "a.csv", "b.csv": out / "b.csv", "c": out / "c"}
    assert sorted(p.name for p in out.iterdir()) == [STATE_NAME, "a.csv", "b.csv", "c"]


def test_identical_files_are_not_touched(tmp_path):
    out = tmp_path / "out"
    with OutputFolder(out) as folder:
        folder.publish("t1", _writer({"a.csv": "1\n", "b.csv": "2\n"}))
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    os.utime(out / "a.csv", ns=(1, 1))
    with OutputFolder(out) as folder:
        folder.publish(None, _writer({"a.csv": "1\n", "b.csv": "changed\n"}))
        assert folder.published == "t1"  # no token: the state file stays
    assert (out / "a.csv").stat().st_mtime_ns == 1
    assert (out / "b.csv").read_text() == "changed\n"
    assert (out / STATE_NAME).stat().st_mtime_ns == before[STATE_NAME]


def test_an_output_the_last_publication_wrote_and_this_one_does_not_is_removed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the user's own", encoding="utf-8")
    with OutputFolder(out) as folder:
        folder.publish("t1", _writer({"a.csv": "1\n", "fragment.html": "old"}), extra={"c": "3"})
    with OutputFolder(out) as folder:
        folder.publish("t2", _writer({"a.csv": "2\n"}), keep=["c"])

    # The stale fragment goes; the kept file, and a file the tool never wrote, stay.
    assert sorted(p.name for p in out.iterdir()) == [STATE_NAME, "a.csv", "c", "notes.txt"]
    assert json.loads((out / STATE_NAME).read_text())["files"] == ["a.csv", "c"]


def test_a_state_file_naming_paths_elsewhere_removes_nothing_there(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "precious.txt"
    out.mkdir()
    elsewhere.write_text("keep me", encoding="utf-8")
    (out / ".hidden").write_text("keep me too", encoding="utf-8")
    files = ["../precious.txt", str(elsewhere), ".hidden", STATE_NAME, ""]
    (out / STATE_NAME).write_text(json.dumps({"token": "t0", "files": files}))
    with OutputFolder(out) as folder:
        folder.publish("t1", _writer({"a.csv": "1\n"}))

    assert elsewhere.read_text() == "keep me"
    assert (out / ".hidden").exists()
    assert json.loads((out / STATE_NAME).read_text()) == {"token": "t1", "files": ["a.csv"]}


def test_a_failing_writer_changes_nothing_and_leaves_no_staging(tmp_path):
    out = tmp_path / "out"
    with OutputFolder(out) as folder:
        folder.publish("t1", _writer({"a.csv": "1\n"}))

    def half(folder: Path) -> dict[str, Path]:
        (folder / "a.csv").write_text("2\n")
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "b.csv"))

    with OutputFolder(out) as folder, pytest.raises(PublishError) as info:
        folder.publish("t2", half)
    assert "cannot write the outputs into" in str(info.value)
    assert "No space left on device" in str(info.value)
    assert sorted(p.name for p in out.iterdir()) == [STATE_NAME, "a.csv"]
    assert (out / "a.csv").read_text() == "1\n"


def test_a_writer_must_write_into_the_folder_it_is_given(tmp_path):
    def astray(folder: Path) -> dict[str, Path]:
        (tmp_path / "x.csv").write_text("x")
        return {"x.csv": tmp_path / "x.csv"}

    with OutputFolder(tmp_path / "out") as folder, pytest.raises(ValueError, match="straight"):
        folder.publish("t", astray)


def test_entering_finishes_a_complete_staging_and_clears_the_rest(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.csv").write_text("old\n")
    done = out / f"{STAGING_PREFIX}done"
    done.mkdir()
    (done / "b.csv").write_text("new b\n")  # a.csv was moved before the kill
    manifest = {"token": "t9", "files": ["a.csv", "b.csv"]}
    (done / MANIFEST_NAME).write_text(json.dumps(manifest))
    half = out / f"{STAGING_PREFIX}half"
    half.mkdir()
    (half / "a.csv").write_text("never finished\n")
    (out / ".a.csv.abcd1234.tmp").write_text("orphan")
    (out / "notes.tmp").write_text("the user's, not ours")
    with OutputFolder(out) as folder:
        assert folder.published == "t9"
    assert sorted(p.name for p in out.iterdir()) == [STATE_NAME, "a.csv", "b.csv", "notes.tmp"]
    assert (out / "a.csv").read_text() == "old\n"
    assert (out / "b.csv").read_text() == "new b\n"


def test_the_folder_lock_is_held_and_waited_for(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INCIDENTMAP_TRACE", "out-busy")
    with OutputFolder(tmp_path / "out"):
        with pytest.raises(OutputBusyError, match=r"out is in use by another build \(waited 0 s"):
            OutputFolder(tmp_path / "out", timeout=0.2).__enter__()
        assert capsys.readouterr().err == "checkpoint out-busy\n"
    with OutputFolder(tmp_path / "out", timeout=0):
        pass  # released on exit


# ------------------------------------------------- crashes, with the tests' own articles


def _write(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUT_FILES if (out / name).exists()}


def _ids(articles: dict[str, str]) -> list[str]:
    return sorted(parse_article(text).article_id for text in articles.values())


def _stored(store: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return sorted(r[0] for r in connection.execute("SELECT article_id FROM articles"))
    finally:
        connection.close()


def _leftovers(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(STAGING_PREFIX)
            or p.name.endswith(".tmp")]  # fmt: skip


@pytest.fixture(scope="module")
def references(resources, tmp_path_factory):
    """The outputs of one build of the old articles, and of one build of all of them."""
    base = tmp_path_factory.mktemp("references")
    found = {}
    for key, articles in (("old", OLD), ("new", {**OLD, **NEW})):
        build([_write(base / key, articles)], out_dir=base / f"out-{key}", resources=resources)
        found[key] = _outputs(base / f"out-{key}")
        assert set(found[key]) == set(OUTPUT_FILES)
    assert found["old"] != found["new"]
    return found


def _command(
    folder: Path, out: Path, env: dict[str, str], *, store: Path | None = None
) -> subprocess.Popen:
    store_args = ["--store", str(store)] if store else []
    return subprocess.Popen(
        [sys.executable, "-m", "geo.cli", "build", str(folder), "--out", str(out), "-q",
         *store_args],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip


@pytest.fixture
def env(tmp_path):
    """The environment of a child build: the same boundary data as ``resources``.

    ``resources`` loads what a build finds (``$INCIDENTMAP_DATA``, else the
    shipped layer), so the child inherits ``INCIDENTMAP_DATA`` as it is.
    """

    def make(**extra: str) -> dict[str, str]:
        drop = ("INCIDENTMAP_CHECKPOINT", "INCIDENTMAP_TRACE")
        values = {k: v for k, v in os.environ.items() if k not in drop}
        values["INCIDENTMAP_CACHE"] = str(tmp_path / "empty-cache")
        # This worktree first, whatever copy is installed.
        values["PYTHONPATH"] = os.pathsep.join([str(ROOT), values.get("PYTHONPATH", "")])
        values.update(extra)
        return values

    return make


def _first_build(folder: Path, out: Path, resources) -> None:
    _write(folder, OLD)
    build([folder], out_dir=out, resources=resources)
    _write(folder, NEW)


def _check_recovered(out: Path, references, resources, folder: Path) -> None:
    """The next build writes what the dead one owed: every output new, its changes reported."""
    build([folder], out_dir=out, resources=resources)
    assert _outputs(out) == references["new"]
    changes = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    assert changes["articles"]["new"] == _ids(NEW)
    assert [i["place"] for i in changes["incidents_added"]] == ["Kalat"]
    assert _leftovers(out) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "point",
    ["article-stored", "before-commit", "after-commit", "mid-outputs", "staged", "mid-publish"],
)
def test_build_killed_at_any_point_leaves_agreeing_outputs_and_owes_its_changes(
    point, references, resources, tmp_path, env
):
    folder, out = tmp_path / "articles", tmp_path / "out"
    _first_build(folder, out, resources)
    first_report = (out / "changes.json").read_bytes()
    process = _command(folder, out, env(INCIDENTMAP_CHECKPOINT=point))
    line = process.stderr.readline()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert line.strip() == f"checkpoint {point}", line + process.stderr.read()
    # The store holds exactly its last commit: the old articles, or all of them.
    committed = point not in ("article-stored", "before-commit")
    assert _stored(out / "incidentmap.db") == (_ids({**OLD, **NEW}) if committed else _ids(OLD))
    if point != "mid-publish":
        # Nothing was moved into place yet: every output is the old build's,
        # the change report included.
        assert _outputs(out) == references["old"]
        assert (out / "changes.json").read_bytes() == first_report
    else:
        # Killed between two renames: each file is the old one or the new one...
        state = _outputs(out)
        assert all(state[n] in (references["old"][n], references["new"][n]) for n in state)
    # ...and the next build finishes the job, change report included.
    _check_recovered(out, references, resources, folder)


@pytest.mark.slow
@pytest.mark.parametrize("point", ["article-stored", "after-commit", "staged"])
def test_ctrl_c_prints_one_line_and_leaves_the_last_good_state(
    point, references, resources, tmp_path, env
):
    folder, out = tmp_path / "articles", tmp_path / "out"
    _first_build(folder, out, resources)
    process = _command(folder, out, env(INCIDENTMAP_CHECKPOINT=point))
    assert process.stderr.readline().strip() == f"checkpoint {point}"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert process.stderr.read().splitlines() == [
        "incidentmap: interrupted; nothing was left half-written (run the command again to finish)"
    ]
    # Interrupted once the outputs were complete, the renames were finished.
    assert _outputs(out) == references["new" if point == "staged" else "old"]
    assert _leftovers(out) == []
    _check_recovered(out, references, resources, folder)


def _waits_then_finishes(second: subprocess.Popen, first: subprocess.Popen, says: str) -> None:
    """The second build first says it waits; then the paused first one is killed, and it ends."""
    try:
        line = second.stderr.readline()
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert line.strip() == says, line + second.stderr.read()
    assert second.wait(timeout=300) == 0, second.stderr.read()


@pytest.mark.slow
def test_a_second_build_on_the_same_store_waits_for_the_first(references, tmp_path, env):
    """Two builds, one store, two output folders: the second finds the store busy and waits.

    The second build says so ("checkpoint store-busy") when its first try at
    the write lock fails: without the lock it would never say it, so the test
    cannot pass by accident, and it waits for no timer.
    """
    folder = _write(tmp_path / "articles", {**OLD, **NEW})
    store = tmp_path / "store.db"
    first = _command(folder, tmp_path / "out1", env(INCIDENTMAP_CHECKPOINT="article-stored"),
                     store=store)  # fmt: skip
    assert first.stderr.readline().strip() == "checkpoint article-stored"
    second = _command(folder, tmp_path / "out2", env(INCIDENTMAP_TRACE="store-busy"), store=store)
    _waits_then_finishes(second, first, "checkpoint store-busy")
    assert _outputs(tmp_path / "out2") == references["new"]
    assert _stored(store) == _ids({**OLD, **NEW})


@pytest.mark.slow
def test_two_builds_into_one_folder_with_different_stores_take_turns(references, tmp_path, env):
    """The output folder is locked too: a second build waits, then finishes the first's files."""
    folder = _write(tmp_path / "articles", {**OLD, **NEW})
    out = tmp_path / "out"
    first = _command(folder, out, env(INCIDENTMAP_CHECKPOINT="staged"), store=tmp_path / "s1.db")
    assert first.stderr.readline().strip() == "checkpoint staged"
    second = _command(folder, out, env(INCIDENTMAP_TRACE="out-busy,store-busy"),
                      store=tmp_path / "s2.db")  # fmt: skip
    _waits_then_finishes(second, first, "checkpoint out-busy")
    assert _outputs(out) == references["new"]
    assert _leftovers(out) == []


# ------------------------------------------------ outputs that cannot be written


@pytest.mark.slow
@pytest.mark.parametrize(
    ("error", "raised", "message"),
    [
        pytest.param(
            OSError(errno.ENOSPC, "No space left on device", "incidents.png"),
            PublishError,
            r"No space left on device .*the store keeps this build, and the next build writes",
            id="disk-full",
        ),
        pytest.param(
            ValueError("aspect must be finite and positive"),
            ValueError,
            "aspect must be finite",
            id="error-while-drawing",
        ),
    ],
)
def test_outputs_that_fail_to_be_written_are_owed_to_the_next_build(
    references, resources, tmp_path, monkeypatch, error, raised, message
):
    folder, out = tmp_path / "articles", tmp_path / "out"
    _first_build(folder, out, resources)

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("geo.static.draw_images", fail)
    with pytest.raises(raised, match=message):
        build([folder], out_dir=out, resources=resources)
    assert _outputs(out) == references["old"]
    assert _leftovers(out) == []
    monkeypatch.undo()
    _check_recovered(out, references, resources, folder)


@pytest.mark.slow
def test_full_tmpfs_under_the_outputs(references, resources, tmp_path):
    """The same on a real disk that is full: a tmpfs too small for a second set of outputs."""
    size_kb = sum(map(len, references["old"].values())) * 3 // 2 // 1024
    folder, store = tmp_path / "articles", tmp_path / "store.db"
    with small_disk(tmp_path / "out", size_kb) as out:
        _write(folder, OLD)
        build([folder], out_dir=out, store_path=store, resources=resources)
        _write(folder, NEW)
        with pytest.raises(PublishError, match="No space left on device"):
            build([folder], out_dir=out, store_path=store, resources=resources)
        assert _outputs(out) == references["old"]
        assert _leftovers(out) == []
        assert _stored(store) == _ids({**OLD, **NEW})  # committed, and owed


@pytest.mark.slow
def test_read_only_output_folder_is_refused_before_the_store_is_touched(
    references, resources, tmp_path
):
    folder, out, store = tmp_path / "articles", tmp_path / "out", tmp_path / "store.db"
    _write(folder, OLD)
    build([folder], out_dir=out, store_path=store, resources=resources)
    _write(folder, NEW)
    refused = pytest.raises(PublishError, match=r"out: it is read-only; nothing was changed")
    with read_only(out), refused:
        build([folder], out_dir=out, store_path=store, resources=resources)
    assert _stored(store) == _ids(OLD)
    assert _outputs(out) == references["old"]
    build([folder], out_dir=out, store_path=store, resources=resources)
    assert _outputs(out) == references["new"]
