"""Outputs are written whole or not at all: a temporary file or folder beside the target, then a
rename.

Files and folders are created with the modes the user's umask gives (as any other program's
would be), not the private 0600/0700 of ``tempfile``. A failure to write (a read-only folder, a
full disk) is an :class:`~prevcalc.errors.OutputError` naming the path and the reason, and leaves
nothing behind.

A folder written by :func:`atomic_dir` carries a marker file listing what it holds. Only such a
folder is ever replaced: a folder without the marker, or one holding files the marker does not
list, is refused even with ``force``, so replacing a brief can never delete anyone's other files.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import OutputError

#: The marker file a folder written by :func:`atomic_dir` carries.
MARKER = ".prevcalc-brief"
#: Files an operating system adds to a folder on its own; they do not make a folder "someone's".
SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
#: A temporary folder older than this is left over from an interrupted run, whoever made it.
STALE_AFTER = 24 * 3600

_BINARY = getattr(os, "O_BINARY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _temp_name(name: str, role: str) -> str:
    """``.<name>.prevcalc-<role>-<host>-<pid>-<random>``: hidden, and plainly ours."""
    return f".{name}.prevcalc-{role}-{_host()}-{os.getpid()}-{secrets.token_hex(4)}"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _refuse(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise OutputError(f"{path} exists; use --force to replace it")


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (os.write may write fewer)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def write_bytes(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` atomically; refuse to replace an existing file without ``force``.

    The file's mode is 0o666 less the umask. Any failure raises
    :class:`~prevcalc.errors.OutputError` with the path and the reason, and leaves ``path`` as it
    was.
    """
    path = Path(path)
    _refuse(path, force)
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: {_not_a_folder(parent)}")
    tmp = parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        # os.open's mode passes through the umask, as open() does for any other program.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY | _CLOEXEC, 0o666)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
        raise


