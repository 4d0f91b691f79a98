"""Engine invariants as properties (hypothesis), and a slow per-year oracle."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import prevcalc
from prevcalc.scenario import Scenario

money = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
share = st.floats(min_value=0, max_value=1, allow_nan=False)


@st.composite
def profiled(draw, cost: bool):
    item = {
        "amount": draw(money),
        "per": draw(st.sampled_from(["year", "month", "week"])),
        "start": draw(st.integers(0, 4)),
        "duration": draw(st.one_of(st.none(), st.floats(0.5, 8).map(lambda x: round(x, 2)))),
        "ramp": draw(st.sampled_from([0, 0, 1, 2.5])),
        "drop_off": draw(st.sampled_from([0, 0.1, 0.5])),
    }
    if item["duration"] is None:
        del item["duration"]
    if cost:
        item["funder"] = draw(st.sampled_from(["nhs", "council"]))
    else:
        item.update(
            name="o",
            agency=draw(st.sampled_from(["nhs", "police", "dwp"])),
            deadweight=draw(share),
            attribution=draw(st.sampled_from([0, 0.2])),
        )
    return item


@st.composite
def scenarios(draw, programme_costs: bool = True, max_interventions: int = 3):
    horizon = draw(st.integers(1, 25))
    ivs = []
    for i in range(draw(st.integers(1, max_interventions))):
        iv = {
            "id": f"i{i}",
            "name": f"I{i}",
            "layer": draw(st.sampled_from(["upstream", "midstream", "downstream"])),
            "intake": {"participants": draw(st.lists(st.integers(0, 500), min_size=1, max_size=6))},
            "costs": {"per_participant": draw(st.lists(profiled(True), max_size=2))},
            "outcomes": draw(st.lists(profiled(False), max_size=3)),
        }
        if programme_costs:
            iv["costs"]["setup"] = [{"amount": draw(money), "year": draw(st.integers(0, 3))}]
            iv["costs"]["running"] = [
                {"amount": draw(money), "from_year": 0, "to_year": draw(st.integers(0, 5))}
            ]
        ivs.append(iv)
    schedule = draw(
        st.sampled_from(
            [
                {"schedule": "none"},
                {"schedule": "green_book"},
                {"schedule": "green_book_health"},
                {"schedule": "constant", "rate": 0.05},
            ]
        )
    )
    schedule["timing"] = draw(st.sampled_from(["start", "mid", "end"]))
    return {
        "prevcalc": 1,
        "name": "Property",
        "horizon": horizon,
        "discounting": schedule,
        "interventions": ivs,
    }


def run(data: dict):
    return prevcalc.run(Scenario.model_validate(data))


def close(a, b):
    return np.allclose(a, b, rtol=1e-9, atol=1e-6)


@given(scenarios(programme_costs=False))
def test_doubling_every_intake_doubles_costs_and_benefits(data):
    doubled = copy.deepcopy(data)
    for iv in doubled["interventions"]:
        iv["intake"]["participants"] = [2 * x for x in iv["intake"]["participants"]]
    a, b = run(data).summary(), run(doubled).summary()
    assert close(2 * a["pv_costs"], b["pv_costs"])
    assert close(2 * a["pv_benefits"], b["pv_benefits"])
    assert close(2 * a["participants"], b["participants"])


@given(scenarios())
def test_zero_discount_rate_makes_pv_the_plain_sum(data):
    data["discounting"] = {
        "schedule": "constant",
        "rate": 0.0,
        "timing": data["discounting"]["timing"],
    }
    r = run(data)
    cf = r.cashflows()
    assert close(r.summary()["pv_costs"], cf["costs"].sum())
    assert close(r.summary()["pv_benefits"], cf["benefits"].sum())


@given(scenarios(), st.floats(0, 0.2), st.floats(0, 0.05))
def test_raising_a_rate_never_raises_the_pv_of_positive_flows(data, rate, more):
    data["discounting"] = {"schedule": "constant", "rate": rate}
    low = run(data).summary()
    data["discounting"] = {"schedule": "constant", "rate": rate + more}
    high = run(data).summary()
    assert high["pv_costs"] <= low["pv_costs"] * (1 + 1e-12) + 1e-9
    assert high["pv_benefits"] <= low["pv_benefits"] * (1 + 1e-12) + 1e-9


@given(scenarios(programme_costs=False))
def test_shifting_every_flow_a_year_later_multiplies_pv_by_that_years_factor(data):
    """Constant 5%: each flow one year later (start + 1, horizon + 1) → PV × 1/1.05."""
    data["discounting"] = {"schedule": "constant", "rate": 0.05}
    later = copy.deepcopy(data)
    later["horizon"] += 1
    for iv in later["interventions"]:
        for item in iv["costs"]["per_participant"] + iv["outcomes"]:
            item["start"] += 1
            if "duration" not in item:  # "to the horizon": keep the same span
                pass
    # Items lasting to the horizon gain no year: compare with finite durations only.
    for d in (data, later):
        for iv in d["interventions"]:
            for item in iv["costs"]["per_participant"] + iv["outcomes"]:
                item.setdefault("duration", 3)
    a, b = run(data).summary(), run(later).summary()
    assert close(b["pv_costs"], a["pv_costs"] / 1.05)
    assert close(b["pv_benefits"], a["pv_benefits"] / 1.05)


@given(scenarios())
def test_deadweight_one_removes_that_outcomes_benefits(data):
    for iv in data["interventions"]:
        for o in iv["outcomes"]:
            o["deadweight"] = 1.0
    r = run(data)
    assert close(r.summary()["pv_benefits"], 0.0)
    assert np.all(r.cashflows()["benefits"] == 0)


def oracle(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """A deliberately slow per-year loop over cohorts and years: costs and benefits by year."""
    T = data["horizon"]
    per = {"year": 1, "month": 12, "week": 52}
    costs, benefits = np.zeros(T), np.zeros(T)

    def share(item, k):
        j = k - item.get("start", 0)
        if j < 0:
            return 0.0
        d = item.get("duration", float("inf"))
        active = 1.0 if j + 1 <= d else (d - j if d - j > 0 else 0.0)
        ramp = item.get("ramp", 0)
        return (
            active
            * min(1.0, (j + 1) / (ramp + 1))
            * (1 - item.get("drop_off", 0)) ** max(0, j - ramp)
        )

    for iv in data["interventions"]:
        intake = iv["intake"]["participants"]
        for t in range(T):
            for e in range(min(t + 1, len(intake))):
                for c in iv["costs"]["per_participant"]:
                    costs[t] += intake[e] * c["amount"] * per[c["per"]] * share(c, t - e)
                for o in iv["outcomes"]:
                    adj = (1 - o["deadweight"]) * (1 - o["attribution"])
                    benefits[t] += intake[e] * o["amount"] * per[o["per"]] * adj * share(o, t - e)
        for s in iv["costs"].get("setup", []):
            if s["year"] < T:
                costs[s["year"]] += s["amount"]
        for r in iv["costs"].get("running", []):
            for t in range(r["from_year"], min(r["to_year"], T - 1) + 1):
                costs[t] += r["amount"]
    return costs, benefits


@given(scenarios())
def test_vectorised_engine_equals_the_slow_per_year_oracle(data):
    cf = run(data).cashflows()
    costs, benefits = oracle(data)
    np.testing.assert_allclose(cf["costs"], costs, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(cf["benefits"], benefits, rtol=1e-9, atol=1e-6)


@given(scenarios())
def test_groupings_add_up_to_the_total(data):
    r = run(data)
    total = r.summary()
    for g in ("intervention", "layer", "agency"):
        for k in ("pv_costs", "pv_benefits", "npv"):
            assert close(r.by(g)[k].sum(), total[k])


def test_one_draw_of_zero_variance_distributions_equals_the_deterministic_run(write_scenario):
    path = write_scenario("""\
        prevcalc: 1
        name: Zero variance
        horizon: 8
        parameters:
          effect: {dist: normal, mean: 1.0, sd: 0}
        interventions:
          - id: a
            name: A
            layer: upstream
            intake: {participants: [10, 10]}
            costs: {per_participant: [{amount: {dist: gamma, mean: 500, sd: 0}, duration: 2}]}
            outcomes: [{name: S, agency: nhs, amount: "400 * effect", deadweight: 0}]
        """)
    sc = prevcalc.load(path)
    det = prevcalc.run(sc).summary()
    one = prevcalc.run(sc, draws=1, seed=3).summary()
    for k in ("pv_costs", "pv_benefits", "npv", "bcr"):
        assert one[k] == pytest.approx(det[k], rel=1e-12)
