"""Behaviour pinned through the public API (issue 11): uptake curves through the engine, the
Discounting and Intake validators, and seeded runs whose intake varies by draw identical bit
for bit whatever the block size."""

from __future__ import annotations

import math

import numpy as np
import pytest

import prevcalc
from prevcalc import engine, sampling
from prevcalc.errors import ScenarioError

BASE = """\
prevcalc: 1
name: Uptake
horizon: 6
discounting: {{schedule: none}}
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {intake}
    costs:
      per_participant: [{{amount: 100, duration: 1, funder: council}}]
    outcomes:
      - {{name: S, agency: nhs, amount: 10, duration: 1, deadweight: 0}}
"""


def _participants(write_scenario, intake: str) -> np.ndarray:
    result = prevcalc.run(prevcalc.load(write_scenario(BASE.format(intake=intake))))
    # Undiscounted, one-year profiles: each year's cost is 100 x that year's entrants.
    return result.cashflows()["costs"].to_numpy() / 100


@pytest.mark.parametrize(
    "intake, expected",
    [
        # 200 eligible a year x 0.25.
        ("{eligible: 200, uptake: 0.25}", [50] * 6),
        ("{eligible: 200, uptake: {curve: constant, value: 0.25}}", [50] * 6),
        # Linear from 0.1 to 0.5 over 4 years, then held: 0.1, 0.2, 0.3, 0.4, 0.5, 0.5.
        (
            "{eligible: 100, uptake: {curve: linear, start: 0.1, end: 0.5, years: 4}}",
            [10, 20, 30, 40, 50, 50],
        ),
        # A table, the last value held; eligible as a list (entry only in its years).
        (
            "{eligible: [100, 100, 100], uptake: {curve: table, values: [0.1, 0.3]}}",
            [10, 30, 30, 0, 0, 0],
        ),
        # Single number of entrants for the first 3 years only.
        ("{participants: 7, years: 3}", [7, 7, 7, 0, 0, 0]),
    ],
)
def test_uptake_curves_through_the_engine(write_scenario, intake, expected):
    np.testing.assert_allclose(_participants(write_scenario, intake), expected)


def test_logistic_uptake_through_the_engine(write_scenario):
    # start + (end - start) / (1 + exp(-steepness (t - midpoint))), 1,000 eligible a year.
    got = _participants(
        write_scenario,
        "{eligible: 1000, uptake: {curve: logistic, start: 0.1, end: 0.6, midpoint: 2, "
        "steepness: 1.5}}",
    )
    expected = [1000 * (0.1 + 0.5 / (1 + math.exp(-1.5 * (t - 2)))) for t in range(6)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "intake, words",
    [
        ("{participants: 10, eligible: 5, uptake: 0.5}", "give either participants, or eligible"),
        ("{eligible: 10}", "eligible needs an uptake"),
        ("{participants: 10, uptake: 0.5}", "uptake is only used with eligible"),
        ("{participants: [1, 2], years: 2}", "years is only used with a single number"),
        ("{participants: []}", "needs at least 1 item"),
    ],
)
def test_intake_validator(write_scenario, intake, words):
    with pytest.raises(ScenarioError, match=words):
        prevcalc.load(write_scenario(BASE.format(intake=intake)))


@pytest.mark.parametrize(
    "discounting, words",
    [
        ("{schedule: constant}", "schedule 'constant' needs a rate"),
        ("{schedule: green_book, rate: 0.03}", "rate is only used with schedule 'constant'"),
        ("{schedule: custom}", "schedule 'custom' needs bands"),
        ("{schedule: custom, bands: [{from_year: 1, rate: 0.03}]}", "the first band must start at"),
        (
            "{schedule: custom, bands: [{from_year: 0, rate: 0.03}, {from_year: 0, rate: 0.02}]}",
            "must rise strictly",
        ),
        ("{schedule: none, bands: [{from_year: 0, rate: 0.03}]}", "bands are only used"),
        ("{schedule: constant, rate: 0.26}", "must be ≤ 0.25"),
    ],
)
def test_discounting_validator(write_scenario, discounting, words):
    text = BASE.format(intake="{participants: [1]}").replace(
        "discounting: {schedule: none}", f"discounting: {discounting}"
    )
    with pytest.raises(ScenarioError, match=words):
        prevcalc.load(write_scenario(text))