def write_text(path: Path, text: str, force: bool = False) -> None:
    """Write UTF-8 text atomically (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"), force)


# -- folders ---------------------------------------------------------------------------------------


def _entries(folder: Path) -> list[str]:
    """Every file, link and folder under ``folder``, as relative POSIX paths (links not
    followed)."""
    out = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        rel = Path(root).relative_to(folder)
        out += [(rel / d).as_posix() for d in dirs]
        out += [(rel / f).as_posix() for f in files]
    return out


def read_marker(folder: Path, marker: str = MARKER) -> dict[str, Any] | None:
    """The marker of a folder written by :func:`atomic_dir`, or None if it has none (or not
    ours)."""
    path = Path(folder) / marker
    if not path.is_file() or path.is_symlink():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("written_by") != "prevcalc"
        or not isinstance(data.get("files"), list)
    ):
        return None
    return data


def _foreign(folder: Path, marker: dict[str, Any], name: str) -> list[str]:
    """What ``folder`` holds that its marker does not list (the marker itself and system files
    aside)."""
    files = {str(f) for f in marker["files"]}
    parents = {p.as_posix() for f in files for p in Path(f).parents if p != Path(".")}
    allowed = files | parents | {name}
    return sorted(
        e for e in _entries(folder) if e not in allowed and Path(e).name not in SYSTEM_FILES
    )


def _check_replaceable(path: str, target: Path, force: bool, marker: str) -> bool:
    """Refuse to replace anything but an empty folder or a folder we wrote; True if ``target``
    exists."""
    if not os.path.lexists(target):
        return False
    if target.is_symlink() or not target.is_dir():
        raise OutputError(f"{path} exists and is not a folder; choose another --out")
    if not any(target.iterdir()):
        return True
    mark = read_marker(target, marker)
    if mark is None:
        raise OutputError(
            f"{path} is not empty and is not a brief prevcalc wrote (it has no {marker} file), "
            "so it is not replaced, even with --force; choose a new folder, or empty this one"
        )
    foreign = _foreign(target, mark, marker)
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise OutputError(
            f"{path} holds files prevcalc did not write ({shown}), so it is not replaced, "
            "even with "
            "--force; move them out, or choose another folder"
        )
    if not force:
        raise OutputError(f"{path} exists; use --force to replace it")
    return True


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill would end the process there; age alone decides
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale(parent: Path, name: str) -> list[Path]:
    """Remove temporary folders that an interrupted run (killed, power cut) left beside ``name``.

    A folder is removed only if its name is one :func:`atomic_dir` gives and it is stale: made on
    this machine by a process that no longer runs, or older than :data:`STALE_AFTER`. Returns
    what was removed.
    """
    pattern = re.compile(
        rf"\.{re.escape(name)}\.prevcalc-(?:tmp|old)-([0-9a-f]{{8}})-(\d+)-[0-9a-f]{{8}}"
    )
    here, now = _host(), time.time()
    removed: list[Path] = []
    try:
        candidates = list(Path(parent).iterdir())
    except OSError:
        return removed
    for p in candidates:
        m = pattern.fullmatch(p.name)
        if not m or p.is_symlink() or not p.is_dir():
            continue
        try:
            age = now - p.lstat().st_mtime
        except OSError:
            continue
        pid = int(m.group(2))
        mine = m.group(1) == here
        if age > STALE_AFTER or (mine and pid != os.getpid() and not _alive(pid)):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _contains_cwd(target: Path) -> bool:
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        return False
    return cwd == target or target in cwd.parents


@contextmanager
def atomic_dir(
    path: Path, force: bool = False, marker: str = MARKER, stamp: dict[str, Any] | None = None
) -> Iterator[Path]:
    """Build a folder in a temporary sibling, then move it into place whole.

    The folder gets a ``marker`` file (JSON: ``written_by``, the ``stamp`` items, and the
    ``files`` it holds). An existing empty folder is taken over; one that carries the marker and
    nothing the marker does not list is replaced with ``force``; anything else is an
    :class:`~prevcalc.errors.OutputError`. So is the current folder, or one holding it (moving it
    would pull the folder out from under the shell). Temporary folders that an interrupted run
    left are cleaned first. If anything fails, the target is as it was and nothing is left.
    """
    path = Path(path)
    target = path.resolve()
    # The folder as the user gave it, and where that is if it was relative (".", "..").
    label = str(path) if path.is_absolute() else f"{path} ({target})"
    exists = _check_replaceable(label, target, force, marker)
    if exists and _contains_cwd(target):
        raise OutputError(
            f"{label} is the current folder (or holds it), so it is not replaced; "
            "write the brief into a folder of its own, e.g. --out brief"
        )
    parent = target.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: {_not_a_folder(parent)}")
    clean_stale(parent, target.name)
    tmp = parent / _temp_name(target.name, "tmp")
    try:
        os.mkdir(tmp, 0o777)  # the umask applies, as for any folder the user makes
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)} ({parent})") from None
    try:
        yield tmp
        files = sorted(e for e in _entries(tmp) if (tmp / e).is_file())
        note = {"written_by": "prevcalc", **(stamp or {}), "files": files}
        write_text(tmp / marker, json.dumps(note, indent=1) + "\n")
        _swap(label, target, tmp, marker)
    except OutputError as exc:  # a file inside failed: name it where the user will look for it
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(str(exc).replace(str(tmp), str(path))) from None
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        where = str(exc.filename) if exc.filename else ""
        if where.startswith(str(tmp)):
            where = str(path) + where[len(str(tmp)) :]  # the path the user asked for, not ours
        raise OutputError(
            f"cannot write {path}: {_reason(exc)}" + (f" ({where})" if where else "")
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(path: str, target: Path, tmp: Path, marker: str) -> None:
    """Put ``tmp`` where ``target`` is: move an old folder aside, check it, move the new one in."""
    if not os.path.lexists(target):
        try:
            os.rename(tmp, target)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
                raise OutputError(
                    f"{path} appeared while the brief was being written; it is not replaced"
                ) from None
            raise
        return
    old = target.parent / _temp_name(target.name, "old")
    os.rename(target, old)
    # Check again what was moved aside: a file added since the first check is not ours to delete.
    mark = read_marker(old, marker)
    if any(old.iterdir()) and (mark is None or _foreign(old, mark, marker)):
        os.rename(old, target)
        raise OutputError(f"{path} changed while the brief was being written; it is not replaced")
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _not_a_folder(parent: Path) -> str:
    """Why ``parent`` cannot hold a new file: it does not exist, or it is not a folder."""
    if parent.exists():
        return f"{parent} is a file, not a folder"
    return f"the folder {parent} does not exist"
