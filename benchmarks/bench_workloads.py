"""Benchmark of what users write: the W2 class (draw-dependent intake, durations and drop-off).

W2 (see ``workloads.py``): 20 interventions x 60 years x 10 intake years, 10 shared uncertain
parameters used through expressions, an intake of ``m_pop * 1000 * uptake`` that varies from
draw to draw, and durations and drop-off that vary from draw to draw, written as YAML.

Prints, measured side by side in one run:

1. W2 at 10,000 and 100,000 draws: the engine's full run (every metric it reports) beside three
   hand-written computations of the same NPVs (each intervention and the total, every draw) on
   the engine's own sampled inputs:

   - *numba floor*: compiled per-draw loops over the draws (parallel), using the structure
     (intake = a(draw) x b(entry year)); only if numba is installed (``prevcalc[fast]``);
   - *numpy separable*: the same structure in a few fused numpy expressions;
   - *numpy dense*: no structure: each intervention's intake by draw and year, times the
     (entry year, years since entry) discount matrix, one BLAS product per intervention.

2. Growth: engine time against draws (1k, 10k, 100k), horizon (10, 60, 200, 500 years at
   1,000 draws) and interventions (5, 20, 80, 320 at 1,000 draws), with the fitted exponent
   (slope of log time on log size; 1 is linear, 2 quadratic).

3. ``--memory``: one engine run of 1,000,000 draws; peak RSS of its process.

Every engine timing runs in a fresh child process (so each has its own peak RSS). With
``--tree DIR`` (repeatable) the engine is imported from each source tree in turn, rows
interleaved, so that two versions are compared in one run on a noisy machine.

Usage::

    python benchmarks/bench_workloads.py                    # everything but the memory run
    python benchmarks/bench_workloads.py --quick            # tiny sizes (CI smoke)
    python benchmarks/bench_workloads.py --memory           # also 1,000,000 draws
    python benchmarks/bench_workloads.py --tree ../old --tree .   # before / after
    python benchmarks/bench_workloads.py --cpu              # CPU seconds, not wall time

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from workloads import load_w2  # noqa: E402


def peak_rss_mib() -> float:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


#: The clock every timing reads: wall time, or with ``--cpu`` this process's CPU time (all its
#: threads), which a busy machine disturbs far less than wall time.
CLOCK: list[Callable[[], float]] = [time.perf_counter]


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    clock = CLOCK[0]
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = clock()
        value = fn()
        best = min(best, clock() - t0)
    return best, value


# ---------------------------------------------------------------------------------------------
# The engine, in a child process


def child(spec: dict) -> dict:
    """Time one engine run (best of spec['repeat']) in this process; report its peak RSS."""
    from prevcalc import engine

    if spec.get("cpu"):
        CLOCK[0] = time.process_time
    sc = load_w2(spec["interventions"], spec["horizon"])
    engine.run(sc, draws=64, seed=1)  # imports and caches
    base = peak_rss_mib()
    t, r = _best(lambda: engine.run(sc, draws=spec["draws"], seed=spec["seed"]), spec["repeat"])
    total = np.asarray(r.values["total"]["npv"])[:, 0]
    return {
        "seconds": t,
        "peak_rss_mib": peak_rss_mib(),
        "rss_before_mib": base,
        "npv_mean": float(total.mean()),
        "npv": total[:2000].tolist() if spec.get("npv") else None,
    }


def run_child(spec: dict, tree: str | None) -> dict:
    spec = {**spec, "cpu": CLOCK[0] is time.process_time}
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = os.path.abspath(tree) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# The same NPVs by hand


def w2_inputs(draws: int, seed: int, n_interventions: int = 20, horizon: int = 60):
    """The engine's own sampled shared parameters, (draw,) each, and the discount factors."""
    from prevcalc import discounting, engine, sampling

    sc = load_w2(n_interventions, horizon)
    d = sampling.sample(sc, draws, seed)
    p = {k: np.ascontiguousarray(np.broadcast_to(v, (draws,))) for k, v in d.parameters.items()}
    D = discounting.timing_factors(engine.schedule_bands(sc), horizon, "start")
    return p, D


