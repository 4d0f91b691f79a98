"""Issue 8: hostile files, overflowing numbers and careless input never crash, hang or lie.

Each test reproduces one defect found by trying prevcalc as an attacker and a careless user
would, and checks that it now gives a located refusal (exit 1, file:line:col or the --set
option, the field path, what is wrong) or a correct result. Nothing here may exit 3.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import prevcalc
from prevcalc import _yaml
from prevcalc.errors import ScenarioError
from prevcalc.metrics import irr

BASE = """\
prevcalc: 1
name: Base
horizon: 10
parameters:
  weekly: 294
  effect: 1.0
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {participants: [10, 10]}
    costs:
      per_participant: [{amount: 1000, duration: 1, funder: council}]
    outcomes:
      - {name: Saving, agency: nhs, amount: "weekly * effect", per: week, duration: 3,
         deadweight: 0.1}
"""


@pytest.fixture
def base(write_scenario):
    return write_scenario(BASE)


def _refused(cli, *args):
    code, out, err = cli(*args)
    assert code == 1, (code, out, err)
    assert "Traceback" not in err and "internal error" not in err
    return err


# ---------------------------------------------------------------------------------------------
# 1. Silent NaN: every result is finite or refused, naming the input that made it so


@pytest.mark.parametrize(
    "option, path, words",
    [
        (
            'interventions.a.intake.participants="0/0"',
            "interventions.a.intake.participants",
            "the expression '0/0' gives NaN",
        ),
        (
            'interventions.a.outcomes.0.amount="1/0"',
            "interventions.a.outcomes.0.amount",
            "the expression '1/0' gives infinity",
        ),
        (
            'interventions.a.outcomes.0.amount="1e308*10"',
            "interventions.a.outcomes.0.amount",
            "the expression '1e308*10' gives infinity",
        ),
        ('parameters.weekly="0/0"', "parameters.weekly", "parameter 'weekly' ('0/0') gives NaN"),
    ],
)
def test_non_finite_inputs_are_refused_at_the_input(cli, base, option, path, words):
    err = _refused(cli, "run", base, "--format", "json", "--set", option)
    assert f"{path}: {words}" in err
    assert f"[--set {option}]" in err  # where the value came from


def test_an_amount_that_overflows_once_multiplied_up_names_its_line(cli, base):
    # 1e308 is a finite number, but 1e308 a week is 5.2e309 a year: infinity.
    err = _refused(cli, "run", base, "--set", "interventions.a.outcomes.0.amount=1e308")
    assert "interventions.a.outcomes.0: the yearly value of 'Saving'" in err
    assert err.startswith(str(base) + ":15:")  # the outcome's line in the file


def test_present_values_too_large_to_add_are_refused(cli, base):
    err = _refused(
        cli,
        "run",
        base,
        "--set",
        "interventions.a.outcomes.0.amount=1e306",
        "--set",
        "interventions.a.intake.participants=[1e300, 1e300]",
    )
    assert "interventions.a: its totals overflow" in err


def test_a_negative_rate_with_huge_flows_is_refused_not_blank(cli, write_scenario):
    path = write_scenario(
        BASE.replace("horizon: 10", "horizon: 500\ndiscounting: {schedule: constant, rate: -0.05}")
        .replace("amount: 1000,", "amount: 1e300,")
        .replace("duration: 1,", "")
    )
    err = _refused(cli, "run", path)
    assert "overflow" in err


def test_validate_refuses_what_run_refuses(cli, write_scenario):
    path = write_scenario(BASE.replace('"weekly * effect"', '"weekly / 0"'))
    err = _refused(cli, "validate", path)
    assert (
        f"{path}:15:" in err
        and "interventions.a.outcomes.0.amount: the expression 'weekly / 0' gives infinity" in err
    )


def test_a_probabilistic_run_says_in_how_many_draws(cli, write_scenario):
    text = BASE.replace("effect: 1.0", "effect: {dist: normal, mean: 0.0, sd: 1.0}").replace(
        '"weekly * effect"', '"weekly / effect * 0 + 1 / min(effect, 0) * 0"'
    )
    path = write_scenario(text)
    code, out, err = cli("run", path, "--draws", "200", "--seed", "1")
    # 1 / min(effect, 0) is -inf where effect > 0; times 0 that is NaN: refused, with a count.
    assert code == 1 and "of 200 draws" in err, err


# ---------------------------------------------------------------------------------------------
# 4. YAML bombs, depth, digits, size, expressions: budgets, each a located error


def _bomb(levels: int = 9) -> str:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, levels):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text, words, line",
    [
        (_bomb(), "the file expands to more than 250,000 values", None),
        ("x: &r [1, *r]\n", "an alias refers to the value that contains it", 1),
        ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 48 deep", 1),
        ("x: " + "9" * 5000 + "\n", "a number of 5,000 digits is too long", 1),
        ("x: 1e400\n", "1e400 is too large a number", 1),
        ('x: "red \\x1b[31m text"\n', "control character U+001B", 1),
        ('x: "\\u202e"\n', "control character U+202E", 1),
    ],
)
def test_yaml_budgets_are_located_problems(text, words, line):
    doc, problems = _yaml.parse(text)
    assert problems and words in problems[0].message
    if line is not None:
        assert problems[0].line == line


def test_an_oversized_file_is_refused_before_parsing(cli, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("x:\n" + "  - 1\n" * 300_000)
    err = _refused(cli, "run", path)
    assert "a scenario may be at most 1,048,576 bytes" in err


def test_an_alias_bomb_stops_quickly_with_a_location(cli, write_scenario):
    err = _refused(cli, "validate", write_scenario(_bomb()))
    assert "expands to more than 250,000 values" in err


def test_an_expression_over_its_budget_is_located(cli, write_scenario):
    path = write_scenario(BASE.replace('"weekly * effect"', '"' + "+".join(["1"] * 2000) + '"'))
    err = _refused(cli, "validate", path)
    assert "interventions.a.outcomes.0.amount: invalid expression" in err
    assert "3,999 characters long; at most 2,000" in err


def test_control_characters_in_a_name_are_refused_where_they_stand(cli, write_scenario):
    path = write_scenario(BASE.replace("name: A\n", 'name: "A\\x1b]0;pwned\\x07"\n'))
    err = _refused(cli, "validate", path)
    assert f"{path}:9:11: interventions.a.name: contains the control character U+001B" in err
    assert "\x1b" not in err


# ---------------------------------------------------------------------------------------------
# 5. User errors are never "internal errors" (exit 3)


@pytest.mark.parametrize(
    "dist, words",
    [
        (
            "{dist: lognormal, mean: 1000, sd: 1e300}",
            "sd is too large against the mean for a lognormal",
        ),
        ("{dist: gamma, mean: 1000, sd: 1e300}", "sd is too large against the mean for a gamma"),
        ("{dist: uniform, low: -1e308, high: 1e308}", "high is too far from low"),
    ],
)
def test_distributions_that_overflow_are_refused_at_load(cli, write_scenario, dist, words):
    path = write_scenario(BASE.replace("effect: 1.0", f"effect: {dist}"))
    err = _refused(cli, "run", path, "--draws", "100", "--seed", "1")
    assert f"{path}:6:11: parameters.effect: {words}" in err


def test_sensitivity_switch_typo_is_a_user_error(cli, base):
    err = _refused(cli, "sensitivity", base, "--switch", "efect")
    assert "--switch efect: not an input of this scenario; did you mean 'effect'?" in err


def test_sensitivity_on_a_nan_scenario_is_refused(cli, base):
    err = _refused(cli, "sensitivity", base, "--set", 'parameters.weekly="0/0"')
    assert "parameters.weekly" in err


def test_too_many_draws_are_refused_up_front_with_an_estimate(cli, base):
    # Issue 8: --draws 100000000 (the command line's maximum) ended in a MemoryError.
    err = _refused(cli, "run", base, "--draws", "100000000")
    assert "--draws 100,000,000 would need about" in err and "GiB of memory" in err


# ---------------------------------------------------------------------------------------------
# 7. Silently wrong input


def test_set_to_a_parameter_that_does_not_exist_is_refused(cli, base):
    err = _refused(cli, "run", base, "--set", "parameters.efect=0.3")
    assert (
        "--set parameters.efect=0.3: no parameter 'efect' in the file; did you mean 'effect'?"
        in err
    )


def test_set_to_a_field_the_file_leaves_out_still_works(base):
    sc = prevcalc.load(base, overrides=["interventions.a.outcomes.0.attribution=0.5"])
    assert sc.interventions[0].outcomes[0].attribution == 0.5


def test_set_to_a_misspelt_field_is_refused(base):
    with pytest.raises(
        ScenarioError,
        match="no key 'dedweight' in interventions.a.outcomes.0; did you mean 'deadweight'",
    ):
        prevcalc.load(base, overrides=["interventions.a.outcomes.0.dedweight=0.3"])


def test_a_parameter_may_refer_to_plain_parameters(write_scenario):
    path = write_scenario(
        BASE.replace(
            "  effect: 1.0\n", '  effect: 1.0\n  annual: "weekly * 52 * effect"\n'
        ).replace('"weekly * effect", per: week', '"annual", per: year')
    )
    # 294 a week is 15,288 a year, net of 10% deadweight, for 20 participants over 3 years.
    r = prevcalc.run(prevcalc.load(path))
    assert r.values["total"]["pv_benefits"].shape == (1, 1)
    undiscounted = r.flows[r.lines["kind"].to_numpy() == "benefit"].sum()
    assert undiscounted == pytest.approx(294 * 52 * 0.9 * 20 * 3)


def test_parameter_cycles_are_still_refused(write_scenario):
    path = write_scenario(
        BASE.replace("weekly: 294", 'weekly: "effect * 2"').replace(
            "effect: 1.0", 'effect: "weekly / 2"'
        )
    )
    with pytest.raises(ScenarioError, match="refer to each other in a cycle"):
        prevcalc.load(path)


def test_an_unknown_deflator_is_refused_at_load_with_its_line(cli, write_scenario):
    path = write_scenario(BASE.replace("horizon: 10\n", "horizon: 10\ndeflator: no\n"))
    err = _refused(cli, "validate", path)
    assert f"{path}:4:11: deflator: no deflator series named 'no' is shipped with prevcalc" in err


def test_a_missing_exchange_rate_is_located_at_the_item(cli, write_scenario):
    path = write_scenario(BASE.replace("amount: 1000,", "amount: 1000, currency: USD,"))
    err = _refused(cli, "validate", path)
    assert (
        f"{path}:13:" in err
        and "interventions.a.costs.per_participant.0: figures are in USD" in err
    )


def test_an_intervention_without_outcomes_is_noted(write_scenario):
    path = write_scenario(BASE.split("    outcomes:")[0])
    notes = prevcalc.run(prevcalc.load(path)).notes
    assert any("a: the intervention has no outcomes, so it can only cost money" in n for n in notes)


def test_a_bound_is_shown_exactly(write_scenario):
    path = write_scenario(
        BASE.replace(
            "horizon: 10\n", "horizon: 10\ndiscounting: {schedule: constant, rate: 0.2500001}\n"
        )
    )
    with pytest.raises(ScenarioError, match=r"must be ≤ 0.25 \(got 0.2500001\)"):
        prevcalc.load(path)


# ---------------------------------------------------------------------------------------------
# 8. The over-claim guard-rail, per material outcome


def test_gross_warning_names_each_material_outcome_without_deadweight(write_scenario):
    text = BASE + "      - {name: Big, agency: police, amount: 100000, duration: 3}\n"
    notes = " ".join(prevcalc.run(prevcalc.load(write_scenario(text))).notes)
    # The first outcome states its deadweight; the second, carrying most benefits, does not.
    assert "Benefits entered gross" in notes
    assert "interventions.a.outcomes.1 (Big," in notes
    assert "interventions.a.outcomes.0" not in notes


def test_an_immaterial_outcome_without_deadweight_is_not_flagged(write_scenario):
    text = BASE + "      - {name: Tiny, agency: police, amount: 1, duration: 1}\n"
    assert not any("gross" in n for n in prevcalc.run(prevcalc.load(write_scenario(text))).notes)


# ---------------------------------------------------------------------------------------------
# 9. Repeatable


def test_source_date_epoch_makes_outputs_identical(cli, base, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = cli("run", base, "--format", "json", "--draws", "50", "--seed", "3")
    second = cli("run", base, "--format", "json", "--draws", "50", "--seed", "3")
    assert first == second and first[0] == 0
    assert json.loads(first[1])["provenance"]["run_at"] == "2023-11-14T22:13:20+00:00"


def test_an_unseeded_run_records_a_seed_that_repeats_it(base, monkeypatch):
    sc = prevcalc.load(base, overrides=["parameters.effect={dist: normal, mean: 1, sd: 0.2}"])
    first = prevcalc.run(sc, draws=64)
    seed = first.provenance["seed"]
    assert isinstance(seed, int)
    again = prevcalc.run(sc, draws=64, seed=seed)
    assert np.array_equal(first.values["total"]["npv"], again.values["total"]["npv"])


def test_provenance_records_library_versions(base):
    libs = prevcalc.run(prevcalc.load(base)).provenance["libraries"]
    assert set(libs) == {"python", "numpy", "scipy", "pandas", "pydantic"}
    assert libs["numpy"] == np.__version__


def test_a_bad_source_date_epoch_is_a_user_error(cli, base, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    err = _refused(cli, "run", base)
    assert "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 (got 'yesterday')" in err


# ---------------------------------------------------------------------------------------------
# 10. IRR precision (third-party cases)


def _npv_exact(rate: float, flows) -> float:
    return math.fsum(f / (1 + rate) ** t for t, f in enumerate(flows))


def test_irr_of_an_exact_zero_on_the_grid_is_zero():
    # numpy-financial's and pyxirr's answer: -100 now, +100 in a year returns exactly 0%.
    assert irr([-100.0, 100.0]) == 0.0
    assert irr([-50.0, 20.0, 30.0]) == 0.0


def test_irr_is_refined_to_the_root_pyxirr_gh46():
    # pyxirr issue #46 ("Wrong irr values", 2023), cash flow cf1 as printed in the issue (to 9
    # significant digits): a 1.45e8 outlay. The test there needs |NPV(irr)| < 1e-6; the root
    # must also be within a few ulps: NPV changes sign within 4 ulps either side.
    cf1 = [
        -1.44852555e08,
        1.28859998e06,
        1.27305118e06,
        1.25407349e06,
        1.24199669e06,
        1.22647792e06,
        1.21095552e06,
        1.19206955e06,
        1.17989821e06,
        1.16436524e06,
        1.14883185e06,
        1.12945217e06,
        1.11780102e06,
        1.10228427e06,
        1.08671783e06,
        1.06755759e06,
        1.05502327e06,
        1.03885451e06,
        1.02247003e06,
        1.00227444e06,
        9.88024873e05,
    ]
    r = float(irr(cf1))
    assert abs(_npv_exact(r, cf1)) < 1e-6
    step = np.spacing(abs(r))
    assert _npv_exact(r - 4 * step, cf1) * _npv_exact(r + 4 * step, cf1) <= 0


def test_irr_refines_random_flows_to_a_few_ulps(rng):
    flows = np.concatenate(
        [-rng.uniform(1e7, 1e8, (200, 1)), rng.uniform(0, 1e7, (200, 30))], axis=1
    )
    rates = irr(flows)
    assert np.isfinite(rates).all()
    for r, f in zip(rates, flows):
        step = np.spacing(abs(r))
        lo, hi = _npv_exact(r - 8 * step, f), _npv_exact(r + 8 * step, f)
        assert lo * hi <= 0 or abs(_npv_exact(r, f)) <= 1e-13 * np.abs(f).sum()
