"""Per-draw year-by-year metrics: ``metrics.payback_year`` and ``metrics.irr_with_status``.

Runs the engine once on W2 (``workloads.py``) and records every array it hands to the two
functions (per block of draws: the scenario's and the layers' net flows, undiscounted and
discounted, for payback years; the scenario's net flows for IRR), then times the functions on
those arrays, best of ``--repeat``, in CPU seconds of the process. Each tree runs in its own
process, rounds interleaved, so that two versions are compared in one run on a busy machine;
the last column is a digest of every result, equal when the results are identical bit for bit.

Usage::

    python benchmarks/bench_metrics.py                            # this tree, 10,000 draws
    python benchmarks/bench_metrics.py --tree ../old --tree .     # before / after
    python benchmarks/bench_metrics.py --draws 100000 --rounds 5

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def child(draws: int, repeat: int, seed: int) -> dict:
    import numpy as np

    sys.path.insert(0, HERE)
    from workloads import load_w2

    from prevcalc import engine, metrics

    calls: dict[str, list[np.ndarray]] = {"payback_year": [], "irr_with_status": []}
    originals = {name: getattr(metrics, name) for name in calls}

    def recorder(name):
        def record(net):
            calls[name].append(np.array(net, dtype=float))
            return originals[name](net)

        return record

    for name in calls:
        setattr(metrics, name, recorder(name))
    engine.run(load_w2(), draws=draws, seed=seed)
    for name, fn in originals.items():
        setattr(metrics, name, fn)

    out: dict = {"draws": draws, "digest": hashlib.sha256()}
    for name, arrays in calls.items():
        fn = originals[name]
        best = float("inf")
        for _ in range(repeat):
            t0 = time.process_time()
            results = [fn(a) for a in arrays]
            best = min(best, time.process_time() - t0)
        out[name] = best
        out[name + "_calls"] = len(arrays)
        for r in results:
            for part in r if isinstance(r, tuple) else (r,):
                out["digest"].update(np.ascontiguousarray(part).tobytes())
    out["digest"] = out["digest"].hexdigest()[:12]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5, help="best of this many, per round")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (fresh processes)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--tree", action="append", help="import prevcalc from this source tree (repeatable)"
    )
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.draws, args.repeat, args.seed)))
        return 0
    trees = args.tree or [os.path.dirname(HERE)]
    best: dict[str, dict] = {}
    for _ in range(args.rounds):
        for tree in trees:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.path.abspath(tree) + os.pathsep + env.get("PYTHONPATH", "")
            cmd = [sys.executable, os.path.abspath(__file__), "--child"]
            cmd += ["--draws", str(args.draws), "--repeat", str(args.repeat)]
            cmd += ["--seed", str(args.seed)]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            b = best.setdefault(tree, r)
            for k in ("payback_year", "irr_with_status"):
                b[k] = min(b[k], r[k])
    print(
        f"W2, {args.draws:,} draws: the engine's calls of each function, CPU seconds, best of "
        f"{args.repeat} x {args.rounds} interleaved rounds"
    )
    print(f"{'tree':>24}  {'payback_year':>12}  {'irr_with_status':>15}  {'both':>7}  digest")
    for tree, r in best.items():
        name = os.path.basename(os.path.abspath(tree))
        both = r["payback_year"] + r["irr_with_status"]
        print(
            f"{name:>24}  {r['payback_year']:>12.4f}  {r['irr_with_status']:>15.4f}  "
            f"{both:>7.4f}  {r['digest']}"
        )
    first = next(iter(best.values()))
    print(
        f"calls: payback_year {first['payback_year_calls']}, "
        f"irr_with_status {first['irr_with_status_calls']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
