"""write_brief as a whole: the files it writes, all or nothing, refusing to overwrite, and the
tables it builds (comparison, waterfall, assumptions) checked against the engine."""

from __future__ import annotations

import pandas as pd
import pytest

import prevcalc
from prevcalc.errors import OutputError
from prevcalc.report import brief, tables

SCENARIO = """\
prevcalc: 1
name: Brief check
currency: GBP
price_year: 2024
horizon: 8
discounting: {schedule: green_book, timing: mid}
interventions:
  - id: nfp
    name: Nurse visits
    layer: midstream
    source: Test source for the intervention.
    intake: {participants: [30, 30]}
    costs:
      running: [{amount: 20000, per: year, from_year: 0, to_year: 1, funder: nhs,\
 source: Budget line.}]
    outcomes:
      - {name: Fewer placements, agency: childrens_social_care, amount: 1500, start: 1, duration: 4,
         deadweight: 0.25, drop_off: 0.2, source: Evaluation.}
    optimism_bias: {costs: 0.2, benefits: 0.1}
variants:
  - name: Bigger
    set:
      interventions.nfp.intake.participants: [60, 60]
"""


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "check.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture
def results(scenario_file):
    return [
        prevcalc.run(prevcalc.load(scenario_file)),
        prevcalc.run(prevcalc.load(scenario_file, variant="Bigger")),
    ]


def test_writes_every_format(results, tmp_path):
    out = tmp_path / "brief"
    files = brief.write_brief(results, out, title="Check")
    names = {p.relative_to(out).as_posix() for p in files}
    assert {
        "brief.md",
        "brief.html",
        "brief.docx",
        "brief.xlsx",
        "tables/comparison.csv",
        "tables/agencies.csv",
        "tables/waterfall.csv",
        "tables/years.csv",
        "tables/assumptions.csv",
        "tables/provenance.csv",
        "charts/cumulative.png",
        "charts/cumulative.svg",
        "charts/layers.png",
        "charts/agencies_1.svg",
    } <= names
    assert all(p.is_file() for p in files)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_formats_choose_what_is_written(results, tmp_path):
    files = brief.write_brief(results, tmp_path / "b", formats={"csv"})
    assert {p.parent.name for p in files} == {"tables"}
    with pytest.raises(ValueError, match="unknown brief format"):
        brief.write_brief(results, tmp_path / "c", formats={"pdf"})
    with pytest.raises(ValueError, match="rounding"):
        brief.write_brief(results, tmp_path / "d", rounding="sig2")


def test_existing_brief_is_refused_without_force(results, tmp_path):
    out = tmp_path / "brief"
    brief.write_brief(results, out, formats={"csv"})
    with pytest.raises(OutputError, match="--force"):
        brief.write_brief(results, out, formats={"csv"})
    brief.write_brief(results, out, formats={"csv"}, force=True)
    assert (out / "tables" / "comparison.csv").is_file()


def test_force_never_replaces_a_folder_prevcalc_did_not_write(results, tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError):
        brief.write_brief(results, out, formats={"csv"}, force=True)
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("existing", [False, True])
def test_a_failure_while_writing_leaves_nothing_behind(results, tmp_path, monkeypatch, existing):
    import prevcalc.report.xlsx as xlsx

    def broken(tables_):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(xlsx, "render_xlsx", broken)
    where = tmp_path / "out"
    where.mkdir()
    out = where / "brief"
    if existing:
        brief.write_brief(results, out, formats={"csv"})
        before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(RuntimeError, match="disk on fire"):
        brief.write_brief(results, out, force=True, formats={"md", "csv", "xlsx"})
    if existing:  # the old brief is untouched
        assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    else:
        assert not out.exists()
    assert [p.name for p in where.iterdir()] == (
        ["brief"] if existing else []
    )  # no temporary folder


def test_table_order_and_names(results):
    built = brief.build_tables(results, ["A", "B"])
    assert [t.name for t in built] == [
        "comparison",
        "interventions",
        "agencies",
        "funding_matrix",
        "agency_positions",
        "agency_cumulative",
        "layers",
        "per_person",
        "waterfall",
        "years",
        "assumptions",
        "provenance",
        "notes",
    ]


