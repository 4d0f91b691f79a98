"""Shared fixtures: scenario files, a CLI runner, deterministic terminal output."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
DATA = Path(__file__).resolve().parent / "data"

# CI runs a fixed set of examples (derandomize), so a landing never hangs on a rare draw; by
# hand, examples are random and more, to keep finding new edge cases (HYPOTHESIS_PROFILE=deep
# for a long hunt).
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("deep", max_examples=1000, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden", action="store_true", help="Rewrite golden files from current output."
    )


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("PREVCALC_DEBUG", raising=False)


MINIMAL = """\
prevcalc: 1
name: Minimal
horizon: 10
discounting: {schedule: none}
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {participants: [10]}
    costs:
      per_participant: [{amount: 100, duration: 1, funder: council}]
    outcomes:
      - {name: Saving, agency: nhs, amount: 50, duration: 3, deadweight: 0}
"""


@pytest.fixture
def write_scenario(tmp_path):
    """Write dedented YAML to a file in tmp_path and return its path."""

    def write(text: str = MINIMAL, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli(capsys):
    """Run ``prevcalc ARGS`` through main(): returns (exit status, stdout, stderr)."""
    from prevcalc.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(map(str, args)))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def calls(monkeypatch):
    """``calls(module, name)``: wrap ``module.name`` so that it still runs, and return the list
    that each call's (args, kwargs) is appended to."""

    def record(module, name: str) -> list[tuple[tuple, dict]]:
        real, seen = getattr(module, name), []

        def wrapper(*args, **kwargs):
            seen.append((args, kwargs))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)
        return seen

    return record


@pytest.fixture
def rng():
    return np.random.default_rng(20241123)
