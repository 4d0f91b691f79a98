"""The public Python API mirrors the command line (issue 11): options, sensitivity, switching
values; and statistics by name are parsed right."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MINIMAL, ROOT

import prevcalc
from prevcalc.errors import ScenarioError
from prevcalc.vocabulary import percentile_of

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


@pytest.mark.parametrize(
    "stat, q",
    [
        ("p05", 5),
        ("p5", 5),
        ("p95", 95),
        ("p025", 2.5),
        ("p975", 97.5),
        ("p50", 50),
        ("p100", 100),
        ("p0", 0),
    ],
)
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


# ---------------------------------------------------------------------------------------------
# A portable model (issue 11): plain data, keyed by path, evaluated alike anywhere


def _evaluate_in_child(payload: bytes) -> bytes:
    import pickle

    from prevcalc import engine

    model, draws = pickle.loads(payload)
    r = engine.evaluate(model, draws)
    return pickle.dumps((r.metric("npv"), r.flows))


def test_a_compiled_model_and_its_draws_pickle_and_evaluate_alike_in_another_process(
    write_scenario,
):
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    from prevcalc import engine, sampling

    sc = prevcalc.load(write_scenario(UNCERTAIN))
    model = engine.compile_scenario(sc)
    draws = sampling.sample(sc, 500, seed=9)
    here = engine.evaluate(model, draws)
    with ProcessPoolExecutor(max_workers=1) as pool:
        npv, flows = pickle.loads(
            pool.submit(_evaluate_in_child, pickle.dumps((model, draws))).result()
        )
    assert np.array_equal(npv, here.metric("npv")) and np.array_equal(flows, here.flows)


def test_draws_of_a_copied_scenario_evaluate_the_original(write_scenario):
    # Draws are keyed by each number's path, not by object identity: a copy draws the same.
    from prevcalc import engine, sampling

    sc = prevcalc.load(write_scenario(UNCERTAIN))
    copy = sc.model_copy(deep=True)
    a = engine.evaluate(engine.compile_scenario(sc), sampling.sample(copy, 256, seed=4))
    b = engine.evaluate(engine.compile_scenario(copy), sampling.sample(sc, 256, seed=4))
    assert np.array_equal(a.metric("npv"), b.metric("npv"))


def test_one_model_evaluated_by_two_threads_gives_the_same_results(write_scenario):
    from concurrent.futures import ThreadPoolExecutor

    from prevcalc import engine, sampling

    sc = prevcalc.load(write_scenario(UNCERTAIN))
    model = engine.compile_scenario(sc)
    draws = [sampling.sample(sc, 2048, seed=s) for s in (1, 2, 3, 4)]
    alone = [engine.evaluate(model, d).metric("npv") for d in draws]
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(
            pool.map(lambda d: engine.evaluate(model, d, chunk=64).metric("npv"), draws)
        )
    assert all(np.array_equal(x, y) for x, y in zip(alone, together))


def test_the_loaded_scenario_carries_its_source_through_copies_and_pickling(write_scenario):
    import pickle

    from prevcalc.provenance import source_of

    path = write_scenario(UNCERTAIN)
    sc = prevcalc.load(path)
    for other in (sc.model_copy(), pickle.loads(pickle.dumps(sc))):
        assert (
            source_of(other).path == str(path) and source_of(other).sha256 == source_of(sc).sha256
        )


def test_brief_is_public(tmp_path):
    out = tmp_path / "brief"
    written = prevcalc.brief([ROOT / "scenarios" / "youth_court.yaml"], out, variants=True)
    assert (out / "brief.md").is_file() and (out / "brief.md") in written
    text = (out / "brief.md").read_text(encoding="utf-8")
    assert "## Summary" in text and "DC Youth Court convention" in text


def test_run_takes_a_block_size_and_gives_the_same_figures(tmp_path):
    """prevcalc.run(..., block_values=...) is the engine's public block size: a seeded run is
    the same bit for bit however many values are evaluated at once."""
    sc = prevcalc.load(ROOT / "scenarios" / "portfolio.yaml")
    small = prevcalc.run(sc, draws=300, seed=4, block_values=64 * 50 * 10)
    big = prevcalc.run(sc, draws=300, seed=4)
    assert (small.metric("npv") == big.metric("npv")).all()
    assert (small.line_pv == big.line_pv).all()
