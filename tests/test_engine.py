"""The engine against hand-worked cohort examples, with the arithmetic written out."""

from __future__ import annotations

import math

import numpy as np
import pytest

import prevcalc
from prevcalc.engine import adjustment_waterfall
from prevcalc.loader import loads


def run_text(text: str, **kw):
    return prevcalc.run(loads(text), **kw)


EXAMPLE_A = """\
prevcalc: 1
name: Example A
horizon: 6
discounting: {schedule: none}
interventions:
  - id: a
    name: Two cohorts
    layer: midstream
    intake: {participants: [10, 20]}
    costs:
      per_participant: [{amount: 100, duration: 1.5, funder: council}]
    outcomes:
      - {name: Saving, agency: nhs, amount: 50, start: 1, duration: 2, ramp: 1, deadweight: 0}
"""


def test_example_a_two_cohorts_partial_year_and_ramp():
    """Hand-worked.

    Cost profile per participant (duration 1.5): k=0: 100, k=1: 0.5 × 100 = 50.
    Outcome profile (start 1, duration 2, ramp 1): j = k − 1; share(j) = min(1, (j+1)/2):
    k=1 (j=0): 0.5 × 50 = 25; k=2 (j=1): 50; k=3: 0 (duration over).
    Cohorts of 10 (year 0) and 20 (year 1):
      costs    t0 = 10×100 = 1000; t1 = 10×50 + 20×100 = 2500; t2 = 20×50 = 1000  → 4500
      benefits t1 = 10×25 = 250;   t2 = 10×50 + 20×25 = 1000;  t3 = 20×50 = 1000 → 2250
    Undiscounted: NPV = 2250 − 4500 = −2250; BCR = 0.5; ROI = −0.5; never pays back.
    One participant: 25 + 50 − 100 − 50 = −75 (npv_per_person); −2250 / 30 = −75 per participant.
    """
    r = run_text(EXAMPLE_A)
    cf = r.cashflows()
    assert cf["costs"].tolist() == [1000, 2500, 1000, 0, 0, 0]
    assert cf["benefits"].tolist() == [0, 250, 1000, 1000, 0, 0]
    s = r.summary()
    assert s["pv_costs"] == 4500 and s["pv_benefits"] == 2250 and s["npv"] == -2250
    assert s["bcr"] == 0.5 and s["roi"] == -0.5
    assert math.isnan(s["payback_year"]) and math.isnan(s["discounted_payback_year"])
    assert s["participants"] == 30
    assert s["npv_per_participant"] == pytest.approx(-75)
    assert s["npv_per_person"] == pytest.approx(-75)
    agencies = r.by("agency")
    assert (
        agencies.loc["council", "pv_costs"] == 4500 and agencies.loc["council", "pv_benefits"] == 0
    )
    assert agencies.loc["nhs", "pv_benefits"] == 2250 and agencies.loc["nhs", "pv_costs"] == 0


EXAMPLE_B = """\
prevcalc: 1
name: Example B
horizon: 5
discounting: {{schedule: constant, rate: 0.10, timing: {timing}}}
interventions:
  - id: b
    name: One participant
    layer: upstream
    intake: {{participants: [1]}}
    costs:
      setup: [{{amount: 500, year: 0, funder: council}}]
    outcomes:
      - {{name: Saving, agency: nhs, amount: 1210, start: 2, duration: 1, deadweight: 0}}
"""


@pytest.mark.parametrize(
    "timing, pv_costs, pv_benefits",
    [
        # start: year t discounted by D(t) = 1.1^-t: costs 500, benefits 1210 / 1.1^2 = 1000.
        ("start", 500.0, 1000.0),
        # end: by D(t+1): costs 500 / 1.1 = 454.545..., benefits 1210 / 1.1^3 = 909.090...
        ("end", 500 / 1.1, 1210 / 1.331),
        # mid: by D(t) / 1.1^0.5: costs 500 / 1.1^0.5, benefits 1000 / 1.1^0.5.
        ("mid", 500 / 1.1**0.5, 1000 / 1.1**0.5),
    ],
)
def test_example_b_timing_conventions(timing, pv_costs, pv_benefits):
    s = run_text(EXAMPLE_B.format(timing=timing)).summary()
    assert s["pv_costs"] == pytest.approx(pv_costs, rel=1e-12)
    assert s["pv_benefits"] == pytest.approx(pv_benefits, rel=1e-12)
    # Undiscounted payback: cumulative −500, −500, +710 → year 2, whatever the timing.
    assert s["payback_year"] == 2
    # IRR: −500 + 1210 / (1 + r)^2 = 0  →  r = sqrt(2.42) − 1 = 0.555635...
    assert s["irr"] == pytest.approx(math.sqrt(2.42) - 1, rel=1e-8)


