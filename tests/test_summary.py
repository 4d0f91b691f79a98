"""The brief's opening summary and recommendation: golden words for two bundled scenarios and an
adversarial set, and every figure the sentences state checked against a hand calculation.

Golden files (``tests/data/golden/summary_*.txt``, a sentence a line) are rewritten only with
``pytest --update-golden``; review the diff before committing it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import prevcalc
from prevcalc.report import brief, summary

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "data" / "golden"

# Three options, like for like, each a trap for the words: one never pays back, one has no costs,
# and in one the council pays and the NHS gains (all at a 10% constant rate, so the PVs are easy).
HEAD = """\
prevcalc: 1
currency: GBP
price_year: 2024
horizon: 4
discounting: {schedule: constant, rate: 0.1, timing: start}
"""
NEVER = (
    HEAD
    + """\
name: Never pays back
interventions:
  - id: drop_in
    name: Drop-in
    layer: downstream
    intake: {participants: [1]}
    costs:
      setup: [{amount: 1000, year: 0, funder: council}]
    outcomes:
      - {name: Small saving, agency: council, amount: 100, start: 1, duration: 1, deadweight: 0}
"""
)
NO_COSTS = (
    HEAD
    + """\
name: Volunteers
description: Volunteer time is assumed free (an ASSUMPTION to test).
interventions:
  - id: volunteers
    name: Volunteer befriending
    layer: upstream
    intake: {participants: [1]}
    outcomes:
      - {name: Wellbeing, agency: residents, value_type: social, amount: 500, start: 0, duration: 1}
"""
)
WRONG_POCKET = (
    HEAD
    + """\
name: Council pays, NHS gains
interventions:
  - id: falls
    name: Falls prevention
    layer: midstream
    currency: USD
    intake: {participants: [1]}
    costs:
      setup: [{amount: 1000, year: 0, funder: council, currency: GBP}]
    outcomes:
      - {name: Fewer falls admissions, agency: nhs, amount: 800, start: 1, duration: 2,\
 deadweight: 0}
exchange_rates:
  - {currency: USD, rate: 0.5}
