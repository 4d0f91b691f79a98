"""A brief for a committee paper: the tables, charts and provenance of one or more options.

:func:`build_tables` turns deterministic results into the brief's tables (unrounded numbers
plus their kinds); :func:`write_brief` writes them, with the charts, as Markdown, one
self-contained HTML file, Word, Excel and one CSV per table, into a folder that appears whole
or not at all::

    results = [prevcalc.run(prevcalc.load("nfp.yaml")),
               prevcalc.run(prevcalc.load("nfp.yaml", variant="Double intake"))]
    write_brief(results, Path("brief"), title="Home visiting options", rounding="sig3")

The writers themselves hold no model logic: they consume :class:`~prevcalc.report.tables.Table`
objects and chart files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..result import Result
from . import tables
from ._atomic import MARKER, atomic_dir
from .tables import METRIC_KINDS, Kind, Table

#: The formats :func:`write_brief` can write ("charts" are the PNG and SVG files).
FORMATS = frozenset({"md", "html", "docx", "xlsx", "csv", "charts"})
ROUNDINGS = ("sig3", "thousand", "unit")

_ROUNDING_TEXT = {
    "sig3": "Money is rounded to three significant figures",
    "thousand": "Money is rounded to the nearest thousand",
    "unit": "Money is rounded to whole units",
}


# -- names and checks -----------------------------------------------------------------------------


def option_names(results: Sequence[Result], names: Sequence[str] | None = None) -> list[str]:
    """Labels for the options: ``names`` if given, else each result's name (and variant if
    two share a name), made unique."""
    if names is not None:
        if len(names) != len(results):
            raise ValueError(f"give one name per result ({len(results)}), not {len(names)}")
        labels = [str(n) for n in names]
    else:
        labels = [r.name for r in results]
        if len(set(labels)) < len(labels):
            labels = [
                f"{r.name} ({r.provenance['variant']})" if r.provenance.get("variant") else r.name
                for r in results
            ]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return unique


# -- the tables ------------------------------------------------------------------------------------


def headline_table(results: Sequence[Result], names: Sequence[str]) -> Table:
    """The headline figures of each option; with several, their differences from the first and
    the best value of each figure marked (the comparison table of :mod:`.tables`)."""
    if len(results) > 1:
        from ..comparison import compare

        table = tables.comparison_table(compare(list(results), list(names)))
        # The writers may show options as columns or as rows, so the note names neither.
        table.note = (
            f"* marks the best value of each figure (the lowest for costs and payback years; "
            f"participants are not ranked, ties are not marked). Differences are each option "
            f"minus {names[0]}; IRRs are not differenced (a difference of rates is not a rate "
            f"of return). {_FISCAL_NOTE}"
        )
        return table
    r = results[0]
    s = r.summary()
    keys = [k for k in tables.COMPARED if k in s.index]
    row = {"option": names[0], **{k: float(s[k]) for k in keys}}
    fiscal = r.fiscal_summary()
    at = keys.index("bcr") + 1
    keys[at:at] = ["fiscal_npv", "fiscal_bcr"]
    row["fiscal_npv"] = fiscal["fiscal_npv"]
    row["fiscal_bcr"] = float("nan") if fiscal["fiscal_bcr"] is None else fiscal["fiscal_bcr"]
    frame = pd.DataFrame([{k: row[k] for k in ["option", *keys]}])
    words = {}
    irr = tables.irr_words(r)
    if irr:
        words[(0, "irr")] = irr
        frame.loc[0, "irr"] = float("nan")
    kinds: dict[str, Kind] = {"option": "text", **{k: METRIC_KINDS[k] for k in keys}}
    return Table(
        "comparison",
        "Headline figures",
        frame,
        kinds,
        r.currency,
        r.price_year,
        _FISCAL_NOTE,
        words=words,
    )


_FISCAL_NOTE = (
    "NPV and BCR on cashable savings only count benefits of value type fiscal (not "
    "non-cashable fiscal, economic or social value)."
)


def _stack(parts: Sequence[Table], names: Sequence[str]) -> Table:
    """One table from the same table of each option, with an "option" column if there are
    several."""
    head = parts[0]
    if len(parts) == 1:
        return head
    frames = []
    for t, name in zip(parts, names):
        f = t.frame.copy()
        f.insert(0, "option", name)
        frames.append(f)
    kinds = {"option": "text", **head.kinds}
    words: dict[tuple[int, str], str] = {}
    offset = 0
    for t in parts:
        words.update({(i + offset, c): w for (i, c), w in t.words.items()})
        offset += len(t.frame)
    return Table(
        head.name,
        head.title,
        pd.concat(frames, ignore_index=True),
        kinds,
        head.currency,
        head.price_year,
        head.note,
        words=words,
        intervals=dict(head.intervals),
    )


def _named(table: Table, ctx: Any) -> Table:
    """``table`` with its intervention ids replaced by the interventions' names (from the
    option's :class:`~.summary.Context`; ids stay where there is none)."""
    by_id = getattr(ctx, "interventions", None) or {}
    if not by_id or "intervention" not in table.frame:
        return table
    frame = table.frame.copy()
    frame["intervention"] = [by_id.get(x, x) for x in frame["intervention"]]
    return replace(table, frame=frame)


