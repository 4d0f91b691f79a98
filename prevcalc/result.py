"""The result of a run: labelled arrays plus provenance, exposed as pandas objects.

A :class:`Result` holds, for each grouping (the whole scenario, each intervention, each layer,
each agency), every metric as an array of shape (draw, group); a deterministic run has one draw.
It also holds the mean undiscounted flows of every line (cost item or outcome) by year, from
which the year-by-year cash flows and any other table are derived.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from . import metrics
from .vocabulary import DERIVED_KEYS, SUMMARY_KEYS, YEAR_KEYS, interval_keys, percentile_of

GROUPINGS = ("total", "intervention", "layer", "agency")
#: Kinds of benefit (FORMAT.md's value_type); only "fiscal" is cashable.
VALUE_TYPES = ("fiscal", "fiscal_noncashable", "economic", "social")
#: The funder of benefits from an intervention that has no costs.
NO_FUNDER = "no funder (no costs)"
#: The columns of :attr:`Result.lines`, one row per cost item or outcome.
LINE_COLUMNS = (
    "intervention",
    "layer",
    "kind",
    "item",
    "agency",
    "value_type",
    "name",
    "source",
    "where",
)
_INTEGER_KEYS = YEAR_KEYS | {
    "break_even_year",
    "discounted_break_even_year",
    "payback_years_since_entry",
    "discounted_payback_years_since_entry",
    "entry_year",
}


class Metrics(Mapping):
    """Per-draw metrics of one grouping, each shape (draw, group).

    Only what cannot be derived is stored (PV costs, PV benefits, participants, the
    participant-weighted per-person NPV, payback years, IRR); NPV, BCR, ROI and the
    per-participant and per-person figures are computed when asked for. Over a million draws
    this halves the memory a result needs.
    """

    DERIVED = DERIVED_KEYS

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
                return np.where(
                    p > 0, (s["pv_benefits"] - s["pv_costs"]) / np.where(p > 0, p, 1), np.nan
                )
            if key == "npv_per_person":
                return np.where(p > 0, s["per_person_sum"] / np.where(p > 0, p, 1), np.nan)
        raise KeyError(key)

    def __iter__(self):
        return iter(list(self._stored) + [k for k in self.DERIVED if k not in self._stored])

    def __len__(self) -> int:
        return len(list(iter(self)))


@dataclass(frozen=True)
class EventLine:
    """Events an outcome avoids, by calendar year (all cohorts), at central values."""

    intervention: str
    outcome: str
    unit: str
    where: str
    by_year: np.ndarray  # (year,)


@dataclass(frozen=True)
class LifeCourse:
    """Per-participant and per-cohort flows over time, at central values.

    ``person`` is shape (intervention, years since entry): one participant's net flow
    (outcomes less per-participant costs, undiscounted); ``intake`` is shape (intervention,
    year): the participants entering each year; ``factors`` the discount factors by year.
    """

    ids: list[str]
    person: np.ndarray
    intake: np.ndarray
    factors: np.ndarray
    events: list[EventLine]

    def per_person(self) -> pd.DataFrame:
        """One participant entering in year 0, by years since entry: net flow, its PV
        (discounted from entry) and the cumulative PV (the per-person J-curve)."""
        T = self.person.shape[1]
        frames = []
        for i, ident in enumerate(self.ids):
            pv = self.person[i] * self.factors
            frames.append(
                pd.DataFrame(
                    {
                        "intervention": ident,
                        "years_since_entry": np.arange(T),
                        "net": self.person[i],
                        "pv_net": pv,
                        "cumulative_pv_net": np.cumsum(pv),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def person_summary(self) -> pd.DataFrame:
        """Per intervention: one participant's NPV and the years since entry in which their
        cumulative net benefit turns non-negative for good (undiscounted, discounted)."""
        pv = self.person * self.factors
        return pd.DataFrame(
            {
                "intervention": self.ids,
                "npv_per_person": pv.sum(axis=1),
                "payback_years_since_entry": _years(metrics.payback_year(self.person)),
                "discounted_payback_years_since_entry": _years(metrics.payback_year(pv)),
            }
        )

    def cohort_flows(self) -> pd.DataFrame:
        """Each intake cohort's own flows (no programme costs) by calendar year, long format:
        intervention, entry_year, year, net, pv_net, cumulative_pv_net."""
        T = self.person.shape[1]
        frames = []
        for i, ident in enumerate(self.ids):
            for e in np.flatnonzero(self.intake[i]):
                net = np.zeros(T)
                net[e:] = self.intake[i, e] * self.person[i, : T - e]
                pv = net * self.factors
                frames.append(
                    pd.DataFrame(
                        {
                            "intervention": ident,
                            "entry_year": int(e),
                            "year": np.arange(T),
                            "net": net,
                            "pv_net": pv,
                            "cumulative_pv_net": np.cumsum(pv),
                        }
                    )
                )
        columns = ["intervention", "entry_year", "year", "net", "pv_net", "cumulative_pv_net"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def cohorts(self) -> pd.DataFrame:
        """Per intake cohort: participants, NPV of its own flows (discounted to year 0), and
        the calendar years in which its cumulative net turns non-negative for good."""
        rows = []
        flows = self.cohort_flows()
        for group_key, g in flows.groupby(["intervention", "entry_year"], sort=False):
            ident, e = cast(tuple[str, int], group_key)
            i = self.ids.index(ident)
            net, pv = g["net"].to_numpy(), g["pv_net"].to_numpy()
            rows.append(
                {
                    "intervention": ident,
                    "entry_year": int(e),
                    "participants": float(self.intake[i, e]),
                    "npv": float(pv.sum()),
                    "payback_year": _year(metrics.payback_year(net[e:]), e),
                    "discounted_payback_year": _year(metrics.payback_year(pv[e:]), e),
                }
            )
        columns = [
            "intervention",
            "entry_year",
            "participants",
            "npv",
            "payback_year",
            "discounted_payback_year",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        for key in ("payback_year", "discounted_payback_year"):
            frame[key] = _years(frame[key].to_numpy(dtype=float))
        return frame

    def events_table(self, pv_costs: dict[str, float]) -> pd.DataFrame:
        """Per counted outcome: the events avoided over the horizon and the cost per event
        avoided (the intervention's PV of costs ÷ the events, undiscounted)."""
        rows = []
        for ev in self.events:
            total = float(ev.by_year.sum())
            cost = pv_costs.get(ev.intervention, math.nan)
            rows.append(
                {
                    "intervention": ev.intervention,
                    "outcome": ev.outcome,
                    "unit": ev.unit,
                    "events_avoided": total,
                    "cost_per_event_avoided": cost / total if total > 0 else math.nan,
                }
            )
        return pd.DataFrame(
            rows,
            columns=["intervention", "outcome", "unit", "events_avoided", "cost_per_event_avoided"],
        )

    def events_by_year(self) -> pd.DataFrame:
        """Events avoided per calendar year, one row per counted outcome and year."""
        rows = [
            {
                "intervention": ev.intervention,
                "outcome": ev.outcome,
                "unit": ev.unit,
                "year": t,
                "events_avoided": float(v),
            }
            for ev in self.events
            for t, v in enumerate(ev.by_year)
        ]
        return pd.DataFrame(
            rows, columns=["intervention", "outcome", "unit", "year", "events_avoided"]
        )


def _years(values: Any) -> Any:
    """Year numbers as whole numbers, missing (never) where NaN: pandas' nullable integers."""
    a = np.atleast_1d(np.asarray(values, dtype=float))
    return pd.array([None if math.isnan(v) else int(v) for v in a], dtype="Int64")


def _year(offset: Any, start: int) -> float:
    """A payback offset (NaN for never) as a calendar year."""
    value = float(offset)
    return value + start if math.isfinite(value) else math.nan


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
    line_pv : ndarray, shape (draw, line): each line's present value in each draw, a magnitude
        like ``flows`` (costs positive; ``lines["kind"]`` gives the sign). Its mean over draws
        is ``flows @ factors`` (to rounding); a deterministic run has one draw.
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
    line_pv: np.ndarray
    notes: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    waterfall: pd.DataFrame | None = None  # the adjustment waterfall at central values
    life_course: LifeCourse | None = None  # per person, per cohort and events, at central values
    equity: Any = None  # the fairness lens (prevcalc.equity.Equity), when the scenario asks for it

    @classmethod
    def build(
        cls,
        *,
        name: str,
        currency: str,
        price_year: int,
        horizon: int,
        lines: Sequence[Mapping[str, str]],
        labels: dict[str, list[str]],
        layers: dict[str, str],
        sources: dict[str, str],
        values: dict[str, Any],
        flows: np.ndarray,
        factors: np.ndarray,
        line_pv: np.ndarray,
        notes: list[str],
        provenance: dict[str, Any],
    ) -> Result:
        """Assemble a result from plain data: the scenario's facts, one record per line (the
        keys of :data:`LINE_COLUMNS`), each grouping's labels and metrics, and arrays."""
        return cls(
            name=name,
            currency=currency,
            price_year=price_year,
            horizon=horizon,
            values=values,
            labels=labels,
            lines=pd.DataFrame([dict(ln) for ln in lines], columns=list(LINE_COLUMNS)),
            flows=flows,
            factors=factors,
            layers=layers,
            line_pv=line_pv,
            notes=notes,
            provenance=provenance,
            sources=sources,
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
        lo, hi = interval_keys(ci)
        rows = []
        for gi, label in enumerate(self.labels[grouping]):
            for k in SUMMARY_KEYS:
                a = self.values[grouping][k][:, gi]
                rows.append(
                    {
                        grouping: label,
                        "metric": k,
                        "mean": _stat(a[:, None], "mean")[0],
                        "median": _stat(a[:, None], "median")[0],
                        lo: _stat(a[:, None], lo)[0],
                        hi: _stat(a[:, None], hi)[0],
                    }
                )
        return pd.DataFrame(rows)

    def cashflows(self) -> pd.DataFrame:
        """Year-by-year flows: costs, benefits, net, discount factor, PV net, cumulative PV net."""
        is_cost = (self.lines["kind"] == "cost").to_numpy()
        costs = self.flows[is_cost].sum(axis=0) if is_cost.any() else np.zeros(self.horizon)
        benefits = self.flows[~is_cost].sum(axis=0) if (~is_cost).any() else np.zeros(self.horizon)
        net = benefits - costs
        pv = net * self.factors
        return pd.DataFrame(
            {
                "year": np.arange(self.horizon),
                "costs": costs,
                "benefits": benefits,
                "net": net,
                "discount_factor": self.factors,
                "pv_net": pv,
                "cumulative_pv_net": np.cumsum(pv),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Every line's undiscounted and discounted flow in every year, in long format."""
        years = np.arange(self.horizon)
        frames = []
        for label, row in self.lines.iterrows():
            j = cast(int, label)  # the lines are indexed 0, 1, ... like the rows of flows
            f = pd.DataFrame(
                {"year": years, "flow": self.flows[j], "pv": self.flows[j] * self.factors}
            )
            for col, val in row.items():
                f[col] = val
            frames.append(f)
        cols = list(self.lines.columns) + ["year", "flow", "pv"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)

    # -- accounts: who pays, who gains, and when (additions) -----------------------------------

    def value_split(self) -> dict[str, float]:
        """PV of benefits by value type (fiscal, fiscal_noncashable, economic, social), from
        the mean flows: with draws, the mean over draws (PV is linear in the flows)."""
        pv = self.flows @ self.factors if len(self.lines) else np.zeros(0)
        out = {v: 0.0 for v in VALUE_TYPES}
        for vt, kind, value in zip(self.lines["value_type"], self.lines["kind"], pv):
            if kind != "cost":
                out[str(vt)] = out.get(str(vt), 0.0) + float(value)
        return out

    def fiscal_summary(self) -> dict[str, float | None]:
        """NPV and BCR counting only cashable fiscal benefits (value type ``fiscal``):
        ``pv_costs``, ``pv_fiscal_benefits``, ``fiscal_npv`` = fiscal benefits − costs,
        ``fiscal_bcr`` = fiscal benefits ÷ costs (None without costs).

        Over draws, each is the mean of the draws' own figures, as ``bcr`` is: the mean of
        each draw's ratio (not the ratio of the means), so that where every benefit is
        cashable the two BCRs are the same figure.
        """
        if len(self.lines):
            pv = self.line_pv  # (draw, line): magnitudes, costs positive
        else:
            pv = np.zeros((1, 0))
        is_cost = (self.lines["kind"] == "cost").to_numpy()
        fiscal = (self.lines["value_type"] == "fiscal").to_numpy() & ~is_cost
        costs = pv[:, is_cost].sum(axis=1)
        gains = pv[:, fiscal].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = metrics.bcr(gains, costs)
        finite = ratio[np.isfinite(ratio)]
        return {
            "pv_costs": float(costs.mean()),
            "pv_fiscal_benefits": float(gains.mean()),
            "fiscal_npv": float((gains - costs).mean()),
            "fiscal_bcr": float(finite.mean()) if finite.size else None,
        }

    def agency_flows(self) -> pd.DataFrame:
        """Each agency's own account, year by year (long format): ``costs`` it funds,
        ``benefits`` it gains (``fiscal_benefits`` of them cashable), ``net``, ``cumulative_net``,
        ``pv_net`` and ``cumulative_pv_net`` (undiscounted flows are the mean over draws)."""
        return self._flows_by("agency")

    def layer_flows(self) -> pd.DataFrame:
        """Year-by-year costs, benefits and net flows of each layer (long format), as
        :meth:`agency_flows` by layer."""
        return self._flows_by("layer")

    def _flows_by(self, column: str) -> pd.DataFrame:
        is_cost = (self.lines["kind"] == "cost").to_numpy()
        fiscal = (self.lines["value_type"] == "fiscal").to_numpy() & ~is_cost
        keys = self.lines[column].astype(str).to_numpy()
        years = np.arange(self.horizon)
        frames = []
        for label in dict.fromkeys(list(self.labels.get(column, [])) + list(keys)):
            mine = keys == label
            costs = (
                self.flows[mine & is_cost].sum(axis=0)
                if (mine & is_cost).any()
                else np.zeros(self.horizon)
            )
            gains = (
                self.flows[mine & ~is_cost].sum(axis=0)
                if (mine & ~is_cost).any()
                else np.zeros(self.horizon)
            )
            cash = (
                self.flows[mine & fiscal].sum(axis=0)
                if (mine & fiscal).any()
                else np.zeros(self.horizon)
            )
            net = gains - costs
            pv = net * self.factors
            frames.append(
                pd.DataFrame(
                    {
                        column: label,
                        "year": years,
                        "costs": costs,
                        "benefits": gains,
                        "fiscal_benefits": cash,
                        "net": net,
                        "cumulative_net": np.cumsum(net),
                        "pv_net": pv,
                        "cumulative_pv_net": np.cumsum(pv),
                    }
                )
            )
        columns = [
            column,
            "year",
            "costs",
            "benefits",
            "fiscal_benefits",
            "net",
            "cumulative_net",
            "pv_net",
            "cumulative_pv_net",
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def agency_positions(self) -> pd.DataFrame:
        """Per agency: PV of the costs it funds and the benefits it gains (cashable fiscal
        apart), its net, and the years its own budget breaks even, undiscounted and discounted
        (the first year from which its cumulative net stays non-negative; missing if never;
        0 for an agency that only gains)."""
        flows = self.agency_flows()
        rows = []
        for agency, g in flows.groupby("agency", sort=False):
            net, pv = g["net"].to_numpy(), g["pv_net"].to_numpy()
            f = self.factors
            rows.append(
                {
                    "agency": agency,
                    "pv_costs_funded": float(g["costs"].to_numpy() @ f),
                    "pv_benefits_gained": float(g["benefits"].to_numpy() @ f),
                    "pv_fiscal_benefits": float(g["fiscal_benefits"].to_numpy() @ f),
                    "net": float(pv.sum()),
                    "break_even_year": float(metrics.payback_year(net)),
                    "discounted_break_even_year": float(metrics.payback_year(pv)),
                }
            )
        columns = [
            "agency",
            "pv_costs_funded",
            "pv_benefits_gained",
            "pv_fiscal_benefits",
            "net",
            "break_even_year",
            "discounted_break_even_year",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        for key in ("break_even_year", "discounted_break_even_year"):
            frame[key] = _years(frame[key].to_numpy(dtype=float))
        return frame

    def funding_matrix(self) -> pd.DataFrame:
        """Who funds whose gains: PV of benefits by funder (rows) and beneficiary, cashable
        fiscal (``cashable``) and other value (``other``) apart, long format.

        Each intervention's benefits are shared among the agencies funding its costs in
        proportion to the PV each funds; an intervention without costs has the funder
        :data:`NO_FUNDER`. The cells add up to the PV of benefits.
        """
        pv = self.flows @ self.factors if len(self.lines) else np.zeros(0)
        lines = self.lines.assign(pv=pv)
        cells: dict[tuple[str, str], list[float]] = {}
        for _, g in lines.groupby("intervention", sort=False):
            costs = g[g["kind"] == "cost"].groupby("agency", sort=False)["pv"].sum()
            total = float(costs.sum())
            shares = (
                {str(a): float(v) / total for a, v in costs.items()}
                if total > 0
                else {NO_FUNDER: 1.0}
            )
            for _, b in g[g["kind"] != "cost"].iterrows():
                slot = 0 if b["value_type"] == "fiscal" else 1
                for funder, share in shares.items():
                    cell = cells.setdefault((funder, str(b["agency"])), [0.0, 0.0])
                    cell[slot] += share * float(b["pv"])
        rows = [
            {"funder": f, "beneficiary": b, "cashable": v[0], "other": v[1]}
            for (f, b), v in cells.items()
        ]
        return pd.DataFrame(rows, columns=["funder", "beneficiary", "cashable", "other"])

    def accounts_dict(self) -> dict[str, Any]:
        """The accounts as JSON-ready data: the value split, fiscal-only figures, the funding
        matrix, and each agency's position with its cumulative net by year."""
        flows = self.agency_flows()
        positions = self.agency_positions()
        return {
            "value_types": self.value_split(),
            "fiscal": {k: _json_number(v, k) for k, v in self.fiscal_summary().items()},
            "funding_matrix": [
                {
                    k: (_json_number(v, str(k)) if not isinstance(v, str) else v)
                    for k, v in row.items()
                }
                for row in self.funding_matrix().to_dict(orient="records")
            ],
            "agencies": [
                {
                    **{
                        k: (_json_number(v, str(k)) if not isinstance(v, str) else v)
                        for k, v in row.items()
                    },
                    "cumulative_net": [
                        _json_number(v, "")
                        for v in flows.loc[flows["agency"] == row["agency"], "cumulative_net"]
                    ],
                    "cumulative_pv_net": [
                        _json_number(v, "")
                        for v in flows.loc[flows["agency"] == row["agency"], "cumulative_pv_net"]
                    ],
                }
                for row in positions.to_dict(orient="records")
            ],
        }

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
                {k: _json_number(v, str(k)) for k, v in row.items()}
                for row in self.cashflows().to_dict(orient="records")
            ],
            "notes": list(self.notes),
            "provenance": {k: v for k, v in prov.items()},
        }
        if self.draws > 1:
            out["draws"] = self.draws
        if self.life_course is not None:
            out.update(self._life_course_dict())
        if self.equity is not None:
            out["distribution"] = self.equity.to_dict()
        out["accounts"] = self.accounts_dict()
        if self.draws > 1:
            for key in ("payback_year", "discounted_payback_year"):
                out["summary"][f"prob_{key}_within_horizon"] = self.prob_pays_back(key)
        return out

    def prob_pays_back(
        self, key: str = "payback_year", grouping: str = "total", gi: int = 0
    ) -> float | None:
        """Share of draws that pay back within the horizon (a draw that never pays back counts
        as beyond it, not as missing); None where the figure was not computed draw by draw."""
        a = self.values[grouping][key][:, gi]
        if self.draws > 1 and np.all(np.isnan(a)) and grouping not in ("total", "layer"):
            return None
        return float(np.mean(np.isfinite(a)))

    def pv_costs_by_intervention(self) -> dict[str, float]:
        """Mean PV of costs of each intervention."""
        pv = self.values["intervention"]["pv_costs"].mean(axis=0)
        return dict(zip(self.labels["intervention"], map(float, pv)))

    def _life_course_dict(self) -> dict[str, Any]:
        lc = self.life_course
        assert lc is not None
        person = lc.per_person()
        summary = lc.person_summary().set_index("intervention")
        cohort_flows = lc.cohort_flows()
        events = lc.events_table(self.pv_costs_by_intervention())
        by_year = lc.events_by_year()

        def numbers(values: Any, key: str = "") -> list[Any]:
            return [_json_number(v, key) for v in values]

        return {
            "per_person": [
                {
                    "id": ident,
                    **{k: _json_number(summary.loc[str(ident), k], k) for k in summary.columns},
                    "cumulative_pv_net": numbers(g["cumulative_pv_net"]),
                }
                for ident, g in person.groupby("intervention", sort=False)
            ],
            "cohorts": [
                {
                    **{
                        k: _json_number(v, str(k)) if not isinstance(v, str) else v
                        for k, v in row.items()
                    },
                    "cumulative_pv_net": numbers(
                        cohort_flows.loc[
                            (cohort_flows["intervention"] == row["intervention"])
                            & (cohort_flows["entry_year"] == row["entry_year"]),
                            "cumulative_pv_net",
                        ]
                    ),
                }
                for row in lc.cohorts().to_dict(orient="records")
            ],
            "events": [
                {
                    **{
                        k: _json_number(v, str(k)) if not isinstance(v, str) else v
                        for k, v in row.items()
                    },
                    "by_year": numbers(
                        by_year.loc[
                            (by_year["intervention"] == row["intervention"])
                            & (by_year["outcome"] == row["outcome"]),
                            "events_avoided",
                        ]
                    ),
                }
                for row in events.to_dict(orient="records")
            ],
        }

    def _figures(self, grouping: str, gi: int, ci: float) -> dict[str, Any]:
        vals = self.values[grouping]
        if self.draws == 1:
            return {k: _json_number(vals[k][0, gi], k) for k in SUMMARY_KEYS}
        lo, hi = interval_keys(ci)
        keys = ["mean", "median", "p05", "p95"] + [k for k in (lo, hi) if k not in ("p05", "p95")]
        figures: dict[str, Any] = {}
        for k in SUMMARY_KEYS:
            a = vals[k][:, gi : gi + 1]
            figures[k] = {s: _json_number(_stat(a, s)[0], "") for s in keys}
        figures["prob_npv_positive"] = float(np.mean(vals["npv"][:, gi] > 0))
        return figures


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
                return np.nanpercentile(a, percentile_of(stat), axis=0)
    raise ValueError(f"unknown statistic {stat!r}")


def _json_number(v: Any, key: str) -> Any:
    """NaN -> None; payback years as whole numbers; numpy scalars -> Python numbers."""
    if v is None or v is pd.NA:
        return None
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        return None
    if key in _INTEGER_KEYS or key == "year":
        return int(round(v))
    return v
