"""HTML writer: the brief as one self-contained page, fit to publish and to print.

Everything is inside the one file: the style sheet, and the charts as inline SVG (or a base64
PNG where a chart has no SVG), so the page needs no network and renders offline. The print
rules give A4 pages, repeat table headers across pages, keep figures and short tables whole,
and print wide tables on landscape pages.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import tables
from ._atomic import write_text
from ._text import clean
from .markdown import anchor, caption, grid, is_wide, section_plan
from .tables import Table

CSS = """
:root { --ink: #1b1b1b; --muted: #505a5f; --rule: #b1b4b6; --band: #f3f2f1; --accent: #1d4f91; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0 auto; max-width: 60rem; padding: 2.5rem 2rem 4rem; \
color: var(--ink); background: #fff;
  font-family: "Segoe UI", "Helvetica Neue", Helvetica, Arial, \
"Liberation Sans", sans-serif; line-height: 1.45; }
header.title-block { border-top: 6px solid var(--accent); \
padding-top: 1.2rem; margin-bottom: 2rem; }
header.title-block h1 { font-size: 2rem; line-height: 1.15; margin: 0 0 .5rem; }
header.title-block .subtitle { font-size: 1.05rem; color: var(--muted); margin: 0 0 .8rem; }
header.title-block dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
  margin: 0; font-size: .9rem; }
header.title-block dt { font-weight: 600; }
header.title-block dd { margin: 0; }
section.summary ul { padding-left: 1.2rem; margin: .4rem 0 1rem; }
section.summary li { margin: .35rem 0; font-size: 1.02rem; }
section.recommendation td:last-child { white-space: normal; min-width: 10rem; }
section.recommendation th.num, section.recommendation td.num { white-space: normal; }
@media (max-width: 40rem) {
  body { padding: 1rem .8rem 3rem; }
  section.recommendation table, section.recommendation thead, section.recommendation tbody,
  section.recommendation tr, \
section.recommendation th, section.recommendation td { display: block; }
  section.recommendation thead { display: none; }
  section.recommendation caption { display: block; width: 100%; }
  section.recommendation td, section.recommendation tbody th { \
text-align: left; border: 0; padding: .1rem .3rem; }
  section.recommendation td::before { content: attr(data-label) ": "; font-weight: 600; }
  section.recommendation tr { border-bottom: 1px solid var(--rule); padding: .4rem 0; }
  nav.contents ol { columns: 1; }
}
aside.caveats { border-left: 6px solid #f47738; background: #fef7f1; \
padding: .6rem 1.2rem .4rem; margin: 0 0 2rem;
  font-size: .9rem; overflow-wrap: anywhere; }
aside.caveats h2 { font-size: 1.05rem; margin: .2rem 0 .4rem; border: 0; padding: 0; }
aside.caveats p { margin: .3rem 0 .5rem; }
aside.caveats ul { padding-left: 1.2rem; margin: .3rem 0 .6rem; }
section.summary, header.title-block, aside.caveats, nav.contents { \
max-width: 100%; overflow-wrap: anywhere; }
nav.contents { border: 1px solid var(--rule); background: var(--band); \
padding: .8rem 1.2rem; margin-bottom: 2rem; }
nav.contents h2 { font-size: 1.05rem; margin: 0 0 .4rem; border: 0; padding: 0; }
nav.contents ol { margin: 0; padding-left: 1.4rem; columns: 2; column-gap: 2rem; }
nav.contents a { color: var(--accent); }
h2 { font-size: 1.35rem; margin: 2.4rem 0 .6rem; \
padding-bottom: .2rem; border-bottom: 2px solid var(--ink); }
p.rounding { font-size: .9rem; color: var(--muted); }
.table-wrap { overflow-x: auto; margin: .4rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; \
font-size: .86rem; font-variant-numeric: tabular-nums lining-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 .4rem; }
th, td { padding: .3rem .55rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); text-align: left; font-weight: 600; }
th.num, td.num { text-align: right; white-space: nowrap; }
span.nw { white-space: nowrap; }
thead th.num { white-space: normal; overflow-wrap: break-word; min-width: 5.5em; }
tbody th { text-align: left; font-weight: 600; min-width: 9rem; }
tbody tr:nth-child(even) { background: var(--band); }
td.best { font-weight: 700; }
section.wide table { font-size: .78rem; }
p.note { font-size: .85rem; color: var(--muted); margin: .2rem 0 1rem; }
figure { margin: 1.2rem 0 1.6rem; }
figure svg, figure img { display: block; width: 100%; height: auto; max-width: 46rem; }
figcaption { font-size: .85rem; color: var(--muted); margin-top: .3rem; }
footer { margin-top: 3rem; padding-top: .6rem; border-top: 1px solid var(--rule); font-size: .8rem;
  color: var(--muted); }
