"""Outputs are written whole or not at all: a temporary file or folder beside the target, then a rename."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import OutputError


def _refuse(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise OutputError(f"{path} exists; use --force to replace it")


def write_bytes(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` atomically; refuse to replace an existing file without ``force``."""
    path = Path(path)
    _refuse(path, force)
    if path.parent and not path.parent.exists():
        raise OutputError(f"cannot write {path}: the folder {path.parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        if "tmp" in locals() and os.path.exists(tmp):
            os.unlink(tmp)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_text(path: Path, text: str, force: bool = False) -> None:
    """Write UTF-8 text atomically (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"), force)


@contextmanager
def atomic_dir(path: Path, force: bool = False) -> Iterator[Path]:
    """Build a folder in a temporary sibling, then move it into place whole.

    An existing folder is replaced only with ``force``; if anything fails, nothing is left.
    """
    path = Path(path)
    _refuse(path, force)
    parent = path.resolve().parent
    if not parent.exists():
        raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=parent))
    try:
        yield tmp
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=parent))
            os.replace(path, old / "x")
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
