"""The result of a run: labelled arrays plus provenance, exposed as pandas objects.

A :class:`Result` holds, for each grouping (the whole scenario, each intervention, each layer,
each agency), every metric as an array of shape (draw, group); a deterministic run has one draw.
It also holds the mean undiscounted flows of every line (cost item or outcome) by year, from
which the year-by-year cash flows and any other table are derived.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import metrics, provenance

#: The summary figures, in FORMAT.md's order and spelling.
SUMMARY_KEYS = (
    "pv_costs", "pv_benefits", "npv", "bcr", "roi", "payback_year", "discounted_payback_year",
    "irr", "participants", "npv_per_participant", "npv_per_person",
)
GROUPINGS = ("total", "intervention", "layer", "agency")
_INTEGER_KEYS = {"payback_year", "discounted_payback_year"}


class Metrics(Mapping):
    """Per-draw metrics of one grouping, each shape (draw, group).

    Only what cannot be derived is stored (PV costs, PV benefits, participants, the
    participant-weighted per-person NPV, payback years, IRR); NPV, BCR, ROI and the
    per-participant and per-person figures are computed when asked for. Over a million draws
    this halves the memory a result needs.
    """

    DERIVED = ("npv", "bcr", "roi", "npv_per_participant", "npv_per_person")

    def __init__(self, stored: dict[str, np.ndarray]):
        self._stored = stored

    def __getitem__(self, key: str) -> np.ndarray:
        s = self._stored
        if key in s:
            return s[key]
        with np.errstate(divide="ignore", invalid="ignore"):
            if key == "npv":
                return s["pv_benefits"] - s["pv_costs"]
            if key == "bcr":
                return metrics.bcr(s["pv_benefits"], s["pv_costs"])
            if key == "roi":
                return metrics.roi(s["pv_benefits"] - s["pv_costs"], s["pv_costs"])
            p = s["participants"]
            if key == "npv_per_participant":
                return np.where(p > 0, (s["pv_benefits"] - s["pv_costs"]) / np.where(p > 0, p, 1), np.nan)
            if key == "npv_per_person":
                return np.where(p > 0, s["per_person_sum"] / np.where(p > 0, p, 1), np.nan)
        raise KeyError(key)

    def __iter__(self):
        return iter(list(self._stored) + [k for k in self.DERIVED if k not in self._stored])

    def __len__(self) -> int:
        return len(list(iter(self)))


@dataclass
class Result:
    """Everything a report needs from one run.

    Attributes
    ----------
    values : grouping -> metric -> ndarray, shape (draw, group) (a :class:`Metrics` mapping).
    labels : grouping -> the group labels (intervention ids, layers, agencies).
    lines : one row per cost item or outcome (intervention, layer, kind, item, agency,
        value_type, name, source).
    flows : ndarray, shape (line, year): mean undiscounted flow of each line (costs positive).
    factors : ndarray, shape (year,): the discount factor applied to each year's flows.
    notes : caveats found while running (cut-off flows, gross benefits, non-unique IRR...).
    waterfall : what each adjustment removes from each outcome (``engine.adjustment_waterfall``).
    provenance : version, file hash, seed, schedule, timing, price year...
    """

    name: str
    currency: str
    price_year: int
    horizon: int
    values: dict[str, dict[str, np.ndarray]]
    labels: dict[str, list[str]]
    lines: pd.DataFrame
    flows: np.ndarray
    factors: np.ndarray
    layers: dict[str, str]
    notes: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    waterfall: pd.DataFrame | None = None  # the adjustment waterfall at central values

    @classmethod
    def build(cls, model: Any, src: Any, schedule_text: str, values: dict, groups: dict,
              flows: np.ndarray, notes: list[str]) -> "Result":
        """Assemble a result from the engine's compiled model and evaluated arrays."""
        sc = model.scenario
        lines = pd.DataFrame(
            [
                {
                    "intervention": ln.intervention, "layer": ln.layer, "kind": ln.kind,
                    "item": ln.item, "agency": ln.agency, "value_type": ln.value_type,
                    "name": ln.name, "source": ln.source,
                }
                for ln in model.lines
            ],
            columns=["intervention", "layer", "kind", "item", "agency", "value_type", "name", "source"],
        )
        prov = provenance.block(
            scenario=sc.name, file=src.path, sha256=src.sha256, variant=src.variant,
            overrides=src.overrides, currency=sc.currency, price_year=sc.price_year,
            horizon=sc.horizon, schedule=sc.discounting.schedule,
            schedule_label=schedule_text, bands=model.bands, timing=sc.discounting.timing,
            deflator=sc.deflator,
        )
        return cls(
            name=sc.name, currency=sc.currency, price_year=sc.price_year, horizon=sc.horizon,
            values=values, labels={g: groups[g][0] for g in groups}, lines=lines, flows=flows,
            factors=model.factors, layers={iv.id: iv.layer for iv in sc.interventions},
            notes=notes, provenance=prov,
            sources={iv.id: iv.source or "" for iv in sc.interventions},
        )

    # -- shape ------------------------------------------------------------------------------

    @property
    def draws(self) -> int:
        """Number of draws (1 for a deterministic run)."""
        return next(iter(self.values["total"].values())).shape[0]

    def metric(self, key: str, grouping: str = "total") -> np.ndarray:
        """The raw array of one metric, shape (draw, group)."""
        return self.values[grouping][key]

    # -- tables -------------------------------------------------------------------------------

    def by(self, grouping: str, stat: str = "mean") -> pd.DataFrame:
        """Metrics for each group of ``grouping`` (intervention, layer, agency or total).

        With several draws each figure is the ``stat`` over draws (mean, median, p05, p95...).
        """
        if grouping not in self.values:
            raise ValueError(f"grouping must be one of {', '.join(GROUPINGS)}")
        data = {k: _stat(self.values[grouping][k], stat) for k in SUMMARY_KEYS}
        frame = pd.DataFrame(data, index=pd.Index(self.labels[grouping], name=grouping))
        if grouping == "intervention":
            frame.insert(0, "layer", [self.layers[i] for i in frame.index])
        if self.draws > 1:
            frame["prob_npv_positive"] = np.mean(self.values[grouping]["npv"] > 0, axis=0)
        return frame

    def summary(self, stat: str = "mean") -> pd.Series:
        """The scenario's summary figures (FORMAT.md keys); ``stat`` over draws if several."""
        row = self.by("total", stat).iloc[0]
        row.name = self.name
        return row

    def distribution(self, grouping: str = "total", ci: float = 0.90) -> pd.DataFrame:
        """Mean, median and the ``ci`` interval of every figure, per group (long format)."""
        lo, hi = _interval_keys(ci)
        rows = []
        for gi, label in enumerate(self.labels[grouping]):
            for k in SUMMARY_KEYS:
                a = self.values[grouping][k][:, gi]
                rows.append({grouping: label, "metric": k, "mean": _stat(a[:, None], "mean")[0],
                             "median": _stat(a[:, None], "median")[0],
                             lo: _stat(a[:, None], lo)[0], hi: _stat(a[:, None], hi)[0]})
        return pd.DataFrame(rows)

    def cashflows(self) -> pd.DataFrame:
        """Year-by-year flows: costs, benefits, net, discount factor, PV net, cumulative PV net."""
        is_cost = (self.lines["kind"] == "cost").to_numpy()
        costs = self.flows[is_cost].sum(axis=0) if is_cost.any() else np.zeros(self.horizon)
        benefits = self.flows[~is_cost].sum(axis=0) if (~is_cost).any() else np.zeros(self.horizon)
        net = benefits - costs
        pv = net * self.factors
        return pd.DataFrame({
            "year": np.arange(self.horizon), "costs": costs, "benefits": benefits, "net": net,
            "discount_factor": self.factors, "pv_net": pv, "cumulative_pv_net": np.cumsum(pv),
        })

    def to_frame(self) -> pd.DataFrame:
        """Every line's undiscounted and discounted flow in every year, in long format."""
        years = np.arange(self.horizon)
        frames = []
        for j, row in self.lines.iterrows():
            f = pd.DataFrame({"year": years, "flow": self.flows[j], "pv": self.flows[j] * self.factors})
            for col, val in row.items():
                f[col] = val
            frames.append(f)
        cols = list(self.lines.columns) + ["year", "flow", "pv"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)

    # -- machine-readable output ----------------------------------------------------------------

    def to_dict(self, ci: float = 0.90) -> dict[str, Any]:
        """The JSON object of FORMAT.md ("Machine-readable output")."""
        prov = self.provenance
        out: dict[str, Any] = {
            "prevcalc_version": prov.get("prevcalc_version"),
            "scenario": self.name,
            "scenario_sha256": prov.get("scenario_sha256"),
            "price_year": self.price_year,
            "currency": self.currency,
            "discounting": {"schedule": prov.get("schedule"), "timing": prov.get("timing")},
            "summary": self._figures("total", 0, ci),
            "interventions": [
                {"id": label, "layer": self.layers[label], **self._figures("intervention", gi, ci)}
                for gi, label in enumerate(self.labels["intervention"])
            ],
            "layers": [
                {"layer": label, **self._figures("layer", gi, ci)}
                for gi, label in enumerate(self.labels["layer"])
            ],
            "agencies": [
                {"agency": label, **self._figures("agency", gi, ci)}
                for gi, label in enumerate(self.labels["agency"])
            ],
            "years": [
                {k: _json_number(v, k) for k, v in row.items()}
                for row in self.cashflows().to_dict(orient="records")
            ],
            "notes": list(self.notes),
            "provenance": {k: v for k, v in prov.items()},
        }
        if self.draws > 1:
            out["draws"] = self.draws
        return out

    def _figures(self, grouping: str, gi: int, ci: float) -> dict[str, Any]:
        vals = self.values[grouping]
        if self.draws == 1:
            return {k: _json_number(vals[k][0, gi], k) for k in SUMMARY_KEYS}
        lo, hi = _interval_keys(ci)
        keys = ["mean", "median", "p05", "p95"] + [k for k in (lo, hi) if k not in ("p05", "p95")]
        figures: dict[str, Any] = {}
        for k in SUMMARY_KEYS:
            a = vals[k][:, gi : gi + 1]
            figures[k] = {s: _json_number(_stat(a, s)[0], "") for s in keys}
        figures["prob_npv_positive"] = float(np.mean(vals["npv"][:, gi] > 0))
        return figures


def _interval_keys(ci: float) -> tuple[str, str]:
    if ci not in (0.90, 0.95):
        raise ValueError("the interval must be 90% or 95%")
    return ("p05", "p95") if ci == 0.90 else ("p025", "p975")


def _stat(a: np.ndarray, stat: str) -> np.ndarray:
    """A statistic over the draw axis (axis 0), ignoring NaN (undefined figures)."""
    if a.shape[0] == 1:
        return a[0].astype(float)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if stat == "mean":
                return np.nanmean(a, axis=0)
            if stat == "median":
                return np.nanmedian(a, axis=0)
            if stat.startswith("p"):
                q = float(stat[1:]) / (10 ** (len(stat) - 3))
                return np.nanpercentile(a, q, axis=0)
    raise ValueError(f"unknown statistic {stat!r}")


def _json_number(v: Any, key: str) -> Any:
    """NaN -> None; payback years as whole numbers; numpy scalars -> Python numbers."""
    if v is None:
        return None
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        return None
    if key in _INTEGER_KEYS or key == "year":
        return int(round(v))
    return v
