"""Results -> named tables, and the rounding policy: the only place numbers become text.

A :class:`Table` keeps its numbers unrounded in ``frame`` (for CSV and XLSX, which keep full
precision) and says what each column holds in ``kinds``; :meth:`Table.formatted` turns it into
text for the terminal, Markdown, HTML and Word, with money rounded as the reader chooses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import vocabulary
from ..comparison import Comparison
from ..result import Result

# Kinds of figure: "amount" is money in a currency named in another column (a table mixing
# currencies); "number" an input's own value (a share, a unit cost, a count), to 4 figures.
from ..vocabulary import Kind

Rounding = Literal["unit", "sig3", "thousand"]

SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}

LABELS = {
    **{m.key: m.label for m in vocabulary.BY_KEY.values()},
    "costs": "Costs",
    "benefits": "Benefits",
    "net": "Net",
    "discount_factor": "Discount factor",
    "pv_net": "PV net",
    "cumulative_pv_net": "Cumulative PV net",
    "pv_costs_funded": "PV costs funded",
    "pv_benefits_gained": "PV benefits gained",
    "intervention": "Intervention",
    "layer": "Layer",
    "agency": "Agency",
    "year": "Year",
    "npv_low": "NPV at low",
    "npv_high": "NPV at high",
    "low_value": "Low value",
    "high_value": "High value",
    "central": "Central value",
    "swing": "Swing in NPV",
    "switching_value": "Switching value",
    "change": "Change from central",
    "discounting": "Discounting",
    "current": "",
    "mean": "Mean NPV",
    "median": "Median NPV",
    **vocabulary.INTERVAL_LABELS,
    "draws": "Draws",
    "option": "Option",
    "mean_npv": "Mean NPV",
    "prob_best": "P(highest NPV)",
    "payback_years_since_entry": "Payback (yrs)",
    "discounted_payback_years_since_entry": "Disc. payback (yrs)",
    "outcome": "Outcome",
    "unit": "Counted",
    "events_avoided": "Avoided over the horizon",
    "cost_per_event_avoided": "Cost per one avoided",
    "entry_year": "Entry year",
    "npv_from_entry": "NPV from entry",
    "fiscal_npv": "NPV, cashable savings only",
    "fiscal_bcr": "BCR, cashable savings only",
    "pv_fiscal_benefits": "PV cashable savings",
    "prob_pays_back": "P(pays back in horizon)",
    "evidence": "Evidence",
    "weighted_npv": "Weighted NPV",
    "share_poorest_fifth": "Share to the poorest fifth",
    "eta_swap_with_first": "Eta at which it swaps with the first",
    "qalys": "QALYs",
    "ede_change_atkinson_total": "Change in EDE, Atkinson (QALYs)",
    "ede_change_kolm_total": "Change in EDE, Kolm (QALYs)",
    "atkinson_aversion_swap_with_first": "Swaps with the first at Atkinson aversion",
    "kolm_aversion_swap_with_first": "Swaps with the first at Kolm aversion",
    "reason": "Reason",
    "funder": "Funded by",
    "beneficiary": "Gains",
    "cashable": "Cashable savings",
    "other": "Other value",
    "break_even_year": "Budget breaks even (year)",
    "discounted_break_even_year": "Breaks even, discounted",
    "cumulative_net": "Cumulative net",
    "fiscal_benefits": "Cashable savings",
}

METRIC_KINDS: dict[str, Kind] = {
    **{m.key: m.kind for m in vocabulary.BY_KEY.values()},
    "costs": "money",
    "benefits": "money",
    "net": "money",
    "discount_factor": "factor",
    "pv_net": "money",
    "cumulative_pv_net": "money",
    "year": "year",
    "payback_years_since_entry": "year",
    "discounted_payback_years_since_entry": "year",
    "events_avoided": "count",
    "cost_per_event_avoided": "money",
    "entry_year": "year",
    "fiscal_npv": "money",
    "fiscal_bcr": "ratio",
    "pv_fiscal_benefits": "money",
    "prob_pays_back": "probability",
    "break_even_year": "year",
    "discounted_break_even_year": "year",
    "cumulative_net": "money",
    "fiscal_benefits": "money",
    "cashable": "money",
    "other": "money",
}


def symbol(currency: str) -> str:
    """The sign written before money in ``currency`` (the ISO code and a space if none)."""
    return SYMBOLS.get(currency, currency + " ")


def round_money(x: float, rounding: Rounding = "unit") -> float:
    """Round money for presentation: to whole units, three significant figures, or thousands.

    >>> round_money(1234567.8, "sig3"), round_money(1234567.8, "thousand"), round_money(-0.4)
    (1230000.0, 1235000.0, 0.0)
    """
    if rounding == "unit":
        return float(round(x))
    if rounding == "thousand":
        return float(round(x, -3))
    if x == 0:
        return 0.0
    digits = 2 - int(math.floor(math.log10(abs(x))))
    return float(round(x, digits))


def fmt(
    value: float | int | str | None, kind: Kind, currency: str = "GBP", rounding: Rounding = "unit"
) -> str:
    """One figure as text, by its kind; undefined figures (None, NaN) as an en dash.

    >>> fmt(-1234567.8, "money"), fmt(2.456, "ratio"), fmt(0.0351, "percent"), fmt(None, "year")
    ('-£1,234,568', '2.46', '3.5%', '–')
    >>> fmt(-0.4, "money"), fmt(-0.4, "money", rounding="sig3"), fmt(
    ...     1234.5, "money", "USD", "thousand"
    ... )
    ('-£0.40', '£0', '$1,000')
    """
    if kind == "text":
        return "" if value is None else str(value)
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))
    ):
        return "–"
    v = float(value)
    if kind == "money":
        r = round_money(v, rounding)
        if rounding == "unit" and abs(v) < 100 and r != v:  # small sums keep their pence
            return f"{'-' if v < 0 else ''}{symbol(currency)}{abs(v):,.2f}"
        return f"{'-' if round(r) < 0 else ''}{symbol(currency)}{abs(r):,.0f}"
    if kind == "amount":
        return f"{round_money(v, rounding):,.0f}"
    if kind == "ratio":
        return f"{v:,.2f}"
    if kind == "percent":
        return f"{v:.1%}"
    if kind == "probability":
        return f"{v:.0%}"
    if kind == "year":
        return f"{int(round(v))}"
    if kind == "count":
        return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 or abs(v) >= 100 else f"{v:,.1f}"
    if kind == "factor":
        return f"{v:.4f}"
    if kind == "number":
        if abs(v) >= 1000:
            return f"{v:,.0f}" if abs(v) < 1e15 else f"{v:.4g}"
        return f"{v:.4g}"
    return str(value)


@dataclass
class Table:
    """A named table: unrounded numbers plus what each column holds."""

    name: str  # file-safe slug, e.g. "interventions"
    title: str
    frame: pd.DataFrame
    kinds: dict[str, Kind] = field(default_factory=dict)
    currency: str = "GBP"
    price_year: int | None = None
    note: str = ""
    marks: set[tuple[int, str]] = field(default_factory=set)  # (row, column) cells to mark as best
    #: (row, column) cells shown in words instead of their figure ("never", "no spread",
    #: "n/a: net gain from the first year"); CSV and Excel keep the figure (empty if undefined).
    words: dict[tuple[int, str], str] = field(default_factory=dict)
    #: column -> its (low, high) columns: the text writers show "figure (low to high)" in one
    #: cell and leave the low and high columns out; CSV and Excel keep all three.
    intervals: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Whether a wide table with few rows may be turned on its side by the text writers (not a
    #: table whose text columns are long sentences, such as the recommendation's reasons).
    sideways: bool = True

    def shown(self) -> list[str]:
        """The columns the text writers (terminal, Markdown, HTML, Word) show."""
        inner = {c for pair in self.intervals.values() for c in pair}
        return [c for c in self.frame.columns if c not in inner]

    def formatted(self, rounding: Rounding = "unit", units: bool = True) -> pd.DataFrame:
        """The table as text, with human column headers (money headers name the currency
        and price year unless ``units`` is False, for a caller that puts them in the title)."""
        out = pd.DataFrame(index=range(len(self.frame)))
        for col in self.shown():
            kind = self.kinds.get(col, "text")
            cells = [
                self.words.get((i, col))
                or fmt(v, kind, self.currency, rounding) + (" *" if (i, col) in self.marks else "")
                for i, v in enumerate(self.frame[col])
            ]
            header = self.header(col, units)
            if col in self.intervals:
                lo, hi = self.intervals[col]
                cells = [
                    c
                    if (i, col) in self.words or pd.isna(a) or pd.isna(b)
                    else f"{c} (no spread)"
                    if a == b
                    else f"{c} ({fmt(a, kind, self.currency, rounding)} "
                    f"to {fmt(b, kind, self.currency, rounding)})"
                    for i, (c, a, b) in enumerate(zip(cells, self.frame[lo], self.frame[hi]))
                ]
                header = self.header(col, False) + f" ({self.interval_label})"
                if units and kind == "money" and self.price_year:
                    header += f" ({self.currency}, {self.price_year} prices)"
            out[header] = cells
        return out

    @property
    def interval_label(self) -> str:
        lo = next(iter(self.intervals.values()))[0] if self.intervals else "p05"
        return "95% interval" if lo == "p025" else "90% interval"

    def header(self, col: str, units: bool = True) -> str:
        label = LABELS.get(col, col.replace("_", " ").capitalize() if col.islower() else col)
        if units and self.kinds.get(col) == "money" and self.price_year:
            return f"{label} ({self.currency}, {self.price_year} prices)"
        return label

    def select(self, columns: list[str]) -> Table:
        """The same table with only ``columns`` (those it has), e.g. for a narrow terminal."""
        from dataclasses import replace

        keep = [c for c in columns if c in self.frame.columns]
        rows = {i for i, _ in self.marks}
        return replace(
            self,
            frame=self.frame[keep].copy(),
            kinds={c: self.kinds.get(c, "text") for c in keep},
            marks={(i, c) for i, c in self.marks if c in keep and i in rows},
            words={(i, c): w for (i, c), w in self.words.items() if c in keep},
            intervals={
                c: p for c, p in self.intervals.items() if c in keep and set(p) <= set(keep)
            },
        )

    def numeric_columns(self) -> list[str]:
        return [c for c in self.frame.columns if self.kinds.get(c, "text") != "text"]


def _metric_table(
    name: str, title: str, frame: pd.DataFrame, result: Result, first: Iterable[str]
) -> Table:
    frame = frame.reset_index()
    kinds: dict[str, Kind] = {c: "text" for c in first}
    kinds.update({c: METRIC_KINDS.get(c, "text") for c in frame.columns if c not in kinds})
    return Table(name, title, frame, kinds, result.currency, result.price_year)


def interventions_table(result: Result) -> Table:
    frame = result.by("intervention")
    return _metric_table(
        "interventions", "Each intervention", frame, result, ["intervention", "layer"]
    )


def layers_table(result: Result) -> Table:
    return _metric_table(
        "layers",
        "By layer (upstream, midstream, downstream)",
        result.by("layer"),
        result,
        ["layer"],
    )


def agencies_table(result: Result) -> Table:
    """Who funds and who gains: PV of costs each agency pays, PV of benefits it gains."""
    frame = result.by("agency")[["pv_costs", "pv_benefits", "npv"]].rename(
        columns={"pv_costs": "pv_costs_funded", "pv_benefits": "pv_benefits_gained", "npv": "net"}
    )
    if result.draws > 1:
        frame["prob_npv_positive"] = result.by("agency")["prob_npv_positive"]
    t = _metric_table("agencies", "Who pays and who gains, by agency", frame, result, ["agency"])
    t.kinds.update({"pv_costs_funded": "money", "pv_benefits_gained": "money", "net": "money"})
    return t


def years_table(result: Result, every: bool = True) -> Table:
    """Year-by-year cash flows; ``every=False`` keeps years 0–4, every fifth year, the last, and
    the payback years (undiscounted and discounted) with the year before each."""
    frame = result.cashflows()
    if not every and len(frame) > 12:
        years = frame["year"]
        keep = (years < 5) | (years % 5 == 0) | (years == years.max())
        s = result.summary()
        for key in ("payback_year", "discounted_payback_year"):
            if pd.notna(s[key]) and math.isfinite(float(s[key])):
                keep |= years.isin([int(s[key]) - 1, int(s[key])])
        frame = frame[keep].reset_index(drop=True)
    kinds = {c: METRIC_KINDS[c] for c in frame.columns}
    return Table(
        "years", "Year-by-year cash flows", frame, kinds, result.currency, result.price_year
    )


def summary_table(result: Result) -> Table:
    """The headline figures as rows (metric, value) — or mean/median/interval with draws."""
    if result.draws == 1:
        s = result.summary()
        frame = pd.DataFrame({"metric": [LABELS[k] for k in s.index], "value": s.to_numpy()})
        frame["kind"] = [METRIC_KINDS[k] for k in s.index]
        return Table(
            "summary",
            "Summary",
            frame,
            {"metric": "text", "value": "text"},
            result.currency,
            result.price_year,
        )
    dist = result.distribution("total")
    return Table(
        "summary",
        "Summary",
        dist,
        {c: "text" for c in dist.columns},
        result.currency,
        result.price_year,
    )


def headline(result: Result, rounding: Rounding = "unit") -> list[tuple[str, str]]:
    """(label, text) pairs for the headline panel: the full figures with the NPV and BCR on
    cashable savings alone beside them; IRR in words where it is no rate of return; payback
    "never" where it does not come within the horizon."""
    s = result.summary()
    fiscal = result.fiscal_summary()
    keys = [
        "npv",
        "fiscal_npv",
        "pv_costs",
        "pv_benefits",
        "bcr",
        "fiscal_bcr",
        "roi",
        "payback_year",
        "discounted_payback_year",
        "irr",
        "participants",
        "npv_per_participant",
        "npv_per_person",
    ]
    pairs = []
    for k in keys:
        value = fiscal[k] if k.startswith("fiscal_") else s[k]
        text = fmt(value, METRIC_KINDS[k], result.currency, rounding)
        if k == "irr":
            text = irr_words(result) or text
        elif k in ("payback_year", "discounted_payback_year"):
            text = _payback_text(result, k, text)
        pairs.append((LABELS[k], text))
    if result.draws > 1:
        pairs.append((LABELS["prob_npv_positive"], fmt(s["prob_npv_positive"], "probability")))
        prob = result.prob_pays_back("payback_year")
        if prob is not None:
            pairs.append((LABELS["prob_pays_back"], fmt(prob, "probability")))
    return pairs


def payback_over_draws(result: Result, key: str = "payback_year") -> np.ndarray:
    """A payback year in each draw, a draw that never pays back counted as beyond the horizon
    (infinity) rather than dropped; shape (draw,)."""
    a = np.asarray(result.metric(key)[:, 0], dtype=float)
    return np.where(np.isnan(a), np.inf, a)


def payback_percentile(years: np.ndarray, q: float) -> float:
    """The ``q``-th percentile of payback years over draws, a draw that never pays back being
    infinity (:func:`payback_over_draws`): numpy's linear method, except that a percentile
    falling between a year and a "never", or between two, is "never" (infinity) rather than the
    NaN of infinity minus infinity.

    Examples
    --------
    >>> payback_percentile(np.array([5.0, 7.0, np.inf, np.inf]), 50)
    inf
    >>> payback_percentile(np.array([5.0, 7.0, 8.0, np.inf]), 50)
    7.5
    >>> payback_percentile(np.array([5.0, 7.0, np.inf]), 50)
    7.0
    """
    ordered = np.sort(np.asarray(years, dtype=float))
    position = q / 100 * (ordered.size - 1)
    below = int(math.floor(position))
    t = position - below
    low = float(ordered[below])
    if t == 0:
        return low
    high = float(ordered[below + 1])
    if math.isinf(high):
        return math.inf
    return high - (high - low) * (1 - t) if t >= 0.5 else low + (high - low) * t


def _payback_text(result: Result, key: str, text: str) -> str:
    if result.draws == 1:
        return "never" if text == "–" else text
    median = float(np.median(payback_over_draws(result, key)))
    return "never (median)" if math.isinf(median) else f"{int(median)} (median)"


#: Years since entry at which the per-person table shows the cumulative discounted net benefit.
PERSON_YEARS = (1, 2, 5, 10, 20)


def per_person_table(result: Result) -> Table | None:
    """One participant of each intervention (entering in year 0): NPV from entry, the years
    after entry at which their cumulative net benefit turns non-negative for good, and the
    cumulative discounted net benefit after 1, 2, 5, 10 and 20 years (the per-person J-curve)."""
    lc = result.life_course
    if lc is None:
        return None
    frame = lc.person_summary().rename(columns={"npv_per_person": "npv_from_entry"})
    cumulative = lc.per_person()
    kinds: dict[str, Kind] = {
        "intervention": "text",
        "npv_from_entry": "money",
        "payback_years_since_entry": "year",
        "discounted_payback_years_since_entry": "year",
    }
    for k in PERSON_YEARS:
        if k < result.horizon:
            col = f"after {k} yr{'s' if k > 1 else ''}"
            frame[col] = cumulative[cumulative["years_since_entry"] == k - 1][
                "cumulative_pv_net"
            ].to_numpy()
            kinds[col] = "money"
    return Table(
        "per_person",
        "One participant over time: cumulative discounted net benefit",
        frame,
        kinds,
        result.currency,
        result.price_year,
        note="For one participant entering in year 0, discounted from entry, at central "
        "values; programme-level costs (setup, running) are not in it.",
    )


def events_table(result: Result) -> Table | None:
    """What the outcomes avoid, counted: events over the horizon and the cost per one avoided."""
    lc = result.life_course
    if lc is None or not lc.events:
        return None
    frame = lc.events_table(result.pv_costs_by_intervention())
    kinds: dict[str, Kind] = {
        "intervention": "text",
        "outcome": "text",
        "unit": "text",
        "events_avoided": "count",
        "cost_per_event_avoided": "money",
    }
    return Table(
        "events",
        "Events avoided",
        frame,
        kinds,
        result.currency,
        result.price_year,
        note="Cost per one avoided: the intervention's PV of costs ÷ the events avoided "
        "over the horizon (undiscounted), at central values.",
    )


def equity_table(result: Result) -> Table | None:
    """Who gains, by income (or deprivation) group: the fairness panel's table."""
    eq = result.equity
    if eq is None:
        return None
    frame = eq.table()
    kinds: dict[str, Kind] = {
        "group": "text",
        "participants": "count",
        "pv_benefits": "money",
        "pv_costs": "money",
        "net": "money",
        "net_per_participant": "money",
        "weight": "factor",
        "weighted_net": "money",
    }
    what = "income" if eq.groups == "income_quintiles" else "deprivation"
    return Table(
        "who_gains",
        f"Who gains, by {what} group",
        frame,
        kinds,
        result.currency,
        result.price_year,
        note=equity_sentences(result),
    )


