r"""Summary metrics of yearly flows: present value, ratios, payback year and IRR.

Every function takes arrays whose last axis is the year and whose leading axes are anything
(draw first, then intervention, ...), and returns arrays with the year axis removed. Where a
metric is undefined the result is NaN; nothing here raises for data reasons (numpy-financial's
``irr`` returns NaN in the same way).
"""

from __future__ import annotations

import numpy as np

from . import _compiled

__all__ = [
    "present_value",
    "bcr",
    "roi",
    "payback_year",
    "irr",
    "irr_with_status",
    "IRR_OK",
    "IRR_NO_SIGN_CHANGE",
    "IRR_NOT_UNIQUE",
    "IRR_NO_ROOT",
    "IRR_RANGE",
]

IRR_OK = 0
IRR_NO_SIGN_CHANGE = 1
IRR_NOT_UNIQUE = 2
IRR_NO_ROOT = 3

#: Open interval of rates searched for an IRR.
IRR_RANGE = (-0.99, 10.0)

# Cumulative net flows within this share of the year's total absolute flows count as zero in
# payback_year: summing n flows leaves rounding of order n * 2.2e-16 of their absolute sum.
_PAYBACK_RTOL = 1e-9
# From this many series on, payback_year runs through the years once over all series at once.
_PAYBACK_LOOP_SERIES = 256

# IRR search grid: 403 rates evenly spaced in log(1 + r) from -0.99 to 10 inclusive (a step of
# about 1.75% near r = 0), plus r = 0 itself. Sign changes between grid points bracket the
# roots; the ends are included so that roots just inside the range are bracketed too.
_IRR_GRID = np.union1d(
    np.expm1(np.linspace(np.log1p(IRR_RANGE[0]), np.log1p(IRR_RANGE[1]), 403)[1:-1]),
    [IRR_RANGE[0], 0.0, IRR_RANGE[1]],
)
# For flows with one sign change (a unique root): bracketing only, so fewer points will do.
_IRR_GRID_COARSE = np.union1d(_IRR_GRID[::8], [IRR_RANGE[0], 0.0, IRR_RANGE[1]])
# Refine to the root itself: stop when a step or the bracket is a few ulps of the rate, or NPV
# is within a few ulps of the flows' discounted size (its rounding noise); Newton converges
# quadratically, so the last digits cost a step or two.
_ULPS = 4 * np.finfo(float).eps
_IRR_XTOL = _ULPS
_IRR_MAX_ITER = 200
# Largest (rows x grid points) block of NPVs held at once in the grid search.
_IRR_BLOCK_ELEMENTS = 1 << 23


def _scalar(a):
    return a[()] if isinstance(a, np.ndarray) and a.ndim == 0 else a


def present_value(flows, factors):
    r"""Discounted sum of yearly flows.

    Parameters
    ----------
    flows : array_like, shape (..., year)
    factors : array_like, shape (year,)
        Discount factor for each year's flows, e.g. from
        :func:`prevcalc.discounting.timing_factors`.

    Returns
    -------
    ndarray, shape (...)

    Notes
    -----
    .. math:: PV = \sum_t \mathrm{flows}[\ldots, t]\, \mathrm{factors}[t]

    Examples
    --------
    >>> present_value([[-100.0, 60.0, 60.0]], [1.0, 1 / 1.1, 1 / 1.1**2]).round(4)
    array([4.1322])
    """
    flows = np.asarray(flows, dtype=float)
    factors = np.asarray(factors, dtype=float)
    if factors.ndim == 1:
        return _scalar(np.matmul(flows, factors))
    return _scalar(np.einsum("...t,...t->...", flows, factors))


def _ratio(numerator, denominator):
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    shape = np.broadcast_shapes(numerator.shape, denominator.shape)
    out = np.full(shape, np.nan)
    np.divide(numerator, denominator, out=out, where=np.broadcast_to(denominator != 0, shape))
    return _scalar(out)


def bcr(pv_benefits, pv_costs):
    """Benefit-cost ratio, NaN where the present value of costs is 0.

    Parameters
    ----------
    pv_benefits, pv_costs : array_like, broadcastable, shape (...)

    Returns
    -------
    ndarray, shape (...)

    Notes
    -----
    bcr = pv_benefits / pv_costs.

    References
    ----------
    HM Treasury, The Green Book (2022), "benefit-cost ratio".

    Examples
    --------
    >>> bcr([300.0, 10.0], [100.0, 0.0])
    array([ 3., nan])
    """
    return _ratio(pv_benefits, pv_costs)


