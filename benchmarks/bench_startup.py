"""Start-up: ``prevcalc run`` on a bundled scenario against the bare imports of its dependencies.

Runs each command N times, interleaved round by round (so that load on a shared machine falls
on all alike), and prints the fastest and the median wall time of each, and the ratio of
``prevcalc run`` to the bare imports (target: within 1.5x).

- *bare imports*: ``python -c "import click, numpy, pandas, pydantic, rich, yaml"``, the
  libraries a run needs, and nothing of prevcalc;
- *bare imports, no teardown*: the same, ending with ``os._exit`` as the ``prevcalc`` command
  does (unloading those libraries at exit takes about a fifth of the bare imports' time), for
  a like-for-like comparison;
- *prevcalc --version*: the package and the command line, no scenario;
- *prevcalc run*: load, validate and run a bundled scenario, and print its terminal report.

Usage::

    python benchmarks/bench_startup.py                       # 20 rounds
    python benchmarks/bench_startup.py --rounds 40 --scenario scenarios/portfolio.yaml
    python benchmarks/bench_startup.py --tree ../old --tree .   # before / after, interleaved
    python benchmarks/bench_startup.py --breakdown --rounds 10  # where the time goes

For where the time goes: ``python benchmarks/bench_startup.py --breakdown`` times, in fresh
processes (median over the rounds), each stage of ``prevcalc run`` after the bare imports: each
prevcalc module's own import in the order the run needs them (the package and its version, the
command line, the terminal report, the loader and the scenario's pydantic models, the engine,
the fairness analysis), then loading and validating the scenario, the run, and rendering the
report. ``python -X importtime -m prevcalc run scenarios/time_bank.yaml`` gives every module.

Figures from this machine (2 CPUs, shared with other virtual machines), ``--rounds 20``,
2026-11-30 17:02 UTC: bare imports 0.492 s fastest, 0.642 s median; ``prevcalc run`` 1.38x the
bare imports (fastest) and 1.28x (median), and 1.71x and 1.64x the bare imports ending without
teardown; ``prevcalc --version`` 0.15x. ``--breakdown --rounds 10`` (medians, as a share of the
bare imports): pydantic's model machinery 18% and rich's console 7% (both the libraries' own,
imported lazily), building and running the scenario's validator 16% and importing the loader
with the scenario's models 8%, rendering the terminal report 11%, the run 3%, the engine's and
the terminal report's modules 2% and 3%, the package, the command line and the fairness modules
1% to 2% each.

Bytecode: an installed package has its modules compiled (pip writes the .pyc files). If
``PYTHONDONTWRITEBYTECODE`` is set, a source tree is compiled again on every start (about a
third of prevcalc's own import time); so the commands run with bytecode written to a private
cache folder (``PYTHONPYCACHEPREFIX``) and reused, unless ``--no-bytecode`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = "import click, numpy, pandas, pydantic, rich, yaml"

#: The stages of ``prevcalc run`` timed by ``--breakdown``, run in this order in one fresh
#: process after the bare imports. rich's console (not imported by ``import rich``) and
#: pydantic's model machinery (imported lazily, on the first model class) are the libraries'
#: own parts of the terminal report's and the scenario models' imports.
STAGES = [
    ("import rich.console (a dependency)", "import rich.console, rich.table"),
    ("import prevcalc (package, version)", "import prevcalc"),
    ("import prevcalc.cli", "import prevcalc.cli"),
    ("import report.terminal (result, tables)", "import prevcalc.report.terminal"),
    (
        "pydantic's first model (a dependency)",
        "from pydantic import BaseModel\nclass _First(BaseModel):\n    x: int = 0\n_First(x=1)",
    ),
    ("import loader (scenario models, yaml)", "import prevcalc.loader"),
    ("import engine (sampling, curves, ...)", "import prevcalc.engine"),
    ("import equity (fairness)", "import prevcalc.equity"),
    ("load and validate the scenario", "sc = prevcalc.load(SCENARIO)"),
    ("run (deterministic)", "r = prevcalc.run(sc)"),
    (
        "render the terminal report",
        "from prevcalc.report.terminal import render_run\n"
        "from rich.console import Console\n"
        "import io\n"
        "Console(file=io.StringIO(), width=100).print(render_run(r))",
    ),
]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Where the commands run: not a source tree, since ``python -m`` puts the working folder first
#: on the path, before ``PYTHONPATH`` (``--tree`` would otherwise time the working folder's copy).
CWD = tempfile.gettempdir()


def interleaved(
    cmds: dict[str, tuple[list[str], dict[str, str]]], rounds: int, cwd: str
) -> dict[str, list[float]]:
    """Wall seconds of each command (name -> (argv, environment)), in fresh processes run from
    ``cwd``: each run once first (warming the file and bytecode caches, and checking that it
    works), then ``rounds`` rounds taking the commands in turn, so that load falls on all alike."""
    for cmd, env in cmds.values():
        subprocess.run(
            cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(rounds):
        for name, (cmd, env) in cmds.items():
            t0 = time.perf_counter()
            subprocess.run(
                cmd,
                env=env,
                cwd=cwd,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            times[name].append(time.perf_counter() - t0)
    return times


def commands(
    scenario: str, tree: str | None, base: dict[str, str]
) -> dict[str, tuple[list[str], dict[str, str]]]:
    # prevcalc from the given tree, else from this script's tree; the commands run in a
    # temporary folder, since `python -m` puts the working folder first on the path.
    env = dict(base)
    env["PYTHONPATH"] = os.path.abspath(tree or ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    tag = f" [{os.path.basename(os.path.abspath(tree))}]" if tree else ""
    py = sys.executable
    return {
        "bare imports": ([py, "-c", BARE], dict(base)),
        # The same imports, ending as the command does (os._exit: no interpreter teardown), so
        # that what the fast exit saves can be told apart from what prevcalc costs.
        "bare imports, no teardown": ([py, "-c", BARE + "; import os; os._exit(0)"], dict(base)),
        f"prevcalc --version{tag}": ([py, "-m", "prevcalc", "--version"], env),
        f"prevcalc run{tag}": ([py, "-m", "prevcalc", "run", scenario], env),
    }


def breakdown(scenario: str, rounds: int, env: dict[str, str]) -> None:
    """Time each stage of ``prevcalc run`` in fresh processes; print the medians."""
    lines = [
        "import time, json",
        f"t0 = time.perf_counter(); {BARE}; t1 = time.perf_counter()",
        f"SCENARIO = {scenario!r}",
        "out = {'bare imports': t1 - t0}",
    ]
    for label, code in STAGES:
        lines.append("t0 = time.perf_counter()")
        lines.extend(code.split("\n"))
        lines.append(f"out[{label!r}] = time.perf_counter() - t0")
    lines.append("print(json.dumps(out))")
    program = "\n".join(lines)
    subprocess.run(
        [sys.executable, "-c", program], env=env, cwd=CWD, check=True, capture_output=True
    )
    times: dict[str, list[float]] = {}
    for _ in range(rounds):
        done = subprocess.run(
            [sys.executable, "-c", program],
            env=env,
            cwd=CWD,
            check=True,
            capture_output=True,
            text=True,
        )
        for k, v in json.loads(done.stdout).items():
            times.setdefault(k, []).append(v)
    bare = statistics.median(times["bare imports"])
    print(
        f"{rounds} fresh processes; scenario {os.path.basename(scenario)}; "
        "median seconds of each stage, and as a share of the bare imports"
    )
    print(f"{'stage':>42}  {'median s':>8}  {'/ bare':>7}")
    total = 0.0
    for name, t in times.items():
        med = statistics.median(t)
        total += med if name != "bare imports" else 0.0
        print(f"{name:>42}  {med:>8.3f}  {med / bare:>6.0%}")
    print(f"{'prevcalc on top of the bare imports':>42}  {total:>8.3f}  {total / bare:>6.0%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios", "time_bank.yaml"))
    ap.add_argument(
        "--tree", action="append", help="import prevcalc from this source tree (repeatable)"
    )
    ap.add_argument(
        "--no-bytecode", action="store_true", help="keep the environment's bytecode setting"
    )
    ap.add_argument(
        "--breakdown", action="store_true", help="time each stage of a run (imports, work)"
    )
    args = ap.parse_args(argv)
    # The commands run outside the source tree: a scenario given relative to here must resolve.
    args.scenario = os.path.abspath(args.scenario)
    base = dict(os.environ)
    if not args.no_bytecode:
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "prevcalc-bench-pycache")
    if args.breakdown:
        tree = os.path.abspath(args.tree[-1] if args.tree else ROOT)
        env = dict(base, PYTHONPATH=tree + os.pathsep + base.get("PYTHONPATH", ""))
        breakdown(args.scenario, args.rounds, env)
        return 0
    cmds: dict[str, tuple[list[str], dict[str, str]]] = {}
    for tree in args.tree or [None]:
        cmds.update(commands(args.scenario, tree, base))
    times = interleaved(cmds, args.rounds, CWD)
    bare = times["bare imports"]
    print(
        f"{args.rounds} interleaved rounds; scenario {os.path.basename(args.scenario)}; "
        f"{os.cpu_count()} CPUs; "
        f"bytecode {'as the environment says' if args.no_bytecode else 'cached'}"
    )
    print(
        f"{'command':>32}  {'min s':>7}  {'median s':>8}  {'min / bare':>10}  {'median / bare':>13}"
    )
    for name, t in times.items():
        print(
            f"{name:>32}  {min(t):>7.3f}  {statistics.median(t):>8.3f}  "
            f"{min(t) / min(bare):>9.2f}x  "
            f"{statistics.median(t) / statistics.median(bare):>12.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
