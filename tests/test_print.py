"""The brief on paper: the HTML printed to A4 PDF by headless Chromium, and the Word file
converted to PDF by LibreOffice, each read back word by word with positions (pdfminer).

Two things a reader of a printed brief must never meet:

- a cut table: every character lies inside its page (a table wider than the page would put
  its right-hand columns past the edge, or drop them), and every figure in the brief's tables
  is on paper;
- a broken number: each figure in a table (a token with a digit, as the Markdown brief writes
  it, e.g. "£15,800,000" or "-£2.67") is found whole on one line of the PDF's text, never split
  over two lines of a cell.

Skipped where Chromium or LibreOffice is not installed, except under CI (CI=true), where
`.ci/run` installs both and a missing one is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import prevcalc

ROOT = Path(__file__).resolve().parent.parent
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
OFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = pytest.mark.browser


def _need(tool: str | None, what: str) -> None:
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {what} for the printed brief test (.ci/run installs it)")
        pytest.skip(f"no {what} installed")


@pytest.fixture(scope="module")
def brief(tmp_path_factory) -> Path:
    """The portfolio and its variants with draws: the widest tables the brief writes."""
    out = tmp_path_factory.mktemp("print") / "brief"
    prevcalc.brief(
        [ROOT / "scenarios" / "portfolio.yaml"],
        out,
        title="Print check",
        variants=True,
        draws=100,
        seed=1,
    )
    return out


def figures(markdown: str) -> set[str]:
    """Every token with a digit in the Markdown brief's table rows (cells split on pipes, then
    on spaces), with the brackets and punctuation around it removed: "£15,800,000", "7", "52%"."""
    out: set[str] = set()
    for line in markdown.splitlines():
        if not line.startswith("|") or set(line) <= set("|:- "):
            continue
        for cell in line.strip("|").split("|"):
            for token in cell.replace("\\", "").split():
                token = token.strip("()*,;:").rstrip(".")
                if re.search(r"\d", token):
                    out.add(token)
    return out


def pages(pdf: Path) -> list[tuple[float, float, list[tuple[str, float, float]]]]:
    """Per page: its width and height, and each text line as (text, x0, x1)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox, LTTextLine

    out = []
    for page in extract_pages(str(pdf), laparams=LAParams()):
        lines = []
        for box in page:
            if isinstance(box, LTTextBox):
                for line in box:
                    if isinstance(line, LTTextLine):
                        lines.append((line.get_text().rstrip("\n"), line.x0, line.x1))
        out.append((page.width, page.height, lines))
    return out


def check_printed(pdf: Path, md: str) -> None:
    printed = pages(pdf)
    assert printed, "no pages printed"
    for number, (width, _, lines) in enumerate(printed, start=1):
        outside = [t for t, x0, x1 in lines if x0 < -0.5 or x1 > width + 0.5]
        assert not outside, f"page {number}: text past the page's edge (a cut table): {outside[:5]}"
    text = "\n".join(t for _, _, lines in printed for t, _, _ in lines)
    # Thin and non-breaking spaces are spaces to a reader; the minus sign may be typeset; a
    # word joiner (which keeps a figure whole in Word) has no width.
    text = (
        text.replace("\u2212", "-")
        .replace("\u00a0", " ")
        .replace("\u202f", " ")
        .replace("\u2060", "")
    )
    missing = sorted(f for f in figures(md) if f not in text)
    assert not missing, f"figures missing or broken over lines on paper: {missing[:20]}"


def test_html_brief_prints_to_a4_with_no_cut_table_or_broken_number(brief, tmp_path):
    _need(BROWSER, "Debian's chromium")
    pdf = tmp_path / "brief.pdf"
    proc = subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            (brief / "brief.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert pdf.is_file(), proc.stderr[-2000:]
    width, height, _ = pages(pdf)[0]
    assert (round(width), round(height)) == (595, 842), "the print stylesheet asks for A4"
    check_printed(pdf, (brief / "brief.md").read_text(encoding="utf-8"))


def test_word_brief_converts_with_no_cut_table_or_broken_number(brief, tmp_path):
    _need(OFFICE, "LibreOffice (Writer)")
    proc = subprocess.run(
        [
            OFFICE,
            f"-env:UserInstallation={(tmp_path / 'office').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(brief / "brief.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    pdf = tmp_path / "brief.pdf"
    assert pdf.is_file(), proc.stderr[-2000:] + proc.stdout[-2000:]
    width, height, _ = pages(pdf)[0]
    assert (round(width), round(height)) == (595, 842), "the Word brief is set up for A4"
    check_printed(pdf, (brief / "brief.md").read_text(encoding="utf-8"))


def test_the_checks_catch_a_cut_and_a_broken_number(tmp_path):
    """The checks can fail: a figure split over two lines, and a figure cut off at the edge of
    a box too narrow for it (as the comparison table's difference columns once were)."""
    md = "| Option | NPV |\n|:--|--:|\n| A | £15,800,000 |\n"
    assert figures(md) == {"£15,800,000"}
    broken = "A\n£15,800,\n000"
    assert not all(f in broken for f in figures(md))
    _need(BROWSER, "Debian's chromium")
    wide = tmp_path / "wide.html"
    wide.write_text(
        "<!DOCTYPE html><html><body><div style='width: 60mm; overflow: hidden; "
        "white-space: nowrap'>A B C D E F G H I J K L M N O P Q R S T U V W X Y Z "
        "A B C D E F G H I J K L M N O P Q R S T U V W X Y Z £15,800,000</div></body></html>",
        encoding="utf-8",
    )
    pdf = tmp_path / "wide.pdf"
    subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            wide.as_uri(),
        ],
        capture_output=True,
        timeout=180,
    )
    with pytest.raises(AssertionError):
        check_printed(pdf, md)
    check_printed(pdf, "| A | B |\n")  # what is on the page passes