"""
)


def check_golden(lines: list[str], name: str, update: bool) -> None:
    path = GOLDEN / name
    text = "\n".join(lines) + "\n"
    if update or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def _load(tmp_path: Path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return prevcalc.load(path)


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adversarial")
    scenarios = [
        _load(tmp, t, f"{n}.yaml")
        for t, n in ((NEVER, "never"), (NO_COSTS, "free"), (WRONG_POCKET, "pocket"))
    ]
    return scenarios, [prevcalc.run(sc) for sc in scenarios]


def test_golden_portfolio_with_variants(update_golden):
    path = ROOT / "scenarios" / "portfolio.yaml"
    base = prevcalc.load(path)
    scenarios = [base] + [prevcalc.load(path, variant=v.name) for v in base.variants]
    names = [base.name] + [v.name for v in base.variants]
    results = [prevcalc.run(sc) for sc in scenarios]
    lines = summary.summary_sentences(
        results, names, contexts=[summary.context_of(sc) for sc in scenarios]
    )
    check_golden(lines, "summary_portfolio.txt", update_golden)


def test_golden_nurse_family_partnership(update_golden):
    sc = prevcalc.load(ROOT / "scenarios" / "nurse_family_partnership.yaml")
    lines = summary.summary_sentences([prevcalc.run(sc)], contexts=[summary.context_of(sc)])
    check_golden(lines, "summary_nurse_family_partnership.txt", update_golden)


def test_golden_adversarial(adversarial, update_golden):
    scenarios, results = adversarial
    lines = summary.summary_sentences(
        results, contexts=[summary.context_of(sc) for sc in scenarios]
    )
    check_golden(lines, "summary_adversarial.txt", update_golden)


def test_adversarial_words_by_hand(adversarial):
    scenarios, (never, free, pocket) = adversarial
    lines = summary.summary_sentences(
        [never, free, pocket], contexts=[summary.context_of(sc) for sc in scenarios]
    )
    text = "\n".join(lines)
    # Never: costs 1000 in year 0, saving 100 in year 1 -> NPV = 100/1.1 - 1000 = -909.09.
    assert "Never pays back does not pay back within the 4-year horizon" in text
    assert "its net present value is -£909" in text
    # No costs: a net gain from the first year; 500 of social value in year 0, none cashable.
    assert "Volunteers has no costs, so it is a net gain from the first year" in text
    assert "None of its £500 of benefits is a cashable saving" in text
    # Wrong pocket: $800 x 0.5 = £400 in years 1 and 2 -> PV 400/1.1 + 400/1.21 = 694.21;
    # the council funds all £1,000, gains nothing and never breaks even; the NHS gains £694.
    assert "council funds all £1,000 of the costs" in text
    assert "its own budget never breaks even and the savings fall to others" in text
    assert "The gains fall to NHS (£694)" in text
    # Cashable only: NPV = 694.21 - 1000 = -305.79, BCR 0.69.
    assert "NPV -£306, a benefit-cost ratio of 0.69" in text
    # Caveats: the USD figures (transferred evidence) and the flagged assumption; outcomes with
    # no deadweight stated (the drop-in states one, the others do not) are gross.
    assert "Falls prevention (USD)" in text
    assert "Volunteer time is assumed free" in text
    assert sum(line.startswith("Caveat") for line in lines) <= 3
    # The best option: Volunteers (NPV +500) beats Council pays (-305.79) and Never (-909.09).
    assert lines[0].startswith("Of the 3 options, Volunteers has the highest NPV (£500)")


def test_fiscal_figures_by_hand(adversarial):
    _, (_, free, pocket) = adversarial
    f = pocket.fiscal_summary()
    pv = 400 / 1.1 + 400 / 1.21
    assert f["pv_costs"] == pytest.approx(1000)
    assert f["pv_fiscal_benefits"] == pytest.approx(pv)
    assert f["fiscal_npv"] == pytest.approx(pv - 1000)
    assert f["fiscal_bcr"] == pytest.approx(pv / 1000)
    assert free.fiscal_summary()["fiscal_bcr"] is None  # no costs
    assert free.value_split() == pytest.approx(
        {"fiscal": 0, "fiscal_noncashable": 0, "economic": 0, "social": 500}
    )


def test_recommendation_table_by_hand(adversarial):
    _, results = adversarial
    t = summary.recommendation_table(results, ["Never", "Free", "Pocket"])
    f = t.frame.set_index("option")
    assert f.loc["Never", "npv"] == pytest.approx(100 / 1.1 - 1000)
    assert f.loc["Pocket", "fiscal_npv"] == pytest.approx(400 / 1.1 + 400 / 1.21 - 1000)
    assert math.isnan(f.loc["Never", "payback_year"])
    shown = t.formatted("unit", units=False).set_index("Option")
    assert shown.loc["Never", "Payback year"] == "never"
    assert shown.loc["Free", "Reason"].startswith("Highest NPV; no costs")
    assert shown.loc["Never", "Reason"].startswith("Costs more than it returns")
    assert "does not pay back within the horizon" in shown.loc["Never", "Reason"]


def test_recommendation_with_draws_marks_no_spread(adversarial):
    _, results = adversarial
    runs = [prevcalc.run(prevcalc.load(r.provenance["file"]), draws=50, seed=1) for r in results]
    t = summary.recommendation_table(results, None, runs)
    shown = t.formatted("unit", units=False)
    # No uncertain inputs: the same NPV in every draw, said in words rather than as "100%" or "0%".
    assert set(shown["P(NPV > 0)"]) == {"no spread"}
    assert all(cell.endswith("(no spread)") for cell in shown["NPV (90% interval)"])
    assert t.frame["p05"].tolist() == pytest.approx(t.frame["npv"].tolist())


# A cost of 1,000 in year 0 against an uncertain cashable saving in year 1.
UNCERTAIN_SAVING = (
    HEAD
    + """\
name: Uncertain
parameters:
  saving: {dist: uniform, low: 0, high: 2000}
interventions:
  - id: x
    name: X
    layer: upstream
    intake: {participants: [1]}
    costs:
      setup: [{amount: 1000, year: 0, funder: council}]
    outcomes:
      - {name: Saving, agency: council, amount: saving, start: 1, duration: 1, deadweight: 0}
