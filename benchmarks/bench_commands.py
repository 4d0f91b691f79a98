"""The commands users wait for: ``sensitivity``, ``compare --draws``, ``brief --draws``, ``run``.

Each command runs in a fresh process (start-up, imports, loading and the work itself, as a user
sees it), N times, interleaved round by round so that load on a shared machine falls on all
alike; the table gives the fastest and the median wall time of each. Nothing is asserted.

- *bare imports*: ``python -c "import click, numpy, pandas, pydantic, rich, yaml"``, the
  libraries ``prevcalc run`` needs and nothing of prevcalc;
- *bare, no teardown*: the same imports, ending with ``os._exit`` as the ``prevcalc`` command
  does (no interpreter teardown): the like-for-like reference;
- *run*: ``prevcalc run scenarios/nurse_family_partnership.yaml`` (its ratio to the bare
  imports is the start-up target of ``bench_startup.py``: within 1.5x);
- *sensitivity*: ``prevcalc sensitivity scenarios/portfolio.yaml --swing 0.2``;
- *compare*: ``prevcalc compare scenarios/portfolio.yaml --variants --draws 2000 --seed 1``;
- *brief*: ``prevcalc brief scenarios/portfolio.yaml --variants --draws 5000 --seed 1 --out DIR``.

Usage::

    python benchmarks/bench_commands.py                      # 3 rounds
    python benchmarks/bench_commands.py --quick              # 1 round, 200 draws: a CI smoke step
    python benchmarks/bench_commands.py --tree ../old --tree .   # two versions, interleaved
    python benchmarks/bench_commands.py --breakdown          # where the time goes (cProfile)
    python benchmarks/bench_commands.py --only sensitivity --only brief --rounds 5

``--breakdown`` runs the brief and ``sensitivity`` once each under cProfile, in a fresh process,
and prints the cumulative time of each stage (imports, loading, the options' runs, tornado,
switching values, discount rates, charts, writers, terminal) and the top entries by cumulative
time. Stages can nest (the discount-rate table runs the engine), so they do not add up to the
total; cProfile's overhead inflates Python-heavy stages more than numpy-heavy ones.

Figures from this machine (2 CPUs, shared with other test runs: load average 6 to 11 while
these ran, so single rounds spread widely; compare versions with ``--tree``, in one run).
Before and after the batched switching values (two copies of the same tree, differing only in
``prevcalc/uncertainty.py``), ``python benchmarks/bench_commands.py --tree OLD --tree NEW
--only sensitivity --only brief``::

    3 interleaved round(s); 2 CPUs; draws: compare 2,000, brief 5,000
                         command    min s  median s   spread  median / bare
                    bare imports    1.009     2.283    105%          1.00x
               sensitivity [old]    6.492    12.125     67%          5.31x
                     brief [old]   48.785    57.644     37%         25.25x
               sensitivity [new]    3.585     4.480     85%          1.96x
                     brief [new]   38.062    42.006     54%         18.40x

``--breakdown`` (cumulative seconds under cProfile, one run each, same trees):

    stage                           brief old  brief new   sensitivity old  sensitivity new
    imports                              7.76       8.50              4.11             3.82
    runs of the options                  2.51       3.82
    tornado                              0.29       1.50*             0.19             1.21*
    switching values                    19.55       2.22              7.03             0.77
    discount rates                       1.11       1.27              0.53             0.60
    charts                              29.87      36.54
    writers (docx, html, xlsx, ...)     25.36      30.17
    terminal output                                                   0.82             0.72
    total profiled                      84.90      82.78             12.84             6.24

    * the first quantile imports scipy.special; before, importing scipy.optimize for the
      root finder had imported it earlier, outside these stages.

The brief's analysis (tornado, switching values, discount rates) went from 21.0 s to 5.0 s;
the brief as a whole is now mostly charts (PNG and SVG of each) and the Word tables.

Bytecode is written to a private cache folder and reused (an installed package has its .pyc
files), as in ``bench_startup.py``.
"""

from __future__ import annotations

import argparse
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench_startup import BARE, interleaved

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTFOLIO = os.path.join(ROOT, "scenarios", "portfolio.yaml")
NFP = os.path.join(ROOT, "scenarios", "nurse_family_partnership.yaml")

#: Stages of the breakdown: label -> (file name ending, function name) whose cumulative time
#: is the stage's; several functions are added up.
STAGES: dict[str, list[tuple[str, str]]] = {
    "imports (prevcalc and libraries)": [("<frozen importlib._bootstrap>", "_find_and_load")],
    "load and validate": [("loader.py", "load"), ("loader.py", "load_options")],
    "runs of the options": [("prevcalc/__init__.py", "run")],
    "tornado": [("uncertainty.py", "tornado")],
    "switching values": [("uncertainty.py", "switching_values")],
    "discount rates": [("uncertainty.py", "discount_rate_table")],
    "charts": [("charts.py", "brief_charts")],
    "writers (docx, html, xlsx, md, csv)": [
        ("docx.py", "write_docx"),
        ("html.py", "write_html"),
        ("xlsx.py", "write_xlsx"),
        ("markdown.py", "write_markdown"),
        ("csv.py", "write_csv"),
    ],
    "terminal output": [("terminal.py", "print")],
}


#: Median wall time of each command in the last call of ``main``, seconds (for bench_engine.py).
MEDIANS: dict[str, float] = {}


