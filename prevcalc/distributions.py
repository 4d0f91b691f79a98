"""Probability distributions for uncertain inputs: validation, means and quantiles.

Every distribution a scenario may name (``dist:`` in the scenario format) is described here by
its kind and a plain mapping of parameters. All sampling goes through the quantile function
:func:`ppf`: random draws, Latin hypercube draws and fixed percentiles (the 5th and 95th for a
tornado diagram) are all ``ppf`` applied to probabilities, so they share one code path. The
probabilities themselves come from :func:`uniforms`.

Parameters are those of the *value*, as a user states them: a lognormal's ``mean`` and ``sd``
are the mean and standard deviation of the value, not of its logarithm.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping

import numpy as np

__all__ = ["KINDS", "SAMPLERS", "check", "draw", "mean", "ppf", "support", "uniforms"]

#: Distribution kind → the names of its required parameters, in the order users write them.
KINDS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "beta": ("mean", "sd"),
    "gamma": ("mean", "sd"),
    "fixed": ("value",),
}

#: Names accepted by :func:`uniforms` for its ``sampler`` argument.
SAMPLERS: tuple[str, ...] = ("random", "lhs")

# Beta-PERT's weight on the mode (the classical PERT choice).
_PERT_LAMBDA = 4.0


def _fmt(x: float) -> str:
    """Format a number for a message: up to six significant figures, no trailing zeros."""
    return f"{x:g}"


def check(kind: str, params: Mapping[str, float]) -> list[tuple[str, str]]:
    """List every problem with a distribution's parameters.

    Parameters
    ----------
    kind : str
        One of the keys of :data:`KINDS`.
    params : Mapping[str, float]
        Parameter name → value. Keys other than the kind's parameters are ignored (the caller
        validates the keys of the surrounding mapping).

    Returns
    -------
    list of (str, str)
        One ``(parameter, message)`` pair per problem, in the order the parameters are written;
        ``parameter`` is ``""`` when the problem is the kind itself. The message says what was
        expected and what was found. An empty list means the parameters are valid.

    Notes
    -----
    Degenerate distributions are valid: ``sd = 0`` for normal, lognormal, beta and gamma (the
    value is then the mean) and ``low = high`` for uniform, triangular and PERT. Lognormal and
    gamma need ``mean > 0``. Beta by the method of moments needs ``0 < mean < 1`` and
    ``sd² < mean (1 − mean)``, i.e. ``sd < √(mean (1 − mean))``.

    Examples
    --------
    >>> check("normal", {"mean": 1200, "sd": 200})
    []
    >>> check("normal", {"mean": 1200, "sd": -3})
    [('sd', 'must be ≥ 0 (got -3)')]
    >>> check("triangular", {"low": 10, "mode": 5, "high": 20})
    [('mode', 'must lie between low and high (got mode 5, low 10, high 20)')]
    >>> check("beta", {"mean": 0.3, "sd": 0.5})
    [('sd', 'is too large for a beta distribution with mean 0.3: sd must be < 0.458 (got 0.5)')]
    >>> check("gama", {"mean": 1, "sd": 1})
    [('', "unknown distribution 'gama'; did you mean 'gamma'?")]
    """
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), KINDS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "expected one of " + ", ".join(KINDS)
        return [("", f"unknown distribution '{kind}'; {hint}")]

    problems: list[tuple[str, str]] = []
    values: dict[str, float] = {}
    for name in KINDS[kind]:
        if name not in params:
            problems.append((name, f"is required for a {kind} distribution"))
            continue
        raw = params[name]
        if isinstance(raw, bool) or not isinstance(raw, (int, float, np.integer, np.floating)):
            problems.append((name, f"must be a number (got {raw!r})"))
            continue
        if not math.isfinite(raw):
            problems.append((name, f"must be a finite number (got {_fmt(raw)})"))
            continue
        values[name] = float(raw)
    if problems:
        return problems

    if kind in ("normal", "lognormal", "beta", "gamma"):
        m, sd = values["mean"], values["sd"]
        if kind in ("lognormal", "gamma") and m <= 0:
            problems.append(("mean", f"must be > 0 for a {kind} distribution (got {_fmt(m)})"))
        if kind == "beta" and not 0 < m < 1:
            message = f"must lie strictly between 0 and 1 for a beta distribution (got {_fmt(m)})"
            problems.append(("mean", message))
        if sd < 0:
            problems.append(("sd", f"must be ≥ 0 (got {_fmt(sd)})"))
        elif kind == "beta" and 0 < m < 1 and sd * sd >= m * (1 - m):
            limit = math.sqrt(m * (1 - m))
            problems.append(
                (
                    "sd",
                    f"is too large for a beta distribution with mean {_fmt(m)}: "
                    f"sd must be < {limit:.3g} (got {_fmt(sd)})",
                )
            )
        elif kind in ("lognormal", "gamma") and m > 0 and sd > 0 and not _representable(m, sd):
            problems.append(
                (
                    "sd",
                    f"is too large against the mean for a {kind} distribution: "
                    f"its shape overflows (got mean {_fmt(m)}, sd {_fmt(sd)})",
                )
            )
    elif kind in ("uniform", "triangular", "pert"):
        low, high = values["low"], values["high"]
        if not math.isfinite(high - low):
            problems.append(
                (
                    "high",
                    f"is too far from low: high − low overflows (got low {_fmt(low)}, "
                    f"high {_fmt(high)})",
                )
            )
        elif high < low:
            problems.append(("high", f"must be ≥ low (got low {_fmt(low)}, high {_fmt(high)})"))
        elif kind != "uniform" and not low <= values["mode"] <= high:
            problems.append(
                (
                    "mode",
                    f"must lie between low and high (got mode {_fmt(values['mode'])}, "
                    f"low {_fmt(low)}, high {_fmt(high)})",
                )
            )
    return problems


def _representable(m: float, sd: float) -> bool:
    """Whether the lognormal and gamma shape parameters of (mean, sd) are finite and non-zero:
    (sd/m)², m/sd² and sd²/m, which :func:`draw` and :func:`ppf` compute."""
    with np.errstate(all="ignore"):
        cv2 = np.float64(sd / m) ** 2
        values = (cv2, np.float64(m / sd) ** 2, np.float64(sd) ** 2 / m, np.log1p(cv2))
    return all(bool(np.isfinite(v)) and v > 0 for v in values)


def _validated(kind: str, params: Mapping[str, float]) -> dict[str, float]:
    """Return the kind's parameters as floats, or raise ValueError listing every problem."""
    problems = check(kind, params)
    if problems:
        detail = "; ".join(f"{name} {msg}" if name else msg for name, msg in problems)
        raise ValueError(f"invalid {kind} distribution: {detail}")
    return {name: float(params[name]) for name in KINDS[kind]}