def _pretty(label: Any) -> Any:
    if isinstance(label, str) and label.islower():
        return label.replace("_", " ").capitalize()
    return label


def waterfall_table(
    frames: Sequence[pd.DataFrame], names: Sequence[str], results: Sequence[Result]
) -> Table:
    """The adjustment waterfall, per outcome and in total: what each step removes and what is left.

    Each frame is the engine's :func:`~prevcalc.engine.adjustment_waterfall` (columns
    intervention, outcome, step, value, removed; the total rows last), steps in order from the
    gross value to the present value.
    """
    first = results[0]
    kinds: dict[str, Kind] = {
        "intervention": "text",
        "outcome": "text",
        "step": "text",
        "value": "money",
        "removed": "money",
    }
    parts = []
    for f in frames:
        f = f[list(kinds)].reset_index(drop=True).copy()
        f["intervention"] = ["Total" if i == "total" else i for i in f["intervention"]]
        f["step"] = [s[:1].upper() + s[1:] if isinstance(s, str) else s for s in f["step"]]
        parts.append(
            Table(
                "waterfall",
                "Adjustment waterfall: from gross value to present value",
                f,
                dict(kinds),
                first.currency,
                first.price_year,
                "Value: what is left after each step (undiscounted until the last). Removed: "
                "what that step takes away. The last value of each outcome is its PV of benefits.",
            )
        )
    return _stack(parts, names)


def assumptions_table(
    results: Sequence[Result], names: Sequence[str], contexts: Sequence[Any] | None = None
) -> Table:
    """Every assumption with its value and its source: each intervention (its intake), each of
    its cost items and outcomes (amounts, timing, drop-off, deadweight, as entered), then the
    named parameters (a number or a distribution).

    ``contexts`` are the options' :class:`~.summary.Context` (the values as entered); without
    them the value column is empty.
    """
    frames = []
    contexts = list(contexts) if contexts is not None else [None] * len(results)
    for r, name, ctx in zip(results, names, contexts):
        values = getattr(ctx, "values", None) or {}
        by_id = getattr(ctx, "interventions", None) or {}
        ivs = pd.DataFrame(
            {
                "intervention": list(r.sources),
                "kind": "intervention",
                "name": list(r.sources),
                "agency": "",
                "value_type": "",
                "value": [values.get(i, "") for i in r.sources],
                "source": list(r.sources.values()),
            }
        )
        ivs["layer"] = [r.layers.get(i, "") for i in ivs["intervention"]]
        lines = r.lines[
            ["intervention", "layer", "kind", "name", "agency", "value_type", "source", "where"]
        ].copy()
        lines["value"] = [values.get(w, "") for w in lines["where"]]
        lines = lines.drop(columns="where")
        both = pd.concat([ivs, lines], ignore_index=True)
        order = {iv: j for j, iv in enumerate(r.sources)}
        both["_o"] = both["intervention"].map(order).fillna(len(order))
        both = both.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
        both["intervention"] = [by_id.get(x, x) for x in both["intervention"]]
        is_iv = both["kind"] == "intervention"
        both.loc[is_iv, "name"] = [by_id.get(x, x) for x in both.loc[is_iv, "name"]]
        params = getattr(ctx, "parameters", None) or {}
        if params:
            both = pd.concat(
                [
                    both,
                    pd.DataFrame(
                        {
                            "intervention": "",
                            "layer": "",
                            "kind": "parameter",
                            "name": list(params),
                            "agency": "",
                            "value_type": "",
                            "value": list(params.values()),
                            "source": "not given (see the scenario's description and notes)",
                        }
                    ),
                ],
                ignore_index=True,
            )
        both["source"] = [
            s if isinstance(s, str) and s.strip() else "not given" for s in both["source"]
        ]
        both["kind"] = [_pretty(k) for k in both["kind"]]
        both["value_type"] = [_pretty(v) for v in both["value_type"]]
        if len(results) > 1:
            both.insert(0, "option", name)
        frames.append(
            both[
                ([] if len(results) == 1 else ["option"])
                + [
                    "intervention",
                    "layer",
                    "kind",
                    "name",
                    "agency",
                    "value_type",
                    "value",
                    "source",
                ]
            ]
        )
    frame = pd.concat(frames, ignore_index=True)
    first = results[0]
    if all(c is None for c in contexts):  # no scenario to read the values from: sources alone
        frame = frame.drop(columns="value")
        return Table(
            "assumptions",
            "Assumptions and their sources",
            frame,
            {c: "text" for c in frame.columns},
            first.currency,
            first.price_year,
            "Agency: who funds a cost, or who gains an outcome. "
            '"not given": the scenario cites no source.',
        )
    return Table(
        "assumptions",
        "Assumptions: their values and sources",
        frame,
        {c: "text" for c in frame.columns},
        first.currency,
        first.price_year,
        "Value: as entered in the scenario, in the currency and prices it names (a name in a value "
        "is a parameter, listed at the end). Agency: who funds a cost, or who gains an outcome. "
        '"not given": the scenario cites no source. Parameters have no source field of their '
        "own; the scenario's description and notes (at the top of this brief) give their basis.",
    )