def equity_sentences(result: Result) -> str:
    """The fairness panel's figures in words: weighted against plain NPV, the eta table and
    switching value, who is reached, and the shares reaching the poorest."""
    eq = result.equity
    if eq is None:
        return ""
    cur = result.currency
    money = lambda v: fmt(v, "money", cur)  # noqa: E731
    how = f"weights (y_ref / y_q)^{eq.eta:g}" if eq.eta is not None else "the scenario's weights"
    parts = [
        f"Equity-weighted NPV {money(eq.weighted_npv)} against {money(eq.npv)} unweighted "
        f"({how}; taxpayers, who fund costs and receive fiscal savings, have weight 1: "
        f"{money(eq.taxpayers)} net)."
    ]
    if eq.weighted_npv_interval is not None and eq.draws > 1:
        lo, hi = eq.weighted_npv_interval
        drawn = (
            " (" + ", ".join(_drawn_words(v) for v in eq.varying) + " drawn in each draw)"
            if eq.varying
            else ""
        )
        parts.append(
            f"Over {eq.draws:,} draws{drawn}: the weighted NPV is the same in every draw, as no "
            "uncertain input reaches it."
            if hi - lo <= 1e-9 * max(1.0, abs(hi))
            else f"Over {eq.draws:,} draws{drawn}: weighted NPV 90% interval {money(lo)} to "
            f"{money(hi)}, positive in {eq.p_weighted_positive:.0%} of draws."
        )
        parts += eq.draw_notes
    if eq.eta_table:
        parts.append(
            "At eta " + ", ".join(f"{e:g}: {money(v)}" for e, v in eq.eta_table.items()) + "."
        )
        s = eq.eta_switching_value
        parts.append(
            f"The weighted NPV changes sign at eta {s:.2f}."
            if math.isfinite(s)
            else "The weighted NPV keeps its sign for every eta from 0 to 10."
        )
    if math.isfinite(eq.share_poorest_fifth):
        parts.append(
            f"{eq.share_poorest_fifth:.0%} of the net benefit reaching groups goes to the "
            f"poorest fifth, {eq.share_poorest_two_fifths:.0%} to the poorest two fifths; "
            f"concentration index {eq.concentration_index:+.2f} (negative: pro-poor)."
        )
    for t in eq.targeting:
        shares = lambda xs: ", ".join(f"{x:.0%}" for x in xs)  # noqa: E731
        parts.append(
            f"Targeting, {t['intervention']} (poorest group first): participants "
            f"{shares(t['participant_shares'])}; benefits {shares(t['benefit_shares'])}."
        )
    if eq.health is not None:
        parts.append(health_sentence(eq.health))
    defaults = sum(1 for r in eq.reaches if r["default"])
    if defaults:
        parts.append(
            f"{defaults} of {len(eq.reaches)} flows use the default reach: costs and fiscal "
            "savings reach taxpayers; economic and social value reaches participants."
        )
    parts += eq.notes
    return " ".join(parts)


