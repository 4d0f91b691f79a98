"""Uncertainty analysis above the engine.

PSA summaries, tornado, discount rates, switching values, EVPI.

Everything here calls the engine with draws built by :mod:`prevcalc.sampling`: a one-way
sensitivity is a run whose draws hold every input at its central value except one, and a sweep
of that input is one engine call with one draw per value (``sampling.central(scenario,
fixed={key: array})``). An *input* is a key of :func:`prevcalc.sampling.uncertain_leaves`: a
named parameter (one input however many places use it) or an inline distribution, named by its
dotted location (``interventions.nfp.outcomes.0.amount``). Named parameters that are plain
numbers are inputs too where a function says so; they are swept by replacing the number with a
``fixed`` distribution of the same value, which changes nothing else.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Generator, Iterable
from typing import Any

import numpy as np
import pandas as pd

from . import engine, sampling
from .errors import ModelError
from .result import Result
from .scenario import Discounting, Scenario

__all__ = [
    "tornado",
    "discount_rate_table",
    "switching_values",
    "prob_best_and_evpi",
    "DISCOUNT_CASES",
]

#: The discounting cases of :func:`discount_rate_table`: label -> Discounting fields.
DISCOUNT_CASES: dict[str, dict[str, Any]] = {
    "0%": {"schedule": "constant", "rate": 0.0},
    "1.5%": {"schedule": "constant", "rate": 0.015},
    "3.5%": {"schedule": "constant", "rate": 0.035},
    "5%": {"schedule": "constant", "rate": 0.05},
    "Green Book": {"schedule": "green_book"},
    "Green Book health": {"schedule": "green_book_health"},
}

# Where a share must stay in [0, 1], and where a value must stay ≥ 0 (FORMAT.md's ranges).
_SHARE_FIELDS = {
    "deadweight",
    "attribution",
    "displacement",
    "drop_off",
    "uptake",
    "benefits",
    "value",
}
_SIGNED_SHARE_FIELDS = {"reduction", "probability_change"}
_NONNEGATIVE_FIELDS = {"baseline", "unit_cost", "participants", "eligible", "costs"}
_EPS = float(np.finfo(float).eps)


# ---------------------------------------------------------------------------------------------
# Helpers


def _copy(scenario: Scenario, **update: Any) -> Scenario:
    """A modified copy of a scenario that keeps the original's provenance (file, hash)."""
    copy = scenario.model_copy(update=update)
    copy._source = engine.source_of(scenario)
    return copy


#: Fields of an intervention whose plain numbers `--swing` moves (not years, counts of years,
#: identifiers or conventions).
_SWUNG_FIELDS = {
    "amount",
    "baseline",
    "reduction",
    "probability_change",
    "unit_cost",
    "deadweight",
    "attribution",
    "displacement",
    "drop_off",
    "duration",
    "participants",
    "eligible",
}


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _plain_parameters(scenario: Scenario) -> list[str]:
    """Named parameters that are plain numbers."""
    return [k for k, v in scenario.parameters.items() if _is_number(v)]


def _plain_numbers(scenario: Scenario) -> list[str]:
    """Every plain, non-zero number that ``--swing`` may move: named parameters (by name), then
    the amounts, shares, durations and intakes of each intervention (by dotted path)."""
    keys = _plain_parameters(scenario)
    for iv in scenario.interventions:
        for path, value in _numbers(iv.model_dump(mode="python"), ("interventions", iv.id)):
            if value != 0:
                keys.append(".".join(map(str, path)))
    return keys


def _numbers(data: Any, path: tuple) -> Iterable[tuple[tuple, float]]:
    if isinstance(data, dict):
        for k, v in data.items():
            if k in _SWUNG_FIELDS and _is_number(v):
                yield path + (k,), float(v)
            elif k in _SWUNG_FIELDS and isinstance(v, list):
                yield from ((path + (k, i), float(x)) for i, x in enumerate(v) if _is_number(x))
            elif isinstance(v, dict | list):
                yield from _numbers(v, path + (k,))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _numbers(item, path + (i,))


