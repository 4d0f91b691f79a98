"""Scenario + sampled inputs -> cash-flow arrays -> metrics -> :class:`~prevcalc.result.Result`.

The model, as FORMAT.md defines it. Every cost item and outcome is a *line*; a line's flows over
calendar years are

- per participant (outcomes, ``per_participant`` costs): the cohort convolution
  ``flow(t) = Σ_e intake(e) × profile(t − e)``, with ``profile(k) = annual value × share(k)``;
- programme level: ``setup`` in its year, ``running`` in each year from ``from_year`` to
  ``to_year``.

Arrays are shaped (draw, line, year); a draw axis of length 1 broadcasts, so a deterministic run
(draws = 1) and a probabilistic run are the same code. Lines are grouped (whole scenario,
intervention, layer, agency) with indicator matrices, and every metric is computed on the
grouped flows with a leading draw axis. Draws are evaluated in chunks, so memory stays bounded
whatever the number of draws; there is no Python loop over years, cohorts or draws.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import curves, discounting, expressions, metrics, prices, provenance, sampling
from .errors import ModelError, Problem, ScenarioError
from .provenance import source_of
from .result import (
    GROUPINGS,
    LINE_COLUMNS,
    SUMMARY_KEYS,
    EventLine,
    LifeCourse,
    Metrics,
    Result,
)
from .scenario import PER_YEAR, Intervention, Outcome, Scenario, walk

if TYPE_CHECKING:
    import pandas as pd

#: Target number of float64 values one block of draws holds (~128 MiB); see _block_size.
CHUNK_VALUES = 16_000_000

#: Draws are evaluated in blocks whose size is a multiple of this, the last block padded by
#: repeating its final draw. BLAS may round a row of a matrix product differently when the row
#: count is not a multiple of its kernels' panel height (edge kernels); with whole blocks of 64
#: rows a row's result does not depend on how many rows share the product, so a seeded run is
#: the same bit for bit whatever the chunk size.
_BLOCK = 64

#: Runs of at least this many draws per thread are split so that every thread has a block.
_SHARED_BLOCK = 1024

#: Results of more bytes than this (memory_needed) share one block's memory among the threads.
_LARGE_RESULTS = 2**30


def _block_size(model: _Model, block_values: int = CHUNK_VALUES) -> int:
    """Draws per evaluated block: about ``block_values`` values held per block, ≥ _BLOCK.

    Per draw a block holds each intervention's net flows by year, a few grouped series by
    year (total, layers, shares, profiles) and a few values per line.
    """
    per_draw = (len(model.scenario.interventions) + 12) * model.horizon + 6 * max(
        len(model.lines), 1
    )
    return max(_BLOCK, int(block_values) // per_draw // _BLOCK * _BLOCK)


def _padded(d: sampling.Draws, n: int) -> sampling.Draws:
    """``d`` with its last draw repeated up to ``n`` draws (arrays of length 1 are shared)."""
    if d.n == n:
        return d

    def pad(a: np.ndarray) -> np.ndarray:
        if a.shape[0] == 1:
            return a
        return np.concatenate([a, np.repeat(a[-1:], n - d.n, axis=0)])

    return sampling.Draws(
        n,
        d.leaves,
        {k: pad(a) for k, a in d.leaf_values.items()},
        {k: pad(a) for k, a in d.parameters.items()},
        rows=d.n,
    )


@dataclass(frozen=True)
class _Line:
    """One cost item or outcome, as plain data: what it is, and what its values are made of.

    A *profiled* line (an outcome or a per-participant cost) has shares over years since entry
    and an annual value per participant; a *programme* line (setup, running) has a
    calendar-year ``mask`` and an annual value for the programme. Values are magnitudes;
    ``kind`` says whether the line is a cost or a benefit. ``spec`` is the scenario's own item
    (a pydantic model: plain data too), ``factor`` its price conversion × periods a year, and
    ``optimism`` the intervention's optimism bias on costs or on benefits. Every uncertain
    number is found in the draws by its dotted path, never by object identity, so a compiled
    model pickles and evaluates the same in another process.
    """

    intervention: str
    layer: str
    kind: str  # "cost" | "benefit"
    item: str  # "setup" | "running" | "per_participant" | "outcome"
    agency: str
    value_type: str
    name: str
    source: str
    spec: Any
    factor: float
    optimism: Any
    horizon: int
    share_key: tuple | None = None  # lines with equal keys have equal shares in every draw
    mask: np.ndarray | None = None  # (year,), programme lines
    where: str = ""  # the item's dotted path: notes, and the draws' keys of its numbers

    @property
    def profiled(self) -> bool:
        return self.mask is None

    def annual(self, d: sampling.Draws) -> np.ndarray:
        """The line's annual value per participant (programme lines: for the programme), shape
        (draw,): amount × conversion × periods, adjusted, with optimism bias."""
        intervention = ".".join(self.where.split(".")[:2])
        if self.kind == "cost":
            return _cost(d, self.spec.amount, self.optimism, self.where) * self.factor
        return np.atleast_1d(
            _gross(self.spec, d, self.where)
            * _adjustments(self.spec, d, self.where)
            * _one_minus(d, self.optimism, f"{intervention}.optimism_bias.benefits")
            * self.factor
        )

    def shares(self, d: sampling.Draws) -> np.ndarray:
        """Share of the annual value in each year since entry, shape (draw, year)."""
        return _shares(self.spec, d, self.horizon, self.where)


class _Buffers:
    """Working arrays reused from one block of draws to the next.

    Large fresh arrays cost page faults on every block (as much as the arithmetic); reusing
    them keeps a run's time in the arithmetic. An array is handed out again only for the same
    name and shape, and never escapes a block (results are computed into fresh small arrays).
    """

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], zero: bool = False) -> np.ndarray:
        a = self._arrays.get(name)
        if a is None or a.shape != shape:
            a = self._arrays[name] = np.empty(shape)
        if zero:
            a.fill(0.0)
        return a


class _Fresh(_Buffers):
    """Working arrays that are not kept: each is a fresh array, freed when last used (a run
    whose results fill memory, where a block's arrays should not outlive their use)."""

    def get(self, name: str, shape: tuple[int, ...], zero: bool = False) -> np.ndarray:
        return np.zeros(shape) if zero else np.empty(shape)


_ONE = np.ones(1)


@dataclass(frozen=True)
class _Intake:
    """An intervention's intake, as plain data: participants entering each year for any draws."""

    spec: Any  # the scenario's Intake
    path: str  # interventions.<id>.intake
    horizon: int

    def __call__(self, draws: sampling.Draws) -> np.ndarray:
        """Participants entering in each year, shape (draw, year) (draw = 1 if certain)."""
        spec, T, path = self.spec, self.horizon, self.path
        if spec.participants is not None:
            return self._series(spec.participants, draws, f"{path}.participants")
        eligible = self._series(spec.eligible, draws, f"{path}.eligible")
        return eligible * _uptake(spec.uptake, draws, T, f"{path}.uptake")

    def factored(self, draws: sampling.Draws) -> tuple[np.ndarray | None, np.ndarray]:
        """The intake as two factors, ``intake(draw, e) = a(draw) × b(e)``, where it is one.

        Returns ``(a, b)``: ``a`` of shape (draw,) or (1,) and ``b`` of shape (year,), the entry
        pattern, the same in every draw. An intake fixed in every draw is ``a = [1.0]`` with ``b``
        the intake itself, exactly as ``self(draws)`` gives it. An intake that is no such product
        (an uncertain list of participants, an uncertain uptake curve) is returned whole as
        ``(None, intake)``, intake of shape (draw | 1, year). Each number is read once, so
        clipped draws are counted once.
        """
        spec, T, path = self.spec, self.horizon, self.path
        if spec.participants is not None:
            return self._factored_series(spec.participants, draws, f"{path}.participants")
        ea, eb = self._factored_series(spec.eligible, draws, f"{path}.eligible")
        u = spec.uptake
        kind = getattr(u, "curve", None)
        U = _uptake(u, draws, T, f"{path}.uptake")
        if ea is None:
            return None, eb * U
        if U.shape[0] == 1:
            if ea.shape[0] == 1:
                return _ONE, (ea[0] * eb) * U[0]
            return ea, eb * U[0]
        if kind is None or kind == "constant":  # one uncertain share in every year
            return ea * U[:, 0], eb
        return None, (ea[:, None] * eb) * U

    def _factored_series(
        self, v: Any, draws: sampling.Draws, where: str
    ) -> tuple[np.ndarray | None, np.ndarray]:
        if isinstance(v, list):
            full = self._series(v, draws, where)
            return (_ONE, full[0]) if full.shape[0] == 1 else (None, full)
        T = self.horizon
        years = np.arange(T)
        window = (years < self.spec.years) if self.spec.years is not None else np.ones(T, bool)
        a = draws.value(v, 0, None, where)
        if a.shape[0] == 1:
            return _ONE, a[0] * window
        return a, window.astype(float)

    def _series(self, v: Any, draws: sampling.Draws, where: str) -> np.ndarray:
        T = self.horizon
        if isinstance(v, list):
            cols = np.broadcast_arrays(
                *[draws.value(x, 0, None, f"{where}.{e}") for e, x in enumerate(v)]
            )
            arr = np.stack(cols, axis=-1)[:, :T]
            pad = np.zeros((arr.shape[0], T - arr.shape[1]))
            return np.concatenate([arr, pad], axis=1)
        years = np.arange(T)
        window = (years < self.spec.years) if self.spec.years is not None else np.ones(T, bool)
        return draws.value(v, 0, None, where)[:, None] * window[None, :]


@dataclass
class _Model:
    """A scenario compiled into lines, intakes and discount factors: plain data (it pickles,
    and holds no working arrays, so one model may be evaluated by several threads)."""

    scenario: Scenario
    horizon: int
    factors: np.ndarray  # (year,)
    lines: list[_Line]
    intakes: dict[str, _Intake]  # id -> intake
    notes: list[str] = field(default_factory=list)
    bands: tuple[tuple[int, float], ...] = ()
    hankel: np.ndarray | None = None  # (entry year, years since entry) -> discount factor
    layout: _Layout | None = None


# ---------------------------------------------------------------------------------------------
# Discounting


def schedule_bands(scenario: Scenario) -> tuple[tuple[int, float], ...]:
    """The (from_year, rate) bands of the scenario's discounting schedule."""
    d = scenario.discounting
    if d.schedule == "none":
        return discounting.NO_DISCOUNTING
    if d.schedule == "constant":
        return discounting.constant_bands(d.rate)
    if d.schedule == "custom":
        assert d.bands is not None  # the schema requires bands with schedule: custom
        return tuple((b.from_year, b.rate) for b in d.bands)
    return discounting.SCHEDULES[d.schedule].bands


def schedule_label(scenario: Scenario) -> str:
    """A short human description of the discounting used, for reports."""
    d = scenario.discounting
    if d.schedule in discounting.SCHEDULES:
        s = discounting.SCHEDULES[d.schedule]
        return f"{d.schedule} ({s.source}, {s.edition})"
    if d.schedule == "constant":
        return f"constant {d.rate:.2%}"
    if d.schedule == "custom":
        assert d.bands is not None  # the schema requires bands with schedule: custom
        return "custom: " + ", ".join(f"{b.rate:.2%} from year {b.from_year}" for b in d.bands)
    return "none (undiscounted)"


# ---------------------------------------------------------------------------------------------
# Compiling a scenario into lines


def compile_scenario(scenario: Scenario) -> _Model:
    """Turn a validated scenario into lines whose flows can be computed for any draws."""
    T = scenario.horizon
    bands = schedule_bands(scenario)
    factors = discounting.timing_factors(bands, T, scenario.discounting.timing)
    model = _Model(
        scenario, T, factors, [], {}, bands=bands, hankel=discounting.entry_discount_matrix(factors)
    )
    rates = {r.currency: r.rate for r in scenario.exchange_rates}
    for iv in scenario.interventions:
        model.intakes[iv.id] = _intake(iv, T, model.notes)
        _compile_intervention(iv, model, rates)
    model.layout = _layout(model)
    for iv in scenario.interventions:
        if not iv.outcomes:
            model.notes.append(
                f"{iv.id}: the intervention has no outcomes, so it can only cost money; add the "
                "outcomes it achieves, or say in its description why none are counted."
            )
    return model


#: An outcome carrying at least this share of a scenario's PV of benefits is material: if it
#: states no deadweight, the over-claim warning names it.
MATERIAL_SHARE = 0.05


def _gross_benefit_notes(model: _Model, flows: np.ndarray) -> list[str]:
    """Name every material outcome that does not state a deadweight (benefits entered gross).

    ``flows`` are the mean undiscounted flows, shape (line, year). An explicit ``deadweight: 0``
    counts as stated (the evidence is already net of what would have happened anyway).
    """
    pv = np.abs(flows @ model.factors)
    benefit = np.array([ln.kind == "benefit" for ln in model.lines], dtype=bool)
    total = float(pv[benefit].sum()) if benefit.any() else 0.0
    if total <= 0:
        return []
    unstated = []
    for ln, value in zip(model.lines, pv):
        if ln.kind != "benefit" or value < MATERIAL_SHARE * total:
            continue
        o = _item_at(model.scenario, ln.where)
        if "deadweight" not in o.model_fields_set and o.deadweight == 0:
            unstated.append(f"{ln.where} ({ln.name}, {value / total:.0%} of PV benefits)")
    if not unstated:
        return []
    return [
        "Benefits entered gross (no deadweight stated), the classic over-claim of savings "
        "programmes: " + "; ".join(unstated) + ". State deadweight on each (0 if the evidence is "
        "already net of what would have happened anyway)."
    ]


def _item_at(scenario: Scenario, where: str) -> Any:
    """The cost item or outcome at a dotted path such as ``interventions.nfp.outcomes.0``."""
    parts = where.split(".")
    obj: Any = next(iv for iv in scenario.interventions if iv.id == parts[1])
    for part in parts[2:]:
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def _intake(iv: Intervention, T: int, notes: list[str]) -> _Intake:
    spec = iv.intake
    if isinstance(spec.participants, list) and len(spec.participants) > T:
        notes.append(
            f"{iv.id}: intake lists {len(spec.participants)} years but the horizon is {T}; "
            "later entrants are dropped."
        )
    if isinstance(spec.eligible, list) and len(spec.eligible) > T:
        notes.append(
            f"{iv.id}: eligible lists {len(spec.eligible)} years but the horizon is {T}; "
            "later years are dropped."
        )
    return _Intake(spec, f"interventions.{iv.id}.intake", T)


def _uptake(u: Any, draws: sampling.Draws, T: int, where: str) -> np.ndarray:
    kind = getattr(u, "curve", None)
    v = draws.value
    if kind is None:
        return curves.constant_curve(v(u, where=where), T)
    if kind == "constant":
        return curves.constant_curve(v(u.value, where=f"{where}.value"), T)
    if kind == "linear":
        return curves.linear_curve(
            v(u.start, where=f"{where}.start"), v(u.end, where=f"{where}.end"), u.years, T
        )
    if kind == "logistic":
        return curves.logistic_curve(
            v(u.start, where=f"{where}.start"),
            v(u.end, where=f"{where}.end"),
            u.midpoint,
            u.steepness,
            T,
        )
    cols = np.broadcast_arrays(*[v(x, where=f"{where}.values.{e}") for e, x in enumerate(u.values)])
    return curves.table_curve(np.stack(cols, axis=-1), T)


def _compile_intervention(iv: Intervention, model: _Model, rates: dict[str, float]) -> None:
    sc, T = model.scenario, model.horizon
    path = f"interventions.{iv.id}"

    def price(item: Any, where: str) -> float:
        currency = item.currency or iv.currency or sc.currency
        year = item.price_year or iv.price_year or sc.price_year
        try:
            return prices.conversion_factor(
                currency, year, sc.currency, sc.price_year, rates, sc.deflator
            )
        except ValueError as exc:
            raise ModelError(f"{where}: {exc}") from None

    ob_costs = iv.optimism_bias.costs
    ob_benefits = iv.optimism_bias.benefits
    years = np.arange(T)

    for i, c in enumerate(iv.costs.setup):
        where = f"{path}.costs.setup.{i}"
        if c.year >= T:
            model.notes.append(
                f"{where}: setup cost in year {c.year} falls past the horizon "
                f"(last year {T - 1}) and is dropped."
            )
        onehot = (years == c.year).astype(float)
        k = price(c, where)
        model.lines.append(
            _Line(
                iv.id,
                iv.layer,
                "cost",
                "setup",
                c.funder,
                "cost",
                c.name or "Setup",
                c.source or "",
                c,
                k,
                ob_costs,
                T,
                mask=onehot,
                where=where,
            )
        )

    for i, rc in enumerate(iv.costs.running):
        where = f"{path}.costs.running.{i}"
        last = T - 1 if rc.to_year is None else rc.to_year
        if rc.to_year is not None and rc.to_year >= T:
            model.notes.append(
                f"{where}: running cost to year {rc.to_year} is cut at the horizon "
                f"(last year {T - 1})."
            )
        mask = ((years >= rc.from_year) & (years <= last)).astype(float)
        k = price(rc, where) * PER_YEAR[rc.per]
        model.lines.append(
            _Line(
                iv.id,
                iv.layer,
                "cost",
                "running",
                rc.funder,
                "cost",
                rc.name or "Running costs",
                rc.source or "",
                rc,
                k,
                ob_costs,
                T,
                mask=mask,
                where=where,
            )
        )

    for i, pc in enumerate(iv.costs.per_participant):
        where = f"{path}.costs.per_participant.{i}"
        _check_cut(pc, iv, model, where)
        k = price(pc, where) * PER_YEAR[pc.per]
        _add_profiled(
            model,
            iv,
            pc,
            "cost",
            "per_participant",
            pc.funder,
            "cost",
            pc.name or "Per participant",
            k,
            ob_costs,
            where,
        )

    for i, o in enumerate(iv.outcomes):
        where = f"{path}.outcomes.{i}"
        _check_cut(o, iv, model, where)
        k = price(o, where) * PER_YEAR[o.per]
        _add_profiled(
            model,
            iv,
            o,
            "benefit",
            "outcome",
            o.agency,
            o.value_type,
            o.name,
            k,
            ob_benefits,
            where,
        )


def _cost(d: sampling.Draws, amount: Any, optimism: Any, where: str) -> np.ndarray:
    """A cost's amount × (1 + optimism bias on costs); costs are never negative."""
    intervention = ".".join(where.split(".")[:2])
    return d.value(amount, 0, None, f"{where}.amount") * (
        1 + d.value(optimism, 0, 10, f"{intervention}.optimism_bias.costs")
    )


def _gross(o: Outcome, d: sampling.Draws, where: str = "") -> np.ndarray:
    """The full annual value per participant before adjustments (per `per`)."""
    if o.amount is not None:
        return d.value(o.amount, where=f"{where}.amount")
    if o.baseline is not None:
        return d.value(o.baseline, 0, None, f"{where}.baseline") * d.value(
            o.reduction, -1, 1, f"{where}.reduction"
        )
    return d.value(o.probability_change, -1, 1, f"{where}.probability_change") * d.value(
        o.unit_cost, 0, None, f"{where}.unit_cost"
    )


def _one_minus(d: sampling.Draws, v: Any, where: str) -> float | np.ndarray:
    """1 − a share: a plain float for a plain number (the same value, with no array to make
    for the many plain zeros a scenario holds), else 1 − its draws, clipped to [0, 1]."""
    if isinstance(v, float | int):
        return 1.0 - float(v)
    return 1 - d.value(v, 0, 1, where)


def _adjustments(o: Outcome, d: sampling.Draws, where: str = "") -> float | np.ndarray:
    return (
        _one_minus(d, o.deadweight, f"{where}.deadweight")
        * _one_minus(d, o.attribution, f"{where}.attribution")
        * _one_minus(d, o.displacement, f"{where}.displacement")
    )


def _shape_parameters(item: Any, d: sampling.Draws, where: str = "") -> tuple:
    """A profile's (start, duration, ramp, drop-off), each read (and clipped) once, in order."""
    duration = (
        np.inf if item.duration is None else d.value(item.duration, 0, None, f"{where}.duration")
    )
    ramp = d.value(item.ramp, 0, None, f"{where}.ramp")
    return item.start, duration, ramp, d.value(item.drop_off, 0, 1, f"{where}.drop_off")


def _shares(item: Any, d: sampling.Draws, T: int, where: str = "") -> np.ndarray:
    return curves.outcome_shares(T, *_shape_parameters(item, d, where))


def _key(v: Any, where: str) -> tuple:
    """A hashable stand-in for a scenario number: equal keys give equal values in every draw
    (a distribution is drawn for its place in the file, so it is keyed by its path)."""
    if v is None:
        return ("none",)
    if isinstance(v, float | int):
        return ("number", float(v))
    if isinstance(v, expressions.Expression):
        return ("expression", v.text)
    return ("distribution", where)


def _add_profiled(
    model: _Model,
    iv: Intervention,
    item: Any,
    kind: str,
    what: str,
    agency: str,
    value_type: str,
    name: str,
    factor: float,
    optimism: Any,
    where: str,
) -> None:
    key = (
        item.start,
        _key(item.duration, f"{where}.duration"),
        _key(item.ramp, f"{where}.ramp"),
        _key(item.drop_off, f"{where}.drop_off"),
    )
    model.lines.append(
        _Line(
            iv.id,
            iv.layer,
            kind,
            what,
            agency,
            value_type,
            name,
            item.source or "",
            item,
            factor,
            optimism,
            model.horizon,
            share_key=key,
            where=where,
        )
    )


def _check_cut(item: Any, iv: Intervention, model: _Model, where: str) -> None:
    """Note when some cohort's profile runs past the horizon (a duration that is cut)."""
    if item.duration is None:
        return
    T = model.horizon
    entries = _entry_years(iv, T)
    if not entries:
        return
    dur = item.duration
    dur = dur.central if hasattr(dur, "central") else dur
    try:
        dur = float(dur)
    except (TypeError, ValueError):
        return  # an expression: judged at run time only through the flows
    end = max(entries) + item.start + dur
    if item.start + dur > 0 and end > T:
        model.notes.append(
            f"{where}: cohorts entering in year {max(entries)} would keep this "
            f"{dur:g}-year profile to year {end:g}, past the horizon (last year {T - 1}); "
            "the rest is cut."
        )


def _entry_years(iv: Intervention, T: int) -> list[int]:
    spec = iv.intake
    if isinstance(spec.participants, list):
        return [
            e
            for e, v in enumerate(spec.participants[:T])
            if not (isinstance(v, float | int) and v == 0)
        ]
    n = min(spec.years, T) if spec.years is not None else T
    if isinstance(spec.eligible, list):
        n = min(n, len(spec.eligible))
    return list(range(n))


# ---------------------------------------------------------------------------------------------
# Evaluating


def _groups(model: _Model) -> dict[str, tuple[list[str], np.ndarray, np.ndarray]]:
    """grouping -> (labels, line membership (G, L), intervention membership (G, I))."""
    lines, ivs = model.lines, [iv.id for iv in model.scenario.interventions]
    layer_of = {iv.id: iv.layer for iv in model.scenario.interventions}
    keys = {
        "total": lambda ln: "total",
        "intervention": lambda ln: ln.intervention,
        "layer": lambda ln: ln.layer,
        "agency": lambda ln: ln.agency,
    }
    out = {}
    for grouping, key in keys.items():
        if grouping == "total":
            labels = ["total"]
        elif grouping == "intervention":
            labels = ivs
        elif grouping == "layer":
            labels = [x for x in ("upstream", "midstream", "downstream") if x in layer_of.values()]
        else:
            labels = list(dict.fromkeys(key(ln) for ln in lines))
        m_lines = np.array([[key(ln) == g for ln in lines] for g in labels], dtype=float).reshape(
            len(labels), len(lines)
        )
        m_ivs = np.zeros((len(labels), len(ivs)))
        for gi, g in enumerate(labels):
            for ii, iv in enumerate(ivs):
                if (
                    grouping == "total"
                    or (grouping == "intervention" and iv == g)
                    or (grouping == "layer" and layer_of[iv] == g)
                    or (
                        grouping == "agency"
                        and any(ln.intervention == iv and ln.agency == g for ln in lines)
                    )
                ):
                    m_ivs[gi, ii] = 1.0
        out[grouping] = (labels, m_lines, m_ivs)
    return out


def _starts_positive(net: np.ndarray) -> np.ndarray:
    """1.0 where the first non-zero net flow is a gain (a borrowing-like profile), else 0.0."""
    nonzero = np.abs(net) > 1e-9 * max(1.0, float(np.abs(net).max(initial=0.0)))
    first = np.argmax(nonzero, axis=-1)
    value = np.take_along_axis(net, first[..., None], axis=-1)[..., 0]
    return ((value > 0) & nonzero.any(axis=-1)).astype(float)


@dataclass
class _Layout:
    """Index arrays that place every line, fixed for a compiled model."""

    keys: list[tuple]  # distinct share keys of profiled lines
    share_lines: list[int]  # one line per key, whose shares are the key's
    alike: list[list[int]]  # keys that differ only in duration (one ramp and decay for all)
    line_key: np.ndarray  # (line,) index into keys, -1 for programme lines
    line_iv: np.ndarray  # (line,) index of each line's intervention
    sign: np.ndarray  # (line,) -1 for costs, +1 for benefits
    programme: np.ndarray  # (line,) bool
    programme_by_iv: list[
        tuple[np.ndarray, np.ndarray]
    ]  # per intervention: its programme lines, their masks
    programme_masks: np.ndarray  # (programme line, year): each programme line's mask, in order


def _layout(model: _Model) -> _Layout:
    lines = model.lines
    ivs = [iv.id for iv in model.scenario.interventions]
    iv_index = {iv: k for k, iv in enumerate(ivs)}
    keys: list[tuple] = []
    first: list[int] = []
    line_key = np.full(len(lines), -1)
    for j, ln in enumerate(lines):
        if not ln.profiled:
            continue
        assert ln.share_key is not None  # profiled lines are always given a share key
        if ln.share_key not in keys:
            keys.append(ln.share_key)
            first.append(j)
        line_key[j] = keys.index(ln.share_key)
    alike: dict[tuple, list[int]] = {}
    for key, share_key in enumerate(keys):  # (start, duration, ramp, drop-off)
        alike.setdefault((share_key[0], share_key[2], share_key[3]), []).append(key)
    line_iv = np.array([iv_index[ln.intervention] for ln in lines], dtype=int)
    T = model.horizon
    programme = line_key < 0
    by_iv = []
    for i in range(len(ivs)):
        members = np.flatnonzero(programme & (line_iv == i))
        masks = np.array([lines[j].mask for j in members]).reshape(len(members), T)
        by_iv.append((members, masks))
    sign = np.array([-1.0 if ln.kind == "cost" else 1.0 for ln in lines])
    masks = np.array([lines[j].mask for j in np.flatnonzero(programme)]).reshape(-1, T)
    return _Layout(
        keys, first, list(alike.values()), line_key, line_iv, sign, programme, by_iv, masks
    )


@dataclass
class _Shapes:
    """What a run's profile shapes are like over all its draws, fixed before its blocks.

    ``varying`` (key,): the shapes that differ between draws; ``slot`` (key,): each varying
    shape's place in a block's varying shares (-1 for a fixed one); ``width``: the years since
    entry that hold every varying shape's non-zero shares, over all the run's draws (an
    effect that lasts 12 years is 0 from year 12 on), so a block computes and multiplies only
    those. Found from all the draws at once, so every block, whatever its size, does the same
    arithmetic on each draw: a seeded run stays the same bit for bit whatever the block size.
    """

    varying: np.ndarray
    slot: np.ndarray
    widths: np.ndarray  # (key,): years since entry holding the key's non-zero shares
    width: int

    @property
    def var(self) -> np.ndarray:
        return np.flatnonzero(self.varying)

    @property
    def fix(self) -> np.ndarray:
        return np.flatnonzero(~self.varying)


def _shapes(model: _Model, draws: sampling.Draws) -> _Shapes:
    """The :class:`_Shapes` of a run of ``draws`` (read on a copy: nothing is counted as
    clipped twice)."""
    lay = model.layout
    assert lay is not None
    d = draws.slice(0, draws.n)
    T, K = model.horizon, len(lay.keys)
    varying = np.zeros(K, dtype=bool)
    widths = np.zeros(K, dtype=int)
    for keys in lay.alike:
        lines = [model.lines[lay.share_lines[key]] for key in keys]
        parameters = [_shape_parameters(ln.spec, d, ln.where) for ln in lines]
        start, _, ramp, drop_off = parameters[0]
        for key, (_, duration, _, _) in zip(keys, parameters):
            size = max(np.size(duration), np.size(ramp), np.size(drop_off))
            varying[key] = size > 1
            widths[key] = curves.shares_support(T, start, duration)
    slot = np.full(K, -1)
    slot[varying] = np.arange(int(varying.sum()))
    return _Shapes(varying, slot, widths, int(widths[varying].max(initial=0)))


def _column_sums(X: np.ndarray, columns: np.ndarray, width: int) -> np.ndarray:
    """``out[:, c] = Σ X[:, j] over j with columns[j] == c``, shape (rows, width): the
    product with a 0/1 indicator matrix, without its zeros."""
    out = np.zeros((X.shape[0], width))
    if columns.size == 0:
        return out
    order = np.argsort(columns, kind="stable")
    cols = columns[order]
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
    out[:, cols[starts]] = np.add.reduceat(X[:, order], starts, axis=1)
    return out


@dataclass
class _LineValues:
    """One block's line values: what every line is worth, in every draw of the block.

    ``annual`` (draw, line): each line's annual value (per participant, or for the programme);
    ``signed`` the same with costs negative. The profile shapes, by years since entry:
    ``varying`` (draw, slot, year < shapes.width) for the shapes that differ between draws
    (0 from shapes.width on), and ``fixed`` (key, year) for those that do not (the rows of
    varying shapes are 0).
    """

    annual: np.ndarray
    signed: np.ndarray
    varying: np.ndarray
    fixed: np.ndarray
    shapes: _Shapes

    def shares(self, key: int) -> np.ndarray:
        """One shape's shares by year since entry, shape (draw | 1, year)."""
        slot = int(self.shapes.slot[key])
        if slot < 0:
            return self.fixed[key][None]
        out = np.zeros((self.varying.shape[0], self.fixed.shape[1]))
        out[:, : self.shapes.width] = self.varying[:, slot]
        return out

    def all_shares(self) -> np.ndarray:
        """Every shape's shares in every draw, shape (draw, key, year) (for a run of one draw)."""
        n, (K, T) = self.annual.shape[0], self.fixed.shape
        out = np.empty((n, K, T))
        for key in range(K):
            out[:, key] = self.shares(key)
        return out


@dataclass
class _BlockIntakes:
    """One block's intakes: ``scale[draw, i] × pattern[i, e]`` where an intake is such a
    product (a per-draw number times fixed entry years), ``general[i]`` (draw | 1, year) the
    whole intake where it is not, and each intervention's ``participants`` (draw, intervention).
    """

    scale: np.ndarray  # (draw, intervention); 1.0 for a general intake
    pattern: np.ndarray  # (intervention, year); 0.0 for a general intake
    general: dict[int, np.ndarray]
    participants: np.ndarray

    @property
    def scaled(self) -> bool:
        """Whether any per-draw factor differs from 1 (else the factors may be skipped)."""
        return bool(np.any(self.scale != 1.0))

    def whole(self, i: int) -> np.ndarray:
        """Intervention ``i``'s intake by entry year, shape (draw | 1, year)."""
        if i in self.general:
            return self.general[i]
        return self.scale[:, i, None] * self.pattern[i]

    def by_pattern(self) -> list[list[int]]:
        """The factored intakes grouped by entry pattern (interventions in order)."""
        same: dict[bytes, list[int]] = {}
        for i in range(self.scale.shape[1]):
            if i not in self.general:
                same.setdefault(self.pattern[i].tobytes(), []).append(i)
        return list(same.values())


def _line_values(model: _Model, d: sampling.Draws, shapes: _Shapes, buf: _Buffers) -> _LineValues:
    """Stage 1: every line's annual value and every profile shape's shares, for a block.

    Shapes that differ only in duration share their ramp and drop-off's decay (equal keys:
    equal values in every draw), so the decay is computed once for all of them, and only over
    the years since entry where a shape can be non-zero (:class:`_Shapes`).
    """
    lay = model.layout
    assert lay is not None  # set by compile_scenario
    n, lines, T = d.n, model.lines, model.horizon
    annual = buf.get("annual", (n, len(lines)))
    for j, ln in enumerate(lines):
        annual[:, j] = np.broadcast_to(ln.annual(d), (n,))
    W = shapes.width
    varying = buf.get("varying_shares", (n, shapes.var.size, W))
    fixed = np.zeros((len(lay.keys), T))
    for keys in lay.alike:
        share_lines = [lines[lay.share_lines[key]] for key in keys]
        parameters = [_shape_parameters(ln.spec, d, ln.where) for ln in share_lines]
        start, _, ramp, drop_off = parameters[0]
        width = int(shapes.widths[keys].max())
        by_duration = curves.outcome_shares_by_duration(
            width, start, [p[1] for p in parameters], ramp, drop_off
        )
        for key, by_draw in zip(keys, by_duration):
            slot = int(shapes.slot[key])
            if slot < 0:
                fixed[key, :width] = by_draw[0]
            else:
                w = min(width, W)  # the key's own shares are 0 from shapes.width on
                varying[:, slot, :w] = by_draw[:, :w]
                varying[:, slot, w:] = 0.0
    return _LineValues(annual, annual * lay.sign, varying, fixed, shapes)


def _block_intakes(model: _Model, d: sampling.Draws) -> _BlockIntakes:
    """Stage 2: each intervention's intake for a block, as two factors where it is a product."""
    n, T = d.n, model.horizon
    ids = [iv.id for iv in model.scenario.interventions]
    scale = np.ones((n, len(ids)))
    pattern = np.zeros((len(ids), T))
    general: dict[int, np.ndarray] = {}
    for i, ident in enumerate(ids):
        factor, entries = model.intakes[ident].factored(d)
        if factor is None:
            general[i] = entries
        else:
            scale[:, i] = factor
            pattern[i] = entries
    participants = scale * pattern.sum(axis=-1) if ids else np.zeros((n, 0))
    for i, whole in general.items():
        participants[:, i] = np.broadcast_to(whole.sum(axis=-1), (n,))
    return _BlockIntakes(scale, pattern, general, participants)


def _per_shape(values: _LineValues, weights: np.ndarray) -> np.ndarray:
    """``Σ_k shares(draw, key, k) × weights[c, k]`` for every shape and weight row, shape
    (draw, key, c): one BLAS product over the varying shapes' years, one for the fixed."""
    shapes, n = values.shapes, values.annual.shape[0]
    K, W = values.fixed.shape[0], shapes.width
    var, fix = shapes.var, shapes.fix
    out = np.empty((n, K, weights.shape[0]))
    if var.size:
        products = values.varying.reshape(-1, W) @ weights[:, :W].T
        out[:, var] = products.reshape(n, var.size, -1)
    if fix.size:
        out[:, fix] = values.fixed[fix] @ weights.T
    return out


def _take(buf: _Buffers, name: str, a: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``a[:, columns]`` (a gather, the same numbers) into the working array ``name``."""
    return np.take(a, columns, axis=1, out=buf.get(name, (a.shape[0], columns.size)))


def _present_values(
    model: _Model,
    values: _LineValues,
    intakes: _BlockIntakes,
    buf: _Buffers,
    scratch: _Buffers | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Stage 3: each line's PV and per-person PV in every draw, both (draw, line), by linearity.

    No convolution: with w(k) = Σ_e intake(e) D(e + k) (the intake times the Hankel matrix of
    the discount factors), a profiled line's PV is annual × Σ_k shares(k) w(k); for an intake
    a(draw) × b(e), w = a × (b @ H), one row per distinct entry pattern b, and the shares enter
    one BLAS product with those rows and the discount factors together. A programme line's PV
    is annual × Σ_t mask(t) D(t). The per-person PV is annual × Σ_k shares(k) D(k) (one
    participant, discounted from entry). The gathers go into ``scratch`` (default ``buf``).
    """
    lay, hankel, factors = model.layout, model.hankel, model.factors
    scratch = scratch or buf
    assert lay is not None and hankel is not None  # set by compile_scenario
    annual = values.annual
    n, T = annual.shape[0], model.horizon
    profiled = ~lay.programme
    pv_line = buf.get("pv_line", annual.shape, zero=True)
    per_person = buf.get("per_person", annual.shape, zero=True)
    groups = intakes.by_pattern()
    column = np.full(intakes.scale.shape[1], -1)
    for c, same in enumerate(groups):
        column[same] = c
    rows = [intakes.pattern[same[0]] for same in groups]
    weights = np.vstack([np.reshape(rows, (len(rows), T)) @ hankel, factors[None]])
    per_shape = _per_shape(values, weights)  # (draw, key, pattern | factors)
    by_cell = per_shape.reshape(n, -1)  # the same, (draw, key × (pattern | factors))
    C = per_shape.shape[2]
    # Gathers and products go into the thread's working arrays (no fresh pages per block).
    lines = np.flatnonzero(profiled)
    own = _take(scratch, "person_annual", annual, lines)
    unit = _take(scratch, "person_unit", by_cell, lay.line_key[lines] * C + C - 1)
    per_person[:, lines] = np.multiply(own, unit, out=unit)
    lines = np.flatnonzero(profiled & (column[lay.line_iv] >= 0))
    if lines.size:
        keys, ivs = lay.line_key[lines], lay.line_iv[lines]
        unit = _take(scratch, "pv_unit", by_cell, keys * C + column[ivs])
        if intakes.scaled:
            unit *= _take(scratch, "pv_scale", intakes.scale, ivs)
        own = _take(scratch, "pv_annual", annual, lines)
        pv_line[:, lines] = np.multiply(own, unit, out=unit)
    for i, whole in intakes.general.items():
        members = profiled & (lay.line_iv == i)
        w = np.broadcast_to(whole @ hankel, (n, T))  # this intake's own weights, per draw
        unit = np.empty((n, len(lay.keys)))  # (draw, key): Σ_k shares(k) w(k)
        shapes = values.shapes
        if shapes.var.size:
            unit[:, shapes.var] = np.einsum("nst,nt->ns", values.varying, w[:, : shapes.width])
        if shapes.fix.size:
            unit[:, shapes.fix] = w @ values.fixed[shapes.fix].T
        pv_line[:, members] = annual[:, members] * unit[:, lay.line_key[members]]
    if lay.programme.any():
        pv_line[:, lay.programme] = annual[:, lay.programme] * (lay.programme_masks @ factors)
    return pv_line, per_person


def _net_by_shape(model: _Model, values: _LineValues) -> np.ndarray:
    """Each intervention's net value per participant by profile shape, (draw, intervention,
    key): the signed annual values of its profiled lines, summed over lines of one shape."""
    lay = model.layout
    assert lay is not None
    n, K = values.signed.shape[0], len(lay.keys)
    n_iv = len(lay.programme_by_iv)
    profiled = ~lay.programme
    columns = (lay.line_iv * K + lay.line_key)[profiled]
    return _column_sums(values.signed[:, profiled], columns, n_iv * K).reshape(n, n_iv, K)


def _all_year_flows(
    model: _Model,
    values: _LineValues,
    intakes: _BlockIntakes,
    layer_members: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage 4, a run of one draw: every year-by-year flow the reports show, since one draw
    costs little. Returns each intervention's net flows (draw, intervention, year), each
    layer's (draw, layer, year) and each line's own flows (draw, line, year)."""
    lay = model.layout
    assert lay is not None
    shares, annual, signed = values.all_shares(), values.annual, values.signed
    n, _, T = shares.shape
    n_iv = len(lay.programme_by_iv)
    whole = [intakes.whole(i) for i in range(n_iv)]
    profiles = np.matmul(_net_by_shape(model, values), shares)  # (draw, intervention, year)
    net_iv = (
        np.stack([curves.convolve_cohorts(whole[i], profiles[:, i]) for i in range(n_iv)], axis=1)
        if n_iv
        else np.zeros((n, 0, T))
    )
    for i, (members, masks) in enumerate(lay.programme_by_iv):
        if members.size:
            net_iv[:, i] += signed[:, members] @ masks
    net_layer = np.matmul(layer_members, net_iv)
    line_flows = np.zeros((n, len(model.lines), T))
    for j, ln in enumerate(model.lines):
        if not ln.profiled:
            line_flows[:, j] = annual[:, j, None] * ln.mask
        else:
            line_flows[:, j] = annual[:, j, None] * curves.convolve_cohorts(
                whole[lay.line_iv[j]], shares[:, lay.line_key[j]]
            )
    return net_iv, net_layer, line_flows


def _layer_flows(
    model: _Model,
    values: _LineValues,
    intakes: _BlockIntakes,
    layer_members: np.ndarray,
    buf: _Buffers | None = None,
) -> np.ndarray:
    """Stage 4, many draws: each layer's net flows by calendar year, year first, shape (year,
    draw, layer), by linearity (the scenario's are their sum).

    For the interventions of one entry pattern b, a layer's flows are the convolution with b of
    Σ_j a(draw) × signed_j × shares_j over its profiled lines j: these coefficients are summed
    by layer and shape first; the shapes that vary by draw are combined per draw (over the
    years where they can be non-zero) and convolved once per layer and pattern, and the
    shapes fixed in every draw are convolved once with b and enter by one BLAS product.
    The large arrays are the thread's working arrays (``buf``), reused from block to block;
    the result, too, lives until the block's metrics are computed from it.
    """
    lay = model.layout
    assert lay is not None
    buf = buf or _Buffers()
    signed, shapes = values.signed, values.shapes
    n, (K, T) = signed.shape[0], values.fixed.shape
    n_layers = layer_members.shape[0]
    layer_of_iv = np.argmax(layer_members, axis=0)  # every intervention is in one layer
    # year first: the payback years read it as it is
    net = buf.get("layer_net", (T, n, n_layers), zero=True)
    product = buf.get("layer_product", (T, n, n_layers))
    var, fix = shapes.var, shapes.fix
    profiled = ~lay.programme
    for same in intakes.by_pattern():
        entries = intakes.pattern[same[0]]
        lines = np.flatnonzero(profiled & np.isin(lay.line_iv, same))
        if not lines.size:
            continue
        coef = signed[:, lines]
        if intakes.scaled:
            coef = coef * intakes.scale[:, lay.line_iv[lines]]
        columns = layer_of_iv[lay.line_iv[lines]] * K + lay.line_key[lines]
        by_layer = _column_sums(coef, columns, n_layers * K).reshape(n, n_layers, K)
        if var.size:
            W = values.varying.shape[2]
            profiles = buf.get("layer_profiles", (n, n_layers, W))
            term = buf.get("layer_term", (n, n_layers, W))
            np.multiply(by_layer[:, :, var[0], None], values.varying[:, None, 0], out=profiles)
            for s in range(1, var.size):  # (draw, layer, years since entry < width)
                np.multiply(by_layer[:, :, var[s], None], values.varying[:, None, s], out=term)
                profiles += term
            net += curves.convolve_pattern(profiles, entries, year_first=True, out=product)
        if fix.size:
            fixed = curves.convolve_pattern(values.fixed[fix], entries)  # (key, year)
            coefficients = by_layer[:, :, fix].reshape(-1, fix.size)  # (draw × layer, key)
            np.matmul(fixed.T, coefficients.T, out=product.reshape(T, n * n_layers))
            net += product
    for i, whole in intakes.general.items():
        profile = np.zeros((n, T))
        for j in np.flatnonzero(profiled & (lay.line_iv == i)).tolist():
            profile += signed[:, j, None] * values.shares(int(lay.line_key[j]))
        net[:, :, layer_of_iv[i]] += curves.convolve_cohorts(whole, profile).T
    programme = np.flatnonzero(lay.programme)
    inside = layer_of_iv[lay.line_iv[programme]]
    years = np.flatnonzero(lay.programme_masks.any(axis=0))  # the years with programme flows
    for g in range(n_layers):
        if np.any(inside == g):
            members = inside == g
            masks = lay.programme_masks[np.ix_(members, years)]
            net[years, :, g] += masks.T @ signed[:, programme[members]].T
    return net


def _flow_sums(
    model: _Model,
    values: _LineValues,
    intakes: _BlockIntakes,
    weights: np.ndarray,
    buf: _Buffers,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stage 5: each line's flows summed over the block's draws, for the mean cash flows.

    Partial sums per sub-block of _BLOCK draws, which :func:`evaluate` adds up in draw order,
    so the sums too are the same bit for bit whatever the block size. ``weights`` (draw,) is 0
    on padding rows. Lines of an intervention whose intake factors are summed over years since
    entry (``by_entry``), scaled by the per-draw factor, and convolved once with the entry
    pattern at the end (linearity); the others by calendar year (``by_year``). Returns
    (by_entry, by_year), each (sub-block, line, year), the entry patterns and the indices of
    the general intakes. (Fresh arrays: a block's sums outlive its working arrays.)
    """
    lay = model.layout
    assert lay is not None
    annual, shapes = values.annual, values.shapes
    n, (K, T), W = annual.shape[0], values.fixed.shape, values.shapes.width
    L = annual.shape[1]
    profiled = ~lay.programme
    sub = _BLOCK if n % _BLOCK == 0 else n
    n_sub = n // sub
    weighted = weights[:, None] * annual
    if intakes.scaled:
        weighted[:, profiled] *= intakes.scale[:, lay.line_iv[profiled]]
    weighted = weighted.reshape(n_sub, sub, L)
    by_entry = np.zeros((n_sub, L, T))  # Σ a × shares, factored intakes
    by_year = np.zeros((n_sub, L, T))  # Σ flows by calendar year
    sub_varying = values.varying.reshape(n_sub, sub, shapes.var.size, W)
    for key in range(K):
        members = np.flatnonzero(lay.line_key == key)
        if not members.size:
            continue
        slot = int(shapes.slot[key])
        if slot >= 0:
            by_entry[:, members, :W] = np.matmul(
                weighted[:, :, members].transpose(0, 2, 1), sub_varying[:, :, slot]
            )
        else:
            by_entry[:, members] = (
                weighted[:, :, members].sum(axis=1)[:, :, None] * values.fixed[key]
            )
    for j in np.flatnonzero(profiled).tolist():
        i, key = int(lay.line_iv[j]), int(lay.line_key[j])
        if i in intakes.general:
            flows = curves.convolve_cohorts(
                intakes.general[i], np.broadcast_to(values.shares(key), (n, T))
            ).reshape(n_sub, sub, T)
            by_year[:, j] = np.matmul(weighted[:, None, :, j], flows)[:, 0]
            by_entry[:, j] = 0.0
    for j in np.flatnonzero(lay.programme).tolist():
        by_year[:, j] = weighted[:, :, j].sum(axis=1)[:, None] * model.lines[j].mask
    general = np.array(sorted(intakes.general), dtype=int)
    return by_entry, by_year, intakes.pattern, general


def _group_metrics(
    model: _Model,
    groups: dict,
    pv_line: np.ndarray,
    per_person: np.ndarray,
    participants: np.ndarray,
    year_flows: tuple[np.ndarray | None, np.ndarray, np.ndarray | None],
    full: bool,
    buf: _Buffers | None = None,
) -> dict[str, dict[str, np.ndarray | None]]:
    """Stage 6: every grouping's metrics, each (draw, group), from the line PVs and the
    year-by-year net flows ``(net by intervention or None, net by layer, line flows or None)``
    (a run of one draw: each (draw, group, year); many draws: by layer alone, year first).

    The PVs of every group of every grouping come from one BLAS product with all the groups'
    line memberships side by side (costs and benefits apart), the per-person sums from one
    more. Payback years and IRR of single interventions and agencies only in a run of one
    draw (``full``): over many draws they cost more than everything else together (see the
    README). None marks a figure not computed draw by draw (stored as NaN without memory).
    """
    lay = model.layout
    assert lay is not None
    net_iv, net_layer, line_flows = year_flows
    factors = model.factors
    is_cost = lay.sign < 0
    members = np.vstack([groups[g][1] for g in groups])  # (every group, line)
    sizes = np.cumsum([0] + [len(groups[g][0]) for g in groups])
    G = int(sizes[-1])
    pvs = pv_line @ np.vstack([members * is_cost, members * ~is_cost]).T
    # Per person: each line's per-participant NPV weighted by its intervention's participants.
    per_person_sum = (per_person * participants[:, lay.line_iv]) @ (members * lay.sign).T
    # Many draws: the layers' flows come year first, (year, draw, layer); the payback years
    # of the scenario and its layers are read from them as they are (no transposed copies).
    payback: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if not full:
        buf = buf or _Buffers()
        T, n, n_layers = net_layer.shape
        total = buf.get("total_net", (T, n))  # (year, draw): the layers' sum, added in order
        np.copyto(total, net_layer[:, :, 0])
        for g in range(1, n_layers):
            total += net_layer[:, :, g]
        for grouping, flows in (("total", total[:, :, None]), ("layer", net_layer)):
            discounted = buf.get(f"discounted_{grouping}", flows.shape)
            np.multiply(flows, factors[:, None, None], out=discounted)
            payback[grouping] = (
                metrics.payback_year(flows, axis=0),
                metrics.payback_year(discounted, axis=0),
            )
    out: dict[str, dict[str, np.ndarray | None]] = {}
    for g_index, (grouping, (_, _, iv_members)) in enumerate(groups.items()):
        at = slice(int(sizes[g_index]), int(sizes[g_index + 1]))
        net: np.ndarray | None
        if grouping == "intervention":
            net = net_iv
        elif grouping == "total":
            net = total.T[:, None, :] if net_iv is None else net_iv.sum(axis=1, keepdims=True)
        elif grouping == "layer" and full:
            net = net_layer
        elif full and line_flows is not None:
            net = np.matmul(groups[grouping][1], line_flows * lay.sign[:, None])
        else:
            net = None
        irr: np.ndarray | None = None
        irr_status: np.ndarray | None = None
        starts: np.ndarray | None = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if net is not None and (full or grouping == "total"):
                irr, status = metrics.irr_with_status(net)
                irr_status = np.asarray(status, dtype=np.int8)
                starts = _starts_positive(net).astype(np.int8)
            out[grouping] = {
                "pv_costs": pvs[:, at],
                "pv_benefits": pvs[:, G + at.start : G + at.stop],
                "participants": participants @ iv_members.T,
                "per_person_sum": per_person_sum[:, at],
                "payback_year": None,
                "discounted_payback_year": None,
                "irr": irr,
                "irr_status": irr_status,
                "net_starts_positive": starts,
            }
            if grouping in payback:
                years = payback[grouping]
                out[grouping]["payback_year"], out[grouping]["discounted_payback_year"] = years
            elif net is not None:
                out[grouping]["payback_year"] = metrics.payback_year(net)
                out[grouping]["discounted_payback_year"] = metrics.payback_year(net * factors)
    return out


def _evaluate_chunk(
    model: _Model,
    d: sampling.Draws,
    groups: dict,
    rows: int,
    full: bool,
    buf: _Buffers,
    shapes: _Shapes,
    lean: bool = False,
) -> tuple[dict, tuple, np.ndarray]:
    """Metrics for one block of draws, each line's flows summed over its first ``rows`` draws,
    and each line's PV in every draw of the block, shape (draw, line) (a working array).

    The stages: line values and profile shapes; intakes (as a per-draw factor times fixed entry
    years where they are such a product); PV by linearity (no convolution); the year-by-year
    net flows that are reported draw by draw (the scenario's and each layer's, for payback
    years and the scenario's IRR; those of single interventions and agencies only in a run of
    one draw, ``full``); the flow sums for the mean cash flows; the metrics of every grouping.
    Lines that share a profile shape (start, duration, ramp, drop-off) share its computation;
    a shape that is the same in every draw is convolved once, not per draw.
    """
    weights = (np.arange(d.n) < rows).astype(float)  # padding rows count for nothing in sums
    # The stages' large intermediate arrays are kept from block to block (fewer page faults),
    # except in a run whose results fill memory (``lean``), where each is freed after its use.
    scratch = _Fresh() if lean else buf
    values = _line_values(model, d, shapes, buf)
    intakes = _block_intakes(model, d)
    pv_line, per_person = _present_values(model, values, intakes, buf, scratch)
    layer_members = groups["layer"][2]
    year_flows: tuple[np.ndarray | None, np.ndarray, np.ndarray | None]
    if full:
        year_flows = _all_year_flows(model, values, intakes, layer_members)
    else:
        year_flows = (None, _layer_flows(model, values, intakes, layer_members, scratch), None)
    sums = _flow_sums(model, values, intakes, weights, buf)
    out = _group_metrics(
        model, groups, pv_line, per_person, intakes.participants, year_flows, full, scratch
    )
    return out, sums, pv_line


def _one_blas_thread(n: int) -> contextlib.AbstractContextManager[Any]:
    """One BLAS thread while a run of ``n`` draws is evaluated (more than one block).

    The engine's matrix products are many and small (a block of draws against the years): a
    BLAS pool's threads spin between them, costing CPU and, on a busy machine, wall time (the
    engine benchmark: at 100,000 W2 draws, half the CPU time and a quarter of the wall time
    with one thread). The figures do not change: each product's sums run in the same order
    whatever the thread count (checked bit for bit on the bundled scenarios and W2). A
    deterministic run, a single product or so, is left as it is."""
    if n <= _BLOCK:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def workers() -> int:
    """Threads that evaluate blocks of draws side by side: the CPUs this process may use (at
    most 8), or ``PREVCALC_THREADS`` when set (1 evaluates in the calling thread alone)."""
    text = os.environ.get("PREVCALC_THREADS", "").strip()
    if text:
        try:
            return max(1, min(64, int(text)))
        except ValueError:
            pass
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(8, cpus))


def _in_order(work: Callable[[int], Any], starts: range, threads: int) -> Iterator[Any]:
    """``work(start)`` for every start, yielded in order, run by up to ``threads`` threads.

    numpy releases the GIL in its loops and BLAS products, so blocks evaluated side by side
    use the CPUs together. At most two blocks per thread are in flight or waiting, so memory
    stays that of a few blocks whatever the number of draws. Each block's result is computed
    the same way in any thread: a seeded run is the same bit for bit whatever the threads.
    """
    threads = min(threads, len(starts))
    if threads <= 1:
        yield from (work(start) for start in starts)
        return
    with concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="prevcalc") as pool:
        pending: collections.deque = collections.deque()
        try:
            for start in starts:
                pending.append(pool.submit(work, start))
                if len(pending) >= 2 * threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # an error or an interrupt: the blocks not yet started are not started
            for future in pending:
                future.cancel()


def evaluate(
    model: _Model,
    draws: sampling.Draws,
    chunk: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    block_values: int | None = None,
    threads: int | None = None,
) -> Result:
    """Evaluate a compiled model for the given draws, ``chunk`` draws at a time, by ``threads``
    threads (default :func:`workers`).

    ``chunk`` (default: sized by the model, about ``block_values`` values per block, by default
    CHUNK_VALUES) bounds memory; it is rounded up to a multiple of _BLOCK and every block is
    padded to full size, so every matrix product sees row counts that are multiples of _BLOCK
    and the results are the same bit for bit whatever ``chunk`` or ``block_values`` is
    (tested). A run of one draw is evaluated as it is.
    """
    T = model.horizon
    threads = (workers() if threads is None else max(1, int(threads))) if draws.n > 1 else 1
    # Results that fill memory (a million draws): the blocks keep no working arrays between them
    lean = memory_needed(model, draws.n) > _LARGE_RESULTS
    if chunk is None:
        # By default a block holds about CHUNK_VALUES values; where the run's results are large
        # (a million draws), the threads' blocks together do, so that memory stays bounded.
        budget = CHUNK_VALUES
        if lean:
            budget //= threads
        size = _block_size(model, budget if block_values is None else block_values)
    else:
        size = max(_BLOCK, -(-int(chunk) // _BLOCK) * _BLOCK)
    if draws.n == 1:
        size = 1
    else:  # blocks of equal size, whole multiples of _BLOCK: little padding whatever draws.n is
        # (and, given enough draws, at least one block per thread)
        blocks = max(-(-draws.n // size), min(threads, draws.n // _SHARED_BLOCK))
        per_block = -(-draws.n // blocks)
        size = -(-per_block // _BLOCK) * _BLOCK
    groups = _groups(model)
    clipped: dict[str, int] = {}
    values: dict[str, dict[str, np.ndarray]] = {}  # filled in place: no second copy at the end
    constant_participants: dict[str, bool] = {}
    by_entry = np.zeros((len(model.lines), T))
    by_year = np.zeros((len(model.lines), T))
    line_pv = np.empty((draws.n, len(model.lines)))
    entry_patterns, general = np.zeros((len(model.scenario.interventions), T)), set()
    shapes = _shapes(model, draws)
    full = draws.n == 1
    local = threading.local()  # each thread's own working arrays: the model stays shareable

    def block(start: int) -> tuple[int, dict, tuple, dict[str, int]]:
        """Evaluate the block from ``start`` (in any thread): its metrics, flow sums and
        clipped counts; its line PVs go straight to their rows of ``line_pv``."""
        if not hasattr(local, "buffers"):
            local.buffers = _Buffers()
        d = draws.slice(start, start + size)
        rows = d.n
        d = _padded(d, size)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            m, fs, pv_line = _evaluate_chunk(
                model, d, groups, rows, full=full, buf=local.buffers, shapes=shapes, lean=lean
            )
        line_pv[start : start + rows] = pv_line[:rows]
        return rows, m, fs, d.clipped

    block_starts = range(0, draws.n, size)
    with _one_blas_thread(draws.n):  # one BLAS thread for the whole loop
        for start, (rows, m, fs, block_clipped) in zip(
            block_starts, _in_order(block, block_starts, threads)
        ):
            for g, v in m.items():
                G = len(groups[g][0])
                for k, a in v.items():
                    stored = values.setdefault(g, {})
                    if a is None:  # not computed draw by draw: NaN, taking no memory
                        stored.setdefault(k, np.broadcast_to(np.nan, (draws.n, G)))
                        continue
                    if k == "participants" and constant_participants.get(g, True):
                        # Participants rarely vary between draws: keep one row while they do not.
                        if k not in stored:
                            stored[k] = np.broadcast_to(a[:1], (draws.n, G))
                        if np.array_equal(a[:rows], np.broadcast_to(stored[k][:1], (rows, G))):
                            continue
                        constant_participants[g] = False
                        stored[k] = np.array(stored[k])  # materialise the rows so far
                    if k not in stored:
                        stored[k] = np.empty((draws.n,) + a.shape[1:], dtype=a.dtype)
                    stored[k][start : start + rows] = a[:rows]
            # Add the sub-block sums in draw order, continuing from the running totals.
            by_entry = np.add.reduce(np.concatenate([by_entry[None], fs[0]]), axis=0)
            by_year = np.add.reduce(np.concatenate([by_year[None], fs[1]]), axis=0)
            entry_patterns, general = fs[2], set(fs[3].tolist())
            for where, count in block_clipped.items():
                clipped[where] = clipped.get(where, 0) + count
            if progress:
                progress(min(start + size, draws.n), draws.n)
    _refuse_non_finite(model, draws, values)
    group_metrics = {g: Metrics(v) for g, v in values.items()}
    flow_sum = by_year.copy()
    if not np.all(by_entry == 0):  # fixed intakes: convolve the summed profiles once
        lay = model.layout
        assert lay is not None
        for i in range(len(model.scenario.interventions)):
            members = np.flatnonzero((lay.line_iv == i) & ~lay.programme)
            if members.size:
                # The entry pattern b of a factored intake a(draw) × b(e) (the same in every
                # block); by_entry of other intakes' lines is 0 (summed by calendar year).
                if i not in general:
                    flow_sum[members] += by_entry[members] @ curves.cohort_matrix(entry_patterns[i])
    notes = list(model.notes)
    for where, count in clipped.items():
        notes.append(
            f"{where}: {count:,} of {draws.n:,} draw(s) fell outside the valid range and "
            "were set to its nearest bound (check the distribution or expression)."
        )
    levels = ("total", "intervention") if len(groups["intervention"][0]) > 1 else ("total",)
    for v in levels:
        for gi, label in enumerate(groups[v][0]):
            status = group_metrics[v]["irr_status"][:, gi]
            if np.any(status == 2):
                what = "the scenario" if v == "total" else label
                count = int(np.count_nonzero(status == 2))
                share = f" in {count:,} of {draws.n:,} draws" if draws.n > 1 else ""
                notes.append(
                    f"IRR of {what} is not unique (the net flows change sign more than once)"
                    f"{share}; it is reported as null."
                )
            irr = group_metrics[v]["irr"][:, gi]
            starts = group_metrics[v]["net_starts_positive"][:, gi]
            if np.any(np.isfinite(irr) & (starts == 1)):
                what = "the scenario" if v == "total" else label
                notes.append(
                    f"IRR of {what}: the net flows start with a gain and turn to a cost later, "
                    "so the IRR is a borrowing rate (a higher one is worse); judge by NPV."
                )
    _guard_bcr(group_metrics, groups, notes)
    notes += _gross_benefit_notes(model, flow_sum / draws.n)
    return _result(model, group_metrics, groups, flow_sum / draws.n, line_pv, notes)


def _result(
    model: _Model,
    values: dict[str, Metrics],
    groups: dict,
    flows: np.ndarray,
    line_pv: np.ndarray,
    notes: list[str],
) -> Result:
    """The :class:`Result` of an evaluation, handed plain data: the scenario's facts, one record
    per line, labels, arrays and the provenance block."""
    sc = model.scenario
    src = source_of(sc)
    prov = provenance.block(
        scenario=sc.name,
        file=src.path,
        sha256=src.sha256,
        variant=src.variant,
        overrides=src.overrides,
        currency=sc.currency,
        price_year=sc.price_year,
        horizon=sc.horizon,
        schedule=sc.discounting.schedule,
        schedule_label=schedule_label(sc),
        bands=model.bands,
        timing=sc.discounting.timing,
        deflator=sc.deflator,
    )
    return Result.build(
        name=sc.name,
        currency=sc.currency,
        price_year=sc.price_year,
        horizon=sc.horizon,
        lines=[{c: getattr(ln, c) for c in LINE_COLUMNS} for ln in model.lines],
        labels={g: groups[g][0] for g in groups},
        layers={iv.id: iv.layer for iv in sc.interventions},
        sources={iv.id: iv.source or "" for iv in sc.interventions},
        values=values,
        flows=flows,
        factors=model.factors,
        line_pv=line_pv,
        notes=notes,
        provenance=prov,
    )


#: The figures every run must give as finite numbers (the others are null where undefined).
_MUST_BE_FINITE = ("pv_costs", "pv_benefits", "participants", "per_person_sum")


def _refuse_non_finite(model: _Model, draws: sampling.Draws, values: dict) -> None:
    """Raise a located :class:`ScenarioError` if any figure that must be finite is not.

    A result is finite or refused: an expression such as ``1/0`` or ``0/0``, an amount that
    overflows once multiplied up (``1e308`` a week), or present values too large to add, would
    otherwise reach the reports as blanks. The problems name the input that produced them: a
    parameter or number that is not finite, else the cost item or outcome whose yearly value
    overflows, else the intervention whose totals do.
    """
    if all(
        np.isfinite(a).all() for v in values.values() for k, a in v.items() if k in _MUST_BE_FINITE
    ):
        return
    src = source_of(model.scenario)
    problems = _non_finite_inputs(model, draws, src)
    if not problems:
        for i, iv in enumerate(model.scenario.interventions):
            figures = [
                values["intervention"][k][:, i]
                for k in _MUST_BE_FINITE
                if k in values["intervention"]
            ]
            if not all(np.isfinite(a).all() for a in figures):
                problems.append(
                    src.problem(
                        f"interventions.{iv.id}",
                        "its totals overflow: the figures are too large to "
                        "add up (check the amounts, participants and discount rate)",
                    )
                )
    if not problems:
        problems.append(Problem(0, 0, "", "the results are not finite numbers (overflow)"))
    raise ScenarioError(src.path, problems)


def _non_finite_inputs(model: _Model, draws: sampling.Draws, src: Any) -> list[Problem]:
    """Problems for every input (parameter, expression, distribution) that is not finite, and
    for every line whose yearly value or intake overflows, for these draws."""
    sc = model.scenario
    problems: list[Problem] = []

    def check(where: str, a: Any, what: str) -> bool:
        a = np.asarray(a, dtype=float)
        bad = ~np.isfinite(a)
        if not bad.any():
            return False
        kind = "NaN (e.g. 0/0)" if np.isnan(a[bad]).any() else "infinity"
        count = (
            f" in {int(bad.reshape(bad.shape[0], -1).any(axis=1).sum()):,} of {draws.n:,} draws"
            if draws.n > 1
            else ""
        )
        problems.append(
            src.problem(where, f"{what} gives {kind}{count}; a figure must be a finite number")
        )
        return True

    for name, a in draws.parameters.items():
        value = sc.parameters[name]
        text = f"parameter {name!r}" + (
            f" ({value.text!r})" if isinstance(value, expressions.Expression) else ""
        )
        check(f"parameters.{name}", a, text)
    if problems:
        return problems
    ids = [iv.id for iv in sc.interventions]
    for loc, leaf in walk(sc):
        if loc[:1] == ("parameters",):
            continue
        where = ".".join(
            str(ids[p]) if i == 1 and loc[0] == "interventions" else str(p)
            for i, p in enumerate(loc)
        )
        what = (
            f"the expression {leaf.text!r}"
            if isinstance(leaf, expressions.Expression)
            else f"the {leaf.dist} distribution"
        )
        check(where, draws.value(leaf, where=where), what)
    if problems:
        return problems
    with np.errstate(all="ignore"):
        for iv in sc.interventions:
            check(f"interventions.{iv.id}.intake", model.intakes[iv.id](draws), "the intake")
        for ln in model.lines:
            check(
                ln.where,
                ln.annual(draws),
                f"the yearly value of {ln.name!r} (amount × conversion × per)",
            )
    return problems


def _guard_bcr(values: dict, groups: dict, notes: list[str]) -> None:
    for v in ("total", "intervention") if len(groups["intervention"][0]) > 1 else ("total",):
        for gi, label in enumerate(groups[v][0]):
            pv_c = float(np.mean(values[v]["pv_costs"][:, gi]))
            pv_b = float(np.mean(np.abs(values[v]["pv_benefits"][:, gi])))
            if 0 < pv_c < 0.01 * pv_b:
                what = "The scenario" if v == "total" else label
                notes.append(
                    f"{what}: the benefit-cost ratio rests on PV costs under 1% of PV benefits, so "
                    "it is large and unstable; quote the NPV instead."
                )


def memory_needed(model: _Model, draws: int) -> int:
    """Bytes a run of ``draws`` draws needs, roughly: the per-draw results it keeps (PVs and
    participants of every group, each line's PV; payback years and IRR of the scenario and its
    layers), every
    sampled input, the reports' derived figures, and one block of working arrays."""
    groups = 1 + len(model.scenario.interventions) + 3 + len({ln.agency for ln in model.lines})
    inputs = len(sampling.uncertain_leaves(model.scenario)) + len(model.scenario.parameters)
    per_draw = 8 * (4 * groups + 6 * 4 + inputs) * 2  # × 2: figures derived for the reports
    per_draw += 8 * len(model.lines)  # each line's PV in each draw (Result.line_pv)
    return draws * per_draw + 4 * 8 * CHUNK_VALUES


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(model: _Model, draws: int) -> None:
    """Refuse, up front, a run whose draws would not fit in the memory available."""
    need, have = memory_needed(model, draws), available_memory()
    if have is not None and need > have:
        fits = max(1, (have - 4 * 8 * CHUNK_VALUES) * draws // max(need - 4 * 8 * CHUNK_VALUES, 1))
        raise ModelError(
            f"--draws {draws:,} would need about {_gib(need)} of memory; "
            f"{_gib(have)} is available. "
            f"Use at most about {_round_down(fits):,} draws."
        )


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB"


def _round_down(n: int) -> int:
    """n rounded down to one significant figure (for a suggestion)."""
    scale = 10 ** (len(str(int(n))) - 1)
    return int(n) // scale * scale


def run(
    scenario: Scenario,
    draws: int | None = None,
    seed: int | None = None,
    sampler: str = "random",
    chunk: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    block_values: int | None = None,
    threads: int | None = None,
) -> Result:
    """Run a scenario: deterministic (``draws=None``) or probabilistic with ``draws`` draws.

    Parameters
    ----------
    scenario : a validated scenario (see :func:`prevcalc.load`).
    draws : number of Monte Carlo draws; None for a deterministic run at central values.
    seed : seed for ``numpy.random.default_rng``; a seeded run is reproducible bit for bit,
        whatever ``chunk`` is. Without one, a seed is drawn and recorded in the provenance.
    sampler : "random" or "lhs" (Latin hypercube).
    chunk : draws evaluated at once (rounded up to a multiple of 64; default: sized by the
        model, about 128 MiB a block); it bounds memory and never changes the results.
    block_values : the number of float64 values a block sized by the model holds (default
        CHUNK_VALUES, 16 million); like ``chunk``, it never changes the results.
    threads : threads evaluating blocks of draws side by side (default :func:`workers`: the
        CPUs, or ``PREVCALC_THREADS``); 1 where runs are already spread over processes. It
        never changes the results.
    """
    model = compile_scenario(scenario)
    if draws is None:
        d = sampling.central(scenario)
    else:
        if draws < 1:
            raise ModelError("--draws must be at least 1")
        check_memory(model, draws)
        if seed is None:  # drawn here and recorded, so that any run can be repeated
            seed = secrets.randbits(48)
        d = sampling.sample(scenario, draws, seed, sampler)
    result = evaluate(
        model, d, chunk=chunk, progress=progress, block_values=block_values, threads=threads
    )
    result.provenance.update(seed=seed, draws=draws or 1, sampler=sampler if draws else None)
    central = sampling.central(scenario) if draws is not None else d  # shared by both
    result.waterfall = adjustment_waterfall(scenario, model, central)
    result.life_course = life_course(model, central)
    return result


def life_course(model: _Model, central: sampling.Draws | None = None) -> LifeCourse:
    """One participant's and each cohort's flows over time, and the events avoided, at central
    values (each distribution's value or mean, as a deterministic run).

    A participant's net flow ``k`` years after entry is the sum over the intervention's
    per-participant lines (its outcomes, less its per-participant costs) of annual value ×
    share(k); programme costs (setup, running) belong to no one participant. A cohort entering
    in year e has intake(e) participants, each with that profile from year e on. Counts: an
    outcome with a ``unit`` avoids, per participant per year at full effect,
    probability_change × (per a year), reduction × (per a year) (one unit of the baseline per
    ``per``), or events × (per a year), with the same adjustments as its value (deadweight,
    attribution, displacement, optimism bias on benefits) and the same profile over time.
    """
    sc, T = model.scenario, model.horizon
    d = sampling.central(sc) if central is None else central
    ids = [iv.id for iv in sc.interventions]
    person = np.zeros((len(ids), T))
    intake = np.zeros((len(ids), T))
    events = []
    with np.errstate(all="ignore"):
        for i, iv in enumerate(sc.interventions):
            intake[i] = np.asarray(model.intakes[iv.id](d), dtype=float)[0]
        for ln in model.lines:
            if not ln.profiled:
                continue
            i = ids.index(ln.intervention)
            shares = np.asarray(ln.shares(d), dtype=float)[0]
            profile = float(ln.annual(d)[0]) * shares
            person[i] += profile if ln.kind == "benefit" else -profile
            if ln.kind != "benefit":
                continue
            outcome = _item_at(sc, ln.where)
            if outcome.unit is None:
                continue
            iv = sc.interventions[i]
            count = (
                _count_per_participant(outcome, d, ln.where)
                * _adjustments(outcome, d, ln.where)
                * _one_minus(
                    d, iv.optimism_bias.benefits, f"interventions.{iv.id}.optimism_bias.benefits"
                )
            )[0] * PER_YEAR[outcome.per]
            events.append(
                EventLine(
                    ln.intervention,
                    outcome.name,
                    outcome.unit,
                    ln.where,
                    curves.convolve_cohorts(intake[i], count * shares),
                )
            )
    return LifeCourse(ids, person, intake, model.factors, events)


def _count_per_participant(o: Outcome, d: sampling.Draws, where: str) -> np.ndarray:
    """Events avoided per participant per ``per`` at full effect, before adjustments."""
    if o.probability_change is not None:
        return d.value(o.probability_change, -1, 1, f"{where}.probability_change")
    if o.reduction is not None:
        return d.value(o.reduction, -1, 1, f"{where}.reduction")
    return d.value(o.events, where=f"{where}.events")


__all__ = [
    "run",
    "compile_scenario",
    "life_course",
    "evaluate",
    "schedule_bands",
    "schedule_label",
    "SUMMARY_KEYS",
    "GROUPINGS",
    "source_of",
    "adjustment_waterfall",
]


WATERFALL_STEPS = (
    "gross value",
    "deadweight",
    "attribution",
    "displacement",
    "optimism bias",
    "drop-off",
    "discounting",
)


def adjustment_waterfall(
    scenario: Scenario, model: _Model | None = None, central: sampling.Draws | None = None
) -> pd.DataFrame:
    """What each adjustment removes from each outcome's value, at central values.

    For every outcome, and in total: the gross value (undiscounted, before any adjustment and
    without drop-off), then the value left after deadweight, attribution, displacement, optimism
    bias on benefits, drop-off and discounting in turn. The last value is the outcome's PV of
    benefits in the run. Columns: intervention, outcome, step, value, removed. ``central``:
    the scenario's central draws, if already at hand.
    """
    import pandas as pd

    model = compile_scenario(scenario) if model is None else model
    d = sampling.central(scenario) if central is None else central
    T = model.horizon
    hankel = (
        model.hankel
        if model.hankel is not None
        else discounting.entry_discount_matrix(model.factors)
    )
    entrants: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows = []
    for ln in model.lines:
        if ln.item != "outcome":
            continue
        o, where = ln.spec, ln.where
        iv = next(x for x in scenario.interventions if x.id == ln.intervention)
        if iv.id not in entrants:
            # By linearity, no convolution:
            #   Σ_t Σ_e intake(e) s(t − e) = Σ_k s(k) Σ_{e < T−k} intake(e),
            # and its PV is Σ_k s(k) Σ_e intake(e) D(e + k).
            intake = np.asarray(model.intakes[iv.id](d), dtype=float)[0]
            entrants[iv.id] = (np.cumsum(intake)[::-1], intake @ hankel)
        within, weights = entrants[iv.id]
        full = _shares(o, d, T, where)[0]
        duration = (
            np.inf if o.duration is None else d.value(o.duration, 0, None, f"{where}.duration")
        )
        no_drop = curves.outcome_shares(
            T, o.start, duration, d.value(o.ramp, 0, None, f"{where}.ramp"), 0.0
        )[0]
        volume_no_drop = float(no_drop @ within)
        volume = float(full @ within)
        pv_volume = float(full @ weights)
        value = float(_gross(o, d, where)[0]) * ln.factor
        steps = [value * volume_no_drop]
        shares = (
            (o.deadweight, f"{where}.deadweight"),
            (o.attribution, f"{where}.attribution"),
            (o.displacement, f"{where}.displacement"),
            (iv.optimism_bias.benefits, f"interventions.{iv.id}.optimism_bias.benefits"),
        )
        for share, key in shares:
            value *= 1 - float(d.value(share, where=key)[0])
            steps.append(value * volume_no_drop)
        steps.append(value * volume)
        steps.append(value * pv_volume)
        for step, v, prev in zip(WATERFALL_STEPS, steps, [None, *steps[:-1]]):
            rows.append(
                {
                    "intervention": iv.id,
                    "outcome": o.name,
                    "step": step,
                    "value": v,
                    "removed": 0.0 if prev is None else prev - v,
                }
            )
    frame = pd.DataFrame(rows, columns=["intervention", "outcome", "step", "value", "removed"])
    if len(frame):
        total = frame.groupby("step", sort=False)[["value", "removed"]].sum().reset_index()
        total.insert(0, "outcome", "All outcomes")
        total.insert(0, "intervention", "total")
        frame = pd.concat([frame, total], ignore_index=True)
    return frame