def _hankel(D: np.ndarray) -> np.ndarray:
    T = D.shape[0]
    idx = np.arange(T)[:, None] + np.arange(T)[None, :]
    return np.where(idx < T, D[np.minimum(idx, T - 1)], 0.0)


def _shares(
    T: int, start: float, duration: np.ndarray | float, ramp: float, drop: np.ndarray | float
) -> np.ndarray:
    """FORMAT.md's profile, shape (draw | 1, year since entry)."""
    k = np.arange(T, dtype=float)[None, :]
    duration = np.atleast_1d(np.asarray(duration, dtype=float))[:, None]
    drop = np.atleast_1d(np.asarray(drop, dtype=float))[:, None]
    j = k - start
    active = np.clip(duration - j, 0.0, 1.0)
    return np.where(
        j >= 0,
        active * np.minimum(1.0, (j + 1) / (ramp + 1)) * (1 - drop) ** np.maximum(0.0, j - ramp),
        0.0,
    )


def _profile(
    p: dict, i: int, T: int, sl: slice = slice(None), cache: dict | None = None
) -> np.ndarray:
    """Intervention i's net value per participant by years since entry, (draw, year).

    ``cache`` keeps what interventions share within one block of draws (the drop-off's decay
    by year, the fixed profiles), as a hand-written numpy program would."""
    q = {k: v[sl] for k, v in p.items()}
    c = cache if cache is not None else {}
    if "decay_h" not in c:
        k = np.arange(T, dtype=float)[None, :]
        keep = (1 - q["lapse"])[:, None]
        c["decay_h"] = keep ** np.maximum(0.0, k - 1) * np.minimum(1.0, (k + 1) / 2)  # ramp 1
        c["decay_c"] = np.where(k >= 2, keep ** np.maximum(0.0, k - 2), 0.0)  # start 2
        c["k"] = k
        c["pp"] = _shares(T, 0, 2, 0, 0.0)
    k, dur = c["k"], q["dur"][:, None]
    scale = 1 + 0.05 * (i % 20)
    adj = 1 - q["deadweight"]
    health = np.clip(dur + i % 4 - k, 0.0, 1.0) * c["decay_h"]
    crime = np.clip(dur - (k - 2), 0.0, 1.0) * c["decay_c"]
    return (
        (q["nhs_saving"] * q["effect"] * scale * adj)[:, None] * health
        + (q["crime_saving"] * q["effect"] * adj)[:, None] * crime
        + (300 * q["effect"] * adj)[:, None] * _shares(T, 0, 5 + i % 5, 0, 0.0)
        - (q["unit_cost"] * q["cost_mult"] * scale)[:, None] * c["pp"]
    )


def numpy_separable(
    p: dict, D: np.ndarray, n_iv: int, intake_years: int = 10, block: int = 4096
) -> np.ndarray:
    """NPV by intervention (draw, intervention): intake = a(draw) x b(e), w = b @ H, fused numpy."""
    T, n = D.shape[0], p["m_pop"].shape[0]
    w = (np.arange(T) < intake_years).astype(float) @ _hankel(D)
    out = np.empty((n, n_iv))
    for s in range(0, n, block):
        sl = slice(s, s + block)
        a = p["m_pop"][sl] * 1000 * p["uptake"][sl]
        cache: dict = {}
        for i in range(n_iv):
            setup = (100000 + 5000 * (i % 20)) * p["cost_mult"][sl]
            out[sl, i] = a * (_profile(p, i, T, sl, cache) @ w) - setup * D[0]
    return out