_TIMING = {"start": "start of year", "mid": "middle of year", "end": "end of year"}


def _bands(bands: Any, horizon: int) -> str | None:
    """[[0, 0.035], [31, 0.03]] -> "3.5% from year 0; 3% from year 31" (bands within the
    horizon)."""
    if not bands:
        return None
    return "; ".join(
        f"{float(r) * 100:.4g}% from year {int(y)}" for y, r in bands if int(y) < horizon
    )


#: Tables computed over the draws of a probabilistic run (the rest come from central values).
DRAWN_TABLES = ("uncertainty", "prob_best")

#: How each table other than those over draws was produced.
_CENTRAL_HOW = {
    "assumptions": "the scenario as entered",
    "notes": "the deterministic runs' warnings",
    "tornado": "central values, each uncertain input moved alone to its 5th and 95th percentile",
    "discount_rates": "central values, under each discounting case",
    "switching_values": "central values, each input moved alone until NPV is zero",
}


def run_words(run: Result | None) -> str:
    """ "5,000 draws, seed 1, random sampler" for a probabilistic run; "central values (one
    deterministic run)" for none."""
    if run is None or run.draws <= 1:
        return "central values (one deterministic run)"
    p = run.provenance
    seed = p.get("seed")
    seed_text = f"seed {seed}" if seed is not None else "no seed (not reproducible)"
    return f"{run.draws:,} draws, {seed_text}, {p.get('sampler') or 'random'} sampler"


def provenance_table(
    results: Sequence[Result],
    names: Sequence[str],
    runs: Sequence[Result | None] | None = None,
    produced: Sequence[Table] | None = None,
) -> Table:
    """Where each option's numbers come from: version, file and hash, date, discounting, prices,
    the draws, seed and sampler of its probabilistic run (``runs``), and for each table in
    ``produced`` the run behind it."""
    rows = []
    runs = list(runs) if runs is not None else [None] * len(results)
    for r, name, run in zip(results, names, runs):
        p = r.provenance
        drawn = run is not None and run.draws > 1
        items = [
            ("prevcalc version", p.get("prevcalc_version")),
            ("Scenario", p.get("scenario", r.name)),
            ("Scenario file", Path(p["file"]).name if p.get("file") else None),
            ("SHA-256 of the file", p.get("scenario_sha256")),
            ("Variant", p.get("variant")),
            ("Overrides", "; ".join(p.get("overrides") or []) or None),
            ("Run date", p.get("run_at")),
            ("Discounting schedule", p.get("schedule_description") or p.get("schedule")),
            ("Discount rates", _bands(p.get("discount_bands"), r.horizon)),
            ("Discount timing", _TIMING.get(str(p.get("timing")), p.get("timing"))),
            ("Currency", r.currency),
            ("Price year", r.price_year),
            ("Deflator", p.get("deflator")),
            ("Horizon (years)", r.horizon),
            ("Draws", f"{run.draws:,}" if drawn and run is not None else "1 (central values)"),
            (
                "Seed",
                (
                    run.provenance.get("seed")
                    if run.provenance.get("seed") is not None
                    else "none (not reproducible)"
                )
                if drawn and run is not None
                else None,
            ),
            (
                "Sampler",
                (run.provenance.get("sampler") or "random") if drawn and run is not None else None,
            ),
        ]
        for item, value in items:
            if value is None or value == "":
                continue
            rows.append({"option": name, "item": item, "value": str(value)})
    if produced:
        several = len(results) > 1
        drawn_runs = dict.fromkeys(
            run_words(run) for run in runs if run is not None and run.draws > 1
        )
        for t in produced:
            base = (
                t.name.split("_", 1)[1]
                if t.name.startswith("g") and "_" in t.name and t.name[1:2].isdigit()
                else t.name
            )
            base = base.rstrip("_0123456789") if base.startswith("tornado") else base
            if base in DRAWN_TABLES and drawn_runs:
                how = "; ".join(drawn_runs) + (" (each option)" if several else "")
            elif base == "recommendation" and drawn_runs:
                how = "central values; interval and probabilities over " + "; ".join(drawn_runs)
            else:
                how = _CENTRAL_HOW.get(base, "central values (one deterministic run)")
            rows.append(
                {
                    "option": "all options" if several else names[0],
                    "item": f"Table: {t.title}",
                    "value": how,
                }
            )
    frame = pd.DataFrame(rows, columns=["option", "item", "value"])
    if len(results) == 1:
        frame = frame.drop(columns="option")
    first = results[0]
    return Table(
        "provenance",
        "Provenance",
        frame,
        {c: "text" for c in frame.columns},
        first.currency,
        first.price_year,
        "Draws, seed and sampler: the probabilistic run behind the tables over draws; the "
        '"Table:" rows say which run produced each table.',
    )


def notes_table(results: Sequence[Result], names: Sequence[str]) -> Table:
    """The warnings each run raised (cut-off flows, unstable ratios...)."""
    rows = [{"option": name, "note": note} for r, name in zip(results, names) for note in r.notes]
    frame = pd.DataFrame(rows, columns=["option", "note"])
    if len(results) == 1:
        frame = frame.drop(columns="option")
    first = results[0]
    return Table(
        "notes",
        "Warnings from the runs",
        frame,
        {c: "text" for c in frame.columns},
        first.currency,
        first.price_year,
        "" if rows else "No warnings were raised.",
    )


