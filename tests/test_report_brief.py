"""write_brief as a whole: the files it writes, all or nothing, refusing to overwrite, and the
tables it builds (comparison, waterfall, assumptions) checked against the engine."""

from __future__ import annotations

import pandas as pd
import pytest

import prevcalc
from prevcalc.errors import OutputError
from prevcalc.report import brief

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
      running: [{amount: 20000, per: year, from_year: 0, to_year: 1, funder: nhs, source: Budget line.}]
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
    return [prevcalc.run(prevcalc.load(scenario_file)),
            prevcalc.run(prevcalc.load(scenario_file, variant="Bigger"))]


def test_writes_every_format(results, tmp_path):
    out = tmp_path / "brief"
    files = brief.write_brief(results, out, title="Check")
    names = {p.relative_to(out).as_posix() for p in files}
    assert {"brief.md", "brief.html", "brief.docx", "brief.xlsx", "tables/comparison.csv",
            "tables/agencies.csv", "tables/waterfall.csv", "tables/years.csv", "tables/assumptions.csv",
            "tables/provenance.csv", "charts/cumulative.png", "charts/cumulative.svg",
            "charts/layers.png", "charts/agencies_1.svg"} <= names
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
    assert [p.name for p in where.iterdir()] == (["brief"] if existing else [])  # no temporary folder


def test_table_order_and_names(results):
    built = brief.build_tables(results, ["A", "B"])
    assert [t.name for t in built] == ["comparison", "interventions", "agencies", "funding_matrix",
                                       "agency_positions", "agency_cumulative", "layers", "per_person",
                                       "waterfall", "years", "assumptions", "provenance", "notes"]


def test_comparison_has_each_option_the_difference_and_the_best_marked(results):
    head = brief.build_tables(results, ["A", "B"])[0]
    f = head.frame.set_index("option")
    a, b = results[0].summary(), results[1].summary()
    assert f.loc["A", "npv"] == a["npv"] and f.loc["B", "npv"] == b["npv"]
    assert f.loc["B − A", "npv"] == pytest.approx(b["npv"] - a["npv"])
    best_npv = "A" if a["npv"] > b["npv"] else "B"
    assert (list(f.index).index(best_npv), "npv") in head.marks
    assert not any(col == "participants" for _, col in head.marks)


def test_options_that_are_not_like_for_like_get_an_overview_and_a_section_each(scenario_file, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(SCENARIO.replace("price_year: 2024", "price_year: 2020"), encoding="utf-8")
    results = [prevcalc.run(prevcalc.load(scenario_file)), prevcalc.run(prevcalc.load(other))]
    written = brief.write_brief(results, tmp_path / "x", names=["Now", "Then"])
    assert (tmp_path / "x" / "tables" / "overview.csv") in written
    overview = pd.read_csv(tmp_path / "x" / "tables" / "overview.csv")
    assert list(overview["option"]) == ["Now", "Then"] and list(overview["price_year"]) == [2024, 2020]
    assert overview["npv"].tolist() == pytest.approx([r.summary()["npv"] for r in results])
    assert (tmp_path / "x" / "tables" / "g1_comparison.csv").exists()
    assert (tmp_path / "x" / "tables" / "g2_comparison.csv").exists()
    md = (tmp_path / "x" / "brief.md").read_text(encoding="utf-8")
    assert "not compared with one another" in md


def test_waterfall_ends_at_the_pv_of_benefits(results):
    wf = next(t for t in brief.build_tables(results, ["A", "B"]) if t.name == "waterfall").frame
    for r, name in zip(results, ["A", "B"]):
        mine = wf[(wf["option"] == name) & (wf["intervention"] == "Total")]
        assert list(mine["step"]) == ["Gross value", "Deadweight", "Attribution", "Displacement",
                                      "Optimism bias", "Drop-off", "Discounting"]
        assert mine["value"].iloc[-1] == pytest.approx(r.summary()["pv_benefits"], rel=1e-9)
        assert mine["value"].iloc[0] - mine["removed"].iloc[1:].sum() == pytest.approx(mine["value"].iloc[-1])


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
