"""Word writer: the brief as a .docx with real Word tables and the charts as embedded PNGs.

Tables use Word's own table model, so an analyst can restyle or paste them: header rows
repeat on each page, numbers are right-aligned, the best values are bold, and tables too wide
for a portrait page sit in a landscape section. python-docx is imported inside the functions.

All text passes through :func:`~prevcalc.report._text.clean` on its way in, so a control
character in a name or a source (which XML cannot hold) never stops the document being written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import tables
from ._atomic import write_bytes
from ._text import clean, unbreakable
from .markdown import caption, grid, is_wide, section_plan
from .tables import Table

_FONT = "Arial"
#: A4 in millimetres, and the margins of every page.
A4 = (210, 297)
MARGIN_MM = 20
LANGUAGE = "en-GB"


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


def _a4(section, landscape: bool = False) -> None:
    """Make a section an A4 page (portrait or landscape) with the brief's margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    w, h = (A4[1], A4[0]) if landscape else A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(w), Mm(h)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))


def _orient(document, landscape: bool) -> None:
    """Start a new A4 section in portrait or landscape (if the current one differs)."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    current = document.sections[-1]
    want = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if current.orientation == want:
        return
    _a4(document.add_section(WD_SECTION.NEW_PAGE), landscape)


def _text_width(document) -> int:
    """The width between the margins of the current section, in EMU."""
    section = document.sections[-1]
    return int(section.page_width - section.left_margin - section.right_margin)


def _language(document, lang: str = LANGUAGE) -> None:
    """Set the document's language (proofing and hyphenation) in its defaults and every style."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def put(r_pr) -> None:
        el = r_pr.find(qn("w:lang"))
        if el is None:
            el = OxmlElement("w:lang")
            r_pr.append(el)
        el.set(qn("w:val"), lang)
        el.set(qn("w:eastAsia"), lang)
        el.set(qn("w:bidi"), lang)

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    r_pr = rpr_default.find(qn("w:rPr"))
    if r_pr is None:
        r_pr = OxmlElement("w:rPr")
        rpr_default.append(r_pr)
    put(r_pr)
    for style in document.styles:
        el = getattr(style, "element", None)
        if el is not None and style.type in (1, 2):  # paragraph and character styles
            put(el.get_or_add_rPr())
    # Word's theme fonts and the settings part carry their own language too.
    settings = document.settings.element
    theme = settings.find(qn("w:themeFontLang"))
    if theme is None:
        theme = OxmlElement("w:themeFontLang")
        settings.append(theme)
    theme.set(qn("w:val"), lang)


def _field(paragraph, instruction: str, kind: str) -> None:
    """Append a field character (begin, separate or end) or an instruction to a paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()._r
    if kind == "instr":
        el = OxmlElement("w:instrText")
        el.set(qn("xml:space"), "preserve")
        el.text = instruction
    else:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            el.set(qn("w:dirty"), "true")  # Word refreshes the page numbers on opening
    run.append(el)


def _contents(document, entries: Sequence[str]) -> None:
    """A real table of contents: a TOC field over the Heading 1 paragraphs, whose shown result
    (until Word updates it) is the list of sections, so it reads the same in any viewer."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document.add_heading("Contents", level=1)
    first = (
        document.add_paragraph(style="TOC 1")
        if _has_style(document, "TOC 1")
        else document.add_paragraph()
    )
    _field(first, "", "begin")
    _field(first, ' TOC \\o "1-1" \\h \\z \\u ', "instr")
    _field(first, "", "separate")
    paragraph = first
    for k, text in enumerate(entries):
        if k:
            paragraph = (
                document.add_paragraph(style="TOC 1")
                if _has_style(document, "TOC 1")
                else document.add_paragraph()
            )
        paragraph.add_run(clean(text))
    _field(paragraph, "", "end")
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)


def _has_style(document, name: str) -> bool:
    try:
        document.styles[name]
    except KeyError:
        return False
    return True


def _alt_text(shape, text: str, title: str) -> None:
    """Give an inline picture its alternative text (what a screen reader says)."""
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", clean(text)[:4000])
    doc_pr.set("title", clean(title)[:255])


