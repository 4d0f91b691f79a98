"""Each line's present value in each draw (``Result.line_pv``): what the fairness lens gives an
interval over draws. Its mean over draws is the PV of the mean flows; each draw's lines add up
to that draw's PV of costs and of benefits; it does not depend on the block size."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS

import prevcalc
from prevcalc.loader import loads

UNCERTAIN = """\
prevcalc: 1
name: Line PV
horizon: 20
discounting: {schedule: green_book}
parameters:
  pop: {dist: gamma, mean: 40, sd: 8}
  effect: {dist: gamma, mean: 1.0, sd: 0.2}
  lapse: {dist: beta, mean: 0.15, sd: 0.03}
interventions:
  - id: home
    name: Home visits
    layer: midstream
    intake: {participants: "pop", years: 4}
    costs:
      setup: [{amount: {dist: pert, low: 20000, mode: 30000, high: 60000}, funder: council}]
      running: [{amount: 5000, from_year: 1, to_year: 5, funder: council}]
      per_participant:
        - {amount: {dist: lognormal, mean: 2000, sd: 400}, duration: 1.5, funder: nhs}
    outcomes:
      - {name: Care avoided, agency: adult_social_care, amount: "1800 * effect",
         duration: {dist: uniform, low: 4, high: 8}, drop_off: lapse, deadweight: 0.2}
  - id: court
    name: Youth court
    layer: downstream
    intake: {participants: [15, {dist: normal, mean: 15, sd: 3}, 15]}
    costs:
      running: [{amount: 40000, to_year: 2, funder: courts}]
    outcomes:
      - {name: Less reoffending, agency: police, amount: "2500 * effect", start: 1, duration: 4,
         deadweight: 0.1}
"""


def _signed_by(result, grouping: str) -> tuple[np.ndarray, np.ndarray]:
    """PV of costs and of benefits of each group of ``grouping``, per draw, from line_pv."""
    lines = result.lines
    column = {"intervention": "intervention", "layer": "layer", "agency": "agency"}[grouping]
    is_cost = (lines["kind"] == "cost").to_numpy()
    member = np.array(
        [(lines[column] == label).to_numpy() for label in result.labels[grouping]], dtype=float
    )
    return (result.line_pv * is_cost) @ member.T, (result.line_pv * ~is_cost) @ member.T


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_deterministic_run_has_one_row_equal_to_the_pv_of_the_flows(path):
    result = prevcalc.run(prevcalc.load(path))
    assert result.line_pv.shape == (1, len(result.lines))
    np.testing.assert_allclose(
        result.line_pv[0], result.flows @ result.factors, rtol=1e-12, atol=1e-6
    )


@pytest.mark.parametrize("draws", [1, 300])
def test_line_pv_adds_up_to_every_draws_pv_costs_and_benefits(draws):
    result = prevcalc.run(loads(UNCERTAIN), draws=draws, seed=5)
    assert result.line_pv.shape == (draws, len(result.lines))
    assert (result.line_pv[:, (result.lines["kind"] == "cost").to_numpy()] >= 0).all()
    for grouping in ("intervention", "layer", "agency"):
        costs, benefits = _signed_by(result, grouping)
        np.testing.assert_allclose(costs, result.values[grouping]["pv_costs"], rtol=1e-12)
        np.testing.assert_allclose(benefits, result.values[grouping]["pv_benefits"], rtol=1e-12)


def test_the_mean_over_draws_is_the_pv_of_the_mean_flows():
    result = prevcalc.run(loads(UNCERTAIN), draws=700, seed=9)
    assert result.line_pv.shape == (700, len(result.lines))
    # The uncertain lines vary from draw to draw (the two running costs are fixed).
    assert (np.ptp(result.line_pv, axis=0) > 0).sum() == 4
    np.testing.assert_allclose(
        result.line_pv.mean(axis=0), result.flows @ result.factors, rtol=1e-12
    )


def test_line_pv_is_the_same_whatever_the_block_size():
    sc = loads(UNCERTAIN)
    runs = [prevcalc.run(sc, draws=1000, seed=3, chunk=c) for c in (7, 130, None)]
    for r in runs[1:]:
        assert np.array_equal(r.line_pv, runs[0].line_pv)


def test_line_pv_is_not_in_the_json_output():
    text = str(prevcalc.run(loads(UNCERTAIN), draws=50, seed=1).to_dict())
    assert "line_pv" not in text
