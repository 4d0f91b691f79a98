"""Excel writer: a sheet per table, with real numbers and number formats by kind.

Cells hold the unrounded figures (as the CSV files do); only the number format rounds what the
reader sees: money '#,##0' with the currency symbol, ratios '0.00', percents '0.0%'. Header rows
are frozen and column widths set. openpyxl is imported inside the functions.

Every cell goes through :func:`put`: text is always a string cell, never a formula (a name
such as ``=HYPERLINK(...)`` shows as written and does not run), without the control characters
Excel cannot hold; numbers are number cells.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import tables
from ._atomic import write_bytes
from ._text import clean, is_formula_like
from .tables import Table

#: Excel number formats by kind of figure (money is added per currency).
NUMBER_FORMATS = {
    "ratio": "0.00",
    "percent": "0.0%",
    "probability": "0%",
    "year": "0",
    "count": "#,##0",
    "factor": "0.0000",
    "amount": "#,##0",
}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MAX_TEXT = 32767  # characters in one Excel cell


def money_format(currency: str) -> str:
    """'"£"#,##0' style: whole units with thousands separators, a minus sign before the symbol."""
    sym = tables.symbol(currency).replace('"', "")
    return f'"{sym}"#,##0;-"{sym}"#,##0'


def number_format(kind: str, currency: str) -> str | None:
    if kind == "money":
        return money_format(currency)
    return NUMBER_FORMATS.get(kind)


def _cell_kind(table: Table, i: int, col: str) -> str:
    per_cell = getattr(table, "cell_kind", None)
    return per_cell(i, col) if per_cell else table.kinds.get(col, "text")


def _value(v: Any, kind: str) -> Any:
    """A cell value: numbers as numbers (undefined figures empty), everything else as text."""
    if v is None:
        return None
    if kind == "text":
        if isinstance(v, float) and math.isnan(v):
            return None
        return v if isinstance(v, (int, float, str)) and not isinstance(v, bool) else str(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f) or math.isinf(f):
        return None
    if kind == "year":
        return int(round(f))
    return f


def put(ws, row: int, column: int, value: Any):
    """Set a cell: text as a string cell (never a formula, control characters removed, a
    formula-like text marked with Excel's quote prefix so editing it keeps it text), numbers
    as numbers. Returns the cell."""
    if isinstance(value, str):
        text = clean(value)
        if len(text) > _MAX_TEXT:  # Excel refuses to open a workbook with a longer cell
            text = text[: _MAX_TEXT - 1] + "…"
        c = ws.cell(row=row, column=column)
        c.value = text
        c.data_type = "s"  # openpyxl makes any text starting with "=" a formula
        if is_formula_like(text):
            c.quotePrefix = True
        return c
    return ws.cell(row=row, column=column, value=value)


def sheet_title(name: str, used: set[str]) -> str:
    """An Excel-safe, unique sheet name (at most 31 characters)."""
    base = _BAD_SHEET_CHARS.sub("_", name)[:31] or "Sheet"
    title, k = base, 2
    while title.lower() in used:
        suffix = f"_{k}"
        title, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(title.lower())
    return title


#: Units shown in the header of columns of each kind (money names its currency and prices).
_KIND_UNITS = {
    "year": "year",
    "probability": "%",
    "percent": "%",
    "amount": "each option's own currency",
}


def header(table: Table, col: str) -> str:
    """A column's header with its units: "NPV (GBP, 2024 prices)", "P(NPV > 0) (%)",
    "Payback year (year)" unless the label already says so."""
    label = table.header(col, units=False)
    kind = table.kinds.get(col, "text")
    if kind == "money":
        unit = (
            f"{table.currency}, {table.price_year} prices" if table.price_year else table.currency
        )
    else:
        unit = _KIND_UNITS.get(kind, "")
    if not unit or unit.lower() in label.lower() or (unit == "year" and "yrs" in label.lower()):
        return label
    return f"{label} ({unit})"


def print_setup(ws, columns: int) -> None:
    """Print each sheet on A4, fitted to one page wide (as many pages tall as it needs), the
    header row repeated at the top of every page, landscape when it has many columns."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if columns > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "&A · page &P of &N"


def render_xlsx(tables_: Sequence[Table]) -> bytes:
    """The tables as the bytes of an .xlsx workbook: a sheet per table, in order."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    bold = Font(bold=True)
    rule = Border(bottom=Side(style="thin"))
    for table in tables_:
        ws = wb.create_sheet(sheet_title(table.name, used))
        cols = list(table.frame.columns)
        for j, col in enumerate(cols, start=1):
            numeric = table.kinds.get(col, "text") != "text"
            c = put(ws, 1, j, header(table, col))
            c.font, c.border = bold, rule
            c.alignment = Alignment(
                horizontal="right" if numeric else "left", vertical="bottom", wrap_text=True
            )
        widths = [len(str(ws.cell(row=1, column=j).value)) for j in range(1, len(cols) + 1)]
        widths = [min(w, 24) for w in widths]  # long headers wrap rather than widen
        for i, row in enumerate(table.frame.itertuples(index=False)):
            for j, (col, v) in enumerate(zip(cols, row), start=1):
                kind = _cell_kind(table, i, col)
                c = put(ws, i + 2, j, _value(v, kind))
                fmt = number_format(kind, table.currency)
                if fmt:
                    c.number_format = fmt
                if (i, col) in (getattr(table, "marks", None) or ()):
                    c.font = bold
                if kind == "text":
                    shown = str(c.value or "")
                    if len(shown) > 60:
                        c.alignment = Alignment(wrap_text=True, vertical="top")
                else:
                    shown = tables.fmt(None if c.value is None else v, kind, table.currency, "unit")  # type: ignore[arg-type]
                widths[j - 1] = max(widths[j - 1], min(len(shown), 60))
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = w + 2
        # Freeze the header row, and the first column too when it labels the rows.
        label_col = bool(cols) and table.kinds.get(cols[0], "text") == "text" and len(cols) > 2
        ws.freeze_panes = "B2" if label_col else "A2"
        if table.note:
            put(ws, len(table.frame) + 3, 1, table.note).font = Font(italic=True)
        print_setup(ws, len(cols))
    if not wb.sheetnames:
        wb.create_sheet("empty")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(tables_: Sequence[Table], path: Path) -> Path:
    """Write the tables as an Excel workbook (whole or not at all; replaces an existing file)."""
    path = Path(path)
    write_bytes(path, render_xlsx(tables_), force=True)
    return path
