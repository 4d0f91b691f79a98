"""Issue 13: who gains by income group, and the equity-weighted NPV, through the public API.

Figures are checked against the Green Book's worked method and hand calculations written here.
The quintile incomes used below (16,400 / 25,000 / 34,500 / 45,000 / 68,400) are test inputs:
the ends and the reference are ONS's FYE 2023 medians, the middle three are illustrative.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import prevcalc
from prevcalc.errors import ScenarioError

# A £1,000 transfer from taxpayers to the poorest fifth, in one undiscounted year: the cost is
# borne by taxpayers (weight 1), the benefit (economic) reaches the participants, all in Q1.
TRANSFER = """\
prevcalc: 1
name: Transfer
horizon: 1
discounting: {schedule: none}
fairness: {weights: [2.4, 1, 1, 1, 1], source: Green Book A3.20 bottom-quintile weight 2.4}
interventions:
  - id: t
    name: Transfer
    layer: upstream
    intake: {participants: [1]}
    reach: [1, 0, 0, 0, 0]
    costs:
      per_participant: [{amount: 1000, duration: 1, funder: treasury}]
    outcomes:
      - {name: Income, agency: households, value_type: economic,
         amount: 1000, duration: 1, deadweight: 0}
"""
#: TRANSFER's fairness block, which tests replace to weight by incomes instead.
GREEN_BOOK_FAIRNESS = (
    "fairness: {weights: [2.4, 1, 1, 1, 1], source: Green Book A3.20 bottom-quintile weight 2.4}"
)


def _run(write_scenario, text, **kw):
    return prevcalc.run(prevcalc.load(write_scenario(text), **kw))


def test_the_green_book_transfer(write_scenario):
    # HM Treasury Green Book (2022), Annex A3.20-A3.21: with a weight of 2.4 on the bottom
    # quintile, £1,000 moved from taxpayers (weight 1) to that quintile is worth
    # 2.4 x 1,000 - 1,000 = +£1,400 weighted, and 0 unweighted.
    eq = _run(write_scenario, TRANSFER).equity
    assert eq.npv == pytest.approx(0.0, abs=1e-9)
    assert eq.weighted_npv == pytest.approx(1400.0)
    assert eq.taxpayers == pytest.approx(-1000.0)
    assert eq.benefits.tolist() == pytest.approx([1000, 0, 0, 0, 0])


def test_eta_zero_gives_the_plain_npv_and_groups_add_up(write_scenario):
    text = (
        TRANSFER.replace(
            GREEN_BOOK_FAIRNESS,
            "fairness: {eta: 0, incomes: [16400, 25000, 34500, 45000, 68400], "
            "reference_income: 34500}",
        )
        .replace("reach: [1, 0, 0, 0, 0]", "reach: [0.4, 0.25, 0.15, 0.12, 0.08]")
        .replace("amount: 1000, duration: 1, deadweight", "amount: 1700, duration: 1, deadweight")
    )
    r = _run(write_scenario, text)
    eq = r.equity
    assert eq.weighted_npv == pytest.approx(eq.npv)
    assert eq.npv == pytest.approx(float(r.summary()["npv"]))  # groups + taxpayers = the NPV
    assert eq.net.sum() + eq.taxpayers == pytest.approx(700.0)
    # Eta table: at eta 1.3, w_q = (34,500 / y_q)^1.3 on 1,700 x reach, less 1,000.
    w = (34500 / np.array([16400, 25000, 34500, 45000, 68400])) ** 1.3
    expected = float((w * 1700 * np.array([0.4, 0.25, 0.15, 0.12, 0.08])).sum() - 1000)
    assert eq.eta_table[1.3] == pytest.approx(expected)
    assert eq.share_poorest_fifth == pytest.approx(0.4)
    assert eq.share_poorest_two_fifths == pytest.approx(0.65)


def test_moving_participants_to_poorer_groups_raises_the_weighted_npv_only(write_scenario):
    base = TRANSFER.replace("reach: [1, 0, 0, 0, 0]", "reach: [0.2, 0.2, 0.2, 0.2, 0.2]").replace(
        GREEN_BOOK_FAIRNESS,
        "fairness: {incomes: [16400, 25000, 34500, 45000, 68400], reference_income: 34500}",
    )
    poorer = base.replace("reach: [0.2, 0.2, 0.2, 0.2, 0.2]", "reach: [0.4, 0.3, 0.2, 0.1, 0.0]")
    a = _run(write_scenario, base).equity
    b = prevcalc.run(prevcalc.load(write_scenario(poorer, name="poorer.yaml"))).equity
    assert b.npv == pytest.approx(a.npv)
    assert b.weighted_npv > a.weighted_npv


def test_eta_switching_value(write_scenario):
    # Benefit 800 to Q1 (income 16,400) against 1,000 from taxpayers (reference 34,500):
    # weighted NPV 800 (34,500/16,400)^eta - 1,000 = 0 at eta = ln(1.25) / ln(34,500/16,400).
    text = TRANSFER.replace(
        GREEN_BOOK_FAIRNESS,
        "fairness: {incomes: [16400, 25000, 34500, 45000, 68400], reference_income: 34500}",
    ).replace("amount: 1000, duration: 1, deadweight", "amount: 800, duration: 1, deadweight")
    eq = _run(write_scenario, text).equity
    assert eq.eta_switching_value == pytest.approx(np.log(1.25) / np.log(34500 / 16400), rel=1e-6)


def test_json_adds_distribution_and_keeps_the_contract(cli, write_scenario):
    code, out, _ = cli("run", write_scenario(TRANSFER), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["distribution"]["weighted_npv"] == pytest.approx(1400)
    assert [g["group"] for g in doc["distribution"]["by_group"]][0] == "Q1 (poorest fifth)"
    assert {"summary", "interventions", "layers", "agencies", "years"} <= set(doc)


def test_a_reach_that_does_not_add_up_is_located(write_scenario):
    with pytest.raises(ScenarioError, match=r"interventions.t.reach: .*add up to 1"):
        prevcalc.load(
            write_scenario(TRANSFER.replace("reach: [1, 0, 0, 0, 0]", "reach: [0.5, 0, 0, 0, 0]"))
        )


def test_deprivation_quintiles_need_weights(write_scenario):
    text = TRANSFER.replace(
        GREEN_BOOK_FAIRNESS,
        "fairness: {groups: imd_quintiles}",
    )
    with pytest.raises(ScenarioError, match="deprivation quintiles have no incomes"):
        prevcalc.load(write_scenario(text))


def test_a_scenario_without_fairness_has_no_distribution(write_scenario):
    from conftest import MINIMAL

    r = _run(write_scenario, MINIMAL)
    assert r.equity is None and "distribution" not in r.to_dict()


def test_compare_says_at_which_eta_options_swap(cli, write_scenario):
    # A gives 100 to Q1 (income 10), B gives 150 to Q5 (income 40), reference 20, no costs:
    # B leads unweighted; A leads once 100 x 2^eta > 150 x 0.5^eta, at eta = log_4(1.5).
    text = TRANSFER.replace(
        GREEN_BOOK_FAIRNESS,
        "fairness: {incomes: [10, 15, 20, 30, 40], reference_income: 20}",
    ).replace(
        "      per_participant: [{amount: 1000, duration: 1, funder: treasury}]\n",
        "      per_participant: []\n",
    )
    a = write_scenario(
        text.replace(
            "amount: 1000, duration: 1, deadweight", "amount: 100, duration: 1, deadweight"
        ),
        name="a.yaml",
    )
    b = write_scenario(
        text.replace("reach: [1, 0, 0, 0, 0]", "reach: [0, 0, 0, 0, 1]").replace(
            "amount: 1000, duration: 1, deadweight", "amount: 150, duration: 1, deadweight"
        ),
        name="b.yaml",
    )
    code, out, _ = cli("compare", a, b, "--format", "json")
    assert code == 0
    rows = json.loads(out)["distribution"]
    assert rows[0]["weighted_npv"] == pytest.approx(100 * 2**1.3)
    assert rows[1]["eta_swap_with_first"] == pytest.approx(np.log(1.5) / np.log(4), rel=1e-6)
    code, out, _ = cli("compare", a, b)
    assert "swap rank with the first at" in out


def test_the_brief_has_a_who_gains_section_chart_and_plane(write_scenario, tmp_path):
    from prevcalc.report import brief, charts

    text = TRANSFER.replace(
        GREEN_BOOK_FAIRNESS,
        "fairness: {incomes: [10, 15, 20, 30, 40], reference_income: 20}",
    )
    a = prevcalc.run(prevcalc.load(write_scenario(text, name="a.yaml")))
    b = prevcalc.run(
        prevcalc.load(
            write_scenario(
                text.replace("reach: [1, 0, 0, 0, 0]", "reach: [0, 0, 0, 0, 1]"), name="b.yaml"
            )
        )
    )
    out = tmp_path / "brief"
    brief.write_brief([a, b], out, names=["A", "B"], formats={"md", "csv"})
    md = (out / "brief.md").read_text(encoding="utf-8")
    assert "Who gains, by income group" in md and "Who gains: equity-weighted NPV" in md
    assert (out / "charts" / "who-gains.png").is_file() and (
        out / "charts" / "equity-plane.png"
    ).is_file()
    fig = charts.who_gains_chart([a, b], ["A", "B"])
    heights = [
        p.get_height() for ax in fig.axes for p in ax.patches if p.get_gid() == "who-gains-0"
    ]
    # A: 1,000 to its one participant in Q1, less the 1,000 cost borne by taxpayers (not a group).
    assert heights == pytest.approx([1000, 0, 0, 0, 0])
