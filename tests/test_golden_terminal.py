"""The terminal report of `prevcalc run`, pinned for two bundled scenarios (issue 11).

Rendered at 100 columns without colour (the suite's fixture), through the command line. A
change of wording or layout fails here; regenerate with ``pytest --update-golden`` and review
the diff. Warnings go to stderr and are not part of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

GOLDEN = Path(__file__).resolve().parent / "data" / "golden" / "terminal"
CASES = ["shared_lives", "youth_court"]


@pytest.mark.parametrize("name", CASES)
def test_run_table_output_is_unchanged(name, cli, update_golden):
    code, out, _ = cli("run", ROOT / "scenarios" / f"{name}.yaml")
    assert code == 0
    golden = GOLDEN / f"run_{name}.txt"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden.name}: run pytest --update-golden"
    assert out == golden.read_text(encoding="utf-8")
