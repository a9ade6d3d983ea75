"""Atomic writes: complete or nothing, the old file kept on failure, no temporary file left behind."""
import os

import pytest

from derivations.engine.output import write_atomically


def test_text_bytes_and_writer_functions(tmp_path):
    assert open(write_atomically(tmp_path / "a.txt", "α\n"), encoding="utf-8").read() == "α\n"
    assert open(write_atomically(tmp_path / "b.bin", b"\x00\x01"), "rb").read() == b"\x00\x01"
    assert open(write_atomically(tmp_path / "c.bin", lambda fh: fh.write(b"xyz")), "rb").read() == b"xyz"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.bin", "c.bin"]


def test_a_failing_writer_keeps_the_old_file(tmp_path):
    target = tmp_path / "doc.tex"
    target.write_text("old")

    def half_then_fail(fh):
        fh.write(b"new but incompl")
        raise OSError(27, "File too large")
    with pytest.raises(OSError, match="too large"):
        write_atomically(target, half_then_fail)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["doc.tex"]


def test_permissions_of_an_existing_file_are_kept(tmp_path):
    target = tmp_path / "doc.tex"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_atomically(target, "new")
    assert target.read_text() == "new" and (os.stat(target).st_mode & 0o777) == 0o640


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_bad_path_is_a_value_error(bad):
    with pytest.raises(ValueError, match="path"):
        write_atomically(bad, "x")