def test_comparison_has_each_option_the_difference_and_the_best_marked(results):
    head = brief.build_tables(results, ["A", "B"])[0]
    f = head.frame.set_index("option")
    a, b = results[0].summary(), results[1].summary()
    assert f.loc["A", "npv"] == a["npv"] and f.loc["B", "npv"] == b["npv"]
    assert f.loc["B − A", "npv"] == pytest.approx(b["npv"] - a["npv"])
    best_npv = "A" if a["npv"] > b["npv"] else "B"
    assert (list(f.index).index(best_npv), "npv") in head.marks
    assert not any(col == "participants" for _, col in head.marks)


def test_options_that_are_not_like_for_like_get_an_overview_and_a_section_each(
    scenario_file, tmp_path
):
    other = tmp_path / "other.yaml"
    other.write_text(SCENARIO.replace("price_year: 2024", "price_year: 2020"), encoding="utf-8")
    results = [prevcalc.run(prevcalc.load(scenario_file)), prevcalc.run(prevcalc.load(other))]
    written = brief.write_brief(results, tmp_path / "x", names=["Now", "Then"])
    assert (tmp_path / "x" / "tables" / "overview.csv") in written
    overview = pd.read_csv(tmp_path / "x" / "tables" / "overview.csv")
    assert list(overview["option"]) == ["Now", "Then"] and list(overview["price_year"]) == [
        2024,
        2020,
    ]
    assert overview["npv"].tolist() == pytest.approx([r.summary()["npv"] for r in results])
    assert (tmp_path / "x" / "tables" / "g1_comparison.csv").exists()
    assert (tmp_path / "x" / "tables" / "g2_comparison.csv").exists()
    md = (tmp_path / "x" / "brief.md").read_text(encoding="utf-8")
    assert "not compared with one another" in md


def test_waterfall_ends_at_the_pv_of_benefits(results):
    wf = next(t for t in brief.build_tables(results, ["A", "B"]) if t.name == "waterfall").frame
    for r, name in zip(results, ["A", "B"]):
        mine = wf[(wf["option"] == name) & (wf["intervention"] == "Total")]
        assert list(mine["step"]) == [
            "Gross value",
            "Deadweight",
            "Attribution",
            "Displacement",
            "Optimism bias",
            "Drop-off",
            "Discounting",
        ]
        assert mine["value"].iloc[-1] == pytest.approx(r.summary()["pv_benefits"], rel=1e-9)
        assert mine["value"].iloc[0] - mine["removed"].iloc[1:].sum() == pytest.approx(
            mine["value"].iloc[-1]
        )


def test_waterfall_comes_from_each_result_and_can_be_left_out(results):
    names = [t.name for t in brief.build_tables(results)]
    assert "waterfall" in names
    for r in results:
        r.waterfall = None
    assert "waterfall" not in [t.name for t in brief.build_tables(results)]


def test_assumptions_list_every_line_with_its_source(results):
    t = next(t for t in brief.build_tables(results[:1]) if t.name == "assumptions")
    f = t.frame
    assert len(f) == len(results[0].lines) + len(results[0].sources)
    assert set(f["source"]) == {"Test source for the intervention.", "Budget line.", "Evaluation."}
    assert f.iloc[0]["kind"] == "Intervention"


def test_provenance_names_the_file_not_its_folder(results):
    t = next(t for t in brief.build_tables(results[:1]) if t.name == "provenance")
    items = dict(zip(t.frame["item"], t.frame["value"]))
    assert items["Scenario file"] == "check.yaml"
    assert items["SHA-256 of the file"] == results[0].provenance["scenario_sha256"]
    assert items["Discount timing"] == "middle of year"
    assert items["Price year"] == "2024" and items["Currency"] == "GBP"
    assert "3.5% from year 0" in items["Discount rates"]


