r"""The fairness lens: distributional weights, equity-weighted NPV, inequality measures.

Groups are quintiles, ordered poorest (or most deprived) first: group 1 is the poorest fifth.
Every array function takes arrays whose **last axis is the group** and whose leading axes are
anything (a draw axis first, as everywhere in prevcalc), and returns arrays with the group axis
removed (or, for weights, kept). Where a figure is undefined the result is NaN; nothing here
raises for data reasons.

Money: Green Book distributional weights
----------------------------------------
HM Treasury's Green Book (Annex A3, "Distributional weighting", paras A3.12-A3.22) values a
pound reaching a household by the marginal utility of income, with elasticity
:math:`\eta = 1.3` (Layard, Mayraz and Nickell 2008):

.. math:: w_q = \left(\frac{y_\text{ref}}{y_q}\right)^{\eta}

where :math:`y_q` is the median equivalised household disposable income of quintile *q* and
:math:`y_\text{ref}` the median of all households (the Green Book's proxy for the taxpayer, who
therefore has weight 1). The weighted impact (A3.21) is

.. math:: \text{NPV}_w = \sum_q w_q \, B_q + T

where :math:`B_q` is the present value of net benefit reaching group *q* and :math:`T` the
present value of flows reaching taxpayers (negative when taxpayers fund the programme). With
:math:`\eta = 0` every weight is 1 and :math:`\text{NPV}_w` is the plain NPV.

Deprivation (IMD) quintiles are areas, not incomes: there is no income to put in the formula.
For them weights must be given explicitly (:func:`weighted_npv` takes any weights); the
switching-value functions, which vary :math:`\eta`, need incomes and do not apply.

Health: distributional cost-effectiveness analysis
--------------------------------------------------
For health (QALYs) by group with population shares :math:`f_j` (summing to 1), the equally
distributed equivalent (EDE) is the level of health which, if everyone had it, would be as good
as the actual distribution. Atkinson (relative) with inequality aversion :math:`\varepsilon`:

.. math:: h^\text{A}_\varepsilon = \Big(\sum_j f_j h_j^{1-\varepsilon}\Big)^{1/(1-\varepsilon)},
          \qquad h^\text{A}_1 = \prod_j h_j^{f_j}

Kolm (absolute) with inequality aversion :math:`\alpha`:

.. math:: h^\text{K}_\alpha = -\frac{1}{\alpha}\ln\Big(\sum_j f_j e^{-\alpha h_j}\Big),
          \qquad h^\text{K}_0 = \sum_j f_j h_j

(Atkinson 1970; Kolm 1976; as applied in Asaria, Griffin and Cookson 2016, "Distributional
cost-effectiveness analysis: a tutorial", Medical Decision Making 36(1); and Cookson, Griffin,
Norheim and Culyer 2020, *Distributional Cost-Effectiveness Analysis*, Oxford University Press.)
Robson et al. (2017, Health Economics 26(10):1328-34) elicited median values
:math:`\varepsilon = 10.95` and :math:`\alpha = 0.15` from the English public.

Inequality of net benefit
-------------------------
The share reaching the poorest *k* fifths is :math:`\sum_{q \le k} B_q / \sum_q B_q`. The
concentration index over ordered groups uses the grouped-data "convenient covariance" form
(Kakwani, Wagstaff and van Doorslaer 1997, J. Econometrics 77(1), eq. for grouped data;
O'Donnell et al. 2008, *Analyzing Health Equity Using Household Survey Data*, World Bank, ch. 8):

.. math:: C = \frac{2}{\mu}\sum_j f_j \mu_j R_j - 1 = \frac{2\,\mathrm{cov}_f(\mu_j, R_j)}{\mu},
          \qquad R_j = \sum_{k<j} f_k + \tfrac{1}{2} f_j

with :math:`\mu_j` the net benefit per person in group *j*, :math:`\mu = \sum_j f_j\mu_j` and
:math:`R_j` the fractional rank of the group's midpoint, poorest first. C lies in [-1, 1] when
every :math:`\mu_j \ge 0`; a **negative** C means net benefit is concentrated among the poorer
groups (pro-poor). With mixed signs C is not bounded; with :math:`\mu = 0` it is NaN.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ETA_RANGE",
    "ETA_TABLE",
    "GREEN_BOOK_ETA",
    "HealthQuintiles",
    "IncomeQuintiles",
    "atkinson_ede",
    "aversion_switching_value",
    "concentration_index",
    "distributional_weights",
    "ede",
    "ede_change",
    "england_qale_imd",
    "eta_rank_reversal",
    "eta_switching_value",
    "health_equity_weights",
    "kolm_ede",
    "share_to_poorest",
    "uk_income_quintiles",
    "weighted_npv",
    "weighted_npv_table",
]

FloatArray = NDArray[np.float64]
Kind = Literal["atkinson", "kolm"]

#: The Green Book's elasticity of marginal utility of income (Annex A3, para A3.14).
GREEN_BOOK_ETA = 1.3
#: The etas at which the weighted NPV is reported side by side.
ETA_TABLE: tuple[float, ...] = (0.0, 0.8, 1.3, 2.0)
#: Range searched for an eta switching value or rank reversal.
ETA_RANGE: tuple[float, float] = (0.0, 10.0)

# Root search: a grid brackets the first sign change, bisection refines it to _XTOL.
_GRID_POINTS = 401
_XTOL = 1e-10
_MAX_BISECT = 200


def _scalar(a: FloatArray) -> FloatArray | float:
    return float(a[()]) if a.ndim == 0 else a


def _shares(population: ArrayLike | None, shape: tuple[int, ...]) -> FloatArray:
    """Population shares broadcast to ``shape`` (..., group), each row summing to 1."""
    if population is None:
        return np.full(shape, 1.0 / shape[-1])
    f = np.broadcast_to(np.asarray(population, dtype=float), shape)
    return f / f.sum(axis=-1, keepdims=True)


# ------------------------------------------------------------------------- shipped incomes


@dataclass(frozen=True)
class IncomeQuintiles:
    """Median equivalised household disposable income by quintile, with where it comes from.

    Attributes
    ----------
    medians : tuple of float
        Quintiles 1 (poorest) to 5; NaN where the source's figure is not shipped.
    all_households : float
        The median for everyone: the Green Book's reference income (the taxpayer).
    source : str
        Publisher, release, year and licence, from the file's comment lines.
    """

    medians: tuple[float, ...]
    all_households: float
    source: str

    def weights(self, eta: float = GREEN_BOOK_ETA) -> FloatArray:
        """Green Book weights for the five quintiles (NaN where a median is not shipped).

        Examples
        --------
        >>> inc = IncomeQuintiles((10.0, 20.0, 20.0, 20.0, 40.0), 20.0, "example")
        >>> inc.weights(1.0).tolist()
        [2.0, 1.0, 1.0, 1.0, 0.5]
        """
        return np.asarray(
            distributional_weights(self.medians, self.all_households, eta), dtype=float
        )


@cache
def uk_income_quintiles() -> IncomeQuintiles:
    """The UK incomes shipped in ``prevcalc/data/uk_income_quintiles.csv``.

    Rows ``quintile,median_income``: quintiles 1-5 and ``all`` (ONS, FYE 2023, Table 2 of the
    effects of taxes and benefits reference tables, rounded to £100). A blank figure loads as
    NaN, so its weight is NaN: give incomes or weights.

    Examples
    --------
    >>> inc = uk_income_quintiles()
    >>> len(inc.medians), inc.all_households > 0, "Office for National Statistics" in inc.source
    (5, True, True)
    """
    text = (
        resources.files("prevcalc").joinpath("data", "uk_income_quintiles.csv").read_text("utf-8")
    )
    lines = text.splitlines()
    comments = [ln.lstrip("# ").rstrip() for ln in lines if ln.startswith("#")]
    rows = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    medians = [math.nan] * 5
    reference = math.nan
    for row in csv.DictReader(rows):
        key = str(row["quintile"]).strip()
        raw = str(row.get("median_income") or "").strip()
        value = float(raw) if raw else math.nan
        if key == "all":
            reference = value
        else:
            medians[int(key) - 1] = value
    return IncomeQuintiles(tuple(medians), reference, " ".join(comments))


@dataclass(frozen=True)
class HealthQuintiles:
    """Baseline health (QALE at birth) by deprivation quintile, most deprived first.

    Attributes
    ----------
    female, male : tuple of float
        QALE at birth by sex, quintiles 1 (most deprived) to 5.
    source : str
        Publisher, article, table, from the file's comment lines.
    """

    female: tuple[float, ...]
    male: tuple[float, ...]
    source: str

    @property
    def persons(self) -> tuple[float, ...]:
        """The unweighted mean of the sexes (assumes about equal numbers of each)."""
        return tuple((f + m) / 2 for f, m in zip(self.female, self.male))


@cache
def england_qale_imd() -> HealthQuintiles:
    """QALE at birth by IMD quintile, England, shipped in ``data/england_qale_imd_quintiles.csv``
    (Love-Koh et al. 2023, PharmacoEconomics, Table 3).

    Examples
    --------
    >>> q = england_qale_imd()
    >>> round(q.persons[4] - q.persons[0], 3)  # the gap, most to least deprived fifth
    10.955
    """
    text = (
        resources.files("prevcalc")
        .joinpath("data", "england_qale_imd_quintiles.csv")
        .read_text("utf-8")
    )
    lines = text.splitlines()
    comments = [ln.lstrip("# ").rstrip() for ln in lines if ln.startswith("#")]
    rows = list(csv.DictReader([ln for ln in lines if ln.strip() and not ln.startswith("#")]))
    rows.sort(key=lambda r: int(r["quintile"]))
    return HealthQuintiles(
        tuple(float(r["female"]) for r in rows),
        tuple(float(r["male"]) for r in rows),
        " ".join(comments),
    )


# ------------------------------------------------------------------------- weights and NPV


def distributional_weights(
    incomes: ArrayLike, reference: ArrayLike, eta: ArrayLike = GREEN_BOOK_ETA
) -> FloatArray:
    r"""Green Book distributional weights :math:`w_q = (y_\text{ref} / y_q)^{\eta}`.

    Parameters
    ----------
    incomes : array_like, shape (..., group)
        Median equivalised household income of each group (positive).
    reference : array_like, shape (...)
        Reference income: the median of all households (the taxpayer, weight 1).
    eta : array_like, shape (...)
        Elasticity of marginal utility of income; 1.3 in the Green Book (A3.14).

    Returns
    -------
    ndarray, shape (..., group)
        The weights. Non-positive incomes give NaN.

    Notes
    -----
    For deprivation (IMD) quintiles there are no incomes: pass explicit weights to
    :func:`weighted_npv` instead.

    References
    ----------
    HM Treasury, The Green Book, Annex A3, paras A3.13-A3.20.

    Examples
    --------
    >>> distributional_weights([10_000, 20_000, 40_000], 20_000, 1.0).tolist()
    [2.0, 1.0, 0.5]
    >>> distributional_weights([10_000, 40_000], 20_000, 0.0).tolist()
    [1.0, 1.0]
    >>> distributional_weights([10.0, 20.0], 20.0, [1.0, 2.0]).tolist()  # a draw axis of etas
    [[2.0, 1.0], [4.0, 1.0]]
    """
    y = np.asarray(incomes, dtype=float)
    ref = np.asarray(reference, dtype=float)[..., np.newaxis]
    e = np.asarray(eta, dtype=float)
    e = e[..., np.newaxis] if e.ndim else e
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((y > 0) & (ref > 0), ref / np.where(y > 0, y, 1.0), np.nan)
        return np.asarray(ratio**e, dtype=float)


def weighted_npv(
    group_pv: ArrayLike, weights: ArrayLike, taxpayer_pv: ArrayLike = 0.0
) -> FloatArray | float:
    r"""Equity-weighted NPV :math:`\sum_q w_q B_q + T` (Green Book A3.21).

    Parameters
    ----------
    group_pv : array_like, shape (..., group)
        Present value of net benefit reaching each group (benefits minus any costs they bear).
    weights : array_like, shape (..., group)
        Distributional weights (from :func:`distributional_weights`, or explicit, e.g. for
        deprivation quintiles).
    taxpayer_pv : array_like, shape (...)
        Present value of net flows reaching taxpayers (weight 1): savings positive, the
        programme's cost negative.

    Returns
    -------
    ndarray or float, shape (...)

    Examples
    --------
    The Green Book's transfer: £1,000 from taxpayers to the bottom quintile, weight 2.4.

    >>> round(weighted_npv([1000.0, 0, 0, 0, 0], [2.4, 1, 1, 1, 1], -1000.0), 6)
    1400.0
    >>> weighted_npv([1000.0, 0, 0, 0, 0], [1.0] * 5, -1000.0)
    0.0
    """
    b = np.asarray(group_pv, dtype=float)
    w = np.asarray(weights, dtype=float)
    t = np.asarray(taxpayer_pv, dtype=float)
    return _scalar(np.asarray((w * b).sum(axis=-1) + t, dtype=float))


def weighted_npv_table(
    group_pv: ArrayLike,
    incomes: ArrayLike,
    reference: ArrayLike,
    taxpayer_pv: ArrayLike = 0.0,
    etas: Sequence[float] = ETA_TABLE,
) -> dict[float, FloatArray | float]:
    """The weighted NPV at each eta of ``etas`` (by default 0, 0.8, 1.3 and 2.0).

    Examples
    --------
    >>> table = weighted_npv_table([100.0, 0.0], [10.0, 40.0], 20.0, -100.0, etas=(0.0, 1.0))
    >>> {k: round(v, 6) for k, v in table.items()}
    {0.0: 0.0, 1.0: 100.0}
    """
    return {
        float(e): weighted_npv(group_pv, distributional_weights(incomes, reference, e), taxpayer_pv)
        for e in etas
    }


# ------------------------------------------------------------------------- root search


def _first_root(
    f: Callable[[FloatArray], FloatArray],
    lo: float,
    hi: float,
    shape: tuple[int, ...],
) -> FloatArray:
    """The smallest x in [lo, hi] where f(x) (shape ``shape``) is zero or changes sign.

    ``f`` takes x of shape (n, *([1] * len(shape))) and returns (n, *shape). A grid of
    _GRID_POINTS brackets the first sign change of each element, then bisection refines all
    elements at once to _XTOL. NaN where f does not change sign on the grid, or is NaN there.
    """
    nd = len(shape)
    grid = np.linspace(lo, hi, _GRID_POINTS)
    values = f(grid.reshape((-1,) + (1,) * nd))
    values = np.broadcast_to(values, (grid.size,) + shape)
    s = np.sign(values)
    exact = s == 0
    change = (s[:-1] * s[1:]) < 0
    hit = exact[:-1] | change
    hit = np.concatenate([hit, exact[-1:]], axis=0)
    found = hit.any(axis=0)
    first = np.argmax(hit, axis=0)
    a = grid[first]
    b = grid[np.minimum(first + 1, grid.size - 1)]
    at_grid = np.take_along_axis(exact, first[np.newaxis], axis=0)[0]
    fa = np.take_along_axis(values, first[np.newaxis], axis=0)[0]
    a = np.array(a, dtype=float)
    b = np.array(b, dtype=float)
    fa = np.array(fa, dtype=float)
    todo = found & ~at_grid
    for _ in range(_MAX_BISECT):
        if not todo.any() or float(np.max(np.where(todo, b - a, 0.0))) <= _XTOL:
            break
        mid = 0.5 * (a + b)
        fm = np.asarray(f(mid.reshape((1,) + shape)), dtype=float).reshape(shape)
        left = np.sign(fm) * np.sign(fa) <= 0
        b = np.where(todo & left, mid, b)
        a = np.where(todo & ~left, mid, a)
        fa = np.where(todo & ~left, fm, fa)
    root = np.where(at_grid, a, 0.5 * (a + b))
    return np.asarray(np.where(found, root, np.nan), dtype=float)


def _lead_shape(*arrays: FloatArray) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*(x.shape for x in arrays)))


def eta_switching_value(
    group_pv: ArrayLike,
    incomes: ArrayLike,
    reference: ArrayLike,
    taxpayer_pv: ArrayLike = 0.0,
    eta_range: tuple[float, float] = ETA_RANGE,
) -> FloatArray | float:
    r"""The smallest eta in ``eta_range`` at which the weighted NPV is zero (changes sign).

    Solves :math:`\sum_q (y_\text{ref}/y_q)^{\eta} B_q + T = 0` for :math:`\eta` per draw: a
    grid of 401 points brackets the first sign change, bisection refines it to 1e-10. NaN when
    the weighted NPV keeps one sign over the whole range (no switching value there).

    Parameters
    ----------
    group_pv : array_like, shape (..., group)
    incomes : array_like, shape (..., group)
    reference : array_like, shape (...)
    taxpayer_pv : array_like, shape (...)
    eta_range : (float, float)
        Closed range searched; (0, 10) by default.

    Examples
    --------
    £1,000 to a group with half the reference income, funded by taxpayers with £1,500: the
    weighted NPV is ``1000 * 2**eta - 1500``, zero at ``eta = log2(1.5)``.

    >>> round(eta_switching_value([1000.0], [10.0], 20.0, -1500.0), 8)
    0.5849625
    >>> import math; math.isnan(eta_switching_value([1000.0], [10.0], 20.0, 500.0))
    True
    """
    b = np.asarray(group_pv, dtype=float)
    y = np.asarray(incomes, dtype=float)
    ref = np.asarray(reference, dtype=float)
    t = np.asarray(taxpayer_pv, dtype=float)
    shape = _lead_shape(b[..., 0], y[..., 0], ref, t)

    def f(eta: FloatArray) -> FloatArray:
        w = distributional_weights(y, ref, eta)
        return np.asarray((w * b).sum(axis=-1) + t, dtype=float)

    return _scalar(_first_root(f, eta_range[0], eta_range[1], shape))


def eta_rank_reversal(
    group_pv_a: ArrayLike,
    taxpayer_pv_a: ArrayLike,
    group_pv_b: ArrayLike,
    taxpayer_pv_b: ArrayLike,
    incomes: ArrayLike,
    reference: ArrayLike,
    eta_range: tuple[float, float] = ETA_RANGE,
) -> FloatArray | float:
    """The smallest eta in ``eta_range`` at which options A and B swap rank by weighted NPV.

    The switching value of the difference A − B (see :func:`eta_switching_value`); NaN if
    the same option leads over the whole range.

    Examples
    --------
    A: £100 to the poorer group; B: £150 to the richer (half and twice the reference income).
    At eta = 0 B leads; A leads once ``100 * 2**eta > 150 * 0.5**eta``, i.e. eta > log4(1.5).

    >>> round(eta_rank_reversal([100.0, 0.0], 0.0, [0.0, 150.0], 0.0, [10.0, 40.0], 20.0), 8)
    0.29248125
    """
    a = np.asarray(group_pv_a, dtype=float)
    b = np.asarray(group_pv_b, dtype=float)
    ta = np.asarray(taxpayer_pv_a, dtype=float)
    tb = np.asarray(taxpayer_pv_b, dtype=float)
    return eta_switching_value(a - b, incomes, reference, ta - tb, eta_range)


# ------------------------------------------------------------------------- inequality of money


def share_to_poorest(net_by_group: ArrayLike, k: int = 1) -> FloatArray | float:
    r"""Share of total net benefit reaching the first ``k`` groups (the poorest k fifths).

    :math:`\sum_{q \le k} B_q / \sum_q B_q`; NaN when the total is zero. With mixed signs the
    share can fall outside [0, 1]: it is a share of a net total.

    Examples
    --------
    >>> share_to_poorest([40.0, 25.0, 15.0, 12.0, 8.0], 1)
    0.4
    >>> share_to_poorest([40.0, 25.0, 15.0, 12.0, 8.0], 2)
    0.65
    """
    b = np.asarray(net_by_group, dtype=float)
    total = b.sum(axis=-1)
    part = b[..., :k].sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(total != 0, part / np.where(total != 0, total, 1.0), np.nan)
    return _scalar(np.asarray(out, dtype=float))


def concentration_index(
    per_person: ArrayLike, population: ArrayLike | None = None
) -> FloatArray | float:
    r"""Concentration index of a per-person quantity over groups ordered poorest first.

    :math:`C = \frac{2}{\mu}\sum_j f_j \mu_j R_j - 1`, with :math:`R_j` the fractional rank of
    group *j*'s midpoint (grouped-data convenient-covariance form; Kakwani, Wagstaff and van
    Doorslaer 1997). Negative: concentrated among the poorer groups. NaN when the mean is 0.

    Parameters
    ----------
    per_person : array_like, shape (..., group)
        Net benefit per person in each group (total for the group / its population).
    population : array_like, shape (..., group), optional
        Population of each group (any scale); equal by default (quintiles).

    Examples
    --------
    Everything to the poorest fifth: C = 2 * 0.2 * 5 * 0.1 - 1 = -0.8.

    >>> round(concentration_index([5.0, 0, 0, 0, 0]), 12)
    -0.8
    >>> round(concentration_index([1.0, 1, 1, 1, 1]), 12)
    0.0
    """
    mu_j = np.asarray(per_person, dtype=float)
    f = _shares(population, mu_j.shape)
    rank = np.cumsum(f, axis=-1) - 0.5 * f
    mu = (f * mu_j).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(
            mu != 0,
            2.0 * (f * mu_j * rank).sum(axis=-1) / np.where(mu != 0, mu, 1.0) - 1.0,
            np.nan,
        )
    return _scalar(np.asarray(c, dtype=float))


# ------------------------------------------------------------------------- health (DCEA)


def atkinson_ede(
    health: ArrayLike, population: ArrayLike | None = None, epsilon: ArrayLike = 10.95
) -> FloatArray | float:
    r"""Atkinson equally distributed equivalent of health.

    :math:`(\sum_j f_j h_j^{1-\varepsilon})^{1/(1-\varepsilon)}`, the geometric mean
    :math:`\prod_j h_j^{f_j}` at :math:`\varepsilon = 1`, the mean at 0. Health must be
    positive (NaN otherwise). Computed in logs so that large aversions (10.95) do not overflow.

    Parameters
    ----------
    health : array_like, shape (..., group)
    population : array_like, shape (..., group), optional
        Population of each group (any scale); equal by default.
    epsilon : array_like, shape (...)
        Relative inequality aversion, >= 0; Robson et al. (2017) elicited 10.95.

    Examples
    --------
    >>> round(atkinson_ede([20.0, 40.0, 60.0], epsilon=0.0), 10)
    40.0
    >>> round(atkinson_ede([20.0, 40.0, 60.0], epsilon=1.0), 6)  # (20*40*60)**(1/3)
    36.342412
    >>> round(atkinson_ede([20.0, 40.0, 60.0], epsilon=2.0), 6)  # harmonic mean
    32.727273
    """
    h = np.asarray(health, dtype=float)
    f = _shares(population, h.shape)
    e = np.asarray(epsilon, dtype=float)
    e_ = e[..., np.newaxis] if e.ndim else e
    one = np.abs(1.0 - e) < 1e-12
    one_ = one[..., np.newaxis] if e.ndim else one
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logh = np.where(h > 0, np.log(np.where(h > 0, h, 1.0)), np.nan)
        z = np.where(one_, 1.0, 1.0 - e_) * logh  # (1 - eps) log h, shifted below
        zmax = np.max(z, axis=-1, keepdims=True)
        lse = zmax[..., 0] + np.log((f * np.exp(z - zmax)).sum(axis=-1))
        general = lse / np.where(one, 1.0, 1.0 - e)
        geometric = (f * logh).sum(axis=-1)
        out = np.exp(np.where(one, geometric, general))
    return _scalar(np.asarray(out, dtype=float))


def kolm_ede(
    health: ArrayLike, population: ArrayLike | None = None, alpha: ArrayLike = 0.15
) -> FloatArray | float:
    r"""Kolm equally distributed equivalent of health.

    :math:`-\frac{1}{\alpha}\ln\sum_j f_j e^{-\alpha h_j}`, the mean at :math:`\alpha = 0`.
    Computed with a shifted exponent so that large products do not overflow.

    Parameters
    ----------
    health : array_like, shape (..., group)
    population : array_like, shape (..., group), optional
    alpha : array_like, shape (...)
        Absolute inequality aversion, >= 0; Robson et al. (2017) elicited 0.15.

    Examples
    --------
    >>> round(kolm_ede([20.0, 40.0, 60.0], alpha=0.0), 10)
    40.0
    >>> import math
    >>> round(kolm_ede([0.0, 10.0], alpha=0.1) + math.log((1 + math.exp(-1)) / 2) / 0.1, 10)
    0.0
    """
    h = np.asarray(health, dtype=float)
    f = _shares(population, h.shape)
    a = np.asarray(alpha, dtype=float)
    a_ = a[..., np.newaxis] if a.ndim else a
    zero = np.abs(a) < 1e-15
    safe = np.where(np.abs(a_) < 1e-15, 1.0, a_)
    hmin = np.min(h, axis=-1, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore"):
        terms = (f * np.exp(-safe * (h - hmin))).sum(axis=-1)
        general = hmin[..., 0] - np.log(terms) / np.where(zero, 1.0, a)
    mean = (f * h).sum(axis=-1)
    return _scalar(np.asarray(np.where(zero, mean, general), dtype=float))


def ede(
    health: ArrayLike,
    population: ArrayLike | None = None,
    aversion: ArrayLike = 10.95,
    kind: Kind = "atkinson",
) -> FloatArray | float:
    """Atkinson or Kolm EDE, by ``kind`` (see :func:`atkinson_ede`, :func:`kolm_ede`).

    Examples
    --------
    >>> ede([20.0, 40.0, 60.0], aversion=0.0, kind="kolm")
    40.0
    """
    if kind == "atkinson":
        return atkinson_ede(health, population, aversion)
    if kind == "kolm":
        return kolm_ede(health, population, aversion)
    raise ValueError(f"kind must be 'atkinson' or 'kolm', not {kind!r}")


def ede_change(
    baseline: ArrayLike,
    gain: ArrayLike,
    population: ArrayLike | None = None,
    aversion: ArrayLike = 10.95,
    kind: Kind = "atkinson",
) -> FloatArray | float:
    r"""Change in EDE an intervention brings: EDE(baseline + gain) − EDE(baseline).

    ``gain`` is the change in health per person in each group (net of health opportunity
    cost where that is modelled). At zero aversion this is the mean gain per person.

    Examples
    --------
    >>> round(ede_change([60.0, 70.0], [1.0, 1.0], aversion=5.0, kind="kolm"), 10)
    1.0
    >>> a = ede_change([60.0, 70.0], [2.0, 0.0], aversion=0.0)
    >>> b = ede_change([60.0, 70.0], [0.0, 2.0], aversion=0.0)
    >>> round(a, 10), round(b, 10)
    (1.0, 1.0)
    """
    h0 = np.asarray(baseline, dtype=float)
    h1 = h0 + np.asarray(gain, dtype=float)
    after = np.asarray(ede(h1, population, aversion, kind), dtype=float)
    before = np.asarray(ede(h0, population, aversion, kind), dtype=float)
    return _scalar(np.asarray(after - before, dtype=float))


def health_equity_weights(
    health: ArrayLike,
    population: ArrayLike | None = None,
    aversion: ArrayLike = 10.95,
    kind: Kind = "atkinson",
) -> FloatArray:
    r"""Relative value of a QALY to each group, normalised to 1 for the last (richest) group.

    The marginal social value of health per person, :math:`\partial W / \partial h_j` divided by
    the group's share: :math:`h_j^{-\varepsilon}` (Atkinson) or :math:`e^{-\alpha h_j}` (Kolm).
    The ratio for the poorest to the richest fifth is :math:`(h_5/h_1)^{\varepsilon}` or
    :math:`e^{\alpha(h_5 - h_1)}`.

    Examples
    --------
    >>> np.round(health_equity_weights([50.0, 100.0], aversion=1.0), 12).tolist()
    [2.0, 1.0]
    """
    h = np.asarray(health, dtype=float)
    a = np.asarray(aversion, dtype=float)
    a_ = a[..., np.newaxis] if a.ndim else a
    if kind == "atkinson":
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.exp(-a_ * (np.log(h) - np.log(h[..., -1:])))
    elif kind == "kolm":
        rel = np.exp(-a_ * (h - h[..., -1:]))
    else:
        raise ValueError(f"kind must be 'atkinson' or 'kolm', not {kind!r}")
    return np.asarray(rel, dtype=float)


def aversion_switching_value(
    baseline: ArrayLike,
    gain_a: ArrayLike,
    gain_b: ArrayLike,
    population: ArrayLike | None = None,
    kind: Kind = "atkinson",
    aversion_range: tuple[float, float] | None = None,
) -> FloatArray | float:
    """The smallest inequality aversion at which options A and B swap rank by change in EDE.

    Searches ``aversion_range`` (default (0, 20) for Atkinson, (0, 0.5) for Kolm, covering
    Robson et al.'s elicited 10.95 and 0.15 with room) for a sign change of
    ``ede_change(A) − ede_change(B)``; NaN if the same option leads throughout.

    Examples
    --------
    A: +2 QALYs each to the healthier group; B: +1.5 QALYs each to the less healthy group.
    At zero aversion A leads (mean gain 1 against 0.75); with enough aversion B leads.

    >>> x = aversion_switching_value([60.0, 70.0], [0.0, 2.0], [1.5, 0.0], kind="kolm")
    >>> 0 < x < 0.5
    True
    """
    h0 = np.asarray(baseline, dtype=float)
    ga = np.asarray(gain_a, dtype=float)
    gb = np.asarray(gain_b, dtype=float)
    if aversion_range is None:
        aversion_range = (0.0, 20.0) if kind == "atkinson" else (0.0, 0.5)
    shape = _lead_shape(h0[..., 0], ga[..., 0], gb[..., 0])
    pop = None if population is None else np.asarray(population, dtype=float)

    def f(x: FloatArray) -> FloatArray:
        # x: (n, 1, ..., 1) on the grid, (1, *shape) in bisection; broadcasts over the data.
        da = np.asarray(ede_change(h0, ga, pop, x, kind), dtype=float)
        db = np.asarray(ede_change(h0, gb, pop, x, kind), dtype=float)
        return da - db

    return _scalar(_first_root(f, aversion_range[0], aversion_range[1], shape))
