"""Rich rendering of report tables: the only report module that imports rich.

User text (scenario, intervention and outcome names, sources, messages quoting them) reaches a
terminal only without escape sequences and control characters: both consoles pass every string
they render through :func:`~prevcalc.report._text.terminal_text`, and the rich ``Text`` objects
built here are built from cleaned text, so a name cannot recolour, retitle or clear the terminal.
"""

from __future__ import annotations

import os
import sys

import numpy as np
from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table as RichTable
from rich.text import Text

from ..result import Result
from . import tables
from ._text import clean, terminal_text
from .tables import Table


class SafeConsole(Console):
    """A rich console that removes escape sequences and control characters from every string
    it renders (rich itself removes only a few control characters, and no escape sequences)."""

    def render_str(self, text: str, **kwargs) -> Text:
        return super().render_str(terminal_text(text), **kwargs)


def _text(text: object, style: str = "") -> Text:
    """A rich Text of user text, made safe for a terminal."""
    return Text(terminal_text(text), style=style)


class Terminal:
    """Two consoles: stdout for the requested output, stderr for messages and warnings.

    Markup, emoji and highlighting are off, so a scenario named "Pilot [2025]" prints as
    written; colour follows NO_COLOR and whether the stream is a terminal.
    """

    def __init__(self, width: int | None = None) -> None:
        no_color = bool(os.environ.get("NO_COLOR")) or None
        self.out = SafeConsole(
            file=sys.stdout,
            markup=False,
            emoji=False,
            highlight=False,
            width=width,
            no_color=no_color,
        )
        self.err = SafeConsole(
            file=sys.stderr,
            stderr=True,
            markup=False,
            emoji=False,
            highlight=False,
            width=width,
            no_color=no_color,
        )

    def print(self, *renderables) -> None:
        self.out.print(*renderables)

    def raw(self, text: str) -> None:
        """Write data (JSON, CSV) to stdout untouched by rich, but without escape sequences or
        control characters (JSON escapes its own; CSV and Markdown have none of their own)."""
        text = clean(text)
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()

    def warn(self, message: str) -> None:
        self.err.print(Text("warning: ", style="bold yellow") + _text(message), soft_wrap=True)

    def error(self, message: str) -> None:
        self.err.print(Text("error: ", style="bold red") + _text(message), soft_wrap=True)

    def info(self, message: str) -> None:
        self.err.print(_text(message, style="dim"), soft_wrap=True)


def _title(table: Table) -> str:
    money = any(k == "money" for k in table.kinds.values())
    return (
        f"{table.title} ({table.currency}, {table.price_year} prices)"
        if money and table.price_year
        else table.title
    )


def _safe(text):
    """A formatted table (all text) with its headers and cells made safe for a terminal, so the
    rich table is safe whichever console prints it."""
    text = text.map(terminal_text)
    text.columns = [terminal_text(c) for c in text.columns]
    return text


