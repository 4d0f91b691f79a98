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

Targeting (proportionate universalism): ``uptake_by_group`` reshapes who takes part (participants
in group g proportional to reach_g × uptake_g, the total unchanged); ``effect_by_group`` reshapes
who gains (the participants' benefits reach group g in proportion to its participants × effect_g,
normalised, so the stated effect is the average over the participant mix and totals are
unchanged).

The central figures are present values of the run's mean flows (a deterministic run's, or the
mean over draws) at the central reach and weights: by linearity, the mean of the weighted NPV
over draws when weights and reach are fixed. With draws, the weighted NPV is also computed draw
by draw, from each line's PV in that draw (``Result.line_pv``) and that draw's reach and weights
(drawn from the run's seed, on streams of their own): its 5th and 95th percentiles and the
share of draws in which it is positive.

Health: outcomes whose ``unit`` is QALY are counted by group (their QALYs, discounted as the
run's money is, spread like their line's money, or over the participants when that reaches
taxpayers); with ``fairness.baseline_health`` and ``population`` the lens reports the change in
the Atkinson and Kolm equally distributed equivalents of health (at central values).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from . import distributions, fairness
from .result import Result
from .scenario import GROUPS, DirichletShares, Scenario, _Dist, item_at

GROUP_LABELS = {
    "income_quintiles": ["Q1 (poorest fifth)", "Q2", "Q3", "Q4", "Q5 (richest fifth)"],
    "imd_quintiles": ["Q1 (most deprived)", "Q2", "Q3", "Q4", "Q5 (least deprived)"],
}
EVEN = np.full(GROUPS, 1.0 / GROUPS)
#: Spawn key of the lens's own random streams, under the run's seed ("fair" in ASCII): the
#: fairness draws repeat with the seed and never change the engine's draws.
FAIRNESS_STREAM = 0x66616972
#: Units that mark an outcome's count as health, in QALYs (compared in lower case).
QALY_UNITS = frozenset(
    {"qaly", "qalys", "quality-adjusted life year", "quality-adjusted life years"}
)


def _num(v: Any) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


@dataclass(frozen=True)
class HealthEquity:
    """Health by group, and the distributional cost-effectiveness measures (central values).

    ``gain`` is the QALYs reaching each group (discounted as the run's money is); per person
    it is ``gain / population``. The changes in the equally distributed equivalents (EDE) are
    per person of the population; ``*_total`` multiply them by the population: the QALYs which,
    shared equally, would be as good as the gains as they fall.
    """

    baseline: np.ndarray  # (group,) baseline health, e.g. QALE
    population: np.ndarray  # (group,) people
    gain: np.ndarray  # (group,) QALYs
    atkinson_aversion: float
    kolm_aversion: float
    ede_change_atkinson: float  # per person
    ede_change_kolm: float  # per person
    mean_gain: float  # per person: the change in EDE at zero aversion
    source: str
    outcomes: list[str]  # intervention: outcome, for each QALY outcome counted

    @property
    def total(self) -> float:
        return float(self.gain.sum())

    @property
    def people(self) -> float:
        return float(self.population.sum())

    @property
    def ede_change_atkinson_total(self) -> float:
        return self.ede_change_atkinson * self.people

    @property
    def ede_change_kolm_total(self) -> float:
        return self.ede_change_kolm * self.people

    @property
    def equity_weights(self) -> dict[str, list[float]]:
        """Relative value of a QALY to each group (the last group 1), Atkinson and Kolm."""
        kinds: tuple[tuple[fairness.Kind, float], ...] = (
            ("atkinson", self.atkinson_aversion),
            ("kolm", self.kolm_aversion),
        )
        return {
            kind: [
                float(x)
                for x in fairness.health_equity_weights(self.baseline, aversion=aversion, kind=kind)
            ]
            for kind, aversion in kinds
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": "QALY",
            "baseline_health": [float(x) for x in self.baseline],
            "baseline_source": self.source,
            "population": [float(x) for x in self.population],
            "qalys_by_group": [float(x) for x in self.gain],
            "qalys_total": float(self.total),
            "qalys_per_person_by_group": [float(g / n) for g, n in zip(self.gain, self.population)],
            "mean_gain_per_person": _num(self.mean_gain),
            "atkinson_aversion": self.atkinson_aversion,
            "kolm_aversion": self.kolm_aversion,
            "ede_change_atkinson_per_person": _num(self.ede_change_atkinson),
            "ede_change_kolm_per_person": _num(self.ede_change_kolm),
            "ede_change_atkinson_total": _num(self.ede_change_atkinson_total),
            "ede_change_kolm_total": _num(self.ede_change_kolm_total),
            "equity_weights": self.equity_weights,
            "outcomes": list(self.outcomes),
        }


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
    # With draws (``draws`` > 1): the weighted NPV draw by draw, summarised.
    draws: int = 1
    weighted_npv_mean: float = math.nan  # mean over draws (= weighted_npv if nothing varies)
    weighted_npv_interval: tuple[float, float] | None = None  # (p05, p95)
    p_weighted_positive: float = math.nan  # share of draws with weighted NPV > 0
    varying: list[str] = field(default_factory=list)  # fairness inputs drawn per draw
    draw_notes: list[str] = field(default_factory=list)  # how the draws were computed
    targeting: list[dict[str, Any]] = field(default_factory=list)  # per intervention
    health: HealthEquity | None = None

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
        num = _num
        out: dict[str, Any] = {
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
            "targeting": self.targeting,
            "draws": self.draws,
        }
        if self.draws > 1:
            lo, hi = self.weighted_npv_interval or (math.nan, math.nan)
            out.update(
                weighted_npv_mean=num(self.weighted_npv_mean),
                weighted_npv_p05=num(lo),
                weighted_npv_p95=num(hi),
                prob_weighted_npv_positive=num(self.p_weighted_positive),
                varying_by_draw=list(self.varying),
                draw_notes=list(self.draw_notes),
            )
        if self.health is not None:
            out["health"] = self.health.to_dict()
        return out


def _default_reaches(kind: str, value_type: str) -> str:
    if kind == "cost":
        return "taxpayers"
    return "taxpayers" if value_type in ("fiscal", "fiscal_noncashable") else "participants"


def _weights(spec: Any) -> tuple[np.ndarray, np.ndarray | None, float | None, str]:
    """(central weights, incomes or None, reference income or None, where they come from)."""
    if spec.weights is not None:
        return (
            np.asarray(spec.central_weights, float),
            None,
            None,
            spec.source or "the scenario's weights",
        )
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
    return fairness.distributional_weights(incomes, ref, spec.central_eta), incomes, ref, source


def _normalised(x: np.ndarray) -> np.ndarray:
    """Rows scaled to sum to 1 (last axis)."""
    return np.asarray(x / x.sum(axis=-1, keepdims=True), dtype=float)


def targeted_shares(
    reach: ArrayLike, uptake: ArrayLike | None = None, effect: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(participant shares, benefit shares) over the groups, from the reach and multipliers.

    Participants in group g are proportional to ``reach_g × uptake_g`` (uptake multipliers
    reshape who takes part, not how many); the participants' benefits reach group g in
    proportion to ``participants_g × effect_g`` (the stated effect is the average over the
    participant mix, so totals are unchanged). Both normalised to sum to 1. Arrays may carry
    leading (draw) axes.

    Examples
    --------
    A universal offer (even reach), uptake twice as high in the poorest fifth, effect 1.5 times:

    >>> p, b = targeted_shares([0.2] * 5, [2, 1, 1, 1, 1], [1.5, 1, 1, 1, 1])
    >>> p.round(6).tolist()
    [0.333333, 0.166667, 0.166667, 0.166667, 0.166667]
    >>> b.round(6).tolist()  # 1/3 x 1.5 = 0.5 against 4 x 1/6 = 0.667: 0.5 / 1.1667
    [0.428571, 0.142857, 0.142857, 0.142857, 0.142857]
    """
    r = np.asarray(reach, dtype=float)
    p = r if uptake is None else _normalised(r * np.asarray(uptake, dtype=float))
    b = p if effect is None else _normalised(p * np.asarray(effect, dtype=float))
    return np.asarray(p, dtype=float), np.asarray(b, dtype=float)


def _draw_dirichlet(spec: Any, rng: np.random.Generator, n: int) -> np.ndarray:
    """n draws of a Dirichlet over the groups; groups with a mean share of 0 stay at 0."""
    mean = np.asarray(spec.mean, float)
    out = np.zeros((n, GROUPS))
    live = mean > 0
    out[:, live] = rng.dirichlet(mean[live] * float(spec.concentration), size=n)
    return out


def _draw_value(v: Any, rng: np.random.Generator, n: int) -> np.ndarray:
    """n draws of a number or distribution of the scenario format."""
    if isinstance(v, _Dist):
        return np.asarray(distributions.draw(v.dist, v.params, rng, n), dtype=float)
    return np.full(n, float(v))


@dataclass
class _Draws:
    """The lens's own draws: eta or weights, and each intervention's reach."""

    n: int
    eta: np.ndarray | None = None  # (n,)
    weights: np.ndarray | None = None  # (n, group)
    reach: dict[str, np.ndarray] = field(default_factory=dict)  # id -> (n, group)
    varying: list[str] = field(default_factory=list)


def _lens_draws(scenario: Scenario, n: int, seed: int | None) -> _Draws:
    """Draw the fairness lens's uncertain inputs: one stream each, spawned from the run's seed
    under :data:`FAIRNESS_STREAM`, in a fixed order (eta, the five weights, each intervention's
    reach in file order), so a seeded run repeats and adding one never moves the others."""
    spec = scenario.fairness
    assert spec is not None
    root = np.random.SeedSequence(seed, spawn_key=(FAIRNESS_STREAM,))
    streams = iter(root.spawn(1 + GROUPS + len(scenario.interventions)))
    d = _Draws(n)
    eta_stream = next(streams)
    weight_streams = [next(streams) for _ in range(GROUPS)]
    if spec.weights is None and isinstance(spec.eta, _Dist):
        d.eta = np.clip(_draw_value(spec.eta, np.random.default_rng(eta_stream), n), 0.0, 10.0)
        d.varying.append("fairness.eta")
    if spec.weights is not None and any(isinstance(w, _Dist) for w in spec.weights):
        cols = [
            _draw_value(w, np.random.default_rng(st), n)
            for w, st in zip(spec.weights, weight_streams)
        ]
        # A normal's draws below 0 would make no weight: held at a tiny positive value.
        d.weights = np.maximum(np.stack(cols, axis=-1), 1e-12)
        d.varying.append("fairness.weights")
    for iv in scenario.interventions:
        st = next(streams)
        if isinstance(iv.reach, DirichletShares):
            d.reach[iv.id] = _draw_dirichlet(iv.reach, np.random.default_rng(st), n)
            d.varying.append(f"interventions.{iv.id}.reach")
    return d


def _line_pv_draws(result: Result, n: int) -> tuple[np.ndarray, str | None]:
    """Each line's PV per draw, shape (draw, line), positive magnitudes; with a note when the
    run does not carry them (the mean flows are then used for every draw)."""
    line_pv = getattr(result, "line_pv", None)
    if line_pv is not None:
        a = np.asarray(line_pv, dtype=float)
        if a.ndim == 2 and a.shape[0] == n and a.shape[1] == len(result.lines):
            return a, None
    mean = (result.flows @ result.factors)[np.newaxis, :]
    return mean, (
        "The run does not carry each line's PV per draw: the interval reflects only the "
        "uncertainty in reach and weights, at the mean flows."
    )


def _health(
    result: Result,
    scenario: Scenario,
    spec: Any,
    line_shares: dict[str, np.ndarray],
    notes: list[str],
) -> HealthEquity | None:
    """QALYs by group and the change in the Atkinson and Kolm EDEs (central values)."""
    if result.life_course is None:
        return None
    qaly_lines = [e for e in result.life_course.events if e.unit.strip().lower() in QALY_UNITS]
    if not qaly_lines:
        if spec.baseline_health is not None:
            notes.append(
                "fairness.baseline_health is given but no outcome counts QALYs (unit: QALY "
                "with events): there are no health gains to measure."
            )
        return None
    gain = np.zeros(GROUPS)
    for e in qaly_lines:
        gain += float(np.asarray(e.by_year, float) @ result.factors) * line_shares[e.where]
    if spec.baseline_health is None:
        return None
    if spec.baseline_health == "england_qale_imd":
        shipped = fairness.england_qale_imd()
        baseline = np.asarray(shipped.persons, float)
        source = (
            "QALE at birth by deprivation quintile, England, mean of the sexes (Love-Koh et al. "
            "2023, PharmacoEconomics, Table 3), shipped with prevcalc"
        )
        if spec.groups != "imd_quintiles":
            notes.append(
                "The shipped baseline health is by deprivation (IMD) quintile; the groups here "
                "are income quintiles."
            )
    else:
        baseline = np.asarray(spec.baseline_health, float)
        source = spec.health_source or "the scenario's baseline_health"
    pop = np.asarray(spec.population, float)
    population = np.full(GROUPS, float(pop) / GROUPS) if pop.ndim == 0 else pop
    per_person = gain / population
    return HealthEquity(
        baseline=baseline,
        population=population,
        gain=gain,
        atkinson_aversion=float(spec.atkinson_aversion),
        kolm_aversion=float(spec.kolm_aversion),
        ede_change_atkinson=float(
            fairness.ede_change(
                baseline, per_person, population, spec.atkinson_aversion, "atkinson"
            )
        ),
        ede_change_kolm=float(
            fairness.ede_change(baseline, per_person, population, spec.kolm_aversion, "kolm")
        ),
        mean_gain=float(gain.sum() / population.sum()),
        source=source,
        outcomes=[f"{e.intervention}: {e.outcome}" for e in qaly_lines],
    )


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
    n = int(result.provenance.get("draws") or 1)
    lens = _lens_draws(scenario, n, result.provenance.get("seed")) if n > 1 else _Draws(1)
    # Per intervention: central participant and benefit shares, and per draw where they vary.
    part: dict[str, np.ndarray] = {}
    gain: dict[str, np.ndarray] = {}
    part_d: dict[str, np.ndarray] = {}
    gain_d: dict[str, np.ndarray] = {}
    targeting = []
    for iv in scenario.interventions:
        if iv.reach is None:
            reach = EVEN
            notes.append(
                f"{iv.id}: no reach given, so its participants are spread evenly over the groups."
            )
        elif isinstance(iv.reach, DirichletShares):
            reach = np.asarray(iv.reach.central, float)
        else:
            reach = np.asarray(iv.reach, float)
        part[iv.id], gain[iv.id] = targeted_shares(reach, iv.uptake_by_group, iv.effect_by_group)
        if iv.id in lens.reach:
            part_d[iv.id], gain_d[iv.id] = targeted_shares(
                lens.reach[iv.id], iv.uptake_by_group, iv.effect_by_group
            )
        if iv.uptake_by_group is not None or iv.effect_by_group is not None:
            targeting.append(
                {
                    "intervention": iv.id,
                    "reach": [float(x) for x in reach],
                    "uptake_by_group": iv.uptake_by_group,
                    "effect_by_group": iv.effect_by_group,
                    "participant_shares": [float(x) for x in part[iv.id]],
                    "benefit_shares": [float(x) for x in gain[iv.id]],
                }
            )
    pv = result.flows @ result.factors  # (line,) mean undiscounted flows, discounted
    benefits, costs = np.zeros(GROUPS), np.zeros(GROUPS)
    taxpayers = 0.0
    used = []
    # Per line: (sign, central shares or None for taxpayers, shares per draw or None).
    alloc: list[tuple[float, np.ndarray | None, np.ndarray | None]] = []
    line_shares: dict[str, np.ndarray] = {}  # where -> shares for its health (QALY) count
    for (_, line), value in zip(result.lines.iterrows(), pv):
        item = item_at(scenario, str(line["where"]))
        iv_id = str(line["intervention"])
        is_cost = line["kind"] == "cost"
        target = (
            item.reaches
            if item.reaches is not None
            else _default_reaches(line["kind"], line["value_type"])
        )
        signed = -value if is_cost else value
        own = part if is_cost else gain  # participants bear costs as they take part
        own_d = part_d if is_cost else gain_d
        line_shares[str(line["where"])] = (
            own[iv_id]
            if target in ("participants", "taxpayers")
            else (EVEN if target == "population" else np.asarray(target, float))
        )
        if target == "taxpayers":
            taxpayers += signed
            alloc.append((-1.0 if is_cost else 1.0, None, None))
        else:
            shares = line_shares[str(line["where"])]
            if is_cost:
                costs += value * shares
            else:
                benefits += value * shares
            drawn = own_d.get(iv_id) if target == "participants" else None
            alloc.append((-1.0 if is_cost else 1.0, shares, drawn))
        used.append(
            {
                "intervention": line["intervention"],
                "name": line["name"],
                "kind": line["kind"],
                "reaches": target if isinstance(target, str) else [float(x) for x in target],
                "default": item.reaches is None,
                "shares": None if target == "taxpayers" else [float(x) for x in shares],
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
                float(result.values["intervention"]["participants"][:, i].mean()) * part[iv][g]
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
    extra: dict[str, Any] = {}
    if n > 1:
        extra = _by_draw(result, n, alloc, lens, weights, incomes, ref, reached, spec)
    health = _health(result, scenario, spec, line_shares, notes)
    return Equity(
        groups=spec.groups,
        labels=GROUP_LABELS[spec.groups],
        eta=None if spec.weights is not None else spec.central_eta,
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
        draws=n,
        targeting=targeting,
        health=health,
        **extra,
    )


def _by_draw(
    result: Result,
    n: int,
    alloc: list[tuple[float, np.ndarray | None, np.ndarray | None]],
    lens: _Draws,
    weights: np.ndarray,
    incomes: np.ndarray | None,
    ref: float | None,
    reached: np.ndarray,
    spec: Any,
) -> dict[str, Any]:
    """The weighted NPV draw by draw: each line's PV in the draw, allocated as the central
    figures are (with the draw's reach where it varies), weighted with the draw's weights."""
    line_pv, missing = _line_pv_draws(result, n)
    rows = n if (line_pv.shape[0] == n or lens.varying) else 1
    groups = np.zeros((rows, GROUPS))
    taxpayers = np.zeros(rows)
    for j, (sign, shares, drawn) in enumerate(alloc):
        v = line_pv[:, j] if line_pv.shape[0] == rows else np.repeat(line_pv[:, j], rows)
        if shares is None:
            taxpayers += sign * v
        else:
            groups += sign * v[:, np.newaxis] * (shares if drawn is None else drawn)
    if lens.weights is not None:
        w = lens.weights
    elif lens.eta is not None and incomes is not None and ref is not None:
        w = fairness.distributional_weights(incomes, ref, lens.eta)
    else:
        w = weights[np.newaxis, :]
    # Groups no flow reaches at central values carry nothing; their weight does not matter.
    w = np.where(reached | (groups != 0), w, 1.0)
    values = np.asarray(fairness.weighted_npv(groups, w, taxpayers), dtype=float)
    values = np.broadcast_to(values, (n,)) if values.shape[0] == 1 else values
    draw_notes = [] if missing is None else [missing]
    if lens.varying:
        draw_notes.append(
            "Drawn per draw from the run's seed (streams of their own): "
            + ", ".join(lens.varying)
            + "."
        )
    finite = values[np.isfinite(values)]
    if finite.size < values.size:
        draw_notes.append(
            f"{values.size - finite.size} draws have no weighted NPV (a weight is unknown)."
        )
    if finite.size == 0:
        return {"draw_notes": draw_notes, "varying": list(lens.varying)}
    return {
        "weighted_npv_mean": float(finite.mean()),
        "weighted_npv_interval": (
            float(np.percentile(finite, 5)),
            float(np.percentile(finite, 95)),
        ),
        "p_weighted_positive": float((finite > 0).mean()),
        "varying": list(lens.varying),
        "draw_notes": draw_notes,
    }


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


def compare_health(names: list[str], results: list[Result]) -> pd.DataFrame | None:
    """Options side by side on health (QALYs), for distributional cost-effectiveness: total
    QALYs, the change in the Atkinson and Kolm EDEs (total over the population), and the
    aversion at which each option swaps rank with the first on that change (NaN if none in
    0..20 for Atkinson, 0..0.5 for Kolm). None unless every option has health figures on the
    same baseline and population."""
    hs = [getattr(r.equity, "health", None) for r in results]
    if not hs or any(h is None for h in hs):
        return None
    first = hs[0]
    assert first is not None
    rows = []
    for name, h in zip(names, hs):
        assert h is not None
        same = np.allclose(h.baseline, first.baseline) and np.allclose(
            h.population, first.population
        )
        if not same:
            return None
        swaps = {}
        for kind in ("atkinson", "kolm"):
            k: fairness.Kind = "atkinson" if kind == "atkinson" else "kolm"
            swaps[kind] = (
                math.nan
                if h is first
                else float(
                    fairness.aversion_switching_value(
                        h.baseline,
                        h.gain / h.population,
                        first.gain / first.population,
                        h.population,
                        k,
                    )
                )
            )
        rows.append(
            {
                "option": name,
                "qalys": h.total,
                "ede_change_atkinson_total": h.ede_change_atkinson_total,
                "ede_change_kolm_total": h.ede_change_kolm_total,
                "atkinson_aversion_swap_with_first": swaps["atkinson"],
                "kolm_aversion_swap_with_first": swaps["kolm"],
            }
        )
    return pd.DataFrame(rows)