def build_tables(
    results: Sequence[Result],
    names: Sequence[str] | None = None,
    waterfalls: Sequence[pd.DataFrame] | None = None,
    uncertainty: Sequence[Table] | None = None,
    contexts: Sequence[Any] | None = None,
    runs: Sequence[Result | None] | None = None,
    front: Sequence[Table] = (),
) -> list[Table]:
    """The brief's tables, in report order.

    Parameters
    ----------
    results : deterministic runs of one or more options, like for like (one currency, price
        year, horizon and discounting; :func:`prevcalc.comparison.compare` checks).
    names : a label for each option (default: each result's name).
    waterfalls : the adjustment waterfall of each option (the engine's
        ``adjustment_waterfall(scenario)``); by default each result's own ``waterfall``.
    uncertainty : tables from a probabilistic analysis, placed after the headline table.
    contexts : each option's :class:`~.summary.Context` (the values entered, for the
        assumptions table).
    runs : each option's probabilistic run (or None): its draws, seed and sampler go in the
        provenance, with the run behind each table (those of ``front`` too).

    Returns
    -------
    Tables named comparison, [uncertainty tables,] interventions, agencies, layers,
    [per_person, events,] [waterfall,] years, assumptions, provenance, notes.
    """
    results = list(results)
    if not results:
        raise ValueError("a brief needs at least one result")
    names = option_names(results, names)
    out: list[Table] = [headline_table(results, names), *(uncertainty or [])]
    contexts = list(contexts) if contexts is not None else [None] * len(results)
    out.append(
        _stack([_named(tables.interventions_table(r), c) for r, c in zip(results, contexts)], names)
    )
    agencies = _stack([tables.agencies_table(r) for r in results], names)
    agencies.note = (
        "Wrong pockets: an agency may fund costs while the benefits fall to others. "
        "Net is PV benefits gained minus PV costs funded."
    )
    out.append(agencies)
    out.append(_stack([tables.funding_matrix_table(r) for r in results], names))
    out.append(_stack([tables.agency_positions_table(r) for r in results], names))
    out.append(_stack([tables.agency_cumulative_table(r) for r in results], names))
    out.append(_stack([tables.layers_table(r) for r in results], names))
    person = [t for t in (tables.per_person_table(r) for r in results) if t is not None]
    if len(person) == len(results):
        stacked = _stack(person, names)
        stacked.note = person[0].note
        out.append(stacked)
    gains = [
        (t, n) for t, n in zip((tables.equity_table(r) for r in results), names) if t is not None
    ]
    if gains:
        stacked = _stack([t for t, _ in gains], [n for _, n in gains])
        stacked.note = " ".join(f"{n}: {t.note}" if len(gains) > 1 else t.note for t, n in gains)
        out.append(stacked)
        compared = (
            tables.equity_comparison_table(list(names), list(results)) if len(results) > 1 else None
        )
        if compared is not None:
            out.append(compared)
        health = (
            tables.health_comparison_table(list(names), list(results)) if len(results) > 1 else None
        )
        if health is not None:
            out.append(health)
    events = [
        (t, n) for t, n in zip((tables.events_table(r) for r in results), names) if t is not None
    ]
    if events:
        stacked = _stack([t for t, _ in events], [n for _, n in events])
        stacked.note = events[0][0].note
        out.append(stacked)
    if waterfalls is None and all(r.waterfall is not None for r in results):
        waterfalls = [r.waterfall for r in results if r.waterfall is not None]
    if waterfalls is not None:
        if len(waterfalls) != len(results):
            raise ValueError("give one waterfall per result")
        out.append(waterfall_table(waterfalls, names, results))
    out.append(_stack([tables.years_table(r, every=True) for r in results], names))
    out.append(assumptions_table(results, names, contexts))
    notes = notes_table(results, names)
    out += [provenance_table(results, names, runs, [*front, *out, notes]), notes]
    return out


def brief_meta(
    results: Sequence[Result], names: Sequence[str], title: str | None, rounding: str
) -> dict[str, Any]:
    """The title block: title, subtitle, date, version, units and the rounding rule."""
    first = results[0]
    p = first.provenance
    if title is None:
        title = (
            f"Costs and benefits: {names[0]}"
            if len(results) == 1
            else "Costs and benefits compared: " + ", ".join(names)
            if len(results) <= 3
            else f"Costs and benefits of {len(results)} options"
        )
    units = f"{first.currency}, {first.price_year} prices"
    schedules = dict.fromkeys(
        f"{r.provenance.get('schedule', '')} discounting, flows at the "
        f"{_TIMING.get(str(r.provenance.get('timing')), r.provenance.get('timing'))}"
        for r in results
    )
    horizons = sorted({r.horizon for r in results})
    return {
        "title": title,
        "options": list(names),
        "date": str(p.get("run_at") or "")[:10],
        "version": p.get("prevcalc_version") or "",
        "units": units,
        "subtitle": (
            f"{len(results)} option{'s' if len(results) > 1 else ''} · {units} · "
            f"{' / '.join(str(h) for h in horizons)}-year horizon · " + "; ".join(schedules)
        ),
        "rounding": (
            f"{_ROUNDING_TEXT[rounding]}; ratios to two decimals. The CSV and Excel "
            "files keep full precision."
        ),
        "rounding_rule": rounding,
    }


