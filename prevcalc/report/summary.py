"""The answer first: a brief's opening summary in plain sentences, and its recommendation table.

:func:`summary_sentences` turns results into the few sentences a committee reads first: whether
each option pays back and when (undiscounted and discounted), its net present value (with its
interval when draws were run), who pays and who gains (the budget that carries the cost, and
whether it ever breaks even), how much of the benefit is cashable, and the caveats that matter
most. It is a pure function of its arguments: the same results give the same words.
:func:`recommendation_table` sets the options side by side with a reason for each.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..result import Result
from .tables import Kind, Table, symbol

#: The share of draws below which an option's NPV is called uncertain.
UNCERTAIN = 0.80
#: Agency words written in capitals.
_ACRONYMS = {
    "nhs",
    "dwp",
    "gp",
    "hmrc",
    "dfe",
    "dhsc",
    "moj",
    "ae",
    "a&e",
    "icb",
    "ccg",
    "uk",
    "us",
}
_FLAGGED = re.compile(r"\bASSUMPTIONS?\b|\bassumed\b|\bASSUMED\b", re.I)


@dataclass(frozen=True)
class Context:
    """What a scenario file says about itself that its results do not carry.

    ``assumptions``: the sentences of its description and notes that flag an assumption
    ("ASSUMPTION", "assumed"); ``foreign``: (intervention name, currency) for each intervention
    with figures entered in a currency other than the scenario's (transferred evidence).
    """

    assumptions: list[str] = field(default_factory=list)
    foreign: list[tuple[str, str]] = field(default_factory=list)
    #: The scenario's name, description and notes as written, and the variant's name and
    #: description (the brief's caveats box).
    scenario: str = ""
    description: str = ""
    notes: list[str] = field(default_factory=list)
    variant: str | None = None
    variant_description: str = ""
    #: The values entered for each line, by its location (``interventions.nfp.outcomes.0``)
    #: and for each intervention (by id), in words: "amount 1,300 a year (GBP, 2010 prices);
    #: from year 0 after entry; deadweight 0%".
    values: dict[str, str] = field(default_factory=dict)
    #: Each named parameter's value or distribution, in words.
    parameters: dict[str, str] = field(default_factory=dict)
    #: Each intervention's evidence (by id): its name, the study design, where the evidence
    #: comes from, and any published rating with who rated it (None where not stated).
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Each intervention's name, by id (tables for readers show names, not ids).
    interventions: dict[str, str] = field(default_factory=dict)


def context_of(scenario: Any) -> Context:
    """The :class:`Context` of a loaded scenario (a :class:`prevcalc.Scenario`)."""
    texts = [scenario.description or "", *scenario.notes]
    flagged = [s for t in texts for s in _sentences(t) if _FLAGGED.search(s)]
    foreign: list[tuple[str, str]] = []
    for iv in scenario.interventions:
        items = [*iv.costs.setup, *iv.costs.running, *iv.costs.per_participant, *iv.outcomes]
        currencies = {
            c
            for c in [iv.currency, *(getattr(x, "currency", None) for x in items)]
            if c and c != scenario.currency
        }
        for c in sorted(currencies):
            foreign.append((iv.name or iv.id, c))
    variant = _variant_of(scenario)
    variant_text = next(
        (v.description or "" for v in getattr(scenario, "variants", []) or [] if v.name == variant),
        "",
    )
    return Context(
        flagged,
        foreign,
        scenario=scenario.name,
        description=" ".join(str(scenario.description or "").split()),
        notes=[" ".join(str(n).split()) for n in scenario.notes],
        variant=variant,
        variant_description=" ".join(variant_text.split()),
        values=line_values(scenario),
        parameters={k: value_words(v) for k, v in scenario.parameters.items()},
        evidence={
            iv.id: {
                "name": iv.name or iv.id,
                "design": iv.evidence.design if iv.evidence else None,
                "setting": iv.evidence.setting if iv.evidence else None,
                "rating": iv.evidence.rating if iv.evidence else None,
                "rated_by": iv.evidence.rated_by if iv.evidence else None,
            }
            for iv in scenario.interventions
        },
        interventions={iv.id: iv.name or iv.id for iv in scenario.interventions},
    )


def _variant_of(scenario: Any) -> str | None:
    try:
        from ..engine import source_of

        return getattr(source_of(scenario), "variant", None)
    except Exception:  # a scenario built in code has no source
        return None


# -- the values entered, in words ------------------------------------------------------------------

_PER = {"year": "a year", "month": "a month", "week": "a week"}


def number_words(v: float) -> str:
    """A number as entered, with thousands separators and no float noise.

    >>> number_words(8185.33), number_words(13925), number_words(0.125), number_words(33.3333)
    ('8,185.33', '13,925', '0.125', '33.3333')
    """
    f = float(v)
    if f == int(f) and abs(f) < 1e15:
        return f"{int(f):,}"
    text = f"{f:,.6f}".rstrip("0").rstrip(".")
    return text if abs(f) >= 1e-4 else f"{f:.4g}"


def value_words(v: Any) -> str:
    """A value as written in the scenario: a number, an expression over named parameters, or a
    distribution ("gamma (mean 1, sd 0.3)").

    >>> value_words(1300), value_words("wsipp_cost / 2.4329"), value_words([40, 41.5])
    ('1,300', 'wsipp_cost / 2.4329', '40, 41.5')
    """
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        return number_words(v)
    if isinstance(v, str):
        return " ".join(v.split())
    if isinstance(v, (list, tuple)):
        return ", ".join(value_words(x) for x in v)
    dist = getattr(v, "dist", None)
    if dist is not None:
        params = getattr(v, "params", {}) or {}
        inner = ", ".join(f"{k} {number_words(x)}" for k, x in params.items() if x is not None)
        fixed = (
            f"; central {number_words(v.value)}"
            if getattr(v, "value", None) is not None and dist != "fixed"
            else ""
        )
        return f"{dist} ({inner}{fixed})" if inner else f"{dist}{fixed}"
    curve = getattr(v, "curve", None)
    if curve is not None:
        data = v.model_dump(exclude_none=True) if hasattr(v, "model_dump") else {}
        inner = ", ".join(f"{k} {value_words(x)}" for k, x in data.items() if k != "curve")
        return f"{curve} curve ({inner})"
    return str(v)


def _share_words(v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{float(v) * 100:.4g}%"
    return value_words(v)


def _money_unit(item: Any, iv: Any, scenario: Any) -> str:
    cur = getattr(item, "currency", None) or iv.currency or scenario.currency
    year = getattr(item, "price_year", None) or iv.price_year or scenario.price_year
    return f"{cur}, {year} prices" if year else str(cur)


def _profile_words(item: Any, parts: list[str]) -> None:
    start = item.start
    if item.duration is None:
        parts.append(f"from year {start} after entry to the horizon")
    else:
        parts.append(f"from year {start} after entry for {_years(item.duration)}")
    if _nonzero(item.ramp):
        parts.append(f"ramp {_years(item.ramp)}")
    if _nonzero(item.drop_off):
        parts.append(f"drop-off {_share_words(item.drop_off)} a year")


def _years(v: Any) -> str:
    """1 -> "1 year", 2.5 -> "2.5 years", an expression -> "<expression> years"."""
    words = value_words(v)
    return f"{words} year" if words == "1" else f"{words} years"


def _nonzero(v: Any) -> bool:
    return not (isinstance(v, (int, float)) and float(v) == 0)


def intake_words(intake: Any) -> str:
    """An intake in words: "participants 40 a year for 5 years", "eligible 400 a year for 5
    years, uptake linear curve (start 0.1, end 0.25, years 3)"."""
    years = f" for {intake.years} years" if intake.years else ""
    if intake.participants is not None:
        if isinstance(intake.participants, list):
            return f"participants by year of entry: {value_words(intake.participants)}"
        return f"participants {value_words(intake.participants)} a year{years}"
    uptake = intake.uptake if getattr(intake.uptake, "curve", None) else _share_words(intake.uptake)
    eligible = (
        f"eligible by year: {value_words(intake.eligible)}"
        if isinstance(intake.eligible, list)
        else f"eligible {value_words(intake.eligible)} a year{years}"
    )
    return f"{eligible}, uptake {value_words(uptake)}"


