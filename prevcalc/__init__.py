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


def run(
    scenario,
    draws=None,
    seed=None,
    sampler="random",
    chunk=None,
    progress=None,
    block_values=None,
    threads=None,
):
    """Run a scenario, deterministically or with ``draws`` Monte Carlo draws.

    ``block_values`` bounds the values evaluated at once, ``threads`` the threads evaluating
    them (default: the CPUs, or ``PREVCALC_THREADS``); a seeded run gives the same figures
    whatever they are. See :func:`prevcalc.engine.run`."""
    from .engine import run as _run
    from .equity import analyse

    if not hasattr(scenario, "interventions"):
        scenario = load(scenario)
    result = _run(
        scenario,
        draws=draws,
        seed=seed,
        sampler=sampler,
        chunk=chunk,
        progress=progress,
        block_values=block_values,
        threads=threads,
    )
    result.equity = analyse(result, scenario)
    if result.equity is not None:  # a declared lens with a part left out is a warning too
        result.notes += [n for n in result.equity.notes if "no reach given" in n or "unknown" in n]
    return result


def options(files, variants=False, overrides=()):
    """(name, scenario) for each option: each file, and with ``variants=True`` each of its
    variants (see :func:`prevcalc.loader.load_options`); what ``compare`` and ``brief`` take."""
    from .loader import load_options

    return load_options(files, variants=variants, overrides=overrides)


def sensitivity(scenario, swing=None, inputs=None):
    """One-way sensitivity of NPV, as ``prevcalc sensitivity`` computes it.

    Returns a dict of DataFrames: ``tornado`` (each uncertain input, and with ``swing`` each
    plain number moved by ± that share, at its low and high value), ``discount_rates`` (NPV
    under other schedules) and ``switching_values`` (the value of each input at which NPV is
    zero; ``inputs`` to choose them).
    """
    from . import uncertainty

    if not hasattr(scenario, "interventions"):
        scenario = load(scenario)
    return {
        "tornado": uncertainty.tornado(scenario, swing=swing),
        "discount_rates": uncertainty.discount_rate_table(scenario),
        "switching_values": uncertainty.switching_values(scenario, inputs),
    }


def switching_values(scenario, inputs=None):
    """For each input, the value at which NPV becomes zero (see
    :func:`prevcalc.uncertainty.switching_values`)."""
    from . import uncertainty

    if not hasattr(scenario, "interventions"):
        scenario = load(scenario)
    return uncertainty.switching_values(scenario, inputs)


def brief(
    files,
    out,
    title=None,
    variants=False,
    rounding="sig3",
    draws=None,
    seed=None,
    force=False,
    overrides=(),
    sampler="random",
):
    """Write a brief for the options in ``files`` (and, with ``variants``, their variants) into
    the folder ``out``, as ``prevcalc brief`` does; returns the files written.

    With ``draws``, each option is also run with that many draws (``seed``; ``sampler``
    "random" or "lhs") for the uncertainty tables; the analysis (discount rates, switching
    values, tornado, P(best), EVPI) goes in when the options are like for like.
    """
    from .report.brief import analysis_tables, like_for_like_groups, write_brief
    from .report.summary import context_of

    options_ = options(files, variants=variants, overrides=overrides)
    names = [n for n, _ in options_]
    results = [run(sc) for _, sc in options_]
    runs = (
        [run(sc, draws=draws, seed=seed, sampler=sampler) for _, sc in options_] if draws else None
    )
    uncertainty = (
        analysis_tables([sc for _, sc in options_], names, runs)
        if len(like_for_like_groups(results)) == 1
        else None
    )
    return write_brief(
        results,
        out,
        title=title,
        rounding=rounding,
        force=force,
        names=names,
        uncertainty=uncertainty,
        runs=runs,
        contexts=[context_of(sc) for _, sc in options_],
    )


def compare(results, **kwargs):
    """Line up several results side by side (see :func:`prevcalc.comparison.compare`)."""
    from .comparison import compare as _compare

    return _compare(results, **kwargs)


__all__ = [
    "load",
    "run",
    "compare",
    "options",
    "sensitivity",
    "switching_values",
    "PrevcalcError",
    "ScenarioError",
    "ModelError",
    "OutputError",
    "Problem",
    "__version__",
]