def test_duplicate_names_are_told_apart(results):
    assert brief.option_names(results) == ["Brief check", "Brief check (Bigger)"]
    assert brief.option_names(results, ["X", "X"]) == ["X", "X (2)"]
    with pytest.raises(ValueError):
        brief.option_names(results, ["only one"])


# -- the analysis in the brief: labels, discount rates, switching values, P(best), EVPI ------------

UNCERTAIN = SCENARIO.replace(
    "amount: 1500, start: 1", "amount: {dist: normal, mean: 1500, sd: 300}, start: 1"
)


@pytest.fixture
def scenarios(tmp_path):
    path = tmp_path / "uncertain.yaml"
    path.write_text(UNCERTAIN, encoding="utf-8")
    return [prevcalc.load(path), prevcalc.load(path, variant="Bigger")]


def test_inputs_are_named_by_intervention_and_line(scenarios):
    sc = scenarios[0]
    assert (
        brief.input_label(sc, "interventions.nfp.outcomes.0.amount")
        == "Nurse visits: Fewer placements, amount"
    )
    assert (
        brief.input_label(sc, "interventions.nfp.outcomes.0.drop_off")
        == "Nurse visits: Fewer placements, drop-off"
    )
    assert (
        brief.input_label(sc, "interventions.nfp.costs.running.0.amount")
        == "Nurse visits: running cost, amount"
    )
    assert (
        brief.input_label(sc, "interventions.nfp.intake.participants.1")
        == "Nurse visits: intake, participants (year 1)"
    )
    assert (
        brief.input_label(sc, "interventions.nfp.optimism_bias.costs")
        == "Nurse visits: optimism bias, costs"
    )


def _npv(sc) -> float:
    return float(prevcalc.run(sc).summary()["npv"])


def test_switching_values_by_name_match_a_hand_calculation(scenarios, tmp_path):
    """NPV is affine in an outcome's amount: two runs at other amounts give the root by hand."""
    sc = scenarios[0]
    path = tmp_path / "uncertain.yaml"
    t = brief.switching_table([sc], ["Base"])
    assert not any("interventions." in str(x) for x in t.frame["input"])
    row = t.frame[t.frame["input"] == "Nurse visits: Fewer placements, amount"].iloc[0]
    a, b = 1000.0, 2000.0
    npv_a = _npv(prevcalc.load(path, overrides=[f"interventions.nfp.outcomes.0.amount={a}"]))
    npv_b = _npv(prevcalc.load(path, overrides=[f"interventions.nfp.outcomes.0.amount={b}"]))
    root = a - npv_a * (b - a) / (npv_b - npv_a)
    assert row["switching_value"] == pytest.approx(root, rel=1e-9)
    assert row["central"] == 1500
    assert row["change"] == pytest.approx((root - 1500) / 1500, rel=1e-9)


def test_discount_rate_table_zero_rate_is_the_undiscounted_net(scenarios):
    t = brief.discount_table(scenarios, ["Base", "Bigger"])
    assert list(t.frame.columns[:2]) == ["option", "discounting"]
    for name, sc in zip(["Base", "Bigger"], scenarios):
        rows = t.frame[t.frame["option"] == name].set_index("discounting")
        assert rows.loc["0%", "npv"] == pytest.approx(undiscounted_net(sc), rel=1e-12)
        assert rows.loc["Green Book", "current"] == "this scenario"
        assert rows.loc["Green Book", "npv"] == pytest.approx(_npv(sc), rel=1e-12)


def undiscounted_net(sc) -> float:
    """The undiscounted net over the horizon, summed from the year-by-year table."""
    from prevcalc.report import tables

    frame = tables.years_table(prevcalc.run(sc), every=True).frame
    return float((frame["benefits"] - frame["costs"]).sum())


