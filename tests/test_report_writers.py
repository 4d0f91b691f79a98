"""The brief's writers: golden Markdown and CSV, and Excel, Word and HTML read back.

Numbers in the Excel and Word files are checked against the JSON output (``Result.to_dict``),
so a writer can never drift from the engine. Golden files are rewritten only with
``pytest --update-golden``; review the diff before committing it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import prevcalc
from prevcalc.report import brief, tables
from prevcalc.report.csv import write_csvs
from prevcalc.report.markdown import render_markdown
from prevcalc.report.xlsx import write_xlsx

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"

# A small scenario: two interventions in two layers, four agencies, every adjustment, a variant.
SMALL = """\
prevcalc: 1
name: Small area pilot
currency: GBP
price_year: 2024
horizon: 6
discounting: {schedule: constant, rate: 0.035, timing: start}
interventions:
  - id: visits
    name: Home visits
    layer: upstream
    source: Illustrative figures for a test.
    intake: {participants: [20, 20]}
    costs:
      setup: [{amount: 10000, year: 0, funder: council}]
      per_participant:
        - {amount: 1500, per: year, duration: 1, funder: council, source: Test cost.}
    outcomes:
      - name: Fewer A&E visits
        agency: nhs
        amount: 600
        start: 1
        duration: 3
        drop_off: 0.1
        deadweight: 0.2
        attribution: 0.1
        source: Test outcome.
  - id: court
    name: Youth court
    layer: downstream
    intake: {participants: 10, years: 2}
    costs:
      per_participant: [{amount: 500, duration: 1, funder: courts}]
    outcomes:
      - {name: Re-offending avoided, agency: police, probability_change: 0.13, unit_cost: 20000,\
 start: 1, duration: 2}
    optimism_bias: {costs: 0.1, benefits: 0.05}
variants:
  - name: Double visits
    set:
      interventions.visits.intake.participants: [40, 40]
"""

NAMES = ["Pilot", "Double visits"]


def pinned(result):
    """Pin what changes from run to run (date, version) so output can be compared byte for byte."""
    result.provenance.update(run_at="2025-01-31T09:00:00+00:00", prevcalc_version="0.0.test")
    return result


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The base run and the variant run of the small scenario (file kept for the waterfall)."""
    path = tmp_path_factory.mktemp("scenario") / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    base = pinned(prevcalc.run(prevcalc.load(path)))
    variant = pinned(prevcalc.run(prevcalc.load(path, variant="Double visits")))
    return [base, variant]


@pytest.fixture(scope="module")
def written(small, tmp_path_factory):
    """The whole brief of the small scenario, written once for the module."""
    out = tmp_path_factory.mktemp("brief") / "brief"
    files = brief.write_brief(small, out, title="Small area pilot: two options", names=NAMES)
    return out, files


