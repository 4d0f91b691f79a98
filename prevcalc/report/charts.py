"""The brief's charts (matplotlib, Agg backend), and the data behind each one.

Three charts: the cumulative discounted net benefit of each option over time (the prevention
"J-curve") with its discounted payback year marked; PV costs funded against PV benefits gained
by each agency (who pays, who gains); and the NPV of each layer. Each is readable in black and
white: options differ by line style, marker and hatch, not by colour alone.

matplotlib is imported inside the functions, so importing this module costs nothing and
``prevcalc run`` stays fast. Saved files are byte-stable: the SVG hash salt is fixed and the
date and software stamps are left out, so the same data gives the same bytes.

Chart text is never read as mathematics (``text.parse_math`` is off in the one style every
chart is drawn and saved with), so a name such as "$5 and $10" is drawn as written, and user
text passes through :func:`_text` (no control characters; a leading underscore, which would
hide a legend entry, is kept visible).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..result import Result
from . import tables
from ._text import clean

#: Line styles, markers and hatches cycle together, so each option differs in more than colour.
LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P")
HATCHES = ("//", "..", "xx", "\\\\", "++", "oo")
#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

_RC: Any = {
    "svg.hashsalt": "prevcalc",
    "svg.fonttype": "none",  # text stays text: selectable, searchable, and small when inlined
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#d0d0d0",
    "grid.linewidth": 0.6,
    "hatch.linewidth": 0.8,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "standard",
    # User text ("$5 and $10", "$\\undefined$") is drawn as written, never parsed as mathtext.
    "text.parse_math": False,
}


@dataclass(frozen=True)
class ChartFile:
    """A saved chart, as the document writers consume it.

    ``section`` names the table the chart belongs beside (the writers place it after that
    table); ``png`` and ``svg`` are the two saved files.
    """

    name: str
    title: str
    caption: str
    png: Path
    svg: Path
    section: str = ""


def _units(currency: str, price_year: int | None) -> str:
    sym = tables.symbol(currency).strip()
    return f"{sym}, {price_year} prices" if price_year else sym


def _money_ticks(currency: str):
    """A tick formatter: £1.2m, £350k, -£40k (axes only; tables keep their own rounding)."""
    from matplotlib.ticker import FuncFormatter

    sym = tables.symbol(currency)

    def tick(v: float, _pos: Any) -> str:
        if v == 0:
            return f"{sym}0"
        sign = "-" if v < 0 else ""
        a = abs(v)
        for div, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
            if a >= div:
                return f"{sign}{sym}{a / div:,.{0 if a / div >= 100 else 1}f}{suffix}".replace(
                    ".0" + suffix, suffix
                )
        return f"{sign}{sym}{a:,.0f}"

    return FuncFormatter(tick)


def _names(results: Sequence[Result], names: Sequence[str] | None) -> list[str]:
    if names is None:
        return [r.name for r in results]
    if len(names) != len(results):
        raise ValueError("give one name per result")
    return list(names)


def _text(label: Any) -> str:
    """User text as a chart label: no control characters, and never a hidden legend entry
    (matplotlib leaves out labels that start with an underscore)."""
    s = clean(label)
    return " " + s if s.startswith("_") else s


def _label(key: str) -> str:
    return tables.LABELS.get(key, key.replace("_", " ").capitalize())


# -- the data behind each chart ---------------------------------------------------------------


def cumulative_data(results: Sequence[Result], names: Sequence[str] | None = None) -> pd.DataFrame:
    """The J-curve's data: option, year, cumulative PV net, and the discounted payback year.

    ``cumulative_pv_net`` is each result's ``cashflows()["cumulative_pv_net"]``, unchanged;
    ``discounted_payback_year`` repeats the summary figure on every row (NaN if it never pays back).
    """
    frames = []
    for r, name in zip(results, _names(results, names)):
        cf = r.cashflows()
        frames.append(
            pd.DataFrame(
                {
                    "option": name,
                    "year": cf["year"].to_numpy(),
                    "cumulative_pv_net": cf["cumulative_pv_net"].to_numpy(),
                    "discounted_payback_year": float(r.summary()["discounted_payback_year"]),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def agency_data(result: Result) -> pd.DataFrame:
    """The agency chart's data: PV costs funded and PV benefits gained by each agency."""
    by = result.by("agency")
    return pd.DataFrame(
        {
            "agency": list(by.index),
            "pv_costs_funded": by["pv_costs"].to_numpy(),
            "pv_benefits_gained": by["pv_benefits"].to_numpy(),
        }
    )