# -- the analysis: NPV over draws, P(best) and EVPI, tornado, discount rates, switching values -----

_COST_KINDS = {
    "setup": "set-up cost",
    "running": "running cost",
    "per_participant": "cost per participant",
}
_FIELD_WORDS = {
    "drop_off": "drop-off",
    "unit_cost": "unit cost",
    "probability_change": "change in probability",
    "from_year": "first year",
    "to_year": "last year",
    "optimism_bias": "optimism bias",
}


def input_label(scenario: Any, key: str) -> str:
    """An input of :mod:`prevcalc.uncertainty` named for a reader: a dotted location by its
    intervention's and line's names, a named parameter as such.

    ``interventions.nfp.outcomes.0.amount`` -> ``Nurse-Family Partnership: Fewer child
    protection cases, amount``; ``interventions.sl.intake.participants.2`` -> ``Shared Lives:
    intake, participants (year 2)``; ``nfp_effect`` -> ``nfp_effect (parameter)``.
    """
    parts = str(key).split(".")
    if parts[0] != "interventions" or len(parts) < 3:
        return f"{key} (parameter)" if key in getattr(scenario, "parameters", {}) else str(key)
    iv = next((x for x in scenario.interventions if x.id == parts[1]), None)
    if iv is None:
        return str(key)
    rest = parts[2:]
    words: list[str] = []
    if rest[0] == "costs" and len(rest) >= 3 and rest[2].isdigit() and rest[1] in _COST_KINDS:
        items = getattr(iv.costs, rest[1])
        k = int(rest[2])
        item = items[k] if k < len(items) else None
        words.append(
            item.name
            if item is not None and item.name
            else f"{_COST_KINDS[rest[1]]} {k + 1}"
            if len(items) > 1
            else _COST_KINDS[rest[1]]
        )
        fields = rest[3:]
    elif rest[0] == "outcomes" and len(rest) >= 2 and rest[1].isdigit():
        k = int(rest[1])
        words.append(iv.outcomes[k].name if k < len(iv.outcomes) else f"outcome {k + 1}")
        fields = rest[2:]
    elif rest[0] in ("intake", "optimism_bias"):
        words.append(_FIELD_WORDS.get(rest[0], rest[0]))
        fields = rest[1:]
    else:
        fields = rest
    detail: list[str] = []
    for j, f in enumerate(fields):
        if f.isdigit():
            yearly = j > 0 and fields[j - 1] in ("participants", "eligible")
            tail = f"(year {int(f)})" if yearly else f"(item {int(f) + 1})"
            detail[-1:] = [f"{detail[-1]} {tail}" if detail else tail]
        else:
            detail.append(_FIELD_WORDS.get(f, f.replace("_", " ")))
    label = ", ".join([*words, *detail]) if words else ", ".join(detail)
    return f"{iv.name}: {label}" if label else iv.name


def _labelled(frame: pd.DataFrame, scenario: Any) -> pd.DataFrame:
    f = frame.copy()
    f["input"] = [input_label(scenario, k) for k in f["input"]]
    return f


def psa_table(runs: Sequence[Result], names: Sequence[str]) -> Table:
    """Each option's NPV over draws (mean, median, interval, P(NPV > 0), P(pays back)); a
    figure no uncertain input reaches is marked "no spread" rather than 0% or 100%."""
    t = tables.psa_table(list(runs), list(names))
    f = t.frame.copy()
    f["prob_pays_back"] = [r.prob_pays_back("payback_year") for r in runs]
    f["prob_pays_back"] = f["prob_pays_back"].astype(float)
    words = dict(t.words)
    for i, r in enumerate(runs):
        npv = r.metric("npv")[:, 0]
        if not _has_spread(npv):
            words[(i, "prob_npv_positive")] = "no spread"
        pay = tables.payback_over_draws(r, "payback_year") if r.draws > 1 else None
        if pay is None or not _has_spread(np.where(np.isnan(pay), np.inf, pay)):
            words[(i, "prob_pays_back")] = "no spread"
    kinds = {**t.kinds, "prob_pays_back": "probability"}
    r0 = runs[0]
    note = (
        f"{t.note} P(pays back in horizon): the chance it pays back within {r0.horizon} years "
        "(a draw "
        'that never does counts as beyond the horizon). "No spread": no uncertain input reaches '
        f"the figure, so it is the same in every draw. Over {run_words(r0)}."
    )
    return Table(t.name, t.title, f, kinds, t.currency, t.price_year, note, words=words)


def _has_spread(values: Any) -> bool:
    v = np.asarray(values, dtype=float)
    if v.size <= 1:
        return False
    if np.all(v == v[0]):
        return False
    finite = v[np.isfinite(v)]
    scale = max(1.0, float(np.max(np.abs(finite)))) if finite.size else 1.0
    return not (finite.size == v.size and float(np.ptp(v)) <= 1e-9 * scale)