def numpy_dense(
    p: dict, D: np.ndarray, n_iv: int, intake_years: int = 10, block: int = 4096
) -> np.ndarray:
    """NPV by intervention with no structure: intake by (draw, entry year) @ H for each
    intervention (a BLAS product), then each draw's profile against it."""
    T, n = D.shape[0], p["m_pop"].shape[0]
    H = _hankel(D)
    window = np.arange(T) < intake_years
    out = np.empty((n, n_iv))
    for s in range(0, n, block):
        sl = slice(s, s + block)
        cache: dict = {}
        for i in range(n_iv):
            intake = (p["m_pop"][sl] * 1000 * p["uptake"][sl])[:, None] * window  # (draw, e)
            W = intake @ H  # (draw, k): Σ_e intake(e) D(e + k)
            setup = (100000 + 5000 * (i % 20)) * p["cost_mult"][sl]
            out[sl, i] = np.einsum("nk,nk->n", _profile(p, i, T, sl, cache), W) - setup * D[0]
    return out


_NUMBA: dict[str, Any] = {}


def numba_floor(p: dict, D: np.ndarray, n_iv: int, intake_years: int = 10) -> np.ndarray | None:
    """NPV by intervention, compiled loops over draws (parallel); None without numba."""
    if "fn" not in _NUMBA:
        try:
            import numba
        except ImportError:
            _NUMBA["fn"] = None
            return None

        @numba.njit(parallel=True, fastmath=False, cache=False)
        def kernel(
            m_pop,
            uptake,
            effect,
            lapse,
            dur,
            unit_cost,
            cost_mult,
            deadweight,
            nhs,
            crime,
            w,
            d0,
            n_iv,
        ):
            n, T = m_pop.shape[0], w.shape[0]
            out = np.empty((n, n_iv))
            for r in numba.prange(n):
                a = m_pop[r] * 1000.0 * uptake[r]
                adj = 1.0 - deadweight[r]
                keep = 1.0 - lapse[r]
                for i in range(n_iv):
                    scale = 1.0 + 0.05 * (i % 20)
                    health, crimev = nhs[r] * effect[r] * scale * adj, crime[r] * effect[r] * adj
                    welfare, pp = 300.0 * effect[r] * adj, unit_cost[r] * cost_mult[r] * scale
                    dh, dc, dw = dur[r] + i % 4, dur[r], 5.0 + i % 5
                    total = 0.0
                    decay_h = 1.0
                    decay_c = 1.0
                    for k in range(T):
                        v = 0.0
                        j = float(k)  # health: start 0, ramp 1
                        sh = min(max(dh - j, 0.0), 1.0) * min(1.0, (j + 1.0) / 2.0)
                        if j > 1.0:
                            decay_h *= keep
                        v += health * sh * decay_h
                        jc = j - 2.0  # crime: start 2, ramp 0
                        if jc >= 0.0:
                            if jc > 0.0:
                                decay_c *= keep
                            v += crimev * min(max(dc - jc, 0.0), 1.0) * decay_c
                        v += welfare * min(max(dw - j, 0.0), 1.0)
                        v -= pp * min(max(2.0 - j, 0.0), 1.0)
                        total += v * w[k]
                    out[r, i] = a * total - (100000.0 + 5000.0 * (i % 20)) * cost_mult[r] * d0
            return out

        _NUMBA["fn"] = kernel
    fn = _NUMBA["fn"]
    if fn is None:
        return None
    T = D.shape[0]
    w = (np.arange(T) < intake_years).astype(float) @ _hankel(D)
    return fn(
        p["m_pop"],
        p["uptake"],
        p["effect"],
        p["lapse"],
        p["dur"],
        p["unit_cost"],
        p["cost_mult"],
        p["deadweight"],
        p["nhs_saving"],
        p["crime_saving"],
        w,
        D[0],
        n_iv,
    )


# ---------------------------------------------------------------------------------------------
# Reporting


def exponent(sizes: list[float], times: list[float]) -> float:
    """Slope of log(time) on log(size), least squares."""
    x, y = np.log(np.asarray(sizes, float)), np.log(np.asarray(times, float))
    return float(np.polyfit(x, y, 1)[0])


def _label(tree: str | None) -> str:
    return (
        "engine" if tree is None else f"engine[{os.path.basename(os.path.abspath(tree)) or tree}]"
    )