def layer_data(results: Sequence[Result], names: Sequence[str] | None = None) -> pd.DataFrame:
    """The layer chart's data: option, layer, NPV."""
    frames = []
    for r, name in zip(results, _names(results, names)):
        by = r.by("layer")
        frames.append(
            pd.DataFrame({"option": name, "layer": list(by.index), "npv": by["npv"].to_numpy()})
        )
    return pd.concat(frames, ignore_index=True)


def chart_data(
    results: Sequence[Result], names: Sequence[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Each chart's underlying data, by chart name (agency data for each option in turn)."""
    names = _names(results, names)
    data = {"cumulative": cumulative_data(results, names), "layers": layer_data(results, names)}
    for i, r in enumerate(results):
        data[_agency_stem(i, len(results))] = agency_data(r)
    return data


def _agency_stem(i: int, n: int) -> str:
    return "agencies" if n == 1 else f"agencies_{i + 1}"


# -- the charts ---------------------------------------------------------------------------------


def _figure(width: float = 7.0, height: float = 4.0):
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A bare Figure on an Agg canvas needs no pyplot state, so charts never leak between calls
    # or threads and no display is ever needed.
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    return fig, ax


def cumulative_chart(results: Sequence[Result], names: Sequence[str] | None = None):
    """Cumulative discounted net benefit of each option by year, payback years marked.

    Each option's line has gid ``cumulative-<i>`` and its payback marker ``payback-<i>``
    (absent when the option never pays back), so tests and scripts can find them.
    """
    import matplotlib

    data = cumulative_data(results, names)
    first = results[0]
    with matplotlib.rc_context(_RC):
        fig, ax = _figure(height=4.2 + 0.2 * len(results))
        for i, (name, d) in enumerate(data.groupby("option", sort=False)):
            style = dict(
                color=COLOURS[i % len(COLOURS)],
                linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                marker=MARKERS[i % len(MARKERS)],
                markersize=3.5,
                linewidth=1.6,
            )
            pb = d["discounted_payback_year"].iloc[0]
            # The payback year goes in the legend, never as a label on the plot, where the
            # options' labels would collide near the axis they cross together.
            when = "never pays back" if math.isnan(pb) else f"pays back in year {int(pb)}"
            (line,) = ax.plot(
                d["year"], d["cumulative_pv_net"], label=f"{_text(name)} ({when})", **style
            )
            line.set_gid(f"cumulative-{i}")
            if not math.isnan(pb):
                y = float(d.loc[d["year"] == int(pb), "cumulative_pv_net"].iloc[0])
                (mark,) = ax.plot(
                    [int(pb)],
                    [y],
                    linestyle="none",
                    marker="*",
                    markersize=12,
                    markerfacecolor="white",
                    markeredgecolor=style["color"],
                    markeredgewidth=1.4,
                    zorder=5,
                )
                mark.set_gid(f"payback-{i}")
        ax.plot(
            [],
            [],
            linestyle="none",
            marker="*",
            markersize=10,
            markerfacecolor="white",
            markeredgecolor="black",
            label="Discounted payback year",
        )
        ax.axhline(0, color="black", linewidth=0.9)
        ax.set_xlabel("Year (0 = base year)")
        ax.set_ylabel(
            f"Cumulative discounted net benefit ({_units(first.currency, first.price_year)})"
        )
        ax.yaxis.set_major_formatter(_money_ticks(first.currency))
        ax.set_xlim(-0.5, max(r.horizon for r in results) - 0.5)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(
            "When does it pay back? Cumulative discounted net benefit", loc="left", fontsize=10
        )
        # Below the plot: a legend inside it would cover the lines it names.
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize=8, frameon=False)
        fig.tight_layout()
    return fig


def per_person_data(result: Result) -> pd.DataFrame:
    """One participant's cumulative discounted net benefit by years since entry, per
    intervention, with the discounted payback (years after entry): the per-person J-curves."""
    lc = result.life_course
    if lc is None:
        return pd.DataFrame(
            columns=[
                "intervention",
                "years_since_entry",
                "cumulative_pv_net",
                "discounted_payback_years_since_entry",
            ]
        )
    data = lc.per_person()[["intervention", "years_since_entry", "cumulative_pv_net"]]
    payback = lc.person_summary().set_index("intervention")["discounted_payback_years_since_entry"]
    data["discounted_payback_years_since_entry"] = data["intervention"].map(
        lambda i: float(payback[i]) if pd.notna(payback[i]) else math.nan
    )
    return data


def per_person_chart(result: Result, interventions: Mapping[str, str] | None = None):
    """Each intervention's per-person J-curve, one small panel each (each on its own scale, so
    a programme worth thousands a head is not flattened by one worth hundreds of thousands):
    one participant's cumulative discounted net benefit by years since entry, a star where it
    turns positive for good. Each line has gid ``person-<i>``. ``interventions`` maps ids to
    the names shown (default: the ids)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    data = per_person_data(result)
    groups = list(data.groupby("intervention", sort=False))
    cols = min(3, max(1, len(groups)))
    rows = -(-len(groups) // cols) if groups else 1
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(7.0, 1.2 + 2.3 * rows))
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, cols, squeeze=False)
        for i, (ident, d) in enumerate(groups):
            ax = axes[i // cols][i % cols]
            colour = COLOURS[i % len(COLOURS)]
            (line,) = ax.plot(
                d["years_since_entry"], d["cumulative_pv_net"], color=colour, linewidth=1.6
            )
            line.set_gid(f"person-{i}")
            ax.axhline(0, color="black", linewidth=0.8)
            pb = d["discounted_payback_years_since_entry"].iloc[0]
            if not math.isnan(pb):
                y = float(d.loc[d["years_since_entry"] == int(pb), "cumulative_pv_net"].iloc[0])
                ax.plot(
                    [int(pb)],
                    [y],
                    linestyle="none",
                    marker="*",
                    markersize=10,
                    markerfacecolor="white",
                    markeredgecolor=colour,
                    markeredgewidth=1.3,
                    zorder=5,
                )
                words = (
                    "repaid within the first year"
                    if int(pb) == 0
                    else f"repaid {int(pb)} year{'s' if int(pb) != 1 else ''} after entry"
                )
            else:
                words = "not repaid within the horizon"
            shown = (interventions or {}).get(str(ident), ident)
            ax.set_title(f"{_text(shown)}\n{words}", loc="left", fontsize=8.5)
            ax.yaxis.set_major_formatter(_money_ticks(result.currency))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.tick_params(labelsize=7.5)
        for j in range(len(groups), rows * cols):
            axes[j // cols][j % cols].set_visible(False)
        fig.supxlabel("Years since the participant entered", fontsize=9)
        fig.supylabel(
            f"Cumulative discounted net benefit ({_units(result.currency, result.price_year)})",
            fontsize=9,
        )
        fig.suptitle(
            "One participant over time: when do their savings repay their costs?",
            x=0.01,
            ha="left",
            fontsize=10,
        )
        fig.tight_layout()
    return fig


def agency_position_chart(result: Result, most: int = 6):
    """Each budget's cumulative net position by year (undiscounted), for the agencies with the
    largest flows; a star marks the year a funding agency's budget breaks even for good.

    Each agency's line has gid ``position-<agency>`` and its marker ``break-even-<agency>``.
    """
    import matplotlib

    flows = result.agency_flows()
    sums = flows.groupby("agency", sort=False)[["costs", "benefits"]].sum()
    size = sums["costs"] + sums["benefits"]
    size = size[size > 0].sort_values(ascending=False, kind="stable")
    shown = list(size.index[:most])
    positions = result.agency_positions().set_index("agency")
    with matplotlib.rc_context(_RC):
        fig, ax = _figure(7.0, 4.4)
        for i, agency in enumerate(shown):
            d = flows[flows["agency"] == agency]
            style = dict(
                color=COLOURS[i % len(COLOURS)],
                linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                linewidth=1.6,
            )
            (line,) = ax.plot(d["year"], d["cumulative_net"], label=_text(_pretty(agency)), **style)
            line.set_gid(f"position-{agency}")
            be = positions.loc[agency, "break_even_year"]
            if positions.loc[agency, "pv_costs_funded"] > 0 and not pd.isna(be):
                y = float(d.loc[d["year"] == int(be), "cumulative_net"].iloc[0])
                (mark,) = ax.plot(
                    [int(be)],
                    [y],
                    linestyle="none",
                    marker="*",
                    markersize=12,
                    markerfacecolor="white",
                    markeredgecolor=style["color"],
                    zorder=5,
                )
                mark.set_gid(f"break-even-{agency}")
        ax.axhline(0, color="black", linewidth=0.9)
        ax.set_xlabel("Year (0 = base year)")
        ax.set_ylabel(f"Cumulative net ({_units(result.currency, result.price_year)})")
        ax.yaxis.set_major_formatter(_money_ticks(result.currency))
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(-0.5, result.horizon - 0.5)
        ax.set_title(
            "Each budget over time: gained minus funded, cumulative", loc="left", fontsize=10
        )
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8)
        fig.tight_layout()
    return fig


def _payback_message(results: Sequence[Result], names: Sequence[str]) -> str:
    """What the J-curve shows, in words: when each option pays back once discounted."""
    parts = []
    for r, name in zip(results, names):
        pb = float(r.summary()["discounted_payback_year"])
        when = f"pays back in year {int(pb)}" if math.isfinite(pb) else "does not pay back"
        parts.append(f"{_text(name)} {when}" if len(results) > 1 else f"It {when}")
    return "; ".join(parts) + " (discounted)."


# -- each chart's message, in words (its caption and alt text) -----------------------------------


def _m(x: float, currency: str) -> str:
    from .summary import money

    return money(x, currency)


def _flows_message(r: Result) -> str:
    """When the spending and the benefits peak (undiscounted)."""
    flows = r.cashflows()
    costs, gains = flows["costs"].to_numpy(), flows["benefits"].to_numpy()
    parts = []
    if costs.max(initial=0.0) > 0:
        k = int(np.argmax(costs))
        parts.append(f"Spending peaks in year {k} ({_m(costs[k], r.currency)})")
    if gains.max(initial=0.0) > 0:
        k = int(np.argmax(gains))
        parts.append(f"benefits peak in year {k} ({_m(gains[k], r.currency)})")
    return (_cap_first("; ".join(parts)) + ".") if parts else "It has no flows."


def _cap_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _agency_message(r: Result) -> str:
    """Which agency funds the most, what it gains itself, and which gains the most."""
    from .summary import agency_name

    pos = r.agency_positions()
    if not len(pos):
        return ""
    funder = pos.iloc[int(np.argmax(pos["pv_costs_funded"].to_numpy(dtype=float)))]
    gainer = pos.iloc[int(np.argmax(pos["pv_benefits_gained"].to_numpy(dtype=float)))]
    c = r.currency
    text = ""
    if funder["pv_costs_funded"] > 0:
        own = float(funder["pv_benefits_gained"])
        text = (
            f"{_cap_first(agency_name(str(funder['agency'])))} funds the most "
            f"({_m(funder['pv_costs_funded'], c)}) and gains "
            + (_m(own, c) if own > 0 else "nothing")
            + " itself"
        )
    if gainer["pv_benefits_gained"] > 0 and gainer["agency"] != funder["agency"]:
        text += ("; " if text else "") + (
            f"{agency_name(str(gainer['agency']))} gains the most "
            f"({_m(gainer['pv_benefits_gained'], c)})"
        )
    return _cap_first(text) + "." if text else ""


def _positions_message(r: Result) -> str:
    """The year each funding agency's budget breaks even for good (or that it never does)."""
    from .summary import agency_name

    pos = r.agency_positions()
    funders = pos[pos["pv_costs_funded"] > 0].sort_values("pv_costs_funded", ascending=False)
    parts = []
    for _, row in funders.head(3).iterrows():
        year = row["break_even_year"]
        name = agency_name(str(row["agency"]))
        whose = name + ("'" if name.endswith("s") else "'s")
        parts.append(
            f"{whose} budget never breaks even"
            if pd.isna(year)
            else f"{whose} budget breaks even in year {int(year)}"
        )
    return _cap_first("; ".join(parts)) + "." if parts else ""


def _per_person_message(r: Result, interventions: Mapping[str, str] | None = None) -> str:
    """The years since entry in which one participant's discounted net turns positive."""
    lc = r.life_course
    if lc is None:
        return ""
    ps = lc.person_summary()
    parts = []
    for _, row in ps.iterrows():
        k = row["discounted_payback_years_since_entry"]
        k = math.nan if pd.isna(k) else float(k)
        who = _text((interventions or {}).get(str(row["intervention"]), row["intervention"]))
        parts.append(f"{who}: year {int(k)}" if math.isfinite(k) else f"{who}: never")
    return "Turns positive for good (discounted), by years since entry: " + "; ".join(parts) + "."


def _who_gains_message(results: Sequence[Result], names: Sequence[str]) -> str:
    """The group with the largest net benefit per participant (for each option)."""
    found = []
    for r, name in zip(results, names):
        eq = r.equity
        if eq is None:
            continue
        per = eq.table()["net_per_participant"].to_numpy(dtype=float)
        if np.isfinite(per).any():
            g = int(np.nanargmax(per))
            found.append((_text(name), eq.labels[g], _m(float(per[g]), r.currency)))
    if not found:
        return ""
    if len({label for _, label, _ in found}) == 1:
        amounts = ", ".join(a for _, _, a in found)
        every = " for every option" if len(found) > 1 else ""
        return f"Net benefit per participant is largest in {found[0][1]}{every} ({amounts})."
    return (
        "Net benefit per participant is largest in "
        + "; ".join(f"{label} for {name} ({a})" for name, label, a in found)
        + "."
    )


def _plane_message(results: Sequence[Result], names: Sequence[str]) -> str:
    """Which option has the highest NPV and which leans most to poorer groups."""
    npv = [float(r.summary()["npv"]) for r in results]
    lean = [-r.equity.concentration_index if r.equity else -math.inf for r in results]
    best, pro_poor = int(np.argmax(npv)), int(np.argmax(lean))
    if np.ptp(lean) <= 1e-9:
        return (
            f"Every option spreads its net benefit alike across the groups; {_text(names[best])} "
            "has the highest NPV."
        )
    if best == pro_poor:
        return f"{_text(names[best])} has both the highest NPV and the most pro-poor spread."
    return (
        f"{_text(names[best])} has the highest NPV; {_text(names[pro_poor])} leans most to "
        "poorer groups."
    )


def _layers_message(results: Sequence[Result], names: Sequence[str]) -> str:
    """The layer with the highest NPV (for each option when there are several)."""
    parts = []
    for r, name in zip(results, names):
        by = r.by("layer")["npv"]
        if not len(by):
            continue
        top = str(by.idxmax())
        who = f"{_text(name)}: " if len(results) > 1 else ""
        parts.append(f"{who}{top} highest ({_m(float(by.max()), r.currency)})")
    return ("By NPV, " + "; ".join(parts) + ".") if parts else ""


def _tornado_message(t: tables.Table) -> str:
    """The input the NPV moves most with, and how far."""
    f = t.frame
    if not len(f):
        return ""
    top = f.iloc[int(np.argmax(f["swing"].to_numpy(dtype=float)))]
    return (
        f"The NPV moves most with {_text(top['input'])}: from "
        f"{_m(float(top['npv_low']), t.currency)} to {_m(float(top['npv_high']), t.currency)}."
    )


def flows_chart(result: Result):
    """Bars of each year's undiscounted costs (drawn below zero) and benefits (above), with
    the net as a line: the year-by-year picture under the J-curve. Bars have gids
    ``costs-bars`` and ``benefits-bars``."""
    import matplotlib

    flows = result.cashflows()
    with matplotlib.rc_context(_RC):
        fig, ax = _figure()
        years = flows["year"].to_numpy()
        costs = ax.bar(
            years,
            -flows["costs"].to_numpy(),
            color=COLOURS[1],
            hatch=HATCHES[0],
            label="Costs",
            width=0.8,
        )
        benefits = ax.bar(
            years,
            flows["benefits"].to_numpy(),
            color=COLOURS[0],
            hatch=HATCHES[1],
            label="Benefits",
            width=0.8,
        )
        for bar in costs:
            bar.set_gid("costs-bars")
        for bar in benefits:
            bar.set_gid("benefits-bars")
        ax.plot(years, flows["net"].to_numpy(), color="black", linewidth=1.4, label="Net")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlabel("Year (0 = base year)")
        ax.set_ylabel(f"Undiscounted flow ({_units(result.currency, result.price_year)})")
        ax.yaxis.set_major_formatter(_money_ticks(result.currency))
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title("Costs and benefits each year", loc="left", fontsize=10)
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), ncol=3, fontsize=8, frameon=False)
        fig.tight_layout()
    return fig