def best_table(runs: Sequence[Result], names: Sequence[str]) -> Table:
    """P(highest NPV) of each option and the EVPI
    (:func:`prevcalc.uncertainty.prob_best_and_evpi`)."""
    from .. import uncertainty as psa

    frame, evpi = psa.prob_best_and_evpi(list(runs), list(names))
    r0 = runs[0]
    # P(best) has no spread only when no option's NPV has any: then one option is best in every
    # draw for want of uncertainty, not as a finding. (A spread that never changes the winner
    # is a finding, and its 100% is shown.)
    spread = any(_has_spread(r.metric("npv")[:, 0]) for r in runs)
    words = {} if spread else {(i, "prob_best"): "no spread" for i in range(len(frame))}
    note = (
        f"P(highest NPV): the share of the {r0.draws:,} draws in which the option has the "
        "highest NPV "
        f"(draw i of each option shares its sampled inputs). Expected value of perfect information "
        f"(EVPI): {tables.fmt(evpi, 'money', r0.currency, 'sig3')} "
        f"({r0.currency}, {r0.price_year} prices), "
        f"the most it would be worth paying to remove all uncertainty before choosing; "
        + (
            "a small sum beside the NPVs means the choice is robust"
            if evpi < 0.01 * max(1.0, float(frame["mean_npv"].abs().max()))
            else "the choice between the options is uncertain"
        )
        + ". "
        f"Over {run_words(r0)}."
    )
    frame.attrs["evpi"] = evpi
    kinds: dict[str, Kind] = {"option": "text", "mean_npv": "money", "prob_best": "probability"}
    return Table(
        "prob_best",
        "Which option is best: P(highest NPV) and EVPI",
        frame,
        kinds,
        r0.currency,
        r0.price_year,
        note,
        words=words,
    )


def discount_table(scenarios: Sequence[Any], names: Sequence[str]) -> Table:
    """NPV, BCR and PVs under each discounting case, for each option."""
    from .. import uncertainty as psa

    parts = [
        tables.discount_rates_table(psa.discount_rate_table(sc), sc.currency, sc.price_year)
        for sc in scenarios
    ]
    from ..discounting import SCHEDULES

    out = _stack(parts, names)
    horizon = max(sc.horizon for sc in scenarios)
    out.note = (
        'The scenario\'s own discounting is marked "this scenario". A constant rate applies to '
        f"every year; Green Book: {_bands(SCHEDULES['green_book'].bands, horizon)}; Green Book "
        f"health: {_bands(SCHEDULES['green_book_health'].bands, horizon)}. The scenario's timing "
        "(start, middle or end of year) is kept."
    )
    return out


def switching_table(scenarios: Sequence[Any], names: Sequence[str]) -> Table:
    """For each option, the value of each input (by intervention and line name) at which NPV
    becomes zero, the nearest to its central value first; inputs that cannot turn NPV to zero
    within their valid range are counted in the note (named, if they are uncertain inputs)."""
    from .. import sampling
    from .. import uncertainty as psa

    parts = []
    missing: list[str] = []
    for sc, name in zip(scenarios, names):
        raw = psa.switching_values(sc)
        uncertain = {leaf.key for leaf in sampling.uncertain_leaves(sc)}
        found = raw[raw["status"] == "found"].copy()
        found["_d"] = found["change_pct"].abs()
        found = found.sort_values("_d", kind="stable").drop(columns="_d")
        keep = pd.concat([found, raw[(raw["status"] != "found") & raw["input"].isin(uncertain)]])
        others = len(raw) - len(keep)
        if others:
            missing.append(f"{name}: {others}" if len(scenarios) > 1 else str(others))
        parts.append(
            tables.switching_table(
                _labelled(keep.reset_index(drop=True), sc), sc.currency, sc.price_year
            )
        )
    out = _stack(parts, names)
    note = (
        "The value each input would need, the others at their central values, for NPV to be zero; "
        "the nearest to its central value first. Values are in the input's own units "
        "(money as entered, "
        "shares as fractions, durations in years)."
    )
    if missing:
        note += (
            " Other inputs cannot turn NPV to zero within their valid range and are not listed ("
            + "; ".join(missing)
            + ")."
        )
    out.note = note
    return out


def analysis_tables(
    scenarios: Sequence[Any], names: Sequence[str], runs: Sequence[Result] | None = None
) -> list[Table]:
    """The brief's analysis: with ``runs`` (probabilistic runs of the options), NPV over draws,
    P(best) and EVPI (several options) and a tornado per option; always, NPV under other discount
    rates and switching values. Inputs are named by intervention and line, not by location."""
    from .. import uncertainty as psa

    out: list[Table] = []
    if runs:
        out.append(psa_table(runs, names))
        if len(runs) > 1:
            out.append(best_table(runs, names))
        for sc, name in zip(scenarios, names):
            t = tables.tornado_table(psa.tornado(sc), sc.currency, sc.price_year)
            moved = t.frame[t.frame["swing"] > 0]
            if len(moved):
                f = _labelled(moved.reset_index(drop=True), sc)
                f.attrs = dict(t.frame.attrs)
                still = len(t.frame) - len(moved)
                if still:
                    t = replace(
                        t,
                        note=t.note + f" {still} uncertain input{'s' if still > 1 else ''} with no "
                        "effect on this option's NPV left out.",
                    )
                suffix = (
                    f"_{sum(x.name.startswith('tornado') for x in out) + 1}"
                    if len(scenarios) > 1
                    else ""
                )
                out.append(
                    replace(
                        t,
                        frame=f,
                        name=f"tornado{suffix}",
                        title=t.title + (f": {name}" if len(scenarios) > 1 else ""),
                    )
                )
    out.append(discount_table(scenarios, names))
    out.append(switching_table(scenarios, names))
    return out