def test_prob_best_and_evpi_by_hand(scenarios):
    import numpy as np

    runs = [prevcalc.run(sc, draws=400, seed=3) for sc in scenarios]
    t = brief.best_table(runs, ["Base", "Bigger"])
    npv = np.column_stack([r.metric("npv")[:, 0] for r in runs])
    best = npv.argmax(axis=1)
    assert list(t.frame["prob_best"]) == pytest.approx([np.mean(best == 0), np.mean(best == 1)])
    evpi = np.mean(npv.max(axis=1)) - npv.mean(axis=0).max()
    assert t.frame.attrs["evpi"] == pytest.approx(max(evpi, 0.0), abs=1e-6)
    assert "EVPI" in t.note and "400 draws, seed 3, random sampler" in t.note


def test_a_figure_with_no_spread_is_never_shown_as_100_percent(scenario_file):
    sc = prevcalc.load(scenario_file)  # no uncertain input at all
    runs = [prevcalc.run(sc, draws=50, seed=1)]
    t = brief.psa_table(runs, ["Base"])
    shown = t.formatted("sig3")
    assert shown.filter(like="P(NPV > 0)").iloc[0, 0] == "no spread"
    assert shown.filter(like="P(pays back").iloc[0, 0] == "no spread"
    assert "100%" not in " ".join(shown.iloc[0].astype(str))
    # Excel and CSV keep the figure itself.
    assert t.frame["prob_npv_positive"].iloc[0] in (0.0, 1.0)


def test_uncertain_figures_keep_their_probabilities(scenarios):
    import numpy as np

    runs = [prevcalc.run(sc, draws=300, seed=2) for sc in scenarios]
    t = brief.psa_table(runs, ["Base", "Bigger"])
    for i, r in enumerate(runs):
        assert t.frame["prob_npv_positive"].iloc[i] == pytest.approx(
            np.mean(r.metric("npv")[:, 0] > 0)
        )
        assert (i, "prob_npv_positive") not in t.words


def test_assumptions_show_each_value_beside_its_source(scenario_file):
    from prevcalc.report.summary import context_of

    sc = prevcalc.load(scenario_file)
    t = brief.assumptions_table([prevcalc.run(sc)], ["Base"], [context_of(sc)])
    rows = t.frame.set_index("name")
    assert rows.loc["Fewer placements", "value"] == (
        "1,500 per participant a year (GBP, 2024 prices); from year 1 after entry for 4 years; "
        "drop-off 20% a year; deadweight 25%"
    )
    assert rows.loc["Fewer placements", "source"] == "Evaluation."
    running = t.frame[t.frame["kind"] == "Cost"].iloc[0]
    assert running["value"] == "20,000 a year (GBP, 2024 prices); years 0 to 1"
    # Interventions are listed by name (the file's id is nfp), as a reader knows them.
    assert rows.loc["Nurse visits", "value"] == (
        "participants by year of entry: 30, 30; optimism bias: costs +20%, benefits -10%"
    )
    assert set(t.frame["intervention"]) == {"Nurse visits"}


def test_named_parameters_are_listed_with_their_distribution(scenario_file, tmp_path):
    from prevcalc.report.summary import context_of

    path = tmp_path / "params.yaml"
    path.write_text(
        SCENARIO.replace(
            "interventions:",
            "parameters:\n  effect: {dist: beta, mean: 0.5, sd: 0.1}\n  visits: 12\ninterventions:",
            1,
        ),
        encoding="utf-8",
    )
    sc = prevcalc.load(path)
    t = brief.assumptions_table([prevcalc.run(sc)], ["Base"], [context_of(sc)])
    params = t.frame[t.frame["kind"] == "Parameter"].set_index("name")["value"].to_dict()
    assert params == {"effect": "beta (mean 0.5, sd 0.1)", "visits": "12"}