def mean(kind: str, params: Mapping[str, float]) -> float:
    """Return the mean of a distribution.

    Parameters
    ----------
    kind : str
        One of the keys of :data:`KINDS`.
    params : Mapping[str, float]
        The kind's parameters (see :data:`KINDS`).

    Returns
    -------
    float
        The distribution's expected value.

    Raises
    ------
    ValueError
        If :func:`check` finds a problem with the parameters.

    Notes
    -----
    normal, lognormal, beta, gamma: ``mean``. uniform: ``(low + high) / 2``. triangular:
    ``(low + mode + high) / 3``. PERT: ``(low + 4 mode + high) / 6``. fixed: ``value``.

    Examples
    --------
    >>> mean("pert", {"low": 1000, "mode": 1200, "high": 1500})
    1216.6666666666667
    >>> mean("triangular", {"low": 0, "mode": 3, "high": 6})
    3.0
    """
    p = _validated(kind, params)
    if kind in ("normal", "lognormal", "beta", "gamma"):
        return p["mean"]
    if kind == "uniform":
        return (p["low"] + p["high"]) / 2
    if kind == "triangular":
        return (p["low"] + p["mode"] + p["high"]) / 3
    if kind == "pert":
        return (p["low"] + _PERT_LAMBDA * p["mode"] + p["high"]) / (_PERT_LAMBDA + 2)
    return p["value"]


def support(kind: str, params: Mapping[str, float]) -> tuple[float, float]:
    """The smallest and largest values a distribution can take (possibly infinite).

    >>> support("pert", {"low": 1, "mode": 2, "high": 5}), support("gamma", {"mean": 3, "sd": 1})
    ((1.0, 5.0), (0.0, inf))
    """
    p = _validated(kind, params)
    if kind == "fixed":
        return float(p["value"]), float(p["value"])
    if kind in ("uniform", "triangular", "pert"):
        return float(p["low"]), float(p["high"])
    if p["sd"] == 0:
        return float(p["mean"]), float(p["mean"])
    if kind == "normal":
        return -math.inf, math.inf
    if kind == "beta":
        return 0.0, 1.0
    return 0.0, math.inf  # lognormal, gamma