def side_by_side(
    sizes: list[int], trees: list[str | None], repeat: int, seed: int
) -> list[dict[str, Any]]:
    """Print W2's side-by-side table; return one row per size (times in seconds, RSS in MiB)."""
    print(
        "W2: 20 interventions x 60 years x 10 intake years; "
        f"{os.cpu_count()} CPUs; numpy {np.__version__}"
    )
    cols = [_label(t) for t in trees] + ["numba floor", "numpy separable", "numpy dense"]
    head = (
        f"{'draws':>9}  "
        + "  ".join(f"{c:>16}" for c in cols)
        + "  "
        + "  ".join(f"{_label(t) + '/floor':>22}" for t in trees)
        + "  "
        + "  ".join(f"{_label(t) + '/dense':>22}" for t in trees)
        + f"  {'RSS MiB':>8}"
    )
    print(head)
    print("-" * len(head))
    rows: list[dict[str, Any]] = []
    for n in sizes:
        p, D = w2_inputs(n, seed)
        floor = numba_floor(p, D, 20)  # compiles on first use, outside the timing
        t_numba = (
            _best(lambda p=p, D=D: numba_floor(p, D, 20), repeat)
            if floor is not None
            else (float("nan"), None)
        )
        t_sep, sep = _best(lambda p=p, D=D: numpy_separable(p, D, 20), repeat)
        t_dense, dense = _best(lambda p=p, D=D: numpy_dense(p, D, 20), repeat)
        engine_t, rss = [], []
        for t in trees:  # interleaved with the references, each in its own process
            r = run_child(
                {
                    "draws": n,
                    "interventions": 20,
                    "horizon": 60,
                    "seed": seed,
                    "repeat": repeat,
                    "npv": True,
                },
                t,
            )
            engine_t.append(r["seconds"])
            rss.append(r["peak_rss_mib"])
            e = np.asarray(r["npv"])
            ref = sep.sum(axis=1)[: e.size]
            agree = np.max(np.abs(e - ref)) / np.max(np.abs(ref))
            if agree > 1e-9:
                print(f"  ! {_label(t)} total NPV differs from the hand computation by {agree:.1e}")
        ref_t = t_numba[0] if floor is not None else t_sep
        print(
            f"{n:>9,}  "
            + "  ".join(f"{x:>16.3f}" for x in engine_t + [t_numba[0], t_sep, t_dense])
            + "  "
            + "  ".join(f"{x / ref_t:>21.1f}x" for x in engine_t)
            + "  "
            + "  ".join(f"{x / t_dense:>21.2f}x" for x in engine_t)
            + f"  {max(rss):>8.0f}"
        )
        rows.append(
            {
                "draws": n,
                "engine_s": engine_t,
                "numba_s": t_numba[0] if floor is not None else None,
                "separable_s": t_sep,
                "dense_s": t_dense,
                "peak_rss_mib": rss,
            }
        )
        if floor is not None:
            agree = np.max(np.abs(floor - sep)) / np.max(np.abs(sep))
            dagree = np.max(np.abs(dense - sep)) / np.max(np.abs(sep))
            print(
                f"{'':>9}  numba and dense NPVs agree with separable numpy to {agree:.1e} "
                f"and {dagree:.1e}"
            )
    print(
        "  engine: the full run (all groupings, PV, NPV, BCR, ROI, per-person figures, "
        "payback years of scenario and layers, the scenario's IRR, mean cash flows, waterfall); "
        "references: NPVs only. /floor: engine / numba floor (separable numpy without numba); "
        "/dense: engine / numpy dense (below 1 is faster)."
    )
    return rows