EXAMPLE_C = """\
prevcalc: 1
name: Example C
horizon: 4
discounting: {schedule: none}
interventions:
  - id: c
    name: Eligible times uptake
    layer: midstream
    intake: {eligible: 100, uptake: 0.5, years: 1}
    costs:
      per_participant: [{amount: 100, per: month, duration: 1, funder: council}]
    outcomes:
      - name: Weekly saving
        agency: nhs
        amount: 10
        per: week
        duration: 3
        drop_off: 0.5
        deadweight: 0.2
        attribution: 0.1
        displacement: 0.5
    optimism_bias: {costs: 0.1, benefits: 0.25}
"""


def test_example_c_adjustments_weekly_amounts_and_optimism_bias():
    """Hand-worked.

    Intake: 100 eligible × 0.5 uptake, entry in year 0 only → 50 participants.
    Outcome: 10 a week × 52 = 520 a year; × (1 − 0.2)(1 − 0.1)(1 − 0.5) = 187.2;
    × (1 − 0.25) optimism bias = 140.4; drop-off 0.5 over 3 years → 140.4, 70.2, 35.1.
    × 50 participants → 7020, 3510, 1755 (total 12,285).
    Cost: 100 a month × 12 = 1200 × (1 + 0.1) = 1320 × 50 = 66,000 in year 0.
    NPV = 12,285 − 66,000 = −53,715.
    """
    r = run_text(EXAMPLE_C)
    cf = r.cashflows()
    np.testing.assert_allclose(cf["benefits"], [7020, 3510, 1755, 0], rtol=1e-12)
    np.testing.assert_allclose(cf["costs"], [66000, 0, 0, 0], rtol=1e-12)
    assert r.summary()["npv"] == pytest.approx(-53715, rel=1e-12)
    assert r.summary()["participants"] == 50


def test_example_d_baseline_and_probability_forms_and_running_costs():
    """baseline 4000 × reduction 0.3 = 1200; probability 0.05 × unit cost 50,000 = 2500.

    One participant in year 0, each outcome for 1 year: benefits 3700 in year 0.
    Running 1000 a year from year 1 to 2 → 1000 in years 1 and 2.
    """
    r = run_text("""\
prevcalc: 1
name: Example D
horizon: 4
discounting: {schedule: none}
interventions:
  - id: d
    name: D
    layer: downstream
    intake: {participants: [1]}
    costs:
      running: [{amount: 1000, from_year: 1, to_year: 2, funder: courts}]
    outcomes:
      - {name: Baseline, agency: nhs, baseline: 4000, reduction: 0.3, duration: 1, deadweight: 0}
      - {name: Events, agency: police, probability_change: 0.05, unit_cost: 50000, duration: 1,
         deadweight: 0}
""")
    cf = r.cashflows()
    np.testing.assert_allclose(cf["benefits"], [3700, 0, 0, 0])
    np.testing.assert_allclose(cf["costs"], [0, 1000, 1000, 0])
    # Cumulative net 3700, 2700, 1700, 1700: ≥ 0 from year 0 on.
    assert r.summary()["payback_year"] == 0
    assert r.by("agency").loc["police", "pv_benefits"] == pytest.approx(2500)


def test_green_book_schedule_in_a_run():
    """A flow of 1 in year 31 under the Green Book: 1.035^-30 × 1.03^-1 = 0.345931..."""
    r = run_text("""\
prevcalc: 1
name: Year 31
horizon: 32
interventions:
  - id: e
    name: E
    layer: upstream
    intake: {participants: [1]}
    outcomes:
      - {name: Late, agency: nhs, amount: 1, start: 31, duration: 1, deadweight: 0}
""")
    assert r.summary()["pv_benefits"] == pytest.approx(1.035**-30 / 1.03, rel=1e-12)