def _drawn_words(path: str) -> str:
    """A fairness input drawn per draw, in words: 'eta', 'the weights', 'nfp's reach'."""
    if path == "fairness.eta":
        return "eta"
    if path == "fairness.weights":
        return "the weights"
    parts = path.split(".")
    return f"{parts[1]}'s reach" if len(parts) == 3 and parts[2] == "reach" else path


def health_sentence(h: Any) -> str:
    """Health gains by group in words: the QALYs, the change in the Atkinson and Kolm
    equally distributed equivalents (EDE) against the plain mean, and what a QALY to the
    worst-off group is worth against one to the best-off."""
    weights = h.equity_weights["kolm"]
    return (
        f"Health: {h.total:,.1f} QALYs "
        f"({', '.join(f'{g:,.1f}' for g in h.gain)} by group, poorest first); the change in "
        f"the equally distributed equivalent of health is {h.ede_change_atkinson_total:,.1f} "
        f"QALYs (Atkinson, aversion {h.atkinson_aversion:g}) and "
        f"{h.ede_change_kolm_total:,.1f} (Kolm, aversion {h.kolm_aversion:g}), against "
        f"{h.mean_gain * h.people:,.1f} with no aversion to inequality; a QALY to the worst-off "
        f"group counts {weights[0] / weights[-1]:.1f} times one to the best-off (Kolm). "
        f"Baseline health: {h.source}."
    )