def test_brief_with_draws_has_the_analysis_caveats_and_provenance_of_each_table(
    scenarios, tmp_path
):
    from prevcalc.report.summary import context_of

    described = tmp_path / "described.yaml"
    described.write_text(
        UNCERTAIN.replace(
            "horizon: 8",
            "description: Unit costs are ASSUMED for a test.\n"
            "notes: [Placements evidence is from another country.]\nhorizon: 8",
        ),
        encoding="utf-8",
    )
    scs = [prevcalc.load(described), prevcalc.load(described, variant="Bigger")]
    results = [prevcalc.run(sc) for sc in scs]
    runs = [prevcalc.run(sc, draws=200, seed=5) for sc in scs]
    analysis = brief.analysis_tables(scs, ["Base", "Bigger"], runs)
    assert [t.name for t in analysis] == [
        "uncertainty",
        "prob_best",
        "tornado_1",
        "tornado_2",
        "discount_rates",
        "switching_values",
    ]
    out = tmp_path / "b"
    brief.write_brief(
        results,
        out,
        names=["Base", "Bigger"],
        uncertainty=analysis,
        runs=runs,
        contexts=[context_of(sc) for sc in scs],
        formats={"md", "csv", "html"},
    )
    md = (out / "brief.md").read_text(encoding="utf-8")
    top = md[: md.index("## Contents")]
    assert (
        "Unit costs are ASSUMED for a test." in top
        and "Placements evidence is from another country." in top
    )
    assert "interventions.nfp" not in md
    assert "Nurse visits: Fewer placements, amount" in md
    prov = pd.read_csv(out / "tables" / "provenance.csv")
    items = dict(zip(prov["item"], prov["value"]))
    assert items["Draws"] == "200" and items["Seed"] == "5" and items["Sampler"] == "random"
    assert items["Table: NPV over 200 draws (90% interval)"].startswith(
        "200 draws, seed 5, random sampler"
    )
    assert items["Table: Each intervention"] == "central values (one deterministic run)"
    assert (out / "tables" / "caveats.csv").is_file()
    html = (out / "brief.html").read_text(encoding="utf-8")
    assert html.index('class="caveats"') < html.index('class="contents"')


def test_brief_takes_the_sampler_and_records_it(scenarios, tmp_path, cli):
    """`brief --sampler lhs` runs the draws with Latin hypercube sampling, as `run` does: the
    brief's NPV over draws is the LHS run's, and its provenance says so."""
    path = tmp_path / "uncertain.yaml"  # written by the fixture
    out = tmp_path / "b"
    code, _, err = cli(
        "brief", str(path), "--draws", "64", "--seed", "7", "--sampler", "lhs", "--out", str(out)
    )
    assert code == 0, err
    prov = pd.read_csv(out / "tables" / "provenance.csv")
    items = dict(zip(prov["item"], prov["value"]))
    assert items["Sampler"] == "lhs"
    psa = pd.read_csv(out / "tables" / "uncertainty.csv")
    lhs = prevcalc.run(prevcalc.load(path), draws=64, seed=7, sampler="lhs")
    rnd = prevcalc.run(prevcalc.load(path), draws=64, seed=7, sampler="random")
    mean = float(psa["mean"].iloc[0])
    assert mean == pytest.approx(float(lhs.values["total"]["npv"].mean()), rel=1e-9)
    assert mean != pytest.approx(float(rnd.values["total"]["npv"].mean()), rel=1e-9)


def test_fractional_participants_are_explained_where_compared(tmp_path):
    """Participants are expected numbers: eligible 11 × uptake 0.55 = 6.05 a year, so the
    comparison's participants (and their difference, 12.1 - 12 = 0.1) are fractional, and its
    note says why; whole participants need no such sentence."""
    whole = tmp_path / "whole.yaml"
    whole.write_text(UNCERTAIN, encoding="utf-8")
    text = UNCERTAIN.replace("{participants: [30, 30]}", "{eligible: [11, 11], uptake: 0.55}")
    assert text != UNCERTAIN
    frac = tmp_path / "frac.yaml"
    frac.write_text(text, encoding="utf-8")
    results = [prevcalc.run(prevcalc.load(p)) for p in (whole, frac)]
    assert results[1].summary()["participants"] == pytest.approx(12.1)
    t = tables.comparison_table(prevcalc.compare(results, names=["Whole", "Fraction"]))
    assert "may be fractional" in t.note
    same = tables.comparison_table(prevcalc.compare(results[:1] * 2, names=["A", "B"]))
    assert "may be fractional" not in same.note
