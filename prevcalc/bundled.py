"""The scenarios bundled with prevcalc.

They are listed by ``prevcalc scenarios`` and copied by ``prevcalc init``.

In an installed wheel they live in ``prevcalc/scenarios``; in a source checkout (an editable
install) they are the repository's ``scenarios/`` folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import ModelError


def scenario_dir() -> Path:
    """The folder holding the bundled scenario files."""
    packaged = Path(str(resources.files("prevcalc"))) / "scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True)
class Bundled:
    key: str  # file stem, e.g. "shared_lives"
    path: Path
    summary: str  # the first comment line of the file


def bundled() -> list[Bundled]:
    """Every bundled scenario, by file name."""
    out = []
    for path in sorted(scenario_dir().glob("*.yaml")):
        first = ""
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("#"):
                first = line.lstrip("# ").strip()
                break
        out.append(Bundled(path.stem, path, first))
    return out


def find(key: str) -> Bundled:
    """The bundled scenario named ``key`` (file stem, with or without .yaml)."""
    import difflib

    key = key.removesuffix(".yaml")
    items = {b.key: b for b in bundled()}
    if key in items:
        return items[key]
    match = difflib.get_close_matches(key, list(items), n=1)
    hint = f"; did you mean {match[0]!r}?" if match else ""
    raise ModelError(
        f"no bundled scenario named {key!r}{hint} (see prevcalc scenarios: {', '.join(items)})"
    )
