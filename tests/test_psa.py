"""Probabilistic runs: reproducibility, convergence, P(NPV > 0) by group, shared parameters."""

from __future__ import annotations

import numpy as np
import pytest

import prevcalc
from prevcalc import engine, sampling
from prevcalc.loader import loads

PSA = """\
prevcalc: 1
name: PSA
horizon: 15
discounting: {schedule: green_book}
parameters:
  effect: {dist: gamma, mean: 1.0, sd: 0.2}
  lapse: {dist: beta, mean: 0.15, sd: 0.03}
interventions:
  - id: home
    name: Home visits
    layer: midstream
    intake: {participants: 30, years: 4}
    costs:
      setup: [{amount: {dist: pert, low: 20000, mode: 30000, high: 60000}, funder: council}]
      per_participant:
        - {amount: {dist: lognormal, mean: 2000, sd: 400}, duration: 1.5, funder: nhs}
    outcomes:
      - {name: Care avoided, agency: adult_social_care, amount: "1800 * effect", duration: 6,
         drop_off: lapse, deadweight: {dist: beta, mean: 0.2, sd: 0.05}}
  - id: court
    name: Youth court
    layer: downstream
    intake: {participants: [15, 15, 15]}
    costs:
      running: [{amount: 40000, to_year: 2, funder: courts}]
    outcomes:
      - {name: Less reoffending, agency: police, amount: "2500 * effect", start: 1, duration: 4,
         deadweight: 0.1}
"""


@pytest.fixture(scope="module")
def psa():
    return loads(PSA, "<psa>")


def same(a, b):
    """Every metric of two results identical bit for bit (NaN equal to NaN)."""
    for g in a.values:
        for k in a.values[g]:
            np.testing.assert_array_equal(a.values[g][k], b.values[g][k], err_msg=f"{g}.{k}")
    np.testing.assert_array_equal(a.flows, b.flows)


@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_same_seed_same_results(psa, sampler):
    a = engine.run(psa, draws=500, seed=11, sampler=sampler)
    b = engine.run(psa, draws=500, seed=11, sampler=sampler)
    same(a, b)
    assert a.summary().equals(b.summary())
    assert a.by("agency").equals(b.by("agency"))
    c = engine.run(psa, draws=500, seed=12, sampler=sampler)
    assert not np.array_equal(a.values["total"]["npv"], c.values["total"]["npv"])


@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_chunk_size_does_not_change_results(psa, sampler):
    model = engine.compile_scenario(psa)
    draws = sampling.sample(psa, 1000, 3, sampler)
    # chunk 7 -> blocks of 64 draws, 1000 -> one block of 1,024, 130 -> blocks of 192 with a
    # padded last block, None -> the model's own size.
    results = [engine.evaluate(model, draws, chunk=c) for c in (7, 1000, 130, None)]
    for r in results[1:]:
        same(results[0], r)


def test_blocks_of_draws_are_reproducible(psa):
    # Force many small blocks (the last one padded): still identical run to run, and the
    # padding never leaks into results.
    model = engine.compile_scenario(psa)
    draws = sampling.sample(psa, 1000, 3)
    a = engine.evaluate(model, draws, chunk=7)
    b = engine.evaluate(model, draws, block_values=64 * 10 * 15)  # blocks sized by the model
    same(a, b)
    assert a.draws == 1000
    whole = engine.evaluate(model, draws)  # one block of 1,024 draws instead of many of 64
    same(a, whole)
    np.testing.assert_array_equal(a.line_pv, whole.line_pv)
    run = engine.run(psa, draws=1000, seed=3, block_values=64 * 10 * 15)
    same(run, engine.run(psa, draws=1000, seed=3))


def test_lhs_stratifies(psa):
    r = engine.run(psa, draws=200, seed=1, sampler="lhs")
    d = sampling.sample(psa, 200, 1, "lhs")
    assert r.draws == 200
    leaf = {x.key: x for x in sampling.uncertain_leaves(psa)}["effect"]
    u = np.sort(
        np.interp(
            d.parameters["effect"],
            leaf.quantile(np.linspace(0, 1, 2001)[1:-1]),
            np.linspace(0, 1, 2001)[1:-1],
        )
    )
    assert np.all(np.floor(u * 200) == np.arange(200))


def test_prob_npv_positive_by_group(psa):
    r = prevcalc.run(psa, draws=400, seed=4)
    for grouping in ("total", "intervention", "layer", "agency"):
        frame = r.by(grouping)
        expected = np.mean(r.values[grouping]["npv"] > 0, axis=0)
        np.testing.assert_array_equal(frame["prob_npv_positive"].to_numpy(), expected)
        assert frame["prob_npv_positive"].between(0, 1).all()
    by_agency = r.by("agency")["prob_npv_positive"]
    assert by_agency["council"] == 0.0  # pays, gains nothing
    assert by_agency["police"] == 1.0  # gains, pays nothing
    assert r.summary()["prob_npv_positive"] == pytest.approx(
        float(np.mean(r.values["total"]["npv"][:, 0] > 0))
    )


