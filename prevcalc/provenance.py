"""Where a result comes from: the one provenance block every report carries."""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import os
import platform
import sys
from dataclasses import dataclass, field
from typing import Any

from .errors import ModelError, Problem

Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Source:
    """Where a scenario came from: for provenance and for error messages.

    ``positions`` maps each raw location (keys and list indices) to its (line, column) in the
    file, and ``origins`` each overridden location to what set it (a variant or a ``--set``
    option), so that a problem found only when the model runs is still located. Plain data: it
    pickles with the scenario that carries it.
    """

    path: str
    sha256: str
    variant: str | None = None
    overrides: tuple[str, ...] = ()
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)
    origins: dict[Loc, Problem] = field(default_factory=dict, compare=False, repr=False)
    ids: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def problem(self, dotted: str, message: str, hint: str = "") -> Problem:
        """A :class:`Problem` at ``dotted`` (interventions named by id), located in the file."""
        loc: list[Any] = [int(p) if p.isdigit() else p for p in dotted.split(".")]
        if len(loc) > 1 and loc[0] == "interventions" and loc[1] in self.ids:
            loc[1] = self.ids.index(loc[1])
        for n in range(len(loc), 0, -1):
            origin = self.origins.get(tuple(loc[:n]))
            if origin is not None:
                return Problem(
                    origin.line, origin.column, dotted, f"{message} [{origin.message}]", hint
                )
        for n in range(len(loc), -1, -1):
            if tuple(loc[:n]) in self.positions:
                line, col = self.positions[tuple(loc[:n])]
                return Problem(line, col, dotted, message, hint)
        return Problem(0, 0, dotted, message, hint)


def source_of(scenario: Any) -> Source:
    """The :class:`Source` a scenario was loaded from (its declared private attribute
    ``_source``), or a stand-in for one built in Python (hashed from its JSON)."""
    src = getattr(scenario, "_source", None)
    if src is None:
        digest = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
        return Source("<python>", digest)
    return src


#: The libraries whose versions can change a figure; recorded with every run.
LIBRARIES = ("numpy", "scipy", "pandas", "pydantic")


@functools.cache
def _dist_version(name: str) -> str | None:
    """An installed distribution's version, or None if it is not installed.

    The version is read from the name of its ``<name>-<version>.dist-info`` folder, the first
    on ``sys.path`` (the one ``importlib.metadata`` would read): one directory listing, without
    importing ``importlib.metadata`` (tens of milliseconds at start-up). Anything else (an
    egg-info, a name that needs normalising differently) falls back to the package metadata.
    """
    prefix = name.lower().replace("-", "_") + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info") and folder.lower().startswith(prefix):
                found = folder[len(prefix) : -len(".dist-info")]
                if found and "-" not in found:
                    return found
        if any(f.lower().startswith(prefix) and f.endswith(".egg-info") for f in names):
            break
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def version() -> str:
    """The installed prevcalc version (one source: the package metadata)."""
    found = _dist_version("prevcalc")
    return "0+unknown" if found is None else found  # else a source tree that is not installed


def run_at() -> str:
    """When the run happened, as an ISO 8601 UTC time to the second.

    ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention) fixes it, so
    that the same scenario, seed and versions give byte-identical outputs and briefs.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            moment = _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise ModelError(
                f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 (got {epoch!r})"
            ) from None
    else:
        moment = _dt.datetime.now(_dt.UTC)
    return moment.replace(microsecond=0).isoformat()


def libraries() -> dict[str, str]:
    """Python's version and those of the numeric libraries, for the provenance block."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        loaded = getattr(sys.modules.get(name), "__version__", None)
        if isinstance(loaded, str):
            out[name] = loaded
            continue
        found = _dist_version(name)
        out[name] = "not installed" if found is None else found
    return out


def block(
    *,
    scenario: str,
    file: str,
    sha256: str,
    variant: str | None,
    overrides: tuple[str, ...],
    currency: str,
    price_year: int,
    horizon: int,
    schedule: str,
    schedule_label: str,
    bands: tuple,
    timing: str,
    deflator: str,
) -> dict:
    """The provenance of one run, as plain JSON-ready values."""
    return {
        "prevcalc_version": version(),
        "scenario": scenario,
        "file": file,
        "scenario_sha256": sha256,
        "variant": variant,
        "overrides": list(overrides),
        "currency": currency,
        "price_year": price_year,
        "horizon": horizon,
        "schedule": schedule,
        "schedule_description": schedule_label,
        "discount_bands": [[int(y), float(r)] for y, r in bands],
        "timing": timing,
        "deflator": deflator,
        "run_at": run_at(),
        "libraries": libraries(),
    }
