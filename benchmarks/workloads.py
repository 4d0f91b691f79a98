"""Workloads users write, as YAML.

The W2 class and its growth series (draws, horizon, interventions).

W2: 20 interventions x 60 years x 10 intake years, 10 shared uncertain parameters used through
expressions, an intake of ``m_pop * 1000 * uptake`` that varies from draw to draw, and outcome
durations and drop-off that vary from draw to draw.
"""

from __future__ import annotations

LAYERS = ("upstream", "midstream", "downstream")

#: Ten shared uncertain parameters, each used by many interventions through expressions.
W2_PARAMETERS = {
    "m_pop": "{dist: lognormal, mean: 0.5, sd: 0.1}",
    "uptake": "{dist: beta, mean: 0.2, sd: 0.04}",
    "effect": "{dist: gamma, mean: 1.0, sd: 0.2}",
    "lapse": "{dist: beta, mean: 0.10, sd: 0.03}",
    "dur": "{dist: uniform, low: 8, high: 16}",
    "unit_cost": "{dist: lognormal, mean: 2500, sd: 500}",
    "cost_mult": "{dist: pert, low: 0.8, mode: 1.0, high: 1.6}",
    "deadweight": "{dist: beta, mean: 0.2, sd: 0.05}",
    "nhs_saving": "{dist: normal, mean: 800, sd: 150}",
    "crime_saving": "{dist: triangular, low: 500, mode: 1500, high: 2500}",
}


def w2_yaml(n_interventions: int = 20, horizon: int = 60, intake_years: int = 10) -> str:
    """The W2-class scenario as YAML text: 5 lines per intervention (2 costs... 3 outcomes)."""
    out = [
        "prevcalc: 1",
        "name: W2-class workload",
        f"horizon: {horizon}",
        "discounting: {schedule: green_book}",
        "parameters:",
    ]
    out += [f"  {k}: {v}" for k, v in W2_PARAMETERS.items()]
    out.append("interventions:")
    for i in range(n_interventions):
        scale = 1 + 0.05 * (i % 20)
        out += [
            f"  - id: iv{i:03d}",
            f"    name: Intervention {i}",
            f"    layer: {LAYERS[i % 3]}",
            f'    intake: {{participants: "m_pop * 1000 * uptake", years: {intake_years}}}',
            "    costs:",
            f'      setup: [{{amount: "{100000 + 5000 * (i % 20)} * cost_mult", year: 0,'
            " funder: council}]",
            f'      per_participant: [{{amount: "unit_cost * cost_mult * {scale:g}",'
            " duration: 2, funder: nhs}]",
            "    outcomes:",
            f'      - {{name: Health, agency: nhs, amount: "nhs_saving * effect * {scale:g}",'
            f' drop_off: lapse, duration: "dur + {i % 4}", ramp: 1, deadweight: deadweight}}',
            '      - {name: Crime, agency: police, amount: "crime_saving * effect", start: 2,'
            " drop_off: lapse, duration: dur, deadweight: deadweight}",
            f'      - {{name: Welfare, agency: dwp, amount: "300 * effect", duration: {5 + i % 5},'
            f" deadweight: deadweight}}",
        ]
    return "\n".join(out) + "\n"


def load_w2(n_interventions: int = 20, horizon: int = 60, intake_years: int = 10):
    from prevcalc.loader import loads

    return loads(w2_yaml(n_interventions, horizon, intake_years), "<w2>")
