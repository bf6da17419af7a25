import os

import pytest

from geo.atomic import atomic_write, write_bytes_atomic, write_text_atomic


def test_write_replaces_whole_file(tmp_path):
    target = tmp_path / "out" / "map.html"
    write_text_atomic(target, "first")
    write_text_atomic(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["map.html"]


def test_failure_mid_write_keeps_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "incidents.csv"
    write_text_atomic(target, "good")
    with pytest.raises(RuntimeError, match="disk full"), atomic_write(target) as handle:
        handle.write("half of a new fi")
        raise RuntimeError("disk full")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["incidents.csv"]


def test_mode_follows_umask_not_mkstemp(tmp_path):
    old = os.umask(0o022)
    try:
        write_bytes_atomic(tmp_path / "x.bin", b"\x00\x01")
    finally:
        os.umask(old)
    assert (tmp_path / "x.bin").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "x.bin").read_bytes() == b"\x00\x01"
