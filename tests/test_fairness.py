"""Fairness: Green Book distributional weights, equity-weighted NPV and switching values,
inequality of net benefit, Atkinson and Kolm EDEs of health; against published and hand-worked
figures, with properties."""

import doctest
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from prevcalc import fairness
from prevcalc.fairness import (
    ETA_TABLE,
    atkinson_ede,
    aversion_switching_value,
    concentration_index,
    distributional_weights,
    ede_change,
    eta_rank_reversal,
    eta_switching_value,
    health_equity_weights,
    kolm_ede,
    share_to_poorest,
    uk_income_quintiles,
    weighted_npv,
    weighted_npv_table,
)

# ------------------------------------------------------------------ published: Green Book


def test_green_book_transfer_to_bottom_quintile():
    # HM Treasury, The Green Book, Annex A3: "Using more recent 2015 data yields a slightly
    # lower welfare weight of 2.4" (A3.20) and "impact on society = change in income, group p
    # * welfare + change in income, group t" (A3.21). A £1,000 transfer from taxpayers (weight
    # 1) to the bottom quintile is worth 2.4 * 1000 - 1000 = +£1,400 weighted and 0 unweighted.
    to_groups = [1000.0, 0.0, 0.0, 0.0, 0.0]
    assert weighted_npv(to_groups, [2.4, 1.0, 1.0, 1.0, 1.0], -1000.0) == pytest.approx(1400.0)
    assert weighted_npv(to_groups, [1.0] * 5, -1000.0) == 0.0


def test_green_book_weight_formula():
    # Green Book A3.20: divide the median equivalised income of all households by that of the
    # participants' quintile and raise to the power 1.3. A weight of 2.4 therefore means the
    # all-household median is 2.4 ** (1 / 1.3) times the quintile's.
    ratio = 2.4 ** (1 / 1.3)
    assert distributional_weights([1.0], ratio, 1.3)[0] == pytest.approx(2.4, rel=1e-12)


def test_weights_from_shipped_incomes_against_hand_calculation():
    # ONS, The effects of taxes and benefits on household income, disposable income estimate,
    # FYE 2023 (released 24 September 2024), Table 2, 2022/23 row: medians 16,363; 26,073;
    # 34,461; 45,653; 68,406; all individuals 34,462; shipped rounded to £100 as the bulletin
    # "Average household income, UK: FYE 2023" rounds them in its main points (£16,400 poorest
    # fifth, £34,500 all people, £68,400 richest fifth). Hand calculation with eta = 1.3:
    #   (34500 / 16400) ** 1.3 = 2.103659 ** 1.3 = exp(1.3 * 0.743680) = 2.6295
    #   (34500 / 26100) ** 1.3 = 1.321839 ** 1.3 = exp(1.3 * 0.279024) = 1.4372
    #   (34500 / 34500) ** 1.3 = 1
    #   (34500 / 45700) ** 1.3 = 0.754923 ** 1.3 = exp(1.3 * -0.281134) = 0.6939
    #   (34500 / 68400) ** 1.3 = 0.504386 ** 1.3 = exp(1.3 * -0.684383) = 0.4108
    inc = uk_income_quintiles()
    assert inc.all_households == 34500.0
    assert inc.medians == (16400.0, 26100.0, 34500.0, 45700.0, 68400.0)
    table_2 = [16363, 26073, 34461, 45653, 68406]  # unrounded, as published
    assert [round(x, -2) for x in table_2] == list(inc.medians)
    w = inc.weights()
    assert w.tolist() == pytest.approx([2.6295, 1.4372, 1.0, 0.6939, 0.4108], abs=5e-5)
    assert "Office for National Statistics" in inc.source
    assert "Open Government Licence" in inc.source and "Table 2" in inc.source


# ------------------------------------------------------------------ weighted NPV, properties

INCOMES = [15_000.0, 24_000.0, 32_000.0, 42_000.0, 65_000.0]
REFERENCE = 34_000.0