def health_comparison_table(names: list[str], results: list[Result]) -> Table | None:
    """Options on health (QALYs): total QALYs, the change in the Atkinson and Kolm equally
    distributed equivalents, and the aversion at which each swaps rank with the first."""
    from ..equity import compare_health

    frame = compare_health(names, results)
    if frame is None or len(frame) < 2:
        return None
    kinds: dict[str, Kind] = {
        "option": "text",
        "qalys": "number",
        "ede_change_atkinson_total": "number",
        "ede_change_kolm_total": "number",
        "atkinson_aversion_swap_with_first": "number",
        "kolm_aversion_swap_with_first": "number",
    }
    first = results[0]
    return Table(
        "health_compared",
        "Who gains in health: distributional cost-effectiveness",
        frame,
        kinds,
        first.currency,
        first.price_year,
        note="QALYs, discounted as the money is; EDE: the QALYs which, shared equally, would "
        "be as good as the gains as they fall, given each group's baseline health. An "
        "empty swap: the two options keep their order for every aversion searched.",
    )


def equity_comparison_table(names: list[str], results: list[Result]) -> Table | None:
    """Weighted beside unweighted NPV for each option, and the eta at which each swaps rank
    with the first option."""
    from ..equity import compare_equity

    frame = compare_equity(names, results)
    if frame is None:
        return None
    swaps = [
        f"{n}: eta {v:.2f}"
        for n, v in zip(frame["option"][1:], frame["eta_swap_with_first"][1:])
        if math.isfinite(v)
    ]
    note = (
        "Options swap rank with the first at " + "; ".join(swaps) + "."
        if swaps
        else "No option swaps rank with the first for any eta from 0 to 10."
        if len(frame) > 1
        else ""
    )
    kinds: dict[str, Kind] = {
        "option": "text",
        "npv": "money",
        "weighted_npv": "money",
        "share_poorest_fifth": "percent",
        "eta_swap_with_first": "number",
    }
    first = results[0]
    return Table(
        "who_gains_compared",
        "Who gains: equity-weighted NPV",
        frame,
        kinds,
        first.currency,
        first.price_year,
        note=note,
    )


