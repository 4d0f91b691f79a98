"""Issue 13, uncertainty in the fairness lens: the weighted NPV draw by draw (its 90% interval
and P(weighted NPV > 0)), and reach, eta and weights given as distributions.

Every expected figure is worked by hand below from the distribution's quantile function: the
weighted NPV is a monotone function of the one uncertain input in each scenario, so its 5th
and 95th percentiles are that function at the input's 5th and 95th percentiles.
"""

from __future__ import annotations

import json
import math
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import prevcalc
from prevcalc import equity
from prevcalc.errors import ScenarioError

# £1,000 from taxpayers to the poorest fifth (the Green Book's example, weight 2.4 there).
BASE = """\
prevcalc: 1
name: Transfer
horizon: 1
discounting: {schedule: none}
fairness: FAIRNESS
interventions:
  - id: t
    name: Transfer
    layer: upstream
    intake: {participants: [1]}
    reach: REACH
    costs:
      per_participant: [{amount: COST, duration: 1, funder: treasury}]
    outcomes:
      - {name: Income, agency: households, value_type: economic,
         amount: AMOUNT, duration: 1}
"""
GREEN_BOOK = "{weights: [2.4, 1, 1, 1, 1]}"
INCOMES = "{incomes: [16400, 25000, 34500, 45000, 68400], reference_income: 34500"
DRAWS = 20_000


def _text(fairness=GREEN_BOOK, reach="[1, 0, 0, 0, 0]", cost="1000", amount="1000"):
    return (
        BASE.replace("FAIRNESS", fairness)
        .replace("REACH", reach)
        .replace("COST", cost)
        .replace("AMOUNT", amount)
    )


def _run(write_scenario, text, draws=DRAWS, seed=7, name="s.yaml"):
    return prevcalc.run(prevcalc.load(write_scenario(text, name=name)), draws=draws, seed=seed)


# ------------------------------------------------------------------ 1. weighted NPV with draws


def test_interval_and_probability_from_each_lines_pv_per_draw(write_scenario):
    # The transfer's benefit A ~ Uniform(0, 1000) reaches Q1 (weight 2.4); taxpayers pay 1,000.
    # Weighted NPV per draw = 2.4 A - 1000, increasing in A:
    #   p05 = 2.4 * 50 - 1000 = -880;  p95 = 2.4 * 950 - 1000 = 1280;
    #   P(> 0) = P(A > 1000 / 2.4 = 416.67) = 1 - 0.41667 = 0.58333.
    # Sampling error with 20,000 draws: sd of a proportion ~ 0.0035; of a 5% quantile of A
    # ~ sqrt(0.05 * 0.95 / 20000) * 1000 = 1.5, times 2.4.
    r = _run(write_scenario, _text(amount="{dist: uniform, low: 0, high: 1000}"))
    assert r.line_pv.shape == (DRAWS, 2)  # the cost and the benefit, draw by draw
    eq = r.equity
    assert eq.draws == DRAWS and eq.draw_notes == []
    lo, hi = eq.weighted_npv_interval
    assert lo == pytest.approx(-880, abs=15)
    assert hi == pytest.approx(1280, abs=15)
    assert eq.p_weighted_positive == pytest.approx(1 - 1000 / 2.4 / 1000, abs=0.015)
    # The mean over draws is the central figure (fixed weights and reach: linear in the flows).
    assert eq.weighted_npv_mean == pytest.approx(eq.weighted_npv, rel=1e-9)
    assert eq.weighted_npv == pytest.approx(2.4 * eq.benefits[0] - 1000)


def test_a_deterministic_run_has_no_interval_and_unchanged_keys(write_scenario):
    r = prevcalc.run(prevcalc.load(write_scenario(_text())))
    eq = r.equity
    assert eq.draws == 1 and eq.weighted_npv_interval is None
    assert math.isnan(eq.p_weighted_positive)
    assert eq.weighted_npv == pytest.approx(1400.0)  # Green Book A3.20-A3.21: 2.4 x 1000 - 1000
    d = r.to_dict()["distribution"]
    assert "weighted_npv_p05" not in d and d["draws"] == 1