def line_values(scenario: Any) -> dict[str, str]:
    """The values entered for each intervention (by id: its intake and optimism bias) and each
    of its cost and outcome lines (by location, as :attr:`prevcalc.Result.lines` ``where``)."""
    out: dict[str, str] = {}
    for iv in scenario.interventions:
        head = [intake_words(iv.intake)]
        ob = iv.optimism_bias
        if _nonzero(ob.costs) or _nonzero(ob.benefits):
            head.append(
                f"optimism bias: costs +{_share_words(ob.costs)}, "
                f"benefits -{_share_words(ob.benefits)}"
            )
        out[iv.id] = "; ".join(head)
        base = f"interventions.{iv.id}"
        for k, c in enumerate(iv.costs.setup):
            out[f"{base}.costs.setup.{k}"] = (
                f"{value_words(c.amount)} one-off ({_money_unit(c, iv, scenario)}); "
                f"in year {c.year}"
            )
        for k, c in enumerate(iv.costs.running):
            to = "the horizon" if c.to_year is None else f"{c.to_year}"
            out[f"{base}.costs.running.{k}"] = (
                f"{value_words(c.amount)} {_PER[c.per]} "
                f"({_money_unit(c, iv, scenario)}); years {c.from_year} to {to}"
            )
        for k, c in enumerate(iv.costs.per_participant):
            parts = [
                f"{value_words(c.amount)} per participant {_PER[c.per]} "
                f"({_money_unit(c, iv, scenario)})"
            ]
            _profile_words(c, parts)
            out[f"{base}.costs.per_participant.{k}"] = "; ".join(parts)
        for k, o in enumerate(iv.outcomes):
            unit = _money_unit(o, iv, scenario)
            per = _PER[o.per]
            if o.amount is not None:
                parts = [f"{value_words(o.amount)} per participant {per} ({unit})"]
                if o.events is not None:
                    parts.append(f"{value_words(o.events)} {o.unit} avoided per participant {per}")
            elif o.baseline is not None:
                parts = [
                    f"baseline {value_words(o.baseline)} per participant {per} ({unit}), "
                    f"reduction {_share_words(o.reduction)}"
                ]
            else:
                parts = [
                    f"change in probability {_share_words(o.probability_change)} "
                    f"per participant {per}, "
                    f"unit cost {value_words(o.unit_cost)} ({unit})"
                ]
            _profile_words(o, parts)
            parts.append(f"deadweight {_share_words(o.deadweight)}")
            if _nonzero(o.attribution):
                parts.append(f"attribution {_share_words(o.attribution)}")
            if _nonzero(o.displacement):
                parts.append(f"displacement {_share_words(o.displacement)}")
            out[f"{base}.outcomes.{k}"] = "; ".join(parts)
    return out