def test_notes_gross_benefits_cut_off_and_setup_past_horizon():
    r = run_text("""\
prevcalc: 1
name: Notes
horizon: 5
interventions:
  - id: n
    name: N
    layer: upstream
    intake: {participants: [1, 1]}
    costs:
      setup: [{amount: 10, year: 7}]
    outcomes:
      - {name: Long, agency: nhs, amount: 1, duration: 10}
""")
    text = "\n".join(r.notes)
    assert "Benefits entered gross (no deadweight stated)" in text
    assert "interventions.n.outcomes.0 (Long, 100% of PV benefits)" in text
    assert "past the horizon" in text and "setup cost in year 7" in text
    assert "interventions.n.outcomes.0" in text


def test_stating_deadweight_zero_silences_the_gross_warning():
    assert not any("deadweight" in n for n in run_text(EXAMPLE_A).notes)


def test_tiny_bcr_denominator_is_flagged():
    r = run_text("""\
prevcalc: 1
name: Tiny costs
horizon: 3
discounting: {schedule: none}
interventions:
  - id: t
    name: T
    layer: upstream
    intake: {participants: [100]}
    costs: {setup: [{amount: 1}]}
    outcomes: [{name: Big, agency: nhs, amount: 1000, duration: 1, deadweight: 0}]
""")
    assert r.summary()["bcr"] == pytest.approx(100000)
    assert any("quote the NPV instead" in n for n in r.notes)


def test_waterfall_ends_at_pv_benefits():
    r = run_text(EXAMPLE_C)
    w = adjustment_waterfall(loads(EXAMPLE_C))
    total = w[w["intervention"] == "total"].set_index("step")["value"]
    # Gross: 520 a year × 50 participants × 3 active years (no drop-off) = 78,000.
    assert total["gross value"] == pytest.approx(78000)
    assert total["deadweight"] == pytest.approx(78000 * 0.8)
    assert total["optimism bias"] == pytest.approx(78000 * 0.8 * 0.9 * 0.5 * 0.75)
    assert total["discounting"] == pytest.approx(r.summary()["pv_benefits"], rel=1e-12)


def test_layers_and_interventions_add_up(write_scenario):
    r = run_text(
        EXAMPLE_A.replace("horizon: 6", "horizon: 6")
        + """\
  - id: z
    name: Second
    layer: downstream
    intake: {participants: 5, years: 2}
    costs: {running: [{amount: 300, funder: police}]}
    outcomes: [{name: S, agency: police, amount: 100, deadweight: 0.5}]
"""
    )
    total = r.summary()
    for g in ("intervention", "layer", "agency"):
        by = r.by(g)
        for k in ("pv_costs", "pv_benefits", "npv"):
            assert by[k].sum() == pytest.approx(total[k], rel=1e-12)
    assert r.by("intervention")["participants"].sum() == total["participants"] == 40


def test_json_matches_format_key_for_key():
    d = run_text(EXAMPLE_A).to_dict()
    assert list(d)[:11] == [
        "prevcalc_version",
        "scenario",
        "scenario_sha256",
        "price_year",
        "currency",
        "discounting",
        "summary",
        "interventions",
        "layers",
        "agencies",
        "years",
    ]
    summary_keys = [
        "pv_costs",
        "pv_benefits",
        "npv",
        "bcr",
        "roi",
        "payback_year",
        "discounted_payback_year",
        "irr",
        "participants",
        "npv_per_participant",
        "npv_per_person",
    ]
    assert list(d["summary"]) == summary_keys
    assert (
        list(d["interventions"][0])[:2] == ["id", "layer"]
        and list(d["interventions"][0])[2:] == summary_keys
    )
    assert list(d["layers"][0]) == ["layer"] + summary_keys
    assert list(d["agencies"][0])[:4] == ["agency", "pv_costs", "pv_benefits", "npv"]
    assert list(d["years"][0]) == [
        "year",
        "costs",
        "benefits",
        "net",
        "discount_factor",
        "pv_net",
        "cumulative_pv_net",
    ]
    assert d["discounting"] == {"schedule": "none", "timing": "start"}
    assert d["summary"]["payback_year"] is None  # never pays back → null
    # Net flows −1000, −2250, 0, +1000: one sign change, so a (negative) IRR exists; the
    # reference value is numpy-financial's for the same flows.
    import numpy_financial as npf

    assert d["summary"]["irr"] == pytest.approx(npf.irr([-1000, -2250, 0, 1000, 0, 0]), rel=1e-8)