"""
)


def test_interval_and_probabilities_in_words(tmp_path):
    """With draws: the interval, P(NPV > 0) and P(pays back) are those of the draws."""
    text = UNCERTAIN_SAVING
    sc = _load(tmp_path, text, "u.yaml")
    result, run = prevcalc.run(sc), prevcalc.run(sc, draws=4000, seed=3)
    v = summary.verdict(result, "X", run)
    npv = run.metric("npv")[:, 0]
    assert v.prob_positive == pytest.approx(float((npv > 0).mean()))
    # Pays back (undiscounted) when saving >= 1000: P = 1/2; a draw that never pays back counts.
    assert v.prob_payback == pytest.approx(0.5, abs=0.03)
    assert run.prob_pays_back("payback_year") == float(
        (run.metric("payback_year")[:, 0] >= 0).mean()
    )
    lines = summary.summary_sentences([result], ["X"], [run])
    assert f"over 4,000 draws, positive in {summary.share(v.prob_positive)} of them" in lines[0]
    assert (
        "pays back within the horizon in" in lines[0]
        and "counted as beyond the horizon" in lines[0]
    )


def test_money_and_share_words():
    assert summary.money(15_849_000) == "£15.8 million"
    assert summary.money(-2_674_866.9) == "-£2.67 million"
    assert summary.money(1_234_000_000, "EUR") == "€1.23 billion"
    assert summary.money(827_123) == "£827,000"
    assert summary.share(0.995) == "over 99%" and summary.share(0.004) == "under 1%"
    assert (
        summary.agency_name("nhs") == "NHS"
        and summary.agency_name("adult_social_care") == "adult social care"
    )


def test_brief_opens_with_the_summary_then_the_recommendation_then_contents(adversarial, tmp_path):
    scenarios, results = adversarial
    out = tmp_path / "b"
    brief.write_brief(
        results,
        out,
        formats={"md", "html", "xlsx", "csv", "docx"},
        contexts=[summary.context_of(sc) for sc in scenarios],
    )
    md = (out / "brief.md").read_text(encoding="utf-8")
    assert md.index("## Summary") < md.index("## Recommendation") < md.index("## Contents")
    html = (out / "brief.html").read_text(encoding="utf-8")
    assert (
        html.index('id="summary"') < html.index('id="recommendation"') < html.index("Contents</h2>")
    )
    from openpyxl import load_workbook

    wb = load_workbook(out / "brief.xlsx")
    assert wb.sheetnames[:2] == ["summary", "recommendation"]
    assert wb["summary"]["A2"].value.startswith("Of the 3 options")
    import docx

    doc = docx.Document(str(out / "brief.docx"))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert heads[:3] == ["Summary", "Recommendation", "Contents"]
    assert (out / "tables" / "recommendation.csv").exists()


EVIDENCED = (
    HEAD
    + """\
name: Two kinds of evidence
interventions:
  - id: trial
    name: Trialled visits
    layer: midstream
    evidence:
      design: randomised
      setting: US
      rating: Well-supported
      rated_by: A clearinghouse (2019)
    intake: {participants: [1]}
    costs:
      setup: [{amount: 100, year: 0, funder: council}]
    outcomes:
      - {name: Trial saving, agency: council, amount: 300, start: 0, duration: 1, deadweight: 0}
  - id: model
    name: Modelled befriending
    layer: upstream
    evidence: {design: modelled}
    intake: {participants: [1]}
    outcomes:
      - {name: Model saving, agency: council, amount: 110, start: 1, duration: 1, deadweight: 0}
