"""The engine's numeric helpers against hand calculations: the discount factors of a flow by
entry year and years since entry (a Hankel matrix), the cohort matrix (Toeplitz) and the
convolution of many profiles with one entry pattern, each against an explicit loop."""

from __future__ import annotations

import numpy as np
import pytest

from prevcalc import curves, discounting


def test_entry_discount_matrix_by_hand():
    # D = 1, 1/1.1, 1/1.21, 1/1.331: H[e, k] = D(e + k) inside the horizon, 0 past it.
    d = 1 / 1.1 ** np.arange(4)
    h = discounting.entry_discount_matrix(d)
    expected = np.zeros((4, 4))
    for e in range(4):
        for k in range(4):
            if e + k < 4:
                expected[e, k] = d[e + k]
    np.testing.assert_array_equal(h, expected)
    assert h[1, 2] == d[3] and h[2, 2] == 0.0


def test_pv_by_linearity_equals_the_pv_of_the_convolution(rng):
    # Σ_t D(t) Σ_e n(e) s(t − e) = Σ_k s(k) (n @ H)(k), for any intake n and profile s.
    T = 12
    d = discounting.timing_factors(discounting.SCHEDULES["green_book"].bands, T, "mid")
    intake, profile = rng.uniform(0, 50, T), rng.uniform(-1, 3, T)
    flows = np.convolve(intake, profile)[:T]
    direct = float(flows @ d)
    by_linearity = float(profile @ (intake @ discounting.entry_discount_matrix(d)))
    assert by_linearity == pytest.approx(direct, rel=1e-13)


def test_cohort_matrix_by_hand():
    m = curves.cohort_matrix([10.0, 20.0, 0.0, 5.0])
    expected = np.zeros((4, 4))
    for k in range(4):
        for t in range(4):
            if t >= k:
                expected[k, t] = [10.0, 20.0, 0.0, 5.0][t - k]
    np.testing.assert_array_equal(m, expected)


@pytest.mark.parametrize("T", [1, 5, 24])
def test_cohort_matrix_product_is_np_convolve(rng, T):
    intake, profile = rng.uniform(0, 100, T), rng.uniform(-2, 2, T)
    np.testing.assert_allclose(
        profile @ curves.cohort_matrix(intake), np.convolve(intake, profile)[:T], rtol=1e-12
    )


def _loop(profiles: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """out[..., t] = Σ_{e ≤ t} pattern[e] profiles[..., t − e], year by year."""
    T = profiles.shape[-1]
    out = np.zeros(profiles.shape)
    for t in range(T):
        for e in range(t + 1):
            out[..., t] += pattern[e] * profiles[..., t - e]
    return out


@pytest.mark.parametrize(
    "pattern",
    [
        [100.0] + [0.0] * 39,  # one entry year: summed over entries
        [50.0] * 3 + [0.0] * 37,  # a few entry years over a long horizon: summed over entries
        list(np.linspace(1, 40, 40)),  # entry every year: one product with the cohort matrix
        [0.0] * 40,  # no entrants
    ],
    ids=["one-entry", "few-entries", "dense", "empty"],
)
def test_convolve_pattern_is_the_loop(rng, pattern):
    pattern = np.asarray(pattern)
    profiles = rng.uniform(-1, 1, (7, 3, 40))  # (draw, group, years since entry)
    out = curves.convolve_pattern(profiles, pattern)
    assert out.shape == profiles.shape
    np.testing.assert_allclose(out, _loop(profiles, pattern), rtol=1e-12, atol=1e-12)
    for row in range(7):  # each row against numpy's own convolution
        np.testing.assert_allclose(
            out[row, 0], np.convolve(pattern, profiles[row, 0])[:40], rtol=1e-12, atol=1e-12
        )


@pytest.mark.parametrize(
    "pattern",
    [[50.0] * 3 + [0.0] * 37, list(np.linspace(1, 40, 40))],
    ids=["few-entries", "dense"],
)
@pytest.mark.parametrize("width", [40, 12, 1])
def test_convolve_pattern_of_narrow_profiles_year_first_is_the_loop(rng, pattern, width):
    # Profiles given only over their first `width` years (0 after): the same as the loop over
    # the whole horizon, in either layout.
    pattern = np.asarray(pattern)
    profiles = np.zeros((7, 3, 40))
    profiles[..., :width] = rng.uniform(-1, 1, (7, 3, width))
    expected = _loop(profiles, pattern)
    narrow = profiles[..., :width].copy()
    np.testing.assert_allclose(
        curves.convolve_pattern(narrow, pattern), expected, rtol=1e-12, atol=1e-12
    )
    year_first = curves.convolve_pattern(narrow, pattern, year_first=True)
    assert year_first.shape == (40, 7, 3) and year_first.flags.c_contiguous
    np.testing.assert_allclose(np.moveaxis(year_first, 0, -1), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "pattern",
    [[50.0] * 3 + [0.0] * 37, list(np.linspace(1, 40, 40))],
    ids=["few-entries", "dense"],
)
@pytest.mark.parametrize("year_first", [False, True])
def test_convolve_pattern_into_a_given_array_gives_the_same_figures(rng, pattern, year_first):
    # The engine convolves into a thread's reused working array: garbage in it beforehand
    # must not matter, and the figures must be those of a fresh result, bit for bit.
    pattern = np.asarray(pattern)
    profiles = rng.uniform(-1, 1, (7, 3, 12))
    fresh = curves.convolve_pattern(profiles, pattern, year_first=year_first)
    out = np.full(fresh.shape, np.nan)
    given = curves.convolve_pattern(profiles, pattern, year_first=year_first, out=out)
    assert given is out
    np.testing.assert_array_equal(out, fresh)
    with pytest.raises(ValueError, match="C-contiguous of shape"):
        curves.convolve_pattern(profiles, pattern, year_first=year_first, out=out.T)
