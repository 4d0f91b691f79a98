"""Optional compiled kernels (``pip install "prevcalc[fast]"``, which adds numba).

Each kernel does, row by row, exactly the arithmetic of the numpy code it stands in for (the
same operations on the same numbers, in the same order, without fused multiply-adds), so the
figures are the same bit for bit with or without numba (tested). numpy's version is vectorised
over rows and steps every row together, holding the GIL between its many small operations; a
compiled loop per row does the same work without the interpreter, and without the GIL, so the
engine's threads run it side by side.

Loading numba and the kernels costs about 0.6 s and 80 MiB in a new process, more than the
kernels save on most runs (and, at a million draws, enough memory to matter), so they are
used only when asked for, with ``PREVCALC_COMPILED=1``, or in a process that has loaded numba
already; ``PREVCALC_COMPILED=0`` turns them off. Nothing here is needed: each kernel returns
None where it is not used, and numpy does the work.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from typing import Any

import numpy as np

#: Fewer rows than this in one call are left to numpy (the call costs little either way).
MIN_ROWS = 2048

_kernel: Any = None
_lock = threading.Lock()
_failed = False


def _build() -> Any:
    """The compiled Newton iteration, or None without numba."""
    try:
        import numba
    except ImportError:
        return None

    def compile_(signature: str) -> Any:
        return numba.njit(signature, cache=True, nogil=True, error_model="numpy", fastmath=False)

    @compile_(
        "void(float64[:, ::1], float64[::1], float64[::1], float64[::1], float64[::1], "
        "boolean[::1], float64, float64, int64, float64[::1])"
    )
    def newton_rows(flows, lo, hi, sign_lo, rate0, todo, ulps, xtol, max_iter, out):
        # flows (row, year): each row's years contiguous, read in cache order
        rows, n = flows.shape
        for i in range(rows):
            if not todo[i]:
                continue
            lo_i, hi_i, rate = lo[i], hi[i], rate0[i]
            result = np.nan
            finished = False
            for _ in range(max_iter):
                negative = rate < 0
                z = 1.0 + rate if negative else 1.0 / (1.0 + rate)
                value = 0.0
                slope = 0.0
                size = 0.0
                for j in range(n):
                    k = j if negative else n - 1 - j
                    slope = slope * z
                    slope = slope + value
                    value = value * z
                    value = value + flows[i, k]
                    size = size * z
                    size = size + abs(flows[i, k])
                if negative:
                    derivative = slope - (n - 1) * value / z
                else:
                    derivative = -z * z * slope
                step = value / derivative
                if abs(value) <= ulps * size:
                    sign = 0.0
                elif value > 0:
                    sign = 1.0
                elif value < 0:
                    sign = -1.0
                else:
                    sign = value  # NaN
                at_root = sign == 0
                below = sign == sign_lo[i]
                if below:
                    lo_i = rate
                if not (below or at_root):
                    hi_i = rate
                candidate = rate - step
                if not (np.isfinite(candidate) and candidate > lo_i and candidate < hi_i):
                    candidate = 0.5 * (lo_i + hi_i)
                tolerance = xtol * max(1.0, abs(rate))
                if at_root or abs(candidate - rate) <= tolerance or hi_i - lo_i <= tolerance:
                    result = rate if at_root else candidate
                    finished = True
                    break
                rate = candidate
            out[i] = result if finished else rate

    @compile_("void(float64[:, ::1], float64, float64[::1])")
    def payback_rows(flows, rtol, out):
        # flows (year, series): year by year over contiguous rows, each series' sums in the
        # same order as numpy's, its state kept in arrays across the years (which the
        # compiler vectorises: several times faster than a loop over series, then years)
        n, series = flows.shape
        size = np.empty(series)
        running = np.empty(series)
        floor = np.empty(series)
        for i in range(series):
            size[i] = abs(flows[0, i])
        for t in range(1, n):
            for i in range(series):
                size[i] = size[i] + abs(flows[t, i])
        for i in range(series):
            floor[i] = -rtol * size[i]
            running[i] = flows[0, i]
            out[i] = 0.0 if running[i] >= floor[i] else 1.0
        for t in range(1, n):
            year = t + 1.0
            for i in range(series):
                total = running[i] + flows[t, i]
                running[i] = total
                out[i] = out[i] if total >= floor[i] else year

    return newton_rows, payback_rows


def _get() -> Any:
    """The compiled kernels, built once (under a lock: the engine's threads may ask together);
    None where numba is missing or cannot compile them (numpy then does the work)."""
    global _kernel, _failed
    if _kernel is None and not _failed:
        with _lock:
            if _kernel is None and not _failed:
                with warnings.catch_warnings():  # e.g. a cache folder that is not writable
                    warnings.simplefilter("ignore")
                    try:
                        _kernel = _build()
                    except Exception:  # noqa: BLE001 - any failure leaves numpy to do the work
                        _kernel = None
                _failed = _kernel is None
    return _kernel


def _setting() -> str:
    return os.environ.get("PREVCALC_COMPILED", "").strip()


def available() -> bool:
    """Whether the compiled kernels are in use now (see the module's description)."""
    setting = _setting()
    if setting == "0" or (setting != "1" and "numba" not in sys.modules):
        return False
    return _get() is not None


def refine(
    flows: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    sign_lo: np.ndarray,
    rate: np.ndarray,
    todo: np.ndarray,
    ulps: float,
    xtol: float,
    max_iter: int,
) -> np.ndarray | None:
    """:func:`prevcalc.metrics._refine`'s Newton iteration, compiled; None where not used.

    ``flows`` is (row, year); the others (row,). Rows not ``todo`` are NaN.
    """
    if flows.shape[0] < MIN_ROWS or not available():
        return None
    out = np.full(flows.shape[0], np.nan)
    _kernel[0](
        np.ascontiguousarray(flows, dtype=float),
        np.ascontiguousarray(lo, dtype=float),
        np.ascontiguousarray(hi, dtype=float),
        np.ascontiguousarray(sign_lo, dtype=float),
        np.ascontiguousarray(rate, dtype=float),
        np.ascontiguousarray(todo, dtype=np.bool_),
        float(ulps),
        float(xtol),
        int(max_iter),
        out,
    )
    return out


def payback(flows: np.ndarray, rtol: float) -> np.ndarray | None:
    """:func:`prevcalc.metrics.payback_year`'s running sums, compiled; None where not used.

    ``flows`` is (year, series), contiguous; returns each series' year after the last one whose
    cumulative flow is below ``-rtol`` × the sum of the flows' sizes (0 if none), as a float.
    """
    if flows.shape[1] < MIN_ROWS or not available():
        return None
    out = np.empty(flows.shape[1])
    _kernel[1](np.ascontiguousarray(flows, dtype=float), float(rtol), out)
    return out
