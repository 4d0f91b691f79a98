"""Line up several results side by side, after checking they are like for like.

This is ``prevcalc.compare``.

Options with different currencies, price years, horizons or discounting are refused: a
comparison across them would mix units. Bring evidence to one currency and price year with the
scenario's ``exchange_rates`` and item-level ``currency``/``price_year`` (or ``--set``) first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import ModelError
from .result import Result
from .vocabulary import BETTER, SUMMARY_KEYS
from .vocabulary import LIKE_FOR_LIKE as _LIKE_FOR_LIKE


@dataclass
class Comparison:
    """Several options' results, checked like for like."""

    names: list[str]
    results: list[Result]

    def frame(
        self, grouping: str = "total", label: str | None = None, stat: str = "mean"
    ) -> pd.DataFrame:
        """Figures (rows) by option (columns), for the whole scenario or one group's label."""
        cols = {}
        for name, r in zip(self.names, self.results):
            by = r.by(grouping, stat)
            key = label if label is not None else by.index[0]
            cols[name] = (
                by.loc[key, [k for k in by.columns if k in BETTER]]
                if key in by.index
                else pd.Series(np.nan, index=list(SUMMARY_KEYS))
            )
        return pd.DataFrame(cols).astype(float)

    def differences(self, grouping: str = "total", label: str | None = None) -> pd.DataFrame:
        """Each option's figures minus the first option's."""
        f = self.frame(grouping, label)
        return f.sub(f.iloc[:, 0], axis=0).iloc[:, 1:]

    def best(self, grouping: str = "total", label: str | None = None) -> pd.Series:
        """The name of the best option for each figure (None where no option is better)."""
        f = self.frame(grouping, label)
        out: dict[str, Any] = {}
        for index, row in f.iterrows():
            key = str(index)
            direction = BETTER.get(key)
            if key == "irr" and self._borrowing(grouping, label):
                direction = None  # an IRR of flows that start with a gain: higher is not better
            if direction is None or row.isna().all() or len(self.names) < 2:
                out[key] = None
                continue
            values = row.to_numpy()
            target = np.nanmax(values) if direction else np.nanmin(values)
            winners = [n for n, v in zip(self.names, values) if v == target]
            out[key] = winners[0] if len(winners) == 1 else None
        return pd.Series(out, dtype=object)

    def _borrowing(self, grouping: str, label: str | None) -> bool:
        """Whether any option's net flows start with a gain (then an IRR is a borrowing rate)."""
        for r in self.results:
            labels = r.labels[grouping]
            gi = labels.index(label) if label is not None and label in labels else 0
            starts = np.asarray(r.values[grouping]["net_starts_positive"][:, gi], dtype=float)
            if np.any(starts == 1):
                return True
        return False

    def long(self, grouping: str) -> pd.DataFrame:
        """Every option's figures for every group of ``grouping``, in long format."""
        rows = []
        for name, r in zip(self.names, self.results):
            by = r.by(grouping)
            for label, row in by.iterrows():
                rows.append(
                    {"option": name, grouping: label, **{k: row[k] for k in BETTER if k in row}}
                )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """JSON-ready: the options, each option's summary, differences, best per figure."""
        from .result import _json_number

        f, d, best = self.frame(), self.differences(), self.best()
        return {
            "options": [
                {
                    "name": n,
                    "scenario": r.name,
                    "scenario_sha256": r.provenance.get("scenario_sha256"),
                    "variant": r.provenance.get("variant"),
                    "summary": {k: _json_number(f.loc[k, n], k) for k in f.index},
                    "difference_from_first": None
                    if i == 0
                    else {k: _json_number(d.loc[k, n], k) for k in d.index},
                }
                for i, (n, r) in enumerate(zip(self.names, self.results))
            ],
            "best": {k: v for k, v in best.items()},
            "layers": _records(self.long("layer")),
            "agencies": _records(self.long("agency")),
            "currency": self.results[0].currency,
            "price_year": self.results[0].price_year,
            "discounting": {
                "schedule": self.results[0].provenance.get("schedule"),
                "timing": self.results[0].provenance.get("timing"),
            },
        }


def _records(frame: pd.DataFrame) -> list[dict]:
    from .result import _json_number

    return [
        {
            k: (_json_number(v, str(k)) if isinstance(v, float | int | np.floating) else v)
            for k, v in row.items()
        }
        for row in frame.to_dict(orient="records")
    ]


def check_like_for_like(names: list[str], results: list[Result]) -> None:
    """Raise ModelError naming every way the options differ in units or conventions."""
    first = results[0].provenance
    problems = []
    for name, r in zip(names[1:], results[1:]):
        for key, label in _LIKE_FOR_LIKE.items():
            if r.provenance.get(key) != first.get(key):
                problems.append(
                    f"{label}: {names[0]!r} has {first.get(key)!r}, "
                    f"{name!r} has {r.provenance.get(key)!r}"
                )
    if problems:
        raise ModelError(
            "the options are not like for like, so they cannot be compared:\n  "
            + "\n  ".join(problems)
            + "\nBring them to one currency, price year, horizon and discounting (e.g. with --set "
            "currency=GBP --set price_year=2024 and item-level currency/price_year with "
            "exchange_rates)."
        )


def compare(results: list[Result], names: list[str] | None = None) -> Comparison:
    """Check that ``results`` are like for like and line them up; ``names`` label them."""
    if len(results) < 2:
        raise ModelError(
            "a comparison needs at least two options (files, or --variants of one file)"
        )
    names = list(names) if names else [r.name for r in results]
    if len(set(names)) != len(names):
        seen: dict[str, int] = {}
        unique = []
        for n in names:
            seen[n] = seen.get(n, 0) + 1
            unique.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
        names = unique
    check_like_for_like(names, results)
    draws = {r.draws for r in results}
    if len(draws) > 1:
        raise ModelError("the options were run with different numbers of draws")
    return Comparison(names, list(results))
