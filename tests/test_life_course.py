"""Issue 9: per-person and per-cohort J-curves, and counts of events avoided.

Every expected figure is worked by hand in the test from the scenario's inputs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import prevcalc
from prevcalc.errors import ScenarioError

# Costs 1,000 a year per participant for 2 years; three counted outcomes; 3.5% (Green Book
# years 0-30), flows at the start of each year; 10 participants enter in year 0, 20 in year 1.
EVENTS = """\
prevcalc: 1
name: Events
horizon: 12
interventions:
  - id: a
    name: A
    layer: upstream
    intake: {participants: [10, 20]}
    costs:
      per_participant: [{amount: 1000, duration: 2, funder: council}]
    outcomes:
      - {name: Admissions, agency: nhs, probability_change: 0.1, unit_cost: 3000,
         unit: hospital admission, start: 1, duration: 5, deadweight: 0.5}
      - {name: Care, agency: asc, baseline: 600, reduction: 0.5, per: week,
         unit: placement-week, start: 3, duration: 2, deadweight: 0}
      - {name: Crime, agency: police, amount: 5000, events: 0.2, unit: offence, start: 4,
         duration: 1, deadweight: 0}
"""


@pytest.fixture
def result(write_scenario):
    return prevcalc.run(prevcalc.load(write_scenario(EVENTS)))


def test_one_participants_net_flow_by_years_since_entry(result):
    # k=0: -1000 (cost); k=1: -1000 + 0.1 x 0.5 x 3000 = -850; k=2: +150;
    # k=3: 150 + 0.5 x 600 x 52 = 15,750 (care);
    # k=4: 150 + 15,600 + 5,000 (crime's amount) = 20,750;
    # k=5: 150 (admissions' fifth year); then 0.
    pp = result.life_course.per_person()
    expected = [-1000, -850, 150, 15750, 20750, 150, 0, 0, 0, 0, 0, 0]
    np.testing.assert_allclose(pp["net"], expected)
    factors = 1.035 ** -np.arange(12)
    np.testing.assert_allclose(pp["cumulative_pv_net"], np.cumsum(np.array(expected) * factors))


def test_per_person_payback_years(result):
    # Cumulative: -1000, -1850, -1700, +14,050: pays back 3 years after entry, discounted too.
    s = result.life_course.person_summary().iloc[0]
    assert s["payback_years_since_entry"] == 3 and s["discounted_payback_years_since_entry"] == 3
    expected = sum(v * 1.035**-k for k, v in enumerate([-1000, -850, 150, 15750, 20750, 150]))
    assert s["npv_per_person"] == pytest.approx(expected)


def test_cohorts_by_calendar_year(result):
    c = result.life_course.cohorts().set_index("entry_year")
    person = [-1000, -850, 150, 15750, 20750, 150]
    pv0 = sum(10 * v * 1.035**-k for k, v in enumerate(person))
    pv1 = sum(20 * v * 1.035 ** -(k + 1) for k, v in enumerate(person))
    assert c.loc[0, "participants"] == 10 and c.loc[1, "participants"] == 20
    assert c.loc[0, "npv"] == pytest.approx(pv0) and c.loc[1, "npv"] == pytest.approx(pv1)
    assert c.loc[0, "discounted_payback_year"] == 3 and c.loc[1, "discounted_payback_year"] == 4
    # The cohorts' own flows add up to the scenario's (it has no programme-level costs).
    assert c["npv"].sum() == pytest.approx(float(result.summary()["npv"]))


def test_events_avoided_and_cost_per_event(result):
    ev = result.life_course.events_table(result.pv_costs_by_intervention()).set_index("outcome")
    # Admissions: 0.1 x (1 - 0.5) a year, 5 years, 30 participants = 7.5.
    # Care: 0.5 x 52 placement-weeks a year, 2 years, 30 participants = 1,560.
    # Crime: 0.2 a year, 1 year, 30 participants = 6.
    assert ev.loc["Admissions", "events_avoided"] == pytest.approx(7.5)
    assert ev.loc["Care", "events_avoided"] == pytest.approx(1560)
    assert ev.loc["Crime", "events_avoided"] == pytest.approx(6)
    # PV costs: 10 x (1000 + 1000/1.035) + 20 x (1000/1.035 + 1000/1.035^2).
    pv_costs = 10 * (1000 + 1000 / 1.035) + 20 * (1000 / 1.035 + 1000 / 1.035**2)
    assert ev.loc["Crime", "cost_per_event_avoided"] == pytest.approx(pv_costs / 6)
    by_year = result.life_course.events_by_year()
    admissions = by_year[by_year["outcome"] == "Admissions"]["events_avoided"].to_numpy()
    # Cohort 0 (10 people) in years 1-5, cohort 1 (20 people) in years 2-6, 0.05 each a year.
    np.testing.assert_allclose(admissions[:8], [0, 0.5, 1.5, 1.5, 1.5, 1.5, 1.0, 0])


def test_value_equals_count_times_unit_cost(result):
    # An outcome's undiscounted value is its count times the cost of one event.
    lines = result.lines
    admissions = result.flows[(lines["name"] == "Admissions").to_numpy()].sum()
    assert admissions == pytest.approx(7.5 * 3000)


def test_json_and_csv_carry_the_life_course(cli, write_scenario):
    path = write_scenario(EVENTS)
    code, out, _ = cli("run", path, "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["per_person"][0]["discounted_payback_years_since_entry"] == 3
    assert [c["entry_year"] for c in doc["cohorts"]] == [0, 1]
    assert (
        doc["events"][0]["unit"] == "hospital admission" and len(doc["events"][0]["by_year"]) == 12
    )
    # FORMAT.md's keys are still all there.
    assert {"summary", "interventions", "layers", "agencies", "years"} <= set(doc)
    code, out, _ = cli("run", path, "--format", "csv", "--table", "cohorts")
    assert code == 0 and out.splitlines()[0] == (
        "intervention,entry_year,participants,npv,payback_year,discounted_payback_year"
    )
    assert out.splitlines()[1].endswith(",3,3")


def test_a_unit_with_an_amount_needs_events(write_scenario):
    text = EVENTS.replace("amount: 5000, events: 0.2,", "amount: 5000,")
    with pytest.raises(ScenarioError, match="with amount, a unit needs events"):
        prevcalc.load(write_scenario(text))


def test_events_without_a_unit_are_refused(write_scenario):
    text = EVENTS.replace("events: 0.2, unit: offence,", "events: 0.2,")
    with pytest.raises(ScenarioError, match="events needs a unit"):
        prevcalc.load(write_scenario(text))


def test_the_brief_has_the_per_person_table_chart_and_events(result, tmp_path):
    from prevcalc.report import brief, charts

    out = tmp_path / "brief"
    brief.write_brief([result], out, formats={"md", "csv"})
    text = (out / "brief.md").read_text(encoding="utf-8")
    assert "One participant over time" in text and "Events avoided" in text
    assert (out / "charts" / "per-person.png").is_file()
    assert (out / "tables" / "per_person.csv").is_file() and (
        out / "tables" / "events.csv"
    ).is_file()
    data = charts.per_person_data(result)
    np.testing.assert_allclose(
        data["cumulative_pv_net"], result.life_course.per_person()["cumulative_pv_net"]
    )
    fig = charts.per_person_chart(result)
    (line,) = [ln for ax in fig.axes for ln in ax.lines if ln.get_gid() == "person-0"]
    np.testing.assert_allclose(line.get_ydata(), data["cumulative_pv_net"])


def test_run_shows_one_participant_over_time_without_cutting_digits(
    cli, write_scenario, monkeypatch
):
    for width in ("60", "80", "120"):
        monkeypatch.setenv("COLUMNS", width)
        code, out, _ = cli("run", write_scenario(EVENTS))
        assert code == 0 and "One participant over time" in out
        assert "£30,733" in out  # NPV from entry of one participant, whole
        assert max(len(line) for line in out.splitlines()) <= int(width)
