"""The loader: every bad file gives the right line, field and words; overrides and variants."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import prevcalc
from prevcalc.errors import ScenarioError
from prevcalc.loader import loads, set_path

BAD = sorted((Path(__file__).parent / "data" / "bad").glob("*.yaml"))


def expectations(path: Path) -> list[str]:
    lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    return [ln.removeprefix("# expect: ") for ln in lines if ln.startswith("# expect: ")]


def test_the_bad_corpus_is_large_enough():
    assert len(BAD) >= 15


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_through_a_real_subprocess(path):
    """Each broken file: exit 1, its expected file:line:col, path and words, no traceback."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "prevcalc", "validate", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=path.parent,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    for expected in expectations(path):
        assert expected in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_through_the_api(path):
    with pytest.raises(ScenarioError) as info:
        prevcalc.load(path)
    text = info.value.render()
    for expected in expectations(path):
        assert expected in text


def test_all_problems_are_reported_at_once_sorted_by_line(write_scenario):
    path = write_scenario(
        """\
        prevcalc: 1
        name: Several problems
        horizon: 0
        discounting: {schedule: green_bok}
        interventions:
          - id: nfp
            name: NFP
            layer: midstram
            intake: {participants: [-1]}
        """
    )
    with pytest.raises(ScenarioError) as info:
        prevcalc.load(path)
    lines = info.value.render().splitlines()
    assert [ln.split(":")[1] for ln in lines] == ["3", "4", "8", "9"]
    # Whole messages pinned, so any change of wording is deliberate.
    assert lines[0] == f"{path}:3:10: horizon: must be ≥ 1 (got 0)"
    assert lines[2] == (
        f"{path}:8:12: interventions.nfp.layer: must be one of 'upstream', 'midstream' "
        "or 'downstream' (got 'midstram')"
    )
    assert lines[3] == f"{path}:9:29: interventions.nfp.intake.participants.0: must be ≥ 0 (got -1)"


def test_yaml_traps():
    base = (
        "prevcalc: 1\nname: {name}\nhorizon: {h}\ninterventions:\n"
        "  - {{id: a, name: A, layer: upstream, intake: {{participants: 10}}}}\n"
    )
    # 1e3 is a thousand (PyYAML alone would give the string '1e3').
    assert (
        loads(base.format(name="x", h="1e2").replace("horizon: 1e2", "horizon: 100")).horizon == 100
    )
    sc = loads(base.format(name="x", h=10).replace("participants: 10", "participants: 1e3"))
    from prevcalc.sampling import central

    assert central(sc).value(sc.interventions[0].intake.participants)[0] == 1000.0
    # A date-like or yes/no name stays text.
    assert loads(base.format(name="2024-01-01", h=10)).name == "2024-01-01"
    assert loads(base.format(name="no", h=10)).name == "no"


def test_set_path_names_interventions_by_id_and_suggests():
    data = {"interventions": [{"id": "nfp", "intake": {"participants": [1]}}], "horizon": 5}
    assert set_path(data, "interventions.nfp.intake.participants", 200) == (
        "interventions",
        0,
        "intake",
        "participants",
    )
    assert data["interventions"][0]["intake"]["participants"] == 200
    with pytest.raises(ValueError, match="did you mean 'nfp'"):
        set_path(data, "interventions.nfq.intake.participants", 1)
    with pytest.raises(ValueError, match="did you mean 'intake'"):
        set_path(data, "interventions.nfp.intak.participants", 1)


def test_set_option_errors_point_at_the_option(write_scenario):
    path = write_scenario()
    with pytest.raises(ScenarioError) as info:
        prevcalc.load(path, overrides=["interventions.a.intake.participant=200"])
    text = info.value.render()
    assert "--set interventions.a.intake.participant=200" in text
    assert "no key 'participant' in interventions.a.intake; did you mean 'participants'?" in text
    with pytest.raises(ScenarioError, match="expected path=value"):
        prevcalc.load(path, overrides=["horizon"])
    with pytest.raises(ScenarioError, match="no item with id 'b'"):
        prevcalc.load(path, overrides=["interventions.b.name=x"])


def test_set_override_changes_the_value(write_scenario):
    path = write_scenario()
    sc = prevcalc.load(
        path, overrides=["interventions.a.intake.participants=[20, 20]", "horizon=12"]
    )
    assert sc.horizon == 12
    assert sc.interventions[0].intake.participants == [20.0, 20.0]


def test_variants_apply_and_are_located(write_scenario):
    path = write_scenario(
        """\
        prevcalc: 1
        name: Variants
        horizon: 10
        interventions:
          - {id: a, name: A, layer: upstream, intake: {participants: 10}}
        variants:
          - name: Double
            set:
              interventions.a.intake.participants: 20
          - name: Broken
            set:
              interventions.a.intake.participants: -5
        """
    )
    assert prevcalc.load(path, variant="Double").interventions[0].intake.participants == 20
    with pytest.raises(ScenarioError) as info:
        prevcalc.load(path, variant="Broken")
    assert f"{path}:12:" in info.value.render() and "set by variant 'Broken'" in info.value.render()
    with pytest.raises(ScenarioError, match="no variant named 'Doubel'; did you mean 'Double'"):
        prevcalc.load(path, variant="Doubel")


def test_parameter_cycle_is_a_located_problem(write_scenario):
    path = write_scenario(
        """\
        prevcalc: 1
        name: Cycle
        horizon: 10
        parameters:
          a: "b * 2"
          b: "a + 1"
        interventions:
          - {id: a, name: A, layer: upstream, intake: {participants: "a"}}
        """
    )
    with pytest.raises(ScenarioError, match="cycle"):
        prevcalc.load(path)


def test_missing_file_is_a_clean_error(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        prevcalc.load(tmp_path / "nope.yaml")