def _column_widths(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    total: int,
    numeric: Sequence[bool] | None = None,
    font_pt: float = 9.0,
) -> list[int]:
    """Column widths (EMU) adding up to ``total``, so a table fits between the margins.

    A figure is never broken: every column is at least as wide as its longest word (header
    included), and a figure is one word. What is left goes to the columns whose text would
    otherwise wrap most, in proportion to their (capped) length.
    """
    numeric = list(numeric) if numeric is not None else [False] * len(headers)
    char = font_pt * 0.58 * 12700  # an average character of Arial, in EMU
    pad = _PAD
    need, want = [], []
    for j, h in enumerate(headers):
        cells = [str(r[j]) for r in rows]
        # The longest word, measured glyph by glyph (bold, as a marked best value is): a
        # figure has no spaces, so a column as wide as its longest word never breaks one; a
        # figure with its interval may wrap at the spaces between them.
        word = max([_em(w) for c in [h, *cells] for w in str(c).split()] or [1.0])
        whole = max([len(c) for c in cells] or [1])
        least = word / 0.58  # in average characters (of 0.58 em)
        need.append(least * char + pad)
        want.append(max(least, min(max(whole, len(h) // 2), 24 if numeric[j] else 48)) * char + pad)
    if sum(want) <= total:
        spare = total - sum(want)
        widths = [w + spare * w / sum(want) for w in want]
    elif sum(need) <= total:
        room = [w - n for w, n in zip(want, need)]
        spare = total - sum(need)
        widths = [n + spare * r / sum(room) if sum(room) else n for n, r in zip(need, room)]
    else:  # even unbroken it cannot fit: share the width in proportion to what each needs
        widths = [n * total / sum(need) for n in need]
    out = [int(w) for w in widths]
    out[-1] += total - sum(out)
    return out


_PAD = 146304  # Word's default cell margins, 0.08 inch each side (EMU)

#: Advance widths (em) of Arial / Liberation Sans Bold for the characters figures are made of;
#: anything else counts as a wide letter (0.72 em).
_GLYPH_EM = {
    **dict.fromkeys("0123456789£$€#", 0.556),
    **dict.fromkeys(".,:;", 0.278),
    **dict.fromkeys("-()[]", 0.333),
    "%": 0.889,
    "*": 0.389,
    "\u2212": 0.584,
    "\u2060": 0.0,
}


def _em(word: str) -> float:
    """A word's width in ems, with room to spare (the larger of its glyphs' widths and 0.58 em
    a character, plus 8%): a column this wide never breaks it."""
    return 1.08 * max(sum(_GLYPH_EM.get(ch, 0.72) for ch in word), 0.58 * len(word))


def _font_size(headers: Sequence[str], rows: Sequence[Sequence[str]], total: int) -> float:
    """The table's font size (points): 9, 8 or 7.5 by its number of columns, smaller still
    (down to 6) while its longest words would not fit the width unbroken."""
    size = 7.5 if len(headers) > 8 else 8.0 if len(headers) > 6 else 9.0
    words = [
        max([_em(w) for c in [h, *(str(r[j]) for r in rows)] for w in str(c).split()] or [1.0])
        for j, h in enumerate(headers)
    ]
    while size > 6.0 and sum(w * size * 12700 + _PAD for w in words) > total:
        size -= 0.5
    return size


def _fit(table, widths: Sequence[int]) -> None:
    """Fix a table's layout and column widths, so it fits the page between the margins."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(sum(widths) // 635))  # EMU -> twentieths of a point
    for col, w in zip(table._tbl.tblGrid.gridCol_lst, widths):
        col.w = w
    for tr in table._tbl.tr_lst:  # each cell's width, straight on the XML (one pass)
        for tc, w in zip(tr.tc_lst, widths):
            tc.width = w


def _put(tc, text: str, right: bool, bold: bool, half_points: str) -> None:
    """Write one cell's text straight into its XML: the paragraph aligned right (a figure, kept
    whole) or left, no space after, one run in the table's size, bold if marked. The same
    markup python-docx writes for ``alignment``, ``space_after``, ``font.size`` and ``bold``,
    at a fraction of the cost (a brief has thousands of cells)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = tc.find(qn("w:p"))
    ppr = OxmlElement("w:pPr")
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:after"), "0")
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), "right" if right else "left")
    ppr.append(spacing)  # the schema's order: spacing before jc
    ppr.append(jc)
    p.insert(0, ppr)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    if bold:
        rpr.append(OxmlElement("w:b"))
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), half_points)
    rpr.append(sz)
    run.append(rpr)
    t = OxmlElement("w:t")
    t.text = unbreakable(clean(text)) if right else clean(text)
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    p.append(run)


