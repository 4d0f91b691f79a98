"""Who gains, by income or deprivation group: the fairness lens on a run (issue 13).

Each flow of a run is allocated to the five groups (poorest first) or to taxpayers:

- a flow that reaches **participants** is spread by its intervention's ``reach`` (default: an
  even spread, with a note);
- one that reaches the **population** is spread evenly;
- one that reaches **taxpayers** is not spread: the Green Book treats taxpayers as having the
  median income, so their pound has weight 1 (Annex A3.21);
- explicit shares spread it as given.

Defaults by kind, always stated in the report: costs and fiscal savings (cashable or not) reach
taxpayers; economic and social value reaches participants. The weighted NPV is
``Σ_q w_q B_q + T`` (:func:`prevcalc.fairness.weighted_npv`), beside the plain NPV ``Σ_q B_q + T``.

Figures are present values of the run's mean flows (a deterministic run's, or the mean over
draws): by linearity, the mean of the weighted NPV over draws when weights and reach are fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import fairness
from .result import Result
from .scenario import GROUPS, Scenario, item_at

GROUP_LABELS = {
    "income_quintiles": ["Q1 (poorest fifth)", "Q2", "Q3", "Q4", "Q5 (richest fifth)"],
    "imd_quintiles": ["Q1 (most deprived)", "Q2", "Q3", "Q4", "Q5 (least deprived)"],
}
EVEN = np.full(GROUPS, 1.0 / GROUPS)


@dataclass(frozen=True)
class Equity:
    """The fairness lens on one run. Arrays are over the five groups, poorest first."""

    groups: str  # income_quintiles | imd_quintiles
    labels: list[str]
    eta: float | None  # None with explicit weights
    weights: np.ndarray  # (group,)
    benefits: np.ndarray  # PV of benefits reaching each group
    costs: np.ndarray  # PV of costs borne by each group (rare: explicit shares on a cost)
    participants: np.ndarray  # participants in each group
    taxpayers: float  # PV net flow reaching taxpayers (weight 1)
    npv: float
    weighted_npv: float
    eta_table: dict[float, float]  # eta -> weighted NPV (with incomes only)
    eta_switching_value: float  # eta at which the weighted NPV changes sign (NaN if none)
    share_poorest_fifth: float
    share_poorest_two_fifths: float
    concentration_index: float
    reaches: list[dict[str, Any]]  # per line: intervention, name, kind, reaches (what was used)
    notes: list[str] = field(default_factory=list)
    incomes: np.ndarray | None = None  # as used (unreached groups at the reference income)
    reference: float | None = None

    @property
    def net(self) -> np.ndarray:
        return self.benefits - self.costs

    def table(self) -> pd.DataFrame:
        """By group: participants, PV benefits and costs, net, net per participant, weight."""
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(
                self.participants > 0,
                self.net / np.where(self.participants > 0, self.participants, 1),
                np.nan,
            )
        return pd.DataFrame(
            {
                "group": self.labels,
                "participants": self.participants,
                "pv_benefits": self.benefits,
                "pv_costs": self.costs,
                "net": self.net,
                "net_per_participant": per,
                "weight": self.weights,
                "weighted_net": np.where(self.net != 0, self.weights * self.net, 0.0),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``distribution`` object (an addition to FORMAT.md's output)."""

        def num(v: float) -> float | None:
            return None if v is None or not math.isfinite(v) else float(v)

        return {
            "groups": self.groups,
            "labels": self.labels,
            "eta": self.eta,
            "weights": [num(w) for w in self.weights],
            "by_group": [
                {k: (num(v) if not isinstance(v, str) else v) for k, v in row.items()}
                for row in self.table().to_dict(orient="records")
            ],
            "taxpayers_pv_net": num(self.taxpayers),
            "npv": num(self.npv),
            "weighted_npv": num(self.weighted_npv),
            "weighted_npv_by_eta": [
                {"eta": e, "weighted_npv": num(v)} for e, v in self.eta_table.items()
            ],
            "eta_switching_value": num(self.eta_switching_value),
            "share_poorest_fifth": num(self.share_poorest_fifth),
            "share_poorest_two_fifths": num(self.share_poorest_two_fifths),
            "concentration_index": num(self.concentration_index),
            "reaches": self.reaches,
            "notes": list(self.notes),
        }


def _default_reaches(kind: str, value_type: str) -> str:
    if kind == "cost":
        return "taxpayers"
    return "taxpayers" if value_type in ("fiscal", "fiscal_noncashable") else "participants"


def _weights(spec: Any) -> tuple[np.ndarray, np.ndarray | None, float | None, str]:
    """(weights, incomes or None, reference income or None, where they come from)."""
    if spec.weights is not None:
        return np.asarray(spec.weights, float), None, None, spec.source or "the scenario's weights"
    if spec.incomes is not None:
        incomes, ref = np.asarray(spec.incomes, float), float(spec.reference_income)
        source = spec.source or "the scenario's incomes"
    else:
        shipped = fairness.uk_income_quintiles()
        incomes, ref = np.asarray(shipped.medians, float), float(shipped.all_households)
        source = (
            "the ONS medians shipped with prevcalc (Average household income, UK: financial "
            "year ending 2023)"
        )
    return fairness.distributional_weights(incomes, ref, spec.eta), incomes, ref, source


