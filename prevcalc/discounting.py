r"""Discount-rate schedules and the discount factors they imply.

A schedule is a tuple of bands ``((from_year, rate), ...)``: each rate applies from its year
until the next band's year. Published schedules are data (:data:`SCHEDULES`), each with its
source and edition, so that a revised edition is a new entry, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Schedule",
    "SCHEDULES",
    "NO_DISCOUNTING",
    "TIMINGS",
    "constant_bands",
    "band_rates",
    "discount_factors",
    "entry_discount_matrix",
    "timing_factors",
    "validate_bands",
]


@dataclass(frozen=True)
class Schedule:
    """A published discount-rate schedule.

    Attributes
    ----------
    name : str
        Key in :data:`SCHEDULES` and the value of ``discounting.schedule`` in a scenario.
    bands : tuple of (int, float)
        ``(from_year, rate)`` pairs, ascending, the first from year 0.
    source : str
        Where the rates are published.
    edition : str
        The edition of that source.
    """

    name: str
    bands: tuple[tuple[int, float], ...]
    source: str
    edition: str


_GREEN_BOOK_SOURCE = (
    "HM Treasury, The Green Book: appraisal and evaluation in central government, "
    "Annex A6 'Discounting'"
)

# The rates below are the Green Book's declining long-term schedules, standard and health.
# They agree with the table of Green Book discount rates reproduced by the Department for
# Transport in "TAG forthcoming change: Green Book updates" (April 2026). The project's brief
# places them in Annex A6, Tables 7 and 8, of the 2022 edition; the table numbers have not been
# checked against the published document.
SCHEDULES: dict[str, Schedule] = {
    schedule.name: schedule
    for schedule in (
        Schedule(
            name="green_book",
            bands=((0, 0.035), (31, 0.03), (76, 0.025), (126, 0.02), (201, 0.015), (301, 0.01)),
            source=_GREEN_BOOK_SOURCE + ", standard long-term discount rates",
            edition="2022",
        ),
        Schedule(
            name="green_book_health",
            bands=(
                (0, 0.015),
                (31, 0.0129),
                (76, 0.0107),
                (126, 0.0086),
                (201, 0.0064),
                (301, 0.0043),
            ),
            source=_GREEN_BOOK_SOURCE + ", health discount rates",
            edition="2022",
        ),
    )
}

NO_DISCOUNTING: tuple[tuple[int, float], ...] = ((0, 0.0),)

TIMINGS: tuple[str, ...] = ("start", "mid", "end")


def constant_bands(rate):
    """One band: `rate` in every year.

    Examples
    --------
    >>> constant_bands(0.035)
    ((0, 0.035),)
    """
    return ((0, float(rate)),)


def validate_bands(bands):
    """Problems with a band schedule, in words; an empty list if it is sound.

    Parameters
    ----------
    bands : sequence of (from_year, rate)

    Returns
    -------
    list of str

    Notes
    -----
    A sound schedule has at least one band; the first starts at year 0; from_year values are
    whole numbers, strictly ascending; every rate is finite and in (-1, 1].

    Examples
    --------
    >>> validate_bands(((0, 0.035), (31, 0.03)))
    []
    >>> for problem in validate_bands(((1, 0.035), (1, 1.5))):
    ...     print(problem)
    the first band must start at year 0 (got 1)
    band 2: from_year must exceed the previous from_year (1), got 1
    band 2: rate must be in (-1, 1], got 1.5
    """
    problems = []
    try:
        bands = [tuple(band) for band in bands]
    except TypeError:
        return ["bands must be a sequence of (from_year, rate) pairs"]
    if not bands:
        return ["at least one band is needed"]
    previous = None
    for i, band in enumerate(bands, start=1):
        if len(band) != 2:
            problems.append(f"band {i}: expected (from_year, rate), got {band!r}")
            continue
        year, rate = band
        try:
            year_ok = float(year) == int(year)
        except (TypeError, ValueError, OverflowError):
            year_ok = False
        if not year_ok:
            problems.append(f"band {i}: from_year must be a whole number, got {year!r}")
            continue
        if i == 1 and year != 0:
            problems.append(f"the first band must start at year 0 (got {year})")
        if previous is not None and year <= previous:
            problems.append(
                f"band {i}: from_year must exceed the previous from_year ({previous}), got {year}"
            )
        previous = year
        try:
            rate_ok = bool(np.isfinite(rate)) and -1.0 < rate <= 1.0
        except TypeError:
            rate_ok = False
        if not rate_ok:
            problems.append(f"band {i}: rate must be in (-1, 1], got {rate!r}")
    return problems


def _checked(bands):
    problems = validate_bands(bands)
    if problems:
        raise ValueError("invalid discount bands: " + "; ".join(problems))
    years = np.array([int(year) for year, _ in bands])
    rates = np.array([float(rate) for _, rate in bands])
    return years, rates


def band_rates(bands, n):
    """The rate r(t) of the band each year falls in.

    Parameters
    ----------
    bands : sequence of (from_year, rate)
    n : int
        Number of years, t = 0 .. n - 1.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        If the bands are unsound (see :func:`validate_bands`).

    Examples
    --------
    >>> band_rates(((0, 0.035), (2, 0.03)), 4)
    array([0.035, 0.035, 0.03 , 0.03 ])
    """
    years, rates = _checked(bands)
    t = np.arange(int(n))
    return rates[np.searchsorted(years, t, side="right") - 1]


def discount_factors(bands, horizon):
    r"""Discount factors D(0) .. D(horizon).

    Parameters
    ----------
    bands : sequence of (from_year, rate)
    horizon : int
        Last year for which a factor is returned.

    Returns
    -------
    ndarray, shape (horizon + 1,)

    Notes
    -----
    .. math:: D(0) = 1, \qquad D(t) = \frac{D(t-1)}{1 + r(t)}

    so a rate applies to the step into each year of its band: with the Green Book schedule,
    D(31) = 1.035^{-30} / 1.03. Computed as a cumulative product.

    References
    ----------
    HM Treasury, The Green Book (2022), Annex A6 "Discounting".

    Examples
    --------
    >>> discount_factors(SCHEDULES["green_book"].bands, 31)[[1, 30, 31]].round(4)
    array([0.9662, 0.3563, 0.3459])
    """
    rates = band_rates(bands, int(horizon) + 1)
    factors = np.empty(rates.shape)
    factors[0] = 1.0
    np.cumprod(1.0 / (1.0 + rates[1:]), out=factors[1:])
    return factors


def timing_factors(bands, horizon, timing):
    r"""The factor that discounts each year's flows, by when in the year they fall.

    Parameters
    ----------
    bands : sequence of (from_year, rate)
    horizon : int
        Number of years of flows, t = 0 .. horizon - 1.
    timing : {"start", "mid", "end"}
        When in each year its flows fall.

    Returns
    -------
    ndarray, shape (horizon,)

    Raises
    ------
    ValueError
        For an unknown `timing`, or unsound bands.

    Notes
    -----
    For year t's flows:

    - ``start``: D(t)
    - ``mid``: D(t) / (1 + r(t+1))^{1/2}, half a year's discounting at the coming year's rate
    - ``end``: D(t+1)

    This is the one place the convention is resolved.

    Examples
    --------
    >>> timing_factors(constant_bands(0.05), 2, "end").round(6)
    array([0.952381, 0.907029])
    """
    if timing not in TIMINGS:
        raise ValueError(f"unknown timing {timing!r}; expected one of {', '.join(TIMINGS)}")
    horizon = int(horizon)
    factors = discount_factors(bands, horizon)
    if timing == "start":
        return factors[:-1]
    if timing == "end":
        return factors[1:]
    rates = band_rates(bands, horizon + 1)
    return factors[:-1] / np.sqrt(1.0 + rates[1:])


def entry_discount_matrix(factors):
    r"""The discount factor of a flow ``k`` years after an entry in year ``e``: a Hankel matrix.

    Parameters
    ----------
    factors : array_like, shape (year,)
        The discount factor of each calendar year's flows, D(0) .. D(T - 1).

    Returns
    -------
    ndarray, shape (entry year, years since entry)
        ``H[e, k] = D(e + k)`` where e + k < T, else 0 (past the horizon).

    Notes
    -----
    By linearity, the PV of a cohort convolution needs no convolution:

    .. math:: \sum_t D(t) \sum_e n(e)\, s(t - e) = \sum_k s(k)\, w(k), \qquad
              w(k) = \sum_e n(e)\, D(e + k) = (n H)(k)

    for an intake n(e) and a per-participant profile s(k): the intake times ``H`` once, then
    one dot product per profile.

    Examples
    --------
    >>> entry_discount_matrix([1.0, 0.5, 0.25])
    array([[1.  , 0.5 , 0.25],
           [0.5 , 0.25, 0.  ],
           [0.25, 0.  , 0.  ]])
    """
    factors = np.asarray(factors, dtype=float)
    T = factors.shape[0]
    idx = np.arange(T)[:, None] + np.arange(T)[None, :]
    return np.where(idx < T, factors[np.minimum(idx, T - 1)], 0.0)
