"""Engine benchmark: the one entry point that prints every figure issue 12 asks for.

By default, for the project's W2-class scenario (``workloads.py``: 20 interventions x 60 years
x 10 intake years, 10 shared uncertain parameters through expressions, an intake of
``m_pop * 1000 * uptake``, durations and drop-off that vary from draw to draw), measured side by
side in one run (the code is ``bench_workloads.py``'s, imported):

1. the engine's full run beside a numba floor, separable numpy and dense numpy computing the
   same NPVs, at 10,000 and 100,000 draws, with the ratios engine / floor and engine / dense;
2. growth: engine time against draws, horizon and interventions, with fitted log-log slopes;
3. peak memory: one engine run of 1,000,000 draws in a fresh child process;
4. with ``--commands``: the timings of ``run``, ``sensitivity --swing``, ``compare --draws`` and
   ``brief --draws`` (``bench_commands.py``, imported);
5. a summary of issue 12's targets: each met, or missed and by how much.

``--synthetic`` adds the older table for this file's own synthetic scenario (fixed intake):
engine, a hand-written numpy floor and a per-draw ``numpy_financial`` loop.

Usage::

    python benchmarks/bench_engine.py                  # W2 table, growth, 1,000,000-draw memory
    python benchmarks/bench_engine.py --commands       # ... and the commands' timings: everything
    python benchmarks/bench_engine.py --cpu            # CPU seconds instead of wall time
    python benchmarks/bench_engine.py --quick          # tiny sizes, a CI smoke step (~20 s)
    python benchmarks/bench_engine.py --draws 50000    # chosen W2 sizes (repeatable)
    python benchmarks/bench_engine.py --memory 2000000 # memory run size (0 to skip)
    python benchmarks/bench_engine.py --synthetic      # also the synthetic scenario's table
    python benchmarks/bench_engine.py --blas-threads 1 # one BLAS thread in every process

Wall-clock figures depend on the machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time

import numpy as np

#: Environment variables that set the number of BLAS threads (read when numpy loads BLAS).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")

N_INTERVENTIONS = 20
HORIZON = 60
INTAKE_YEARS = 10
LAYERS = ("upstream", "midstream", "downstream")

# Ten shared uncertain parameters, each used by several interventions.
PARAMETERS = {
    "effect": "{dist: gamma, mean: 1.0, sd: 0.2}",
    "lapse": "{dist: beta, mean: 0.10, sd: 0.03}",
    "unit_cost": "{dist: lognormal, mean: 2500, sd: 500}",
    "cost_mult": "{dist: gamma, mean: 1.0, sd: 0.1}",
    "setup_mult": "{dist: pert, low: 0.8, mode: 1.0, high: 1.6}",
    "deadweight": "{dist: beta, mean: 0.2, sd: 0.05}",
    "attribution": "{dist: uniform, low: 0.0, high: 0.2}",
    "nhs_saving": "{dist: normal, mean: 800, sd: 150}",
    "crime_saving": "{dist: triangular, low: 500, mode: 1500, high: 2500}",
    "welfare_saving": "{dist: gamma, mean: 600, sd: 150}",
}


def scenario_yaml(n_interventions: int = N_INTERVENTIONS, horizon: int = HORIZON) -> str:
    """The synthetic scenario as YAML text (6 lines per intervention: 3 costs, 3 outcomes)."""
    out = [
        "prevcalc: 1",
        "name: Synthetic benchmark portfolio",
        f"horizon: {horizon}",
        "discounting: {schedule: green_book}",
        "parameters:",
    ]
    out += [f"  {k}: {v}" for k, v in PARAMETERS.items()]
    out.append("interventions:")
    for i in range(n_interventions):
        scale = 1 + 0.05 * i
        out += [
            f"  - id: iv{i:02d}",
            f"    name: Intervention {i}",
            f"    layer: {LAYERS[i % 3]}",
            f"    intake: {{participants: {50 + 5 * i}, years: {INTAKE_YEARS}}}",
            "    costs:",
            f'      setup: [{{amount: "{100000 + 5000 * i} * setup_mult", year: 0,'
            " funder: council}]",
            '      running: [{amount: "40000 * cost_mult",'
            f" to_year: {INTAKE_YEARS - 1}, funder: council}}]",
            f'      per_participant: [{{amount: "unit_cost * cost_mult * {scale:g}",'
            " duration: 2, funder: nhs}]",
            "    outcomes:",
            f'      - {{name: Health, agency: nhs, amount: "nhs_saving * effect * {scale:g}",'
            " drop_off: lapse, duration: 20, ramp: 1, deadweight: deadweight}",
            '      - {name: Crime, agency: police, amount: "crime_saving * effect", start: 2,'
            " drop_off: lapse, duration: 15, deadweight: deadweight, attribution: attribution}",
            "      - {name: Welfare, agency: dwp, amount: welfare_saving, per: year,"
            f" duration: {5 + i % 5}, deadweight: deadweight}}",
        ]
    return "\n".join(out) + "\n"


def load_scenario(n_interventions: int = N_INTERVENTIONS, horizon: int = HORIZON):
    from prevcalc.loader import loads

    return loads(scenario_yaml(n_interventions, horizon), "<benchmark>")


# ---------------------------------------------------------------------------------------------
# The same arithmetic, by hand


def _inputs(scenario, draws: int, seed: int) -> dict[str, np.ndarray]:
    """The sampled shared parameters, shape (draw,) each (the engine's own draws)."""
    from prevcalc import sampling

    d = sampling.sample(scenario, draws, seed)
    return {k: np.broadcast_to(v, (draws,)) for k, v in d.parameters.items()}


def _factors(scenario) -> np.ndarray:
    from prevcalc import discounting, engine

    return discounting.timing_factors(engine.schedule_bands(scenario), scenario.horizon, "start")


def _shares(T: int, start: int, duration: float, ramp: float, drop: np.ndarray) -> np.ndarray:
    """Outcome shares over years since entry, shape (draw, T) (FORMAT.md's profile formula)."""
    k = np.arange(T, dtype=float)[None, :]
    j = k - start
    active = np.clip(duration - j, 0.0, 1.0) * (j >= 0)
    ramp_share = np.minimum(1.0, (j + 1) / (ramp + 1))
    return active * ramp_share * (1.0 - drop[:, None]) ** np.maximum(0.0, j - ramp)


def numpy_floor(
    scenario, p: dict[str, np.ndarray], block: int = 20_000
) -> tuple[np.ndarray, np.ndarray]:
    """NPV of each intervention and of the total for every draw, in plain fused numpy.

    Returns (npv by intervention, shape (draw, intervention); total NPV, shape (draw,)).
    The cohort convolution is one matrix product with the intake's Toeplitz matrix per
    block of draws (the intake is the same in every draw).
    """
    T, n = scenario.horizon, next(iter(p.values())).shape[0]
    D = _factors(scenario)
    years = np.arange(T)
    out = np.empty((n, N_INTERVENTIONS))
    for b in range(0, n, block):
        q = {k: v[b : b + block] for k, v in p.items()}
        m = next(iter(q.values())).shape[0]
        adj = 1 - q["deadweight"]
        health_sh = _shares(T, 0, 20, 1, q["lapse"])
        crime_sh = _shares(T, 2, 15, 0, q["lapse"])
        pp_sh = _shares(T, 0, 2, 0, np.zeros(1))
        for i in range(N_INTERVENTIONS):
            scale = 1 + 0.05 * i
            intake = np.where(years < INTAKE_YEARS, 50.0 + 5 * i, 0.0)
            lag = years[:, None] - years[None, :]
            toep = np.where(lag >= 0, intake[np.maximum(lag, 0)], 0.0)  # (t, k): intake[t - k]
            welfare_sh = _shares(T, 0, 5 + i % 5, 0, np.zeros(1))
            # Per-participant flows by years since entry, then one convolution for the lot.
            profile = (
                (q["nhs_saving"] * q["effect"] * scale * adj)[:, None] * health_sh
                + (q["crime_saving"] * q["effect"] * adj * (1 - q["attribution"]))[:, None]
                * crime_sh
                + (q["welfare_saving"] * adj)[:, None] * welfare_sh
                - (q["unit_cost"] * q["cost_mult"] * scale)[:, None] * pp_sh
            )
            flows = profile @ toep.T
            flows[:, 0] -= (100000 + 5000 * i) * q["setup_mult"]
            flows[:, :INTAKE_YEARS] -= (40000 * q["cost_mult"])[:, None]
            out[b : b + m, i] = flows @ D
    return out, out.sum(axis=1)


def per_draw_loop(scenario, p: dict[str, np.ndarray], draws: int) -> np.ndarray:
    """The loop a user would write: each draw's series built in numpy, then numpy_financial.npv."""
    import numpy_financial as npf

    T = scenario.horizon
    D = _factors(scenario)
    # numpy_financial.npv discounts at one constant rate; use the schedule's rate in year 1
    # (the Green Book's 3.5%, the rate that applies to these flows' first 30 years) and take
    # the value that npv(rate, series) would give. Timing is what matters here.
    rate = 1 / D[1] - 1
    totals = np.empty(draws)
    for d in range(draws):
        total = 0.0
        lapse, effect, dw = p["lapse"][d], p["effect"][d], p["deadweight"][d]
        for i in range(N_INTERVENTIONS):
            scale = 1 + 0.05 * i
            intake = np.where(np.arange(T) < INTAKE_YEARS, 50.0 + 5 * i, 0.0)
            profile = (
                p["nhs_saving"][d]
                * effect
                * scale
                * (1 - dw)
                * _shares(T, 0, 20, 1, np.array([lapse]))[0]
                + p["crime_saving"][d]
                * effect
                * (1 - dw)
                * (1 - p["attribution"][d])
                * _shares(T, 2, 15, 0, np.array([lapse]))[0]
                + p["welfare_saving"][d] * (1 - dw) * _shares(T, 0, 5 + i % 5, 0, np.zeros(1))[0]
                - p["unit_cost"][d]
                * p["cost_mult"][d]
                * scale
                * _shares(T, 0, 2, 0, np.zeros(1))[0]
            )
            series = np.convolve(intake, profile)[:T]
            series[0] -= (100000 + 5000 * i) * p["setup_mult"][d]
            series[:INTAKE_YEARS] -= 40000 * p["cost_mult"][d]
            total += npf.npv(rate, series)
        totals[d] = total
    return totals


# ---------------------------------------------------------------------------------------------
# Measuring


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


def _timed(fn, *args, repeat: int = 1):
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        value = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, value


def bench(draws: int, seed: int = 1, loop_sample: int = 200, repeat: int = 1) -> dict:
    from prevcalc import engine

    scenario = load_scenario()
    engine.run(scenario, draws=50, seed=seed)  # warm up imports and caches
    # Timed without tracemalloc, which slows numpy's many allocations down (by ~2x here).
    t_engine, result = _timed(lambda: engine.run(scenario, draws=draws, seed=seed), repeat=repeat)
    p = _inputs(scenario, draws, seed)
    t_floor, (npv_iv, npv_total) = _timed(numpy_floor, scenario, p, repeat=repeat)
    engine_npv = result.values["total"]["npv"][:, 0]
    agree = float(np.max(np.abs(engine_npv - npv_total)) / np.max(np.abs(npv_total)))
    k = min(loop_sample, draws)
    t_loop_k, _ = _timed(per_draw_loop, scenario, p, k)
    t_loop = t_loop_k * draws / k
    return {
        "draws": draws,
        "engine_s": t_engine,
        "floor_s": t_floor,
        "loop_s": t_loop,
        "loop_sample": k,
        "engine_vs_floor": t_engine / t_floor,
        "loop_vs_engine": t_loop / t_engine,
        "max_rel_diff_engine_floor": agree,
        "peak_rss_mib": peak_rss_mib(),
    }


def _print_table(rows: list[dict]) -> None:
    head = (
        f"{'draws':>9}  {'engine s':>9}  {'floor s':>8}  {'loop s*':>9}  {'engine/floor':>12}  "
        f"{'loop/engine':>11}  {'peak RSS MiB':>12}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['draws']:>9,}  {r['engine_s']:>9.3f}  {r['floor_s']:>8.3f}  {r['loop_s']:>9.1f}  "
            f"{r['engine_vs_floor']:>11.2f}x  {r['loop_vs_engine']:>10.0f}x  "
            f"{r['peak_rss_mib']:>12.0f}"
        )
    print(
        f"* loop s: timed on {rows[-1]['loop_sample']} draws and scaled linearly "
        "to the row's draws."
    )
    worst = max(r["max_rel_diff_engine_floor"] for r in rows)
    print(f"engine and floor total NPV agree to {worst:.1e} (largest difference / largest |NPV|).")


def synthetic(sizes: list[int], quick: bool, seed: int, repeat: int) -> None:
    """The synthetic scenario's table (fixed intake): engine, numpy floor, per-draw loop."""
    print(
        f"\nSynthetic scenario: {N_INTERVENTIONS} interventions x {HORIZON} years, "
        f"{INTAKE_YEARS} intake years, "
        f"{len(PARAMETERS)} shared uncertain parameters, {6 * N_INTERVENTIONS} lines; "
        f"{os.cpu_count()} CPUs; numpy {np.__version__}; wall time"
    )
    rows = [bench(n, seed, loop_sample=20 if quick else 200, repeat=repeat) for n in sizes]
    _print_table(rows)


def _tlogt_slope(lo: float, hi: float) -> float:
    """The log-log slope T log T shows between horizons lo and hi."""
    return 1 + float(np.log(np.log(hi) / np.log(lo)) / np.log(hi / lo))


def targets(
    rows: list[dict],
    grown: dict[str, dict],
    mem: dict | None,
    quick: bool,
    commands: dict[str, float] | None = None,
) -> None:
    """Issue 12's targets against this run's figures: met, or missed and by how much."""
    print("\ntargets (issue 12), from the figures above:")
    if quick:
        print("  (--quick: tiny sizes, where fixed costs dominate; these lines only smoke-test)")

    def line(ok: bool, text: str) -> None:
        print(f"  [{'met' if ok else 'MISSED'}] {text}")

    big = max(rows, key=lambda r: r["draws"])
    n, eng, dense, floor = big["draws"], big["engine_s"][0], big["dense_s"], big["numba_s"]
    if floor is not None:
        ratio = eng / floor
        line(
            ratio <= 3,
            f"{n:,} draws within 3x of the numba floor: {ratio:.1f}x"
            + ("" if ratio <= 3 else f" (missed by a factor {ratio / 3:.1f})"),
        )
    else:
        print("  [n/a] numba floor: numba is not installed (pip install prevcalc[fast])")
    line(
        eng < dense,
        f"{n:,} draws faster than dense numpy: engine / dense = {eng / dense:.2f}",
    )
    if mem is not None:
        gib = mem["peak_rss_mib"] / 1024
        line(gib < 2, f"{mem['draws']:,} draws under 2 GiB: peak RSS {gib:.2f} GiB")
        scale = mem["seconds"] / eng
        want = 12 * mem["draws"] / n / 10
        line(
            scale <= want,
            f"{mem['draws']:,} draws within {want:g}x the {n:,}-draw time: {scale:.1f}x "
            f"({mem['seconds']:.1f} s against {eng:.2f} s; one run against best of the repeats)",
        )
    for name, g in grown.items():
        sizes = g["sizes"]
        slope = g["upper_exponent"] if g["upper_exponent"] is not None else g["exponent"]
        span = sizes[1:] if g["upper_exponent"] is not None else sizes
        if name == "horizon":
            limit, what = _tlogt_slope(span[0], span[-1]), "at most T log T"
        else:
            limit, what = 1.0, "linear"
        # Slopes from single timings on a shared machine carry about +-0.1 of noise.
        line(
            slope <= limit + 0.1,
            f"time {what} in {name}: slope {slope:.2f} over {span[0]:,}..{span[-1]:,}"
            f" (all sizes {sizes[0]:,}..{sizes[-1]:,}: {g['exponent']:.2f}); "
            f"{what} is {limit:.2f} there, +-0.1 allowed for noise",
        )
    if commands and "run" in commands and "bare imports" in commands:
        ratio = commands["run"] / commands["bare imports"]
        line(
            ratio <= 1.5,
            f"start-up: run within 1.5x of the bare imports: {ratio:.2f}x (medians, wall time)"
            + ("" if ratio <= 1.5 else f" (missed by a factor {ratio / 1.5:.2f})"),
        )
        if "bare, no teardown" in commands:  # like for like: the command skips the teardown
            like = commands["run"] / commands["bare, no teardown"]
            print(f"         (against the bare imports also ending without teardown: {like:.2f}x)")
    if commands and "sensitivity" in commands:
        s = commands["sensitivity"]
        line(
            s <= 3.1 / 2,
            f"sensitivity --swing halved from the issue's 3.1 s: {s:.2f} s (median, wall time)",
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, action="append", help="W2 sizes (repeatable)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for a CI smoke step")
    ap.add_argument(
        "--memory",
        type=int,
        metavar="DRAWS",
        help="draws of the memory run (default 1,000,000; 10,000 with --quick; 0 skips it)",
    )
    ap.add_argument("--no-growth", action="store_true", help="skip the growth series")
    ap.add_argument(
        "--commands",
        action="store_true",
        help="also time run, sensitivity --swing, compare --draws and brief --draws",
    )
    ap.add_argument("--rounds", type=int, help="rounds of --commands (default 3; 1 with --quick)")
    ap.add_argument("--synthetic", action="store_true", help="also the synthetic scenario's table")
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="time CPU seconds of each process (all threads) instead of wall time (the commands "
        "stay in wall time)",
    )
    ap.add_argument(
        "--blas-threads",
        type=int,
        metavar="N",
        help="limit BLAS (OpenBLAS, MKL, OpenMP) to N threads in every process, children too; "
        "the numba floor keeps its own threads",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="best of this many timings (default 3, 1 with --quick): on a shared machine a single "
        "timing of the numba floor can be twice its usual time, which flatters the ratio",
    )
    args = ap.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3

    if args.blas_threads and os.environ.get("OPENBLAS_NUM_THREADS") != str(args.blas_threads):
        # BLAS reads these when numpy loads it, so the setting needs a fresh interpreter.
        for var in BLAS_THREAD_VARIABLES:
            os.environ[var] = str(args.blas_threads)
        os.execv(sys.executable, [sys.executable, os.path.abspath(__file__), *sys.argv[1:]])
    if args.blas_threads:
        print(f"BLAS limited to {args.blas_threads} thread(s) per process")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench_workloads as bw

    if args.cpu:
        bw.use_cpu_clock()
        print("times below are CPU seconds (all threads of the process), not wall time")
    trees: list[str | None] = [None]
    sizes = args.draws or ([1_000] if args.quick else [10_000, 100_000])
    rows = bw.side_by_side(sizes, trees, args.repeat, args.seed)
    grown = {} if args.no_growth else bw.growth(trees, args.repeat, args.seed, args.quick)
    draws = args.memory if args.memory is not None else (10_000 if args.quick else 1_000_000)
    mem = bw.memory(trees, draws, args.seed)[0] if draws else None
    if args.synthetic:
        synthetic([200, 1000] if args.quick else [10_000, 100_000], args.quick, args.seed, 1)
    cmd_times = None
    if args.commands:
        import bench_commands

        print("\ncommands (wall time, each in a fresh process):")
        cmd_args = ["--quick"] if args.quick else []
        if args.rounds:
            cmd_args += ["--rounds", str(args.rounds)]
        bench_commands.main(cmd_args)
        cmd_times = bench_commands.MEDIANS
    targets(rows, grown, mem, args.quick, cmd_times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
