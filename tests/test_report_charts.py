"""The brief's charts: their data equals the engine's, the payback marker sits at the discounted
payback year, they read in black and white, and saved files are byte-stable."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import prevcalc
from prevcalc.report import charts

SCENARIO = """\
prevcalc: 1
name: Chart check
currency: GBP
price_year: 2024
horizon: 12
discounting: {schedule: constant, rate: 0.035}
interventions:
  - id: visits
    name: Home visits
    layer: upstream
    intake: {participants: [50, 50]}
    costs:
      setup: [{amount: 40000, year: 0, funder: council}]
      per_participant: [{amount: 2000, duration: 1, funder: council}]
    outcomes:
      - {name: Fewer admissions, agency: nhs, amount: 700, start: 1, duration: 6}
  - id: court
    name: Youth court
    layer: downstream
    intake: {participants: 10, years: 3}
    costs:
      per_participant: [{amount: 500, duration: 1, funder: courts}]
    outcomes:
      - {name: Re-offending avoided, agency: police, amount: 900, start: 1, duration: 2}
variants:
  - name: No benefit
    set:
      interventions.visits.outcomes.0.amount: 0
      interventions.court.outcomes.0.amount: 0
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts") / "chart.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return [
        prevcalc.run(prevcalc.load(path)),
        prevcalc.run(prevcalc.load(path, variant="No benefit")),
    ]


NAMES = ["Base", "No benefit"]


def _line(fig, gid):
    return next((ln for ln in fig.axes[0].get_lines() if ln.get_gid() == gid), None)


def test_cumulative_data_is_the_engines_cumulative_pv_net(results):
    data = charts.cumulative_data(results, NAMES)
    for r, name in zip(results, NAMES):
        mine = data[data["option"] == name]
        np.testing.assert_array_equal(
            mine["cumulative_pv_net"].to_numpy(), r.cashflows()["cumulative_pv_net"].to_numpy()
        )
        np.testing.assert_array_equal(mine["year"].to_numpy(), np.arange(r.horizon))


def test_cumulative_chart_draws_that_data_and_marks_the_payback_year(results):
    fig = charts.cumulative_chart(results, NAMES)
    base = results[0]
    line = _line(fig, "cumulative-0")
    np.testing.assert_array_equal(
        line.get_ydata(), base.cashflows()["cumulative_pv_net"].to_numpy()
    )
    payback = base.to_dict()["summary"]["discounted_payback_year"]
    assert payback is not None and payback > 0
    mark = _line(fig, "payback-0")
    assert list(mark.get_xdata()) == [payback]
    assert mark.get_ydata()[0] == base.cashflows()["cumulative_pv_net"][payback]
    cum = base.cashflows()["cumulative_pv_net"].to_numpy()
    assert (
        cum[payback] >= 0 and cum[payback - 1] < 0
    )  # the first year the running total reaches zero
    # The option that never pays back has a line but no marker.
    assert _line(fig, "cumulative-1") is not None and _line(fig, "payback-1") is None


def test_axes_name_currency_and_price_year(results):
    for fig in (
        charts.cumulative_chart(results, NAMES),
        charts.agency_chart(results[0]),
        charts.layer_chart(results, NAMES),
    ):
        ax = fig.axes[0]
        assert "£, 2024 prices" in ax.get_ylabel() + ax.get_xlabel()
        assert ax.get_xlabel() and ax.get_ylabel()


def test_options_differ_in_more_than_colour(results):
    fig = charts.cumulative_chart(results, NAMES)
    a, b = _line(fig, "cumulative-0"), _line(fig, "cumulative-1")
    assert a.get_linestyle() != b.get_linestyle() and a.get_marker() != b.get_marker()
    bars = charts.layer_chart(results, NAMES).axes[0].containers
    assert len(bars) == 2 and bars[0][0].get_hatch() != bars[1][0].get_hatch()
    costs, benefits = charts.agency_chart(results[0]).axes[0].containers
    assert costs[0].get_hatch() != benefits[0].get_hatch()


def test_agency_chart_draws_pv_costs_and_benefits_by_agency(results):
    r = results[0]
    data = charts.agency_data(r)
    by = r.by("agency")
    assert list(data["agency"]) == list(by.index)
    np.testing.assert_array_equal(data["pv_costs_funded"], by["pv_costs"])
    np.testing.assert_array_equal(data["pv_benefits_gained"], by["pv_benefits"])
    costs, benefits = charts.agency_chart(r).axes[0].containers
    assert [p.get_width() for p in costs] == pytest.approx(list(by["pv_costs"]))
    assert [p.get_width() for p in benefits] == pytest.approx(list(by["pv_benefits"]))
    assert costs.get_label() == "PV costs funded" and benefits.get_label() == "PV benefits gained"


def test_layer_chart_draws_npv_by_layer(results):
    data = charts.layer_data(results, NAMES)
    fig = charts.layer_chart(results, NAMES)
    for r, name, bars in zip(results, NAMES, fig.axes[0].containers):
        npv = r.by("layer")["npv"]
        mine = data[data["option"] == name].set_index("layer")["npv"]
        assert mine.to_dict() == npv.to_dict()
        # Bars are in upstream, midstream, downstream order.
        assert [p.get_height() for p in bars] == pytest.approx([npv["upstream"], npv["downstream"]])