def _sentences(text: str) -> list[str]:
    text = " ".join(str(text).split())
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", text) if s.strip()]


# -- words for numbers -------------------------------------------------------------------------


def money(x: float, currency: str = "GBP") -> str:
    """Money in words for a sentence, to three significant figures.

    >>> money(15_800_000), money(-2_674_867), money(464_123, "USD"), money(347.5), money(0)
    ('£15.8 million', '-£2.67 million', '$464,000', '£348', '£0')
    """
    if x is None or not math.isfinite(x):
        return "not defined"
    sign = "-" if x < 0 and round(abs(x)) > 0 else ""
    a = abs(float(x))
    sym = symbol(currency)
    if a >= 1e9:
        return f"{sign}{sym}{_sig3(a / 1e9)} billion"
    if a >= 1e6:
        return f"{sign}{sym}{_sig3(a / 1e6)} million"
    if a == 0:
        return f"{sym}0"
    digits = 2 - int(math.floor(math.log10(a)))
    return f"{sign}{sym}{round(a, min(digits, 0)):,.0f}"


def _sig3(v: float) -> str:
    """1.234 -> '1.23', 15.83 -> '15.8', 158.3 -> '158' (three significant figures)."""
    digits = max(0, 2 - int(math.floor(math.log10(v)))) if v > 0 else 0
    return f"{round(v, digits):,.{digits}f}"


def share(x: float) -> str:
    """A share as a whole percentage, never 0% or 100% unless exactly so.

    >>> share(0.523), share(0.999), share(0.0004), share(1.0)
    ('52%', 'over 99%', 'under 1%', '100%')
    """
    if x >= 1:
        return "100%"
    if x <= 0:
        return "0%"
    if x > 0.99:
        return "over 99%"
    if x < 0.01:
        return "under 1%"
    return f"{x:.0%}"


def agency_name(label: str) -> str:
    """An agency identifier in words: 'adult_social_care' -> 'adult social care', 'nhs' -> 'NHS'."""
    words = str(label).replace("_", " ").split()
    return " ".join(w.upper() if w.lower() in _ACRONYMS else w for w in words) or str(label)


