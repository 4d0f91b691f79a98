"""Who pays, who gains, and when: the funding matrix, each budget's position and break-even year,
flows by agency and layer, the fiscal (cashable) split, and IRRs that never mislead; each figure
against a hand calculation written here."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import prevcalc
from prevcalc.report import brief, tables

# At 0% the present values are plain sums, so every figure below is a sum done by hand.
SCENARIO = """\
prevcalc: 1
name: Accounts
currency: GBP
price_year: 2024
horizon: 5
discounting: {schedule: constant, rate: 0.0, timing: start}
interventions:
  - id: falls
    name: Falls prevention
    layer: upstream
    intake: {participants: [1]}
    costs:
      setup:
        - {amount: 750, year: 0, funder: council}
        - {amount: 250, year: 0, funder: nhs}
    outcomes:
      - {name: Admissions avoided, agency: nhs, value_type: fiscal, amount: 400,
         start: 1, duration: 3, deadweight: 0}
      - {name: Wellbeing, agency: residents, value_type: social, amount: 200,
         start: 0, duration: 1, deadweight: 0}
  - id: cafe
    name: Community cafe
    layer: downstream
    intake: {participants: [1]}
    outcomes:
      - {name: Volunteering, agency: residents, value_type: economic, amount: 100,
         start: 0, duration: 1, deadweight: 0}
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    path = tmp_path_factory.mktemp("acc") / "acc.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return prevcalc.run(prevcalc.load(path))


def test_funding_matrix_shares_benefits_by_what_each_funder_pays(result):
    m = result.funding_matrix().set_index(["funder", "beneficiary"])
    # falls: council funds 750 of 1000 (75%), the NHS 250 (25%); NHS gains 3 x 400 = 1200 cashable,
    # residents 200 social. cafe has no costs: its 100 of economic value has no funder.
    assert m.loc[("council", "nhs"), "cashable"] == pytest.approx(900)
    assert m.loc[("nhs", "nhs"), "cashable"] == pytest.approx(300)
    assert m.loc[("council", "residents"), "other"] == pytest.approx(150)
    assert m.loc[("nhs", "residents"), "other"] == pytest.approx(50)
    assert m.loc[("no funder (no costs)", "residents"), "other"] == pytest.approx(100)
    assert (m["cashable"] + m["other"]).sum() == pytest.approx(1200 + 200 + 100)


def test_each_budget_breaks_even_when_its_own_cumulative_net_turns_non_negative(result):
    pos = result.agency_positions().set_index("agency")
    # council: -750 in year 0 and nothing back: never. NHS: -250 in year 0, +400 a year from
    # year 1: cumulative -250, 150, ...: breaks even in year 1. Residents only gain: year 0.
    assert pd_na(pos.loc["council", "break_even_year"])
    assert pos.loc["nhs", "break_even_year"] == 1
    assert pos.loc["residents", "break_even_year"] == 0
    assert pos.loc["nhs", "pv_costs_funded"] == pytest.approx(250)
    assert pos.loc["nhs", "pv_benefits_gained"] == pytest.approx(1200)
    assert pos.loc["nhs", "pv_fiscal_benefits"] == pytest.approx(1200)
    assert pos.loc["residents", "pv_fiscal_benefits"] == 0
    assert pos.loc["nhs", "net"] == pytest.approx(950)
    flows = result.agency_flows()
    nhs = flows[flows["agency"] == "nhs"]
    assert nhs["cumulative_net"].tolist() == pytest.approx([-250, 150, 550, 950, 950])


def pd_na(v) -> bool:
    import pandas as pd

    return pd.isna(v)


def test_layer_flows_by_year(result):
    flows = result.layer_flows()
    up = flows[flows["layer"] == "upstream"]
    assert up["net"].tolist() == pytest.approx([-1000 + 200, 400, 400, 400, 0])
    down = flows[flows["layer"] == "downstream"]
    assert down["benefits"].tolist() == pytest.approx([100, 0, 0, 0, 0])


def test_fiscal_split_and_headline(result):
    f = result.fiscal_summary()
    # Cashable: 1200 against costs 1000 -> NPV 200, BCR 1.2; in full 1500 -> NPV 500.
    assert f["fiscal_npv"] == pytest.approx(200) and f["fiscal_bcr"] == pytest.approx(1.2)
    assert result.value_split() == pytest.approx(
        {"fiscal": 1200, "fiscal_noncashable": 0, "economic": 100, "social": 200}
    )
    head = dict(tables.headline(result))
    assert head["NPV, cashable savings only"] == "£200"
    assert head["BCR, cashable savings only"] == "1.20"
    assert head["NPV"] == "£500"