def test_without_line_pv_the_mean_flows_are_used_and_said_so():
    # A result without per-draw line PVs (one built by hand, or unpickled from an older
    # version): every draw gets the mean PV, and the lens says so.
    fake = SimpleNamespace(
        flows=np.array([[100.0, 50.0]]), factors=np.array([1.0, 0.5]), lines=pd.DataFrame([{}])
    )
    pv, note = equity._line_pv_draws(fake, 10)
    assert pv.tolist() == [[125.0]] and "mean flows" in note
    fake.line_pv = np.full((10, 1), 3.0)
    pv, note = equity._line_pv_draws(fake, 10)
    assert pv.shape == (10, 1) and note is None


def test_json_adds_the_interval(cli, write_scenario):
    text = _text(fairness=INCOMES + ", eta: {dist: uniform, low: 0, high: 2}}", cost="1500")
    path = write_scenario(text)
    code, out, _ = cli("run", path, "--format", "json", "--draws", "2000", "--seed", "3")
    assert code == 0
    d = json.loads(out)["distribution"]
    assert d["draws"] == 2000
    assert d["weighted_npv_p05"] < d["weighted_npv_p95"]
    assert 0 < d["prob_weighted_npv_positive"] < 1
    assert d["varying_by_draw"] == ["fairness.eta"]


# ------------------------------------------------------------------ 2. distributions


def test_eta_as_a_distribution(write_scenario):
    # Benefit 1,000 to Q1 (income 16,400; reference 34,500), taxpayers pay 1,500, eta ~ U(0, 2).
    # Weighted NPV = 1000 r^eta - 1500 with r = 34,500 / 16,400, increasing in eta:
    #   zero at eta* = ln 1.5 / ln r = 0.405465 / 0.743679 = 0.545216, so
    #   P(> 0) = (2 - 0.545216) / 2 = 0.727392;
    #   p05 at eta = 0.1: 1000 r^0.1 - 1500; p95 at eta = 1.9: 1000 r^1.9 - 1500.
    text = _text(fairness=INCOMES + ", eta: {dist: uniform, low: 0, high: 2}}", cost="1500")
    eq = _run(write_scenario, text).equity
    r = 34500 / 16400
    assert math.log(1.5) / math.log(r) == pytest.approx(0.545216, abs=1e-6)
    assert eq.p_weighted_positive == pytest.approx(0.727392, abs=0.015)
    lo, hi = eq.weighted_npv_interval
    assert lo == pytest.approx(1000 * r**0.1 - 1500, abs=10)
    assert hi == pytest.approx(1000 * r**1.9 - 1500, abs=25)
    assert eq.varying == ["fairness.eta"]
    # The central figures use the distribution's mean, eta = 1, as a deterministic run does.
    assert eq.eta == 1.0 and eq.weighted_npv == pytest.approx(1000 * r - 1500)


def test_weights_as_distributions(write_scenario):
    # Weight on Q1 ~ U(2, 3); weighted NPV = 1000 w - 1000: p05 = 1000 * 2.05 - 1000 = 1,050,
    # p95 = 1000 * 2.95 - 1000 = 1,950, always positive; central (mean 2.5): 1,500.
    text = _text(fairness="{weights: [{dist: uniform, low: 2, high: 3}, 1, 1, 1, 1]}")
    eq = _run(write_scenario, text).equity
    lo, hi = eq.weighted_npv_interval
    assert (lo, hi) == (pytest.approx(1050, abs=10), pytest.approx(1950, abs=10))
    assert eq.p_weighted_positive == 1.0
    assert eq.weighted_npv == pytest.approx(1500)