def who_gains_chart(results: Sequence[Result], names: Sequence[str]):
    """Grouped bars: net benefit per participant in each group, one bar per option."""
    import matplotlib

    first = results[0]
    with matplotlib.rc_context(_RC):
        fig, ax = _figure()
        labels = first.equity.labels
        x = np.arange(len(labels))
        width = 0.8 / max(len(results), 1)
        for i, (r, name) in enumerate(zip(results, names)):
            per = r.equity.table()["net_per_participant"].to_numpy(dtype=float)
            bars = ax.bar(
                x + (i - (len(results) - 1) / 2) * width,
                np.nan_to_num(per),
                width,
                label=_text(name),
                color=COLOURS[i % len(COLOURS)],
                hatch=HATCHES[i % len(HATCHES)],
            )
            for b in bars:
                b.set_gid(f"who-gains-{i}")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(x, [_text(lb) for lb in labels], fontsize=8)
        ax.set_ylabel(f"Net benefit per participant ({_units(first.currency, first.price_year)})")
        ax.yaxis.set_major_formatter(_money_ticks(first.currency))
        ax.set_title(
            "Who gains: net benefit per participant, poorest group first", loc="left", fontsize=10
        )
        if len(results) > 1:
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
    return fig


def equity_plane_chart(results: Sequence[Result], names: Sequence[str]):
    """The equity-efficiency plane: NPV (x) against minus the concentration index (y)."""
    import matplotlib

    first = results[0]
    with matplotlib.rc_context(_RC):
        fig, ax = _figure()
        for i, (r, name) in enumerate(zip(results, names)):
            eq = r.equity
            (pt,) = ax.plot(
                [eq.npv],
                [-eq.concentration_index],
                linestyle="none",
                marker=MARKERS[i % len(MARKERS)],
                markersize=9,
                color=COLOURS[i % len(COLOURS)],
                label=_text(name),
            )
            pt.set_gid(f"plane-{i}")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(f"NPV ({_units(first.currency, first.price_year)})")
        ax.xaxis.set_major_formatter(_money_ticks(first.currency))
        ax.set_ylabel("Leans to poorer groups (− concentration index)")
        ax.set_title(
            "Equity-efficiency plane: more value (right), fairer (up)", loc="left", fontsize=10
        )
        ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
    return fig


