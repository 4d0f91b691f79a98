"""Metrics: NPV and IRR against numpy-financial, ratios, payback and IRR status by hand."""

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from strategies import cash_flows, investment_flows, money, pounds, rates

from prevcalc.discounting import constant_bands, timing_factors
from prevcalc.metrics import (
    IRR_NO_ROOT,
    IRR_NO_SIGN_CHANGE,
    IRR_NOT_UNIQUE,
    IRR_OK,
    bcr,
    irr,
    irr_with_status,
    payback_year,
    present_value,
    roi,
)


def npf_irr(flows):
    # numpy-financial's root finder warns on overflow for some flows; its answer is still usable.
    with np.errstate(all="ignore"):
        return npf.irr(flows)


def start_factors(rate, n):
    return timing_factors(constant_bands(rate), n, "start")


# ------------------------------------------------------------------ present value


def test_npv_documented_examples():
    # numpy-financial 1.0 documentation of npf.npv: 8% on [-40000, 5000, 8000, 12000, 30000]
    # gives 3065.22267.
    flows = [-40_000, 5_000, 8_000, 12_000, 30_000]
    assert present_value(flows, start_factors(0.08, 5)) == pytest.approx(3065.22267, abs=5e-6)
    # The older NumPy documentation of np.npv: npv(0.281, [-100, 39, 59, 55, 20]) =
    # -0.0084785916384548798.
    flows = [-100, 39, 59, 55, 20]
    assert present_value(flows, start_factors(0.281, 5)) == pytest.approx(
        -0.0084785916384548798, rel=1e-9
    )


@given(flows=cash_flows(), rate=rates(0.0, 0.3))
def test_npv_matches_numpy_financial(flows, rate):
    n = flows.shape[-1]
    expected = [npf.npv(rate, row) for row in flows]
    scale = np.abs(flows).sum(axis=-1) + 1.0
    got = present_value(flows, start_factors(rate, n))
    assert got.shape == (flows.shape[0],)
    assert np.all(np.abs(got - expected) <= 1e-12 * scale)


def test_present_value_keeps_leading_axes(rng):
    flows = rng.normal(size=(4, 3, 7))
    factors = start_factors(0.035, 7)
    out = present_value(flows, factors)
    assert out.shape == (4, 3)
    assert_allclose(out, (flows * factors).sum(axis=-1), rtol=1e-13)


@given(flows=cash_flows())
def test_zero_rate_pv_is_the_plain_sum(flows):
    assert_allclose(
        present_value(flows, start_factors(0.0, flows.shape[-1])),
        flows.sum(axis=-1),
        rtol=1e-12,
        atol=1e-6,
    )


@given(
    flows=cash_flows(elements=money(0.0, 1e6)),
    rate=rates(0.0, 0.2),
    extra=st.floats(0.0, 0.2),
)
def test_raising_a_rate_never_raises_pv_of_positive_flows(flows, rate, extra):
    n = flows.shape[-1]
    low = present_value(flows, start_factors(rate, n))
    high = present_value(flows, start_factors(rate + extra, n))
    assert np.all(high <= low * (1 + 1e-12) + 1e-9)


@given(a=cash_flows(draws=st.just(2), years=st.just(6)), k=st.floats(-10, 10))
def test_npv_is_linear(a, k):
    f = start_factors(0.035, 6)
    assert_allclose(present_value(k * a, f), k * present_value(a, f), rtol=1e-9, atol=1e-6)


# ------------------------------------------------------------------ ratios


def test_bcr_and_roi():
    assert_allclose(bcr([300.0, 50.0], [100.0, 100.0]), [3.0, 0.5])
    assert_allclose(roi([200.0, -50.0], [100.0, 100.0]), [2.0, -0.5])


def test_ratios_are_nan_without_costs():
    with np.errstate(all="raise"):
        out = bcr([1.0, 0.0, -1.0], [0.0, 0.0, 0.0])
        assert np.all(np.isnan(out))
        assert np.isnan(roi(5.0, 0.0))


def test_ratios_broadcast():
    assert bcr(np.ones((3, 2)), np.full(2, 2.0)).shape == (3, 2)


# ------------------------------------------------------------------ payback year


@pytest.mark.parametrize(
    "net, expected",
    [
        ([-100, 10, 10, 10], np.nan),  # never: cumulative ends at -70
        ([5, 10, 10], 0.0),  # non-negative from year 0
        ([0, 0, 0], 0.0),  # all zero: break-even from year 0
        ([-100, 40, 60, 10], 2.0),  # exact zero in year 2 counts as paid back
        ([-100, 150, -100, 60], 3.0),  # paid back in year 1, dips back negative in year 2
        ([-100, 150, -100, 40], np.nan),  # dips back and ends negative
        ([-100, 50, 50, -1], np.nan),  # last year pushes it below zero
        ([10, -20, 5, 5], 3.0),  # starts positive, dips, back to exactly zero
        ([-1], np.nan),
    ],
)
def test_payback_by_hand(net, expected):
    assert_array_equal(payback_year(np.array([net], dtype=float)), [expected])