def _listing(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _year(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


# -- per option ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The figures the summary and recommendation state for one option."""

    name: str
    currency: str
    horizon: int
    pv_costs: float
    pv_benefits: float
    npv: float
    payback: float
    discounted_payback: float
    fiscal_npv: float
    fiscal_bcr: float | None
    split: dict[str, float]
    draws: int = 1
    npv_low: float = math.nan
    npv_high: float = math.nan
    prob_positive: float = math.nan
    prob_payback: float = math.nan
    spread: bool = True
    fiscal_low: float = math.nan
    fiscal_high: float = math.nan
    prob_fiscal_positive: float = math.nan
    fiscal_spread: bool = True


def fiscal_npv_draws(run: Result) -> np.ndarray:
    """NPV on cashable savings alone in each draw: the PV of each draw's fiscal (cashable)
    benefit lines less its cost lines (``Result.line_pv``)."""
    if not len(run.lines):
        return np.zeros(run.draws)
    is_cost = (run.lines["kind"] == "cost").to_numpy()
    fiscal = (run.lines["value_type"] == "fiscal").to_numpy() & ~is_cost
    return run.line_pv[:, fiscal].sum(axis=1) - run.line_pv[:, is_cost].sum(axis=1)


def _spread(x: np.ndarray) -> bool:
    return bool(np.ptp(x) > 1e-9 * max(1.0, float(np.max(np.abs(x)))))


def verdict(result: Result, name: str, run: Result | None = None, ci: float = 0.90) -> Verdict:
    """The headline figures of one option: from ``result`` (central values) and, when given,
    the probabilistic ``run`` of the same option (its interval, P(NPV > 0), P(pays back))."""
    s = result.summary()
    fiscal = result.fiscal_summary()
    extra: dict[str, Any] = {}
    if run is not None and run.draws > 1:
        npv = run.metric("npv")[:, 0]
        q = (5, 95) if ci == 0.90 else (2.5, 97.5)
        extra = {
            "draws": run.draws,
            "npv_low": float(np.percentile(npv, q[0])),
            "npv_high": float(np.percentile(npv, q[1])),
            "prob_positive": float(np.mean(npv > 0)),
            "prob_payback": run.prob_pays_back("payback_year") or math.nan,
            "spread": _spread(npv),
        }
        cash = fiscal_npv_draws(run)
        extra.update(
            {
                "fiscal_low": float(np.percentile(cash, q[0])),
                "fiscal_high": float(np.percentile(cash, q[1])),
                "prob_fiscal_positive": float(np.mean(cash > 0)),
                "fiscal_spread": _spread(cash),
            }
        )
    return Verdict(
        name,
        result.currency,
        result.horizon,
        float(s["pv_costs"]),
        float(s["pv_benefits"]),
        float(s["npv"]),
        _year(s["payback_year"]),
        _year(s["discounted_payback_year"]),
        float(fiscal["fiscal_npv"] if fiscal["fiscal_npv"] is not None else math.nan),
        fiscal["fiscal_bcr"],
        result.value_split(),
        **extra,
    )


def _pays_back(v: Verdict) -> str:
    """'pays back in year 7 (year 8 once discounted)' and its variants."""
    p, d = v.payback, v.discounted_payback
    if v.pv_costs <= 0:
        return "has no costs, so it is a net gain from the first year"
    if math.isnan(p) and math.isnan(d):
        return f"does not pay back within the {v.horizon}-year horizon"
    if math.isnan(d):
        return (
            f"pays back in year {int(p)} before discounting, but not within the {v.horizon}-year "
            "horizon once discounted"
        )
    if math.isnan(p):  # possible only with negative discount rates
        return f"pays back in year {int(d)} once discounted, but not before discounting"
    if int(p) == int(d):
        return f"pays back in year {int(p)}, before and after discounting"
    return f"pays back in year {int(p)} ({int(d)} once discounted)"


def _npv_clause(v: Verdict, ci: float) -> str:
    c = v.currency
    text = (
        f"its net present value is {money(v.npv, c)} ({money(v.pv_benefits, c)} of benefits "
        "against "
        f"{money(v.pv_costs, c)} of costs, at central values"
    )
    if v.draws > 1:
        if not v.spread:
            text += f"; the same in all {v.draws:,} draws, as no uncertain input reaches it)"
        else:
            text += (
                f"; {ci:.0%} interval {money(v.npv_low, c)} to {money(v.npv_high, c)} over "
                f"{v.draws:,} draws, positive in {share(v.prob_positive)} of them)"
            )
    else:
        text += ")"
    return text


def _value_sentence(v: Verdict, ci: float = 0.90) -> str:
    c = v.currency
    total = v.pv_benefits
    if total <= 0:
        return "It has no benefits to count."
    cash = v.split.get("fiscal", 0.0)
    others = [
        (money(v.split[k], c), w)
        for k, w in (
            ("fiscal_noncashable", "non-cashable fiscal"),
            ("economic", "wider economic"),
            ("social", "social"),
        )
        if abs(v.split.get(k, 0.0)) > 1e-9 * max(1.0, abs(total))
    ]
    if abs(cash) <= 1e-9 * max(1.0, abs(total)):
        text = f"None of its {money(total, c)} of benefits is a cashable saving to a public budget"
    else:
        text = (
            f"Of its {money(total, c)} of benefits, {money(cash, c)} ({share(cash / total)}) "
            "is cashable: savings to public budgets"
        )
    if others:
        lead = "; it is " if abs(cash) <= 1e-9 * max(1.0, abs(total)) else "; the rest is "
        text += lead + _listing([f"{m} {w} value" for m, w in others])
    if v.pv_costs > 0 and abs(cash) > 1e-9 * max(1.0, abs(total)):
        bcr = "" if v.fiscal_bcr is None else f", a benefit-cost ratio of {v.fiscal_bcr:.2f}"
        verb = "still pays back" if v.fiscal_npv >= 0 else "does not pay back"
        text += (
            f". On cashable savings alone it {verb}: NPV {money(v.fiscal_npv, c)}"
            f"{_fiscal_interval(v, ci)}{bcr}"
        )
    elif v.pv_costs > 0:
        text += f". On cashable savings alone its NPV is {money(v.fiscal_npv, c)}"
        text += _fiscal_interval(v, ci)
    return text + "."


def _fiscal_interval(v: Verdict, ci: float) -> str:
    """' (90% interval ... over N draws, positive in P of them)' for the cashable-only NPV."""
    if v.draws <= 1 or not v.fiscal_spread:
        return ""
    c = v.currency
    return (
        f" ({ci:.0%} interval {money(v.fiscal_low, c)} to {money(v.fiscal_high, c)} over "
        f"{v.draws:,} draws, positive in {share(v.prob_fiscal_positive)} of them)"
    )


def _who_sentence(result: Result) -> str:
    c = result.currency
    pos = result.agency_positions()
    funders = pos[pos["pv_costs_funded"] > 0].sort_values(
        "pv_costs_funded", ascending=False, kind="stable"
    )
    gainers = pos[pos["pv_benefits_gained"] > 0].sort_values(
        "pv_benefits_gained", ascending=False, kind="stable"
    )
    total_cost = float(pos["pv_costs_funded"].sum())
    parts = []
    if len(funders):
        top = funders.iloc[0]
        who = agency_name(top["agency"])
        if len(funders) == 1:
            parts.append(f"{who} funds all {money(total_cost, c)} of the costs")
        else:
            rest = [
                f"{agency_name(r['agency'])} {money(r['pv_costs_funded'], c)}"
                for _, r in funders.iloc[1:3].iterrows()
            ]
            more = (
                f"{len(funders) - 3} other{'s' if len(funders) > 4 else ''}"
                if len(funders) > 3
                else ""
            )
            parts.append(
                f"{who} carries the largest share of the costs, {money(top['pv_costs_funded'], c)} "
                f"of {money(total_cost, c)} ({share(top['pv_costs_funded'] / total_cost)}; "
                f"{_listing(rest + ([more] if more else []))})"
            )
        be, dbe = top["break_even_year"], top["discounted_break_even_year"]
        if pd.isna(be) and pd.isna(dbe):
            gains = top["pv_benefits_gained"]
            own = (
                f"it gains {money(gains, c)} itself, so its own budget never breaks even"
                if gains > 0
                else "it gains nothing itself, so its own budget never breaks even"
            )
            others = float(pos.loc[pos["agency"] != top["agency"], "pv_benefits_gained"].sum())
            parts.append(own + (" and the savings fall to others" if others > 0 else ""))
        elif pd.isna(dbe):
            parts.append(
                f"its own budget breaks even in year {int(be)} before discounting, "
                "but not once discounted"
            )
        else:
            parts.append(
                f"its own budget breaks even in year {int(be)} ({int(dbe)} once discounted)"
            )
    gain_total = float(pos["pv_benefits_gained"].sum())
    if len(gainers):
        top3 = [
            f"{agency_name(r['agency'])} ({money(r['pv_benefits_gained'], c)})"
            for _, r in gainers.iloc[:3].iterrows()
        ]
        lead = "The gains fall mainly to " if len(gainers) > 3 else "The gains fall to "
        tail = (
            f", {share(float(gainers['pv_benefits_gained'].iloc[:3].sum()) / gain_total)} "
            "of all gains"
            if len(gainers) > 3 and gain_total > 0
            else ""
        )
        gains_text = lead + _listing(top3) + tail
    else:
        gains_text = "No agency gains"
    if not parts:
        return "Who pays and who gains: no agency funds a cost. " + gains_text + "."
    return "Who pays and who gains: " + "; ".join(parts) + ". " + gains_text + "."


def _who_key(result: Result) -> tuple:
    """What the who-pays sentence turns on: the largest funder and whether its budget breaks
    even."""
    pos = result.agency_positions()
    funders = pos[pos["pv_costs_funded"] > 0].sort_values(
        "pv_costs_funded", ascending=False, kind="stable"
    )
    if not len(funders):
        return ("none",)
    top = funders.iloc[0]
    gainers = pos.sort_values("pv_benefits_gained", ascending=False, kind="stable")["agency"].iloc[
        :3
    ]
    return (
        top["agency"],
        pd.isna(top["break_even_year"]),
        pd.isna(top["discounted_break_even_year"]),
        tuple(gainers),
    )


def _caveats(
    results: Sequence[Result],
    names: Sequence[str],
    contexts: Sequence[Context | None],
    limit: int = 3,
) -> list[str]:
    out: list[str] = []
    # Evidence strength comes first where the scenarios state their evidence; where none does,
    # a short caveat comes last, after the ones the files do support.
    stated = any(e["design"] for ctx in contexts if ctx for e in ctx.evidence.values())
    evidence = _evidence_caveat(results, names, contexts) if stated else None
    if evidence:
        out.append(evidence)
    foreign = list(dict.fromkeys(f for ctx in contexts if ctx for f in ctx.foreign))
    if foreign:
        names = _listing([f"{n} ({cur})" for n, cur in foreign])
        home = results[0].currency
        out.append(
            f"Caveat, transferred evidence: figures for {names} come from another country's "
            "currency "
            f"and services, converted to {home}; whether the effects carry over here is an "
            "assumption."
        )
    found: list[tuple[str, str]] = []
    for r in results:
        for note in r.notes:
            if note.startswith("Benefits entered gross"):
                found += re.findall(r"\(([^()]*?), (\d+% of PV benefits)\)", note)
    # Each outcome once, with its first share.
    gross = list({n: (n, p) for n, p in reversed(found)}.values())[::-1]
    if gross:
        items = _listing([f"{n} ({p})" for n, p in gross[:3]]) + (
            f" and {len(gross) - 3} more" if len(gross) > 3 else ""
        )
        out.append(
            f"Caveat, gross savings: benefits are entered with no deadweight stated for {items}, "
            "so savings may be over-claimed."
        )
    flagged = list(dict.fromkeys(s for ctx in contexts if ctx for s in ctx.assumptions))
    if flagged:
        first = _flagged_clause(flagged)
        count = (
            f"{len(flagged)} statements as assumptions"
            if len(flagged) > 1
            else "1 statement as an assumption"
        )
        out.append(
            f"Caveat, assumptions: the scenario's description and notes flag {count}, "
            f"for example \u201c{first}\u201d."
        )
    if not stated and any(ctx for ctx in contexts):
        out.append(
            "Caveat, evidence strength: no intervention states the study design behind its "
            "effects (its evidence), so their strength is unknown."
        )
    return out[:limit]


def _flagged_clause(flagged: Sequence[str]) -> str:
    """The first clause that flags an assumption and reads on its own (25-140 characters)."""
    clauses = [c.strip().strip("().").strip() for s in flagged for c in re.split(r"[:;]| - ", s)]
    clauses = [c for c in clauses if _FLAGGED.search(c)]
    for c in clauses:
        if len(c.split()) >= 8 and len(c) <= 140 and c.count("(") == c.count(")"):
            return c
    first = clauses[0] if clauses else flagged[0]
    return first if len(first) <= 140 else first[:137].rsplit(" ", 1)[0] + "…"


# -- evidence strength ----------------------------------------------------------------------------

#: Each study design in words, strongest first (see ``scenario.Evidence``).
DESIGN_WORDS = {
    "randomised": "randomised trials",
    "quasi_experimental": "controlled comparison",
    "uncontrolled": "uncontrolled comparison",
    "modelled": "modelled",
    "opinion": "expert judgement",
    None: "not stated",
}
#: Designs whose effects are not measured against a comparison: the evidence-strength caveat.
WEAK = ("modelled", "opinion", None)


def benefit_shares(result: Result) -> dict[str, float]:
    """Each intervention's share of the option's PV benefits (mean flows), by intervention id."""
    if not len(result.lines):
        return {}
    pv = result.flows @ result.factors
    gains = (result.lines["kind"] != "cost").to_numpy()
    by = pd.Series(pv[gains], index=result.lines["intervention"].to_numpy()[gains])
    by = by.groupby(level=0, sort=False).sum()
    total = float(by.sum())
    return {str(k): float(v) / total for k, v in by.items()} if total > 0 else {}


def _design_shares(result: Result, ctx: Context) -> list[tuple[str | None, float, list[str]]]:
    """(design, share of PV benefits, intervention names) for each design, strongest first."""
    shares = benefit_shares(result)
    out: dict[str | None, tuple[float, list[str]]] = {}
    for iv, share_ in shares.items():
        ev = ctx.evidence.get(iv, {"name": iv, "design": None})
        total, names = out.get(ev["design"], (0.0, []))
        out[ev["design"]] = (total + share_, names + [ev["name"]])
    # A design carrying under half a per cent of the benefits (an intervention a variant
    # switches off) is left out.
    return [(d, *out[d]) for d in DESIGN_WORDS if d in out and out[d][0] >= 0.005]


def evidence_words(result: Result, ctx: Context | None) -> str:
    """The evidence behind an option, for a table cell: its study design (with where the
    evidence comes from and any published rating) or, for several interventions, each design's
    share of the benefits, strongest first: "randomised trials 37%; modelled 63%"."""
    if ctx is None or not ctx.evidence:
        return "not stated"
    designs = _design_shares(result, ctx)
    if len(ctx.evidence) == 1 or len(designs) == 1:
        ev = next(iter(ctx.evidence.values()))
        if len(ctx.evidence) > 1:  # several interventions, one design
            ev = {"design": designs[0][0] if designs else None}
        text = DESIGN_WORDS[ev.get("design")]
        if ev.get("setting"):
            text += f" ({ev['setting']})"
        if ev.get("rating"):
            text += f"; rated {ev['rating']}"
        return _cap(text)
    return _cap("; ".join(f"{DESIGN_WORDS[d]} {share(v)}" for d, v, _ in designs))


def _evidence_caveat(
    results: Sequence[Result], names: Sequence[str], contexts: Sequence[Context | None]
) -> str | None:
    """The evidence-strength caveat: the option whose benefits rest most on effects that were
    modelled, judged or not stated (at least a quarter of them), with the interventions."""
    worst: tuple[float, str, list[tuple[str | None, float, list[str]]]] | None = None
    for r, n, ctx in zip(results, names, contexts):
        if ctx is None or not ctx.evidence:
            continue
        weak = [x for x in _design_shares(r, ctx) if x[0] in WEAK]
        amount = sum(v for _, v, _ in weak)
        if amount >= 0.25 and (worst is None or amount > worst[0]):
            worst = (amount, n, weak)
    if worst is None:
        return None
    amount, name, weak = worst
    kinds = [
        {"modelled": "modelled", "opinion": "judged"}.get(str(d), "not stated") for d, _, _ in weak
    ]
    how = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]
    ivs = [x for _, _, names_ in weak for x in names_]
    whose = f"of {name} " if len(results) > 1 else ""
    return (
        f"Caveat, evidence strength: {share(amount)} of the benefits {whose}rest on effects "
        f"that are {how}, not measured against a comparison group "
        f"({_listing(ivs[:4])}{' and others' if len(ivs) > 4 else ''})."
    )


def summary_sentences(
    results: Sequence[Result],
    names: Sequence[str] | None = None,
    runs: Sequence[Result | None] | None = None,
    contexts: Sequence[Context | None] | None = None,
    ci: float = 0.90,
) -> list[str]:
    """The summary in plain sentences, generated from the results.

    Parameters
    ----------
    results : each option's run at central values (deterministic).
    names : each option's label (default: each result's name).
    runs : each option's probabilistic run (``None`` for none), for intervals and probabilities.
    contexts : each option's :class:`Context` (its flagged assumptions and foreign evidence).
    ci : the interval, 0.90 or 0.95.

    Returns
    -------
    list of str: per option, whether and when it pays back with its NPV, how much of the benefit
    is cashable, who pays and who gains (once for options that share the same answer), after a first
    sentence saying which option is best (several options); then at most
    three caveats.
    """
    results = list(results)
    names = list(names) if names is not None else [r.name for r in results]
    runs = list(runs) if runs is not None else [None] * len(results)
    contexts = list(contexts) if contexts is not None else [None] * len(results)
    verdicts = [verdict(r, n, run, ci) for r, n, run in zip(results, names, runs)]
    out: list[str] = []
    said: set[tuple] = set()
    if len(verdicts) > 1 and len({(r.currency, r.price_year, r.horizon) for r in results}) == 1:
        best = max(verdicts, key=lambda v: v.npv)
        fbest = max(verdicts, key=lambda v: v.fiscal_npv)
        text = (
            f"Of the {len(verdicts)} options, {best.name} has the highest NPV "
            f"({money(best.npv, best.currency)})"
        )
        if fbest is best and fbest.fiscal_npv >= 0:
            text += ", and also on cashable savings alone"
        elif fbest is best:
            text += (
                "; it is also the least negative on cashable savings alone, on which no option "
                "pays back"
            )
        else:
            text += (
                f"; on cashable savings alone {fbest.name} does best "
                f"({money(fbest.fiscal_npv, fbest.currency)})"
            )
        out.append(text + ".")
    for r, v, run in zip(results, verdicts, runs):
        sentence = f"{v.name} {_pays_back(v)}; {_npv_clause(v, ci)}."
        if v.draws > 1 and v.spread and not math.isnan(v.prob_payback) and v.pv_costs > 0:
            sentence += (
                " It pays back within the horizon in every draw."
                if v.prob_payback >= 1
                else f" It pays back within the horizon in {share(v.prob_payback)} of draws "
                "(a draw that never pays back counted as beyond the horizon)."
            )
        out.append(sentence)
        out.append(_value_sentence(v, ci))
        who = _who_sentence(r)
        key = _who_key(r)
        if key not in said:  # a variant with the same budget carrying the cost adds nothing new
            out.append(who)
            said.add(key)
        fair = _fairness_sentence(r, v.name, run)
        if fair:
            out.append(fair)
    out += _caveats(results, names, contexts)
    return out


def _fairness_sentence(r: Result, name: str, run: Result | None = None) -> str:
    """Who gains by income group, in one sentence (the fairness lens, when the scenario has it),
    with the weighted NPV's interval over the draws of ``run`` when given."""
    eq = r.equity
    if eq is None:
        return ""
    drawn = run.equity if run is not None and run.draws > 1 else None
    how = f"Green Book weights, eta {eq.eta:g}" if eq.eta is not None else "the scenario's weights"
    text = (
        f"Weighted for who gains ({how}), the net present value of {name} is "
        f"{money(eq.weighted_npv, r.currency)} "
        f"against {money(eq.npv, r.currency)} unweighted"
    )
    interval = drawn.weighted_npv_interval if drawn is not None else None
    if drawn is not None and interval is not None:
        lo, hi = interval
        if hi - lo <= 1e-9 * max(1.0, abs(hi)):
            text += f" (the same in all {drawn.draws:,} draws)"
        else:
            text += (
                f" (weighted, 90% interval {money(lo, r.currency)} to {money(hi, r.currency)} "
                f"over {drawn.draws:,} draws, positive in {share(drawn.p_weighted_positive)} of "
                "them)"
            )
    if math.isfinite(eq.share_poorest_fifth):
        text += (
            f"; {share(eq.share_poorest_fifth)} of the net benefit reaching households "
            "goes to the poorest fifth"
        )
    return text + "."


# -- the recommendation ----------------------------------------------------------------------------


def _reason(v: Verdict, best: Verdict, several: bool) -> str:
    c = v.currency
    reasons = []
    if v.npv <= 0:
        reasons.append("costs more than it returns")
    elif several and v is best:
        reasons.append("highest NPV")
    elif several:
        reasons.append(f"NPV {money(best.npv - v.npv, c)} below {best.name}")
    else:
        reasons.append("returns more than it costs")
    if v.pv_costs <= 0:
        reasons.append("no costs")
    elif math.isnan(v.payback):
        reasons.append("does not pay back within the horizon")
    if v.npv > 0 and v.pv_costs > 0:
        reasons.append(
            "pays back on cashable savings alone"
            if v.fiscal_npv >= 0
            else "pays back only with wider economic and social value"
        )
    if v.draws > 1 and v.spread and v.prob_positive < UNCERTAIN:
        reasons.append(f"uncertain: NPV positive in {share(v.prob_positive)} of draws")
    return _cap("; ".join(reasons))


def recommendation_table(
    results: Sequence[Result],
    names: Sequence[str] | None = None,
    runs: Sequence[Result | None] | None = None,
    ci: float = 0.90,
    contexts: Sequence[Context | None] | None = None,
) -> Table:
    """Each option in a row: NPV (with its interval when draws were run), NPV on cashable savings
    alone, payback years, P(NPV > 0) and P(pays back within the horizon), the evidence behind it
    (study design by share of benefits, from each intervention's ``evidence``), and the reason."""
    results = list(results)
    names = list(names) if names is not None else [r.name for r in results]
    runs = list(runs) if runs is not None else [None] * len(results)
    contexts = list(contexts) if contexts is not None else [None] * len(results)
    verdicts = [verdict(r, n, run, ci) for r, n, run in zip(results, names, runs)]
    best = max(verdicts, key=lambda v: v.npv)
    probabilistic = any(v.draws > 1 for v in verdicts)
    lo, hi = ("p05", "p95") if ci == 0.90 else ("p025", "p975")
    rows = []
    words: dict[tuple[int, str], str] = {}
    for i, v in enumerate(verdicts):
        row: dict[str, Any] = {"option": v.name, "npv": v.npv}
        if probabilistic:
            row[lo], row[hi] = v.npv_low, v.npv_high
        row["fiscal_npv"] = v.fiscal_npv
        if probabilistic:
            row[f"fiscal_{lo}"], row[f"fiscal_{hi}"] = v.fiscal_low, v.fiscal_high
        row.update(
            {
                "payback_year": v.payback,
                "discounted_payback_year": v.discounted_payback,
            }
        )
        if probabilistic:
            row["prob_npv_positive"] = v.prob_positive
            row["prob_pays_back"] = v.prob_payback
            if v.draws > 1 and not v.spread:
                words[(i, "prob_npv_positive")] = "no spread"
                words[(i, "prob_pays_back")] = "no spread"
        row["evidence"] = evidence_words(results[i], contexts[i])
        row["reason"] = _reason(v, best, len(verdicts) > 1)
        for key in ("payback_year", "discounted_payback_year"):
            if math.isnan(row[key]):
                words[(i, key)] = "never"
        rows.append(row)
    frame = pd.DataFrame(rows)
    kinds: dict[str, Kind] = {
        "option": "text",
        "npv": "money",
        lo: "money",
        hi: "money",
        "fiscal_npv": "money",
        f"fiscal_{lo}": "money",
        f"fiscal_{hi}": "money",
        "payback_year": "year",
        "discounted_payback_year": "year",
        "prob_npv_positive": "probability",
        "prob_pays_back": "probability",
        "evidence": "text",
        "reason": "text",
    }
    kinds = {k: kinds[k] for k in frame.columns}
    r0 = results[0]
    note = (
        "NPV at central values; cashable savings: benefits of value type fiscal only. "
        "Payback years "
        'count from year 0; "never": not within the horizon. Evidence: the study design behind '
        "the effects (for several interventions, each design's share of PV benefits), as each "
        "intervention's evidence states it."
    )
    if probabilistic:
        draws = max(v.draws for v in verdicts)
        note += (
            f" Interval ({ci:.0%}) and probabilities over {draws:,} draws; "
            "a draw that never pays back "
            'counts as beyond the horizon. "No spread": no uncertain input reaches the figure.'
        )
    return Table(
        "recommendation",
        "Recommendation",
        frame,
        kinds,
        r0.currency,
        r0.price_year,
        note,
        words=words,
        intervals=(
            {"npv": (lo, hi), "fiscal_npv": (f"fiscal_{lo}", f"fiscal_{hi}")}
            if probabilistic
            else {}
        ),
        sideways=False,
    )