def caveats_box(contexts: Sequence[Any], names: Sequence[str]) -> list[dict[str, Any]]:
    """The scenarios' own description and notes, and each variant's description, for the box near
    the top of the brief: [{"title", "paragraphs", "notes"}], each scenario once."""
    boxes: dict[str, dict[str, Any]] = {}
    for ctx, name in zip(contexts, names):
        if ctx is None:
            continue
        key = ctx.scenario or name
        box = boxes.setdefault(key, {"title": f"About {key}", "paragraphs": [], "notes": []})
        if ctx.description and ctx.description not in box["paragraphs"]:
            box["paragraphs"].append(ctx.description)
        for n in ctx.notes:
            if n not in box["notes"]:
                box["notes"].append(n)
        if ctx.variant and ctx.variant_description:
            box["paragraphs"].append(
                f"Variant \u201c{ctx.variant}\u201d: {ctx.variant_description}"
            )
    return [b for b in boxes.values() if b["paragraphs"] or b["notes"]]


def caveats_sheet(boxes: Sequence[dict[str, Any]]) -> Table:
    """The caveats box as a table (the workbook's and the CSV files' form)."""
    rows = [
        {"about": b["title"], "kind": "description", "text": t}
        for b in boxes
        for t in b["paragraphs"]
    ]
    rows += [{"about": b["title"], "kind": "note", "text": t} for b in boxes for t in b["notes"]]
    frame = pd.DataFrame(rows, columns=["about", "kind", "text"])
    return Table(
        "caveats",
        "The scenario's description and notes",
        frame,
        {c: "text" for c in frame.columns},
        price_year=None,
    )


# -- options that are not like for like ------------------------------------------------------------

_LIKE_KEYS = ("currency", "price_year", "horizon", "schedule", "discount_bands", "timing")


def like_for_like_groups(results: Sequence[Result]) -> list[list[int]]:
    """Indices of the results, grouped so that each group is like for like, in first-seen order."""
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(results):
        key = tuple(str(r.provenance.get(k)) for k in _LIKE_KEYS)
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def overview_table(results: Sequence[Result], names: Sequence[str]) -> Table:
    """Every option's headline in its own currency and prices, for a brief whose options are
    not like for like (so they are set out group by group rather than compared)."""
    rows = []
    for r, name in zip(results, names):
        s = r.summary()
        rows.append(
            {
                "option": name,
                "currency": r.currency,
                "price_year": str(r.price_year),
                "discounting": f"{r.provenance.get('schedule')}, {r.horizon} years",
                "pv_costs": s["pv_costs"],
                "pv_benefits": s["pv_benefits"],
                "npv": s["npv"],
                "bcr": s["bcr"],
            }
        )
    frame = pd.DataFrame(rows)
    kinds: dict[str, Kind] = {
        "option": "text",
        "currency": "text",
        "price_year": "text",
        "discounting": "text",
        "pv_costs": "amount",
        "pv_benefits": "amount",
        "npv": "amount",
        "bcr": "ratio",
    }
    return Table(
        "overview",
        "The options in this brief",
        frame,
        kinds,
        results[0].currency,
        None,
        "The options differ in currency, price year, horizon or discounting, so they are not "
        "compared with one another: each group of like-for-like options has its own section "
        "below. Money is in each option's own currency and prices.",
    )


def flow_tables(results: Sequence[Result], names: Sequence[str]) -> list[Table]:
    """The year-by-year flows by agency and by layer: CSV and Excel only (too long to print)."""
    if not results:
        return []
    return [
        _stack([tables.agency_years_table(r) for r in results], names),
        _stack([tables.layer_years_table(r) for r in results], names),
    ]


def summary_sheet(sentences: Sequence[str]) -> Table:
    """The summary's sentences as a one-column table (the workbook's first sheet)."""
    frame = pd.DataFrame({"summary": list(sentences)}, columns=["summary"])
    return Table("summary", "Summary", frame, {"summary": "text"}, price_year=None)


def _prefixed(t: Table, prefix: str, label: str) -> Table:
    return replace(t, name=f"{prefix}_{t.name}", title=f"{label}: {t.title}")


# -- writing ---------------------------------------------------------------------------------------


