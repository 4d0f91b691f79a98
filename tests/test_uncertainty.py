"""Tornado, discount-rate table, switching values and EVPI (prevcalc.uncertainty)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prevcalc import engine, sampling, uncertainty
from prevcalc.errors import ModelError
from prevcalc.loader import loads
from prevcalc.result import Result

BASE = """\
prevcalc: 1
name: Uncertain
horizon: 12
discounting: {{schedule: constant, rate: 0.035}}
parameters:
  effect: {{dist: gamma, mean: 1.0, sd: 0.25}}
  lapse: {{dist: beta, mean: 0.15, sd: 0.04}}
  weekly: 30
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {{participants: [40, 40, 40]}}
    costs:
      setup: [{{amount: 50000, year: 0, funder: council}}]
      per_participant:
        - {{amount: {{dist: gamma, mean: 1500, sd: 300}}, duration: 2, funder: council}}
    outcomes:
      - {{name: Saving, agency: nhs, amount: "weekly * 52 * effect", per: year, duration: 6,
         drop_off: lapse, deadweight: {{dist: uniform, low: 0.1, high: 0.3}}}}
  - id: b
    name: B
    layer: downstream
    intake: {{participants: 20, years: 4}}
    costs:
      running: [{{amount: {running}, to_year: 3, funder: police}}]
    outcomes:
      - {{name: Crime, agency: police, amount: "900 * effect", duration: 3, deadweight: 0.1}}
"""


def scenario(running="20000"):
    return loads(BASE.format(running=running), "<test>")


def total_npv_at(sc, key, value):
    """Re-run the model with one input set (others central): an independent check."""
    plain = [k for k, v in sc.parameters.items() if isinstance(v, float | int)]
    if key in plain:
        params = dict(sc.parameters)
        params[key] = float(value)
        sc = sc.model_copy(update={"parameters": params})
        return float(engine.run(sc).values["total"]["npv"][0, 0])
    if key not in {leaf.key for leaf in sampling.uncertain_leaves(sc)}:
        # A plain number in an intervention: set it as --set would, and run the model again.
        from prevcalc.loader import set_path
        from prevcalc.scenario import Scenario

        data = sc.model_dump(mode="python")
        set_path(data, key, float(value))
        return float(engine.run(Scenario.model_validate(data)).values["total"]["npv"][0, 0])
    d = sampling.central(sc, {key: value})
    return float(engine.evaluate(engine.compile_scenario(sc), d).values["total"]["npv"][0, 0])


# --- tornado ------------------------------------------------------------------------------


def test_tornado_columns_and_order():
    sc = scenario()
    t = uncertainty.tornado(sc)
    assert list(t.columns) == [
        "input",
        "kind",
        "central",
        "low_value",
        "high_value",
        "npv_low",
        "npv_high",
        "swing",
    ]
    keys = {leaf.key for leaf in sampling.uncertain_leaves(sc)}
    assert set(t["input"]) == keys
    assert (np.diff(t["swing"].to_numpy()) <= 0).all()
    assert np.allclose(t["swing"], (t["npv_high"] - t["npv_low"]).abs())


def test_tornado_ends_match_single_runs():
    sc = scenario()
    t = uncertainty.tornado(sc).set_index("input")
    for key in ("effect", "interventions.a.outcomes.0.deadweight"):
        row = t.loc[key]
        assert row["npv_low"] == pytest.approx(total_npv_at(sc, key, row["low_value"]), rel=1e-12)
        assert row["npv_high"] == pytest.approx(total_npv_at(sc, key, row["high_value"]), rel=1e-12)
    leaf = {x.key: x for x in sampling.uncertain_leaves(sc)}["effect"]
    assert t.loc["effect", "low_value"] == pytest.approx(float(leaf.quantile(0.05)[0]))
    assert t.attrs["npv_central"] == pytest.approx(
        float(engine.run(sc).values["total"]["npv"][0, 0])
    )


def test_tornado_wider_distribution_ranks_higher():
    text = """\
