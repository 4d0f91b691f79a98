"""Issue 13, health: QALY outcomes through the distributional cost-effectiveness measures.

Published figures: Robson, Asaria, Cookson, Tsuchiya and Ali (2017), "Eliciting the level of
health inequality aversion in England", Health Economics 26(10):1328-34, with its companion
code (M. Asaria, github.com/miqdadasaria/social_welfare_functions, relative_weights.R, May 2015);
Love-Koh, Schneider, McNamara, Doran and Gutacker (2023), PharmacoEconomics,
doi:10.1007/s40273-023-01264-9 (QALE by deprivation quintile, Table 3). The rest is worked by
hand below.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.optimize import brentq

import prevcalc
from prevcalc import fairness
from prevcalc.equity import compare_health
from prevcalc.errors import ScenarioError
from prevcalc.fairness import atkinson_ede, kolm_ede

# Robson et al. (2017)'s relative weights were computed (relative_weights.R) on the baseline
# QALE of the five IMD quintiles, most deprived first, rounded to 62, 68, 70, 72 and 74 years,
# with the elicited aversions epsilon = 10.946 (Atkinson) and alpha = 0.152 (Kolm). The paper's
# abstract: these imply "weighting health gains to the poorest fifth of people in society six
# to seven times as highly as health gains to the richest fifth".
ROBSON_BASELINE = [62.0, 68.0, 70.0, 72.0, 74.0]
ROBSON_EPSILON, ROBSON_ALPHA = 10.946, 0.152


def _relative_weight(ede, increment: float) -> float:
    """The companion code's method: the gain x to the healthiest fifth with the same EDE as
    ``increment`` to the least healthy, divided by the increment."""
    base = np.array(ROBSON_BASELINE)

    def gap(x: float) -> float:
        poor = base + np.array([increment, 0, 0, 0, 0])
        rich = base + np.array([0, 0, 0, 0, x])
        return float(ede(poor)) - float(ede(rich))

    return brentq(gap, -20, 20, xtol=1e-14) / increment


def test_robson_relative_weights_six_to_seven():
    atk = _relative_weight(lambda h: atkinson_ede(h, epsilon=ROBSON_EPSILON), 1e-4)
    kolm = _relative_weight(lambda h: kolm_ede(h, alpha=ROBSON_ALPHA), 1e-4)
    # Marginal weights by hand: Atkinson (74 / 62)^10.946 = exp(10.946 x 0.176931) = 6.936;
    # Kolm exp(0.152 x (74 - 62)) = exp(1.824) = 6.197.
    assert atk == pytest.approx((74 / 62) ** 10.946, rel=1e-3)
    assert atk == pytest.approx(6.936, abs=0.002)
    assert kolm == pytest.approx(math.exp(0.152 * 12), rel=1e-3)
    assert kolm == pytest.approx(6.197, abs=0.002)
    assert 6 <= kolm < atk < 7  # "six to seven times"
    # The same from health_equity_weights (the ratio of marginal social values).
    w = fairness.health_equity_weights(ROBSON_BASELINE, aversion=ROBSON_EPSILON)
    assert w[0] == pytest.approx(atk, rel=1e-3)


def test_shipped_qale_against_the_article():
    # Love-Koh et al. (2023), abstract: the least deprived fifth "experience 11.1 more QALYs"
    # than the most deprived. Table 3 by sex: women 73.42 - 62.17 = 11.25, men 73.02 - 62.36
    # = 10.66; the shipped mean of the sexes 10.955 (the article's 11.1 weights by population).
    q = fairness.england_qale_imd()
    assert q.female[0] == 62.17 and q.female[4] == 73.42
    assert q.male[0] == 62.36 and q.male[4] == 73.02
    assert q.persons[4] - q.persons[0] == pytest.approx(10.955)
    assert q.persons[4] - q.persons[0] == pytest.approx(11.1, abs=0.2)
    assert list(q.persons) == sorted(q.persons)  # most deprived first, rising
    assert "PharmacoEconomics" in q.source and "Table 3" in q.source


HEALTH = """\
prevcalc: 1
name: Health
horizon: 1
discounting: {schedule: none}
fairness:
  groups: imd_quintiles
  weights: [1, 1, 1, 1, 1]
  baseline_health: [62, 68, 70, 72, 74]
  population: 1000
interventions:
  - id: h
    name: Health programme
    layer: upstream
    intake: {participants: [100]}
    reach: REACH
    outcomes:
      - {name: Better health, agency: households, value_type: social, amount: 7000,
         unit: QALY, events: 0.1, duration: 1}
