"""Engine benchmark: a synthetic 20-intervention, 60-year scenario with shared uncertain inputs.

Prints, for each number of draws, the engine's wall time and peak memory beside two
references computed in the same run:

- the *numpy floor*: the same arithmetic (cohort convolution, discounting, NPV of every
  intervention and of the total, for every draw) written directly as a few fused numpy
  expressions, with none of the engine's generality (groupings, IRR, payback, notes);
- the *per-draw loop*: what a user would otherwise write, a Python loop over draws building
  each intervention's yearly series and calling ``numpy_financial.npv``. It is timed on a
  subsample of draws and scaled up linearly; the output says so.

Usage::

    python benchmarks/bench_engine.py                  # 10,000 and 100,000 draws
    python benchmarks/bench_engine.py --draws 50000    # chosen sizes (repeatable)
    python benchmarks/bench_engine.py --quick          # tiny smoke run for CI
    python benchmarks/bench_engine.py --memory         # 1,000,000 draws, peak RSS,
                                                       # in a child process

Wall-clock figures depend on the machine; nothing here asserts a time.
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

import numpy as np

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


def memory_run(draws: int, seed: int = 1) -> dict:
    """One engine run in this process; peak RSS of the whole process."""
    from prevcalc import engine

    scenario = load_scenario()
    base = peak_rss_mib()
    t0 = time.perf_counter()
    result = engine.run(scenario, draws=draws, seed=seed)
    wall = time.perf_counter() - t0
    return {
        "draws": draws,
        "engine_s": wall,
        "rss_before_mib": base,
        "peak_rss_mib": peak_rss_mib(),
        "npv_mean": float(np.mean(result.values["total"]["npv"])),
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, action="append", help="number of draws (repeatable)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for a CI smoke step")
    ap.add_argument(
        "--memory",
        nargs="?",
        const=1_000_000,
        type=int,
        metavar="DRAWS",
        help="also run DRAWS (default 1,000,000) draws in a child process and report its peak RSS",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="best of this many timings")
    ap.add_argument("--child-memory", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child_memory:
        print(json.dumps(memory_run(args.child_memory, args.seed)))
        return 0

    sizes = args.draws or ([200, 1000] if args.quick else [10_000, 100_000])
    print(
        f"Synthetic scenario: {N_INTERVENTIONS} interventions x {HORIZON} years, "
        f"{INTAKE_YEARS} intake years, "
        f"{len(PARAMETERS)} shared uncertain parameters, {6 * N_INTERVENTIONS} lines; "
        f"{os.cpu_count()} CPUs; numpy {np.__version__}"
    )
    rows = [
        bench(n, args.seed, loop_sample=20 if args.quick else 200, repeat=args.repeat)
        for n in sizes
    ]
    _print_table(rows)

    if args.memory:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child-memory",
                str(args.memory),
                "--seed",
                str(args.seed),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        m = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"memory run: {m['draws']:,} draws in {m['engine_s']:.1f} s; "
            f"peak RSS {m['peak_rss_mib']:.0f} MiB "
            f"(of which {m['rss_before_mib']:.0f} MiB before the run: "
            "interpreter, numpy, pandas, scenario)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