def test_psa_mean_converges_to_deterministic_for_a_linear_model():
    text = """\
prevcalc: 1
name: Linear
horizon: 10
discounting: {schedule: constant, rate: 0.035}
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {participants: [50, 50]}
    costs: {setup: [{amount: 100000}]}
    outcomes:
      - {name: Saving, amount: {dist: normal, mean: 900, sd: 300}, duration: 4, deadweight: 0.2}
"""
    sc = loads(text)
    det = float(engine.run(sc).values["total"]["npv"][0, 0])
    npv = engine.run(sc, draws=4000, seed=21).values["total"]["npv"][:, 0]
    se = npv.std(ddof=1) / np.sqrt(npv.size)
    assert se > 0
    assert abs(npv.mean() - det) < 3 * se


def test_shared_parameter_widens_total_spread():
    head = """\
prevcalc: 1
name: Shared
horizon: 6
discounting: {{schedule: none}}
{params}
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {{participants: [100]}}
    costs: {{setup: [{{amount: 50000}}]}}
    outcomes: [{{name: S, amount: {a}, duration: 3, deadweight: 0}}]
  - id: b
    name: B
    layer: midstream
    intake: {{participants: [100]}}
    costs: {{setup: [{{amount: 50000}}]}}
    outcomes: [{{name: S, amount: {b}, duration: 3, deadweight: 0}}]
"""
    dist = "{dist: normal, mean: 300, sd: 60}"
    shared = loads(head.format(params=f"parameters:\n  saving: {dist}", a='"saving"', b='"saving"'))
    separate = loads(head.format(params="", a=dist, b=dist))
    s = engine.run(shared, draws=4000, seed=8).values
    t = engine.run(separate, draws=4000, seed=8).values
    # Same marginals for each intervention...
    for v in (s, t):
        assert np.std(v["intervention"]["npv"][:, 0]) == pytest.approx(60 * 100 * 3, rel=0.1)
    # ...but the total's sd is 2σ when shared (perfectly correlated), √2σ when independent.
    ratio = np.std(s["total"]["npv"][:, 0]) / np.std(t["total"]["npv"][:, 0])
    assert ratio == pytest.approx(np.sqrt(2), rel=0.08)
    assert np.corrcoef(s["intervention"]["npv"].T)[0, 1] == pytest.approx(1.0)
    assert abs(np.corrcoef(t["intervention"]["npv"].T)[0, 1]) < 0.1


def test_cli_run_with_draws_is_reproducible(cli, write_scenario, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the run time is part of the output
    path = write_scenario(PSA)
    code1, out1, _ = cli("run", path, "--draws", "300", "--seed", "5", "--format", "json")
    code2, out2, _ = cli("run", path, "--draws", "300", "--seed", "5", "--format", "json")
    code3, out3, _ = cli(
        "run", path, "--draws", "300", "--seed", "5", "--sampler", "lhs", "--format", "json"
    )
    assert code1 == code2 == code3 == 0
    assert out1 == out2
    import json

    doc = json.loads(out1)
    assert doc["draws"] == 300
    assert {i["id"]: 0 <= i["prob_npv_positive"] <= 1 for i in doc["interventions"]} == {
        "home": True,
        "court": True,
    }
    assert all("prob_npv_positive" in a for a in doc["agencies"])
    assert json.loads(out3)["summary"]["npv"]["mean"] != doc["summary"]["npv"]["mean"]


def test_which_figures_are_computed_draw_by_draw(psa):
    """Per draw: PVs and ratios everywhere; payback for the scenario and layers; IRR for the
    scenario. Payback and IRR of single interventions and agencies: deterministic run only."""
    r = engine.run(psa, draws=200, seed=5)
    for g in ("total", "intervention", "layer", "agency"):
        assert np.isfinite(np.asarray(r.values[g]["npv"])).all()
    assert np.isfinite(np.asarray(r.values["total"]["irr"])).any()
    assert np.isfinite(np.asarray(r.values["layer"]["payback_year"])).any()
    for g in ("intervention", "agency"):
        assert np.isnan(np.asarray(r.values[g]["irr"])).all()
        assert np.isnan(np.asarray(r.values[g]["payback_year"])).all()
    det = engine.run(psa)
    assert np.isfinite(np.asarray(det.values["intervention"]["payback_year"])).any()
    # police only gain (no costs): cumulative net never below 0, so it "pays back" in year 0.
    police = det.labels["agency"].index("police")
    assert det.values["agency"]["payback_year"][0, police] == 0
    assert np.isfinite(np.asarray(det.values["intervention"]["irr"])).all()


def test_draws_outside_a_fields_range_are_clipped_and_counted():
    """A normal cost (mean 100, sd 100) has draws below zero: each is set to 0, and the note
    counts exactly the negative draws of the same seeded sample."""
    sc = loads("""\
prevcalc: 1
name: Negative draws
horizon: 5
discounting: {schedule: none}
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {participants: [10]}
    costs:
      per_participant: [{amount: {dist: normal, mean: 100, sd: 100}, duration: 1}]
    outcomes: [{name: S, agency: nhs, amount: 50, duration: 2, deadweight: 0}]
""")
    r = engine.run(sc, draws=1000, seed=1, chunk=256)
    amounts = sampling.sample(sc, 1000, 1).leaf_values[
        "interventions.a.costs.per_participant.0.amount"
    ]
    negative = int((amounts < 0).sum())
    assert negative > 0
    assert any(
        n.startswith(f"interventions.a.costs.per_participant.0.amount: {negative:,} of 1,000")
        for n in r.notes
    )
    # PV costs per draw: 10 participants × max(amount, 0), undiscounted.
    np.testing.assert_allclose(
        r.values["total"]["pv_costs"][:, 0], 10 * np.maximum(amounts, 0), rtol=1e-12
    )
