"""Markdown writer: a brief as GitHub-flavoured Markdown, charts linked as PNG files.

Also holds the layout rules the document writers (Markdown, HTML, Word) share: which cells are
numbers, which are marked, how a table is captioned, and when a wide table is better turned on
its side. Numbers become text only through :meth:`Table.formatted`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from . import tables
from ._atomic import write_text
from ._text import clean
from .tables import Table

#: A table wider than this with few rows reads better with figures as rows (as in the terminal).
WIDE = 8
FEW_ROWS = 8


# -- layout shared by the document writers -------------------------------------------------------


def cell_kind(table: Table, i: int, col: str) -> str:
    """The kind of figure in row ``i`` of column ``col`` (tables with per-row kinds say so)."""
    per_cell = getattr(table, "cell_kind", None)
    return per_cell(i, col) if per_cell else table.kinds.get(col, "text")


def is_marked(table: Table, i: int, col: str) -> bool:
    """Whether a cell is to be emphasised (the best value of a figure in a comparison)."""
    return (i, col) in (getattr(table, "marks", None) or ())


def has_money(table: Table) -> bool:
    kinds = set(table.kinds.values()) | set(getattr(table, "row_kinds", []) or [])
    return "money" in kinds


def caption(table: Table, number: int | None = None) -> str:
    """ "Table 2: Each intervention (GBP, 2024 prices)": units in the caption, not each header."""
    units = (
        f" ({table.currency}, {table.price_year} prices)"
        if has_money(table) and table.price_year
        else ""
    )
    return f"{'Table ' + str(number) + ': ' if number else ''}{table.title}{units}"


def grid(
    table: Table, rounding: tables.Rounding
) -> tuple[list[str], list[list[str]], list[bool], list[list[bool]]]:
    """The table as text: headers, rows, which columns are numeric, which cells are marked.

    A wide table with few rows is turned on its side: its text columns become the new column
    headers (joined with " · ") and each figure becomes a row.
    """
    text = table.formatted(rounding, units=False)
    cols = table.shown()
    numeric = [table.kinds.get(c, "text") != "text" for c in cols]
    marks = [[is_marked(table, i, c) for c in cols] for i in range(len(text))]
    rows = [[str(v) for v in row] for row in text.itertuples(index=False)]
    headers = list(text.columns)
    if table.sideways and len(cols) > WIDE and 0 < len(rows) <= FEW_ROWS:
        label_idx = [j for j, n in enumerate(numeric) if not n]
        value_idx = [j for j, n in enumerate(numeric) if n]
        new_headers = [""] + [" · ".join(row[j] for j in label_idx) for row in rows]
        new_rows = [[headers[j]] + [row[j] for row in rows] for j in value_idx]
        new_marks = [[False] + [marks[i][j] for i in range(len(rows))] for j in value_idx]
        return new_headers, new_rows, [False] + [True] * len(rows), new_marks
    return headers, rows, numeric, marks


def is_wide(headers: Sequence[str]) -> bool:
    """Too many columns for a portrait page."""
    return len(headers) > WIDE


def section_plan(tables_: Sequence[Table], charts: Iterable[Any]) -> list[tuple[Table, list[Any]]]:
    """Each table with the charts that go after it (a chart with no matching table goes first)."""
    charts = list(charts)
    names = {t.name for t in tables_}
    plan = [(t, [c for c in charts if c.section == t.name]) for t in tables_]
    orphans = [c for c in charts if c.section not in names]
    if orphans and plan:
        plan[0] = (plan[0][0], orphans + plan[0][1])
    return plan


def anchor(table: Table) -> str:
    return f"t-{table.name}"


# -- Markdown -------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Text that Markdown shows as written (no stray emphasis from "*", no links from "[")."""
    out = clean(text).replace("\\", "\\\\")
    for ch in "*[]<>`":
        out = out.replace(ch, "\\" + ch)
    return out


def _cell(text: str) -> str:
    return _escape(text).replace("|", "\\|").replace("\n", " ")


def _para(text: str) -> str:
    return _escape(" ".join(str(text).split()))


def markdown_table(table: Table, rounding: tables.Rounding = "sig3") -> str:
    """One table as a pipe table, numbers right-aligned, marked cells in bold."""
    headers, rows, numeric, _ = grid(table, rounding)
    if not rows:  # an empty table is said in words (its note, if it has one)
        return "" if table.note else "*None.*\n"
    lines = [
        "| " + " | ".join(_cell(h) for h in headers) + " |",
        "|" + "|".join("---:" if n else ":---" for n in numeric) + "|",
    ]
    # Marked cells already carry their marker (" *") from Table.formatted; bold would clash with it.
    for row in rows:
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def render_markdown(
    tables_: Sequence[Table], charts: Sequence[Any], meta: dict[str, Any], base: Path | None = None
) -> str:
    """The brief as Markdown text; chart links are relative to ``base`` (the document's folder)."""
    rounding = meta.get("rounding_rule", "sig3")
    out = [f"# {_para(meta.get('title', 'Brief'))}", ""]
    if meta.get("subtitle"):
        out += [f"*{_para(meta['subtitle'])}*", ""]
    stamp = " · ".join(
        x
        for x in (
            f"Prepared {meta['date']}" if meta.get("date") else "",
            f"prevcalc {meta['version']}" if meta.get("version") else "",
        )
        if x
    )
    if stamp:
        out += [stamp, ""]
    if meta.get("rounding"):
        out += [_para(meta["rounding"]), ""]
    if meta.get("summary"):
        out += ["## Summary", ""] + [f"- {_para(x)}" for x in meta["summary"]] + [""]
    rec = meta.get("recommendation")
    if rec is not None:
        out += [
            f"## {_para(rec.title)}",
            "",
            f"**{_para(caption(rec))}**",
            "",
            markdown_table(rec, rounding),
        ]
        if rec.note:
            out += [f"*{_para(rec.note)}*", ""]
    for box in meta.get("caveats") or []:
        out += [f"> **{_para(box['title'])}**", ">"]
        for text in box["paragraphs"]:
            out += [f"> {_para(text)}", ">"]
        for text in box["notes"]:
            out += [f"> - Note: {_para(text)}"]
        if out[-1] == ">":
            out.pop()
        out.append("")
    plan = section_plan(tables_, charts)
    out += ["## Contents", ""]
    out += [f"{n}. [{_para(t.title)}](#{anchor(t)})" for n, (t, _) in enumerate(plan, 1)]
    out.append("")
    figure = 0
    for n, (table, attached) in enumerate(plan, 1):
        out += [f'<a id="{anchor(table)}"></a>', "", f"## {n}. {_para(table.title)}", ""]
        if len(table.frame) or not table.note:
            out += [f"**{_para(caption(table, n))}**", "", markdown_table(table, rounding)]
        if table.note:
            out += [f"*{_para(table.note)}*", ""]
        for chart in attached:
            figure += 1
            src = (
                Path(os.path.relpath(chart.png, base)).as_posix() if base else Path(chart.png).name
            )
            out += [
                f"![{_para(chart.title)}]({src})",
                "",
                f"*Figure {figure}: {_para(chart.caption)}*",
                "",
            ]
    return "\n".join(out).rstrip("\n") + "\n"


def write_markdown(
    tables_: Sequence[Table], charts: Sequence[Any], meta: dict[str, Any], path: Path
) -> Path:
    """Write the brief as Markdown to ``path`` (whole or not at all; replaces an existing file)."""
    path = Path(path)
    write_text(path, render_markdown(tables_, charts, meta, path.parent), force=True)
    return path