def test_chart_data_names_every_chart(results):
    data = charts.chart_data(results, NAMES)
    assert set(data) == {"cumulative", "layers", "agencies_1", "agencies_2"}


def test_saved_charts_are_byte_stable(results, tmp_path):
    first = charts.save_chart(charts.cumulative_chart(results, NAMES), tmp_path / "a")
    second = charts.save_chart(charts.cumulative_chart(results, NAMES), tmp_path / "b")
    for x, y in zip(first, second):
        assert x.read_bytes() == y.read_bytes()
    png, svg = first
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert "<dc:date>" not in text and "Matplotlib v" not in text and "<svg" in text


def test_importing_the_writers_does_not_import_heavy_libraries():
    code = (
        "import sys, prevcalc.report.brief, prevcalc.report.charts, prevcalc.report.xlsx, "
        "prevcalc.report.docx, prevcalc.report.html, prevcalc.report.markdown, "
        "prevcalc.report.csv; "
        "heavy = [m for m in ('matplotlib', 'openpyxl', 'docx') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_flows_chart_bars_are_the_year_by_year_costs_and_benefits():
    # Issue 10: a year-by-year cost and benefit bar chart under the J-curve.
    from conftest import ROOT

    import prevcalc
    from prevcalc.report import charts

    r = prevcalc.run(prevcalc.load(ROOT / "scenarios" / "shared_lives.yaml"))
    fig = charts.flows_chart(r)
    patches = [p for ax in fig.axes for p in ax.patches]
    costs = [p.get_height() for p in patches if p.get_gid() == "costs-bars"]
    benefits = [p.get_height() for p in patches if p.get_gid() == "benefits-bars"]
    flows = r.cashflows()
    assert costs == pytest.approx(list(-flows["costs"]))
    assert benefits == pytest.approx(list(flows["benefits"]))


def test_the_html_alt_text_states_the_j_curves_message(tmp_path):
    # Issue 10: alt text that states each chart's message, not only its name.
    from conftest import ROOT

    import prevcalc
    from prevcalc.report.brief import write_brief

    r = prevcalc.run(prevcalc.load(ROOT / "scenarios" / "shared_lives.yaml"))
    write_brief([r], tmp_path / "b", formats={"html"})
    html = (tmp_path / "b" / "brief.html").read_text(encoding="utf-8")
    payback = int(r.summary()["discounted_payback_year"])
    assert f"It pays back in year {payback} (discounted)." in html
    label = 'aria-label="Cumulative discounted net benefit. Cumulative discounted net benefit by'
    assert label in html and f"pays back in year {payback} (discounted)." in html.split(label)[1]


MESSAGES = """\
prevcalc: 1
name: Messages
currency: GBP
price_year: 2024
horizon: 4
discounting: {schedule: constant, rate: 0.1, timing: start}
interventions:
  - id: falls
    name: Falls prevention
    layer: midstream
    intake: {participants: [1]}
    costs:
      per_participant: [{amount: 1000, duration: 1, funder: council}]
    outcomes:
      - {name: Fewer admissions, agency: nhs, amount: 800, start: 1, duration: 2, deadweight: 0}
"""


def test_each_chart_caption_states_its_message_by_hand(tmp_path):
    """One participant; the council pays 1,000 for them in year 0 and the NHS saves 800 in
    years 1 and 2 (10%, start of year): PV of the saving 800/1.1 + 800/1.21 = 1,388.43, so
    the NPV is 388.43. Spending peaks in year 0, the saving first peaks in year 1; the
    council funds everything and never gains, so its budget never breaks even (the NHS only
    gains); one participant is repaid in year 2 once discounted (-1000 + 727.27 + 661.16 >
    0); the only layer is midstream."""
    path = tmp_path / "m.yaml"
    path.write_text(MESSAGES, encoding="utf-8")
    r = prevcalc.run(prevcalc.load(path))
    assert charts._flows_message(r) == (
        "Spending peaks in year 0 (£1,000); benefits peak in year 1 (£800)."
    )
    assert charts._agency_message(r) == (
        "Council funds the most (£1,000) and gains nothing itself; NHS gains the most (£1,390)."
    )
    assert charts._positions_message(r) == "Council's budget never breaks even."
    assert charts._per_person_message(r, {"falls": "Falls prevention"}) == (
        "Turns positive for good (discounted), by years since entry: Falls prevention: year 2."
    )
    assert charts._layers_message([r], ["M"]) == "By NPV, midstream highest (£388)."
    files = charts.brief_charts([r], ["M"], tmp_path / "c", interventions={"falls": "Falls"})
    captions = {c.name: c.caption for c in files}
    assert captions["flows"].endswith(charts._flows_message(r))
    assert captions["agencies"].endswith(charts._agency_message(r))
    assert captions["per-person"].endswith("Falls: year 2.")
