"""Where a result comes from: the one provenance block every report carries."""

from __future__ import annotations

import datetime as _dt
from importlib import metadata


def version() -> str:
    """The installed prevcalc version (one source: the package metadata)."""
    try:
        return metadata.version("prevcalc")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


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
        "run_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
    }