prevcalc: 1
name: Two amounts
horizon: 5
discounting: {schedule: none}
interventions:
  - id: x
    name: X
    layer: upstream
    intake: {participants: [10]}
    costs: {setup: [{amount: 1000}]}
    outcomes:
      - {name: Narrow, amount: {dist: normal, mean: 100, sd: 10}, duration: 1, deadweight: 0}
      - {name: Wide, amount: {dist: normal, mean: 100, sd: 50}, duration: 1, deadweight: 0}
"""
    t = uncertainty.tornado(loads(text))
    assert list(t["input"]) == [
        "interventions.x.outcomes.1.amount",
        "interventions.x.outcomes.0.amount",
    ]
    assert t["swing"].iloc[0] == pytest.approx(5 * t["swing"].iloc[1])


def test_tornado_swing_adds_plain_parameters():
    sc = scenario()
    t = uncertainty.tornado(sc, swing=0.2).set_index("input")
    row = t.loc["weekly"]
    assert row["kind"] == "± 20%"
    assert (row["low_value"], row["high_value"]) == pytest.approx((24.0, 36.0))
    assert row["npv_high"] == pytest.approx(total_npv_at(sc, "weekly", 36.0), rel=1e-12)
    assert "weekly" not in set(uncertainty.tornado(sc)["input"])


# --- discount rates -------------------------------------------------------------------------


def test_discount_rate_table():
    sc = scenario()
    t = uncertainty.discount_rate_table(sc)
    assert list(t["discounting"]) == ["0%", "1.5%", "3.5%", "5%", "Green Book", "Green Book health"]
    assert list(t.columns) == ["discounting", "npv", "bcr", "pv_costs", "pv_benefits", "current"]
    assert t["current"].tolist() == [False, False, True, False, False, False]
    # 12 years: the Green Book schedule is 3.5% throughout, its health schedule 1.5%.
    assert t.loc[4, "npv"] == pytest.approx(t.loc[2, "npv"])
    assert t.loc[5, "npv"] == pytest.approx(t.loc[1, "npv"])
    assert t.loc[2, "npv"] == pytest.approx(engine.run(sc).summary()["npv"])
    assert (np.diff(t.loc[:3, "pv_costs"]) < 0).all()  # higher rate, smaller present values
    assert np.allclose(t["npv"], t["pv_benefits"] - t["pv_costs"])


# --- switching values -----------------------------------------------------------------------


def test_switching_values_zero_the_npv():
    sc = scenario()
    sv = uncertainty.switching_values(sc).set_index("input")
    # Every uncertain input, then every plain number (named parameters first, then by path).
    keys = [leaf.key for leaf in sampling.uncertain_leaves(sc)] + ["weekly"]
    assert list(sv.index)[: len(keys)] == keys
    assert all(k.startswith("interventions.") for k in list(sv.index)[len(keys) :])
    assert "interventions.a.intake.participants.0" in sv.index
    base = engine.run(sc).summary()
    scale = base["pv_costs"] + base["pv_benefits"]
    found = sv[sv["status"] == "found"]
    assert len(found) >= 3
    for key, row in found.iterrows():
        assert abs(total_npv_at(sc, key, row["switching_value"])) <= 1e-6 * scale, key
        assert row["change_pct"] == pytest.approx(
            (row["switching_value"] - row["central"]) / abs(row["central"]) * 100
        )
    # The outcome's amount is linear in `weekly` and in `effect`: solved exactly.
    assert sv.loc["weekly", "method"] == "exact"
    assert sv.loc["interventions.a.costs.per_participant.0.amount", "method"] == "exact"
    # drop_off enters through a power: a root finder.
    assert sv.loc["lapse", "method"] == "root finder"


def test_switching_value_none_in_range():
    # With dear running costs the scenario loses money even at deadweight 0; deadweight only
    # lowers benefits, so no share in [0, 1] breaks even.
    sc = scenario("200000")
    assert engine.run(sc).summary()["npv"] < 0
    sv = uncertainty.switching_values(sc, ["interventions.a.outcomes.0.deadweight"]).iloc[0]
    assert sv["status"] == "none in range"
    assert math.isnan(sv["switching_value"])


def test_switching_value_root_finder_inside_bracket():
    sc = scenario()
    npv = engine.run(sc).summary()["npv"]
    sv = uncertainty.switching_values(sc, ["lapse"]).iloc[0]
    assert sv["status"] == "found"
    assert abs(total_npv_at(sc, "lapse", sv["switching_value"])) <= 1e-6 * abs(npv) + 1e-6
    assert 0 <= sv["switching_value"] <= 1


def test_switching_values_unknown_input():
    with pytest.raises(ModelError, match="--switch nope: not an input of this scenario"):
        uncertainty.switching_values(scenario(), ["nope"])


# --- probability best and EVPI ------------------------------------------------------------------


def fake_result(npv):
    npv = np.asarray(npv, dtype=float)[:, None]
    r = Result.__new__(Result)
    r.name = "x"
    r.values = {"total": {"npv": npv}}
    r.labels = {"total": ["total"]}
    return r


def test_evpi_hand_example():
    # Draw:      1    2    3    4
    # Option A: 10,   0,  10,   0   mean 5
    # Option B:  0,   8,   4,   6   mean 4.5
    # max:      10,   8,  10,   6   mean 8.5  -> EVPI = 8.5 - 5 = 3.5
    a, b = fake_result([10, 0, 10, 0]), fake_result([0, 8, 4, 6])
    frame, evpi = uncertainty.prob_best_and_evpi([a, b], names=["A", "B"])
    assert evpi == pytest.approx(3.5)
    assert frame["prob_best"].tolist() == [0.5, 0.5]
    assert frame["mean_npv"].tolist() == [5.0, 4.5]
    assert frame["option"].tolist() == ["A", "B"]


def test_evpi_zero_when_one_option_always_best():
    frame, evpi = uncertainty.prob_best_and_evpi([fake_result([5, 6, 7]), fake_result([1, 2, 3])])
    assert evpi == 0.0
    assert frame["prob_best"].tolist() == [1.0, 0.0]


def test_evpi_needs_same_draws():
    with pytest.raises(ValueError, match="same number of draws"):
        uncertainty.prob_best_and_evpi([fake_result([1, 2]), fake_result([1, 2, 3])])


def test_prob_best_with_real_runs():
    r1 = engine.run(scenario("20000"), draws=400, seed=5)
    r2 = engine.run(scenario("60000"), draws=400, seed=5)
    frame, evpi = uncertainty.prob_best_and_evpi([r1, r2], names=["cheap", "dear"])
    # Same seed, same inputs: the dearer running cost is worse in every draw.
    assert frame["prob_best"].tolist() == [1.0, 0.0]
    assert evpi == pytest.approx(0.0, abs=1e-6)


def test_swing_moves_plain_numbers_anywhere_in_the_file():
    """--swing 0.2: a plain amount deep in an intervention becomes an input of the tornado, and
    its NPV at ±20% matches a re-run with the number set as --set would."""
    sc = scenario()
    t = uncertainty.tornado(sc, swing=0.2).set_index("input")
    key = "interventions.a.costs.setup.0.amount"
    assert t.loc[key, "kind"] == "± 20%"
    central = t.loc[key, "central"]
    assert t.loc[key, "low_value"] == pytest.approx(0.8 * central)
    assert t.loc[key, "npv_low"] == pytest.approx(total_npv_at(sc, key, 0.8 * central), rel=1e-12)
    assert t.loc[key, "npv_high"] == pytest.approx(total_npv_at(sc, key, 1.2 * central), rel=1e-12)
