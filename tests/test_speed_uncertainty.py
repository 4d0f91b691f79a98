"""Switching values found together (prevcalc.uncertainty): Brent's method against a hand
calculation and against scipy's, the closed form for an input that enters linearly against the
root finder, and every input at once against one input at a time."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prevcalc import engine, sampling, uncertainty
from prevcalc.loader import loads

TEXT = """\
prevcalc: 1
name: Two options
horizon: 12
discounting: {schedule: constant, rate: 0.035}
parameters:
  effect: {dist: gamma, mean: 1.0, sd: 0.25}
  lapse: {dist: beta, mean: 0.15, sd: 0.04}
  weekly: 30
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {participants: [40, 40, 40]}
    costs:
      setup: [{amount: 50000, year: 0, funder: council}]
      per_participant:
        - {amount: {dist: gamma, mean: 1500, sd: 300}, duration: 2, funder: council}
    outcomes:
      - {name: Saving, agency: nhs, amount: "weekly * 52 * effect", per: year, duration: 6,
         drop_off: lapse, deadweight: {dist: uniform, low: 0.1, high: 0.3}}
  - id: b
    name: B
    layer: downstream
    intake: {participants: 20, years: 4}
    costs:
      running: [{amount: 20000, to_year: 3, funder: police}]
    outcomes:
      - {name: Crime, agency: police, amount: "900 * effect", duration: 3, deadweight: 0.1}