def test_json_adds_accounts_and_keeps_every_existing_key(result):
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    for key in ("summary", "interventions", "layers", "agencies", "years", "notes", "provenance"):
        assert key in d
    acc = d["accounts"]
    assert acc["fiscal"]["fiscal_npv"] == pytest.approx(200)
    nhs = next(a for a in acc["agencies"] if a["agency"] == "nhs")
    assert nhs["break_even_year"] == 1 and nhs["cumulative_net"] == pytest.approx(
        [-250, 150, 550, 950, 950]
    )
    council = next(a for a in acc["agencies"] if a["agency"] == "council")
    assert council["break_even_year"] is None
    assert {(c["funder"], c["beneficiary"]) for c in acc["funding_matrix"]} >= {
        ("council", "nhs"),
        ("nhs", "nhs"),
    }


def test_probabilistic_json_adds_the_chance_of_paying_back(tmp_path):
    path = tmp_path / "u.yaml"
    path.write_text(
        SCENARIO.replace("amount: 400,", "amount: {dist: uniform, low: 0, high: 600},"),
        encoding="utf-8",
    )
    run = prevcalc.run(prevcalc.load(path), draws=2000, seed=1)
    d = run.to_dict()
    payback = run.metric("payback_year")[:, 0]
    # A draw that never pays back is counted (as beyond the horizon), not dropped.
    assert d["summary"]["prob_payback_year_within_horizon"] == pytest.approx(
        float(np.isfinite(payback).mean())
    )
    assert 0 < d["summary"]["prob_payback_year_within_horizon"] < 1
    assert "pv_costs" in d["summary"]  # existing keys unchanged


def test_payback_over_draws_counts_never_as_beyond_the_horizon(tmp_path):
    path = tmp_path / "u.yaml"
    # The saving is 0..600 a year for 3 years against 1000: pays back (undiscounted) only when
    # 3 x saving + 300 (residents and cafe) >= 1000, i.e. saving >= 233.3: P = 1 - 233.3/600 = 0.61.
    path.write_text(
        SCENARIO.replace("amount: 400,", "amount: {dist: uniform, low: 0, high: 600},"),
        encoding="utf-8",
    )
    run = prevcalc.run(prevcalc.load(path), draws=4000, seed=2)
    assert run.prob_pays_back() == pytest.approx(1 - 700 / 3 / 600, abs=0.03)
    a = tables.payback_over_draws(run)
    assert np.isinf(a).mean() == pytest.approx(1 - run.prob_pays_back())
    head = dict(tables.headline(run))
    assert head["P(pays back in horizon)"] == tables.fmt(run.prob_pays_back(), "probability")
    assert head["Payback year"].endswith("(median)")


def test_irr_in_words_where_it_is_no_rate_of_return(tmp_path):
    path = tmp_path / "g.yaml"
    # Gains from year 0 (200 of wellbeing against 0 cost when the cost is in year 1): no IRR.
    path.write_text(
        SCENARIO.replace("year: 0, funder: council", "year: 1, funder: council").replace(
            "year: 0, funder: nhs", "year: 1, funder: nhs"
        ),
        encoding="utf-8",
    )
    r = prevcalc.run(prevcalc.load(path))
    assert tables.irr_words(r) == "n/a: net gain from the first year"
    assert dict(tables.headline(r))["IRR"] == "n/a: net gain from the first year"


def test_comparison_never_differences_irrs(result, tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(SCENARIO.replace("amount: 400,", "amount: 500,"), encoding="utf-8")
    other = prevcalc.run(prevcalc.load(path))
    t = brief.headline_table([result, other], ["A", "B"])
    assert math.isnan(t.frame.loc[2, "irr"])  # the difference row
    # Fiscal NPV beside the full figures: B gains 1500 cashable against 1000: 500; A: 200.
    assert t.frame.loc[0, "fiscal_npv"] == pytest.approx(200)
    assert t.frame.loc[1, "fiscal_npv"] == pytest.approx(500)
    assert t.frame.loc[2, "fiscal_npv"] == pytest.approx(300)


def test_brief_has_the_accounts_tables_chart_and_csv(result, tmp_path):
    out = tmp_path / "b"
    brief.write_brief([result], out, formats={"md", "csv", "charts"})
    names = {p.name for p in (out / "tables").iterdir()}
    assert {
        "funding_matrix.csv",
        "agency_positions.csv",
        "agency_cumulative.csv",
        "agency_years.csv",
        "layer_years.csv",
        "recommendation.csv",
    } <= names
    assert (out / "charts" / "agency-positions.png").exists()
    md = (out / "brief.md").read_text(encoding="utf-8")
    assert "Who funds whose gains" in md and "Each budget's position" in md
    # The positions table says "never" and "gains only" in words.
    assert "| council |" in md and "never" in md and "gains only" in md
