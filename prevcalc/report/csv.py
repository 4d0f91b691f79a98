"""CSV writer: one file per table, full precision, machine column names.

Numbers are written unrounded (the shortest text that reads back as the same float); undefined figures
(an IRR with no sign change, a payback that never comes) are empty cells.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ._atomic import write_text
from .tables import Table


def table_csv(table: Table) -> str:
    """One table as CSV text (UTF-8, header row of column names, no index)."""
    return table.frame.to_csv(index=False, lineterminator="\n")


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
