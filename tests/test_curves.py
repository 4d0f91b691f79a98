"""Curves: profiles since entry and uptake curves against hand-worked values; the cohort
convolution against a slow explicit double loop."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from prevcalc.curves import (
    constant_curve,
    convolve_cohorts,
    linear_curve,
    logistic_curve,
    outcome_shares,
    table_curve,
)

# ----------------------------------------------------------------------- outcome_shares


def test_duration_with_partial_last_year():
    # FORMAT.md: duration 2.5 gives 1, 1, 0.5, then 0.
    assert_allclose(outcome_shares(6, 0, 2.5, 0, 0.0), [[1, 1, 0.5, 0, 0, 0]])


def test_start_delays_the_profile():
    # start 3: j = k - 3, so the first three years are 0, then the 2-year effect.
    assert_allclose(outcome_shares(7, 3, 2, 0, 0.0), [[0, 0, 0, 1, 1, 0, 0]])


def test_ramp_then_drop_off():
    # Ramp R = 2, drop_off 0.1, for ever. j = 0, 1, 2: (j + 1) / 3 = 1/3, 2/3, 1; then
    # 0.9^(j - 2): j = 3 -> 0.9, j = 4 -> 0.81, j = 5 -> 0.729.
    expected = [1 / 3, 2 / 3, 1.0, 0.9, 0.81, 0.729]
    assert_allclose(outcome_shares(6, 0, np.inf, 2, 0.1), [expected], rtol=1e-14)


def test_fractional_ramp_follows_the_formula():
    # R = 1.5: min(1, (j + 1) / 2.5) = 0.4, 0.8, 1; drop-off exponent max(0, j - 1.5) = 0, 0, 0.5.
    expected = [0.4, 0.8, 0.5**0.5]
    assert_allclose(outcome_shares(3, 0, np.inf, 1.5, 0.5), [expected], rtol=1e-14)


def test_infinite_duration_lasts_to_the_horizon():
    assert_array_equal(outcome_shares(5, 1, np.inf, 0, 0.0), [[0, 1, 1, 1, 1]])


def test_everything_combined():
    # start 1, duration 3.5, ramp 1, drop_off 0.5. j = k - 1:
    # j=0: 1 * 1/2 * 1 = 0.5; j=1: 1 * 1 * 1 = 1; j=2: 1 * 1 * 0.5 = 0.5;
    # j=3: 0.5 * 1 * 0.25 = 0.125; j=4: 0.
    assert_allclose(outcome_shares(6, 1, 3.5, 1, 0.5), [[0, 0.5, 1, 0.5, 0.125, 0]])


def test_shares_broadcast_over_draws():
    out = outcome_shares(4, start=[0, 1, 2], duration=np.inf, ramp=0, drop_off=[0.0, 0.5, 0.0])
    assert out.shape == (3, 4)
    assert_allclose(out, [[1, 1, 1, 1], [0, 1, 0.5, 0.25], [0, 0, 1, 1]])


def test_scalars_give_one_draw():
    assert outcome_shares(3, 0, 1, 0, 0).shape == (1, 3)


def test_zero_years():
    assert outcome_shares(0, [0, 1], 1, 0, 0).shape == (2, 0)


def test_parameters_must_be_draw_vectors():
    with pytest.raises(ValueError):
        outcome_shares(3, np.zeros((2, 2)), 1, 0, 0)


@given(
    start=st.integers(0, 10),
    duration=st.floats(0, 40),
    ramp=st.floats(0, 5),
    drop_off=st.floats(0, 1),
)
def test_shares_are_between_zero_and_one(start, duration, ramp, drop_off):
    out = outcome_shares(30, start, duration, ramp, drop_off)
    assert np.all((out >= 0) & (out <= 1))
    assert np.all(out[0, :start] == 0)


# ----------------------------------------------------------------------- uptake curves


def test_constant_curve():
    assert_array_equal(constant_curve(0.3, 3), [[0.3, 0.3, 0.3]])
    assert constant_curve([0.1, 0.2], 4).shape == (2, 4)


def test_linear_curve_rises_then_holds():
    # 0.2 -> 0.6 over 4 years: steps of 0.1, then flat.
    assert_allclose(linear_curve(0.2, 0.6, 4, 7), [[0.2, 0.3, 0.4, 0.5, 0.6, 0.6, 0.6]])


def test_linear_curve_falls():
    assert_allclose(linear_curve(1.0, 0.0, 2, 4), [[1.0, 0.5, 0.0, 0.0]])


def test_linear_curve_zero_years_is_end_everywhere():
    assert_allclose(linear_curve(0.2, 0.6, 0, 3), [[0.6, 0.6, 0.6]])


def test_linear_curve_broadcasts():
    out = linear_curve([0.0, 1.0], 1.0, [2, 0], 3)
    assert_allclose(out, [[0.0, 0.5, 1.0], [1.0, 1.0, 1.0]])


def test_logistic_curve_by_hand():
    # start 0.2, end 0.6, midpoint 2, steepness 1.5: u(t) = 0.2 + 0.4 / (1 + exp(-1.5 (t - 2))).
    t = np.arange(5)
    expected = 0.2 + 0.4 / (1 + np.exp(-1.5 * (t - 2)))
    out = logistic_curve(0.2, 0.6, 2, 1.5, 5)
    assert_allclose(out, [expected], rtol=1e-14)
    assert out[0, 2] == pytest.approx(0.4)  # half-way at the midpoint
    assert out[0, 0] != 0.2  # close to, not exactly, start


def test_logistic_curve_does_not_overflow():
    out = logistic_curve(0.0, 1.0, 0, 1e4, 3)
    assert np.all(np.isfinite(out))
    assert_allclose(out, [[0.5, 1.0, 1.0]])


def test_table_curve_holds_last_value():
    assert_allclose(table_curve([0.1, 0.2], 4), [[0.1, 0.2, 0.2, 0.2]])


def test_table_curve_truncates_and_takes_draws():
    out = table_curve([[1, 2, 3], [4, 5, 6]], 2)
    assert_array_equal(out, [[1, 2], [4, 5]])


def test_table_curve_needs_values():
    with pytest.raises(ValueError):
        table_curve([], 3)


# ----------------------------------------------------------------------- convolve_cohorts


def slow_convolution(intake, profile):
    """Oracle: the cohort sum written out, one calendar year and one cohort at a time."""
    intake, profile = np.broadcast_arrays(np.asarray(intake, float), np.asarray(profile, float))
    out = np.zeros(intake.shape)
    n = intake.shape[-1]
    for index in np.ndindex(intake.shape[:-1]):
        for t in range(n):
            for e in range(t + 1):
                out[index + (t,)] += intake[index + (e,)] * profile[index + (t - e,)]
    return out


def test_convolution_by_hand():
    # 100 enter in years 0 and 1; each is worth 1, 0.5, 0.25 in years 0, 1, 2 after entry.
    # Year 0: 100; year 1: 50 + 100 = 150; year 2: 25 + 50 = 75.
    assert_allclose(convolve_cohorts([100, 100, 0], [1.0, 0.5, 0.25]), [100, 150, 75])


def test_convolution_keeps_exact_zeros():
    profile = outcome_shares(10, 3, 2, 0, 0.0)[0]
    out = convolve_cohorts(np.full(10, 7.0), profile)
    assert np.all(out[:3] == 0.0)


small = dict(elements=st.floats(-1e3, 1e3, allow_subnormal=False))


@given(
    data=st.data(),
    n=st.integers(1, 12),
    lead=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
)
def test_convolution_matches_oracle_with_per_row_profiles(data, n, lead):
    intake = data.draw(hnp.arrays(np.float64, lead + (n,), **small))
    profile = data.draw(hnp.arrays(np.float64, lead + (n,), **small))
    assert_allclose(
        convolve_cohorts(intake, profile), slow_convolution(intake, profile), rtol=1e-12, atol=1e-9
    )


@given(data=st.data(), n=st.integers(1, 12))
def test_convolution_matches_oracle_with_shared_profile(data, n):
    intake = data.draw(hnp.arrays(np.float64, (3, 2, n), **small))
    profile = data.draw(hnp.arrays(np.float64, (n,), **small))
    out = convolve_cohorts(intake, profile)
    assert out.shape == (3, 2, n)
    assert_allclose(out, slow_convolution(intake, profile), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(
    "intake_shape, profile_shape",
    [((4, 1, 9), (4, 3, 9)), ((2, 9), (3, 1, 9)), ((9,), (1, 1, 9)), ((5, 3, 9), (5, 1, 9))],
)
def test_convolution_broadcasts_leading_axes(rng, intake_shape, profile_shape):
    intake = rng.integers(0, 100, intake_shape).astype(float)
    profile = rng.random(profile_shape)
    out = convolve_cohorts(intake, profile)
    assert out.shape == np.broadcast_shapes(intake_shape, profile_shape)
    assert_allclose(out, slow_convolution(intake, profile), rtol=1e-12)


def test_convolution_long_horizon_is_exact(rng):
    # 300 years: relative agreement element by element, including small late values.
    intake = rng.random((2, 300)) * 1000
    profile = 0.97 ** np.arange(300)
    assert_allclose(
        convolve_cohorts(intake, profile), slow_convolution(intake, profile), rtol=1e-12
    )


def test_convolution_rejects_mismatched_years():
    with pytest.raises(ValueError):
        convolve_cohorts(np.ones(3), np.ones(4))
