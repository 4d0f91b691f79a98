"""Discounting: published Green Book factors, hand-worked band boundaries and timing, and
properties of the schedules."""

import numpy as np
import pytest
from hypothesis import given
from numpy.testing import assert_allclose, assert_array_equal
from strategies import rate_bands, rates

from prevcalc.discounting import (
    NO_DISCOUNTING,
    SCHEDULES,
    Schedule,
    band_rates,
    constant_bands,
    discount_factors,
    timing_factors,
    validate_bands,
)

GREEN_BOOK = SCHEDULES["green_book"].bands
HEALTH = SCHEDULES["green_book_health"].bands

# ------------------------------------------------------------------ published reference values

# Published discount factors, to the 4 decimal places printed: HM Treasury, "Discounting:
# Green Book supplementary guidance" (February 2026), Annex A, Table A.1 (3.5%, the standard
# rate, years 0-30) and Table A.2 (1.5%, the health rate, years 0-30). Figures as transcribed
# in the healthiar R package's tests of get_discount_factor (hm_treasury_2026). The tables
# stop at year 30; no published factor for a later year was found.
PUBLISHED = {
    "green_book": {1: 0.9662, 10: 0.7089, 30: 0.3563},
    "green_book_health": {1: 0.9852, 10: 0.8617, 30: 0.6398},
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_factors_match_published_tables_to_year_30(name):
    factors = discount_factors(SCHEDULES[name].bands, 30)
    for year, published in PUBLISHED[name].items():
        assert factors[year] == pytest.approx(published, abs=5e-5), year


# Years 31-100 cross band boundaries. No published table of these factors was found, so the
# expected values are worked by hand from the schedule's definition (HM Treasury, The Green
# Book, Annex A6: 3.5% for years 0-30, 3.0% for 31-75, 2.5% for 76-125; health 1.5%, 1.29%,
# 1.07%), written as closed-form powers rather than the code's cumulative product:
# D(t) = 1.035^-30 x 1.03^-(t-30) for 31 <= t <= 75, then x 1.025^-(t-75).
def _by_hand(r1, r2, r3, t):
    years_1 = min(t, 30)
    years_2 = min(max(t - 30, 0), 45)
    years_3 = max(t - 75, 0)
    return (1 + r1) ** -years_1 * (1 + r2) ** -years_2 * (1 + r3) ** -years_3


HAND_YEARS = [1, 10, 30, 31, 50, 75, 76, 100]


@pytest.mark.parametrize(
    "name, rates_",
    [("green_book", (0.035, 0.03, 0.025)), ("green_book_health", (0.015, 0.0129, 0.0107))],
)
def test_factors_across_band_boundaries_by_hand(name, rates_):
    factors = discount_factors(SCHEDULES[name].bands, 100)
    for year in HAND_YEARS:
        assert factors[year] == pytest.approx(_by_hand(*rates_, year), rel=1e-12), year


def test_standard_year_31_by_hand():
    # 1.035^-30 = 0.356278...; / 1.03 = 0.345901... (rounds to 0.3459).
    assert discount_factors(GREEN_BOOK, 31)[31] == pytest.approx(0.3459, abs=5e-5)
    assert discount_factors(GREEN_BOOK, 31)[31] == pytest.approx(1.035**-30 / 1.03, rel=1e-13)


def test_schedules_are_the_published_rates():
    assert GREEN_BOOK == (
        (0, 0.035),
        (31, 0.03),
        (76, 0.025),
        (126, 0.02),
        (201, 0.015),
        (301, 0.01),
    )
    assert HEALTH == (
        (0, 0.015),
        (31, 0.0129),
        (76, 0.0107),
        (126, 0.0086),
        (201, 0.0064),
        (301, 0.0043),
    )
    for schedule in SCHEDULES.values():
        assert isinstance(schedule, Schedule)
        assert schedule.source and schedule.edition
        assert validate_bands(schedule.bands) == []


def test_a_new_edition_is_only_data():
    revised = Schedule("revised", ((0, 0.03), (31, 0.025)), "A revised edition", "2030")
    assert_allclose(
        discount_factors(revised.bands, 31)[[30, 31]], [1.03**-30, 1.03**-30 / 1.025], rtol=1e-13
    )


# ------------------------------------------------------------------ constant rates


@pytest.mark.parametrize("rate", [0.0, 0.015, 0.035, 0.1, -0.02])
def test_constant_rate_factors(rate):
    t = np.arange(61)
    assert_allclose(discount_factors(constant_bands(rate), 60), 1 / (1 + rate) ** t, rtol=1e-13)


def test_no_discounting_is_all_ones():
    assert_array_equal(discount_factors(NO_DISCOUNTING, 20), np.ones(21))
    for timing in ("start", "mid", "end"):
        assert_array_equal(timing_factors(NO_DISCOUNTING, 20, timing), np.ones(20))


def test_constant_bands():
    assert constant_bands(0.035) == ((0, 0.035),)
    assert NO_DISCOUNTING == ((0, 0.0),)


# ------------------------------------------------------------------ band rates and timing


def test_band_rates_at_boundaries():
    r = band_rates(GREEN_BOOK, 302)
    assert (r[0], r[30], r[31], r[75], r[76], r[125], r[126]) == (
        0.035,
        0.035,
        0.03,
        0.03,
        0.025,
        0.025,
        0.02,
    )
    assert (r[200], r[201], r[300], r[301]) == (0.02, 0.015, 0.015, 0.01)


def test_timing_across_a_band_boundary_by_hand():
    # Bands 10% for years 0-1, 20% from year 2. D = 1, 1/1.1, 1/(1.1 x 1.2), 1/(1.1 x 1.44).
    bands = ((0, 0.10), (2, 0.20))
    d = [1.0, 1 / 1.1, 1 / (1.1 * 1.2), 1 / (1.1 * 1.2 * 1.2)]
    assert_allclose(timing_factors(bands, 3, "start"), d[:3], rtol=1e-14)
    assert_allclose(timing_factors(bands, 3, "end"), d[1:], rtol=1e-14)
    # mid: D(t) / (1 + r(t+1))^0.5. Year 0 uses r(1) = 10%; year 1 uses r(2) = 20%, the new band.
    mid = [1 / 1.1**0.5, (1 / 1.1) / 1.2**0.5, (1 / (1.1 * 1.2)) / 1.2**0.5]
    assert_allclose(timing_factors(bands, 3, "mid"), mid, rtol=1e-14)


def test_timing_is_ordered_start_mid_end():
    start, mid, end = (timing_factors(GREEN_BOOK, 100, x) for x in ("start", "mid", "end"))
    assert np.all(start > mid) and np.all(mid > end)


def test_unknown_timing():
    with pytest.raises(ValueError, match="unknown timing 'middle'"):
        timing_factors(GREEN_BOOK, 5, "middle")


def test_zero_horizon():
    assert_array_equal(discount_factors(GREEN_BOOK, 0), [1.0])
    assert timing_factors(GREEN_BOOK, 0, "mid").shape == (0,)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "bands, phrase",
    [
        ((), "at least one band"),
        (((1, 0.03),), "first band must start at year 0"),
        (((0, 0.03), (10, 0.02), (10, 0.01)), "must exceed the previous from_year (10)"),
        (((0, 0.03), (20, 0.02), (10, 0.01)), "must exceed the previous from_year (20)"),
        (((0, -1.0),), "rate must be in (-1, 1]"),
        (((0, 1.5),), "rate must be in (-1, 1]"),
        (((0, float("nan")),), "rate must be in (-1, 1]"),
        (((0.5, 0.03),), "whole number"),
        (((0, 0.03, 1),), "expected (from_year, rate)"),
    ],
)
def test_validate_bands_finds_problems(bands, phrase):
    problems = validate_bands(bands)
    assert any(phrase in p for p in problems), problems


def test_validate_accepts_rate_of_one():
    assert validate_bands(((0, 1.0),)) == []


def test_invalid_bands_raise_on_use():
    with pytest.raises(ValueError, match="first band must start at year 0"):
        discount_factors(((5, 0.03),), 10)


# ------------------------------------------------------------------ properties


@given(bands=rate_bands())
def test_factors_never_increase_for_non_negative_rates(bands):
    factors = discount_factors(bands, 320)
    assert factors[0] == 1.0
    assert np.all(np.diff(factors) <= 0)


@given(bands=rate_bands())
def test_factor_steps_are_the_band_rates(bands):
    factors = discount_factors(bands, 250)
    steps = factors[:-1] / factors[1:] - 1
    assert_allclose(steps, band_rates(bands, 251)[1:], rtol=1e-9, atol=1e-12)


@given(rate=rates())
def test_constant_schedule_matches_power(rate):
    t = np.arange(51)
    assert_allclose(discount_factors(constant_bands(rate), 50), (1 + rate) ** -t, rtol=1e-12)