def agency_chart(result: Result):
    """Grouped bars: PV costs each agency funds against PV benefits it gains ("wrong pockets")."""
    import matplotlib

    data = agency_data(result)
    with matplotlib.rc_context(_RC):
        fig, ax = _figure(7.0, max(3.0, 0.9 + 0.42 * len(data)))
        y = np.arange(len(data))
        h = 0.38
        ax.barh(
            y - h / 2,
            data["pv_costs_funded"],
            h,
            label=_label("pv_costs_funded"),
            color="#ffffff",
            edgecolor="#333333",
            hatch="//",
            linewidth=0.8,
        )
        ax.barh(
            y + h / 2,
            data["pv_benefits_gained"],
            h,
            label=_label("pv_benefits_gained"),
            color="#9ecae1",
            edgecolor="#333333",
            hatch="..",
            linewidth=0.8,
        )
        ax.set_yticks(y, [_text(_pretty(a)) for a in data["agency"]])
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.9)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(f"Present value ({_units(result.currency, result.price_year)})")
        ax.set_ylabel("Agency")
        ax.xaxis.set_major_formatter(_money_ticks(result.currency))
        ax.set_title("Who pays and who gains, by agency", loc="left", fontsize=10)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8)
        fig.tight_layout()
    return fig


def layer_chart(results: Sequence[Result], names: Sequence[str] | None = None):
    """Net present value of each layer (upstream, midstream, downstream), bars grouped by option."""
    import matplotlib

    data = layer_data(results, names)
    layers = [l for l in ("upstream", "midstream", "downstream") if l in set(data["layer"])]
    layers += [l for l in dict.fromkeys(data["layer"]) if l not in layers]
    options = list(dict.fromkeys(data["option"]))
    first = results[0]
    with matplotlib.rc_context(_RC):
        fig, ax = _figure()
        x = np.arange(len(layers))
        w = 0.8 / len(options)
        for i, name in enumerate(options):
            d = data[data["option"] == name].set_index("layer").reindex(layers)
            ax.bar(
                x - 0.4 + w * (i + 0.5),
                d["npv"].fillna(0.0),
                w,
                label=_text(name),
                color=COLOURS[i % len(COLOURS)],
                alpha=0.85,
                edgecolor="#222222",
                hatch=HATCHES[i % len(HATCHES)],
                linewidth=0.8,
            )
        ax.set_xticks(x, [_text(l.capitalize()) for l in layers])
        ax.axhline(0, color="black", linewidth=0.9)
        ax.grid(axis="x", visible=False)
        ax.set_xlabel("Layer")
        ax.set_ylabel(f"Net present value ({_units(first.currency, first.price_year)})")
        ax.yaxis.set_major_formatter(_money_ticks(first.currency))
        ax.set_title("Net present value by layer", loc="left", fontsize=10)
        if len(options) > 1:
            ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
    return fig