@media print {
  @page { size: A4; margin: 18mm 16mm 20mm; }
  @page wide { size: A4 landscape; margin: 14mm 16mm; }
  html { font-size: 10.5pt; }
  body { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  nav.contents { break-after: page; }
  h2 { break-after: avoid; }
  section { break-before: auto; }
  section.wide { page: wide; }
  .table-wrap { overflow: visible; }
  table { font-size: 8.5pt; }
  thead { display: table-header-group; }
  tr, figure, p.note { break-inside: avoid; }
  table.short { break-inside: avoid; }
  caption { break-after: avoid; }
  tbody tr:nth-child(even) { background: none; }
  figure svg, figure img { max-width: 100%; }
}
"""

_XML_PROLOGUE = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.S)


def _e(text: Any) -> str:
    """Text as HTML: escaped, without the control characters HTML forbids."""
    return html.escape(clean(text), quote=True)


def inline_svg(path: Path, label: str) -> str:
    """An SVG file's markup ready to sit inside HTML: no XML prologue, labelled for readers."""
    svg = _XML_PROLOGUE.sub("", Path(path).read_text(encoding="utf-8"))
    # The RDF metadata block only names vocabularies; the page has its own.
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    # matplotlib fixes width and height in points; the page's CSS sizes the figure instead.
    svg = re.sub(r'<svg([^>]*?)\swidth="[^"]*"\sheight="[^"]*"', r"<svg\1", svg, count=1)
    # The HTML parser puts <svg> and xlink:href in their namespaces itself, so the namespace
    # declarations (the page's only URLs) can go: the page then names no outside address.
    svg = re.sub(r'\sxmlns(:xlink)?="[^"]*"', "", svg)
    return svg.replace("<svg", f'<svg role="img" aria-label="{_e(label)}"', 1)


def _chart(chart: Any, number: int) -> str:
    svg = getattr(chart, "svg", None)
    if svg and Path(svg).exists():
        body = inline_svg(svg, f"{chart.title}. {chart.caption}")  # its message, not only its name
    else:
        data = base64.b64encode(Path(chart.png).read_bytes()).decode("ascii")
        alt = _e(f"{chart.title}. {chart.caption}")
        body = f'<img alt="{alt}" src="data:image/png;base64,{data}">'
    return (
        f'<figure id="f-{_e(chart.name)}">\n{body}\n'
        f"<figcaption>Figure {number}: {_e(chart.caption)}</figcaption>\n</figure>"
    )


def _whole(text: Any) -> str:
    """A figure cell's text with each word kept on one line ("-£5,330,000" never splits after
    its minus), while a figure and its interval may still wrap at the spaces between them."""
    return " ".join(f'<span class="nw">{w}</span>' for w in _e(text).split(" ") if w)


def html_table(table: Table, rounding: tables.Rounding = "sig3", number: int | None = None) -> str:
    """One table as HTML: a caption with units, numbers right-aligned, the best values in bold."""
    headers, rows, numeric, marks = grid(table, rounding)
    if not rows:  # an empty table is said in words (its note, if it has one)
        return "" if table.note else '<p class="note">None.</p>'
    short = " short" if len(rows) <= 25 else ""
    out = [
        f'<div class="table-wrap"><table class="data{short}">',
        f"<caption>{_e(caption(table, number))}</caption>",
        "<thead><tr>",
    ]
    out += [
        f'<th scope="col"{" class=num" if n else ""}>{_e(h)}</th>' for h, n in zip(headers, numeric)
    ]
    out.append("</tr></thead><tbody>")
    for row, mk in zip(rows, marks):
        cells = []
        for j, (v, n, m) in enumerate(zip(row, numeric, mk)):
            cls = " ".join(c for c in ("num" if n else "", "best" if m else "") if c)
            attr = f' class="{cls}"' if cls else ""
            label = f' data-label="{_e(headers[j])}"'
            cells.append(
                f'<th scope="row"{attr}>{_e(v)}</th>'
                if j == 0 and not n
                else f"<td{attr}{label}>{_whole(v) if n else _e(v)}</td>"
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def render_html(tables_: Sequence[Table], charts: Sequence[Any], meta: dict[str, Any]) -> str:
    """The brief as one HTML document (text)."""
    rounding = meta.get("rounding_rule", "sig3")
    title = meta.get("title", "Brief")
    plan = section_plan(tables_, charts)
    version = f"prevcalc {meta['version']}" if meta.get("version") else ""
    facts = [
        ("Options", "; ".join(meta.get("options", []))),
        ("Prices", meta.get("units", "")),
        ("Prepared", meta.get("date", "")),
        ("Produced with", version),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f'<meta name="generator" content="prevcalc {_e(meta.get("version", ""))}">',
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        '<header class="title-block">',
        f"<h1>{_e(title)}</h1>",
    ]
    if meta.get("subtitle"):
        parts.append(f'<p class="subtitle">{_e(meta["subtitle"])}</p>')
    parts.append(
        "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts if v) + "</dl>"
    )
    parts.append("</header>")
    if meta.get("rounding"):
        parts.append(f'<p class="rounding">{_e(meta["rounding"])}</p>')
    if meta.get("summary"):
        parts += ['<section id="summary" class="summary">', "<h2>Summary</h2>", "<ul>"]
        parts += [f"<li>{_e(x)}</li>" for x in meta["summary"]]
        parts += ["</ul>", "</section>"]
    rec = meta.get("recommendation")
    if rec is not None:
        parts += [
            '<section id="recommendation" class="recommendation">',
            f"<h2>{_e(rec.title)}</h2>",
            html_table(rec, rounding),
        ]
        if rec.note:
            parts.append(f'<p class="note">{_e(rec.note)}</p>')
        parts.append("</section>")
    boxes = meta.get("caveats") or []
    if boxes:
        parts.append('<aside class="caveats" aria-label="The scenario\'s own caveats">')
        for box in boxes:
            parts.append(f"<h2>{_e(box['title'])}</h2>")
            parts += [f"<p>{_e(t)}</p>" for t in box["paragraphs"]]
            if box["notes"]:
                parts += ["<ul>", *(f"<li>{_e(t)}</li>" for t in box["notes"]), "</ul>"]
        parts.append("</aside>")
    parts += ['<nav class="contents" aria-label="Contents">', "<h2>Contents</h2>", "<ol>"]
    parts += [f'<li><a href="#{anchor(t)}">{_e(t.title)}</a></li>' for t, _ in plan]
    parts += ["</ol>", "</nav>", "<main>"]
    figure = 0
    for n, (table, attached) in enumerate(plan, 1):
        headers, _, _, _ = grid(table, rounding)
        wide = ' class="wide"' if is_wide(headers) else ""
        parts.append(f'<section id="{anchor(table)}"{wide}>')
        parts.append(f"<h2>{n}. {_e(table.title)}</h2>")
        parts.append(html_table(table, rounding, n))
        if table.note:
            parts.append(f'<p class="note">{_e(table.note)}</p>')
        for chart in attached:
            figure += 1
            parts.append(_chart(chart, figure))
        parts.append("</section>")
    footer = " · ".join(x for x in (title, meta.get("units", ""), version) if x)
    parts += ["</main>", f"<footer>{_e(footer)}</footer>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def write_html(
    tables_: Sequence[Table], charts: Sequence[Any], meta: dict[str, Any], path: Path
) -> Path:
    """Write the brief as one self-contained HTML file (whole or not at all; replaces a file)."""
    path = Path(path)
    write_text(path, render_html(tables_, charts, meta), force=True)
    return path