def test_eta_zero_gives_the_plain_npv():
    groups = np.array([[300.0, -50.0, 120.0, 10.0, 0.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
    taxpayer = np.array([-200.0, 7.0])
    w0 = distributional_weights(INCOMES, REFERENCE, 0.0)
    assert_allclose(weighted_npv(groups, w0, taxpayer), groups.sum(axis=1) + taxpayer)
    table = weighted_npv_table(groups, INCOMES, REFERENCE, taxpayer)
    assert tuple(table) == ETA_TABLE
    assert_allclose(table[0.0], groups.sum(axis=1) + taxpayer)


def test_by_group_figures_add_up():
    groups = np.array([400.0, 250.0, 150.0, 120.0, 80.0])
    assert share_to_poorest(groups, 5) == pytest.approx(1.0)
    assert share_to_poorest(groups, 1) == pytest.approx(0.4)
    assert share_to_poorest(groups, 2) == pytest.approx(0.65)
    w = distributional_weights(INCOMES, REFERENCE)
    assert weighted_npv(groups, w) == pytest.approx(float((w * groups).sum()))


@given(
    base=st.lists(st.floats(-1e5, 1e5, allow_nan=False), min_size=5, max_size=5),
    amount=st.floats(min_value=1.0, max_value=1e6),
    pair=st.tuples(st.integers(0, 4), st.integers(0, 4)).filter(lambda p: p[0] < p[1]),
    eta=st.floats(min_value=0.1, max_value=3.0),
)
def test_moving_benefit_to_a_poorer_group_raises_the_weighted_npv_only(base, amount, pair, eta):
    poorer, richer = pair
    before = np.array(base)
    after = before.copy()
    after[richer] -= amount
    after[poorer] += amount
    w = distributional_weights(INCOMES, REFERENCE, eta)
    plain = distributional_weights(INCOMES, REFERENCE, 0.0)
    assert weighted_npv(after, w, -5.0) > weighted_npv(before, w, -5.0)
    assert weighted_npv(after, plain, -5.0) == pytest.approx(
        weighted_npv(before, plain, -5.0), rel=1e-9, abs=1e-6
    )


def test_draw_axis_shapes():
    draws = np.random.default_rng(1).normal(100.0, 50.0, size=(7, 5))
    taxpayer = np.full(7, -300.0)
    w = distributional_weights(INCOMES, REFERENCE)
    assert np.shape(weighted_npv(draws, w, taxpayer)) == (7,)
    assert np.shape(eta_switching_value(draws, INCOMES, REFERENCE, taxpayer)) == (7,)
    assert np.shape(share_to_poorest(draws, 2)) == (7,)
    assert np.shape(concentration_index(draws)) == (7,)
    assert np.shape(atkinson_ede(np.abs(draws) + 1.0, epsilon=2.0)) == (7,)
    assert np.shape(kolm_ede(draws, alpha=0.1)) == (7,)
    per_draw_eta = np.linspace(0.0, 2.0, 7)
    assert distributional_weights(INCOMES, REFERENCE, per_draw_eta).shape == (7, 5)


# ------------------------------------------------------------------ switching values


def test_eta_switching_value_hand_worked():
    # 1000 to a group at half the reference income, taxpayers pay 1500:
    # 1000 * 2**eta - 1500 = 0  =>  eta = log2(1.5)
    assert eta_switching_value([1000.0], [10.0], 20.0, -1500.0) == pytest.approx(
        math.log2(1.5), abs=1e-9
    )
    # positive at every eta: no switching value
    assert math.isnan(eta_switching_value([1000.0], [10.0], 20.0, 500.0))
    # per draw
    got = eta_switching_value(
        np.array([[1000.0, 0.0], [0.0, 10.0]]), [10.0, 40.0], 20.0, np.array([-1500.0, -5.0])
    )
    assert_allclose(got, [math.log2(1.5), 1.0], atol=1e-9)


def test_eta_switching_value_reproduces_the_sign_change():
    groups = np.array([500.0, 300.0, 100.0, -50.0, -100.0])
    taxpayer = -900.0
    eta = eta_switching_value(groups, INCOMES, REFERENCE, taxpayer)
    assert 0.0 < eta < 10.0
    at = weighted_npv(groups, distributional_weights(INCOMES, REFERENCE, eta), taxpayer)
    assert abs(at) < 1e-6
    assert weighted_npv(groups, distributional_weights(INCOMES, REFERENCE, 0.0), taxpayer) < 0


def test_eta_rank_reversal_hand_worked():
    # A: 100 to the poorer group (weight 2**eta); B: 150 to the richer (weight 0.5**eta).
    # 100 * 2**eta = 150 * 2**-eta  =>  4**eta = 1.5  =>  eta = log4(1.5)
    got = eta_rank_reversal([100.0, 0.0], 0.0, [0.0, 150.0], 0.0, [10.0, 40.0], 20.0)
    assert got == pytest.approx(math.log(1.5, 4), abs=1e-9)
    assert math.isnan(eta_rank_reversal([200.0, 0.0], 0.0, [0.0, 150.0], 0.0, [10.0, 40.0], 20.0))


# ------------------------------------------------------------------ concentration index


def test_concentration_index_hand_calculation():
    # Equal fifths, per-person net benefit 4, 3, 2, 1, 0 (poorest first):
    # mean = 2; ranks R = 0.1, 0.3, 0.5, 0.7, 0.9;
    # sum f * mu_j * R_j = 0.2 * (0.4 + 0.9 + 1.0 + 0.7 + 0) = 0.6; C = 2 * 0.6 / 2 - 1 = -0.4
    assert concentration_index([4.0, 3.0, 2.0, 1.0, 0.0]) == pytest.approx(-0.4, abs=1e-12)
    assert concentration_index([0.0, 1.0, 2.0, 3.0, 4.0]) == pytest.approx(0.4, abs=1e-12)
    # Unequal groups, populations 1 and 3 (shares 0.25, 0.75), per person 6 and 2:
    # mean = 0.25*6 + 0.75*2 = 3; R = 0.125, 0.625;
    # sum = 0.25*6*0.125 + 0.75*2*0.625 = 0.1875 + 0.9375 = 1.125; C = 2*1.125/3 - 1 = -0.25
    assert concentration_index([6.0, 2.0], [1.0, 3.0]) == pytest.approx(-0.25, abs=1e-12)
    assert math.isnan(concentration_index([1.0, -1.0]))


# ------------------------------------------------------------------ health: Atkinson and Kolm

# Inputs: the three-person example of the University of York's DCEA teaching application
# (M. Asaria, github.com/miqdadasaria/DCEA, data/three_individuals.csv: decision A gives
# health 20, 40 and 60), whose Atkinson and Kolm EDE formulas are those of Asaria, Griffin and
# Cookson (2016), Medical Decision Making 36(1), and Cookson et al. (2020), OUP. Values below are
# hand-worked from those formulas.
THREE = [20.0, 40.0, 60.0]


def test_atkinson_ede_hand_worked():
    assert atkinson_ede(THREE, epsilon=0.0) == pytest.approx(40.0)  # the mean
    assert atkinson_ede(THREE, epsilon=1.0) == pytest.approx((20 * 40 * 60) ** (1 / 3))
    assert atkinson_ede(THREE, epsilon=2.0) == pytest.approx(3 / (1 / 20 + 1 / 40 + 1 / 60))
    # epsilon = 10.95 (Robson et al. 2017): ((20^-9.95 + 40^-9.95 + 60^-9.95) / 3)^(-1/9.95)
    hand = ((20**-9.95 + 40**-9.95 + 60**-9.95) / 3) ** (-1 / 9.95)
    assert atkinson_ede(THREE, epsilon=10.95) == pytest.approx(hand, rel=1e-12)
    # near-1 aversions approach the geometric mean continuously
    assert atkinson_ede(THREE, epsilon=1.0 + 1e-7) == pytest.approx(
        atkinson_ede(THREE, epsilon=1.0), rel=1e-5
    )


def test_kolm_ede_hand_worked():
    assert kolm_ede(THREE, alpha=0.0) == pytest.approx(40.0)
    hand = -math.log((math.exp(-2.0) + math.exp(-4.0) + math.exp(-6.0)) / 3) / 0.1
    assert kolm_ede(THREE, alpha=0.1) == pytest.approx(hand, rel=1e-12)  # 29.5569...
    # population shares weight the groups
    assert kolm_ede([20.0, 40.0], [3.0, 1.0], alpha=0.0) == pytest.approx(25.0)
    # no overflow at large products
    assert np.isfinite(kolm_ede([5000.0, 8000.0], alpha=0.5))


def test_robson_kolm_weights_poorest_fifth_six_to_seven_times():
    # Robson, Asaria, Cookson, Tsuchiya and Ali (2017), "Eliciting the level of health
    # inequality aversion in England", Health Economics 26(10):1328-34, abstract: median Kolm
    # aversion 0.15 "implies weighting health gains to the poorest fifth of people in society
    # six to seven times as highly as health gains to the richest fifth". Gap in QALE between the
    # most and least deprived fifths: 11.87 QALYs (Love-Koh et al. 2015, Value in Health 18(5),
    # abstract). Kolm weights depend only on the gap: exp(0.15 * 11.87) = 5.93, i.e. about six.
    # The Atkinson counterpart, on QALE levels by quintile: tests/test_fairness_health.py.
    baseline = [62.0, 62.0 + 11.87]
    ratio = health_equity_weights(baseline, aversion=0.15, kind="kolm")[0]
    assert ratio == pytest.approx(math.exp(0.15 * 11.87), rel=1e-12)
    assert 5.5 <= ratio < 7.5
    translated = health_equity_weights([50.0, 61.87], aversion=0.15, kind="kolm")[0]
    assert translated == pytest.approx(ratio)


def test_ede_change_and_aversion_switching_value():
    base = [60.0, 70.0]
    # an equal gain for all: the EDE rises by exactly that gain (Kolm is translation invariant)
    assert ede_change(base, [1.0, 1.0], aversion=0.3, kind="kolm") == pytest.approx(1.0)
    # zero aversion: change in EDE = mean gain
    assert ede_change(base, [2.0, 0.0], aversion=0.0) == pytest.approx(1.0)
    # A: +2 to the healthier; B: +1.5 to the less healthy. A leads at zero aversion, B with
    # enough; at the switching value the two changes in EDE are equal.
    for kind in ("atkinson", "kolm"):
        x = aversion_switching_value(base, [0.0, 2.0], [1.5, 0.0], kind=kind)
        assert x > 0
        da = ede_change(base, [0.0, 2.0], aversion=x, kind=kind)
        db = ede_change(base, [1.5, 0.0], aversion=x, kind=kind)
        assert da == pytest.approx(db, abs=1e-8)
    # B dominates (more to the less healthy and more in total): no reversal
    assert math.isnan(aversion_switching_value(base, [0.0, 1.0], [2.0, 0.0], kind="kolm"))


def test_docstring_examples():
    result = doctest.testmod(fairness, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