def tornado_chart(table: tables.Table):
    """The tornado: NPV with each input at its low and high value, widest swing at the top.

    ``table`` is :func:`prevcalc.report.tables.tornado_table`; bars start from the central NPV
    (``npv_central`` in its note's source frame attrs, else the mean of the two ends).
    """
    import matplotlib

    f = table.frame
    central = f.attrs.get("npv_central")
    if central is None:
        central = float(((f["npv_low"] + f["npv_high"]) / 2).mean()) if len(f) else 0.0
    with matplotlib.rc_context(_RC):
        fig, ax = _figure(7.0, max(2.6, 0.9 + 0.38 * len(f)))
        y = np.arange(len(f))
        ax.barh(
            y,
            f["npv_low"] - central,
            0.6,
            left=central,
            label="Input at its low value",
            color="#ffffff",
            edgecolor="#333333",
            hatch="//",
            linewidth=0.8,
        )
        ax.barh(
            y,
            f["npv_high"] - central,
            0.6,
            left=central,
            label="Input at its high value",
            color="#9ecae1",
            edgecolor="#333333",
            hatch="..",
            linewidth=0.8,
        )
        ax.set_yticks(y, [_text(i) for i in f["input"]])
        ax.invert_yaxis()
        ax.axvline(central, color="black", linewidth=0.9)
        ax.set_xlabel(f"NPV ({_units(table.currency, table.price_year)})")
        ax.xaxis.set_major_formatter(_money_ticks(table.currency))
        ax.set_title("One-way sensitivity of NPV (tornado)", loc="left", fontsize=10)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, fontsize=8)
        fig.tight_layout()
    return fig