def test_payback_tolerates_rounding_noise():
    # 0.1 + 0.2 - 0.3 is 5.6e-17, not 0; and -0.3 + 0.1 + 0.2 is -2.8e-17. Both are break-even.
    assert payback_year([-0.3, 0.1, 0.2]) == 2.0
    net = np.array([-1e6, 0.3e6, 0.7e6 - 1e-6])  # cumulative -1e-6: -1e-12 of the flows' size
    assert payback_year(net) == 2.0
    net = np.array([-1e6, 0.3e6, 0.7e6 - 1.0])  # a real pound short
    assert np.isnan(payback_year(net))


def test_payback_keeps_leading_axes(rng):
    net = rng.normal(size=(5, 3, 8))
    out = payback_year(net)
    assert out.shape == (5, 3)
    assert out.dtype == float


def test_payback_zero_years():
    assert payback_year(np.zeros((2, 0))).shape == (2,)
    assert np.all(np.isnan(payback_year(np.zeros((2, 0)))))


@given(flows=cash_flows(years=st.integers(1, 15)))
def test_payback_definition(flows):
    out = payback_year(flows)
    cumulative = np.cumsum(flows, axis=-1)
    tolerance = 1e-9 * np.abs(flows).sum(axis=-1)
    for row, year, tol in zip(cumulative, out, tolerance):
        if np.isnan(year):
            assert row[-1] < -tol or not np.all(row >= -tol)
            continue
        y = int(year)
        assert np.all(row[y:] >= -tol)
        assert y == 0 or row[y - 1] < -tol


# ------------------------------------------------------------------ IRR


def test_irr_documented_examples():
    # numpy-financial 1.0 documentation of npf.irr (rounded to 5 places there).
    assert round(float(irr([-100, 39, 59, 55, 20])), 5) == 0.28095
    assert round(float(irr([-100, 0, 0, 74])), 5) == -0.0955
    assert round(float(irr([-100, 100, 0, 7])), 5) == 0.06206


def test_irr_two_roots_is_not_unique():
    # -1 + 2.3 x - 1.32 x^2 = 0 with x = 1 / (1 + r) has roots x = 1/1.1 and 1/1.2: r = 10%, 20%.
    flows = [-1, 2.3, -1.32]
    assert npf.npv(0.10, flows) == pytest.approx(0, abs=1e-12)
    assert npf.npv(0.20, flows) == pytest.approx(0, abs=1e-12)
    rate, status = irr_with_status(flows)
    assert np.isnan(rate) and status == IRR_NOT_UNIQUE
    # numpy-financial's documented [-100, 100, 0, -7] also has two roots in range (about
    # -8.3% and -69%); numpy-financial returns the one nearer 0, this reports it as not unique.
    assert irr_with_status([-100, 100, 0, -7])[1] == IRR_NOT_UNIQUE


@pytest.mark.parametrize(
    "flows",
    [[100, 10, 10], [-100, -10, 0], [0, 0, 0], [-5], [0.0, 0.0, -3.0]],
)
def test_irr_no_sign_change(flows):
    rate, status = irr_with_status(flows)
    assert np.isnan(rate) and status == IRR_NO_SIGN_CHANGE


def test_irr_no_root_in_range():
    # -1 + 100 / (1 + r) = 0 at r = 99, far above 10.
    rate, status = irr_with_status([-1, 100])
    assert np.isnan(rate) and status == IRR_NO_ROOT
    # -1 + 0.001 / (1 + r) = 0 at r = -0.999, below -0.99.
    assert irr_with_status([-1, 0.001])[1] == IRR_NO_ROOT


def test_irr_non_finite_flows():
    rate, status = irr_with_status([[-1, np.nan, 2], [-1, 0.5, 0.7]])
    assert np.isnan(rate[0]) and status[0] == IRR_NO_ROOT
    assert status[1] == IRR_OK


def test_irr_exact_simple_cases():
    assert float(irr([-1, 1.1])) == pytest.approx(0.1, abs=1e-12)
    assert float(irr([-1, 1])) == pytest.approx(0.0, abs=1e-12)
    assert float(irr([-100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])) == pytest.approx(
        0.01**0.1 - 1, abs=1e-12
    )


def test_irr_long_horizon_does_not_overflow():
    # 500 years: the powers (1 + r)^-t would overflow near r = -0.99 if formed directly.
    flows = np.full(500, 1.0)
    flows[0] = -30.0
    rate, status = irr_with_status(flows)
    assert status == IRR_OK
    assert npf.npv(float(rate), flows) == pytest.approx(0, abs=1e-8)


def test_irr_keeps_leading_axes(rng):
    net = rng.normal(10, 5, size=(6, 4, 12))
    net[..., 0] = -60
    rate, status = irr_with_status(net)
    assert rate.shape == status.shape == (6, 4)
    assert np.issubdtype(status.dtype, np.integer)
    ok = status == IRR_OK
    assert ok.any()
    for index in zip(*np.nonzero(ok)):
        assert rate[index] == pytest.approx(npf_irr(net[index]), abs=1e-10)