def analyse(result: Result, scenario: Scenario) -> Equity | None:
    """The fairness lens on ``result`` (a run of ``scenario``); None without ``fairness:``."""
    spec = scenario.fairness
    if spec is None:
        return None
    weights, incomes, ref, source = _weights(spec)
    notes: list[str] = []
    if not np.all(np.isfinite(weights)):
        notes.append(
            "Some group weights are unknown (the shipped incomes lack those quintiles): "
            "give fairness.incomes and fairness.reference_income, or fairness.weights."
        )
    reach = {}
    for iv in scenario.interventions:
        if iv.reach is None:
            reach[iv.id] = EVEN
            notes.append(
                f"{iv.id}: no reach given, so its participants are spread evenly over the groups."
            )
        else:
            reach[iv.id] = np.asarray(iv.reach, float)
    pv = result.flows @ result.factors  # (line,) mean undiscounted flows, discounted
    benefits, costs = np.zeros(GROUPS), np.zeros(GROUPS)
    taxpayers = 0.0
    used = []
    for (_, line), value in zip(result.lines.iterrows(), pv):
        item = item_at(scenario, str(line["where"]))
        target = (
            item.reaches
            if item.reaches is not None
            else _default_reaches(line["kind"], line["value_type"])
        )
        signed = -value if line["kind"] == "cost" else value
        if target == "taxpayers":
            taxpayers += signed
        else:
            shares = (
                reach[line["intervention"]]
                if target == "participants"
                else (EVEN if target == "population" else np.asarray(target, float))
            )
            if line["kind"] == "cost":
                costs += value * shares
            else:
                benefits += value * shares
        used.append(
            {
                "intervention": line["intervention"],
                "name": line["name"],
                "kind": line["kind"],
                "reaches": target if isinstance(target, str) else [float(x) for x in target],
                "default": item.reaches is None,
            }
        )
    net = benefits - costs
    # A weight matters only where something reaches the group: a group no flow reaches gets
    # the reference income (weight 1, times nothing), so an unknown income there is harmless.
    reached = (benefits != 0) | (costs != 0)
    shown = weights  # as known: NaN where an income is not shipped
    if incomes is not None and ref is not None:
        incomes = np.where(reached, incomes, ref)
    weights = np.where(reached, weights, 1.0)
    if np.all(np.isfinite(weights)):
        notes = [n for n in notes if not n.startswith("Some group weights are unknown")]
    participants = np.array(
        [
            sum(
                float(result.values["intervention"]["participants"][:, i].mean()) * reach[iv][g]
                for i, iv in enumerate(result.labels["intervention"])
            )
            for g in range(GROUPS)
        ]
    )
    plain = float(net.sum() + taxpayers)
    weighted = float(fairness.weighted_npv(net, weights, taxpayers))
    table: dict[float, float] = {}
    switching = math.nan
    if incomes is not None and ref is not None and np.all(np.isfinite(incomes)):
        table = {
            float(e): float(v)
            for e, v in fairness.weighted_npv_table(net, incomes, ref, taxpayers).items()
        }
        switching = float(fairness.eta_switching_value(net, incomes, ref, taxpayers))
    total = float(net.sum())
    return Equity(
        groups=spec.groups,
        labels=GROUP_LABELS[spec.groups],
        eta=None if spec.weights is not None else spec.eta,
        weights=shown,
        benefits=benefits,
        costs=costs,
        participants=participants,
        taxpayers=float(taxpayers),
        npv=plain,
        weighted_npv=weighted,
        eta_table=table,
        eta_switching_value=switching,
        share_poorest_fifth=float(fairness.share_to_poorest(net, 1)) if total else math.nan,
        share_poorest_two_fifths=float(fairness.share_to_poorest(net, 2)) if total else math.nan,
        concentration_index=float(fairness.concentration_index(net / (1.0 / GROUPS))),
        reaches=used,
        notes=[f"Weights from {source}."] + notes,
        incomes=incomes if incomes is not None and np.all(np.isfinite(incomes)) else None,
        reference=ref,
    )


def compare_equity(names: list[str], results: list[Result]) -> pd.DataFrame | None:
    """Options side by side through the fairness lens: NPV, weighted NPV, the share reaching
    the poorest fifth, and the eta at which each option swaps rank with the first (NaN if they
    never swap for eta in 0..10); None unless every option has the lens."""
    eqs = [r.equity for r in results]
    if not eqs or any(e is None for e in eqs):
        return None
    first = eqs[0]
    rows = []
    for name, e in zip(names, eqs):
        swap = math.nan
        if e is not first and first.incomes is not None and e.incomes is not None:
            # Groups either option reaches need a known income; the others do not matter.
            incomes = np.where(first.net != 0, first.incomes, e.incomes)
            swap = float(
                fairness.eta_rank_reversal(
                    e.net, e.taxpayers, first.net, first.taxpayers, incomes, float(first.reference)
                )
            )
        rows.append(
            {
                "option": name,
                "npv": e.npv,
                "weighted_npv": e.weighted_npv,
                "share_poorest_fifth": e.share_poorest_fifth,
                "eta_swap_with_first": swap,
            }
        )
    return pd.DataFrame(rows)
