"""The optional compiled kernels (prevcalc[fast]) give the same figures as numpy, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import prevcalc
from prevcalc import _compiled, metrics

pytest.importorskip("numba")


def _flows(rng: np.random.Generator, rows: int, years: int) -> np.ndarray:
    """Costs first then gains (one root), with a third of the rows random (several roots or
    none), some all zero and some not finite."""
    net = rng.normal(0, 1, (rows, years)) * rng.uniform(0.1, 10, (rows, 1))
    costly = rng.integers(1, max(2, min(6, years)), rows)
    for i in range(rows):
        net[i, : costly[i]] = -np.abs(net[i, : costly[i]]) * rng.uniform(1, 20)
        net[i, costly[i] :] = np.abs(net[i, costly[i] :])
    mixed = rng.random(rows) < 0.3
    net[mixed] = rng.normal(0, 1, (int(mixed.sum()), years))
    net[:50] = 0.0
    net[50:60, -1] = np.nan
    return net


def _both(monkeypatch, compute):
    monkeypatch.setenv("PREVCALC_COMPILED", "0")
    plain = compute()
    monkeypatch.setenv("PREVCALC_COMPILED", "1")
    assert _compiled.available()
    return plain, compute()


@pytest.mark.parametrize("years", [3, 60, 500])
def test_irr_is_the_same_bit_for_bit(monkeypatch, years):
    net = _flows(np.random.default_rng(years), 6000, years)
    (a, status_a), (b, status_b) = _both(monkeypatch, lambda: metrics.irr_with_status(net))
    assert np.isfinite(a).mean() > 0.5  # most rows have an IRR to compare
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(status_a, status_b)


@pytest.mark.parametrize("years", [1, 60, 500])
def test_payback_years_are_the_same_bit_for_bit(monkeypatch, years):
    net = _flows(np.random.default_rng(years), 6000, years).T.copy()  # year first
    a, b = _both(monkeypatch, lambda: metrics.payback_year(net, axis=0))
    assert a.shape == (6000,) and np.isfinite(a).any() and np.isnan(a).any()
    np.testing.assert_array_equal(a, b)


def test_a_run_is_the_same_bit_for_bit(monkeypatch, write_scenario):
    from test_engine_contracts import VARYING, assert_same_figures

    # Without the cost every year, the scenario's flows change sign once: an IRR in each draw.
    running = "      running: [{amount: 150, from_year: 0, to_year: 39, funder: council}]\n"
    assert running in VARYING
    sc = prevcalc.load(write_scenario(VARYING.replace(running, "")))
    plain, compiled = _both(monkeypatch, lambda: prevcalc.run(sc, draws=9000, seed=3))
    assert_same_figures(compiled, plain)
    assert np.isfinite(plain.metric("irr")).mean() > 0.9


def test_switched_off_or_too_few_rows_uses_numpy(monkeypatch):
    years = np.ones((5, 10))
    assert _compiled.payback(years, 1e-9) is None  # too few rows to repay compiling
    monkeypatch.setenv("PREVCALC_COMPILED", "0")
    assert not _compiled.available()
    assert _compiled.payback(np.ones((5, 5000)), 1e-9) is None
