"""CSV writer: one file per table, full precision, machine column names.

Numbers are written unrounded (the shortest text that reads back as the same float); undefined
figures (an IRR with no sign change, a payback that never comes) are empty cells. Text that a
spreadsheet would run as a formula (a name starting with "=", "+", "-" or "@") gets a leading
single quote; numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._atomic import write_text
from ._text import spreadsheet_value
from .tables import Table


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and text header neutralised for a spreadsheet
    (:func:`~prevcalc.report._text.spreadsheet_value`); numeric columns are left as they are."""
    out = frame.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if not (
            pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)
        ):
            out[col] = out[col].astype(object).map(_csv_value)
    out.columns = [spreadsheet_value(c) for c in out.columns]
    return out


def _csv_value(value):
    value = spreadsheet_value(value)
    # A bare carriage return is not quoted by the csv module when lines end in "\n", and many
    # readers take it for the end of a row; as a line feed, the field is quoted and stays whole.
    return value.replace("\r", "\n") if isinstance(value, str) else value


def frame_csv(frame: pd.DataFrame) -> str:
    """Any data frame as CSV text (UTF-8, header row, no index), safe to open in a spreadsheet."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\n")


def table_csv(table: Table) -> str:
    """One table as CSV text (UTF-8, header row of column names, no index)."""
    return frame_csv(table.frame)


def write_csvs(tables: Sequence[Table], folder: Path) -> list[Path]:
    """Write each table to ``folder/<name>.csv`` (creating the folder); returns the paths.

    Each file is written whole or not at all; existing files of the same name are replaced.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in tables:
        path = folder / f"{t.name}.csv"
        write_text(path, table_csv(t), force=True)
        paths.append(path)
    return paths