@given(flows=investment_flows())
def test_irr_matches_numpy_financial_on_conventional_projects(flows):
    # One sign change: a unique root for r > -1 (Descartes' rule of signs).
    expected = npf_irr(flows)
    rate, status = irr_with_status(flows)
    if np.isnan(expected) or not -0.99 < expected < 10:
        assume(False)
    assert status == IRR_OK
    assert float(rate) == pytest.approx(expected, abs=1e-9)


@given(flows=cash_flows(draws=st.integers(1, 5), years=st.integers(2, 12)))
def test_irr_roots_are_roots(flows):
    rate, status = irr_with_status(flows)
    for row, r, s in zip(flows, rate, status):
        if s == IRR_OK:
            assert -0.99 < r < 10
            value = np.sum(row / (1 + r) ** np.arange(row.size))
            scale = np.sum(np.abs(row) / (1 + r) ** np.arange(row.size))
            assert abs(value) <= 1e-9 * scale
        else:
            assert np.isnan(r)


@given(flows=cash_flows(draws=st.integers(1, 5), years=st.integers(2, 12), elements=pounds()))
def test_irr_matches_numpy_financial_on_random_flows(flows):
    # Wherever this finds the unique root in range and numpy-financial's answer is in range
    # too, they must agree. (With several sign changes numpy-financial may return a root
    # outside (-0.99, 10), and with several roots in range it returns one of them.)
    rate, status = irr_with_status(flows)
    for row, r, s in zip(flows, rate, status):
        expected = npf_irr(row)
        if s == IRR_OK and -0.99 < expected < 10:
            assert r == pytest.approx(expected, abs=1e-8)
        if s == IRR_NO_SIGN_CHANGE:
            assert np.isnan(expected)


def test_irr_root_near_minus_one_is_a_root():
    """A root at r ≈ −0.984 (tiny positive flows): NPV there must vanish, not just its scaled
    polynomial (a case hypothesis found: w^(n−1)·NPV is small long before NPV is)."""
    flows = np.array([-1.0, 5.96046448e-08, 5.96046448e-08, 5.96046448e-08, 5.96046448e-08])
    rate, status = irr_with_status(flows)
    assert status == 0 and -0.99 < rate < -0.98
    npv_at_root = float(np.sum(flows / (1 + rate) ** np.arange(5)))
    assert abs(npv_at_root) <= 1e-12 * np.abs(flows).sum()


def test_irr_root_at_a_high_rate_is_a_root():
    """Tiny gain then a huge cost eight years on: the root is near r = 7.6, where the flows'
    discounted size is only 0.06, so "negligible NPV" must be judged against that size, not
    against the undiscounted flows (a case hypothesis found)."""
    flows = np.array([0, 0.25, 0, 0, 0, 0, 0, 0, -891269.0])
    rate, status = irr_with_status(flows)
    assert status == 0 and 7 < rate < 9
    t = np.arange(flows.size)
    assert abs(np.sum(flows / (1 + rate) ** t)) <= 1e-12 * np.sum(np.abs(flows) / (1 + rate) ** t)


def test_newton_step_tests_the_rounding_noise_only_where_it_can_matter():
    """The IRR's Newton step evaluates the flows' discounted size (the rounding-noise test
    for "at a root") only for rows whose value is within twice that noise of the undiscounted
    size; the signs and steps must be those of evaluating it for every row (as before)."""
    from prevcalc import metrics

    rng = np.random.default_rng(12)
    rows, years = 4000, 40
    net = rng.normal(0, 1, (rows, years)) * rng.uniform(0.1, 1e6, (rows, 1))
    net[:, 0] = -np.abs(net[:, 1:]).sum(axis=1) / 3  # most rows have a root in range
    rate = rng.uniform(-0.5, 2.0, rows)
    # Rows at their own root: NPV below its rounding noise there, for the test to decide.
    found = metrics.irr(net[:1500])
    at_root = np.flatnonzero(np.isfinite(found))
    rate[at_root] = found[at_root]
    years_first = np.ascontiguousarray(net.T)
    abs_years = np.abs(years_first)

    def every_row(rate):
        negative = rate < 0
        z = np.where(negative, 1.0 + rate, 1.0 / (1.0 + rate))
        (size,) = metrics._by_direction(metrics._horner_value, abs_years, z, negative)
        value, slope = metrics._by_direction(metrics._horner, years_first, z, negative)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(negative, slope - (years - 1) * value / z, -z * z * slope)
            step = value / d
        return np.where(np.abs(value) <= metrics._ULPS * size, 0.0, np.sign(value)), step

    want_sign, want_step = every_row(rate)  # each row's figures depend on that row alone
    assert (want_sign[at_root] == 0).sum() > 100  # the noise test does decide rows here
    for subset in (slice(None), slice(0, 1500), slice(1500, None)):  # some, most, few near
        sign, step = metrics._npv_newton_step(
            np.ascontiguousarray(years_first[:, subset]),
            np.ascontiguousarray(abs_years[:, subset]),
            abs_years[:, subset].sum(axis=0),
            rate[subset],
        )
        assert_array_equal(sign, want_sign[subset])
        assert_array_equal(step, want_step[subset])