def check_golden(actual: str, name: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {name}; run pytest --update-golden and review it"
    expected = path.read_text(encoding="utf-8")
    if name.endswith(".csv"):
        # Full-precision numbers: pinned to 1e-12 relative, so that a change in the order of a
        # floating-point sum (last-digit noise) is not a change of output; text exactly.
        a, e = _csv_cells(actual), _csv_cells(expected)
        assert len(a) == len(e), f"{name}: {len(a)} rows, golden has {len(e)}"
        for ra, re_ in zip(a, e):
            assert len(ra) == len(re_), f"{name}: row {ra} vs golden {re_}"
            for x, y in zip(ra, re_):
                if isinstance(x, float) and isinstance(y, float):
                    assert x == pytest.approx(y, rel=1e-12, abs=1e-9), f"{name}: {x} vs golden {y}"
                else:
                    assert x == y, f"{name}: {x!r} vs golden {y!r}"
        return
    assert actual == expected, (
        f"{name} differs from its golden file (pytest --update-golden rewrites it)"
    )


def _csv_cells(text: str) -> list[list]:
    import csv
    import io

    def cell(v: str):
        try:
            return float(v)
        except ValueError:
            return v

    return [[cell(v) for v in row] for row in csv.reader(io.StringIO(text))]


# -- golden files ---------------------------------------------------------------------------------


def test_markdown_matches_golden(written, update_golden):
    out, _ = written
    check_golden((out / "brief.md").read_text(encoding="utf-8"), "brief_small.md", update_golden)


@pytest.mark.parametrize(
    "table",
    [
        "comparison",
        "interventions",
        "agencies",
        "layers",
        "waterfall",
        "years",
        "assumptions",
        "provenance",
        "notes",
    ],
)
def test_csv_matches_golden(written, table, update_golden):
    out, _ = written
    check_golden(
        (out / "tables" / f"{table}.csv").read_text(encoding="utf-8"),
        f"brief_small_{table}.csv",
        update_golden,
    )


# -- CSV -------------------------------------------------------------------------------------------


def test_csv_keeps_full_precision(small, written):
    out, _ = written
    back = pd.read_csv(out / "tables" / "comparison.csv")
    data = small[0].to_dict()["summary"]
    row = back.iloc[0]
    for key in ("pv_costs", "pv_benefits", "npv", "bcr", "irr", "npv_per_person"):
        assert row[key] == data[key]  # exact: %.17g round-trips every float
    years = pd.read_csv(out / "tables" / "years.csv")
    mine = years[years["option"] == NAMES[0]]["cumulative_pv_net"].to_list()
    assert mine == [y["cumulative_pv_net"] for y in small[0].to_dict()["years"]]


def test_write_csvs_one_file_per_table(small, tmp_path):
    built = brief.build_tables(small[:1])
    paths = write_csvs(built, tmp_path / "tables")
    assert [p.name for p in paths] == [f"{t.name}.csv" for t in built]
    for p, t in zip(paths, built):
        assert list(pd.read_csv(p).columns) == list(t.frame.columns)


# -- Excel -----------------------------------------------------------------------------------------


def _sheet_rows(ws):
    header = [c.value for c in ws[1]]
    return header, [[c for c in row] for row in ws.iter_rows(min_row=2)]


def test_xlsx_numbers_equal_the_json(small, written):
    from openpyxl import load_workbook

    out, _ = written
    wb = load_workbook(out / "brief.xlsx")
    assert wb.sheetnames == [
        "summary",
        "recommendation",
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
        "agency_years",
        "layer_years",
    ]
    ws = wb["comparison"]
    header, rows = _sheet_rows(ws)
    for result, name in zip(small, NAMES):
        data = result.to_dict()["summary"]
        row = next(r for r in rows if r[0].value == name)
        cells = dict(zip(header, row))
        npv = cells["NPV (GBP, 2024 prices)"]
        assert isinstance(npv.value, float)
        assert npv.value == pytest.approx(data["npv"], rel=1e-6)
        assert cells["Benefit-cost ratio"].value == pytest.approx(data["bcr"], rel=1e-6)
        assert cells["IRR (%)"].value == pytest.approx(data["irr"], rel=1e-6)  # units in the header
        assert cells["Discounted payback year"].value == data["discounted_payback_year"]
        # Number formats by kind: money with the symbol, ratios, percents.
        assert npv.number_format.startswith('"£"#,##0')
        assert cells["Benefit-cost ratio"].number_format == "0.00"
        assert cells["ROI (%)"].number_format == "0.0%"
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["B"].width >= len("£55,555")
    agencies = wb["agencies"]
    header, rows = _sheet_rows(agencies)
    by = {(r[0].value, r[1].value): dict(zip(header, r)) for r in rows}
    for result, name in zip(small, NAMES):
        for a in result.to_dict()["agencies"]:
            cells = by[(name, a["agency"])]
            assert cells["PV costs funded (GBP, 2024 prices)"].value == pytest.approx(
                a["pv_costs"], rel=1e-9, abs=1e-9
            )
            assert cells["PV benefits gained (GBP, 2024 prices)"].value == pytest.approx(
                a["pv_benefits"], rel=1e-9, abs=1e-9
            )
    assert agencies.freeze_panes in ("A2", "B2")


def test_xlsx_undefined_figures_are_empty_cells(small, tmp_path):
    from openpyxl import load_workbook

    built = brief.build_tables(small[:1])
    write_xlsx(built, tmp_path / "one.xlsx")
    ws = load_workbook(tmp_path / "one.xlsx")["interventions"]
    header, rows = _sheet_rows(ws)
    visits = dict(zip(header, next(r for r in rows if r[0].value == "visits")))
    assert visits["Discounted payback year"].value is None  # never pays back: empty, not "–"


# -- Word ------------------------------------------------------------------------------------------


def _money(text: str) -> float:
    return float(re.sub(r"[£,\s*]", "", text))


def test_docx_tables_and_charts_read_back(small, written):
    import docx

    out, files = written
    doc = docx.Document(out / "brief.docx")
    first = doc.tables[1]  # after the recommendation
    header = [c.text for c in first.rows[0].cells]
    assert header[1:3] == NAMES  # one column per option
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in first.rows[1:]}
    for j, result in enumerate(small, start=1):
        data = result.to_dict()["summary"]
        shown = rows["NPV"][j]
        assert shown.rstrip(" *") == tables.fmt(data["npv"], "money", "GBP", "sig3")
        assert _money(shown) == pytest.approx(data["npv"], rel=5e-3)  # three significant figures
        assert rows["Benefit-cost ratio"][j].rstrip(" *") == f"{data['bcr']:.2f}"
    # The header row repeats on each page; numbers are right-aligned.
    assert first.rows[0]._tr.trPr.xml.count("tblHeader") == 1
    assert first.rows[1].cells[1].paragraphs[0].alignment == 2  # WD_ALIGN_PARAGRAPH.RIGHT
    charts = [f for f in files if f.suffix == ".png"]
    assert len(doc.inline_shapes) == len(charts) >= 3
    assert doc.core_properties.title == "Small area pilot: two options"