"""


def _health(write_scenario, reach="[1, 0, 0, 0, 0]", name="h.yaml"):
    path = write_scenario(HEALTH.replace("REACH", reach), name=name)
    return prevcalc.run(prevcalc.load(path))


def test_ede_changes_of_a_run_hand_worked(write_scenario):
    # 100 participants in the most deprived fifth gain 0.1 QALY each: 10 QALYs, spread over that
    # fifth's 200 people (population 1,000 in equal fifths): +0.05 QALY per person there.
    r = _health(write_scenario)
    h = r.equity.health
    assert h.gain.tolist() == pytest.approx([10, 0, 0, 0, 0])
    assert h.mean_gain == pytest.approx(10 / 1000)
    base = [62.0, 68.0, 70.0, 72.0, 74.0]
    after = [62.05, 68.0, 70.0, 72.0, 74.0]
    # Kolm, alpha = 0.15: -(1/a) ln(mean exp(-a h)), after minus before.
    kolm = lambda hs: -math.log(sum(math.exp(-0.15 * x) for x in hs) / 5) / 0.15  # noqa: E731
    assert h.ede_change_kolm == pytest.approx(kolm(after) - kolm(base), rel=1e-9)
    # Atkinson, epsilon = 10.95: (mean h^(1-e))^(1/(1-e)), after minus before.
    atk = lambda hs: (sum(x**-9.95 for x in hs) / 5) ** (-1 / 9.95)  # noqa: E731
    assert h.ede_change_atkinson == pytest.approx(atk(after) - atk(base), rel=1e-9)
    # To first order the change is the gain weighted by each group's marginal social value:
    # Kolm: 0.2 x 0.05 x exp(-0.15 x 62) / mean(exp(-0.15 h)).
    first_order = 0.2 * 0.05 * math.exp(-0.15 * 62) / (sum(math.exp(-0.15 * x) for x in base) / 5)
    # (the neglected second-order term is about alpha x gain / 2 = 0.4% of it)
    assert h.ede_change_kolm == pytest.approx(first_order, rel=5e-3)
    # Gains to the worst off count for more than the mean gain, under either measure.
    assert h.ede_change_kolm > h.mean_gain and h.ede_change_atkinson > h.mean_gain
    assert h.ede_change_kolm_total == pytest.approx(1000 * h.ede_change_kolm)
    d = r.to_dict()["distribution"]["health"]
    assert d["qalys_total"] == pytest.approx(10.0)
    assert d["ede_change_kolm_per_person"] == pytest.approx(h.ede_change_kolm)
    json.dumps(d, allow_nan=False)


def test_the_same_gain_to_the_healthiest_counts_for_less(write_scenario):
    poor = _health(write_scenario, name="poor.yaml").equity.health
    rich = _health(write_scenario, reach="[0, 0, 0, 0, 1]", name="rich.yaml").equity.health
    assert poor.mean_gain == pytest.approx(rich.mean_gain)
    assert rich.ede_change_kolm < rich.mean_gain < poor.ede_change_kolm
    # Kolm is translation-invariant: the ratio of the changes is about exp(0.15 x 12) = 6.05
    # (to first order in the gain of 0.05 per person; the rest is under 0.5%).
    assert poor.ede_change_kolm / rich.ede_change_kolm == pytest.approx(math.exp(1.8), rel=5e-3)


def test_compare_health_finds_the_aversion_at_which_options_swap(write_scenario):
    # A: 10 QALYs to the healthiest fifth; B: 8 to the least healthy. With no aversion A leads
    # (10 against 8 in total); with enough, B does.
    a = prevcalc.run(
        prevcalc.load(write_scenario(HEALTH.replace("REACH", "[0, 0, 0, 0, 1]"), name="a.yaml"))
    )
    b = prevcalc.run(
        prevcalc.load(
            write_scenario(
                HEALTH.replace("REACH", "[1, 0, 0, 0, 0]").replace("events: 0.1", "events: 0.08"),
                name="b.yaml",
            )
        )
    )
    frame = compare_health(["A", "B"], [a, b])
    assert frame["qalys"].tolist() == pytest.approx([10.0, 8.0])
    kolm = float(frame["kolm_aversion_swap_with_first"][1])
    # Kolm by hand (translation invariance): B's gain 0.04 per person in Q1, A's 0.05 in Q5;
    # to first order they swap where 0.04 exp(-a 62) = 0.05 exp(-a 74): a = ln(1.25) / 12.
    assert kolm == pytest.approx(math.log(1.25) / 12, rel=0.01)
    assert math.isnan(frame["kolm_aversion_swap_with_first"][0])


def test_shipped_baseline_and_validation(write_scenario):
    text = HEALTH.replace(
        "baseline_health: [62, 68, 70, 72, 74]", "baseline_health: england_qale_imd"
    ).replace("REACH", "[1, 0, 0, 0, 0]")
    h = prevcalc.run(prevcalc.load(write_scenario(text))).equity.health
    assert h.baseline.tolist() == pytest.approx(list(fairness.england_qale_imd().persons))
    assert "Love-Koh" in h.source
    bad = HEALTH.replace("  population: 1000\n", "").replace("REACH", "[1, 0, 0, 0, 0]")
    with pytest.raises(ScenarioError, match=r"fairness: baseline_health needs population"):
        prevcalc.load(write_scenario(bad, name="bad.yaml"))
