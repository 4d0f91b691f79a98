"""The fairness lens in the reports: the panel's words with draws and with health outcomes, and
health compared across options (``compare`` and the brief), against hand calculations."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_fairness_health import HEALTH

import prevcalc
from prevcalc.report import summary, tables


def health(reach: str, events: str) -> str:
    """The health test scenario (one programme, 100 participants, a QALY outcome) with its
    reach and QALYs per participant."""
    return HEALTH.replace("REACH", reach).replace("events: 0.1", f"events: {events}")


def _run(write_scenario, reach: str, events: str, name: str):
    path = write_scenario(health(reach, events), name=name)
    return path, prevcalc.run(prevcalc.load(path))


def test_health_sentence_by_hand(write_scenario):
    """100 participants in the worst-off fifth gain 0.1 QALY each: 10 QALYs. A QALY to the
    worst-off (health 62) against the best-off (74) under Kolm (aversion 0.15) counts
    exp(0.15 × 12) = 6.05 times (Robson et al. 2017's "six to seven times")."""
    _, r = _run(write_scenario, "[1, 0, 0, 0, 0]", "0.1", "h.yaml")
    h = r.equity.health
    text = tables.health_sentence(h)
    assert text.startswith("Health: 10.0 QALYs (10.0, 0.0, 0.0, 0.0, 0.0 by group, poorest first)")
    assert f"counts {math.exp(0.15 * 12):.1f} times one to the best-off (Kolm)" in text
    assert "counts 6.0 times" in text
    assert f"{h.ede_change_kolm_total:,.1f} (Kolm, aversion 0.15)" in text
    # The panel's note carries it.
    assert text in tables.equity_table(r).note


def test_health_compared_in_compare_and_brief(write_scenario, cli, tmp_path):
    """A: 10 QALYs to the best-off fifth; B: 8 to the worst-off. Unweighted, A leads; the
    table reports each option's change in EDE and the aversion at which B overtakes A."""
    a_path, a = _run(write_scenario, "[0, 0, 0, 0, 1]", "0.1", "a.yaml")
    b_path, b = _run(write_scenario, "[1, 0, 0, 0, 0]", "0.08", "b.yaml")
    t = tables.health_comparison_table(["A", "B"], [a, b])
    assert t is not None
    f = t.frame.set_index("option")
    assert f.loc["A", "qalys"] == pytest.approx(10) and f.loc["B", "qalys"] == pytest.approx(8)
    assert f.loc["B", "ede_change_kolm_total"] > f.loc["A", "ede_change_kolm_total"]
    assert math.isfinite(f.loc["B", "kolm_aversion_swap_with_first"])
    code, out, err = cli("compare", a_path, b_path, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert [row["qalys"] for row in data["health"]] == pytest.approx([10, 8])
    code, _, err = cli("brief", a_path, b_path, "--out", tmp_path / "b")
    assert code == 0, err
    assert (tmp_path / "b" / "tables" / "health_compared.csv").is_file()


def test_weighted_npv_interval_in_the_panel_and_the_summary(write_scenario):
    """With draws, the panel and the summary give the weighted NPV's interval over the draws,
    as the lens computed it."""
    text = health("[1, 0, 0, 0, 0]", "0.1")
    text = text.replace("amount: 7000", "amount: {dist: uniform, low: 0, high: 14000}")
    text = text.replace("weights: [1, 1, 1, 1, 1]", "weights: [2.4, 1, 1, 1, 1]")
    path = write_scenario(text, name="d.yaml")
    sc = prevcalc.load(path)
    result, run = prevcalc.run(sc), prevcalc.run(sc, draws=2000, seed=2)
    eq = run.equity
    lo, hi = eq.weighted_npv_interval
    # Benefit per draw: the outcome's PV (100 × U(0, 14000), undiscounted), all of it to the
    # poorest fifth at weight 2.4, no costs: the weighted NPV is 2.4 × that in every draw.
    weighted = 2.4 * run.line_pv[:, 0]
    assert (lo, hi) == pytest.approx(tuple(np.percentile(weighted, [5, 95])), rel=1e-12)
    assert eq.p_weighted_positive == pytest.approx(float((weighted > 0).mean()))
    note = tables.equity_table(run).note
    money = lambda v: tables.fmt(v, "money", "GBP")  # noqa: E731
    assert f"Over 2,000 draws: weighted NPV 90% interval {money(lo)} to {money(hi)}" in note
    lines = summary.summary_sentences([result], ["D"], [run])
    fair = next(x for x in lines if x.startswith("Weighted for who gains"))
    assert (
        f"(weighted, 90% interval {summary.money(lo)} to {summary.money(hi)} over 2,000 draws, "
        f"positive in {summary.share(eq.p_weighted_positive)} of them)" in fair
    )
