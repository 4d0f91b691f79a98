"""The public Python API mirrors the command line (issue 11): options, sensitivity, switching
values; and statistics by name are parsed right."""

from __future__ import annotations

import numpy as np
import pytest

import prevcalc
from prevcalc.errors import ScenarioError
from prevcalc.result import percentile_of

from conftest import MINIMAL, ROOT

UNCERTAIN = MINIMAL.replace("amount: 50,", "amount: {dist: normal, mean: 50, sd: 10},")


def test_options_lists_files_and_variants():
    opts = prevcalc.options([ROOT / "scenarios" / "portfolio.yaml"], variants=True)
    names = [n for n, _ in opts]
    base = prevcalc.load(ROOT / "scenarios" / "portfolio.yaml")
    assert names == [base.name] + [v.name for v in base.variants]
    assert all(hasattr(sc, "interventions") for _, sc in opts)


def test_options_refuses_variants_of_a_file_without_any(write_scenario):
    with pytest.raises(ScenarioError, match="has no variants to compare"):
        prevcalc.options([write_scenario()], variants=True)


def test_sensitivity_and_switching_values_are_public(write_scenario):
    path = write_scenario(UNCERTAIN)
    out = prevcalc.sensitivity(path, swing=0.2)
    assert set(out) == {"tornado", "discount_rates", "switching_values"}
    sv = prevcalc.switching_values(path).set_index("input")
    # NPV is linear in the outcome's amount: 10 participants, 3 years at 50, no discounting,
    # against costs of 10 x 100 = 1,000: NPV is zero at an amount of 1000 / 30.
    key = "interventions.a.outcomes.0.amount"
    assert sv.loc[key, "switching_value"] == pytest.approx(1000 / 30)


@pytest.mark.parametrize("stat, q", [("p05", 5), ("p5", 5), ("p95", 95), ("p025", 2.5),
                                     ("p975", 97.5), ("p50", 50), ("p100", 100), ("p0", 0)])
def test_percentile_names(stat, q):
    # Issue 11: "p5" returned the median and "p100" the 10th percentile.
    assert percentile_of(stat) == q


def test_by_with_a_percentile_matches_numpy(write_scenario):
    r = prevcalc.run(prevcalc.load(write_scenario(UNCERTAIN)), draws=400, seed=3)
    npv = r.metric("npv")[:, 0]
    assert r.by("total", stat="p5")["npv"].iloc[0] == pytest.approx(np.percentile(npv, 5))
    assert r.by("total", stat="p100")["npv"].iloc[0] == pytest.approx(npv.max())
    with pytest.raises(ValueError, match="unknown statistic"):
        r.by("total", stat="p5x")