def roi(npv, pv_costs):
    """Return on investment, NaN where the present value of costs is 0.

    Parameters
    ----------
    npv, pv_costs : array_like, broadcastable, shape (...)

    Returns
    -------
    ndarray, shape (...)

    Notes
    -----
    roi = npv / pv_costs = bcr - 1.

    Examples
    --------
    >>> roi([200.0, 5.0], [100.0, 0.0])
    array([ 2., nan])
    """
    return _ratio(npv, pv_costs)


def payback_year(net, axis=-1):
    r"""First year from which the cumulative net flow is non-negative for good.

    Parameters
    ----------
    net : array_like, shape (..., year)
        Net flows (benefits minus costs) per year, undiscounted or discounted.
    axis : int, default -1
        The year axis. Flows stored year first (``axis=0``, C order) are read as they are, with
        no transposed copy.

    Returns
    -------
    ndarray of float, shape of ``net`` without the year axis
        The year index, or NaN if the cumulative net never stays non-negative to the last
        year (in particular if it ends negative).

    Notes
    -----
    With :math:`C(t) = \sum_{s \le t} \mathrm{net}[s]`, the payback year is the smallest t
    such that :math:`C(u) \ge 0` for every u from t to the last year. A cumulative that dips
    back below zero resets it. To keep rounding from deciding the answer, C(t) counts as
    non-negative when :math:`C(t) \ge -10^{-9} \sum_s |\mathrm{net}[s]|`; an exact break-even
    (costs 100, benefits 40 + 60) therefore pays back in the year it breaks even. All-zero
    flows pay back in year 0.

    Examples
    --------
    >>> payback_year([[-100.0, 40.0, 60.0, 10.0], [-100.0, 50.0, 10.0, 0.0]])
    array([ 2., nan])
    >>> float(payback_year([-10.0, 20.0, -20.0, 15.0]))
    3.0
    >>> payback_year([[-100.0, -100.0], [40.0, 50.0], [60.0, 10.0]], axis=0)
    array([ 2., nan])
    """
    net = np.asarray(net, dtype=float)
    if net.ndim == 0:
        raise ValueError("net needs a year axis")
    # Year first: each running sum is then over whole contiguous rows (the same additions, in
    # the same order, as along the year axis, but vectorised across series).
    by_year = np.moveaxis(net, axis, 0)
    n = by_year.shape[0]
    if n == 0:
        return _scalar(np.full(by_year.shape[1:], np.nan))
    if by_year[0].size < _PAYBACK_LOOP_SERIES:
        tolerance = _PAYBACK_RTOL * np.sum(np.abs(by_year), axis=0)
        cumulative = np.cumsum(by_year, axis=0)
        below = ~(cumulative >= -tolerance)
        # One past the last year still below zero (0 if none): the max of (t + 1) over those.
        t1 = np.arange(1, n + 1).reshape((n,) + (1,) * (net.ndim - 1))
        year = np.asarray(np.max(below * t1, axis=0), dtype=float)
    else:
        # Many series: the running sum is kept year by year over one contiguous copy (none if
        # the flows are stored year first), the last year below zero recorded as it goes, and
        # the tolerance's sum of sizes found first in one pass of the same kind (no other
        # (year, series) arrays, and no strided passes over them).
        flows = np.ascontiguousarray(by_year).reshape(n, -1)
        compiled = _compiled.payback(flows, _PAYBACK_RTOL)  # the same sums (prevcalc[fast])
        if compiled is not None:
            year = compiled.reshape(by_year.shape[1:])
            year[year >= n] = np.nan
            return _scalar(year)
        size = np.abs(flows[0])
        for t in range(1, n):
            size += np.abs(flows[t])
        floor = -_PAYBACK_RTOL * size
        running = flows[0].copy()
        year = np.zeros(running.shape)
        ok = np.empty(running.shape, dtype=bool)
        for t in range(n):
            if t:
                running += flows[t]
            np.greater_equal(running, floor, out=ok)
            np.logical_not(ok, out=ok)
            np.copyto(year, t + 1, where=ok)
        year = year.reshape(by_year.shape[1:])
    year[year >= n] = np.nan
    return _scalar(year)


def _rows(a, index):
    """``a[index]`` for sorted row indices, without a copy when they are all the rows."""
    return a if index.size == a.shape[0] else a[index]


