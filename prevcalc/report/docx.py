"""Word writer: the brief as a .docx with real Word tables and the charts as embedded PNGs.

Tables use Word's own table model, so an analyst can restyle or paste them: header rows
repeat on each page, numbers are right-aligned, the best values are bold, and tables too wide
for a portrait page sit in a landscape section. python-docx is imported inside the functions.

All text passes through :func:`~prevcalc.report._text.clean` on its way in, so a control
character in a name or a source (which XML cannot hold) never stops the document being written.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Sequence

from . import tables
from ._atomic import write_bytes
from ._text import clean
from .markdown import caption, grid, is_wide, section_plan
from .tables import Table

_FONT = "Arial"


def _repeat_header(row) -> None:
    """Mark a table row as a header row, repeated at the top of each page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _keep_with_next(paragraph) -> None:
    paragraph.paragraph_format.keep_with_next = True


def _orient(document, landscape: bool) -> None:
    """Start a new section in portrait or landscape (if the current one differs)."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    current = document.sections[-1]
    want = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if current.orientation == want:
        return
    section = document.add_section(WD_SECTION.NEW_PAGE)
    w, h = section.page_width, section.page_height
    section.orientation = want
    if (landscape and h > w) or (not landscape and w > h):
        section.page_width, section.page_height = h, w


def _add_table(document, table: Table, rounding: tables.Rounding, number: int) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    headers, rows, numeric, marks = grid(table, rounding)
    if not rows:  # an empty table is said in words (its note, if it has one)
        if not table.note:
            document.add_paragraph("None.")
        return
    cap = document.add_paragraph(clean(caption(table, number)), style="Caption")
    _keep_with_next(cap)
    t = document.add_table(rows=1 + len(rows), cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = Pt(8 if len(headers) > 6 else 9)

    def put(cell, text: str, right: bool, bold: bool) -> None:
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(clean(text))
        run.font.size = size
        run.bold = bold

    for j, (h, n) in enumerate(zip(headers, numeric)):
        put(t.rows[0].cells[j], h, n, True)
    _repeat_header(t.rows[0])
    for i, (row, mk) in enumerate(zip(rows, marks), start=1):
        cells = t.rows[i].cells
        for j, (v, n, m) in enumerate(zip(row, numeric, mk)):
            put(cells[j], v, n, m)


def render_docx(tables_: Sequence[Table], charts: Sequence[Any], meta: dict[str, Any]) -> bytes:
    """The brief as the bytes of a .docx file."""
    from docx import Document
    from docx.shared import Inches, Pt

    rounding = meta.get("rounding_rule", "sig3")
    document = Document()
    styles = document.styles
    styles["Normal"].font.name = _FONT
    styles["Normal"].font.size = Pt(10)
    props = document.core_properties
    props.title = clean(meta.get("title", "Brief"))[:255]  # Word caps core properties at 255 characters
    props.subject = clean(meta.get("subtitle", ""))[:255]
    props.author = "prevcalc"
    props.comments = clean(f"Produced with prevcalc {meta.get('version', '')}")

    document.add_heading(clean(meta.get("title", "Brief")), level=0)
    if meta.get("subtitle"):
        document.add_paragraph(clean(meta["subtitle"]), style="Subtitle")
    stamp = " · ".join(x for x in (
        f"Prepared {meta['date']}" if meta.get("date") else "",
        f"prevcalc {meta['version']}" if meta.get("version") else "",
    ) if x)
    if stamp:
        document.add_paragraph(clean(stamp))
    if meta.get("rounding"):
        document.add_paragraph(clean(meta["rounding"]))

    if meta.get("summary"):
        document.add_heading("Summary", level=1)
        for sentence in meta["summary"]:
            document.add_paragraph(clean(sentence), style="List Bullet")
    rec = meta.get("recommendation")
    if rec is not None:
        document.add_heading(clean(rec.title), level=1)
        _add_table(document, rec, rounding, None)
        if rec.note:
            note = document.add_paragraph(clean(rec.note))
            for run in note.runs:
                run.italic = True
    plan = section_plan(tables_, charts)
    document.add_heading("Contents", level=1)
    for n, (t, _) in enumerate(plan, 1):
        document.add_paragraph(clean(f"{n}. {t.title}"))

    figure = 0
    for n, (table, attached) in enumerate(plan, 1):
        headers, _, _, _ = grid(table, rounding)
        _orient(document, is_wide(headers))
        heading = document.add_heading(clean(f"{n}. {table.title}"), level=1)
        _keep_with_next(heading)
        _add_table(document, table, rounding, n)
        if table.note:
            note = document.add_paragraph(clean(table.note))
            for run in note.runs:
                run.italic = True
        for chart in attached:
            figure += 1
            document.add_picture(str(chart.png), width=Inches(6.0))
            _keep_with_next(document.paragraphs[-1])
            document.add_paragraph(clean(f"Figure {figure}: {chart.caption}"), style="Caption")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def write_docx(tables_: Sequence[Table], charts: Sequence[Any], meta: dict[str, Any], path: Path) -> Path:
    """Write the brief as a Word document (whole or not at all; replaces an existing file)."""
    path = Path(path)
    write_bytes(path, render_docx(tables_, charts, meta), force=True)
    return path
