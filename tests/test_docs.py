"""The docs cannot rot: every command has help and is in the README; the README's examples run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

import prevcalc
from prevcalc.cli import cli as group
from prevcalc.loader import loads

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("name", sorted(group.commands))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name, cli):
    command = group.commands[name]
    assert command.help and "Example:" in command.help
    code, out, err = cli(name, "--help")
    assert code == 0 and "Example:" in out
    assert f"`prevcalc {name}" in README, (
        f"prevcalc {name} is missing from the README's command table"
    )


def test_readme_quick_start_is_two_command_lines():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first_two = [b.strip() for b in blocks("sh") if b.strip() and b in section][:2]
    assert first_two == [
        "pip install . && prevcalc run scenarios/nurse_family_partnership.yaml",
        'pip install ".[test]" && python -m pytest -n auto',
    ]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install ".[test]" && python -m pytest -n auto' in ci.splitlines()


def test_readme_scenario_example_validates_and_runs():
    yaml_blocks = [b for b in blocks("yaml") if b.startswith("prevcalc: 1")]
    assert yaml_blocks, "the README must show a complete scenario"
    scenario = loads(yaml_blocks[0], "README.md")
    result = prevcalc.run(scenario)
    assert result.summary()["participants"] == 300
    assert prevcalc.load  # the variant in the example applies too
    doubled = loads(yaml_blocks[0], "README.md", variant="Double intake")
    assert prevcalc.run(doubled).summary()["participants"] == 600


def readme_commands() -> list[str]:
    lines = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():  # join continued lines
            line = line.split("  #", 1)[0].strip()
            if line.startswith("prevcalc "):
                lines.append(line)
    return lines


@pytest.mark.parametrize("line", readme_commands())
def test_readme_example_commands_run(line, cli, tmp_path, monkeypatch):
    args = shlex.split(line)[1:]
    args = [str(ROOT / a) if a.startswith(("scenarios/", "prevcalc/")) else a for a in args]
    if "scenarios/*.yaml" in line:
        star = args.index(str(ROOT / "scenarios/*.yaml"))
        args[star : star + 1] = [str(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    monkeypatch.chdir(tmp_path)  # outputs (brief/, my_area.yaml) land in a temporary folder
    if "--out" in args:
        (tmp_path / args[args.index("--out") + 1]).parent.mkdir(parents=True, exist_ok=True)
    code, out, err = cli(*args)
    assert code == 0, err


def test_readme_json_example_has_the_format_keys():
    block = [b for b in blocks("json") if '"summary"' in b][0]
    for key in (
        "prevcalc_version",
        "scenario_sha256",
        "price_year",
        "currency",
        "discounting",
        "summary",
        "interventions",
        "layers",
        "agencies",
        "years",
    ):
        assert f'"{key}"' in block


def test_readme_python_api_example_runs(monkeypatch):
    block = [b for b in blocks("python") if "import prevcalc" in b][0]
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # the README's own example, as written
    comparison = namespace["comparison"]
    # Halving the placement cost replaced halves PV benefits (same discounting, same people).
    f = comparison.frame()
    assert f.loc["pv_benefits", "£30,000 a year"] == pytest.approx(
        f.loc["pv_benefits", "£60,000 a year"] / 2
    )