def run_tables(result: Result, all_years: bool = True) -> list[Table]:
    """The tables of one run, in report order."""
    return [
        interventions_table(result),
        layers_table(result),
        agencies_table(result),
        years_table(result, all_years),
    ]


COMPARED = vocabulary.SUMMARY_KEYS


def _fractional(values: pd.Series) -> bool:
    """Whether any finite value is not a whole number."""
    v = values.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return bool(np.any(np.abs(v - np.round(v)) > 1e-9))


def comparison_table(
    comparison: Comparison, grouping: str = "total", label: str | None = None
) -> Table:
    """Options side by side: a row per option, then each option's difference from the first.

    The best value of each figure is marked (``marks``); differences are never marked.
    """
    f = comparison.frame(grouping, label)
    keys = [k for k in COMPARED if k in f.index] + (
        ["prob_npv_positive"] if "prob_npv_positive" in f.index else []
    )
    rows = [{"option": n, **{k: f.loc[k, n] for k in keys}} for n in comparison.names]
    first = comparison.names[0]
    d = comparison.differences(grouping, label)
    rows += [{"option": f"{n} − {first}", **{k: d.loc[k, n] for k in keys}} for n in d.columns]
    frame = pd.DataFrame(rows)
    words: dict[tuple[int, str], str] = {}
    n_options = len(comparison.names)
    if "irr" in frame.columns:
        # A difference of two rates of return is not itself a rate of return: never shown.
        frame.loc[n_options:, "irr"] = np.nan
        for i, r in enumerate(comparison.results):
            w = irr_words(r)
            if w:
                words[(i, "irr")] = w
                frame.loc[i, "irr"] = np.nan
    fiscal = [r.fiscal_summary() for r in comparison.results]
    if grouping == "total":
        at = list(frame.columns).index("bcr") + 1 if "bcr" in frame.columns else len(frame.columns)
        fnpv = [math.nan if f["fiscal_npv"] is None else float(f["fiscal_npv"]) for f in fiscal]
        fbcr = [math.nan if f["fiscal_bcr"] is None else float(f["fiscal_bcr"]) for f in fiscal]
        frame.insert(at, "fiscal_npv", fnpv + [v - fnpv[0] for v in fnpv[1:]])
        frame.insert(at + 1, "fiscal_bcr", fbcr + [v - fbcr[0] for v in fbcr[1:]])
    kinds: dict[str, Kind] = {
        "option": "text",
        **{k: METRIC_KINDS[k] for k in frame.columns if k != "option"},
    }
    best = comparison.best(grouping, label)
    marks = {(comparison.names.index(w), k) for k, w in best.items() if w is not None and k in keys}
    title = "Options compared" if label is None else f"Options compared: {label}"
    r0 = comparison.results[0]
    note = (
        "* best value in the row; the last rows are differences from the first option "
        "(no difference of IRRs: it would not be a rate of return)."
    )
    if "participants" in frame and _fractional(frame["participants"]):
        note += (
            " Participants are expected numbers (eligible × uptake), so they and their "
            "differences may be fractional; 100 or more are shown whole."
        )
    return Table(
        "comparison",
        title,
        frame,
        kinds,
        r0.currency,
        r0.price_year,
        note=note,
        marks=marks,
        words=words,
    )