def commands(
    quick: bool, tree: str | None, base: dict[str, str], out: str
) -> dict[str, tuple[list[str], dict[str, str]]]:
    # prevcalc from the given tree, else from this script's tree; the commands run in a
    # temporary folder, since `python -m` puts the working folder first on the path.
    env = dict(base)
    env["PYTHONPATH"] = os.path.abspath(tree or ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    tag = f" [{os.path.basename(os.path.abspath(tree))}]" if tree else ""
    pc = [sys.executable, "-m", "prevcalc"]
    cmp_draws, brief_draws = ("200", "200") if quick else ("2000", "5000")
    brief_out = os.path.join(out, f"brief{abs(hash(tag))}")
    return {
        f"run{tag}": (pc + ["run", NFP], env),
        f"sensitivity{tag}": (pc + ["sensitivity", PORTFOLIO, "--swing", "0.2"], env),
        f"compare{tag}": (
            pc + ["compare", PORTFOLIO, "--variants", "--draws", cmp_draws, "--seed", "1"],
            env,
        ),
        f"brief{tag}": (
            pc
            + ["brief", PORTFOLIO, "--variants", "--draws", brief_draws, "--seed", "1"]
            + ["--out", brief_out, "--force"],
            env,
        ),
    }


def _stage_times(stats: pstats.Stats) -> dict[str, float]:
    raw = stats.stats  # type: ignore[attr-defined]
    out = {}
    for label, funcs in STAGES.items():
        total = 0.0
        for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in raw.items():
            for suffix, fname in funcs:
                if name == fname and file.endswith(suffix):
                    total += ct
        out[label] = total
    return out


def breakdown(base: dict[str, str], out: str, quick: bool, top: int) -> None:
    draws = "200" if quick else "5000"
    runs = {
        f"brief --draws {draws}": [
            "brief",
            PORTFOLIO,
            "--variants",
            "--draws",
            draws,
            "--seed",
            "1",
            "--out",
            os.path.join(out, "brief-profile"),
            "--force",
        ],
        "sensitivity --swing 0.2": ["sensitivity", PORTFOLIO, "--swing", "0.2"],
    }
    for name, args in runs.items():
        prof = os.path.join(out, "profile.out")
        t0 = time.perf_counter()
        env = dict(base, PYTHONPATH=ROOT + os.pathsep + base.get("PYTHONPATH", ""))
        subprocess.run(
            [sys.executable, "-m", "cProfile", "-o", prof, "-m", "prevcalc", *args],
            env=env,
            cwd=out,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - t0
        stats = pstats.Stats(prof)
        total = max(ct for (_cc, _nc, _tt, ct, _c) in stats.stats.values())  # type: ignore[attr-defined]
        print(f"\n{name}: {wall:.2f} s wall under cProfile ({total:.2f} s profiled)")
        print(f"  {'stage':<38} {'cumulative s':>12} {'share':>7}")
        for label, t in _stage_times(stats).items():
            if t:
                print(f"  {label:<38} {t:>12.2f} {t / total:>6.0%}")
        print(f"  top {top} prevcalc functions by cumulative time:")
        rows = [
            (ct, nc, f"{os.path.basename(file)}:{line}({fn})")
            for (file, line, fn), (_cc, nc, _tt, ct, _c) in stats.stats.items()  # type: ignore[attr-defined]
            if f"prevcalc{os.sep}" in file and fn not in ("<module>", "main", "invoke")
        ]
        for ct, nc, where in sorted(rows, reverse=True)[:top]:
            print(f"    {ct:>8.2f} s  {nc:>6} calls  {where}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=None, help="default 3 (1 with --quick)")
    ap.add_argument("--quick", action="store_true", help="200 draws, 1 round: a smoke step")
    ap.add_argument(
        "--tree", action="append", help="import prevcalc from this source tree (repeatable)"
    )
    ap.add_argument(
        "--only", action="append", help="time only these commands (run, sensitivity, ...)"
    )
    ap.add_argument("--breakdown", action="store_true", help="profile the brief and sensitivity")
    ap.add_argument("--top", type=int, default=15, help="entries listed by --breakdown")
    args = ap.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    base = dict(os.environ)
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "prevcalc-bench-pycache")
    out = tempfile.mkdtemp(prefix="prevcalc-bench-")
    try:
        if args.breakdown:
            breakdown(base, out, args.quick, args.top)
            return 0
        cmds: dict[str, tuple[list[str], dict[str, str]]] = {
            "bare imports": ([sys.executable, "-c", BARE], dict(base)),
            # ending as the prevcalc command does, without interpreter teardown (os._exit)
            "bare, no teardown": (
                [sys.executable, "-c", BARE + "; import os; os._exit(0)"],
                dict(base),
            ),
        }
        for tree in args.tree or [None]:
            for name, cmd in commands(args.quick, tree, base, out).items():
                if not args.only or name.split(" ")[0] in args.only:
                    cmds[name] = cmd
        times = interleaved(cmds, rounds, out)
        bare = statistics.median(times["bare imports"])
        print(
            f"{rounds} interleaved round(s); {os.cpu_count()} CPUs; "
            f"draws: compare {'200' if args.quick else '2,000'}, "
            f"brief {'200' if args.quick else '5,000'}"
        )
        print(
            f"{'command':>28}  {'min s':>7}  {'median s':>8}  {'spread':>7}  {'median / bare':>13}"
        )
        for name, t in times.items():
            med = statistics.median(t)
            MEDIANS[name] = med
            spread = (max(t) - min(t)) / med if med else 0.0
            print(f"{name:>28}  {min(t):>7.3f}  {med:>8.3f}  {spread:>6.0%}  {med / bare:>12.2f}x")
        print("spread: (slowest - fastest) / median over the rounds")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
