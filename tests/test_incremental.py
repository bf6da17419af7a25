"""Builds whose cost follows the new work: unchanged files skipped, nothing new = no write.

Also: ``jobs`` spreads extraction over processes with the same outputs as one.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from geo import _incremental, _parallel, exports, pipeline
from geo.options import MapOptions
from geo.pipeline import STORE_NAME, build
from geo.store import Store

_TOWNS = ("Quetta", "Turbat", "Gwadar", "Kalat", "Pasni", "Mastung", "Nushki", "Panjgur")


def _article(number: int) -> str:
    """A short report written for these tests (the project's own words)."""
    town = _TOWNS[number % len(_TOWNS)]
    day = 1 + number % 9
    killed = 1 + number % 5
    return (
        f"outlet: Test Wire {number % 3}\npublished: 2025-03-{day + 1:02d}\n"
        f"title: Attack in {town}\n---\n"
        f"In {town}, gunmen attacked a police post on {day} March 2025. "
        f"Officials said {killed} policemen were killed and two were injured.\n\n"
        f"The attack in {town} was the latest in the province, a police officer said.\n"
    )


def _write(folder: Path, numbers) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        (folder / f"{number:03d}.txt").write_text(_article(number), encoding="utf-8")


def _age(folder: Path) -> None:
    """Date every file a minute back, so none is "racily" fresh when read."""
    past = time.time_ns() - 60 * 10**9
    for path in folder.iterdir():
        os.utime(path, ns=(past, past))


def _built(tmp_path: Path, resources, count: int):
    """Articles 0..count-1, saved a minute ago, and one build of them: (folder, out, result)."""
    folder, out = tmp_path / "articles", tmp_path / "out"
    _write(folder, range(count))
    _age(folder)
    return folder, out, build([folder], out_dir=out, resources=resources)


def _outputs(out: Path) -> dict[str, bytes]:
    """The output files (not the store and its columns, nor the publishing's hidden record)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(out.iterdir())
        if not p.name.startswith((STORE_NAME, "."))
    }


def _mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir()}


@pytest.fixture
def counted_reads(monkeypatch):
    """The paths ``read_article`` opens during a build."""
    opened: list[str] = []
    real = pipeline.read_article

    def read(path):
        opened.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(pipeline, "read_article", read)
    return opened


@pytest.mark.slow
def test_nothing_new_opens_no_file_and_writes_nothing(resources, tmp_path, counted_reads):
    folder, out, first = _built(tmp_path, resources, 6)
    assert first.n_new == 6
    before, stamps = _outputs(out), _mtimes(out)
    counted_reads.clear()

    again = build([folder], out_dir=out, resources=resources)
    assert counted_reads == []
    assert _mtimes(out) == stamps  # not even rewritten with the same bytes (the store too)
    assert _outputs(out) == before
    assert (again.n_new, again.n_known, again.n_incidents, again.n_claims) == (
        0, 6, first.n_incidents, first.n_claims,
    )  # fmt: skip
    assert again.outputs == first.outputs
    assert not again.changes["incidents_added"] and not again.changes["articles"]["new"]


@pytest.mark.slow
def test_one_more_article_reads_only_that_file(resources, tmp_path, counted_reads):
    folder, out, _ = _built(tmp_path, resources, 6)
    counted_reads.clear()
    _write(folder, [6])
    result = build([folder], out_dir=out, resources=resources)
    assert counted_reads == ["006.txt"]
    assert (result.n_new, result.n_known) == (1, 6)

    once = tmp_path / "once"
    build([folder], out_dir=once, resources=resources)
    assert _outputs(out).keys() == _outputs(once).keys()
    for name in ("incidents.csv", "claims.csv", "areas.csv", "incidents.geojson"):
        assert (out / name).read_bytes() == (once / name).read_bytes(), name


@pytest.mark.slow
def test_a_deleted_output_or_other_options_are_not_nothing_new(resources, tmp_path):
    folder, out, _ = _built(tmp_path, resources, 3)
    (out / "incidents.csv").unlink()
    build([folder], out_dir=out, resources=resources)
    assert (out / "incidents.csv").exists()
    stamp = (out / "incidents.html").stat().st_mtime_ns
    build(
        [folder], out_dir=out, resources=resources,
        map_options=pipeline.MapOptions(self_contained=False),
    )  # fmt: skip
    assert (out / "incidents.html").stat().st_mtime_ns != stamp


@pytest.mark.slow
def test_a_file_changed_in_the_tick_it_was_read_is_read_again(resources, tmp_path):
    folder, out = tmp_path / "articles", tmp_path / "out"
    _write(folder, range(2))
    path = folder / "001.txt"
    stat = path.stat()
    first = build([folder], out_dir=out, resources=resources)
    # Same size, same mtime, other content: only the "racy" rule catches it.
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("police post", "police camp"), encoding="utf-8")
    assert len(path.read_bytes()) == stat.st_size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = build([folder], out_dir=out, resources=resources)
    assert again.n_new == 1
    assert again.replaced and again.replaced[0] in first.changes["articles"]["new"]


@pytest.mark.slow
def test_an_unreadable_file_is_reported_each_build_but_not_read_again(
    resources, tmp_path, counted_reads, caplog
):
    folder, out = tmp_path / "articles", tmp_path / "out"
    _write(folder, range(2))
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02binary" * 100)
    _age(folder)
    first = build([folder], out_dir=out, resources=resources)
    assert [Path(p).name for p in first.skipped] == ["broken.txt"]
    counted_reads.clear()
    caplog.clear()
    again = build([folder], out_dir=out, resources=resources)
    assert counted_reads == []
    assert [Path(p).name for p in again.skipped] == ["broken.txt"]
    assert "broken.txt" in caplog.text


@pytest.mark.slow
def test_a_build_that_died_before_its_outputs_writes_them_next_time(resources, tmp_path):
    folder, out, _ = _built(tmp_path, resources, 2)
    (out / "incidents.csv").write_text("left half-written\n", encoding="utf-8")
    with Store(out / pipeline.STORE_NAME) as store, store.transaction():
        _incremental.mark_outputs(store, None)  # what a build that died half way leaves
    build([folder], out_dir=out, resources=resources)
    # Not taken for a build with nothing to do: the outputs are written again.
    assert (out / "incidents.csv").read_text(encoding="utf-8").startswith("incident_id,")


@pytest.mark.slow
def test_two_processes_give_the_outputs_of_one(resources, tmp_path, monkeypatch):
    folder = tmp_path / "articles"
    _write(folder, range(24))
    drawn_beside = []

    class RecordingHelper(_parallel.Helper):
        def __init__(self, *args, parallel, **kwargs):
            drawn_beside.append(parallel)
            super().__init__(*args, parallel=parallel, **kwargs)

    monkeypatch.setattr(pipeline, "Helper", RecordingHelper)
    serial = build([folder], out_dir=tmp_path / "one", resources=resources, jobs=1)
    pools = []

    class Recording(_parallel.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(_parallel, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(pipeline, "INGEST_BATCH", 10)  # several batches through one pool
    monkeypatch.setattr(_parallel, "MIN_ARTICLES_PER_JOB", 2)
    parallel = build([folder], out_dir=tmp_path / "two", resources=resources, jobs=2)
    assert pools == [2]
    assert drawn_beside == [False, True]  # the static images drawn in a second process
    assert parallel.n_new == serial.n_new == 24
    assert _outputs(tmp_path / "two") == _outputs(tmp_path / "one")


@pytest.mark.parametrize(
    ("jobs", "error", "match"),
    [(0, ValueError, "at least 1"), (1.5, TypeError, "must be an int"), (True, TypeError, "int")],
)
def test_jobs_must_be_a_positive_int(jobs, error, match, tmp_path):
    with pytest.raises(error, match=match):
        build([tmp_path], out_dir=tmp_path / "out", jobs=jobs)


_RUN = """
import json, sys
from geo.cli import main
code = main(sys.argv[1:])
heavy = [m for m in ("geopandas", "folium", "matplotlib") if m in sys.modules]
print(json.dumps({"code": code, "heavy": heavy}))
"""


@pytest.mark.slow
def test_the_command_line_with_nothing_new_loads_nothing_heavy(boundary_data_dir, tmp_path):
    import json
    import shutil
    import subprocess
    import sys

    from geo.districts import ADM2_FILENAME

    data = tmp_path / "data" / "boundaries"
    data.mkdir(parents=True)
    found = next(p for p in boundary_data_dir.rglob(ADM2_FILENAME))
    shutil.copy(found, data / ADM2_FILENAME)
    folder, out = tmp_path / "articles", tmp_path / "out"
    _write(folder, range(3))
    _age(folder)
    env = {
        **os.environ,
        "INCIDENTMAP_DATA": str(data.parent),
        "INCIDENTMAP_CACHE": str(tmp_path / "cache"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }

    def run() -> dict:
        argv = ["build", str(folder), "--out", str(out), "-q", "--jobs", "1"]
        done = subprocess.run(
            [sys.executable, "-c", _RUN, *argv], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.splitlines()[-1])

    assert run()["heavy"]  # the first build loads and writes everything
    stamps = _mtimes(out)
    assert run() == {"code": 0, "heavy": []}
    assert _mtimes(out) == stamps
    # New polygons (same path, new mtime) are something new: the map is drawn again
    # (and, its bytes being the same, left in place: geo.publish touches no equal file).
    os.utime(data / ADM2_FILENAME)
    assert run()["heavy"]


@pytest.mark.slow
def test_re_reading_the_store_in_two_processes_gives_the_same_tables(
    resources, tmp_path, monkeypatch
):
    folder, out, first = _built(tmp_path, resources, 20)
    before = {n: (out / n).read_bytes() for n in ("incidents.csv", "claims.csv", "areas.csv")}
    with Store(out / pipeline.STORE_NAME) as store, store.transaction():
        store.set_meta("extractor", "an-older-extractor")
    monkeypatch.setattr(_parallel, "MIN_ARTICLES_PER_JOB", 2)
    again = build([folder], out_dir=out, resources=resources, jobs=2)
    assert (again.reextracted, again.n_new) == (20, 0)
    assert {n: (out / n).read_bytes() for n in before} == before


def test_path_keys_resolve_as_path_resolve_does(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "linked-folder").symlink_to(real)
    (tmp_path / "link.txt").symlink_to(real / "a.txt")
    monkeypatch.chdir(tmp_path)
    paths = [
        real / "a.txt", tmp_path / "linked-folder" / "a.txt", tmp_path / "link.txt",
        Path("real/a.txt"), Path("linked-folder/../real/a.txt"), Path("missing.txt"),
    ]  # fmt: skip
    keys = _incremental.PathKeys()
    assert [keys(p) for p in paths] == [_incremental.path_key(p) for p in paths]
    assert keys(tmp_path / "link.txt") == str((real / "a.txt").resolve())


def test_dropping_the_fragment_removes_it_and_keeps_the_change_report(resources, tmp_path):
    folder, out, _ = _built(tmp_path, resources, 2)
    build([folder], out_dir=out, resources=resources, map_options=MapOptions(fragment=True))
    assert (out / exports.FRAGMENT_NAME).exists()

    build([folder], out_dir=out, resources=resources)  # nothing new, no fragment asked

    assert not (out / exports.FRAGMENT_NAME).exists()  # its figures would go stale
    assert (out / pipeline.CHANGES_NAME).exists()


def test_the_generation_moves_with_a_transaction_from_any_connection(tmp_path):
    path = tmp_path / "store.db"
    with Store(path) as store, Store(path) as other:
        first = store.generation()
        store.article_ids()
        assert store.generation() == first  # reading writes nothing
        with other.transaction():
            other.set_meta("note", "written by another connection")
        assert store.generation() != first


@pytest.fixture
def counted_scans(monkeypatch):
    """How many times a build stat'ed its input files against the store."""
    calls: list[int] = []
    real = _incremental.scan

    def scan(store, files, known_keys=None):
        calls.append(1)
        return real(store, files, known_keys)

    monkeypatch.setattr(_incremental, "scan", scan)
    return calls


@pytest.mark.slow
def test_a_build_scans_its_files_once_unless_the_store_moved(
    resources, tmp_path, counted_scans, monkeypatch
):
    folder, out, _ = _built(tmp_path, resources, 4)
    _write(folder, [4])
    _age(folder)
    counted_scans.clear()
    build([folder], out_dir=out, resources=resources)
    assert len(counted_scans) == 1  # the check's scan, used again by the build

    # Another connection writes the store between the check and the build: the
    # check's scan may no longer say what the store holds, and is taken again.
    _write(folder, [5])
    _age(folder)
    real_check = pipeline._unchanged_build

    def check(*args, **kwargs):
        answer = real_check(*args, **kwargs)
        with Store(out / "incidentmap.db") as other, other.transaction():
            other.set_meta("note", "a write between the check and the build")
        return answer

    monkeypatch.setattr(pipeline, "_unchanged_build", check)
    counted_scans.clear()
    result = build([folder], out_dir=out, resources=resources)
    assert len(counted_scans) == 2
    assert result.n_new == 1


def test_a_scan_takes_the_walks_resolved_paths_but_resolves_links_again(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    plain, target, link = folder / "a.txt", tmp_path / "elsewhere.txt", folder / "b.txt"
    plain.write_text("A report.", encoding="utf-8")
    target.write_text("Another report.", encoding="utf-8")
    link.symlink_to(target)
    given = {plain: "/as/the/walk/found/a.txt", link: "/stale/b.txt"}
    with Store(tmp_path / "store.db") as store:
        scan = _incremental.scan(store, [plain, link], given)
    assert scan.keys == {str(plain): "/as/the/walk/found/a.txt", str(link): str(target.resolve())}


@pytest.mark.slow
def test_a_build_draws_the_same_image_whether_it_located_the_incidents_first(
    resources, tmp_path, monkeypatch
):
    """Every toll known (the common case): drawn early; one not known: drawn from the model."""
    from geo import model as model_module

    folder = tmp_path / "articles"
    _write(folder, range(6))
    _age(folder)
    starts: list[str] = []
    real_start = exports.Underway.start_drawing

    def recording(self, places, helper, *, title):
        starts.append(type(places).__name__)
        return real_start(self, places, helper, title=title)

    monkeypatch.setattr(exports.Underway, "start_drawing", recording)
    early = build([folder], out_dir=tmp_path / "early", resources=resources, jobs=2)
    monkeypatch.setattr(model_module, "known_toll_frame", lambda known, ids: None)
    late = build([folder], out_dir=tmp_path / "late", resources=resources, jobs=2)

    assert starts == ["Places", "Model"]
    assert early.n_incidents == late.n_incidents > 0
    assert _outputs(tmp_path / "late") == _outputs(tmp_path / "early")


def test_a_survey_in_a_forked_process_answers_as_one_here(resources, tmp_path, caplog):
    """jobs=2 finds and checks the files in a forked process: same answers, logged here."""
    folder, out, _ = _built(tmp_path, resources, 3)
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02binary" * 100)
    _age(folder)
    build([folder], out_dir=out, resources=resources)  # reads the broken file once
    answers = {}
    for jobs in (1, 2):
        caplog.clear()
        answers[jobs] = build([folder], out_dir=out, resources=resources, jobs=jobs)
        assert "broken.txt" in caplog.text  # a warning of the survey, said in this process
    assert answers[2] == answers[1]
    assert (answers[2].n_new, answers[2].n_known, answers[2].n_files) == (0, 3, 4)

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.pdf").write_bytes(b"%PDF")
    messages = set()
    for jobs in (1, 2):
        with pytest.raises(pipeline.NoReadableArticleError) as raised:
            build([empty], out_dir=tmp_path / f"none{jobs}", resources=resources, jobs=jobs)
        messages.add(str(raised.value).replace(f"none{jobs}", "none"))
    assert len(messages) == 1 and "1 .pdf" in messages.pop()


@pytest.mark.slow
def test_a_damaged_store_is_found_by_the_survey_in_a_forked_process(resources, tmp_path):
    """Wherever a page is damaged (the meta the survey reads, or claims it does not), the
    build says the store is damaged, in one process or two."""
    import shutil

    from geo.store import StoreDamagedError

    folder, out, _ = _built(tmp_path, resources, 3)
    _write(folder, [3])
    _age(folder)
    store = out / STORE_NAME
    intact = store.read_bytes()
    pages = len(intact) // 4096

    def survey(path: Path):
        return pipeline._survey(
            [folder], path, "key", resources, rebuild=False, check=True, prune=False, out=out,
            check_store=True,
        )  # fmt: skip

    for page in range(1, pages):  # page 0 holds the header: SQLite then sees no database
        data = bytearray(intact)
        data[page * 4096 : (page + 1) * 4096] = b"\xff" * 4096  # a page of garbage
        store.write_bytes(bytes(data))
        assert survey(store).sound is False, page
        for jobs in (1, 2):
            with pytest.raises(StoreDamagedError):
                build([folder], out_dir=out, resources=resources, jobs=jobs)
    store.write_bytes(intact)
    assert survey(store).sound is True
    assert survey(tmp_path / "absent.db").sound is None  # nothing to check: the build makes it
    shutil.rmtree(out)