def comparison_groups_table(comparison: Comparison, grouping: str) -> Table:
    """NPV (and PV costs, PV benefits) of each option for every layer or agency."""
    long = comparison.long(grouping)
    frame = long.pivot_table(index=grouping, columns="option", values="npv", sort=False)
    frame = frame[[n for n in comparison.names if n in frame.columns]].reset_index()
    kinds: dict[str, Kind] = {grouping: "text", **{n: "money" for n in comparison.names}}
    r0 = comparison.results[0]
    what = "layer" if grouping == "layer" else "agency (who gains minus who pays)"
    return Table(
        f"comparison_{grouping}", f"NPV by {what}", frame, kinds, r0.currency, r0.price_year
    )


# -- uncertainty -----------------------------------------------------------------------------------


def tornado_table(frame: pd.DataFrame, currency: str, price_year: int | None) -> Table:
    """One-way sensitivity: NPV with each input at its low and high value, largest swing first."""
    kinds: dict[str, Kind] = {
        "input": "text",
        "kind": "text",
        "central": "number",
        "low_value": "number",
        "high_value": "number",
        "npv_low": "money",
        "npv_high": "money",
        "swing": "money",
    }
    central = frame.attrs.get("npv_central")
    note = (
        "Each input moved alone (others central): to its 5th and 95th percentile, "
        "or by ± the swing."
    )
    if central is not None:
        note += f" NPV with every input central: {fmt(central, 'money', currency)}."
    shown = frame[list(kinds)].reset_index(drop=True)
    shown.attrs["npv_central"] = central
    return Table(
        "tornado", "One-way sensitivity (tornado)", shown, kinds, currency, price_year, note
    )