def growth(
    trees: list[str | None], repeat: int, seed: int, quick: bool
) -> dict[str, dict[str, Any]]:
    """Print the growth series; return, per series, its sizes, times and fitted exponents
    (over all sizes and over the upper sizes) of the first tree."""
    found: dict[str, dict[str, Any]] = {}
    series = {
        "draws": ([1_000, 10_000, 100_000] if not quick else [200, 1_000], lambda x: (x, 20, 60)),
        "horizon": ([10, 60, 200, 500] if not quick else [10, 60], lambda x: (1_000, 20, x)),
        "interventions": ([5, 20, 80, 320] if not quick else [5, 20], lambda x: (1_000, x, 60)),
    }
    for name, (sizes, spec) in series.items():
        times: dict[str | None, list[float]] = {t: [] for t in trees}
        rss: dict[str | None, list[float]] = {t: [] for t in trees}
        for x in sizes:
            draws, ivs, horizon = spec(x)
            for t in trees:
                r = run_child(
                    {
                        "draws": draws,
                        "interventions": ivs,
                        "horizon": horizon,
                        "seed": seed,
                        "repeat": repeat,
                    },
                    t,
                )
                times[t].append(r["seconds"])
                rss[t].append(r["peak_rss_mib"])
        fixed = {
            "draws": "20 interventions, 60 years",
            "horizon": "1,000 draws, 20 interventions",
            "interventions": "1,000 draws, 60 years",
        }[name]
        print(f"\ngrowth in {name} ({fixed}):")
        print(f"{name:>14}  " + "  ".join(f"{_label(t) + ' s':>18}  {'RSS MiB':>8}" for t in trees))
        for k, x in enumerate(sizes):
            print(
                f"{x:>14,}  " + "  ".join(f"{times[t][k]:>18.3f}  {rss[t][k]:>8.0f}" for t in trees)
            )
        print(
            f"{'exponent':>14}  "
            + "  ".join(f"{exponent(sizes, times[t]):>18.2f}  {'':>8}" for t in trees)
        )
        upper = name != "draws" and len(sizes) > 2
        if upper:
            tail = "  ".join(f"{exponent(sizes[1:], times[t][1:]):>18.2f}  {'':>8}" for t in trees)
            print(f"{'(upper sizes)':>14}  " + tail)
        first = times[trees[0]]
        found[name] = {
            "sizes": sizes,
            "seconds": first,
            "exponent": exponent(sizes, first),
            "upper_exponent": exponent(sizes[1:], first[1:]) if upper else None,
        }
    return found


def memory(trees: list[str | None], draws: int, seed: int) -> list[dict[str, Any]]:
    """W2 with ``draws`` draws, one engine run in a fresh process per tree: time and peak RSS."""
    print(f"\nmemory: W2 with {draws:,} draws, one engine run in a fresh process")
    out = []
    for t in trees:
        r = run_child(
            {"draws": draws, "interventions": 20, "horizon": 60, "seed": seed, "repeat": 1}, t
        )
        print(
            f"  {_label(t)}: {r['seconds']:.1f} s; peak RSS {r['peak_rss_mib']:.0f} MiB "
            f"({r['peak_rss_mib'] / 1024:.2f} GiB), "
            f"of which {r['rss_before_mib']:.0f} MiB before the run"
        )
        out.append({"draws": draws, **r})
    return out


def use_cpu_clock() -> None:
    """Time CPU seconds of the process (all its threads) from now on, in children too."""
    CLOCK[0] = time.process_time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, action="append", help="W2 side-by-side sizes (repeatable)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for a CI smoke step")
    ap.add_argument(
        "--memory",
        nargs="?",
        const=1_000_000,
        type=int,
        metavar="DRAWS",
        help="also run W2 with DRAWS (default 1,000,000) draws and report peak RSS",
    )
    ap.add_argument("--no-growth", action="store_true", help="skip the growth series")
    ap.add_argument(
        "--tree", action="append", help="import prevcalc from this source tree (repeatable)"
    )
    ap.add_argument("--repeat", type=int, default=1, help="best of this many timings")
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="time CPU seconds of the process (all threads) instead of wall time: steadier "
        "on a busy machine",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    if args.cpu:
        use_cpu_clock()
        print("times below are CPU seconds (all threads of the process), not wall time")
    trees: list[str | None] = list(args.tree) if args.tree else [None]
    sizes = args.draws or ([1_000] if args.quick else [10_000, 100_000])
    side_by_side(sizes, trees, args.repeat, args.seed)
    if not args.no_growth:
        growth(trees, args.repeat, args.seed, args.quick)
    if args.memory:
        memory(trees, args.memory, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