def write_brief(
    results: Sequence[Result],
    out: Path,
    title: str | None = None,
    rounding: str = "sig3",
    force: bool = False,
    formats: set[str] | None = None,
    names: Sequence[str] | None = None,
    waterfalls: Sequence[pd.DataFrame] | None = None,
    uncertainty: Sequence[Table] | None = None,
    runs: Sequence[Result | None] | None = None,
    contexts: Sequence[Any] | None = None,
) -> list[Path]:
    """Write the brief into the folder ``out``: brief.md, brief.html, brief.docx, brief.xlsx,
    ``tables/*.csv`` and ``charts/*.png|svg`` (or the subset in ``formats``).

    The folder is built beside ``out`` and moved into place whole, so a failure leaves nothing;
    it carries a marker file (``.prevcalc-brief``) listing what it holds. An existing ``out`` is
    replaced only if it is a brief written this way, holding nothing else, and only with
    ``force``; an empty folder is filled; anything else is refused with
    :class:`~prevcalc.errors.OutputError` (as is a failure to write: a read-only folder, a full
    disk). ``names``, ``waterfalls`` and ``uncertainty`` are as for :func:`build_tables`.
    The brief opens with a summary in sentences and a recommendation table
    (:mod:`.summary`): ``runs`` are the options' probabilistic runs (for intervals and
    probabilities) and ``contexts`` their :class:`~.summary.Context` (flagged assumptions,
    evidence in another currency), each in the order of ``results``.
    Returns the files written, sorted (the marker file aside).
    """
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}, not {rounding!r}")
    formats = set(FORMATS if formats is None else formats)
    unknown = formats - FORMATS
    if unknown:
        raise ValueError(
            f"unknown brief format(s) {', '.join(sorted(unknown))}; "
            f"choose from {', '.join(sorted(FORMATS))}"
        )
    results = list(results)
    label = option_names(results, names) if results else []
    groups = like_for_like_groups(results)
    from .summary import recommendation_table, summary_sentences

    recommendation = (
        recommendation_table(results, label, runs, contexts=contexts)
        if results and len(groups) == 1
        else None
    )
    front_tables = [recommendation] if recommendation is not None else []
    if len(groups) == 1:
        built = build_tables(results, label, waterfalls, uncertainty, contexts, runs, front_tables)
        sections: list[tuple[str | None, list[int]]] = [(None, list(range(len(results))))]
    else:
        # Options that cannot be compared: an overview, then one section per like-for-like group.
        built = [overview_table(results, label)]
        sections = []
        for k, idx in enumerate(groups, start=1):
            group_label = " / ".join(label[i] for i in idx)
            group_prefix = f"g{k}"
            part = build_tables(
                [results[i] for i in idx],
                [label[i] for i in idx],
                None if waterfalls is None else [waterfalls[i] for i in idx],
                uncertainty if k == 1 and uncertainty and len(groups) == 1 else None,
                None if contexts is None else [contexts[i] for i in idx],
                None if runs is None else [runs[i] for i in idx],
            )
            built += [_prefixed(t, group_prefix, group_label) for t in part]
            sections.append((group_prefix, idx))
    meta = brief_meta(results, label, title, rounding)
    meta["summary"] = summary_sentences(results, label, runs, contexts) if results else []
    if recommendation is not None:
        meta["recommendation"] = recommendation
    meta["caveats"] = caveats_box(contexts, label) if contexts is not None else []
    if len(groups) > 1:
        meta["units"] = "each option in its own currency and prices"
        meta["subtitle"] = (
            f"{len(results)} options in {len(groups)} like-for-like groups · "
            "each in its own currency and prices"
        )
    out = Path(out)
    stamp = {"what": "brief", "prevcalc_version": meta.get("version") or None}
    with atomic_dir(out, force=force, marker=MARKER, stamp=stamp) as tmp:
        chart_files = []
        if formats & {"md", "html", "docx", "charts"}:
            from .charts import brief_charts

            for prefix, idx in sections:
                folder = tmp / "charts" if prefix is None else tmp / "charts" / prefix
                tornadoes: list[Table] = (
                    [t for t in (uncertainty or []) if t.name.startswith("tornado")]
                    if prefix is None
                    else []
                )
                drawn = brief_charts(
                    [results[i] for i in idx],
                    [label[i] for i in idx],
                    folder,
                    tornadoes,
                    interventions={
                        k: v
                        for c in (contexts or [])
                        for k, v in (getattr(c, "interventions", None) or {}).items()
                    },
                )
                if prefix is not None:
                    drawn = [
                        replace(c, name=f"{prefix}-{c.name}", section=f"{prefix}_{c.section}")
                        for c in drawn
                    ]
                chart_files += drawn
        front = list(front_tables)
        caveats = [caveats_sheet(meta["caveats"])] if meta["caveats"] else []
        data_only = flow_tables(results, label)
        if "csv" in formats:
            from .csv import write_csvs

            write_csvs(front + caveats + built + data_only, tmp / "tables")
        if "md" in formats:
            from .markdown import write_markdown

            write_markdown(built, chart_files, meta, tmp / "brief.md")
        if "html" in formats:
            from .html import write_html

            write_html(built, chart_files, meta, tmp / "brief.html")
        if "docx" in formats:
            from .docx import write_docx

            write_docx(built, chart_files, meta, tmp / "brief.docx")
        if "xlsx" in formats:
            from .xlsx import write_xlsx

            write_xlsx(
                [summary_sheet(meta["summary"]), *front, *caveats, *built, *data_only],
                tmp / "brief.xlsx",
            )
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    return [out / p for p in written]