def discount_rates_table(frame: pd.DataFrame, currency: str, price_year: int | None) -> Table:
    """NPV, BCR and PVs under each discounting case; the scenario's own case marked."""
    f = frame.copy()
    f["current"] = ["this scenario" if c else "" for c in f["current"]]
    kinds: dict[str, Kind] = {
        "discounting": "text",
        "pv_costs": "money",
        "pv_benefits": "money",
        "npv": "money",
        "bcr": "ratio",
        "current": "text",
    }
    return Table(
        "discount_rates",
        "NPV under other discount rates",
        f[list(kinds)],
        kinds,
        currency,
        price_year,
    )


def switching_table(frame: pd.DataFrame, currency: str, price_year: int | None) -> Table:
    """For each input, the value at which NPV becomes zero and how far that is from central."""
    f = frame[["input", "central", "switching_value", "change_pct", "method", "status"]].copy()
    f = f.rename(columns={"change_pct": "change"})
    f["change"] = f["change"] / 100  # a share, shown as a percentage
    kinds: dict[str, Kind] = {
        "input": "text",
        "central": "number",
        "switching_value": "number",
        "change": "percent",
        "method": "text",
        "status": "text",
    }
    return Table(
        "switching_values",
        "Switching values (NPV = 0)",
        f,
        kinds,
        currency,
        price_year,
        "The value each input would need, others central, for NPV to be zero.",
    )


def psa_table(results: list[Result], names: list[str], ci: float = 0.90) -> Table:
    """Each option's NPV over draws: mean, median, interval and P(NPV > 0)."""
    lo, hi = ("p05", "p95") if ci == 0.90 else ("p025", "p975")
    rows = []
    for r, name in zip(results, names):
        npv = r.metric("npv")[:, 0]
        rows.append(
            {
                "option": name,
                "draws": r.draws,
                "mean": float(np.mean(npv)),
                "median": float(np.median(npv)),
                lo: float(np.percentile(npv, 5 if lo == "p05" else 2.5)),
                hi: float(np.percentile(npv, 95 if hi == "p95" else 97.5)),
                "prob_npv_positive": float(np.mean(npv > 0)),
            }
        )
    frame = pd.DataFrame(rows)
    kinds: dict[str, Kind] = {
        "option": "text",
        "draws": "count",
        "mean": "money",
        "median": "money",
        lo: "money",
        hi: "money",
        "prob_npv_positive": "probability",
    }
    r0 = results[0]
    return Table(
        "uncertainty",
        f"NPV over {r0.draws:,} draws ({ci:.0%} interval)",
        frame,
        kinds,
        r0.currency,
        r0.price_year,
        "P(NPV > 0): the chance benefits exceed costs.",
    )


# -- who pays, who gains, when ---------------------------------------------------------------------


def _agency_label(label: str) -> str:
    from .summary import agency_name

    return agency_name(label)


def funding_matrix_table(result: Result) -> Table:
    """Who funds whose gains: a row per (funder, beneficiary) pair, cashable fiscal savings and
    other value apart, largest first within each funder (the long form of the matrix)."""
    m = result.funding_matrix()
    m["total"] = m["cashable"] + m["other"]
    order = {f: -float(g["total"].sum()) for f, g in m.groupby("funder")}
    m = m.assign(_o=m["funder"].map(order)).sort_values(
        ["_o", "total"], ascending=[True, False], kind="stable"
    )
    frame = m.drop(columns="_o")
    frame = frame[frame["total"].abs() > 0].reset_index(drop=True)
    kinds: dict[str, Kind] = {
        "funder": "text",
        "beneficiary": "text",
        "cashable": "money",
        "other": "money",
        "total": "money",
    }
    return Table(
        "funding_matrix",
        "Who funds whose gains (funder by beneficiary)",
        frame,
        kinds,
        result.currency,
        result.price_year,
        "PV of benefits. Each intervention's benefits are shared among the agencies that fund its "
        "costs, in proportion to what each funds. Cashable savings: value type fiscal; "
        "other value: "
        "non-cashable fiscal, economic and social.",
    )


