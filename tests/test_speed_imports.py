"""What the fast paths must not import or repeat (structure, not timings: no test here times
anything; ``benchmarks/bench_startup.py`` and ``bench_commands.py`` measure)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Heavy modules that `prevcalc run` with the terminal report never needs.
NOT_ON_THE_RUN_PATH = ("scipy.optimize", "matplotlib", "openpyxl", "docx", "importlib.metadata")


def modules_after(code: str) -> set[str]:
    """The modules imported by running ``code`` in a fresh interpreter."""
    program = code + "\nimport sys\nprint('\\n'.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


def test_run_imports_no_heavy_module():
    scenario = ROOT / "scenarios" / "nurse_family_partnership.yaml"
    loaded = modules_after(
        "import contextlib, io\n"
        "from prevcalc.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['run', {str(scenario)!r}]) == 0"
    )
    # pydantic imports importlib.metadata to look for its plugins; prevcalc's version does not.
    allowed = {"importlib.metadata"} if "pydantic.plugin._loader" in loaded else set()
    assert not (set(NOT_ON_THE_RUN_PATH) & loaded) - allowed


def test_version_needs_no_package_metadata():
    loaded = modules_after("import prevcalc.cli")
    assert "importlib.metadata" not in loaded
    assert "pandas" not in loaded and "pydantic" not in loaded


def test_uncertainty_needs_no_scipy_optimize():
    loaded = modules_after("import prevcalc.uncertainty")
    assert "scipy.optimize" not in loaded