def ppf(kind: str, params: Mapping[str, float], u) -> np.ndarray:
    """Return the quantile function (inverse CDF) of a distribution at probabilities ``u``.

    Parameters
    ----------
    kind : str
        One of the keys of :data:`KINDS`.
    params : Mapping[str, float]
        The kind's parameters (see :data:`KINDS`).
    u : array_like
        Probabilities, any shape, normally in the open interval (0, 1). At exactly 0 or 1 the
        result is the end of the support, which may be infinite (normal at both ends; lognormal
        and gamma at 1).

    Returns
    -------
    ndarray
        Float array of the same shape as ``u``: the values ``x`` with ``P(X ≤ x) = u``.

    Raises
    ------
    ValueError
        If the parameters are invalid, or ``u`` holds NaN or values outside [0, 1].

    Notes
    -----
    With Φ⁻¹ the standard normal quantile:

    - normal: ``mean + sd Φ⁻¹(u)``.
    - lognormal: ``exp(μ + σ Φ⁻¹(u))`` with ``σ² = ln(1 + sd²/mean²)`` and
      ``μ = ln(mean) − σ²/2``, so the value has the stated mean and sd.
    - uniform: ``low + (high − low) u``.
    - triangular, with ``c = (mode − low)/(high − low)``: ``low + √(u (high − low)(mode − low))``
      for ``u < c``, else ``high − √((1 − u)(high − low)(high − mode))``.
    - PERT (beta-PERT, λ = 4): ``low + (high − low) B⁻¹(u; α, β)`` with
      ``α = 1 + 4 (mode − low)/(high − low)``, ``β = 1 + 4 (high − mode)/(high − low)``.
    - beta by the method of moments: ``B⁻¹(u; α, β)`` with ``ν = mean (1 − mean)/sd² − 1``,
      ``α = mean ν``, ``β = (1 − mean) ν``.
    - gamma: ``θ P⁻¹(k, u)`` (P the regularised lower incomplete gamma function) with shape
      ``k = mean²/sd²`` and scale ``θ = sd²/mean``.
    - fixed: ``value``.

    Degenerate cases (``sd = 0``, ``low = high``) return the mean everywhere, exactly.

    References
    ----------
    Vose D. *Risk Analysis: A Quantitative Guide*, 3rd ed., Wiley 2008, ch. III (triangular,
    PERT, beta, gamma, lognormal parameterisations).

    Examples
    --------
    >>> ppf("normal", {"mean": 0, "sd": 1}, [0.5, 0.975]).round(4)
    array([0.  , 1.96])
    >>> ppf("uniform", {"low": 10, "high": 20}, [0.05, 0.95])
    array([10.5, 19.5])
    >>> ppf("triangular", {"low": 0, "mode": 0, "high": 1}, [0.75])
    array([0.5])
    >>> ppf("lognormal", {"mean": 1200, "sd": 0}, [0.1, 0.9])
    array([1200., 1200.])
    """
    from scipy import special  # imported here: scipy costs ~0.1 s, and only sampling needs it

    p = _validated(kind, params)
    u = np.asarray(u, dtype=float)
    if np.isnan(u).any() or (u < 0).any() or (u > 1).any():
        raise ValueError("probabilities u must lie in [0, 1]")

    if kind == "fixed":
        return np.full(u.shape, p["value"])
    if kind in ("normal", "lognormal", "beta", "gamma"):
        m, sd = p["mean"], p["sd"]
        if sd == 0:
            return np.full(u.shape, m)
        if kind == "normal":
            return m + sd * special.ndtri(u)
        if kind == "lognormal":
            sigma2 = math.log1p((sd / m) ** 2)
            mu = math.log(m) - sigma2 / 2
            return np.exp(mu + math.sqrt(sigma2) * special.ndtri(u))
        if kind == "beta":
            nu = m * (1 - m) / (sd * sd) - 1
            return special.betaincinv(m * nu, (1 - m) * nu, u)
        theta = sd * sd / m
        return theta * special.gammaincinv(m / theta, u)

    low, high = p["low"], p["high"]
    width = high - low
    if width == 0:
        return np.full(u.shape, low)
    if kind == "uniform":
        return low + width * u
    mode = p["mode"]
    if kind == "triangular":
        c = (mode - low) / width
        # Both branches are evaluated everywhere; the clips keep each one real.
        left = low + np.sqrt(np.clip(u, 0, None) * width * (mode - low))
        right = high - np.sqrt(np.clip(1 - u, 0, None) * width * (high - mode))
        return np.where(u < c, left, right)
    alpha = 1 + _PERT_LAMBDA * (mode - low) / width
    beta = 1 + _PERT_LAMBDA * (high - mode) / width
    return low + width * special.betaincinv(alpha, beta, u)


