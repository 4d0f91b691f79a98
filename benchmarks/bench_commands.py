"""The commands users wait for: ``sensitivity``, ``compare --draws``, ``brief --draws``, ``run``.

Each command runs in a fresh process (start-up, imports, loading and the work itself, as a user
sees it), N times, interleaved round by round so that load on a shared machine falls on all
alike; the table gives the fastest and the median wall time of each. Nothing is asserted.

- *bare imports*: ``python -c "import click, numpy, pandas, pydantic, rich, yaml"``, the
  libraries ``prevcalc run`` needs and nothing of prevcalc;
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

Figures from this machine (2 CPUs, shared: the load average was 9 while these ran, so the
rounds spread widely; compare versions with ``--tree``, in one run), before the batched
switching values, ``python benchmarks/bench_commands.py --tree <copy of the tree>``::

    3 interleaved round(s); 2 CPUs; draws: compare 2,000, brief 5,000
                         command    min s  median s   spread  median / bare
                    bare imports    1.419     1.853    301%          1.00x
                    run [before]    2.436     5.863    148%          3.16x
            sensitivity [before]    4.236     5.487    144%          2.96x
                compare [before]    4.558     5.224    177%          2.82x
                  brief [before]   73.594    92.048     51%         49.68x

``--breakdown`` of the brief (5,000 draws) before: 64.7 s under cProfile, of which charts
22.0 s, writers 25.9 s (Word tables 17.8 s), switching values 8.0 s, the options' runs 2.4 s,
discount rates 1.1 s, tornado 0.2 s; imports 5.8 s (nested in the others).

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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BARE = "import click, numpy, pandas, pydantic, rich, yaml"
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
            "bare imports": ([sys.executable, "-c", BARE], dict(base))
        }
        for tree in args.tree or [None]:
            for name, cmd in commands(args.quick, tree, base, out).items():
                if not args.only or name.split(" ")[0] in args.only:
                    cmds[name] = cmd
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for cmd, env in cmds.values():  # warm the file and bytecode caches; check each works
            subprocess.run(
                cmd,
                env=env,
                cwd=out,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        for _ in range(rounds):
            for name, (cmd, env) in cmds.items():
                t0 = time.perf_counter()
                subprocess.run(
                    cmd,
                    env=env,
                    cwd=out,
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                times[name].append(time.perf_counter() - t0)
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
            spread = (max(t) - min(t)) / med if med else 0.0
            print(f"{name:>28}  {min(t):>7.3f}  {med:>8.3f}  {spread:>6.0%}  {med / bare:>12.2f}x")
        print("spread: (slowest - fastest) / median over the rounds")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
