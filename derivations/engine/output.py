"""Files the toolkit writes are written atomically: to a temporary file in the target's folder, then renamed
over the target (``os.replace``) only once complete, so a failed or interrupted write leaves any existing
file intact and never a truncated one.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = write_atomically(os.path.join(folder, "eq.tex"), "x = 1\\n")
>>> open(path).read(), sorted(os.listdir(folder))
('x = 1\\n', ['eq.tex'])
"""
from __future__ import annotations

import os
import tempfile
from typing import Callable


def write_atomically(path: str, content: str | bytes | Callable, encoding: str = "utf-8") -> str:
    """Write ``content`` (text, bytes, or a function ``f(binary_file)`` that writes into it) to ``path``
    through a temporary file in the same folder; returns ``path``. On any error the temporary file is
    removed and the error raised; the old ``path`` is untouched."""
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path).strip():
        raise ValueError(f"path must be a non-empty file name, got {path!r}")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content.encode(encoding) if isinstance(content, str) else content)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
