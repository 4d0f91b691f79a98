"""The words prevcalc uses, each stated once: metrics, intervals, like-for-like keys.

Every report, the comparison and the uncertainty code read these. Adding a metric is one
:class:`Metric` entry in :data:`METRICS`: its JSON key (FORMAT.md's spelling), its label, what
kind of number it is (how it is shown), which way is better, and whether it is derived from
stored figures rather than stored draw by draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "money",
    "amount",
    "ratio",
    "percent",
    "year",
    "count",
    "factor",
    "number",
    "text",
    "probability",
]


@dataclass(frozen=True)
class Metric:
    """One figure of a run.

    ``better`` is "higher", "lower" or None (neither: a count of participants); ``derived``
    says the figure is computed from stored ones when asked for (NPV from the two PVs), so it
    takes no memory over a million draws.
    """

    key: str
    label: str
    kind: Kind
    better: Literal["higher", "lower"] | None
    derived: bool = False


#: The summary figures, in FORMAT.md's order and spelling.
METRICS: tuple[Metric, ...] = (
    Metric("pv_costs", "PV costs", "money", "lower"),
    Metric("pv_benefits", "PV benefits", "money", "higher"),
    Metric("npv", "NPV", "money", "higher", derived=True),
    Metric("bcr", "Benefit-cost ratio", "ratio", "higher", derived=True),
    Metric("roi", "ROI", "percent", "higher", derived=True),
    Metric("payback_year", "Payback year", "year", "lower"),
    Metric("discounted_payback_year", "Discounted payback year", "year", "lower"),
    Metric("irr", "IRR", "percent", "higher"),
    Metric("participants", "Participants", "count", None),
    Metric("npv_per_participant", "NPV per participant", "money", "higher", derived=True),
    Metric("npv_per_person", "NPV per person (from entry)", "money", "higher", derived=True),
)

#: A probabilistic run's extra figure.
PROB_NPV_POSITIVE = Metric("prob_npv_positive", "P(NPV > 0)", "probability", "higher")

BY_KEY: dict[str, Metric] = {m.key: m for m in (*METRICS, PROB_NPV_POSITIVE)}
SUMMARY_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)
DERIVED_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS if m.derived)
#: Figures whose years are whole numbers in JSON.
YEAR_KEYS = frozenset(m.key for m in METRICS if m.kind == "year")

#: For each figure, whether more is better (True), less is better (False) or neither (None).
BETTER: dict[str, bool | None] = {
    m.key: None if m.better is None else m.better == "higher" for m in BY_KEY.values()
}

#: The interval of a probabilistic run: its level -> the keys of its two ends.
INTERVALS: dict[float, tuple[str, str]] = {0.90: ("p05", "p95"), 0.95: ("p025", "p975")}
INTERVAL_LABELS = {
    "p05": "5th percentile",
    "p95": "95th percentile",
    "p025": "2.5th percentile",
    "p975": "97.5th percentile",
}


def interval_keys(ci: float) -> tuple[str, str]:
    """The keys of the two ends of a ``ci`` interval (0.90 or 0.95).

    >>> interval_keys(0.95)
    ('p025', 'p975')
    """
    if ci not in INTERVALS:
        raise ValueError("the interval must be 90% or 95%")
    return INTERVALS[ci]


def percentile_of(stat: str) -> float:
    """The percentile a statistic's name stands for: two digits, then decimals.

    >>> [percentile_of(s) for s in ("p05", "p5", "p95", "p025", "p975", "p50", "p100", "p0")]
    [5.0, 5.0, 95.0, 2.5, 97.5, 50.0, 100.0, 0.0]
    """
    digits = stat[1:]
    if not stat.startswith("p") or not digits.isdigit():
        raise ValueError(
            f"unknown statistic {stat!r}: expected mean, median or pNN (p05, p95, p025...)"
        )
    if len(digits) <= 2 or digits == "100":
        return float(int(digits))
    return float(f"{digits[:2]}.{digits[2:]}")


#: What must match for two runs to be compared: provenance key -> the words for it.
LIKE_FOR_LIKE: dict[str, str] = {
    "currency": "currency",
    "price_year": "price year",
    "horizon": "horizon",
    "schedule": "discounting",
    "discount_bands": "discount rates",
    "timing": "timing",
}
