"""Start-up: ``prevcalc run`` on a bundled scenario against the bare imports of its dependencies.

Runs each command N times, interleaved round by round (so that load on a shared machine falls
on all alike), and prints the fastest and the median wall time of each, and the ratio of
``prevcalc run`` to the bare imports (target: within 1.5x).

- *bare imports*: ``python -c "import click, numpy, pandas, pydantic, yaml"``, the libraries a
  run needs, and nothing of prevcalc;
- *prevcalc --version*: the package and the command line, no scenario;
- *prevcalc run*: load, validate and run a bundled scenario, and print its terminal report.

Usage::

    python benchmarks/bench_startup.py                       # 20 rounds
    python benchmarks/bench_startup.py --rounds 40 --scenario scenarios/portfolio.yaml
    python benchmarks/bench_startup.py --tree ../old --tree .   # before / after, interleaved

For where the time goes: ``python -X importtime -m prevcalc run scenarios/time_bank.yaml``.

Bytecode: an installed package has its modules compiled (pip writes the .pyc files). If
``PYTHONDONTWRITEBYTECODE`` is set, a source tree is compiled again on every start (about a
third of prevcalc's own import time); so the commands run with bytecode written to a private
cache folder (``PYTHONPYCACHEPREFIX``) and reused, unless ``--no-bytecode`` is given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = "import click, numpy, pandas, pydantic, yaml"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def commands(
    scenario: str, tree: str | None, base: dict[str, str]
) -> dict[str, tuple[list[str], dict[str, str]]]:
    env = dict(base)
    tag = ""
    if tree:
        env["PYTHONPATH"] = os.path.abspath(tree) + os.pathsep + env.get("PYTHONPATH", "")
        tag = f" [{os.path.basename(os.path.abspath(tree))}]"
    py = sys.executable
    return {
        "bare imports": ([py, "-c", BARE], dict(base)),
        f"prevcalc --version{tag}": ([py, "-m", "prevcalc", "--version"], env),
        f"prevcalc run{tag}": ([py, "-m", "prevcalc", "run", scenario], env),
    }


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
    args = ap.parse_args(argv)
    base = dict(os.environ)
    if not args.no_bytecode:
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "prevcalc-bench-pycache")
    cmds: dict[str, tuple[list[str], dict[str, str]]] = {}
    for tree in args.tree or [None]:
        cmds.update(commands(args.scenario, tree, base))
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for cmd, env in cmds.values():  # warm the file cache; check that each works
        subprocess.run(
            cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    for _ in range(args.rounds):
        for name, (cmd, env) in cmds.items():
            t0 = time.perf_counter()
            subprocess.run(
                cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            times[name].append(time.perf_counter() - t0)
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
