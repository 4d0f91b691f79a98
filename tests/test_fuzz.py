"""Fuzzing the command line with mutated bundled scenarios (see ``tests/fuzzing.py``).

Under CI a fixed budget (100 files, seed fixed, 5 s per command); by hand a deeper profile:

    PREVCALC_FUZZ_CASES=5000 PREVCALC_FUZZ_SEED=7 pytest tests/test_fuzz.py

(``python benchmarks/fuzz.py N`` runs the same cases outside pytest and saves failing files.)
Every mutated file must be refused with a located message or run to finite figures: no
internal error (exit 3), no traceback, no hang, no unlocated refusal, no NaN or infinity
passed off as a result, no control character from the file on the terminal, and nothing that
``validate`` accepts and ``run`` then refuses.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzzing  # noqa: E402

CASES = int(os.environ.get("PREVCALC_FUZZ_CASES") or 100)
SEED = int(os.environ.get("PREVCALC_FUZZ_SEED") or 20241130)
TIMEOUT = float(os.environ.get("PREVCALC_FUZZ_TIMEOUT") or 5.0)


def test_mutated_scenarios_are_refused_with_a_location_or_run_to_finite_figures(tmp_path):
    report = fuzzing.campaign(CASES, SEED, tmp_path, timeout=TIMEOUT)
    assert report.cases == CASES
    assert report.files_refused and report.files_accepted, report.figures()  # the mutator bites
    assert not report.failures, (
        f"{len(report.failures)} failures in {len(report.classes())} classes "
        f"(reproduce: python benchmarks/fuzz.py {CASES} --seed {SEED})\n" + report.summary()
    )


# ---------------------------------------------------------------------------------------------
# The harness itself


def test_mutator_is_deterministic_per_case():
    a, b = fuzzing.Mutator(5), fuzzing.Mutator(5)
    assert [a.case(i).data for i in (0, 17, 99)] == [b.case(i).data for i in (99, 17, 0)][::-1]
    assert (
        a.case(3).data != fuzzing.Mutator(6).case(3).data
        or a.case(4).data != fuzzing.Mutator(6).case(4).data
    )


def test_mutator_covers_structural_and_text_mutations():
    m = fuzzing.Mutator(1)
    ops = " ".join(op for i in range(200) for op in m.case(i).ops)
    for word in (
        "extreme",
        "expression",
        "drop",
        "rename",
        "swap",
        "nest",
        "text",
        "parameter",
        "flip",
        "truncate",
        "alias bomb",
        "self-referencing",
        "repeat",
        "tab",
        "encoded",
    ):
        assert word in ops, word


def _case() -> fuzzing.Case:
    return fuzzing.Case(0, 0, "x", ["test"], b"", [["run", "{file}", "--format", "json"]])


def test_judge_flags_internal_errors_other_statuses_and_unlocated_refusals():
    case, cmd, file = _case(), ["run", "{file}", "--format", "json"], "some/dir/f.yaml"
    assert [
        f.kind for f in fuzzing.judge(case, cmd, fuzzing.Outcome(3, stderr="internal error"), file)
    ] == ["crash"]
    assert [f.kind for f in fuzzing.judge(case, cmd, fuzzing.Outcome(2), file)] == ["exit"]
    assert [
        f.kind for f in fuzzing.judge(case, cmd, fuzzing.Outcome(1, stderr="error: bad"), file)
    ] == ["unlocated"]
    assert (
        fuzzing.judge(case, cmd, fuzzing.Outcome(1, stderr=f"{file}:3:7: horizon: bad"), file) == []
    )
    assert (
        fuzzing.judge(
            case, cmd, fuzzing.Outcome(1, stderr=f"{file}: --set x=1: no such path"), file
        )
        == []
    )
    escaped = fuzzing.Outcome(None, escaped="Traceback ...", exc_type="RecursionError")
    assert [f.kind for f in fuzzing.judge(case, cmd, escaped, file)] == ["crash"]
    control = fuzzing.Outcome(1, stderr=f"{file}:1:1: name \x1b[31m")
    assert [f.kind for f in fuzzing.judge(case, cmd, control, file)] == ["control"]


def test_judge_flags_non_finite_figures_in_accepted_json():
    import json

    case, cmd, file = _case(), ["run", "{file}", "--format", "json"], "f.yaml"
    good = {
        "summary": {
            "pv_costs": 1.0,
            "pv_benefits": 2.0,
            "npv": 1.0,
            "participants": 3.0,
            "irr": None,
        },
        "interventions": [{"id": "a", "pv_costs": 1.0, "pv_benefits": 2.0, "npv": 1.0}],
        "layers": [],
        "agencies": [],
        "years": [
            {
                "year": 0,
                "costs": 1.0,
                "benefits": 2.0,
                "net": 1.0,
                "discount_factor": 1.0,
                "pv_net": 1.0,
                "cumulative_pv_net": 1.0,
            }
        ],
    }
    assert fuzzing.judge(case, cmd, fuzzing.Outcome(0, stdout=json.dumps(good)), file) == []
    bad = json.loads(json.dumps(good))
    bad["interventions"][0]["npv"] = None
    assert [
        f.kind for f in fuzzing.judge(case, cmd, fuzzing.Outcome(0, stdout=json.dumps(bad)), file)
    ] == ["nonfinite"]
    draws = json.loads(json.dumps(good))
    draws["summary"]["npv"] = {"mean": 1.0, "p05": None}
    assert fuzzing.nonfinite_fields(draws) == ["summary.npv.p05=None"]
    assert [f.kind for f in fuzzing.judge(case, cmd, fuzzing.Outcome(0, stdout="NaN"), file)] == [
        "nonfinite"
    ]


def test_runner_reports_a_hang_and_recovers(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_bytes(fuzzing.SCENARIOS[0].read_bytes())
    with fuzzing.Runner(timeout=60) as runner:
        hung = runner.run(["validate", str(path)], sleep=30, timeout=1)
        assert hung.hung and hung.code is None
        again = runner.run(["validate", str(path)])
        assert again.code == 0, again.stderr


def test_bundled_scenarios_pass_the_judge(tmp_path):
    with fuzzing.Runner(timeout=30) as runner:
        for path in fuzzing.SCENARIOS:
            case = fuzzing.Case(
                0,
                0,
                path.stem,
                ["unmodified"],
                path.read_bytes(),
                [["validate", "{file}"], ["run", "{file}", "--format", "json"]],
            )
            results, fails = fuzzing.run_case(runner, case, tmp_path)
            assert [o.code for _, o in results] == [0, 0], (path.stem, results[-1][1].stderr)
            assert fails == [], path.stem