def _flow_signs(net2d):
    """Per row: has a sign change at all, and has exactly one (Descartes: a unique root)."""
    n = net2d.shape[1]
    pos, neg = net2d > 0, net2d < 0
    has_pos, has_neg = pos.any(axis=1), neg.any(axis=1)
    first_pos, first_neg = np.argmax(pos, axis=1), np.argmax(neg, axis=1)
    last_pos = n - 1 - np.argmax(pos[:, ::-1], axis=1)
    last_neg = n - 1 - np.argmax(neg[:, ::-1], axis=1)
    changes = has_pos & has_neg
    single = changes & ((last_neg < first_pos) | (last_pos < first_neg))
    return changes, single


def _grid_brackets(net2d, grid):
    """Scan NPV signs over the rate grid, a block of grid points at a time.

    Returns, per row, the number of sign changes of NPV between consecutive grid points and
    the first bracket (lo, hi), with NPV's sign at lo. NPV exactly 0 counts as positive: a
    root exactly on a grid point is still one change, and lies at the bracket's end.
    """
    rows, n = net2d.shape
    t = np.arange(n, dtype=float)
    changes = np.zeros(rows, dtype=np.intp)
    lo, hi = np.full(rows, np.nan), np.full(rows, np.nan)
    sign_lo = np.zeros(rows, dtype=np.int8)
    previous = None
    block = max(1, min(grid.size, _IRR_BLOCK_ELEMENTS // max(rows, 1)))
    for begin in range(0, grid.size, block):
        rates = grid[begin : begin + block]
        # NPV scaled by (1 + r)^m, m = n - 1 for r < 0 and 0 otherwise: the scale is positive,
        # so the sign is unchanged, and no power (1 + r)^(m - t) can overflow.
        shift = np.where(rates < 0, n - 1, 0)
        powers = np.exp((shift[None, :] - t[:, None]) * np.log1p(rates)[None, :])
        positive = (net2d @ powers) >= 0
        if previous is None:
            change = np.zeros(positive.shape, dtype=bool)
            change[:, 1:] = positive[:, 1:] != positive[:, :-1]
        else:
            change = positive != np.concatenate([previous[:, None], positive[:, :-1]], axis=1)
        first = (changes == 0) & change.any(axis=1)
        if first.any():
            column = np.argmax(change[first], axis=1)
            lo[first] = grid[begin + column - 1]
            hi[first] = grid[begin + column]
            sign_lo[first] = np.where(positive[first, column], -1, 1)
        changes += change.sum(axis=1)
        previous = positive[:, -1]
    return changes, lo, hi, sign_lo


def _horner(years, z, reverse):
    """Horner's rule over the years for each row: the polynomial with coefficients
    ``years[n - 1 - i]`` (``reverse``) or ``years[i]`` at ``z``, and its derivative."""
    n = years.shape[0]
    value = np.zeros(z.shape)
    slope = np.zeros(z.shape)
    for i in range(n):
        k = n - 1 - i if reverse else i
        slope *= z
        slope += value
        value *= z
        value += years[k]
    return value, slope


def _horner_value(years, z, reverse):
    """The value alone of :func:`_horner` (the same operations on the same numbers), as a
    1-tuple."""
    n = years.shape[0]
    value = np.zeros(z.shape)
    for i in range(n):
        value *= z
        value += years[n - 1 - i if reverse else i]
    return (value,)


def _by_direction(evaluate, years, z, negative):
    """``evaluate(years, z, reverse)`` (a tuple of per-row arrays), row by row: in 1 / (1 + r)
    (reversed) for the rows with r >= 0, in 1 + r for those with r < 0 (usually few), which are
    evaluated apart and overwrite the others' figures for them. Every figure is the same
    sequence of operations on the same numbers as when evaluated alone."""
    count = int(np.count_nonzero(negative))
    if count == negative.size:
        return evaluate(years, z, False)
    out = evaluate(years, z, True)
    if count:
        rows = np.flatnonzero(negative)
        for whole, part in zip(out, evaluate(years[:, rows], z[rows], False)):
            whole[rows] = part
    return out


def _npv_newton_step(years, abs_years, total_abs, rate):
    """NPV's sign and the Newton step NPV / NPV' at `rate`, per row, by Horner's rule.

    ``years`` holds the rows' flows year by year, shape (year, row), contiguous,
    ``abs_years`` their absolute values and ``total_abs`` (row,) the sum of those.

    For r >= 0 the polynomial is P(y) = sum_t net[t] y^t in y = 1 / (1 + r) <= 1; for r < 0 it
    is Q(w) = sum_t net[t] w^(n-1-t) = w^(n-1) NPV in w = 1 + r < 1. Neither overflows, both
    have NPV's sign, and dNPV/dr is -y^2 P'(y), or w^-(n-1) (Q'(w) - (n-1) Q(w) / w).
    """
    n = years.shape[0]
    negative = rate < 0
    z = np.where(negative, 1.0 + rate, 1.0 / (1.0 + rate))
    value, slope = _by_direction(_horner, years, z, negative)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        derivative = np.where(negative, slope - (n - 1) * value / z, -z * z * slope)
        step = value / derivative
    # A root when the value is below the rounding noise of its own terms, sum |net[t]| z^e(t)
    # (the discounted size of the flows at this rate, scaled as the value is). That size is
    # at most sum |net[t]| (z <= 1; rounding adds far less than the factor 2 here), so it is
    # evaluated only for the rows whose value is small enough for the test to matter: most
    # rows, until the last steps, are far from their root.
    negligible = np.zeros(rate.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        near = np.abs(value) <= 2 * _ULPS * total_abs
    count = int(np.count_nonzero(near))
    if count * 2 > near.size:  # most rows: all of them, without gathering their flows
        (size,) = _by_direction(_horner_value, abs_years, z, negative)
        negligible = np.abs(value) <= _ULPS * size
    elif count:
        rows = np.flatnonzero(near)
        (size,) = _by_direction(_horner_value, abs_years[:, rows], z[rows], negative[rows])
        negligible[rows] = np.abs(value[rows]) <= _ULPS * size
    return np.where(negligible, 0.0, np.sign(value)), step


def _refine(rows, lo, hi, sign_lo, todo):
    """Safeguarded Newton iteration inside each bracket, vectorised over rows.

    Rows where `todo` is False are skipped (their result is NaN). Finished rows are dropped
    from the working copy once fewer than half remain, so memory never exceeds 1.5 x rows.
    """
    result = np.full(rows.shape[0], np.nan)
    index = np.arange(rows.shape[0])
    rate = np.where(todo, 0.5 * (lo + hi), 0.0)
    compiled = _compiled.refine(rows, lo, hi, sign_lo, rate, todo, _ULPS, _IRR_XTOL, _IRR_MAX_ITER)
    if compiled is not None:  # the same steps, row by row (prevcalc[fast])
        return compiled
    years = np.ascontiguousarray(rows.T)  # (year, row): each year's coefficients contiguous
    abs_years = np.abs(years)
    total_abs = abs_years.sum(axis=0)
    for _ in range(_IRR_MAX_ITER):
        sign, step = _npv_newton_step(years, abs_years, total_abs, rate)
        at_root = sign == 0
        below = sign == sign_lo
        lo = np.where(below, rate, lo)
        hi = np.where(below | at_root, hi, rate)
        candidate = rate - step
        with np.errstate(invalid="ignore"):
            inside = np.isfinite(candidate) & (candidate > lo) & (candidate < hi)
            candidate = np.where(inside, candidate, 0.5 * (lo + hi))
            tolerance = _IRR_XTOL * np.maximum(1.0, np.abs(rate))
            done = at_root | (np.abs(candidate - rate) <= tolerance) | (hi - lo <= tolerance)
        finished = todo & done
        result[index[finished]] = np.where(at_root, rate, candidate)[finished]
        todo = todo & ~done
        if not todo.any():
            return result
        rate = np.where(todo, candidate, 0.0)
        if np.count_nonzero(todo) < years.shape[1] // 2:
            index, rate, lo, hi, sign_lo, total_abs = (
                a[todo] for a in (index, rate, lo, hi, sign_lo, total_abs)
            )
            years, abs_years = years[:, todo], abs_years[:, todo]
            todo = np.ones(years.shape[1], dtype=bool)
    result[index[todo]] = rate[todo]
    return result


def irr_with_status(net):
    r"""Internal rate of return of yearly net flows, with the reason where there is none.

    Parameters
    ----------
    net : array_like, shape (..., year)
        Undiscounted net flows, year 0 first.

    Returns
    -------
    irr : ndarray of float, shape (...)
        The rate r in (-0.99, 10) with :math:`\sum_t \mathrm{net}[t] / (1 + r)^t = 0`, or NaN.
    status : ndarray of int, shape (...)
        0 a unique root was found; 1 the flows never change sign; 2 more than one root in
        (-0.99, 10); 3 no root in (-0.99, 10) (also for non-finite flows).

    Notes
    -----
    The method, vectorised over all leading axes:

    1. Flows without both a positive and a negative value have no IRR (status 1). Flows
       whose signs change exactly once have at most one root for r > -1, by Descartes' rule
       of signs in x = 1 / (1 + r).
    2. The sign of NPV(r) is evaluated on a grid of 403 rates spaced evenly in log(1 + r)
       from -0.99 to 10, plus r = 0, a block of grid points at a time (one matrix product
       per block, holding at most about 8 million NPVs). Sign changes between grid points
       bracket roots: none gives status 3, one gives status 0, more give status 2 (except for
       flows that change sign once, which are unique whatever rounding does near the root).
    3. Each bracketed root is refined by Newton's method, falling back to bisection whenever
       a step leaves the bracket, until it moves less than 1e-12 (relative above 1). NPV and
       its derivative are evaluated by Horner's rule in 1 / (1 + r) for r >= 0 and in 1 + r,
       on the reversed flows, for r < 0, so neither overflows even for 500 years.

    Memory stays linear in the input: nothing of shape (grid, rows, years) is formed.

    Limits: two roots closer together than the grid step (about 1.75% near 0, wider at the
    extremes), or a double root where NPV touches zero without crossing it, are not seen as
    sign changes; such flows may be reported as status 0 or 3 instead of 2. A root exactly at
    -0.99 or 10 may be reported as if it were inside the range. Unlike numpy-financial, which
    returns the root nearest 0 when there are several, this returns NaN with status 2.

    References
    ----------
    L. J. Gitman, Principles of Managerial Finance, Brief, 3rd ed., 2003, p. 348 (the
    definition, as in numpy-financial's ``irr``).

    Examples
    --------
    >>> flows = [[-100, 39, 59, 55, 20], [-1, 2.3, -1.32, 0, 0], [1, 2, 3, 0, 0]]
    >>> rate, status = irr_with_status(flows)
    >>> rate.round(5), status
    (array([0.28095,     nan,     nan]), array([0, 2, 1]))
    """
    net = np.asarray(net, dtype=float)
    if net.ndim == 0:
        raise ValueError("net needs a year axis")
    shape = net.shape[:-1]
    net2d = np.ascontiguousarray(net.reshape(-1, net.shape[-1]))
    rows = net2d.shape[0]
    result = np.full(rows, np.nan)
    status = np.full(rows, IRR_NO_SIGN_CHANGE, dtype=np.intp)
    if rows and net2d.shape[1]:
        finite = np.isfinite(net2d).all(axis=1)
        if not finite.all():
            net2d = np.where(finite[:, None], net2d, 0.0)
            status[~finite] = IRR_NO_ROOT
        changes, single = _flow_signs(net2d)
        # Flows whose signs change once have one root at most (Descartes): a coarse grid finds
        # its bracket; the fine grid is needed only to count the roots of the others.
        for mask, grid in ((single, _IRR_GRID_COARSE), (~single, _IRR_GRID)):
            candidates = np.flatnonzero(finite & changes & mask)
            if not candidates.size:
                continue
            subset = _rows(net2d, candidates)
            roots, lo, hi, sign_lo = _grid_brackets(subset, grid)
            unique = (roots == 1) | ((roots > 1) & single[candidates])
            status[candidates] = np.where(
                unique, IRR_OK, np.where(roots == 0, IRR_NO_ROOT, IRR_NOT_UNIQUE)
            )
            if unique.any():
                roots = _refine(subset, lo, hi, sign_lo, unique)
                # A root exactly on the grid's r = 0 (flows summing to exactly 0) is 0, not
                # the rounding residue of Newton's last step.
                result[candidates] = np.where(unique & (subset.sum(axis=1) == 0), 0.0, roots)
    return _scalar(result.reshape(shape)), _scalar(status.reshape(shape))


def irr(net):
    """Internal rate of return of yearly net flows; NaN where there is no unique one.

    Parameters
    ----------
    net : array_like, shape (..., year)

    Returns
    -------
    ndarray of float, shape (...)

    Notes
    -----
    See :func:`irr_with_status` for the method, its limits and the reasons for NaN.

    Examples
    --------
    >>> round(float(irr([-100, 39, 59, 55, 20])), 5)
    0.28095
    """
    return irr_with_status(net)[0]
