"""prevcalc: does moving money upstream pay back, when, and for whom?

The Python API mirrors the command line::

    import prevcalc
    scenario = prevcalc.load("scenarios/nurse_family_partnership.yaml")
    result = prevcalc.run(scenario)            # or run(scenario, draws=10_000, seed=1)
    result.summary()                           # pandas Series: pv_costs, npv, bcr, ...
    result.by("agency")                        # who pays and who gains
    result.cashflows()                         # year by year
"""

from __future__ import annotations

from .errors import ModelError, OutputError, PrevcalcError, Problem, ScenarioError
from .provenance import version as _version

__version__ = _version()


def load(path, variant=None, overrides=()):
    """Read and validate a scenario file (see :func:`prevcalc.loader.load`)."""
    from .loader import load as _load

    return _load(path, variant=variant, overrides=overrides)


def run(scenario, draws=None, seed=None, sampler="random", chunk=None, progress=None):
    """Run a scenario, deterministically or with ``draws`` Monte Carlo draws (see :func:`prevcalc.engine.run`)."""
    from .engine import run as _run

    if not hasattr(scenario, "interventions"):
        scenario = load(scenario)
    return _run(scenario, draws=draws, seed=seed, sampler=sampler, chunk=chunk, progress=progress)


def compare(results, **kwargs):
    """Line up several results side by side (see :func:`prevcalc.comparison.compare`)."""
    from .comparison import compare as _compare

    return _compare(results, **kwargs)


__all__ = [
    "load", "run", "compare", "PrevcalcError", "ScenarioError", "ModelError", "OutputError",
    "Problem", "__version__",
]