def test_reach_as_a_dirichlet(write_scenario):
    # reach ~ Dirichlet(mean [0.4, 0.25, 0.15, 0.12, 0.08], concentration 50): the poorest
    # fifth's share s1 has the marginal Beta(0.4 * 50, 0.6 * 50) = Beta(20, 30). With weight 2.4
    # on Q1 and 1 elsewhere, benefit 1,000 and cost 1,000 from taxpayers:
    #   weighted NPV = 1000 (2.4 s1 + (1 - s1)) - 1000 = 1400 s1,
    # so its p05 and p95 are 1400 times Beta(20, 30)'s; deterministically s1 = 0.4: 560.
    reach = "{dist: dirichlet, mean: [0.4, 0.25, 0.15, 0.12, 0.08], concentration: 50}"
    text = _text(reach=reach)
    det = prevcalc.run(prevcalc.load(write_scenario(text, name="det.yaml"))).equity
    assert det.weighted_npv == pytest.approx(560.0)
    eq = _run(write_scenario, text).equity
    lo, hi = eq.weighted_npv_interval
    assert lo == pytest.approx(1400 * stats.beta.ppf(0.05, 20, 30), abs=4)
    assert hi == pytest.approx(1400 * stats.beta.ppf(0.95, 20, 30), abs=4)
    assert eq.weighted_npv_mean == pytest.approx(560, abs=3)
    assert eq.varying == ["interventions.t.reach"]
    # Plain NPV is 0 in every draw: reach moves money between groups, never in total.
    assert eq.npv == pytest.approx(0.0, abs=1e-9)


def test_a_dirichlet_keeps_zero_shares_at_zero(write_scenario):
    reach = "{dist: dirichlet, mean: [0.5, 0.5, 0, 0, 0], concentration: 20}"
    rng = np.random.default_rng(1)
    spec = prevcalc.load(write_scenario(_text(reach=reach))).interventions[0].reach
    draws = equity._draw_dirichlet(spec, rng, 1000)
    assert (draws[:, 2:] == 0).all()
    assert np.allclose(draws.sum(axis=1), 1.0)


def test_seeded_runs_repeat_and_other_draws_are_untouched(write_scenario):
    reach = "{dist: dirichlet, mean: [0.4, 0.25, 0.15, 0.12, 0.08], concentration: 50}"
    amount = "{dist: normal, mean: 1000, sd: 100}"
    text = _text(
        reach=reach,
        amount=amount,
        fairness=INCOMES + ", eta: {dist: pert, low: 0.5, mode: 1.3, high: 2}}",
    )
    a = _run(write_scenario, text, draws=500, seed=11, name="a.yaml")
    b = _run(write_scenario, text, draws=500, seed=11, name="b.yaml")
    c = _run(write_scenario, text, draws=500, seed=12, name="c.yaml")
    assert a.equity.weighted_npv_interval == b.equity.weighted_npv_interval
    assert a.equity.weighted_npv_interval != c.equity.weighted_npv_interval
    # The lens draws on streams of its own: the run's figures are those of the same scenario
    # with fixed reach and eta, draw for draw.
    fixed = _text(reach="[0.4, 0.25, 0.15, 0.12, 0.08]", amount=amount, fairness=INCOMES + "}")
    d = _run(write_scenario, fixed, draws=500, seed=11, name="d.yaml")
    assert np.array_equal(a.values["total"]["pv_benefits"], d.values["total"]["pv_benefits"])


@pytest.mark.parametrize(
    "fairness, reach, where, expected",
    [
        (
            GREEN_BOOK,
            "{dist: dirichlet, mean: [0.5, 0, 0, 0, 0], concentration: 10}",
            "interventions.t.reach.mean",
            "add up to 1",
        ),
        (
            GREEN_BOOK,
            "{dist: dirichlet, mean: [1, 0, 0, 0, 0], concentration: 0}",
            "interventions.t.reach.concentration",
            "must be > 0",
        ),
        (
            GREEN_BOOK,
            "{dist: dirichlet, mean: [1, 0, 0, 0, 0], concentraton: 5}",
            "interventions.t.reach.concentraton",
            "unknown key (did you mean 'concentration'?)",
        ),
        (
            INCOMES + ", eta: {dist: normal, mean: 12, sd: 1}}",
            "[1, 0, 0, 0, 0]",
            "fairness.eta",
            "between 0 and 10",
        ),
        (
            "{weights: [{dist: uniform, low: -1, high: 3}, 1, 1, 1, 1]}",
            "[1, 0, 0, 0, 0]",
            "fairness.weights.0",
            "must be > 0",
        ),
    ],
)
def test_invalid_distributions_are_located(write_scenario, fairness, reach, where, expected):
    path = write_scenario(_text(fairness=fairness, reach=reach))
    with pytest.raises(ScenarioError) as err:
        prevcalc.load(path)
    text = str(err.value)
    assert f"{where}:" in text and expected in text
    assert re.search(r"scenario\.yaml:\d+:\d+: ", text)  # file:line:column
