"""Fuzz the command line with N mutated scenario files and print what happened.

Each case is a bundled scenario mutated by ``tests/fuzzing.py`` (structural mutations of the
parsed YAML, or text mutations of the file), run through ``prevcalc validate`` and ``prevcalc run
--format json`` (some also with ``--draws 50 --seed 1``, a ``--set`` override or a ``--variant``)
in a worker process with a time budget per command.

    python benchmarks/fuzz.py 3000                     # 3,000 cases, seed 1
    python benchmarks/fuzz.py 500 --seed 7 --timeout 5 # another seed, a tighter time budget
    python benchmarks/fuzz.py 200 --start 1200         # cases 1200..1399 of seed 1 again
    python benchmarks/fuzz.py 1 --start 1234 --out x   # reproduce one case

Ctrl-C (SIGINT) stops early and still prints the figures of the cases run so far.
Prints the figures (files tried, refused, accepted, crashes, hangs, unlocated refusals,
non-finite accepted results, ...), then each failure class with its count and first example.
Each failing case is saved to the output folder (default: a new temporary folder) as
``<case>.yaml`` with ``<case>.txt`` beside it: the mutations, the commands to reproduce it, and
what went wrong. Exit status: 0 when no case failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import fuzzing  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", type=int, help="How many mutated files to try.")
    ap.add_argument("--seed", type=int, default=1, help="Mutator seed (default 1).")
    ap.add_argument("--start", type=int, default=0, help="First case index (default 0).")
    ap.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="Seconds per command before it counts as a hang.",
    )
    ap.add_argument("--memory", type=int, default=3072, help="Worker memory limit, MiB (0: none).")
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="Folder for failing cases (default: a new temporary folder).",
    )
    ap.add_argument("--examples", type=int, default=2, help="Examples shown per failure class.")
    ap.add_argument("--quiet", action="store_true", help="No progress line.")
    args = ap.parse_args(argv)
    signal.signal(
        signal.SIGINT, signal.default_int_handler
    )  # Ctrl-C: stop, print the figures so far

    out = args.out or Path(tempfile.mkdtemp(prefix="prevcalc-fuzz-"))
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="prevcalc-fuzz-work-"))
    t0 = time.perf_counter()
    saved: set[str] = set()
    slow: list[tuple[float, str]] = []
    progress = {"n": 0, "fails": 0}

    def on_case(case: fuzzing.Case, results, fails) -> None:
        progress["n"] += 1
        progress["fails"] += bool(fails)
        worst = max((o.seconds for _, o in results if o.code is not None), default=0.0)
        if worst > 2.0:
            slow.append((worst, case.name))
        if fails and case.name not in saved:
            saved.add(case.name)
            (out / f"{case.name}.yaml").write_bytes(case.data)
            lines = [
                f"case {case.index} of seed {case.seed}, from scenarios/{case.base}.yaml",
                "mutations: " + "; ".join(case.ops),
                "",
                "commands and exit statuses:",
            ]
            for cmd, o in results:
                status = "hang" if o.hung else (f"worker died: {o.died}" if o.died else o.code)
                shown = " ".join(cmd).replace("{file}", case.name + ".yaml")
                lines.append(f"  {shown}  -> {status} ({o.seconds:.2f} s)")
            for f in fails:
                lines += [
                    "",
                    f"FAILURE {f.key}",
                    f"  {f.command_line(case.name + '.yaml')}",
                    *("  " + ln for ln in f.detail.splitlines()),
                ]
            (out / f"{case.name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if not args.quiet and (progress["n"] % 50 == 0 or progress["n"] == args.cases):
            rate = progress["n"] / (time.perf_counter() - t0)
            print(
                f"\r{progress['n']:,}/{args.cases:,} files, {progress['fails']:,} failing, "
                f"{rate:.1f} files/s",
                end="",
                file=sys.stderr,
                flush=True,
            )

    report = fuzzing.campaign(
        args.cases,
        args.seed,
        work,
        timeout=args.timeout,
        memory_mb=args.memory,
        start=args.start,
        on_case=on_case,
    )
    if not args.quiet:
        print(file=sys.stderr)
    print(
        f"seed {args.seed}, cases {args.start}..{args.start + args.cases - 1}, "
        f"{args.timeout:g} s per command"
    )
    print(report.summary(examples=args.examples))
    if slow:
        slow.sort(reverse=True)
        print(
            f"\nslow but finished (> 2 s for one command): {len(slow)}; slowest: "
            + ", ".join(f"{n} {s:.1f} s" for s, n in slow[:5])
        )
    print(f"\nfailing cases saved in {out} ({len(saved)} files)" if saved else "\nno failing case")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
