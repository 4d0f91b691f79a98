"""Areas per second for a sweep of the shipped areas with the bundled per-area template.

    python benchmarks/bench_sweep.py [--draws 0 1000] [--workers 2] [--dask]

For each number of draws (0 = deterministic) and each executor (serial; a process pool; a Dask
LocalCluster with --dask, when dask[distributed] is installed): wall time, areas per second
and peak resident memory (this process, and its largest child). Figures for the issue's note,
not a timed test. Every executor's per-area files are checked equal to the serial run's.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path

from prevcalc.sweep import sweep

TEMPLATE = Path(str(resources.files("prevcalc"))) / "templates" / "nfp_area.yaml"
AREAS = Path(str(resources.files("prevcalc"))) / "data" / "areas_england_utla.csv"


def _mib(kib: int) -> float:
    return kib / 1024


def _files(folder: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted((folder / "areas").iterdir())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, nargs="+", default=[0, 1000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dask", action="store_true")
    args = ap.parse_args()
    print(f"template {TEMPLATE.name}, areas {AREAS.name}, workers {args.workers}")
    for n in args.draws:
        draws = n or None
        with tempfile.TemporaryDirectory() as tmp:
            runs = {}
            for kind in ["serial", "process pool"] + (["dask local"] if args.dask else []):
                out = Path(tmp) / kind.replace(" ", "_")
                client = cluster = None
                t0 = time.perf_counter()
                if kind == "serial":
                    res = sweep(TEMPLATE, AREAS, draws=draws, seed=1, out=out)
                elif kind == "process pool":
                    with ProcessPoolExecutor(args.workers) as pool:
                        res = sweep(TEMPLATE, AREAS, draws=draws, seed=1, executor=pool, out=out)
                else:
                    from distributed import Client, LocalCluster

                    cluster = LocalCluster(
                        n_workers=args.workers, threads_per_worker=1, dashboard_address=None
                    )
                    client = Client(cluster)
                    t0 = time.perf_counter()  # cluster start-up not counted
                    res = sweep(
                        TEMPLATE,
                        AREAS,
                        draws=draws,
                        seed=1,
                        executor=client.get_executor(),
                        out=out,
                    )
                wall = time.perf_counter() - t0
                if client is not None:
                    client.close()
                    cluster.close()
                assert not res.problems, res.problems
                runs[kind] = _files(out)
                areas = len(res.table)
                own = _mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
                child = _mib(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
                print(
                    f"draws {n:>6}  {kind:<13} {areas} areas in {wall:7.1f} s = "
                    f"{areas / wall:6.2f} areas/s; peak RSS {own:.0f} MiB (largest child "
                    f"{child:.0f} MiB)",
                    flush=True,
                )
            first = runs.pop("serial")
            for kind, files in runs.items():
                assert files == first, f"{kind} differs from serial"
            print(f"draws {n:>6}  all executors gave identical per-area files", flush=True)


if __name__ == "__main__":
    main()
