"""Numbers, distributions and expressions -> arrays with a leading draw axis.

Every number the engine reads goes through :meth:`Draws.value`. A plain number, or anything that
does not vary between draws, comes back with a draw axis of length 1, so it broadcasts; an
uncertain one with a draw axis of length ``n``. A deterministic run is draws = 1 at the central
values (each distribution's ``value`` if given, else its mean), on the same code path as a
probabilistic run.

Reproducibility: every uncertain leaf (named parameters first, then inline distributions in
file order) is drawn up front for all draws, from a seeded ``numpy.random.Generator`` (one
spawned stream per leaf for random sampling; one stream of stratified probabilities for Latin
hypercube); the engine then evaluates them in blocks. So a seeded run is the same bit for bit
whatever the block size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import distributions, expressions
from .scenario import Scenario, _Dist, walk


@dataclass(frozen=True)
class Leaf:
    """One uncertain input: a named parameter or an inline distribution."""

    key: str  # parameter name, or the dotted location of an inline distribution
    loc: tuple[Any, ...]
    dist: _Dist

    @property
    def central(self) -> float:
        return self.dist.central

    def quantile(self, p: float | np.ndarray) -> np.ndarray:
        return distributions.ppf(self.dist.dist, self.dist.params, np.atleast_1d(p))


def uncertain_leaves(scenario: Scenario) -> list[Leaf]:
    """Every distribution in the scenario, named parameters first, in a stable order."""
    leaves: list[Leaf] = []
    for name, value in scenario.parameters.items():
        if isinstance(value, _Dist):
            leaves.append(Leaf(name, ("parameters", name), value))
    for loc, leaf in walk(scenario):
        if isinstance(leaf, _Dist) and loc[:1] != ("parameters",):
            leaves.append(Leaf(_dotted(scenario, loc), loc, leaf))
    return leaves


def _dotted(scenario: Scenario, loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if len(loc) > 1 and loc[0] == "interventions":
        parts[1] = scenario.interventions[loc[1]].id
    return ".".join(parts)


@dataclass
class Draws:
    """Values of every uncertain input for ``n`` draws; resolves any scenario number."""

    n: int
    leaves: list[Leaf]
    leaf_values: dict[str, np.ndarray]  # leaf key (parameter name or dotted path) -> (n,) or (1,)
    parameters: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n,) or (1,)
    rows: int | None = None  # draws that count (the rest pad a block); None: all n
    clipped: dict[str, int] = field(default_factory=dict)  # where -> draws set to a bound
    #: Expressions already evaluated, by (text, low, high): their values and clipped draws. An
    #: expression's value depends on its text alone (and the parameters), and many lines use
    #: the same one (``effect``, ``deadweight``), so each is computed once per set of draws.
    _known: dict[tuple, tuple[np.ndarray, int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def value(
        self, v: Any, low: float | None = None, high: float | None = None, where: str = ""
    ) -> np.ndarray:
        """A scenario number as an array of shape (draw,), draw = n or 1.

        ``where`` is the number's place: its dotted path (interventions named by id), or a
        parameter's name. A distribution's draws are found by it (never by object identity, so
        a copy of the scenario, or one unpickled in another process, draws the same). With
        ``low``/``high``, a drawn or computed value outside them (a normal cost below 0, an
        expression giving a share above 1) is set to the bound and counted in ``clipped`` under
        ``where``; plain numbers were range-checked when the scenario was loaded.
        """
        known = None
        if isinstance(v, _Dist):
            if where not in self.leaf_values:
                raise KeyError(f"no draws for the distribution at {where or '(no place given)'}")
            a = self.leaf_values[where]
        elif isinstance(v, expressions.Expression):
            known = (v.text, low, high)
            if known in self._known:
                a, count = self._known[known]
                if count:
                    self.clipped[where] = self.clipped.get(where, 0) + count
                return a
            a = np.atleast_1d(np.asarray(v.evaluate(self.parameters), dtype=float))
        else:
            return np.array([float(v)])
        a, count = self._bounded(a, low, high)
        if count:
            self.clipped[where] = self.clipped.get(where, 0) + count
        if known is not None:
            self._known[known] = (a, count)
        return a

    def _bounded(
        self, a: np.ndarray, low: float | None, high: float | None
    ) -> tuple[np.ndarray, int]:
        """``a`` set to within [low, high], and the number of draws that counted and had to be."""
        if low is None and high is None:
            return a, 0
        lo = -np.inf if low is None else low
        hi = np.inf if high is None else high
        bad = (a < lo) | (a > hi)
        if not bad.any():
            return a, 0
        rows = self.n if self.rows is None else self.rows
        return np.clip(a, lo, hi), rows if a.shape[0] == 1 else int(bad[:rows].sum())

    def slice(self, start: int, stop: int) -> Draws:
        """The draws start..stop-1 (arrays of length 1 are shared)."""
        cut = lambda a: a if a.shape[0] == 1 else a[start:stop]  # noqa: E731
        return Draws(
            min(stop, self.n) - start,
            self.leaves,
            {k: cut(a) for k, a in self.leaf_values.items()},
            {k: cut(a) for k, a in self.parameters.items()},
        )


def _finish(scenario: Scenario, n: int, leaves: list[Leaf], values: dict[str, np.ndarray]) -> Draws:
    draws = Draws(n, leaves, values)
    deps: dict[str, frozenset[str]] = {
        k: (v.names if isinstance(v, expressions.Expression) else frozenset())
        for k, v in scenario.parameters.items()
    }
    for name in expressions.evaluation_order(deps):
        draws.parameters[name] = draws.value(scenario.parameters[name], where=name)
    return draws


def central(scenario: Scenario, fixed: Mapping[str, float | np.ndarray] | None = None) -> Draws:
    """Draws at the central values; ``fixed`` sets chosen leaves (by key) to given values.

    With an array in ``fixed`` the result has that many draws, all other leaves central: one
    engine call then evaluates a sweep of one input (tornado ends, switching-value search).
    """
    fixed = dict(fixed or {})
    leaves = uncertain_leaves(scenario)
    known = {leaf.key for leaf in leaves}
    unknown = set(fixed) - known
    if unknown:
        raise ValueError(f"not an uncertain input of this scenario: {', '.join(sorted(unknown))}")
    values: dict[str, np.ndarray] = {}
    n = 1
    for leaf in leaves:
        if leaf.key in fixed:
            arr = np.atleast_1d(np.asarray(fixed[leaf.key], dtype=float))
            n = max(n, arr.shape[0])
        else:
            arr = np.array([leaf.central])
        values[leaf.key] = arr
    return _finish(scenario, n, leaves, values)


def sample(scenario: Scenario, n: int, seed: int | None = None, sampler: str = "random") -> Draws:
    """``n`` draws of every uncertain input, from ``numpy.random.default_rng(seed)``."""
    if n < 1:
        raise ValueError("the number of draws must be at least 1")
    leaves = uncertain_leaves(scenario)
    if sampler == "random":
        # One independent stream per input, spawned from the seed: numpy's own generators
        # (fast for gamma, beta, PERT), and adding an input never changes the others' draws.
        streams = np.random.SeedSequence(seed).spawn(len(leaves))
        values = {
            leaf.key: distributions.draw(
                leaf.dist.dist, leaf.dist.params, np.random.default_rng(s), n
            )
            for leaf, s in zip(leaves, streams)
        }
    else:
        u = distributions.uniforms(np.random.default_rng(seed), n, len(leaves), sampler)
        values = {
            leaf.key: distributions.ppf(leaf.dist.dist, leaf.dist.params, u[:, j])
            for j, leaf in enumerate(leaves)
        }
    return _finish(scenario, n, leaves, values)
