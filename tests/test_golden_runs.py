"""Every bundled scenario's results, pinned: deterministic, and seeded with draws.

The JSON output of each bundled scenario (and of the benchmark's scenario) is kept as a golden
file, so that a refactoring or a speed-up of the engine that changes any figure, to the last
bit, fails here. Regenerate with ``pytest --update-golden`` only when a change of figures is
intended, and review the diff. Provenance (file paths, run time, versions) is left out.

By default numbers must agree to 1e-12 relative (another processor's BLAS kernels may round the
last bit differently); ``PREVCALC_GOLDEN_EXACT=1`` asks for every number to be identical, bit
for bit (each written with the shortest repr that reads back as the same float), as it is on
the machine that wrote the files. Either way, keys added to the output since are allowed.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS

import prevcalc

GOLDEN = Path(__file__).resolve().parent / "data" / "golden" / "runs"
EXACT = os.environ.get("PREVCALC_GOLDEN_EXACT") == "1"
DRAWS, SEED = 256, 20241130


def _same(a, b, where: str = "", exact: bool = False) -> None:
    """Assert the figures of ``b`` (the golden) are in ``a`` unchanged, numbers to 1e-12
    relative (``exact``: identical). Keys added to the output since (the JSON is extended,
    never changed) are fine."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and b.keys() <= a.keys(), (where, sorted(b.keys() - a.keys()))
        for k in b:
            _same(a[k], b[k], f"{where}.{k}", exact)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]", exact)
    elif exact:
        assert type(a) is type(b) and a == b, (where, a, b)
    elif isinstance(a, float) or isinstance(b, float):
        assert isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9), (
            where,
            a,
            b,
        )
    else:
        assert a == b, (where, a, b)


def _check(text: str, golden: Path) -> None:
    assert golden.is_file(), f"no golden file {golden.name}: run pytest --update-golden"
    expected = golden.read_text(encoding="utf-8")
    _same(json.loads(text), json.loads(expected), exact=EXACT)


def _figures(result) -> str:
    doc = result.to_dict()
    for key in (
        "provenance",
        "prevcalc_version",
        "scenario_sha256",
    ):  # not figures: the file's text
        doc.pop(key, None)
    return json.dumps(doc, indent=1, sort_keys=True, allow_nan=False) + "\n"


CASES = [(p, draws) for p in SCENARIOS for draws in (None, DRAWS)]


@pytest.mark.parametrize("path, draws", CASES, ids=[f"{p.stem}-{d or 'det'}" for p, d in CASES])
def test_bundled_results_are_unchanged(path, draws, update_golden):
    result = prevcalc.run(prevcalc.load(path), draws=draws, seed=SEED if draws else None)
    text = _figures(result)
    golden = GOLDEN / f"{path.stem}-{draws or 'det'}.json"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    _check(text, golden)


def test_benchmark_scenario_results_are_unchanged(update_golden):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_engine", ROOT / "benchmarks" / "bench_engine.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    scenario = bench.load_scenario()
    text = _figures(prevcalc.run(scenario, draws=DRAWS, seed=SEED))
    golden = GOLDEN / "benchmark.json"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
    _check(text, golden)
