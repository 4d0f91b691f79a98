"""Issue 13, proportionate universalism: per-group uptake and effect multipliers.

Design (docs/fairness.md): participants in group g are proportional to reach_g × uptake_g (the
multipliers reshape who takes part, not how many); the participants' benefits reach group g in
proportion to participants_g × effect_g, normalised, so the stated effect is the average over
the participant mix and every total is unchanged. Expected figures are worked by hand below.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import prevcalc
from prevcalc.equity import targeted_shares
from prevcalc.errors import ScenarioError

# A universal offer (even reach) of a £1,000 benefit per participant, 100 participants, funded
# by taxpayers with £1,000 each; Green Book weight 2.4 on the poorest fifth (A3.20).
BASE = """\
prevcalc: 1
name: Universal offer
horizon: 1
discounting: {schedule: none}
fairness: {weights: [2.4, 1, 1, 1, 1]}
interventions:
  - id: u
    name: Universal offer
    layer: upstream
    intake: {participants: [100]}
    reach: [0.2, 0.2, 0.2, 0.2, 0.2]
TARGETING    costs:
      per_participant: [{amount: 1000, duration: 1, funder: treasury}]
    outcomes:
      - {name: Income, agency: households, value_type: economic, amount: 1000, duration: 1}
"""


def _eq(write_scenario, targeting: str = "", name: str = "s.yaml"):
    text = BASE.replace("TARGETING", targeting)
    r = prevcalc.run(prevcalc.load(write_scenario(text, name=name)))
    return r, r.equity


def test_uptake_and_effect_multipliers_hand_worked(write_scenario):
    # uptake [2, 1, 1, 1, 1] on an even reach: participants 0.2 x 2 : 0.2 x 1 ... = 2 : 1 : 1 : 1
    # : 1, i.e. shares 1/3, 1/6, 1/6, 1/6, 1/6 of the 100 participants (33.3, 16.7 ...).
    # effect [1.5, 1, 1, 1, 1]: benefit shares (1/3 x 1.5) : (1/6) x 4 = 0.5 : 0.1667 x 4,
    # normalised by 0.5 + 0.6667 = 1.1667: 3/7 to Q1 and 1/7 to each other group.
    # Benefits 100 x 1,000 = 100,000: Q1 42,857.14, others 14,285.71 each.
    # Weighted NPV = 2.4 x 300,000/7 + 400,000/7 - 100,000 = 1,120,000/7 - 100,000 = 60,000.
    # Without multipliers: 100,000 x (2.4 x 0.2 + 0.8) - 100,000 = 28,000.
    targeting = "    uptake_by_group: [2, 1, 1, 1, 1]\n    effect_by_group: [1.5, 1, 1, 1, 1]\n"
    r, eq = _eq(write_scenario, targeting)
    _, flat = _eq(write_scenario, name="flat.yaml")
    assert eq.participants.tolist() == pytest.approx([100 / 3] + [100 / 6] * 4)
    assert eq.benefits.tolist() == pytest.approx([300_000 / 7] + [100_000 / 7] * 4)
    assert eq.weighted_npv == pytest.approx(60_000.0)
    assert flat.weighted_npv == pytest.approx(28_000.0)
    # Totals unchanged: participants, benefits, NPV.
    assert eq.participants.sum() == pytest.approx(100.0) == flat.participants.sum()
    assert eq.npv == pytest.approx(flat.npv, abs=1e-6)
    assert eq.npv == pytest.approx(float(r.summary()["npv"]), abs=1e-6)
    assert eq.npv == pytest.approx(0.0, abs=1e-6)
    # By-group figures add up to the totals.
    assert eq.net.sum() + eq.taxpayers == pytest.approx(eq.npv)
    assert eq.table()["net"].sum() == pytest.approx(100_000.0)
    row = eq.to_dict()["targeting"][0]
    assert row["participant_shares"] == pytest.approx([1 / 3] + [1 / 6] * 4)
    assert row["benefit_shares"] == pytest.approx([3 / 7] + [1 / 7] * 4)


def test_uptake_alone_reshapes_participants_and_benefits_alike():
    # Without effect multipliers the benefits follow the participants.
    p, b = targeted_shares([0.4, 0.3, 0.2, 0.1, 0.0], [1, 1, 2, 2, 5])
    # 0.4 : 0.3 : 0.4 : 0.2 : 0 over 1.3
    assert p.tolist() == pytest.approx([0.4 / 1.3, 0.3 / 1.3, 0.4 / 1.3, 0.2 / 1.3, 0.0])
    assert b.tolist() == pytest.approx(p.tolist())


multipliers = st.lists(st.floats(0.1, 5.0), min_size=5, max_size=5)


@settings(max_examples=60, deadline=None)
@given(reach=st.lists(st.floats(0.01, 1.0), min_size=5, max_size=5), m=multipliers)
def test_totals_are_unchanged_and_shares_add_to_one(reach, m):
    r = np.array(reach) / sum(reach)
    p, b = targeted_shares(r, m, m[::-1])
    assert p.sum() == pytest.approx(1.0) and b.sum() == pytest.approx(1.0)
    assert (p >= 0).all() and (b >= 0).all()


@settings(max_examples=60, deadline=None)
@given(m=st.lists(st.floats(0.1, 5.0), min_size=5, max_size=5), kind=st.sampled_from(["u", "e"]))
def test_multipliers_rising_with_need_raise_the_weighted_npv(m, kind):
    # Multipliers sorted so that poorer groups get the higher ones (not all equal):
    # benefit moves towards groups with higher weights, so with weights falling from the
    # poorest fifth, the weighted benefit rises; the plain total does not move.
    steep = sorted(m, reverse=True)
    if steep[0] - steep[-1] < 1e-6:  # flat to rounding: nothing moves
        return
    weights = np.array([2.63, 1.6, 1.0, 0.75, 0.41])  # falling with income, as Green Book's
    even = np.full(5, 0.2)
    args = (steep, None) if kind == "u" else (None, steep)
    _, b = targeted_shares(even, *args)
    _, b0 = targeted_shares(even)
    assert float(weights @ b) > float(weights @ b0)
    assert b.sum() == pytest.approx(b0.sum())


def test_moving_the_multipliers_towards_the_poor_raises_the_run_weighted_npv(write_scenario):
    _, flat = _eq(write_scenario, name="flat.yaml")
    _, towards_poor = _eq(
        write_scenario, "    effect_by_group: [1.4, 1.2, 1, 0.8, 0.6]\n", name="poor.yaml"
    )
    _, towards_rich = _eq(
        write_scenario, "    effect_by_group: [0.6, 0.8, 1, 1.2, 1.4]\n", name="rich.yaml"
    )
    assert towards_poor.weighted_npv > flat.weighted_npv > towards_rich.weighted_npv
    assert towards_poor.npv == pytest.approx(flat.npv, abs=1e-6)
    assert towards_rich.npv == pytest.approx(flat.npv, abs=1e-6)


@pytest.mark.parametrize(
    "targeting, where, expected",
    [
        ("    uptake_by_group: [1, 1, 1, 1]\n", "interventions.u.uptake_by_group", "at least 5"),
        ("    uptake_by_group: [0, 0, 0, 0, 0]\n", "interventions.u.uptake_by_group", "above 0"),
        ("    effect_by_group: [1, -1, 1, 1, 1]\n", "interventions.u.effect_by_group.1", "≥ 0"),
    ],
)
def test_invalid_multipliers_are_located(write_scenario, targeting, where, expected):
    with pytest.raises(ScenarioError) as err:
        prevcalc.load(write_scenario(BASE.replace("TARGETING", targeting)))
    assert f"{where}:" in str(err.value) and expected in str(err.value)


def test_nobody_takes_part_is_refused(write_scenario):
    text = BASE.replace("reach: [0.2, 0.2, 0.2, 0.2, 0.2]", "reach: [1, 0, 0, 0, 0]").replace(
        "TARGETING", "    uptake_by_group: [0, 1, 1, 1, 1]\n"
    )
    with pytest.raises(ScenarioError, match="nobody would take part"):
        prevcalc.load(write_scenario(text))


def test_an_effect_that_reaches_no_participant_is_refused(write_scenario):
    text = BASE.replace("reach: [0.2, 0.2, 0.2, 0.2, 0.2]", "reach: [1, 0, 0, 0, 0]").replace(
        "TARGETING", "    effect_by_group: [0, 1, 1, 1, 1]\n"
    )
    with pytest.raises(ScenarioError, match="interventions.u: effect_by_group is 0 in every group"):
        prevcalc.load(write_scenario(text))