"""

EPS = float(np.finfo(float).eps)


def solve(f, a, b, xtol=2e-12, rtol=4 * EPS):
    """Drive :func:`uncertainty._brent` with a Python function; the root and the points asked."""
    gen = uncertainty._brent(a, b, f(a), f(b), xtol=xtol, rtol=rtol)
    asked = []
    try:
        x = next(gen)
        while True:
            asked.append(x)
            x = gen.send(f(x))
    except StopIteration as stop:
        return stop.value, asked


def npv_at(sc, key, value):
    return float(
        engine.evaluate(engine.compile_scenario(sc), sampling.central(sc, {key: value})).values[
            "total"
        ]["npv"][0, 0]
    )


# --- Brent's method ---------------------------------------------------------------------------


def test_brent_hand_calculation():
    # x² = 2 on [1, 2]: √2 = 1.41421356237309504880...
    root, _ = solve(lambda x: x * x - 2, 1.0, 2.0)
    assert abs(root - 1.4142135623730951) <= 2e-12 + 4 * EPS * 1.5
    # Wallis' cubic x³ − 2x − 5 = 0 (Newton's own example): x = 2.09455148154232659148...
    root, _ = solve(lambda x: x**3 - 2 * x - 5, 2.0, 3.0)
    assert abs(root - 2.0945514815423266) <= 2e-12 + 4 * EPS * 2.1
    # An affine function: the first secant step lands on the root.
    root, asked = solve(lambda x: 3 * x - 1, 0.0, 1.0)
    assert root == pytest.approx(1 / 3, abs=1e-15)
    assert len(asked) <= 2
    # A root at a bracket end needs no step.
    assert solve(lambda x: x - 1, 1.0, 2.0) == (1.0, [])


def test_brent_refuses_a_bracket_without_a_sign_change():
    gen = uncertainty._brent(0.0, 1.0, 1.0, 2.0, xtol=1e-12, rtol=4 * EPS)
    with pytest.raises(ValueError, match="different signs"):
        next(gen)


@pytest.mark.parametrize(
    "f, a, b",
    [
        (lambda x: x * x - 2, 0.0, 2.0),
        (lambda x: math.exp(x) - 10, -3.0, 7.0),
        (lambda x: (x - 0.3) ** 3, -1.0, 1.0),
        (lambda x: math.cos(x) - x, 0.0, 1.0),
        (lambda x: 1e6 * (x - 123.456), 0.0, 1e4),
        (lambda x: x - 1e-9 if x > 1e-9 else -1.0, -5.0, 5.0),  # a step: bisection
    ],
)
def test_brent_takes_the_same_steps_as_scipy(f, a, b):
    optimize = pytest.importorskip("scipy.optimize")
    seen: list[float] = []

    def g(x):
        seen.append(x)
        return f(x)

    xtol = 1e-12 * max(1.0, abs(a), abs(b))
    expected = optimize.brentq(g, a, b, xtol=xtol, rtol=4 * EPS, maxiter=200)
    root, asked = solve(f, a, b, xtol=xtol)
    assert root == expected
    assert asked == seen[2:]  # scipy first evaluates the two ends, which _brent is given


def test_roots_found_in_step_equal_roots_found_alone():
    fs = [lambda x: x * x - 2, lambda x: math.cos(x) - x, lambda x: (x - 0.3) ** 3]
    brackets = [(0.0, 2.0), (0.0, 1.0), (-1.0, 1.0)]
    problems = {
        i: uncertainty._brent(a, b, f(a), f(b), xtol=2e-12, rtol=4 * EPS)
        for i, (f, (a, b)) in enumerate(zip(fs, brackets))
    }
    calls = []

    def f_many(asked):
        calls.append(len(asked))
        return [fs[i](x) for i, x in asked]

    together = uncertainty._solve_together(problems, f_many)
    alone = {i: solve(f, a, b)[0] for i, (f, (a, b)) in enumerate(zip(fs, brackets))}
    assert together == alone
    assert calls[0] == 3 and len(calls) < sum(
        len(solve(f, a, b)[1]) for f, (a, b) in zip(fs, brackets)
    )


# --- switching values -------------------------------------------------------------------------


def test_linear_input_closed_form_matches_root_finder():
    """Running costs enter NPV linearly: NPV(x) = NPV(c) + (x − c) × slope, so the switching
    value is c − NPV(c) / slope, from two runs. The table's exact value matches that ratio and a
    root finder run on the model itself."""
    sc = loads(TEXT, "<test>")
    key = "interventions.b.costs.running.0.amount"
    work = uncertainty._with_plain_as_fixed(sc, [key])
    c = 20000.0
    f_c, f_2c = npv_at(work, key, c), npv_at(work, key, 2 * c)
    closed = c - f_c / ((f_2c - f_c) / c)
    row = uncertainty.switching_values(sc, [key]).iloc[0]
    assert row["method"] == "exact" and row["status"] == "found"
    assert row["switching_value"] == pytest.approx(closed, rel=1e-9)
    lo, hi = (c, 1e9) if f_c > 0 else (0.0, c)
    root, _ = solve(lambda x: npv_at(work, key, x), lo, hi, xtol=1e-12 * hi)
    assert row["switching_value"] == pytest.approx(root, rel=1e-9)


def test_every_input_at_once_equals_one_at_a_time():
    sc = loads(TEXT, "<test>")
    together = uncertainty.switching_values(sc)
    assert set(together["status"]) >= {"found", "none in range"}
    assert set(together["method"]) == {"exact", "root finder"}
    for _, row in together.iterrows():
        alone = uncertainty.switching_values(sc, [row["input"]]).iloc[0]
        assert (alone["status"], alone["method"]) == (row["status"], row["method"]), row["input"]
        if row["status"] == "found":
            assert alone["switching_value"] == pytest.approx(row["switching_value"], rel=1e-9)


def test_one_value_sweep_equals_a_deterministic_run():
    sc = loads(TEXT, "<test>")
    sweeper = uncertainty._Sweeper(sc)
    (npv,) = sweeper.many([("effect", np.array([1.3]))])
    assert npv.shape == (1,)
    assert npv[0] == pytest.approx(npv_at(sc, "effect", 1.3), rel=1e-12)
    assert sweeper.central_npv() == float(engine.run(sc).values["total"]["npv"][0, 0])


def test_switching_values_take_a_few_engine_calls_not_a_few_per_input(monkeypatch):
    sc = loads(TEXT, "<test>")
    calls = []
    evaluate = engine.evaluate

    def counted(model, draws, *args, **kwargs):
        calls.append(draws.n)
        return evaluate(model, draws, *args, **kwargs)

    monkeypatch.setattr(engine, "evaluate", counted)
    table = uncertainty.switching_values(sc)
    # The central run, the points either side, the checks, the bracket search, and one call
    # per round of Brent's method: far fewer calls than inputs × steps.
    assert len(table) == 15
    assert len(calls) <= 12