def _pretty(label: str) -> str:
    """An agency id as words: ``childrens_social_care`` -> ``Childrens social care``."""
    return label.replace("_", " ").capitalize() if label.islower() else label


def save_chart(fig, stem: Path | str) -> tuple[Path, Path]:
    """Save ``fig`` as ``<stem>.png`` and ``<stem>.svg``, byte-stable; returns both paths."""
    import matplotlib

    stem = Path(stem)
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    with matplotlib.rc_context(_RC):
        fig.savefig(png, format="png", metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return png, svg


def brief_charts(
    results: Sequence[Result],
    names: Sequence[str],
    folder: Path,
    tornadoes: Sequence[tables.Table] = (),
    interventions: Mapping[str, str] | None = None,
) -> list[ChartFile]:
    """Draw and save every chart of a brief into ``folder``; returns them in report order.
    ``interventions`` maps intervention ids to the names the charts show."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    first = results[0]
    units = _units(first.currency, first.price_year)
    out = []

    def keep(fig, name: str, title: str, caption: str, section: str) -> None:
        png, svg = save_chart(fig, folder / name)
        out.append(ChartFile(name, title, caption, png, svg, section))

    keep(
        cumulative_chart(results, names),
        "cumulative",
        "Cumulative discounted net benefit",
        f"Cumulative discounted net benefit by year ({units}). A star marks the discounted payback "
        "year, when the running total first reaches zero. " + _payback_message(results, names),
        "comparison",
    )
    for i, (r, name) in enumerate(zip(results, names)):
        who = f": {name}" if len(results) > 1 else ""
        keep(
            flows_chart(r),
            f"flows-{i + 1}" if len(results) > 1 else "flows",
            f"Costs and benefits each year{who}",
            f"Undiscounted costs (below zero) and benefits (above) in each year{who} ({units}): "
            "the spending comes first and the savings follow, which is the J-curve above. "
            + _flows_message(r),
            "comparison",
        )
    for i, (r, name) in enumerate(zip(results, names)):
        who = f": {name}" if len(results) > 1 else ""
        keep(
            agency_chart(r),
            _agency_stem(i, len(results)),
            f"Who pays and who gains{who}",
            "PV costs funded (hatched //) and PV benefits gained (dotted) "
            f"by agency{who} ({units}). " + _agency_message(r),
            "agencies",
        )
    for i, (r, name) in enumerate(zip(results, names)):
        who = f": {name}" if len(results) > 1 else ""
        stem = "agency-positions" if len(results) == 1 else f"agency-positions-{i + 1}"
        keep(
            agency_position_chart(r),
            stem,
            f"Each budget over time{who}",
            f"Cumulative net position of the agencies with the largest flows{who}, undiscounted "
            f"({units}): below zero, the agency has funded more than it has gained; "
            "a star marks the "
            "year a funding agency's budget breaks even for good. " + _positions_message(r),
            "agency_cumulative",
        )
    seen: list[np.ndarray] = []
    for i, (r, name) in enumerate(zip(results, names)):
        lc = r.life_course
        if lc is None or any(
            p.shape == lc.person.shape and np.allclose(p, lc.person) for p in seen
        ):
            continue  # a variant that leaves every participant's flows as they were adds nothing
        seen.append(lc.person)
        who = f": {name}" if len(results) > 1 else ""
        keep(
            per_person_chart(r, interventions),
            f"per-person-{i + 1}" if len(results) > 1 else "per-person",
            f"One participant over time{who}",
            f"Cumulative discounted net benefit of one participant of each intervention, by years "
            f"since entry{who} ({units}); a star marks the year it turns positive for good. "
            "Programme-level costs (setup, running) are not in it. "
            + _per_person_message(r, interventions),
            "per_person",
        )
    fair = [(r, n) for r, n in zip(results, names) if r.equity is not None]
    if fair:
        keep(
            who_gains_chart([r for r, _ in fair], [n for _, n in fair]),
            "who-gains",
            "Who gains, by group",
            f"Net benefit per participant in each income (or deprivation) "
            f"group, poorest first ({units}); groups no flow reaches are empty. "
            + _who_gains_message([r for r, _ in fair], [n for _, n in fair]),
            "who_gains",
        )
        if len(fair) > 1:
            keep(
                equity_plane_chart([r for r, _ in fair], [n for _, n in fair]),
                "equity-plane",
                "Equity-efficiency plane",
                "Each option's NPV against how far its net benefit "
                "leans to poorer groups (minus the concentration index: higher is more "
                "pro-poor). " + _plane_message([r for r, _ in fair], [n for _, n in fair]),
                "who_gains_compared",
            )
    keep(
        layer_chart(results, names),
        "layers",
        "Net present value by layer",
        f"Net present value of each layer ({units}). " + _layers_message(results, names),
        "layers",
    )
    for t in tornadoes or ():
        keep(
            tornado_chart(t),
            t.name,
            t.title,
            f"NPV with each input at its low and high value, "
            f"others central ({units}); the line is NPV with every input central. "
            + _tornado_message(t),
            t.name,
        )
    return out