# -- HTML and Markdown -----------------------------------------------------------------------------


def test_html_is_one_self_contained_printable_file(written):
    out, _ = written
    page = (out / "brief.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r'<(img|script|link)[^>]+(src|href)="(?!data:|#)', page)
    assert page.count("<svg") >= 4 and "<?xml" not in page
    assert "@media print" in page and "@page" in page and "table-header-group" in page
    assert '<nav class="contents"' in page and page.count("<caption>") >= 8
    assert 'class="num"' in page and 'class="num best"' in page
    assert "Small area pilot: two options" in page


def test_markdown_right_aligns_numbers_and_links_charts(written):
    out, _ = written
    text = (out / "brief.md").read_text(encoding="utf-8")
    assert "|---:|" in text.replace(":---|---:|", "|---:|")
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (out / link).is_file()


def test_rounding_to_the_nearest_thousand(small):
    built = brief.build_tables(small[:1])
    meta = brief.brief_meta(small[:1], ["Pilot"], None, "thousand")
    text = render_markdown(built, [], meta)
    npv = small[0].summary()["npv"]
    assert tables.fmt(npv, "money", "GBP", "thousand") == "£56,000"
    assert "£56,000" in text and "£55,600" not in text
    assert "nearest thousand" in text
    sig3 = render_markdown(built, [], brief.brief_meta(small[:1], ["Pilot"], None, "sig3"))
    assert "£55,600" in sig3


def test_markdown_escapes_user_text(small):
    t = tables.Table(
        "x", "A *bold* [claim]", pd.DataFrame({"name": ["a|b", "Pilot [2025]"]}), {"name": "text"}
    )
    text = render_markdown([t], [], {"title": "T*"})
    assert "a\\|b" in text and "Pilot \\[2025\\]" in text and "A \\*bold\\* \\[claim\\]" in text


def test_single_option_headline_has_one_column(small, tmp_path):
    built = brief.build_tables(small[:1], ["Pilot"])
    head = built[0]
    assert head.name == "comparison" and list(head.frame["option"]) == ["Pilot"]
    text = render_markdown(built, [], brief.brief_meta(small[:1], ["Pilot"], None, "sig3"))
    first_table = text.split("**Table 1:")[1].split("\n\n")[1]
    assert first_table.splitlines()[0] == "|  | Pilot |"


# -- Word and Excel: page, language, contents, widths, alt text, print setup, units ----------------


def test_docx_is_a4_en_gb_with_a_contents_field_fitted_tables_and_alt_text(written):
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Mm

    out, files = written
    doc = docx.Document(out / "brief.docx")
    for section in doc.sections:
        size = sorted([section.page_width, section.page_height])
        assert abs(size[0] - Mm(210)) < Mm(0.1) and abs(size[1] - Mm(297)) < Mm(
            0.1
        )  # A4, either way
    langs = {el.get(qn("w:val")) for el in doc.styles.element.iter(qn("w:lang"))}
    assert langs == {"en-GB"}
    instr = " ".join(el.text for el in doc.element.body.iter(qn("w:instrText")))
    assert "TOC" in instr and "\\o" in instr
    kinds = [el.get(qn("w:fldCharType")) for el in doc.element.body.iter(qn("w:fldChar"))]
    assert kinds[:3] == ["begin", "separate", "end"]
    # Every table fits between the margins of its section (widths fixed, summing to the text width).
    body = list(doc.element.body.iterchildren())
    section_of = []
    k = 0
    for el in body:
        section_of.append(k)
        if el.find(f".//{qn('w:sectPr')}") is not None:
            k += 1
    tables_at = [i for i, el in enumerate(body) if el.tag == qn("w:tbl")]
    assert len(tables_at) == len(doc.tables) >= 10
    for i, t in zip(tables_at, doc.tables):
        s = doc.sections[min(section_of[i], len(doc.sections) - 1)]
        text_width = s.page_width - s.left_margin - s.right_margin
        grid = [int(g.get(qn("w:w"))) for g in t._tbl.tblGrid.iter(qn("w:gridCol"))]
        assert sum(grid) * 635 <= text_width + 635 * len(grid)  # twips to EMU, rounding per column
        assert t._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    for shape in doc.inline_shapes:
        descr = shape._inline.docPr.get("descr")
        assert descr and len(descr) > 20


def test_xlsx_prints_fitted_to_width_with_the_header_repeated_and_units_in_headers(small, written):
    from openpyxl import load_workbook

    out, _ = written
    wb = load_workbook(out / "brief.xlsx")
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
    ws = wb["agencies"]
    headers = [c.value for c in ws[1]]
    assert "PV costs funded (GBP, 2024 prices)" in headers
    col = headers.index("PV costs funded (GBP, 2024 prices)") + 1
    cells = [ws.cell(row=r, column=col).value for r in range(2, 2 + len(small[0].by("agency")) * 2)]
    assert cells and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells)
    rec = [c.value for c in wb["recommendation"][1]]
    assert "NPV (GBP, 2024 prices)" in rec and "Payback year" in rec


def test_xlsx_headers_name_units_by_kind():
    from prevcalc.report.xlsx import header

    t = tables.Table(
        "t",
        "T",
        pd.DataFrame({"npv": [1.0], "prob_npv_positive": [0.5], "year": [3], "bcr": [1.2]}),
        {"npv": "money", "prob_npv_positive": "probability", "year": "year", "bcr": "ratio"},
        "GBP",
        2024,
    )
    assert [header(t, c) for c in t.frame.columns] == [
        "NPV (GBP, 2024 prices)",
        "P(NPV > 0) (%)",
        "Year",
        "Benefit-cost ratio",
    ]


def test_figures_are_kept_whole_where_a_line_may_break():
    """A word joiner (U+2060) goes after a minus before a currency sign or digit, and before a
    per cent sign: the places a browser or word processor would otherwise break a figure."""
    from prevcalc.report._text import unbreakable

    wj = "\u2060"
    assert unbreakable("-£2,670,000 (-£5,330,000 to £1,070,000)") == (
        f"-{wj}£2,670,000 (-{wj}£5,330,000 to £1,070,000)"
    )
    assert unbreakable("2885.8%") == f"2885.8{wj}%"
    assert unbreakable("-0.25") == f"-{wj}0.25"
    assert unbreakable("Pays back - later") == "Pays back - later"  # text is left alone