"""
)


def test_evidence_by_share_of_benefits_by_hand(tmp_path):
    """PV benefits at 10%, timing start: the trial's 300 in year 0 is 300; the model's 110 in
    year 1 is 110 / 1.1 = 100. So randomised 300 / 400 = 75%, modelled 25%: the cell says so,
    strongest first, and 25% modelled is enough for the evidence-strength caveat."""
    sc = _load(tmp_path, EVIDENCED, "ev.yaml")
    r = prevcalc.run(sc)
    ctx = summary.context_of(sc)
    assert summary.benefit_shares(r) == pytest.approx({"trial": 0.75, "model": 0.25})
    assert summary.evidence_words(r, ctx) == "Randomised trials 75%; modelled 25%"
    lines = summary.summary_sentences([r], contexts=[ctx])
    assert lines[-1].startswith(
        "Caveat, evidence strength: 25% of the benefits rest on effects that are modelled, not "
        "measured against a comparison group (Modelled befriending)."
    )
    t = summary.recommendation_table([r], contexts=[ctx])
    assert t.formatted("unit", units=False)["Evidence"].tolist() == [
        "Randomised trials 75%; modelled 25%"
    ]


def test_one_intervention_shows_its_design_setting_and_rating(tmp_path):
    text = EVIDENCED.split("  - id: model")[0]
    sc = _load(tmp_path, text, "one.yaml")
    r = prevcalc.run(sc)
    assert (
        summary.evidence_words(r, summary.context_of(sc))
        == "Randomised trials (US); rated Well-supported"
    )
    # No weak evidence: no evidence-strength caveat.
    lines = summary.summary_sentences([r], contexts=[summary.context_of(sc)])
    assert not any(x.startswith("Caveat, evidence strength") for x in lines)


def test_a_rating_needs_who_rated_it(tmp_path, cli):
    path = tmp_path / "bad.yaml"
    path.write_text(EVIDENCED.replace("      rated_by: A clearinghouse (2019)\n", ""), "utf-8")
    code, _, err = cli("validate", str(path))
    assert code == 1 and "bad.yaml:12:7: interventions.trial.evidence" in err and "rated_by" in err


def test_no_stated_evidence_is_said_last(adversarial):
    """No scenario states its evidence: the caveat comes after those the files support."""
    scenarios, results = adversarial
    lines = summary.summary_sentences([results[1]], contexts=[summary.context_of(scenarios[1])])
    assert lines[-1].startswith("Caveat, evidence strength: no intervention states")


def test_cashable_only_npv_has_its_interval_over_draws(tmp_path):
    """Saving ~ uniform(0, 2000) a year-1 cashable saving, 1000 cost in year 0, 10% at the
    start of the year: fiscal NPV = saving / 1.1 - 1000 in each draw, so its 5th and 95th
    percentiles are 100 / 1.1 - 1000 and 1900 / 1.1 - 1000 (to sampling error), and it is
    positive when saving > 1100: probability 0.45. A wider-value outcome (economic, uniform
    too) is in the full NPV but not in the cashable one."""
    text = UNCERTAIN_SAVING.replace(
        "  saving: {dist: uniform, low: 0, high: 2000}\n",
        "  saving: {dist: uniform, low: 0, high: 2000}\n"
        "  wider: {dist: uniform, low: 0, high: 500}\n",
    ) + (
        "      - {name: Wider, agency: residents, value_type: economic, amount: wider, start: 1,\n"
        "         duration: 1, deadweight: 0}\n"
    )
    sc = _load(tmp_path, text, "c.yaml")
    result, run = prevcalc.run(sc), prevcalc.run(sc, draws=20000, seed=4)
    cash = summary.fiscal_npv_draws(run)
    saving = run.line_pv[:, 1]  # the Saving line's PV in each draw: saving / 1.1
    assert cash == pytest.approx(saving - 1000)
    v = summary.verdict(result, "X", run)
    assert v.fiscal_low == pytest.approx(100 / 1.1 - 1000, abs=15)
    assert v.fiscal_high == pytest.approx(1900 / 1.1 - 1000, abs=15)
    assert v.prob_fiscal_positive == pytest.approx(0.45, abs=0.015)
    lines = summary.summary_sentences([result], ["X"], [run])
    assert (
        f"(90% interval {summary.money(v.fiscal_low)} to {summary.money(v.fiscal_high)} over "
        f"20,000 draws, positive in {summary.share(v.prob_fiscal_positive)} of them)" in lines[1]
    )
    t = summary.recommendation_table([result], ["X"], [run])
    cell = t.formatted("unit", units=False)["NPV, cashable savings only (90% interval)"][0]
    lo, hi = t.frame["fiscal_p05"][0], t.frame["fiscal_p95"][0]
    assert (lo, hi) == (v.fiscal_low, v.fiscal_high)
    # central: 1000 / 1.1 - 1000 = -90.91 (small sums keep their pence)
    assert (
        cell
        == f"-£{-v.fiscal_npv:,.2f} (-£{-lo:,.0f} to £{hi:,.0f})"
        == f"-£90.91 (-£{-lo:,.0f} to £{hi:,.0f})"
    )


def test_cashable_figures_over_draws_are_means_of_each_draws_like_bcr(write_scenario):
    # Every benefit of this scenario is cashable (value type fiscal, the default), so its NPV
    # and BCR on cashable savings alone are its NPV and BCR: over draws, the mean of each
    # draw's figure. (The ratio of the mean PVs, 1.86 against a mean BCR of 1.96 on W2 at
    # 200,000 draws, once stood beside the BCR in the headline.)
    import numpy as np
    from test_engine_contracts import VARYING

    result = prevcalc.run(prevcalc.load(write_scenario(VARYING)), draws=3000, seed=5)
    benefits = result.lines[result.lines["kind"] == "benefit"]
    assert set(benefits["value_type"]) == {"fiscal"}
    fiscal = result.fiscal_summary()
    bcr = result.metric("bcr")[:, 0]
    assert np.ptp(bcr) > 0.1  # the ratio varies, so the two definitions would differ
    assert fiscal["fiscal_bcr"] == pytest.approx(float(np.mean(bcr)), rel=1e-12)
    assert fiscal["fiscal_npv"] == pytest.approx(float(np.mean(result.metric("npv"))), rel=1e-12)
    ratio_of_means = fiscal["pv_fiscal_benefits"] / fiscal["pv_costs"]
    assert abs(ratio_of_means - fiscal["fiscal_bcr"]) > 1e-4
