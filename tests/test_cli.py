"""The command line, in-process and through a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIOS

import prevcalc


def test_the_library_ships_scenarios():
    assert len(SCENARIOS) >= 3


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_bundled_scenario_validates_and_runs_in_all_three_formats(cli, path):
    code, out, err = cli("validate", path)
    assert code == 0, err
    code, out, err = cli("run", path)
    assert code == 0, err
    assert "NPV" in out and "Year-by-year cash flows" in out
    code, out, err = cli("run", path, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["summary"]["npv"] == pytest.approx(
        prevcalc.run(prevcalc.load(path)).summary()["npv"]
    )
    code, out, err = cli("run", path, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [
        "year",
        "costs",
        "benefits",
        "net",
        "discount_factor",
        "pv_net",
        "cumulative_pv_net",
    ]
    assert len(rows) == data["years"][-1]["year"] + 1
    assert float(rows[-1]["cumulative_pv_net"]) == pytest.approx(
        data["summary"]["npv"], rel=1e-9, abs=1e-6
    )


def test_output_file_is_written_and_not_overwritten_without_force(cli, tmp_path, write_scenario):
    path = write_scenario()
    target = tmp_path / "out.json"
    assert cli("run", path, "--format", "json", "--output", target)[0] == 0
    assert json.loads(target.read_text())["scenario"] == "Minimal"
    code, out, err = cli("run", path, "--format", "json", "--output", target)
    assert code == 1 and "use --force" in err
    assert cli("run", path, "--format", "json", "--output", target, "--force")[0] == 0


def test_no_color_means_no_escape_codes(cli, write_scenario):
    code, out, err = cli("run", write_scenario())
    assert code == 0 and "\x1b[" not in out


def test_markup_in_names_prints_as_written(cli, write_scenario):
    path = write_scenario(
        open(write_scenario()).read().replace("name: Minimal", "name: Pilot [2025]")
    )
    code, out, err = cli("run", path)
    assert "Pilot [2025]" in out


def test_set_and_variant_on_run(cli, write_scenario):
    path = write_scenario()
    base = json.loads(cli("run", path, "--format", "json")[1])
    doubled = json.loads(
        cli("run", path, "--format", "json", "--set", "interventions.a.intake.participants=[20]")[1]
    )
    assert doubled["summary"]["pv_costs"] == pytest.approx(2 * base["summary"]["pv_costs"])
    code, out, err = cli("run", path, "--set", "interventions.a.intake.participnts=20")
    assert code == 1 and "did you mean 'participants'" in err


def test_compare_formats_and_best_marks(cli, write_scenario):
    a = write_scenario(name="a.yaml")
    b = write_scenario(
        open(a).read().replace("name: Minimal", "name: Bigger").replace("[10]", "[30]"),
        name="b.yaml",
    )
    code, out, err = cli("compare", a, b)
    assert code == 0, err
    assert "Minimal" in out and "Bigger" in out and "Bigger − Minimal" in out and "*" in out
    data = json.loads(cli("compare", a, b, "--format", "json")[1])
    assert [o["name"] for o in data["options"]] == ["Minimal", "Bigger"]
    assert data["options"][1]["difference_from_first"]["participants"] == 20
    assert data["best"]["pv_costs"] == "Minimal"
    md = cli("compare", a, b, "--format", "markdown")[1]
    assert "| " in md and "Bigger" in md
    rows = list(csv.DictReader(io.StringIO(cli("compare", a, b, "--format", "csv")[1])))
    assert [r["option"] for r in rows] == ["Minimal", "Bigger", "Bigger − Minimal"]


def test_compare_refuses_options_that_are_not_like_for_like(cli, write_scenario):
    a = write_scenario(name="a.yaml")
    b = write_scenario(
        open(a).read().replace("horizon: 10", "horizon: 12").replace("name: Minimal", "name: B"),
        name="b.yaml",
    )
    code, out, err = cli("compare", a, b)
    assert code == 1
    assert "not like for like" in err and "horizon: 'Minimal' has 10, 'B' has 12" in err


def test_compare_variants_of_one_file(cli):
    path = Path(__file__).parent.parent / "scenarios" / "portfolio.yaml"
    code, out, err = cli("compare", path, "--variants", "--format", "json")
    assert code == 0, err
    names = [o["name"] for o in json.loads(out)["options"]]
    assert len(names) == 1 + len(prevcalc.load(path).variants)


def test_compare_needs_two_options(cli, write_scenario):
    code, out, err = cli("compare", write_scenario())
    assert code == 1 and "at least two options" in err


def test_scenarios_and_init(cli, tmp_path):
    code, out, err = cli("scenarios")
    assert code == 0 and "shared_lives" in out and "nurse_family_partnership" in out
    target = tmp_path / "my_area.yaml"
    assert cli("init", "--from", "shared_lives", target)[0] == 0
    assert (
        prevcalc.load(target).name
        == prevcalc.load(Path(__file__).parent.parent / "scenarios" / "shared_lives.yaml").name
    )
    code, out, err = cli("init", "--from", "shared_lives", target)
    assert code == 1 and "use --force" in err
    code, out, err = cli("init", "--from", "shared_live", tmp_path / "x.yaml")
    assert code == 1 and "did you mean 'shared_lives'" in err


def test_usage_errors_exit_2(cli):
    assert cli("run")[0] == 2
    assert cli("run", "x.yaml", "--format", "pdf")[0] == 2
    assert cli("frobnicate")[0] == 2


def test_version(cli):
    code, out, err = cli("--version")
    assert code == 0 and prevcalc.__version__ in out


def test_schema_is_json_schema_and_the_checked_in_copy_is_current(cli):
    code, out, err = cli("schema")
    schema = json.loads(out)
    assert schema["title"] == "prevcalc scenario" and "interventions" in schema["properties"]
    checked_in = Path(__file__).parent.parent / "docs" / "scenario.schema.json"
    assert json.loads(checked_in.read_text()) == schema, (
        "regenerate: prevcalc schema > docs/scenario.schema.json"
    )


def _subprocess(*args, cwd=None):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "prevcalc", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_real_subprocess_exit_codes_and_no_traceback(write_scenario, tmp_path):
    good = write_scenario()
    ok = _subprocess("run", good, "--format", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["scenario"] == "Minimal"
    bad = tmp_path / "bad.yaml"
    bad.write_text("prevcalc: 1\nname: x\nhorizon: 0\ninterventions: []\n")
    proc = _subprocess("run", bad)
    assert proc.returncode == 1
    assert (
        "Traceback" not in proc.stderr
        and f"{bad}:3:10: horizon: must be ≥ 1 (got 0)" in proc.stderr
    )
    usage = _subprocess("run", good, "--draws", "zero")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_command_exits_fast_but_flushes_and_runs_exit_handlers(tmp_path):
    """The command ends with os._exit (no interpreter teardown): what was printed, and what
    exit handlers do, must still happen, and the exit status must be main()'s."""
    program = (
        "import atexit, sys\n"
        # what the handler writes is left in stdout's buffer: entry() must flush it after
        "atexit.register(lambda: sys.stdout.write('handler ran'))\n"
        "sys.argv = ['prevcalc'] + sys.argv[1:]\n"
        "from prevcalc.cli import entry\n"
        "entry()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PREVCALC_DEBUG", "PYTHONUNBUFFERED")}
    ok = subprocess.run(
        [sys.executable, "-c", program, "--version"], capture_output=True, text=True, env=env
    )
    assert ok.returncode == 0
    assert prevcalc.__version__ in ok.stdout and ok.stdout.endswith("handler ran")
    bad = subprocess.run(
        [sys.executable, "-c", program, "run", str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 1 and "no such file" in bad.stderr and bad.stdout == "handler ran"


def test_installed_console_script_runs():
    """The `prevcalc` entry point installed by pip."""
    import shutil

    exe = shutil.which("prevcalc")
    if exe is None:
        pytest.skip("prevcalc is not installed as a command in this environment")
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "prevcalc" in proc.stdout


def test_compare_with_draws_gives_probability_best_and_evpi(cli, write_scenario):
    base = """\
        prevcalc: 1
        name: {name}
        horizon: 6
        discounting: {{schedule: none}}
        parameters:
          effect: {{dist: normal, mean: 1.0, sd: 0.5}}
        interventions:
          - id: a
            name: A
            layer: upstream
            intake: {{participants: [10]}}
            costs: {{per_participant: [{{amount: 100, duration: 1}}]}}
            outcomes:
              - {{name: S, agency: nhs, amount: "{amount} * effect", duration: 1, deadweight: 0}}
        """
    a = write_scenario(base.format(name="Steady", amount=120), name="a.yaml")
    b = write_scenario(
        base.format(name="Bold", amount=140).replace("sd: 0.5", "sd: 0.5"), name="b.yaml"
    )
    code, out, err = cli("compare", a, b, "--draws", "400", "--seed", "9", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    # The same seed gives both options the same draws of `effect`; Bold's NPV is
    # 10 × (140·effect − 100) against Steady's 10 × (120·effect − 100): Bold is higher exactly
    # when effect > 0, and EVPI = E[max] − max E = E[10 × 20 × max(−effect, 0)] > 0.
    from prevcalc import sampling
    from prevcalc.loader import load

    effect = sampling.sample(load(a), 400, 9).parameters["effect"]
    assert data["prob_best"]["Bold"] == pytest.approx(float((effect > 0).mean()))
    assert data["evpi"] == pytest.approx(float(np.mean(200 * np.maximum(-effect, 0))), rel=1e-9)
    code, out, err = cli("compare", a, b, "--draws", "400", "--seed", "9")
    assert code == 0 and "P(highest NPV)" in out and "Expected value of perfect information" in out


def test_brief_with_draws_adds_uncertainty_and_tornado(cli, write_scenario, tmp_path):
    path = write_scenario("""\
        prevcalc: 1
        name: Uncertain
        horizon: 6
        interventions:
          - id: a
            name: A
            layer: upstream
            intake: {participants: [10, 10]}
            costs: {per_participant: [{amount: {dist: gamma, mean: 100, sd: 20}, duration: 1}]}
            outcomes:
              - {name: S, agency: nhs, amount: {dist: pert, low: 50, mode: 80, high: 150},
                 duration: 3, deadweight: 0}
        """)
    code, out, err = cli("brief", path, "--out", tmp_path / "b", "--draws", "300", "--seed", "1")
    assert code == 0, err
    assert (tmp_path / "b" / "tables" / "uncertainty.csv").exists()
    assert (tmp_path / "b" / "tables" / "tornado.csv").exists()
    assert (tmp_path / "b" / "charts" / "tornado.png").exists()
    md = (tmp_path / "b" / "brief.md").read_text(encoding="utf-8")
    assert "P(NPV \\> 0)" in md and "One-way sensitivity" in md


def test_format_and_output_ending_agree(cli, write_scenario, tmp_path):
    # Issue 11: one registry of output formats; an .xlsx output is a workbook or refused.
    path = write_scenario()
    code, _, err = cli("run", path, "--output", tmp_path / "r.xlsx")
    assert code == 2 and "not .xlsx files" in err and not (tmp_path / "r.xlsx").exists()
    code, _, err = cli("run", path, "--format", "table", "--output", tmp_path / "r.xlsx")
    assert code == 2 and not (tmp_path / "r.xlsx").exists()
    code, _, err = cli("run", path, "--format", "csv", "--output", tmp_path / "r.json")
    assert code == 2 and "does not match" in err
    code, _, _ = cli("run", path, "--output", tmp_path / "r.json")
    assert code == 0 and (tmp_path / "r.json").read_text().lstrip().startswith("{")
    code, _, _ = cli("compare", path, path, "--output", tmp_path / "c.md")
    assert code == 0 and (tmp_path / "c.md").read_text().startswith("###")