def test_a_seeded_run_with_an_intake_varying_by_draw_is_identical_whatever_the_block(
    write_scenario,
):
    text = (
        BASE.format(intake='{participants: "pop * 10", years: 4}')
        .replace(
            "discounting: {schedule: none}", "parameters:\n  pop: {dist: gamma, mean: 5, sd: 1}"
        )
        .replace(
            "duration: 1, deadweight", "duration: {dist: uniform, low: 1, high: 3}, deadweight"
        )
        .replace("amount: 10,", "amount: 60,")
    )
    sc = prevcalc.load(write_scenario(text))
    runs = [prevcalc.run(sc, draws=1000, seed=11, chunk=c) for c in (7, 130, None)]
    payback = runs[0].metric("payback_year")
    assert np.isnan(payback).any() and np.isfinite(payback).any()  # some draws pay back, some not
    for r in runs[1:]:
        assert np.array_equal(r.metric("npv"), runs[0].metric("npv"))
        assert np.array_equal(
            r.metric("payback_year"), runs[0].metric("payback_year"), equal_nan=True
        )
        assert np.array_equal(r.flows, runs[0].flows)


#: Shapes that vary by draw over a wide range (durations of 1 to 30 years in a 40-year
#: horizon, an uncertain start-up ramp and drop-off), an intake varying by draw, a cost every
#: year and a second intervention in another layer: every stage of the block path is used.
VARYING = """\
prevcalc: 1
name: Varying shapes
horizon: 40
discounting: {schedule: green_book}
parameters:
  pop: {dist: gamma, mean: 5, sd: 1}
  lasts: {dist: uniform, low: 1, high: 30}
  lapse: {dist: beta, mean: 0.1, sd: 0.05}
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {participants: "pop * 10", years: 4}
    costs:
      setup: [{amount: 2000, year: 0, funder: council}]
      running: [{amount: 150, from_year: 0, to_year: 39, funder: council}]
      per_participant: [{amount: 400, duration: 2, funder: council}]
    outcomes:
      - {name: S, agency: nhs, amount: 90, duration: lasts, drop_off: lapse, ramp: 1,
         deadweight: 0.1}
      - {name: T, agency: police, amount: 40, start: 3, duration: "lasts / 2", deadweight: 0}
  - id: b
    name: B
    layer: downstream
    intake: {participants: [30, 20, 10]}
    costs:
      per_participant: [{amount: 300, duration: 1, funder: nhs}]
    outcomes:
      - {name: U, agency: nhs, amount: 70, duration: lasts, deadweight: 0}
"""


def assert_same_figures(result, expected, flows: bool = True) -> None:
    """Every per-draw figure of every grouping, each line's PVs and (``flows``) the mean flows
    of ``result`` are those of ``expected``, bit for bit."""
    for grouping, metrics in expected.values.items():
        for name, a in metrics.items():
            np.testing.assert_array_equal(result.values[grouping][name], a, err_msg=name)
    np.testing.assert_array_equal(result.line_pv, expected.line_pv)
    if flows:
        np.testing.assert_array_equal(result.flows, expected.flows)


def test_threads_give_the_same_figures_bit_for_bit(write_scenario, monkeypatch):
    sc = prevcalc.load(write_scenario(VARYING))
    runs = []
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("PREVCALC_THREADS", threads)
        runs.append(prevcalc.run(sc, draws=5000, seed=4, block_values=64 * 600))
    for r in runs[1:]:
        assert_same_figures(r, runs[0])


def test_the_threads_argument_is_used_and_changes_no_figure(write_scenario, monkeypatch, calls):
    sc = prevcalc.load(write_scenario(VARYING))
    seen = calls(engine, "_in_order")  # _in_order(work, starts, threads)
    monkeypatch.setenv("PREVCALC_THREADS", "3")  # the argument wins over the setting
    one = prevcalc.run(sc, draws=3000, seed=2, block_values=64 * 600, threads=1)
    two = prevcalc.run(sc, draws=3000, seed=2, block_values=64 * 600, threads=2)
    default = prevcalc.run(sc, draws=3000, seed=2, block_values=64 * 600)
    assert [args[2] for args, _ in seen] == [1, 2, 3]
    for r in (two, default):
        assert_same_figures(r, one)


def test_a_run_whose_results_fill_memory_gives_the_same_figures(write_scenario, monkeypatch, calls):
    # Results over _LARGE_RESULTS: the threads share one block's memory and the blocks keep no
    # working arrays between them. Neither may change a figure.
    sc = prevcalc.load(write_scenario(VARYING))
    usual = prevcalc.run(sc, draws=3000, seed=6, block_values=64 * 600, threads=2)
    monkeypatch.setattr(engine, "_LARGE_RESULTS", 0)
    seen = calls(engine, "_evaluate_chunk")
    lean = prevcalc.run(sc, draws=3000, seed=6, block_values=64 * 600, threads=2)
    assert seen and all(kwargs.get("lean") for _, kwargs in seen)
    assert_same_figures(lean, usual)