def agency_positions_table(result: Result) -> Table:
    """Each agency's own budget: PV of what it funds and gains (cashable apart), its net, and the
    years its cumulative net position breaks even (undiscounted and discounted)."""
    frame = result.agency_positions()
    frame = frame[(frame["pv_costs_funded"] != 0) | (frame["pv_benefits_gained"] != 0)].reset_index(
        drop=True
    )
    words: dict[tuple[int, str], str] = {}
    for index, row in frame.iterrows():
        i = int(str(index))
        for key in ("break_even_year", "discounted_break_even_year"):
            if row["pv_costs_funded"] <= 0:
                words[(i, key)] = "gains only"
            elif pd.isna(row[key]):
                words[(i, key)] = "never"
    kinds: dict[str, Kind] = {
        "agency": "text",
        "pv_costs_funded": "money",
        "pv_benefits_gained": "money",
        "pv_fiscal_benefits": "money",
        "net": "money",
        "break_even_year": "year",
        "discounted_break_even_year": "year",
    }
    return Table(
        "agency_positions",
        "Each budget's position and the year it breaks even",
        frame,
        kinds,
        result.currency,
        result.price_year,
        "Break-even: the first year from which the agency's cumulative net "
        "(what it gains minus what "
        'it funds) stays at or above zero; "never": not within the horizon.',
        words=words,
    )


#: Years at which the brief shows each agency's cumulative net position.
POSITION_YEARS = (0, 1, 2, 4, 9, 19)


def agency_cumulative_table(result: Result) -> Table:
    """Each agency's cumulative net position (undiscounted, as a budget sees it) at the end of
    years 0, 1, 2, 4, 9, 19 and the last year."""
    flows = result.agency_flows()
    years = [y for y in POSITION_YEARS if y < result.horizon - 1] + [result.horizon - 1]
    rows = []
    for agency, g in flows.groupby("agency", sort=False):
        c = g["cumulative_net"].to_numpy()
        if not np.any(g["costs"].to_numpy()) and not np.any(g["benefits"].to_numpy()):
            continue
        rows.append({"agency": agency, **{f"to year {y}": float(c[y]) for y in years}})
    frame = pd.DataFrame(rows, columns=["agency"] + [f"to year {y}" for y in years])
    kinds: dict[str, Kind] = {"agency": "text", **{f"to year {y}": "money" for y in years}}
    return Table(
        "agency_cumulative",
        "Each budget's cumulative net position over time",
        frame,
        kinds,
        result.currency,
        result.price_year,
        "Undiscounted: what the agency has gained minus what it has funded, from year 0 to the end "
        "of each year shown (the whole path is in the CSV tables agency_years).",
    )


def agency_years_table(result: Result) -> Table:
    """Year-by-year flows of each agency (long format), for CSV and Excel."""
    frame = result.agency_flows()
    kinds: dict[str, Kind] = {
        "agency": "text",
        "year": "year",
        **{c: "money" for c in frame.columns[2:]},
    }
    return Table(
        "agency_years",
        "Year-by-year flows by agency",
        frame,
        kinds,
        result.currency,
        result.price_year,
    )


def layer_years_table(result: Result) -> Table:
    """Year-by-year flows of each layer (long format), for CSV and Excel."""
    frame = result.layer_flows()
    kinds: dict[str, Kind] = {
        "layer": "text",
        "year": "year",
        **{c: "money" for c in frame.columns[2:]},
    }
    return Table(
        "layer_years",
        "Year-by-year flows by layer",
        frame,
        kinds,
        result.currency,
        result.price_year,
    )


def irr_words(result: Result) -> str | None:
    """Why the IRR is not a rate of return, in words, or None where it is one.

    Where the net flows start with a gain (or there are no costs), no rate of return applies:
    "n/a: net gain from the first year"; where they never change sign or have no unique root,
    the words say so.
    """
    net = result.cashflows()["net"].to_numpy()
    scale = float(np.abs(net).max()) if net.size else 0.0
    nonzero = net[np.abs(net) > 1e-9 * max(scale, 1.0)]
    if nonzero.size == 0:
        return "n/a: no net flows"
    if nonzero[0] > 0:
        return "n/a: net gain from the first year"
    irr = result.summary()["irr"]
    if pd.isna(irr) or not math.isfinite(float(irr)):
        if np.all(nonzero <= 0):
            return "n/a: never a net gain"
        return "n/a: no unique rate"
    return None
