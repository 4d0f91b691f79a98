"""Profiles over years: outcome and cost shares since entry, uptake curves, cohort convolution.

Every function here is pure numpy. Parameters are array_like and broadcast to a draw axis of
length D (1 when every parameter is a scalar); outputs are 2-d with shape ``(draw, n_years)``,
except :func:`convolve_cohorts`, which keeps whatever leading axes its inputs have.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "outcome_shares",
    "outcome_shares_by_duration",
    "shares_support",
    "constant_curve",
    "linear_curve",
    "logistic_curve",
    "table_curve",
    "convolve_cohorts",
    "cohort_matrix",
    "convolve_pattern",
]


def _draw_columns(*params):
    """Broadcast scalar or 1-d parameters to columns of shape (draw, 1)."""
    arrays = [np.atleast_1d(np.asarray(p, dtype=float)) for p in params]
    for a in arrays:
        if a.ndim != 1:
            raise ValueError(f"parameters must be scalars or 1-d over draws, got shape {a.shape}")
    return [a[:, None] for a in np.broadcast_arrays(*arrays)]


def _years(n_years):
    n = int(n_years)
    if n != n_years or n < 0:
        raise ValueError(f"n_years must be a non-negative whole number, got {n_years!r}")
    return np.arange(n, dtype=float)[None, :]


def outcome_shares(n_years, start, duration, ramp, drop_off):
    """Share of the full annual value in each year since entry.

    Parameters
    ----------
    n_years : int
        Number of years since entry to return, k = 0 .. n_years - 1.
    start : array_like, shape (draw,) or scalar
        Years since entry when the effect begins (a whole number).
    duration : array_like, shape (draw,) or scalar
        Years the effect lasts; may be fractional, or ``np.inf`` for ever.
    ramp : array_like, shape (draw,) or scalar
        Years to reach the full effect, linearly (R >= 0, may be fractional).
    drop_off : array_like, shape (draw,) or scalar
        Share of the effect lost each year after the ramp, in [0, 1].

    Returns
    -------
    ndarray, shape (draw, n_years)
        The share in each year since entry; draw is the broadcast length of the parameters.

    Notes
    -----
    With j = k - start, the share is 0 for j < 0 and otherwise

    .. math:: \\mathrm{active}(j)\\,\\min\\left(1, \\frac{j+1}{R+1}\\right)
              (1 - \\mathrm{drop\\_off})^{\\max(0,\\, j - R)}

    where active(j) = clip(duration - j, 0, 1): 1 while j + 1 <= duration, the fraction
    duration - j in the last, partial year, and 0 after. A duration of 2.5 gives 1, 1, 0.5, 0.
    The same function gives per-participant cost profiles.

    References
    ----------
    prevcalc FORMAT.md, "Profiles, exactly".

    Examples
    --------
    >>> outcome_shares(5, start=1, duration=2.5, ramp=0, drop_off=0.0)
    array([[0. , 1. , 1. , 0.5, 0. ]])
    >>> outcome_shares(4, start=0, duration=np.inf, ramp=1, drop_off=[0.0, 0.5])
    array([[0.5 , 1.  , 1.  , 1.  ],
           [0.5 , 1.  , 0.5 , 0.25]])
    """
    return outcome_shares_by_duration(n_years, start, [duration], ramp, drop_off)[0]


def outcome_shares_by_duration(n_years, start, durations, ramp, drop_off):
    """:func:`outcome_shares` for several durations that share a start, ramp and drop-off.

    Returns a list with one array per duration, each exactly (bit for bit)
    ``outcome_shares(n_years, start, duration, ramp, drop_off)``: the ramp and the drop-off's
    decay, the costly part (a power per draw and year), are computed once for all of them.

    Examples
    --------
    >>> [a.tolist() for a in outcome_shares_by_duration(4, 0, [1.5, 3], 0, 0.5)]
    [[[1.0, 0.25, 0.0, 0.0]], [[1.0, 0.5, 0.25, 0.0]]]
    """
    k = _years(n_years)
    start, ramp, drop_off = _draw_columns(start, ramp, drop_off)
    j = k - start
    ramp_share = np.minimum(1.0, (j + 1.0) / (ramp + 1.0))
    decay = (1.0 - drop_off) ** np.maximum(0.0, j - ramp)
    out = []
    for duration in durations:
        (column,) = _draw_columns(duration)
        active = np.clip(column - j, 0.0, 1.0)
        out.append(np.where(j >= 0, active * ramp_share * decay, 0.0))
    return out


def shares_support(n_years, start, duration):
    """The number of leading years since entry that hold every non-zero share.

    Parameters
    ----------
    n_years : int
        Years since entry considered.
    start : int
        Years since entry when the effect begins.
    duration : array_like, shape (draw,) or scalar
        Years the effect lasts (``np.inf`` for ever).

    Returns
    -------
    int
        W: the shares of :func:`outcome_shares` are 0 in every year k >= W, whatever the ramp
        and drop-off. A share is non-zero only while active, j = k - start < duration, so
        W = min(n_years, ceil(start + max(duration))); n_years if a duration is not finite.

    Examples
    --------
    >>> shares_support(10, 1, [2.5, 2.0])
    4
    >>> shares_support(10, 0, np.inf)
    10
    """
    longest = float(np.max(np.asarray(duration, dtype=float), initial=0.0))
    if not np.isfinite(longest):
        return int(n_years)
    return int(min(n_years, max(0, int(np.ceil(start + max(longest, 0.0))))))


def constant_curve(value, n_years):
    """The same value in every calendar year.

    Parameters
    ----------
    value : array_like, shape (draw,) or scalar
    n_years : int

    Returns
    -------
    ndarray, shape (draw, n_years)

    Examples
    --------
    >>> constant_curve([0.2, 0.4], 3)
    array([[0.2, 0.2, 0.2],
           [0.4, 0.4, 0.4]])
    """
    t = _years(n_years)
    (value,) = _draw_columns(value)
    return np.broadcast_to(value, (value.shape[0], t.shape[1])).copy()


def linear_curve(start, end, years, n_years):
    """A straight line from `start` at t = 0 to `end` at t = `years`, flat afterwards.

    Parameters
    ----------
    start, end : array_like, shape (draw,) or scalar
        Values at t = 0 and from t = `years` on.
    years : array_like, shape (draw,) or scalar
        Years taken to reach `end` (>= 0); 0 gives `end` in every year.
    n_years : int

    Returns
    -------
    ndarray, shape (draw, n_years)

    Notes
    -----
    .. math:: u(t) = s + (e - s)\\,\\min(1, t / Y), \\quad u(t) = e \\text{ when } Y = 0

    Examples
    --------
    >>> linear_curve(0.2, 0.6, 4, 6)
    array([[0.2, 0.3, 0.4, 0.5, 0.6, 0.6]])
    """
    t = _years(n_years)
    start, end, years = _draw_columns(start, end, years)
    positive = years > 0
    fraction = np.where(positive, np.minimum(1.0, t / np.where(positive, years, 1.0)), 1.0)
    return start + (end - start) * fraction


def logistic_curve(start, end, midpoint, steepness, n_years):
    """An S-shaped curve from near `start` towards `end`, half-way at `midpoint`.

    Parameters
    ----------
    start, end : array_like, shape (draw,) or scalar
        The lower and upper asymptotes (either may be the larger).
    midpoint : array_like, shape (draw,) or scalar
        Year at which the curve is half-way between `start` and `end`.
    steepness : array_like, shape (draw,) or scalar
        Growth rate per year (> 0 for a rise from `start` to `end`).
    n_years : int

    Returns
    -------
    ndarray, shape (draw, n_years)

    Notes
    -----
    .. math:: u(t) = s + \\frac{e - s}{1 + \\exp(-k (t - m))}

    At t = 0 the value is close to, not exactly, `start`: it is
    s + (e - s) / (1 + exp(k m)). The logistic is evaluated as (1 + tanh(x / 2)) / 2, which
    equals 1 / (1 + exp(-x)) and cannot overflow.

    Examples
    --------
    >>> logistic_curve(0.2, 0.6, 2, 1.5, 5).round(3)
    array([[0.219, 0.273, 0.4  , 0.527, 0.581]])
    """
    t = _years(n_years)
    start, end, midpoint, steepness = _draw_columns(start, end, midpoint, steepness)
    x = steepness * (t - midpoint)
    return start + (end - start) * 0.5 * (1.0 + np.tanh(0.5 * x))


def table_curve(values, n_years):
    """Year-by-year values from a table, holding the last value after it ends.

    Parameters
    ----------
    values : array_like, shape (m,) or (draw, m)
        Values for t = 0 .. m - 1 (m >= 1).
    n_years : int

    Returns
    -------
    ndarray, shape (draw, n_years)
        ``values[..., min(t, m - 1)]``; draw is 1 for a 1-d table.

    Examples
    --------
    >>> table_curve([0.1, 0.3, 0.5], 5)
    array([[0.1, 0.3, 0.5, 0.5, 0.5]])
    """
    t = _years(n_years)
    table = np.asarray(values, dtype=float)
    if table.ndim == 1:
        table = table[None, :]
    if table.ndim != 2 or table.shape[1] == 0:
        raise ValueError(f"values must have shape (m,) or (draw, m) with m >= 1, got {table.shape}")
    index = np.minimum(t[0].astype(np.intp), table.shape[1] - 1)
    return table[:, index]


def convolve_cohorts(intake, profile):
    """Sum each entry cohort's profile into calendar years: the cohort convolution.

    Parameters
    ----------
    intake : array_like, shape (..., n_years)
        Participants entering in year e.
    profile : array_like, shape (..., n_years)
        Per-participant value k years after entry.

    Returns
    -------
    ndarray, shape (..., n_years)
        The broadcast of the two inputs' leading axes, then the year axis.

    Notes
    -----
    .. math:: \\mathrm{out}[t] = \\sum_{e \\le t} \\mathrm{intake}[e]\\,\\mathrm{profile}[t - e]

    truncated at the horizon. The sum is computed exactly (no FFT), as a matrix product:

    - when the profile has no leading axes longer than 1 (one profile for everyone), its
      lower-triangular Toeplitz matrix T[t, e] = profile[t - e] is built once, and all intake
      rows are multiplied by it in a single BLAS call;
    - otherwise, a zero-copy sliding window over the zero-padded intake gives
      W[..., t, i] = intake[..., t - n + 1 + i], and out = W @ reversed(profile), broadcast
      over the leading axes without materialising W.

    Both cost O(n_years^2) per row and agree with a per-year loop to rounding (~1e-15
    relative, element by element). FFT convolution was benchmarked too: it is faster for
    per-row profiles over long horizons (about 4x at 500 years, slower below about 150), but
    its error is relative to the largest value, so small values were off by up to 1e-8 and
    years that must be exactly 0 were not; so it is not used.

    Examples
    --------
    >>> convolve_cohorts([100, 100, 0], [1.0, 0.5, 0.25])
    array([100., 150.,  75.])
    >>> convolve_cohorts([[10, 0, 0], [0, 10, 0]], [1.0, 2.0, 3.0])
    array([[10., 20., 30.],
           [ 0., 10., 20.]])
    """
    intake = np.asarray(intake, dtype=float)
    profile = np.asarray(profile, dtype=float)
    if intake.ndim == 0 or profile.ndim == 0:
        raise ValueError("intake and profile need a year axis")
    n = intake.shape[-1]
    if profile.shape[-1] != n:
        raise ValueError(f"year axes differ: intake has {n}, profile {profile.shape[-1]}")
    shape = np.broadcast_shapes(intake.shape, profile.shape)
    if n == 0:
        return np.zeros(shape)
    if all(size == 1 for size in profile.shape[:-1]):
        lag = np.arange(n)[:, None] - np.arange(n)[None, :]
        toeplitz = np.where(lag >= 0, profile.reshape(n)[np.maximum(lag, 0)], 0.0)
        out = intake @ toeplitz.T
    elif all(size == 1 for size in intake.shape[:-1]):
        # Convolution is symmetric: one shared intake, per-row profiles -> one matrix product.
        lag = np.arange(n)[:, None] - np.arange(n)[None, :]
        toeplitz = np.where(lag >= 0, intake.reshape(n)[np.maximum(lag, 0)], 0.0)
        out = (profile @ toeplitz.T).reshape(shape)
    else:
        padded = np.concatenate([np.zeros(intake.shape[:-1] + (n - 1,)), intake], axis=-1)
        windows = np.lib.stride_tricks.sliding_window_view(padded, n, axis=-1)
        out = np.matmul(windows, profile[..., ::-1, None])[..., 0]
    return np.broadcast_to(out, shape).copy() if out.shape != shape else out


def cohort_matrix(intake):
    r"""The upper-triangular Toeplitz matrix of an intake: ``profile @ M`` is the convolution.

    Parameters
    ----------
    intake : array_like, shape (year,)
        Participants entering in each year e.

    Returns
    -------
    ndarray, shape (years since entry, year)
        ``M[k, t] = intake[t - k]`` for t >= k, else 0.

    Notes
    -----
    .. math:: (s M)[t] = \sum_{k \le t} s(k)\, \mathrm{intake}(t - k)
              = \sum_{e \le t} \mathrm{intake}(e)\, s(t - e)

    the cohort convolution of :func:`convolve_cohorts`, for any number of profiles ``s`` (rows)
    in one matrix product.

    Examples
    --------
    >>> cohort_matrix([10.0, 20.0, 0.0])
    array([[10., 20.,  0.],
           [ 0., 10., 20.],
           [ 0.,  0., 10.]])
    """
    intake = np.asarray(intake, dtype=float)
    T = intake.shape[-1]
    lag = np.arange(T)[None, :] - np.arange(T)[:, None]
    return np.where(lag >= 0, intake[np.maximum(lag, 0)], 0.0)


#: A fixed entry pattern with at most this many entry years per 8 years of horizon is convolved
#: by summing over its entry years (elementwise, linear in the horizon); a denser one by one
#: BLAS product with its :func:`cohort_matrix` (quadratic in the horizon, but fast for short
#: horizons).
SPARSE_ENTRIES_PER_8_YEARS = 1


def convolve_pattern(profiles, pattern, year_first=False, out=None):
    r"""The cohort convolution of many profiles with one entry pattern.

    Parameters
    ----------
    profiles : ndarray, shape (..., width)
        Per-participant values by years since entry (any leading axes: draws, groups), 0 from
        year ``width`` on (the years after it are not given).
    pattern : ndarray, shape (year,)
        Participants entering in each year, the same for every profile.
    year_first : bool, default False
        Return the years first, shape (year, ...) (C order), as a BLAS product gives them at
        no cost.
    out : ndarray, optional
        A C-contiguous float array of the result's shape to write it into (the same figures).

    Returns
    -------
    ndarray, shape (..., year), or (year, ...) with ``year_first``

    Notes
    -----
    .. math:: \mathrm{out}[..., t] = \sum_{e \le t} \mathrm{pattern}[e]\,
              \mathrm{profiles}[..., t - e]

    A pattern with few entry years (the usual intake of a few years over a long horizon) is
    summed over them directly: one whole-array shifted product per entry year, linear in the
    horizon. Otherwise one BLAS product with the first ``width`` rows of the pattern's
    :func:`cohort_matrix`. Either way each row's result depends on that row alone.

    Examples
    --------
    >>> convolve_pattern(np.array([[1.0, 0.5, 0.25]]), np.array([100.0, 100.0, 0.0]))
    array([[100., 150.,  75.]])
    >>> convolve_pattern(np.array([[1.0, 0.5]]), np.array([100.0, 100.0, 0.0]))
    array([[100., 150.,  50.]])
    """
    T, W = pattern.shape[-1], profiles.shape[-1]
    if W > T:
        raise ValueError(f"profiles cover {W} years, more than the pattern's {T}")
    entries = np.flatnonzero(pattern)
    lead = profiles.shape[:-1]
    shape = (T,) + lead if year_first else lead + (T,)
    if out is not None and (out.shape != shape or not out.flags.c_contiguous):
        raise ValueError(f"out must be C-contiguous of shape {shape}")
    if entries.size * 8 > SPARSE_ENTRIES_PER_8_YEARS * T:
        rows, matrix = profiles.reshape(-1, W), cohort_matrix(pattern)[:W]
        if year_first:
            if out is None:
                return (matrix.T @ rows.T).reshape(shape)
            np.matmul(matrix.T, rows.T, out=out.reshape(T, -1))
            return out
        if out is None:
            return (rows @ matrix).reshape(shape)
        np.matmul(rows, matrix, out=out.reshape(-1, T))
        return out
    if out is None:
        out = np.zeros(shape)
    else:
        out.fill(0.0)
    if year_first:
        by_year = np.moveaxis(profiles, -1, 0)
        for e in entries:
            span = min(W, T - e)
            out[e : e + span] += pattern[e] * by_year[:span]
        return out
    for e in entries:  # the few entry years (cohorts), each a vectorised shifted product
        span = min(W, T - e)
        out[..., e : e + span] += pattern[e] * profiles[..., :span]
    return out