def test_draws_in_blocks_agree_with_each_draw_run_alone(write_scenario):
    # A run of one draw takes another path (every year-by-year flow, shapes over the whole
    # horizon); a block of draws computes shapes only over the years where any draw's can be
    # non-zero, and the layers' flows by linearity. Each draw's figures must be the same.
    sc = prevcalc.load(write_scenario(VARYING))
    model = engine.compile_scenario(sc)
    draws = sampling.sample(sc, 300, 8)
    together = engine.evaluate(model, draws)
    lengths = draws.parameters["lasts"]
    for i in [int(np.argmin(lengths)), int(np.argmax(lengths)), 0, 1, 2]:
        one = sampling.Draws(
            1,
            draws.leaves,
            {k: a[i : i + 1] if a.shape[0] > 1 else a for k, a in draws.leaf_values.items()},
        )
        for name in ("pop", "lasts", "lapse"):
            one.parameters[name] = draws.parameters[name][i : i + 1]
        alone = engine.evaluate(model, one)
        for grouping in ("total", "layer", "intervention", "agency"):
            for name in ("pv_costs", "pv_benefits", "npv", "per_person_sum"):
                np.testing.assert_allclose(
                    together.values[grouping][name][i],
                    alone.values[grouping][name][0],
                    rtol=1e-12,
                    atol=1e-9,
                )
        for grouping in ("total", "layer"):
            for name in ("payback_year", "discounted_payback_year"):
                np.testing.assert_array_equal(
                    together.values[grouping][name][i], alone.values[grouping][name][0]
                )
        np.testing.assert_allclose(
            together.values["total"]["irr"][i], alone.values["total"]["irr"][0], rtol=1e-9
        )
    assert lengths.min() < 3 and lengths.max() > 25  # short and long shapes in one block


def test_an_expression_used_in_two_places_is_clipped_and_counted_in_each(write_scenario):
    # Each expression is evaluated once per block of draws and its value reused; the draws it
    # sets to a bound must still be counted for every place that uses it.
    text = (
        BASE.format(intake="{participants: [10]}")
        .replace(
            "discounting: {schedule: none}",
            "discounting: {schedule: none}\nparameters:\n  x: {dist: uniform, low: 0, high: 2}",
        )
        .replace(
            "deadweight: 0}",
            'deadweight: "x - 0.5"}\n'
            '      - {name: R, agency: nhs, amount: 5, duration: 1, deadweight: "x - 0.5"}',
        )
    )
    result = prevcalc.run(prevcalc.load(write_scenario(text)), draws=4000, seed=2)
    notes = [n for n in result.notes if "deadweight" in n]
    assert len(notes) == 2, result.notes
    counts = {int(n.split(": ")[1].split(" of ")[0].replace(",", "")) for n in notes}
    assert len(counts) == 1  # the same draws, counted once for each place
    # x - 0.5 is outside [0, 1] when x < 0.5 or x > 1.5: half the draws, give or take.
    assert 1800 < counts.pop() < 2200


def test_a_non_unique_irr_is_counted_in_draws(write_scenario):
    # Net flows -100, +230, -a: with a below 132.25 NPV has two roots, x = 1 / (1 + r) =
    # (230 ± sqrt(230² − 400 a)) / (2 a) (a = 120: r = −20% and +50%); above it, none. With a
    # uniform on [120, 140], (132.25 − 120) / 20 = 61% of draws have two roots. The note says
    # how many, exactly (a share rounded to 0% once read "in 0% of draws").
    text = """\
prevcalc: 1
name: Two roots
horizon: 3
discounting: {schedule: none}
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {participants: [0, 1]}
    costs:
      setup: [{amount: 100, year: 0, funder: council}]
      running: [{amount: {dist: uniform, low: 120, high: 140}, from_year: 2, to_year: 2,
                 funder: council}]
    outcomes:
      - {name: S, agency: nhs, amount: 230, duration: 1, deadweight: 0}
"""
    result = prevcalc.run(prevcalc.load(write_scenario(text)), draws=2000, seed=7)
    status = result.values["total"]["irr_status"][:, 0]
    count = int(np.count_nonzero(status == 2))
    assert 0.55 < count / 2000 < 0.67
    assert (
        f"IRR of the scenario is not unique (the net flows change sign more than once) in "
        f"{count:,} of 2,000 draws; it is reported as null." in result.notes
    )
