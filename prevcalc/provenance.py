"""Where a result comes from: the one provenance block every report carries."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
from importlib import metadata

from .errors import ModelError

#: The libraries whose versions can change a figure; recorded with every run.
LIBRARIES = ("numpy", "scipy", "pandas", "pydantic")


def version() -> str:
    """The installed prevcalc version (one source: the package metadata)."""
    try:
        return metadata.version("prevcalc")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def run_at() -> str:
    """When the run happened, as an ISO 8601 UTC time to the second.

    ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention) fixes it, so
    that the same scenario, seed and versions give byte-identical outputs and briefs.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            moment = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ModelError(
                f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 (got {epoch!r})"
            ) from None
    else:
        moment = _dt.datetime.now(_dt.timezone.utc)
    return moment.replace(microsecond=0).isoformat()


def libraries() -> dict[str, str]:
    """Python's version and those of the numeric libraries, for the provenance block."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        loaded = getattr(sys.modules.get(name), "__version__", None)
        if isinstance(loaded, str):
            out[name] = loaded
            continue
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def block(*, scenario: str, file: str, sha256: str, variant: str | None, overrides: tuple[str, ...],
          currency: str, price_year: int, horizon: int, schedule: str, schedule_label: str,
          bands: tuple,
          timing: str, deflator: str) -> dict:
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