def _add_table(document, table: Table, rounding: tables.Rounding, number: int | None) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
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
    size = Pt(_font_size(headers, rows, _text_width(document)))

    half_points = str(round(size.pt * 2))
    trs = t._tbl.tr_lst
    for tc, h, n in zip(trs[0].tc_lst, headers, numeric):
        _put(tc, h, n, True, half_points)
    _repeat_header(t.rows[0])
    for tr, row, mk in zip(trs[1:], rows, marks):
        for tc, v, n, m in zip(tr.tc_lst, row, numeric, mk):
            _put(tc, v, n, m, half_points)
    _fit(t, _column_widths(headers, rows, _text_width(document), numeric, size.pt))


def _caveats(document, box: dict[str, Any]) -> None:
    """The scenario's own description and notes in a shaded, bordered box (a one-cell table)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    t = document.add_table(rows=1, cols=1)
    t.style = "Table Grid"
    cell = t.rows[0].cells[0]
    shade = OxmlElement("w:shd")
    shade.set(qn("w:val"), "clear")
    shade.set(qn("w:color"), "auto")
    shade.set(qn("w:fill"), "F3F2F1")
    cell._tc.get_or_add_tcPr().append(shade)
    head = cell.paragraphs[0]
    run = head.add_run(clean(box["title"]))
    run.bold = True
    for text in box["paragraphs"]:
        p = cell.add_paragraph(clean(text))
        p.paragraph_format.space_after = Pt(4)
    for text in box["notes"]:
        cell.add_paragraph(clean(f"Note: {text}"), style="List Bullet")
    _fit(t, [_text_width(document)])
    document.add_paragraph()


def render_docx(tables_: Sequence[Table], charts: Sequence[Any], meta: dict[str, Any]) -> bytes:
    """The brief as the bytes of a .docx file."""
    from docx import Document
    from docx.shared import Inches, Pt

    rounding = meta.get("rounding_rule", "sig3")
    document = Document()
    _a4(document.sections[0])
    _language(document)
    styles = document.styles
    styles["Normal"].font.name = _FONT
    styles["Normal"].font.size = Pt(10)
    props = document.core_properties
    props.title = clean(meta.get("title", "Brief"))[
        :255
    ]  # Word caps core properties at 255 characters
    props.subject = clean(meta.get("subtitle", ""))[:255]
    props.author = "prevcalc"
    props.comments = clean(f"Produced with prevcalc {meta.get('version', '')}")

    document.add_heading(clean(meta.get("title", "Brief")), level=0)
    if meta.get("subtitle"):
        document.add_paragraph(clean(meta["subtitle"]), style="Subtitle")
    stamp = " · ".join(
        x
        for x in (
            f"Prepared {meta['date']}" if meta.get("date") else "",
            f"prevcalc {meta['version']}" if meta.get("version") else "",
        )
        if x
    )
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
    for box in meta.get("caveats") or []:
        _caveats(document, box)
    plan = section_plan(tables_, charts)
    _contents(document, [f"{n}. {t.title}" for n, (t, _) in enumerate(plan, 1)])

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
            shape = document.add_picture(
                str(chart.png), width=min(Inches(6.0), _text_width(document))
            )
            _alt_text(shape, f"{chart.title}. {chart.caption}", chart.title)
            _keep_with_next(document.paragraphs[-1])
            document.add_paragraph(clean(f"Figure {figure}: {chart.caption}"), style="Caption")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def write_docx(
    tables_: Sequence[Table], charts: Sequence[Any], meta: dict[str, Any], path: Path
) -> Path:
    """Write the brief as a Word document (whole or not at all; replaces an existing file)."""
    path = Path(path)
    write_bytes(path, render_docx(tables_, charts, meta), force=True)
    return path