def _with_plain_as_fixed(scenario: Scenario, keys: Iterable[str]) -> Scenario:
    """The scenario with the chosen plain numbers turned into ``fixed`` distributions, so that
    they become inputs a sweep can move: named parameters by name, others by dotted path."""
    keys = set(keys)
    if not keys:
        return scenario
    data = scenario.model_dump(mode="python", exclude={"variants"})
    for name in list(data["parameters"]):
        if name in keys:
            data["parameters"][name] = {"dist": "fixed", "value": float(data["parameters"][name])}
    ids = [iv["id"] for iv in data["interventions"]]
    for key in keys - set(data["parameters"]):
        parts = key.split(".")
        if parts[0] != "interventions" or parts[1] not in ids:
            continue
        node: Any = data["interventions"][ids.index(parts[1])]
        for part in parts[2:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last = int(parts[-1]) if isinstance(node, list) else parts[-1]
        node[last] = {"dist": "fixed", "value": float(node[last])}
    copy = Scenario.model_validate(data)
    copy._source = engine.source_of(scenario)
    return copy


class _Sweeper:
    """Total NPV of a scenario with chosen inputs set: the scenario compiled once, and each
    sweep of inputs one engine call."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.model = engine.compile_scenario(scenario)
        self.leaves = {leaf.key: leaf for leaf in sampling.uncertain_leaves(scenario)}

    def run(self, fixed: dict[str, np.ndarray]) -> Result:
        return engine.evaluate(self.model, sampling.central(self.scenario, fixed))

    def central_npv(self) -> float:
        """Total NPV with every input central: a deterministic run, as ``engine.run`` gives it."""
        return float(self.run({}).values["total"]["npv"][0, 0])

    def many(self, settings: list[tuple[str, np.ndarray]]) -> list[np.ndarray]:
        """Several one-way sweeps in ONE engine call: each input moves in its own block of draws.

        A single value is evaluated as two equal draws: a run of one draw also forms every
        grouping's flows by year and their IRRs (``engine.evaluate``), which a sweep never uses.
        """
        sizes = [np.atleast_1d(v).shape[0] for _, v in settings]
        n = sum(sizes)
        rows = max(n, 2)
        fixed: dict[str, np.ndarray] = {}
        start = 0
        for (key, vals), size in zip(settings, sizes):
            col = fixed.setdefault(key, np.full(rows, self.leaves[key].central))
            col[start : start + size] = vals
            start += size
            if n == 1:
                col[1] = col[0]
        npv = self.run(fixed).values["total"]["npv"][:n, 0] if n else np.zeros(0)
        if npv.shape[0] == 1 and n > 1:  # nothing moved (only possible with no inputs)
            npv = np.repeat(npv, n)
        return list(np.split(npv, np.cumsum(sizes)[:-1]))


# ---------------------------------------------------------------------------------------------
# Tornado


def tornado(
    scenario: Scenario, swing: float | None = None, low_q: float = 0.05, high_q: float = 0.95
) -> pd.DataFrame:
    """One-way sensitivity of the total NPV to every uncertain input.

    Each uncertain input (named parameter or inline distribution) is set to its ``low_q`` and
    its ``high_q`` quantile with every other input at its central value. With ``swing`` (e.g.
    0.2), every named parameter that is a plain number is also moved to central × (1 − swing)
    and central × (1 + swing). All inputs are evaluated together in one engine call.

    Returns
    -------
    DataFrame with columns input, kind ("distribution" or "± swing"), central, low_value,
    high_value, npv_low, npv_high, swing (|npv_high − npv_low|), sorted by swing, largest
    first. ``attrs["npv_central"]`` holds the NPV with every input central.
    """
    if not 0 <= low_q < high_q <= 1:
        raise ValueError("need 0 <= low_q < high_q <= 1")
    if swing is not None and not swing > 0:
        raise ValueError("swing must be a positive share, e.g. 0.2")
    plain = _plain_numbers(scenario) if swing is not None else []
    work = _with_plain_as_fixed(scenario, plain)
    sweeper = _Sweeper(work)
    rows, settings = [], []
    for key, leaf in sweeper.leaves.items():
        if key in plain:
            assert swing is not None  # plain numbers are inputs only with a swing
            c = leaf.central
            lo, hi = c * (1 - swing), c * (1 + swing)
            kind = f"± {swing:.0%}"
        else:
            lo, hi = (float(x) for x in leaf.quantile(np.array([low_q, high_q])))
            kind = "distribution"
        rows.append(
            {"input": key, "kind": kind, "central": leaf.central, "low_value": lo, "high_value": hi}
        )
        settings.append((key, np.array([lo, hi])))
    results = sweeper.many(settings)
    for row, npv in zip(rows, results):
        low, high = float(npv[0]), float(npv[1])
        row.update(npv_low=low, npv_high=high, swing=abs(high - low))
    cols = ["input", "kind", "central", "low_value", "high_value", "npv_low", "npv_high", "swing"]
    frame = pd.DataFrame(rows, columns=cols)
    frame = frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    # With every input central: the working copy's plain numbers made ``fixed`` change nothing.
    central = sweeper if work is scenario else _Sweeper(scenario)
    frame.attrs["npv_central"] = central.central_npv()
    return frame


# ---------------------------------------------------------------------------------------------
# Discount rates


def discount_rate_table(scenario: Scenario) -> pd.DataFrame:
    """NPV, BCR, PV costs and PV benefits under each discounting case of :data:`DISCOUNT_CASES`.

    The scenario's timing convention (start, mid or end of year) is kept. Columns: discounting,
    npv, bcr, pv_costs, pv_benefits, current (True for the case the scenario itself uses).
    """
    d = scenario.discounting
    rows = []
    for label, fields in DISCOUNT_CASES.items():
        disc = Discounting(timing=d.timing, **fields)
        s = _Sweeper(_copy(scenario, discounting=disc)).run({}).summary()
        current = d.schedule == fields["schedule"] and (d.rate == fields.get("rate"))
        rows.append(
            {
                "discounting": label,
                "npv": s["npv"],
                "bcr": s["bcr"],
                "pv_costs": s["pv_costs"],
                "pv_benefits": s["pv_benefits"],
                "current": bool(current),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Switching values


def _valid_range(scenario: Scenario, leaf: sampling.Leaf, plain: bool) -> tuple[float, float]:
    """Where an input may go: shares in [0, 1], costs and counts ≥ 0, else unbounded.

    Inline distributions take the range of their field. A named parameter takes the range its
    distribution implies (a support within [0, 1] is a share, one within [0, ∞) a non-negative
    amount); a plain-number parameter is kept on the side of zero it is on.
    """
    if leaf.loc[:1] != ("parameters",):
        name = next((p for p in reversed(leaf.loc) if isinstance(p, str)), "")
        in_costs = "costs" in leaf.loc and name == "amount"
        if name in _SHARE_FIELDS or (len(leaf.loc) > 2 and leaf.loc[-2] == "values"):
            return 0.0, 1.0
        if name in _SIGNED_SHARE_FIELDS:
            return -1.0, 1.0
        if name in ("duration", "ramp"):
            return 0.0, 500.0
        if in_costs or name in _NONNEGATIVE_FIELDS or name.isdigit():
            return 0.0, math.inf
        return -math.inf, math.inf
    if plain:
        c = leaf.central
        return (0.0, math.inf) if c > 0 else (-math.inf, 0.0) if c < 0 else (-math.inf, math.inf)
    lo, hi = leaf.dist.support()
    if lo >= 0 and hi <= 1:
        return 0.0, 1.0
    if lo >= 0:
        return 0.0, math.inf
    return -math.inf, math.inf


def _bracket_points(c: float, low: float, high: float) -> list[np.ndarray]:
    """Where to look for a sign change of NPV: outwards from c by doubling steps within
    [low, high], the side above c first."""
    step = max(abs(c), 1.0) * 0.01
    ks = 2.0 ** np.arange(0, 60)
    sides = []
    if high > c:
        sides.append(np.unique(np.minimum(c + step * ks, high)))
    if low < c:
        sides.append(np.unique(np.maximum(c - step * ks, low))[::-1])
    sides = [x[np.isfinite(x)] for x in sides]
    return [x for x in sides if x.size]


def _pick_bracket(
    sides: list[np.ndarray], values: list[np.ndarray], c: float, f_c: float
) -> tuple[float, float, float, float] | None:
    """The sign change nearest to c among the points of :func:`_bracket_points` and their NPVs:
    (a, f(a), b, f(b)) with a < b, or None."""
    best = None
    for xs, fs in zip(sides, values):
        prev_x, prev_f = c, f_c
        for x, fx in zip(xs.tolist(), fs.tolist()):
            if fx == 0 or np.sign(fx) != np.sign(prev_f):
                ends = sorted([(prev_x, prev_f), (x, fx)])
                if best is None or abs(x - c) < best[1]:
                    best = (ends, abs(x - c))
                break
            prev_x, prev_f = x, fx
    if best is None:
        return None
    (a, fa), (b, fb) = best[0]
    return a, fa, b, fb


def _brent(
    xa: float, xb: float, fa: float, fb: float, xtol: float, rtol: float, maxiter: int = 200
) -> Generator[float, float, float]:
    """Brent's method for a root of f in [xa, xb], where f(xa) and f(xb) (given) differ in sign.

    A generator, so that many roots can be found in step, all their next points evaluated in
    one engine call: it yields each point at which it needs f, is sent f there, and returns the
    root (``StopIteration.value``) once the bracket is narrower than xtol + rtol × |root|.

    Notes
    -----
    The same steps, in the same order, as ``scipy.optimize.brentq`` (its C code by Charles
    Harris): inverse quadratic extrapolation while |f| decreases, secant steps, and bisection
    when a step would not shrink the bracket fast enough, so the roots are the same as
    scipy's to the last bit (tested); importing scipy.optimize for it cost a third of a second
    of start-up.
    """
    xpre, xcur, fpre, fcur = xa, xb, fa, fb
    xblk = fblk = spre = scur = 0.0
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1.0, fpre) == math.copysign(1.0, fcur):
        raise ValueError("f(a) and f(b) must have different signs")
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and math.copysign(1.0, fpre) != math.copysign(1.0, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):  # keep the best estimate in xcur
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            try:
                if xpre == xblk:  # secant
                    stry = -fcur * (xcur - xpre) / (fcur - fpre)
                else:  # inverse quadratic extrapolation
                    dpre = (fpre - fcur) / (xpre - xcur)
                    dblk = (fblk - fcur) / (xblk - xcur)
                    stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            except ZeroDivisionError:  # an infinite step: bisect, as the C code does
                stry = math.inf
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = yield xcur
    raise RuntimeError(f"no convergence in {maxiter} iterations")


def _solve_together(
    problems: dict[int, Generator[float, float, float]],
    f_many: Callable[[list[tuple[int, float]]], list[float]],
) -> dict[int, float]:
    """Run several :func:`_brent` searches in step: each round evaluates every search's next
    point in one call of ``f_many([(problem, x), ...])``."""
    roots: dict[int, float] = {}
    wanted: dict[int, float] = {}

    def advance(i: int, value: float | None) -> None:
        gen = problems[i]
        try:
            wanted[i] = next(gen) if value is None else gen.send(value)
        except StopIteration as stop:
            roots[i] = stop.value
            wanted.pop(i, None)

    for i in problems:
        advance(i, None)
    while wanted:
        asked = list(wanted.items())
        for (i, _), fx in zip(asked, f_many(asked)):
            advance(i, fx)
    return roots


class _Pending:
    """An input whose switching value is being sought."""

    __slots__ = ("key", "row", "c", "low", "high", "x0", "x2")

    def __init__(self, key: str, row: dict, c: float, low: float, high: float) -> None:
        self.key, self.row, self.c, self.low, self.high = key, row, c, low, high
        h = max(abs(c), 1.0) * 0.01
        self.x0, self.x2 = max(c - h, low), min(c + h, high)

    def found(self, root: float) -> None:
        c = self.c
        self.row.update(
            switching_value=root,
            status="found",
            change_pct=(root - c) / abs(c) * 100 if c != 0 else math.nan,
        )


def switching_values(scenario: Scenario, inputs: list[str] | None = None) -> pd.DataFrame:
    """For each input, the value at which the total NPV becomes zero (others central).

    Parameters
    ----------
    scenario : the scenario.
    inputs : keys of uncertain inputs and/or names of plain-number parameters; default all
        uncertain inputs, then the plain-number named parameters.

    Returns
    -------
    DataFrame with columns input, central, switching_value, change_pct ((switching − central)
    / |central| × 100), method ("exact" or "root finder") and status ("found", "none in range",
    "no effect on NPV" or "NPV already zero").

    Notes
    -----
    NPV is evaluated at three points around the central value; when it is affine there (the
    second difference is within 1e-9 of the NPV scale) the root is solved directly and checked
    by re-running the model at it. Otherwise, and when that check fails, a bracket is found by
    searching outwards from the central value within the input's valid range (shares in
    [0, 1], costs and counts ≥ 0) and the root is refined by Brent's method. The search looks
    for the sign change nearest the central value; where NPV never changes sign within the
    range the status is "none in range" and the value NaN.

    The inputs are handled together, each step one engine call for all of them (each input
    moved in its own draws): the points either side of the central values, the checks of the
    direct solutions, the bracket searches, and each round of the Brent iterations.
    """
    plain_all = _plain_numbers(scenario)
    leaves0 = [leaf.key for leaf in sampling.uncertain_leaves(scenario)]
    if inputs is None:
        inputs = leaves0 + plain_all
    unknown = [k for k in inputs if k not in leaves0 and k not in plain_all]
    if unknown:
        known = leaves0 + plain_all
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = (
            f"; did you mean {close[0]!r}?"
            if close
            else (f" (inputs: {', '.join(known[:12])}{', …' if len(known) > 12 else ''})")
        )
        raise ModelError(f"--switch {', '.join(unknown)}: not an input of this scenario{hint}")
    plain = [k for k in inputs if k in plain_all]
    work = _with_plain_as_fixed(scenario, plain)
    sweeper = _Sweeper(work)
    base = engine.evaluate(sweeper.model, sampling.central(work))
    f_c = float(base.values["total"]["npv"][0, 0])
    scale = float(
        base.values["total"]["pv_costs"][0, 0] + abs(base.values["total"]["pv_benefits"][0, 0])
    )
    scale = scale or 1.0
    rows, todo = [], []
    for key in inputs:
        leaf = sweeper.leaves[key]
        c = float(leaf.central)
        low, high = _valid_range(work, leaf, key in plain)
        row = {
            "input": key,
            "central": c,
            "switching_value": math.nan,
            "change_pct": math.nan,
            "method": "exact",
            "status": "none in range",
        }
        rows.append(row)
        if f_c == 0:
            row.update(switching_value=c, change_pct=0.0, status="NPV already zero")
        else:
            todo.append(_Pending(key, row, c, low, high))

    # NPV either side of each central value, and (first) at the central values in the same
    # call: whether an input has any effect is judged within one call, whose draws all take
    # the same arithmetic path (a run of one draw may round differently in the last bit).
    around = sweeper.many(
        [(p.key, np.array([p.c])) for p in todo[:1]]
        + [(p.key, np.array([p.x0, p.x2])) for p in todo]
    )
    f_mid = float(around.pop(0)[0]) if todo else f_c
    checks: list[tuple[_Pending, list[float], bool]] = []  # (input, points, is a solution)
    search: list[_Pending] = []
    for p, (f0, f2) in zip(todo, around):
        f0, f2 = float(f0), float(f2)
        slope = (f2 - f0) / (p.x2 - p.x0) if p.x2 > p.x0 else 0.0
        # Affine where the middle point lies on the chord through the outer two.
        on_chord = f0 + slope * (p.c - p.x0)
        if slope == 0 and f0 == f_mid == f2:
            p.row.update(status="no effect on NPV")
        elif abs(on_chord - f_c) <= 1e-9 * scale:
            x = p.c - f_c / slope if slope else math.nan
            if math.isfinite(x) and p.low <= x <= p.high:
                checks.append((p, [x], True))
            elif math.isfinite(x):
                # Affine: the root lies outside the valid range, so there is none within it.
                # Confirm at the range ends that NPV keeps its sign (it may be affine only
                # locally).
                ends = [e for e in (p.low, p.high) if math.isfinite(e)]
                if ends:
                    checks.append((p, ends, False))
            else:
                search.append(p)
        else:
            search.append(p)

    # The direct solutions, and the range ends of roots outside the range, re-run.
    for (p, xs, solution), fx in zip(
        checks, sweeper.many([(p.key, np.array(xs)) for p, xs, _ in checks])
    ):
        if solution and abs(float(fx[0])) <= 1e-9 * scale:
            p.found(xs[0])
        elif solution or not all(np.sign(v) == np.sign(f_c) for v in fx):
            search.append(p)

    # The others: a bracket by searching outwards, then Brent's method, all inputs in step.
    points = [_bracket_points(p.c, p.low, p.high) for p in search]
    swept = sweeper.many(
        [(p.key, np.concatenate(sides)) for p, sides in zip(search, points) if sides]
    )
    problems: dict[int, Generator[float, float, float]] = {}
    values = iter(swept)
    for i, (p, sides) in enumerate(zip(search, points)):
        p.row["method"] = "root finder"
        if not sides:
            continue
        bracket = _pick_bracket(
            sides, np.split(next(values), np.cumsum([x.size for x in sides])[:-1]), p.c, f_c
        )
        if bracket is None:
            continue
        a, fa, b, fb = bracket
        if fa == 0 or fb == 0:
            p.found(a if fa == 0 else b)
            continue
        xtol = 1e-12 * max(1.0, abs(a), abs(b))
        problems[i] = _brent(a, b, fa, fb, xtol=xtol, rtol=4 * _EPS)

    def f_many(asked: list[tuple[int, float]]) -> list[float]:
        npv = sweeper.many([(search[i].key, np.array([x])) for i, x in asked])
        return [float(v[0]) for v in npv]

    for i, root in _solve_together(problems, f_many).items():
        search[i].found(root)
    return pd.DataFrame(
        rows, columns=["input", "central", "switching_value", "change_pct", "method", "status"]
    )


# ---------------------------------------------------------------------------------------------
# Several options: probability best, EVPI


def prob_best_and_evpi(
    results: list[Result], names: list[str] | None = None
) -> tuple[pd.DataFrame, float]:
    """Probability each option has the highest total NPV, and the EVPI across the options.

    Parameters
    ----------
    results : probabilistic runs of the options, each with the same number of draws; run them
        with the same seed so that draw i of each shares its sampled inputs where they overlap.
    names : labels for the options (default: each result's scenario name).

    Returns
    -------
    (DataFrame, float)
        The frame has one row per option: option, mean_npv, prob_best (share of draws in which
        it has the highest NPV; ties go to the first listed). The float is the expected value
        of perfect information, EVPI = E[max_j NPV_j] − max_j E[NPV_j], in the results' currency.
    """
    if not results:
        raise ValueError("need at least one result")
    n = {r.draws for r in results}
    if len(n) != 1:
        raise ValueError(f"all results must have the same number of draws (got {sorted(n)})")
    names = list(names) if names is not None else [r.name for r in results]
    if len(names) != len(results):
        raise ValueError("one name per result")
    npv = np.column_stack([r.values["total"]["npv"][:, 0] for r in results])  # (draw, option)
    best = np.argmax(npv, axis=1)
    prob = np.bincount(best, minlength=npv.shape[1]) / npv.shape[0]
    mean = npv.mean(axis=0)
    evpi = float(np.mean(npv.max(axis=1)) - mean.max())
    frame = pd.DataFrame({"option": names, "mean_npv": mean, "prob_best": prob})
    return frame, max(evpi, 0.0)
