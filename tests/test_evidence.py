"""Evidence tests: the bundled life-course models against what their sources published.

Two kinds of check, all through the public API (``prevcalc.run(prevcalc.load(path, variant=...))``,
``.summary()``, ``.by()`` and the year-by-year table ``.cashflows()``):

1. The bundled scenarios (``scenarios/``) are life-course models: costs in the years they are spent
   and outcomes in the years they happen. Where a source gives a lifetime present value (WSIPP), the
   model's discounted total at the source's own convention (a variant of the file) must reproduce it
   within CALIBRATION_TOLERANCE (2%). Where a source gives cumulative figures at a follow-up (the
   Memphis and Elmira trials' government spending, Swansea's first-year saving, a first-time
   entrant's nine-year cost), the model's cumulative figure at that year must match it within
   FOLLOW_UP_TOLERANCE (1%): those variants are sized from the published figure, so the check is
   that the profile puts it in the right years.
2. The published totals themselves, entered as one year-0 amount (the former bundled files, now
   fixtures in ``tests/data/fixtures/``), check the published arithmetic and the engine's splits
   and conversions. Tolerances there are stated test by test.

Year convention for the trials: year 0 is pregnancy and the child's first year, so "by age N" is
the cumulative figure at the end of year N - 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import prevcalc

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FIXTURES = Path(__file__).resolve().parent / "data" / "fixtures"
FILES = sorted(SCENARIOS.glob("*.yaml"))
EXPECTED_FILES = {
    "nurse_family_partnership.yaml",
    "shared_lives.yaml",
    "local_area_coordination.yaml",
    "time_bank.yaml",
    "youth_court.yaml",
    "early_years_childcare.yaml",
    "portfolio.yaml",
}
CALIBRATION_TOLERANCE = 0.02  # lifetime present values at the source's own convention
FOLLOW_UP_TOLERANCE = 0.01  # cumulative figures at a follow-up year


def _run(path: Path, variant: str | None = None):
    return prevcalc.run(prevcalc.load(path, variant=variant))


def _model(name: str, variant: str | None = None):
    return _run(SCENARIOS / name, variant)


def _fixture(name: str, variant: str | None = None):
    return _run(FIXTURES / name, variant)


def _variants(path: Path) -> list[str | None]:
    return [None] + [v.name for v in prevcalc.load(path).variants]


def _cumulative(result, column: str, year: int) -> float:
    """Cumulative undiscounted costs, benefits or net to the end of ``year``."""
    table = result.cashflows()
    return float(table[column].iloc[: year + 1].sum())


# ---------------------------------------------------------------------------------------------
# The library as a whole


def test_library_has_every_scenario():
    assert EXPECTED_FILES <= {p.name for p in FILES}


@pytest.mark.parametrize(
    "path,variant", [(p, v) for p in FILES for v in _variants(p)], ids=lambda x: str(x)
)
def test_every_scenario_and_variant_runs(path, variant):
    summary = _run(path, variant).summary()
    for key in ("pv_costs", "pv_benefits", "npv"):
        assert key in summary.index


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_figure_carries_a_source_and_every_outcome_states_deadweight(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data.get("description"), "each scenario explains its construction and assumptions"
    for iv in data["interventions"]:
        assert iv.get("source"), iv["id"]
        for section in ("setup", "running", "per_participant"):
            for item in (iv.get("costs") or {}).get(section, []):
                assert item.get("source"), (iv["id"], section, item)
        for outcome in iv.get("outcomes", []):
            assert outcome.get("source"), (iv["id"], outcome["name"])
            assert "deadweight" in outcome, (iv["id"], outcome["name"])
    for rate in data.get("exchange_rates", []):
        assert rate.get("source")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_bundled_models_are_life_course_models_in_uk_conventions(path):
    # The issue: pounds at current prices, Green Book discounting, a horizon of at least 10
    # years, several intake years, and flows spread over time (not one year-0 lump).
    scenario = prevcalc.load(path)
    assert scenario.currency == "GBP" and scenario.price_year == 2024
    assert scenario.discounting.schedule == "green_book"
    assert scenario.horizon >= 10
    result = prevcalc.run(scenario)
    table = result.cashflows()
    assert (table["benefits"] > 0).sum() >= 5, "outcomes fall in several years"
    entry_years = {int(y) for y in range(scenario.horizon)}
    assert len(entry_years) > 1
    for iv in scenario.interventions:
        intake = iv.intake
        several = (
            isinstance(intake.participants, list) and sum(1 for x in intake.participants if x) > 1
        ) or (not isinstance(intake.participants, list) and (intake.years or 2) > 1)
        assert several, f"{iv.id}: several intake years"
    assert not any("past the horizon" in n for n in result.notes), result.notes


def test_payback_years_after_zero_where_the_evidence_says_so():
    # Costs come before savings for NFP, Shared Lives (set-up before placements), early years
    # (gains build up over the place) and the portfolio. LAC (Swansea: 2-3:1 in the first year),
    # youth court ("immediate" cost avoidance) and the time bank pay back in their first year.
    later = {
        "nurse_family_partnership.yaml": (15, 25),
        "shared_lives.yaml": (1, 1),
        "early_years_childcare.yaml": (1, 4),
        "portfolio.yaml": (3, 12),
    }
    for name, (low, high) in later.items():
        s = _model(name).summary()
        assert low <= s["discounted_payback_year"] <= high, (name, s["discounted_payback_year"])
        assert s["payback_year"] >= 1, name
        table = _model(name).cashflows()
        assert table["cumulative_pv_net"].iloc[0] < 0, name
    for name in ("local_area_coordination.yaml", "youth_court.yaml", "time_bank.yaml"):
        assert _model(name).summary()["discounted_payback_year"] == 0, name


# ---------------------------------------------------------------------------------------------
# Nurse-Family Partnership


def test_nfp_reproduces_wsipp_december_2023_at_its_own_convention():
    # WSIPP, Nurse Family Partnership (benefit-cost methods updated December 2023, 2022 dollars):
    # taxpayers $5,061, participants $13,270, others $983, indirect $1,181; total benefits
    # $20,495; net program cost $13,925; BCR 1.47. The model, one family, discounted at 3.5%
    # (ASSUMED to be WSIPP's rate), must give these back within 2%.
    result = _model(
        "nurse_family_partnership.yaml", "WSIPP convention, one family (US$ 2022, 3.5%)"
    )
    s = result.summary()
    assert s["pv_benefits"] == pytest.approx(20495, rel=CALIBRATION_TOLERANCE)
    assert s["pv_costs"] == pytest.approx(13925, rel=CALIBRATION_TOLERANCE)
    assert s["npv"] == pytest.approx(6570, rel=CALIBRATION_TOLERANCE)
    assert s["bcr"] == pytest.approx(1.47, abs=0.01)
    agency = result.by("agency")["pv_benefits"]
    taxpayers = sum(
        agency[a]
        for a in (
            "childrens_social_care",
            "nhs",
            "education",
            "criminal_justice",
            "welfare_benefits",
        )
    )
    assert taxpayers == pytest.approx(5061, rel=CALIBRATION_TOLERANCE)
    assert agency["participants"] == pytest.approx(13270, rel=CALIBRATION_TOLERANCE)
    assert agency["crime_victims"] == pytest.approx(983, rel=CALIBRATION_TOLERANCE)
    assert agency["indirect"] == pytest.approx(1181, rel=CALIBRATION_TOLERANCE)
    # One family: the per-person figure is the same present value.
    assert s["npv_per_person"] == pytest.approx(6570, rel=CALIBRATION_TOLERANCE)


def test_nfp_reproduces_wsipp_may_2017_at_its_own_convention():
    # WSIPP May 2017 (2016 dollars): total $19,157 (parts sum to 19,158), cost $10,170, BCR 1.88;
    # indirect is negative ($3,257).
    result = _model(
        "nurse_family_partnership.yaml", "WSIPP May 2017 vintage, one family (US$ 2016, 3.5%)"
    )
    s = result.summary()
    assert s["pv_benefits"] == pytest.approx(19157, rel=CALIBRATION_TOLERANCE)
    assert s["pv_costs"] == pytest.approx(10170, rel=CALIBRATION_TOLERANCE)
    assert s["bcr"] == pytest.approx(1.88, abs=0.01)
    assert result.by("agency")["pv_benefits"]["indirect"] == pytest.approx(
        -3257, rel=CALIBRATION_TOLERANCE
    )


def test_nfp_visits_cost_before_the_savings_arrive():
    # Per family at WSIPP's convention: visits in years 0-2, savings spread to adulthood; the
    # cumulative discounted net benefit is negative until the mid-teens.
    result = _model(
        "nurse_family_partnership.yaml", "WSIPP convention, one family (US$ 2022, 3.5%)"
    )
    table = result.cashflows()
    assert table["costs"].iloc[3:].sum() == 0 and table["costs"].iloc[:3].sum() > 0
    assert (table["cumulative_pv_net"].iloc[:10] < 0).all()
    assert table["benefits"].iloc[30] > 0  # children's adult earnings
    assert 10 <= result.summary()["discounted_payback_year"] <= 25


def test_nfp_memphis_18_year_government_spending():
    # Memphis trial, 18-year follow-up (NFP NewsLink, Fall 2019): "NFP saved the government
    # $17,310 per family in reduced public benefits and resulted in a net savings of $4,732 in
    # 2009 dollars". By age 18 = end of year 17.
    result = _model(
        "nurse_family_partnership.yaml",
        "Memphis trial to age 18, government only (US$ 2009, undiscounted)",
    )
    assert _cumulative(result, "benefits", 17) == pytest.approx(17310, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(result, "net", 17) == pytest.approx(4732, rel=FOLLOW_UP_TOLERANCE)
    # Not yet paid back at age 12 (end of year 11): the cost is spent by age 2, savings accrue.
    assert _cumulative(result, "net", 11) < 0
    assert result.by("agency")["pv_benefits"]["government"] == pytest.approx(
        17310, rel=FOLLOW_UP_TOLERANCE
    )


def test_nfp_elmira_government_savings_by_age_4():
    # Olds et al. (1993), Medical Care 31(2): cost $3,246 per family (1980 dollars); government
    # savings $1,772 by age 4 (sample as a whole): not paid back by age 4 (published net cost
    # after discounting $1,582). Low-income families: cost $3,133, savings $3,498: paid back
    # ("recovered with a dividend of $180 per family" after discounting).
    whole = _model(
        "nurse_family_partnership.yaml",
        "Elmira trial to age 4, government only (US$ 1980, undiscounted)",
    )
    assert _cumulative(whole, "costs", 3) == pytest.approx(3246, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(whole, "benefits", 3) == pytest.approx(1772, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(whole, "net", 3) < 0
    low = _model(
        "nurse_family_partnership.yaml",
        "Elmira trial to age 4, low-income families (US$ 1980, undiscounted)",
    )
    assert _cumulative(low, "costs", 3) == pytest.approx(3133, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(low, "benefits", 3) == pytest.approx(3498, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(low, "net", 3) > 0
    assert low.summary()["payback_year"] == 3


def test_nfp_base_converts_us_evidence_explicitly():
    # 2022 US$ x 0.668 (PPP, 2021) x UK GDP deflator 2022 -> 2024 (100 / 90.5005): the base's PV
    # costs per participant at Green Book rates equal the WSIPP-convention figure converted.
    factor = 0.668 * 100 / 90.5005
    scenario = prevcalc.load(
        SCENARIOS / "nurse_family_partnership.yaml",
        overrides=[
            "interventions.nfp.intake={participants: [1]}",
            "discounting.schedule=constant",
            "discounting.rate=0.035",
        ],
    )
    s = prevcalc.run(scenario).summary()
    assert s["pv_costs"] == pytest.approx(13925 * factor, rel=CALIBRATION_TOLERANCE)
    assert s["pv_benefits"] == pytest.approx(20495 * factor, rel=CALIBRATION_TOLERANCE)


def test_nfp_lower_risk_ratio_of_2_50_is_gone():
    # The issue: "$2.50 per $1" as the lower-risk ratio is not supported; published lower-risk
    # estimates are lower (Brookings 2007: $0.70 per $1 to government). Neither the bundled model
    # nor the fixture carries it.
    for path in (
        SCENARIOS / "nurse_family_partnership.yaml",
        FIXTURES / "nurse_family_partnership_published.yaml",
    ):
        assert "2.50)" not in " ".join(v.name for v in prevcalc.load(path).variants)


# ---------------------------------------------------------------------------------------------
# Shared Lives


def test_shared_lives_social_finance_unit_costs_per_placement_year():
    # Social Finance (2013), learning disabilities: Shared Lives £34,000 a year against £60,000
    # for residential, nursing or supported accommodation; net saving £26,000 per person a year.
    result = _model(
        "shared_lives.yaml", "Social Finance convention, one placement (2013 prices, undiscounted)"
    )
    assert _cumulative(result, "costs", 0) == pytest.approx(34000, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(result, "benefits", 0) == pytest.approx(60000, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(result, "net", 4) == pytest.approx(5 * 26000, rel=FOLLOW_UP_TOLERANCE)
    mh = _model("shared_lives.yaml", "Mental health needs")
    assert mh.summary()["npv"] < result.summary()["npv"] * 100  # runs; smaller saving per placement


def test_shared_lives_set_up_before_placements():
    table = _model("shared_lives.yaml").cashflows()
    assert table["costs"].iloc[0] > 0 and table["benefits"].iloc[0] == 0
    assert table["benefits"].iloc[1] > table["costs"].iloc[1]


def test_shared_lives_business_case_framing():
    # Business case (Shared Lives Plus / IESE): "A new scheme for 85 people costs £620k over 5
    # years, with savings of nearly £13m". With Social Finance's unit costs the net saving is
    # 85 x £26,000 x 5 = £11.05m (2013 prices), 15% below "nearly £13m": the sources differ, and
    # the test pins the model's own arithmetic, not the business case's total.
    s = _model(
        "shared_lives.yaml", "Business case convention (85 placed at once, 5 years, undiscounted)"
    ).summary()
    scheme = 620_000 * 73.4795 / 70.834  # £620k at 2011 prices, in 2013 prices
    assert s["npv"] == pytest.approx(85 * 26000 * 5 - scheme, rel=FOLLOW_UP_TOLERANCE)


# ---------------------------------------------------------------------------------------------
# Local Area Coordination, youth court, time bank, early years


def test_local_area_coordination_swansea_first_year():
    # Swansea University (2016): "cautious cost saving estimate of £1.2 million in 1st year of
    # operation with 3 Coordinators"; cost benefit "2-3:1 in first year, anticipated to rise to
    # 3-4:1" (LAC Network; Inclusive Neighbourhoods).
    result = _model(
        "local_area_coordination.yaml", "Swansea convention, first year (2016 prices, undiscounted)"
    )
    table = result.cashflows()
    assert _cumulative(result, "benefits", 0) == pytest.approx(1_200_000, rel=FOLLOW_UP_TOLERANCE)
    first = table["benefits"].iloc[0] / table["costs"].iloc[0]
    later = table["benefits"].iloc[2] / table["costs"].iloc[2]
    assert 2.0 <= first <= 3.0
    assert 3.0 <= later <= 4.0


def test_youth_court_first_time_entrant_costs_over_nine_years():
    # Centre for Justice Innovation: a first-time entrant (under 18) costs £3,620 in the first
    # year after the offence and £22,995 over nine years.
    result = _model("youth_court.yaml", "CJI convention, one first-time entrant (undiscounted)")
    assert _cumulative(result, "benefits", 0) == pytest.approx(3620, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(result, "benefits", 8) == pytest.approx(22995, rel=FOLLOW_UP_TOLERANCE)
    # DC Youth Court (Atlantic Cities 2013): about $500 a case against nearly $2,000 in court.
    dc = _model("youth_court.yaml", "DC Youth Court convention, one case (US$ 2013, undiscounted)")
    assert _cumulative(dc, "costs", 0) == pytest.approx(500, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(dc, "net", 0) == pytest.approx(1500, rel=FOLLOW_UP_TOLERANCE)


def test_youth_court_savings_continue_after_the_case():
    table = _model("youth_court.yaml").cashflows()
    assert table["benefits"].iloc[6:13].sum() > 0 and table["costs"].iloc[5:].sum() == 0


def test_time_bank_design_text_member_year():
    # Design text (Knapp et al., PSSRU DP 2772; NOT confirmed): £450 cost and £1,300 value per
    # member a year.
    s = _model(
        "time_bank.yaml", "Design-text convention, one member-year (2010 prices, undiscounted)"
    ).summary()
    assert s["pv_costs"] == pytest.approx(450, rel=1e-9)
    assert s["pv_benefits"] == pytest.approx(1300, rel=1e-9)


def test_early_years_hackney_trial_one_household():
    # Mapledene (Hackney) trial: a place cost £12,278 over 18 months; net social gain £837 per
    # household. Negative after the first year, positive by the end of the place.
    result = _model(
        "early_years_childcare.yaml", "Trial convention, one household (2003 prices, undiscounted)"
    )
    assert _cumulative(result, "costs", 1) == pytest.approx(12278, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(result, "net", 1) == pytest.approx(837, rel=FOLLOW_UP_TOLERANCE)
    assert _cumulative(result, "net", 0) < 0


# ---------------------------------------------------------------------------------------------
# Portfolio


def test_portfolio_mixes_all_three_layers_and_shows_the_j_curve():
    result = _model("portfolio.yaml")
    assert {"upstream", "midstream", "downstream"} <= set(result.by("layer").index)
    assert result.horizon >= 25
    table = result.cashflows()
    cumulative = table["cumulative_pv_net"].to_numpy()
    payback = int(result.summary()["discounted_payback_year"])
    assert payback >= 3
    assert (cumulative[:payback] < 0).all() and (cumulative[payback:] >= 0).all()
    assert np.argmin(cumulative) > 0, "the curve dips before it turns"
    # Who pays and who gains: the public-health budget funds NFP and does not gain from it.
    agency = result.by("agency")
    assert agency.loc["public_health", "npv"] < 0
    assert agency.loc["criminal_justice", "npv"] > 0


def test_portfolio_shift_moves_money_upstream_in_years_0_to_4():
    # "Shift 10% of the downstream budget upstream": downstream spending in years 0-4 falls by
    # 10% and upstream spending rises by the same amount (undiscounted; places bought in year 4
    # run into year 5).
    base = _model("portfolio.yaml")
    shifted = _model("portfolio.yaml", "Shift 10% of the downstream budget upstream")

    def spend(result, layer, years):
        frame = result.to_frame()
        rows = frame[
            (frame["layer"] == layer) & (frame["kind"] == "cost") & frame["year"].isin(years)
        ]
        return float(rows["flow"].sum())

    released = spend(base, "downstream", range(5)) - spend(shifted, "downstream", range(5))
    assert released == pytest.approx(0.1 * spend(base, "downstream", range(5)), rel=1e-6)
    added = spend(shifted, "upstream", range(6)) - spend(base, "upstream", range(6))
    assert added == pytest.approx(released, rel=0.01)
    b, s = base.by("layer")["pv_costs"], shifted.by("layer")["pv_costs"]
    assert s["midstream"] == pytest.approx(b["midstream"], rel=1e-9)
    # The difference is visible over time: the shifted portfolio's curve is lower in the early
    # years.
    assert (
        shifted.cashflows()["cumulative_pv_net"].iloc[1:7]
        < base.cashflows()["cumulative_pv_net"].iloc[1:7]
    ).all()


# ---------------------------------------------------------------------------------------------
# Published totals, entered as one year-0 amount (fixtures, not bundled models)


def test_fixture_nfp_wsipp_december_2023():
    # Components sum exactly to the printed total: tolerance half a dollar.
    result = _fixture("nurse_family_partnership_published.yaml")
    s = result.summary()
    assert s["pv_benefits"] == pytest.approx(20495, abs=0.5)
    assert s["pv_costs"] == pytest.approx(13925, abs=0.5)
    assert s["npv"] == pytest.approx(6570, abs=0.5)
    assert s["bcr"] == pytest.approx(1.47, abs=0.005)
    by_agency = result.by("agency")["pv_benefits"]
    assert by_agency["taxpayers"] == pytest.approx(5061, abs=0.5)
    assert by_agency["participants"] == pytest.approx(13270, abs=0.5)
    assert by_agency["others"] == pytest.approx(983, abs=0.5)
    assert by_agency["indirect"] == pytest.approx(1181, abs=0.5)


def test_fixture_nfp_wsipp_may_2017():
    # The printed parts sum to 19,158 against a printed total of 19,157: $1.5 tolerance.
    s = _fixture("nurse_family_partnership_published.yaml", "WSIPP May 2017").summary()
    assert s["pv_benefits"] == pytest.approx(19157, abs=1.5)
    assert s["pv_costs"] == pytest.approx(10170, abs=0.5)
    assert s["npv"] == pytest.approx(8988, abs=1.5)
    assert s["bcr"] == pytest.approx(1.88, abs=0.005)


def test_fixture_nfp_wsipp_2004_and_rand_1998():
    s = _fixture("nurse_family_partnership_published.yaml", "WSIPP 2004 (Aos et al.)").summary()
    assert (s["pv_benefits"], s["pv_costs"], s["npv"]) == pytest.approx(
        (26298, 9118, 17180), abs=0.5
    )
    result = _fixture("nurse_family_partnership_published.yaml", "RAND 1998 Elmira higher-risk")
    s = result.summary()
    assert (s["pv_costs"], s["pv_benefits"], s["npv"]) == pytest.approx(
        (6083, 24694, 18611), abs=0.5
    )
    assert result.by("agency")["pv_benefits"]["government"] == pytest.approx(24694, abs=0.5)


@pytest.mark.parametrize(
    "variant,ratio",
    [
        ("Savings per $1, higher-risk bound ($5.70)", 5.70),  # RAND 2005 via NCSL (secondary)
        ("Brookings 2007 Elmira lower-risk, government ($0.70 per $1)", 0.70),  # via RWJF 2009
    ],
)
def test_fixture_nfp_ratios(variant, ratio):
    assert _fixture("nurse_family_partnership_published.yaml", variant).summary()[
        "bcr"
    ] == pytest.approx(ratio, rel=1e-9)


def test_fixture_nfp_converted_to_uk_pounds_2024():
    factor = 0.689 * 100 / 76.4554  # 2016 PPP, UK GDP deflator 2016 -> 2024
    s = _fixture(
        "nurse_family_partnership_published.yaml", "WSIPP May 2017 in UK pounds, 2024 prices"
    ).summary()
    assert s["pv_benefits"] == pytest.approx(19158 * factor, rel=1e-6)
    assert s["pv_costs"] == pytest.approx(10170 * factor, rel=1e-6)


def test_fixture_shared_lives_85_people_13_million():
    # "A new scheme for 85 people costs £620k over 5 years, with savings of nearly £13m".
    s = _fixture("shared_lives_published.yaml").summary()
    assert s["pv_costs"] == pytest.approx(620_000, abs=0.01)
    assert 12_900_000 <= s["pv_benefits"] <= 13_000_000


def test_fixture_early_years_hackney_trial():
    s = _fixture("early_years_childcare_published.yaml").summary()
    assert s["pv_costs"] == pytest.approx(12_278, abs=0.01)
    assert s["npv"] == pytest.approx(837, abs=0.01)


def test_fixture_time_bank_and_youth_court():
    s = _fixture("time_bank_published.yaml").summary()
    assert s["bcr"] == pytest.approx(1300 / 450, rel=1e-9)
    dc = _fixture("youth_court_published.yaml", "DC Youth Court 11% vs 25%").summary()
    assert dc["pv_benefits"] == pytest.approx(100 * (2000 + 0.14 * 2000), abs=0.01)
