"""Hypothesis strategies shared by the test modules.

Only finite, well-behaved numbers are generated. Add new strategies in the section they
belong to, with a one-line docstring. Example counts come from the hypothesis profile that
conftest.py loads ("ci" by default).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# ---------------------------------------------------------------------------------- money


def money(min_value=-1e7, max_value=1e7):
    """A finite amount of money (no NaN, no infinity, no subnormals)."""
    return st.floats(
        min_value=min_value,
        max_value=max_value,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    )


def pounds(min_value=-1_000_000, max_value=1_000_000):
    """A whole amount of money, as a float: for comparisons with other libraries' root finders,
    which lose accuracy on polynomials with coefficients like 1e-300."""
    return st.integers(min_value, max_value).map(float)


_DRAWS = st.integers(1, 4)
_YEARS = st.integers(1, 30)
_PROJECT_YEARS = st.integers(2, 30)


def cash_flows(draws=_DRAWS, years=_YEARS, elements=None):
    """Cash-flow arrays of shape (draw, year), the draw axis first."""
    elements = money(-1e6, 1e6) if elements is None else elements
    return st.tuples(draws, years).flatmap(
        lambda shape: hnp.arrays(np.float64, shape, elements=elements)
    )


@st.composite
def investment_flows(draw, years=_PROJECT_YEARS):
    """One conventional project: an outlay in year 0, then non-negative returns (1-d)."""
    n = draw(years)
    outlay = draw(pounds(1, 1_000_000))
    returns = draw(hnp.arrays(np.float64, n - 1, elements=pounds(0, 1_000_000)))
    if not returns.any():
        returns[-1] = outlay
    return np.concatenate([[-outlay], returns])


# ---------------------------------------------------------------------------------- rates


def rates(min_value=0.0, max_value=0.2):
    """A discount rate."""
    return st.floats(min_value=min_value, max_value=max_value, allow_nan=False)


@st.composite
def rate_bands(draw, max_bands=5, min_rate=0.0, max_rate=0.2):
    """A sound band schedule ((0, r0), (y1, r1), ...), from_year strictly ascending."""
    n = draw(st.integers(1, max_bands))
    starts = sorted(draw(st.sets(st.integers(1, 200), min_size=n - 1, max_size=n - 1)))
    values = draw(st.lists(rates(min_rate, max_rate), min_size=n, max_size=n))
    return tuple(zip([0, *starts], values))