def render_table(
    table: Table, rounding: tables.Rounding = "unit", width: int | None = None
) -> RenderableType:
    """A report table as a rich table, numbers right-aligned, units in the title.

    Numbers are never cut: when the columns do not fit ``width`` (default: the terminal's, 80
    when output is piped), the figures are split over several tables, each repeating the
    leading label columns.
    """
    text = _safe(table.formatted(rounding, units=False))
    shown = table.shown()
    specs = []
    for col, header in zip(shown, text.columns):
        numeric = table.kinds.get(col, "text") != "text"
        longest = max([len(str(v)) for v in text[header]] + [1])
        # Numbers keep their width; text columns give way (down to 12 characters) and wrap at
        # spaces; no column is narrower than the longest word of its header, which never folds.
        word = max([len(w) for w in str(header).split()] + [1])
        specs.append((header, numeric, max(word, longest if numeric else min(longest, 12))))
    width = width or Console().width
    labels = 0
    while labels < len(specs) and not specs[labels][1]:
        labels += 1
    labels = min(labels, 2)
    if labels == 0 and shown and shown[0] == "year":
        labels = 1  # the year labels each row of a year-by-year table
    label_width = sum(w + 3 for _, _, w in specs[:labels])
    needs = [max(specs[j][2], min(len(specs[j][0]), 8)) + 3 for j in range(labels, len(specs))]
    chunks = [[labels + j for j in chunk] for chunk in _pack(needs, width - 4 - label_width)]
    out = []
    for n, chunk in enumerate(chunks):
        title = terminal_text(_title(table)) + (
            f" ({n + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        )
        t = RichTable(title=title, box=box.SIMPLE_HEAD, title_justify="left", title_style="bold")
        cols = list(range(labels)) + chunk
        for j in cols:
            header, numeric, min_width = specs[j]
            t.add_column(
                header, justify="right" if numeric else "left", overflow="fold", min_width=min_width
            )
        for row in text.itertuples(index=False):
            t.add_row(*[row[j] for j in cols])
        out.append(t)
    return out[0] if len(out) == 1 else Group(*out)


def _pack(needs: list[int], room: int) -> list[list[int]]:
    """Indices of columns needing ``needs`` characters, packed in order into chunks of at most
    ``room`` characters (a column wider than the room gets a chunk of its own)."""
    chunks: list[list[int]] = [[]]
    used = 0
    for i, need in enumerate(needs):
        if chunks[-1] and used + need > room:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += need
    return chunks


def render_transposed(
    table: Table, label_cols: int = 1, rounding: tables.Rounding = "unit", width: int | None = None
) -> RenderableType:
    """A table of groups × figures shown as figures × groups, which fits a narrow terminal.

    Figures keep their width (digits are never cut); when the groups do not fit ``width``
    (default: the terminal's), they are split over several tables, each repeating the figure
    names, rather than cut at the edge.
    """
    text = _safe(table.formatted(rounding, units=False))
    width = width or Console().width
    names = [" · ".join(str(row.iloc[i]) for i in range(label_cols)) for _, row in text.iterrows()]
    figures = [
        max([len(str(v)) for v in row.iloc[label_cols:]] + [1]) for _, row in text.iterrows()
    ]
    label_width = max([len(str(c)) for c in text.columns[label_cols:]] + [1]) + 3
    needs = [max(w, min(len(names[i]), 12)) + 3 for i, w in enumerate(figures)]
    chunks = _pack(needs, width - 1 - label_width)
    out = []
    for n, chunk in enumerate(chunks):
        title = terminal_text(_title(table)) + (
            f" ({n + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        )
        t = RichTable(title=title, box=box.SIMPLE_HEAD, title_justify="left", title_style="bold")
        t.add_column("", no_wrap=True)  # figure names stay whole; the groups' headings fold
        for i in chunk:
            t.add_column(
                names[i],
                justify="right",
                overflow="fold",
                no_wrap=len(text) <= 3,
                min_width=figures[i],
            )
        for j in range(label_cols, text.shape[1]):
            t.add_row(text.columns[j], *[str(text.iloc[i, j]) for i in chunk])
        out.append(t)
    return out[0] if len(out) == 1 else Group(*out)


def render_headline(result: Result, rounding: tables.Rounding = "unit") -> Group:
    """The headline panel: NPV, BCR, ROI, payback, per person..."""
    grid = RichTable.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(justify="right")
    for label, value in tables.headline(result, rounding):
        grid.add_row(label, value)
    p = result.provenance
    years = f"{result.horizon} year{'s' if result.horizon != 1 else ''}"
    sub = (
        f"{result.currency}, {result.price_year} prices · {years} · "
        f"discounting {p.get('schedule')} ({p.get('timing')} of year)"
    )
    if result.draws > 1:
        sub += f" · mean of {result.draws:,} draws"
    return Group(
        Panel(
            grid,
            title=_text(result.name, style="bold"),
            title_align="left",
            box=box.ROUNDED,
            expand=False,
        ),
        _text(sub, style="dim"),
    )


def render_histogram(
    values: np.ndarray, currency: str, bins: int = 12, width: int = 40
) -> RichTable:
    """A text histogram of a distribution (e.g. NPV over draws)."""
    values = values[np.isfinite(values)]
    counts, edges = np.histogram(values, bins=bins)
    peak = max(int(counts.max()), 1)
    t = RichTable(
        title="Distribution of NPV over draws",
        box=box.SIMPLE,
        title_justify="left",
        title_style="bold",
        show_header=True,
    )
    t.add_column("NPV from", justify="right")
    t.add_column("to", justify="right")
    t.add_column("draws", justify="left")
    for c, lo, hi in zip(counts, edges[:-1], edges[1:]):
        bar = "█" * int(round(width * c / peak))
        style = "red" if hi <= 0 else ("green" if lo >= 0 else "yellow")
        t.add_row(
            tables.fmt(lo, "money", currency, "sig3"),
            tables.fmt(hi, "money", currency, "sig3"),
            Text(bar, style=style) + Text(f" {c:,}"),
        )
    return t


def render_distribution(result: Result, ci: float) -> RichTable:
    """Mean, median and interval of each summary figure, with P(NPV > 0)."""
    lo, hi = ("p05", "p95") if ci == 0.90 else ("p025", "p975")
    dist = result.distribution("total", ci)
    t = RichTable(
        title=f"Uncertainty ({result.draws:,} draws, {ci:.0%} interval)",
        box=box.SIMPLE_HEAD,
        title_justify="left",
        title_style="bold",
    )
    for h in (
        "Figure",
        "Mean",
        "Median",
        "5th pct" if lo == "p05" else "2.5th pct",
        "95th pct" if hi == "p95" else "97.5th pct",
    ):
        t.add_column(h, justify="left" if h == "Figure" else "right")
    for row in dist.itertuples(index=False):
        metric = str(row.metric)
        kind = tables.METRIC_KINDS[metric]
        if metric in ("payback_year", "discounted_payback_year"):
            # A draw that never pays back counts as beyond the horizon: no mean, and "never"
            # wherever a percentile falls among such draws.
            a = tables.payback_over_draws(result, metric)
            cells = ["–"] + [
                ("never" if np.isinf(v) else tables.fmt(v, kind))
                for v in (
                    np.median(a),
                    tables.payback_percentile(a, 5 if lo == "p05" else 2.5),
                    tables.payback_percentile(a, 95 if hi == "p95" else 97.5),
                )
            ]
            t.add_row(tables.LABELS[metric], *cells)
            continue
        values = result.metric(metric)[:, 0]
        finite = values[np.isfinite(values)]
        label = tables.LABELS[metric]
        if finite.size and np.ptp(finite) == 0:
            label += " (no spread)"
        elif metric == "irr" and 0 < finite.size < values.size:
            label += f" (over {finite.size:,} draws with one)"
        t.add_row(
            label,
            *[
                tables.fmt(getattr(row, k), kind, result.currency)
                for k in ("mean", "median", lo, hi)
            ],
        )
    npv = result.metric("npv")[:, 0]
    prob = float(np.mean(npv > 0))
    spread = np.ptp(npv[np.isfinite(npv)]) > 0 if np.isfinite(npv).any() else False
    t.add_row("P(NPV > 0)", tables.fmt(prob, "probability") if spread else "no spread", "", "", "")
    pays = result.prob_pays_back("payback_year")
    if pays is not None:
        t.add_row("P(pays back in horizon)", tables.fmt(pays, "probability"), "", "", "")
    return t


COMPACT = [
    "intervention",
    "layer",
    "pv_costs",
    "pv_benefits",
    "npv",
    "bcr",
    "discounted_payback_year",
    "prob_npv_positive",
]


def _groups_view(table: Table, label_cols: int):
    """Few groups: figures as rows, a column per group. Many: a row per group, key figures only."""
    if len(table.frame) <= 3:
        return render_transposed(table, label_cols)
    return render_table(table.select(COMPACT))


def render_run(result: Result, all_years: bool = False, ci: float = 0.90) -> Group:
    """The whole terminal report of one run."""
    parts: list[RenderableType] = [render_headline(result)]
    if result.draws > 1:
        npv = result.metric("npv")[:, 0]
        parts.append(render_distribution(result, ci))
        finite = npv[np.isfinite(npv)]
        if finite.size and np.ptp(finite) > 0:
            parts.append(render_histogram(npv, result.currency))
        else:
            parts.append(
                Text(
                    "NPV is the same in every draw: the scenario has no uncertain inputs "
                    "(give numbers as distributions to see a spread).",
                    style="dim",
                )
            )
    ivs, layers, agencies, years = tables.run_tables(result, all_years=all_years)
    if len(ivs.frame) > 1:
        parts.append(_groups_view(ivs, 2))
        if len(layers.frame) > 1:
            parts.append(_groups_view(layers, 1))
        else:
            layer = str(layers.frame.iloc[0, 0])
            parts.append(
                _text(
                    f"All interventions are {layer}: the layer's figures are the headline's.",
                    style="dim",
                )
            )
    else:
        iv = ivs.frame.iloc[0]
        parts.append(
            _text(
                f"One intervention ({iv['intervention']}, {iv['layer']}): its figures, and its "
                "layer's, are the headline's.",
                style="dim",
            )
        )
    parts.append(render_table(agencies))
    person = tables.per_person_table(result)
    if person is not None:  # figures as rows: a column per intervention fits 80 columns
        parts += [render_transposed(person), _text(person.note, style="dim")]
    events = tables.events_table(result)
    if events is not None:
        parts += [render_table(events), _text(events.note, style="dim")]
    gains = tables.equity_table(result)
    if gains is not None:
        parts += [
            render_table(
                gains.select(
                    [
                        "group",
                        "participants",
                        "net",
                        "net_per_participant",
                        "weight",
                        "weighted_net",
                    ]
                )
            ),
            _text(gains.note),
        ]
    parts.append(render_table(years))
    if not all_years and result.horizon > 12:
        parts.append(
            Text(
                "Compact view: years 0–4, every fifth year, the payback years and the last; "
                "--years shows them all.",
                style="dim",
            )
        )
    return Group(*parts)