def draw(kind: str, params: Mapping[str, float], rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` independent random draws, from numpy's own generators (no quantile function).

    Exactly the distributions :func:`ppf` describes, with the same parameterisations (PERT as
    a scaled beta, lognormal and gamma and beta by their mean and sd), but several times
    faster for gamma, beta and PERT, whose quantile functions are costly. Used for plain random
    sampling; Latin hypercube sampling and percentiles go through :func:`ppf`.

    >>> x = draw("pert", {"low": 1, "mode": 2, "high": 6}, np.random.default_rng(1), 100_000)
    >>> bool(abs(x.mean() - 2.5) < 0.01)
    True
    """
    p = _validated(kind, params)
    if kind == "fixed":
        return np.full(n, p["value"])
    if kind == "uniform":
        return rng.uniform(p["low"], p["high"], n)
    if kind in ("triangular", "pert"):
        low, mode, high = p["low"], p["mode"], p["high"]
        if high == low:
            return np.full(n, low)
        if kind == "triangular":
            return rng.triangular(low, mode, high, n)
        alpha = 1 + _PERT_LAMBDA * (mode - low) / (high - low)
        beta = 1 + _PERT_LAMBDA * (high - mode) / (high - low)
        return low + (high - low) * rng.beta(alpha, beta, n)
    m, sd = p["mean"], p["sd"]
    if sd == 0:
        return np.full(n, m)
    if kind == "normal":
        return rng.normal(m, sd, n)
    if kind == "lognormal":
        sigma2 = math.log1p((sd / m) ** 2)
        return rng.lognormal(math.log(m) - sigma2 / 2, math.sqrt(sigma2), n)
    if kind == "beta":
        nu = m * (1 - m) / sd**2 - 1
        return rng.beta(m * nu, (1 - m) * nu, n)
    return rng.gamma((m / sd) ** 2, sd**2 / m, n)  # gamma: shape k = mean²/sd², scale = sd²/mean


def uniforms(
    rng: np.random.Generator, n_draws: int, n_params: int, sampler: str = "random"
) -> np.ndarray:
    """Draw probabilities for sampling ``n_params`` independent parameters ``n_draws`` times.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness; the result is reproducible given its seed.
    n_draws : int
        Number of draws (rows).
    n_params : int
        Number of parameters (columns), each sampled independently.
    sampler : {"random", "lhs"}
        ``"random"``: independent uniform draws. ``"lhs"``: Latin hypercube sampling.

    Returns
    -------
    ndarray
        shape (draw, parameter) = ``(n_draws, n_params)``, values in (0, 1). Pass a column to
        :func:`ppf` to turn it into draws of that parameter.

    Raises
    ------
    ValueError
        For an unknown ``sampler`` or a negative size.

    Notes
    -----
    Latin hypercube: for each column independently, ``(π + v) / n`` where π is a random
    permutation of ``0 … n−1`` and ``v`` is uniform on [0, 1), so each column has exactly one
    value in each stratum ``[i/n, (i+1)/n)``. Columns are stratified independently, so the
    parameters stay uncorrelated.

    Values are kept strictly inside (0, 1) so that :func:`ppf` of an unbounded distribution is
    always finite: an exact 0 (probability about 2⁻⁵³ each) becomes the smallest positive
    float, and a Latin hypercube value that rounds up to 1 becomes the largest float below 1.

    References
    ----------
    McKay MD, Beckman RJ, Conover WJ. A comparison of three methods for selecting values of
    input variables in the analysis of output from a computer code. *Technometrics*
    21(2):239–245, 1979.

    Examples
    --------
    >>> u = uniforms(np.random.default_rng(1), 4, 2, "lhs")
    >>> u.shape
    (4, 2)
    >>> np.sort(np.floor(u * 4), axis=0).T
    array([[0., 1., 2., 3.],
           [0., 1., 2., 3.]])
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; expected one of " + ", ".join(SAMPLERS))
    if n_draws < 0 or n_params < 0:
        raise ValueError("n_draws and n_params must be ≥ 0")
    if sampler == "random":
        u = rng.random((n_draws, n_params))
    else:
        u = np.empty((n_draws, n_params))
        for j in range(n_params):
            u[:, j] = (rng.permutation(n_draws) + rng.random(n_draws)) / n_draws
    # ppf(0) and ppf(1) are infinite for the normal. (n − 1 + v)/n can round to exactly 1 when
    # v is within an ulp of 1, so both ends are pulled in by the smallest possible step.
    u[u <= 0] = np.nextafter(0.0, 1.0)
    u[u >= 1] = np.nextafter(1.0, 0.0)
    return u
