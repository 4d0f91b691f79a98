"""The report side of hostile input and hostile disks: briefs replace only briefs, spreadsheets
never run a name as a formula, documents and terminals survive control characters, charts draw
"$" as a dollar, and a failed write is a clear error that leaves nothing behind."""

from __future__ import annotations

import csv
import doctest
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest

import prevcalc
from prevcalc.errors import OutputError
from prevcalc.report import _atomic, _text
from prevcalc.report import csv as csv_writer
from prevcalc.report.brief import write_brief

ROOT = Path(__file__).resolve().parent.parent

# Text a spreadsheet would run, and text a terminal would obey. The loader refuses control
# characters in a file, so those reach the writers here through the Python API.
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(A1)", "-2+3", "\tTab first", "\rCR first"]
ESCAPES = (
    "\x1b[31mred\x1b[0m \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ \x07\x00\x08\x0b\x0c\x7f\x9b2J"
)

SCENARIO = """\
prevcalc: 1
name: '=HYPERLINK("http://x","y")'
currency: USD
price_year: 2024
horizon: 6
discounting: {schedule: green_book, timing: mid}
interventions:
  - id: nfp
    name: "+cmd $5 and $10"
    layer: midstream
    source: "@SUM(A1) $\\\\undefinedcmd$"
    intake: {participants: [30, 30]}
    costs:
      running: [{amount: 20000, per: year, from_year: 0, to_year: 1, funder: nhs, source: "-2+3"}]
    outcomes:
      - {name: "$\\\\undefinedcmd$", agency: childrens_social_care, amount: 1500, start: 1,
         duration: 4, deadweight: 0.25, source: "\\tTab source"}
"""


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture
def result(scenario_file):
    return prevcalc.run(prevcalc.load(scenario_file))


@pytest.fixture
def dirty_result(result):
    """A result whose names and sources carry escape sequences and control characters."""
    result.sources = {k: f"{ESCAPES} source of {k}" for k in result.sources}
    result.lines = result.lines.assign(
        source=f"{ESCAPES} line", name=[f"{ESCAPES} {n}" for n in result.lines["name"]]
    )
    return result


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# -- the helpers ---------------------------------------------------------------------------------


def test_text_helpers_examples_run():
    assert doctest.testmod(_text).failed == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd", "'+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("-cmd", "'-cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("\x1b[31m=1+1", "'=1+1"),  # an escape sequence cannot hide a formula
        ("-1200", "-1200"),
        ("+3.5e-2", "+3.5e-2"),
        ("-.5", "-.5"),  # plain numbers are not formulas
        ("Nurse visits", "Nurse visits"),
        ("a=b", "a=b"),
        ("", ""),
        ("$5 and $10", "$5 and $10"),
    ],
)
def test_spreadsheet_text_neutralises_formula_starters_only(text, expected):
    assert _text.spreadsheet_text(text) == expected


def test_numbers_stay_numbers():
    import numpy as np

    for v in (-5.0, -1, 0, 3.25, np.float64(-2.5), np.int64(-7), None, float("nan"), True):
        out = _text.spreadsheet_value(v)
        assert out is v or (out != out and v != v)


def test_clean_and_terminal_text_remove_escape_sequences_and_controls():
    out = _text.clean(ESCAPES + "\tok\nnext\r\n")
    assert out == "red link \tok\nnext\n"
    assert not any(ord(c) < 32 and c not in "\t\n" or 0x7F <= ord(c) <= 0x9F for c in out)
    assert _text.terminal_text("a\rb\tc") == "a b c"
    assert _text.clean("lone \ud800 surrogate \uffff") == "lone  surrogate "


# -- 1. brief --force replaces only a brief prevcalc wrote ----------------------------------------


def test_a_brief_carries_a_marker_listing_its_files(result, tmp_path):
    out = tmp_path / "brief"
    written = write_brief([result], out, formats={"csv", "md"})
    mark = json.loads((out / _atomic.MARKER).read_text(encoding="utf-8"))
    assert mark["written_by"] == "prevcalc" and mark["what"] == "brief"
    assert mark["prevcalc_version"] == prevcalc.__version__
    assert (
        set(mark["files"])
        == _files(out) - {_atomic.MARKER}
        == {p.relative_to(out).as_posix() for p in written}
    )


def test_force_replaces_a_marked_brief_whole(result, tmp_path):
    out = tmp_path / "brief"
    write_brief([result], out, formats={"csv", "md"})
    with pytest.raises(OutputError, match="use --force"):
        write_brief([result], out, formats={"csv"})
    write_brief([result], out, formats={"csv"}, force=True)
    assert not (out / "brief.md").exists() and (out / "tables" / "comparison.csv").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "brief",
        "hostile.yaml",
    ]  # nothing temporary left


def test_an_empty_folder_is_filled_without_force(result, tmp_path):
    out = tmp_path / "made_by_hand"
    out.mkdir()
    write_brief([result], out, formats={"csv"})
    assert (out / "tables" / "comparison.csv").is_file()


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_that_is_not_a_brief_is_never_replaced(result, tmp_path, force):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        write_brief([result], out, formats={"csv"}, force=force)
    assert str(info.value) == (
        f"{out} is not empty and is not a brief prevcalc wrote (it has no .prevcalc-brief file), "
        "so it is not replaced, even with --force; choose a new folder, or empty this one"
    )
    assert (
        _files(out) == {"notes.txt"}
        and (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    )


def test_a_brief_holding_the_users_files_is_not_replaced(result, tmp_path):
    out = tmp_path / "brief"
    write_brief([result], out, formats={"csv"})
    (out / "my notes.txt").write_text("mine", encoding="utf-8")
    (out / "tables" / "extra.csv").write_text("mine too", encoding="utf-8")
    with pytest.raises(
        OutputError, match=r"holds files prevcalc did not write \(my notes.txt, tables/extra.csv\)"
    ):
        write_brief([result], out, formats={"csv"}, force=True)
    assert (out / "my notes.txt").read_text(encoding="utf-8") == "mine"
    # Files the operating system adds by itself do not count as the user's.
    (out / "my notes.txt").unlink()
    (out / "tables" / "extra.csv").unlink()
    (out / ".DS_Store").write_bytes(b"")
    write_brief([result], out, formats={"csv"}, force=True)


def test_a_file_in_the_way_is_refused(result, tmp_path):
    out = tmp_path / "brief"
    out.write_text("a file", encoding="utf-8")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        write_brief([result], out, formats={"csv"}, force=True)
    assert out.read_text(encoding="utf-8") == "a file"


@pytest.mark.parametrize("how", [".", "absolute"])
def test_brief_out_the_current_folder_is_refused_and_deletes_nothing(
    cli, scenario_file, tmp_path, monkeypatch, how
):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("my notes", encoding="utf-8")
    scenario = work / "hostile.yaml"
    scenario.write_text(scenario_file.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(work)
    out = "." if how == "." else str(work)
    code, _, err = cli("brief", "hostile.yaml", "--out", out, "--force")
    assert code == 1, err
    assert "is not a brief prevcalc wrote" in err and "Traceback" not in err
    assert _files(work) == {"notes.txt", "hostile.yaml"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.yaml", "work"]


def test_a_marked_brief_that_is_the_current_folder_is_not_swapped(
    cli, scenario_file, tmp_path, monkeypatch
):
    out = tmp_path / "brief"
    write_brief([prevcalc.run(prevcalc.load(scenario_file))], out, formats={"csv"})
    monkeypatch.chdir(out)
    code, _, err = cli("brief", scenario_file, "--out", ".", "--force")
    assert code == 1 and "is the current folder" in err
    assert (out / "tables" / "comparison.csv").is_file()


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temporary_folders_are_cleaned_and_others_left(result, tmp_path):
    host = _atomic._host()
    stale = tmp_path / f".brief.prevcalc-tmp-{host}-{_dead_pid()}-0123abcd"
    stale_old = tmp_path / f".brief.prevcalc-old-{host}-{_dead_pid()}-89abcdef"
    live = tmp_path / f".brief.prevcalc-tmp-{host}-{os.getppid()}-00000000"  # a running process
    elsewhere = (
        tmp_path / f".brief.prevcalc-tmp-0000ffff-{_dead_pid()}-11111111"
    )  # another machine, recent
    other_name = tmp_path / f".other.prevcalc-tmp-{host}-{_dead_pid()}-22222222"
    mine = tmp_path / ".brief.backup"
    for d in (stale, stale_old, live, elsewhere, other_name, mine):
        d.mkdir()
        (d / "x.csv").write_text("x", encoding="utf-8")
    old_host = tmp_path / ".brief.prevcalc-tmp-0000ffff-1-33333333"  # another machine, a day old
    old_host.mkdir()
    day_ago = time.time() - _atomic.STALE_AFTER - 60
    os.utime(old_host, (day_ago, day_ago))
    write_brief([result], tmp_path / "brief", formats={"csv"})
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"brief", "hostile.yaml", live.name, elsewhere.name, other_name.name, mine.name}


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_a_brief_killed_midway_is_cleaned_up_by_the_next(scenario_file, tmp_path):
    ready = tmp_path / "ready"
    script = textwrap.dedent(f"""
        import time, pathlib, prevcalc
        import prevcalc.report.csv as c
        from prevcalc.report.brief import write_brief
        def slow(tables, folder):
            pathlib.Path({str(ready)!r}).write_text("go")
            time.sleep(60)
        c.write_csvs = slow
        write_brief(
            [prevcalc.run(prevcalc.load({str(scenario_file)!r}))],
            {str(tmp_path / "b")!r},
            formats={{"csv"}},
        )
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300  # a loaded machine imports slowly
        while not ready.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
    assert ready.exists(), f"the brief never started: {err}"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".b.prevcalc-tmp-")]
    assert len(leftovers) == 1 and not (tmp_path / "b").exists(), sorted(
        p.name for p in tmp_path.iterdir()
    )
    write_brief([prevcalc.run(prevcalc.load(scenario_file))], tmp_path / "b", formats={"csv"})
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".b.")]


# -- 2. formula injection -------------------------------------------------------------------------


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_brief_csvs_neutralise_formulas_and_keep_numbers(result, tmp_path):
    out = tmp_path / "b"
    write_brief([result], out, formats={"csv"})
    cells = [c for p in (out / "tables").glob("*.csv") for row in _csv_rows(p) for c in row]
    for c in cells:
        if c[:1] in ("=", "+", "@", "\t", "\r") or (c.startswith("-") and not _is_number(c)):
            pytest.fail(f"a CSV cell would run as a formula: {c!r}")
    assert '\'=HYPERLINK("http://x","y")' in cells and "'-2+3" in cells and "'\tTab source" in cells
    assert "'@SUM(A1) $\\undefinedcmd$" in cells
    negatives = [c for c in cells if c.startswith("-") and _is_number(c)]
    assert negatives, "the years table has negative net flows, written as plain numbers"
    years = _csv_rows(out / "tables" / "years.csv")
    net = [float(r[years[0].index("net")]) for r in years[1:]]
    assert net == pytest.approx(result.cashflows()["net"].tolist())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_frame_csv_is_the_one_csv_writer_for_data_frames():
    import pandas as pd

    frame = pd.DataFrame({"option": FORMULAS + ["-7"], "npv": [-1.5, 2, -3, 4, 5, 6, -7]})
    rows = _csv_rows_text(csv_writer.frame_csv(frame))
    # A carriage return becomes a line feed, so the field is quoted and the row stays whole.
    assert [r[0] for r in rows[1:]] == ["'" + f.replace("\r", "\n") for f in FORMULAS] + ["-7"]
    assert [float(r[1]) for r in rows[1:]] == [-1.5, 2, -3, 4, 5, 6, -7]


def _csv_rows_text(text: str) -> list[list[str]]:
    import io

    return list(csv.reader(io.StringIO(text, newline="")))


def test_xlsx_text_is_never_a_formula_and_numbers_are_numbers(result, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "b"
    write_brief([result], out, formats={"xlsx"}, names=['=HYPERLINK("http://x","y")'])
    wb = load_workbook(out / "brief.xlsx")
    kinds = {}
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert c.data_type in ("s", "inlineStr")
                    if _text.is_formula_like(c.value):
                        assert c.quotePrefix, (ws.title, c.coordinate, c.value)
                    kinds.setdefault("text", []).append(c.value)
                else:
                    assert c.data_type == "n"
                    kinds.setdefault("number", []).append(c.value)
    assert '=HYPERLINK("http://x","y")' in kinds["text"]  # shown as written, as text
    assert "-2+3" in kinds["text"] and "@SUM(A1) $\\undefinedcmd$" in kinds["text"]
    assert any(v < 0 for v in kinds["number"])
    raw = (out / "brief.xlsx").read_bytes()
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


# -- 3. charts ------------------------------------------------------------------------------------


def test_chart_text_is_drawn_as_written(result, tmp_path):
    out = tmp_path / "b"
    write_brief(
        [result, result],
        out,
        formats={"charts"},
        names=["$5 and $10", "$\\undefinedcmd$ and _hidden"],
    )
    svg = (out / "charts" / "cumulative.svg").read_text(encoding="utf-8")
    # The legend names each option, then when it pays back: "<name> (pays back in year N)".
    assert ">$5 and $10 (" in svg and ">$\\undefinedcmd$ and _hidden (" in svg
    svg = (out / "charts" / "layers.svg").read_text(encoding="utf-8")
    assert "$5 and $10" in svg


def test_a_leading_underscore_does_not_hide_a_legend_entry(result, tmp_path):
    out = tmp_path / "b"
    write_brief([result, result], out, formats={"charts"}, names=["_a", "_b"])
    svg = (out / "charts" / "cumulative.svg").read_text(encoding="utf-8")
    assert "_a (" in svg and "_b (" in svg


# -- 4. Word and Excel survive control characters -------------------------------------------------


def test_every_format_survives_control_characters(dirty_result, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    out = tmp_path / "b"
    write_brief(
        [dirty_result, dirty_result], out, names=[f"{ESCAPES} one", "two\x01"], title=f"T{ESCAPES}"
    )
    bad = set(map(chr, [*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]))
    doc = Document(str(out / "brief.docx"))
    texts = [p.text for p in doc.paragraphs] + [
        c.text for t in doc.tables for r in t.rows for c in r.cells
    ]
    assert any("red link" in t for t in texts)
    assert not any(set(t) & bad for t in texts)
    wb = load_workbook(out / "brief.xlsx")
    values = [
        c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert any("red link" in v for v in values) and not any(set(v) & bad for v in values)
    for name in ("brief.md", "brief.html", "charts/cumulative.svg"):
        assert not set((out / name).read_text(encoding="utf-8")) & bad, name
    for p in (out / "tables").glob("*.csv"):
        assert not set(p.read_text(encoding="utf-8")) & (bad - {"\r"}), p.name


def test_xlsx_cells_longer_than_excel_allows_are_cut(tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    from prevcalc.report.tables import Table
    from prevcalc.report.xlsx import write_xlsx

    write_xlsx(
        [Table("t", "T", pd.DataFrame({"name": ["x" * 40000]}), {"name": "text"})],
        tmp_path / "t.xlsx",
    )
    assert len(load_workbook(tmp_path / "t.xlsx")["t"]["A2"].value) == 32767


# -- 5. the terminal ------------------------------------------------------------------------------


def test_terminal_output_strips_escape_sequences(dirty_result, capsys):
    from prevcalc.report.terminal import Terminal, render_run

    dirty_result.name = f"{ESCAPES} scenario"
    term = Terminal(width=100)
    term.print(render_run(dirty_result))
    term.print(f"plain {ESCAPES}")
    term.warn(ESCAPES)
    term.error(ESCAPES)
    term.info(ESCAPES)
    term.err.print(f"validate says {ESCAPES}")
    term.raw(f"a,{ESCAPES}\n")
    out, err = capsys.readouterr()
    for stream in (out, err):
        assert "\x1b" not in stream and "\x9b" not in stream and "\x07" not in stream
        assert "red link" in stream


def test_terminal_tables_are_safe_on_any_console(result):
    """The rich tables are cleaned when built, so even a plain console (writing to a file) is
    safe."""
    import io

    import pandas as pd
    from rich.console import Console

    from prevcalc.report.tables import Table
    from prevcalc.report.terminal import render_table, render_transposed

    t = Table(
        "x",
        f"Title {ESCAPES}",
        pd.DataFrame({"option": [f"{ESCAPES} a", "b\rc"], "npv": [1.0, -2.0]}),
        {"option": "text", "npv": "money"},
    )
    buf = io.StringIO()
    console = Console(
        file=buf, width=120, markup=False, emoji=False, highlight=False, no_color=True
    )
    console.print(render_table(t))
    console.print(render_transposed(t))
    text = buf.getvalue()
    assert "\x1b" not in text and "\r" not in text and "red link" in text and "b c" in text


def test_rich_colour_still_works_with_a_safe_console(monkeypatch):
    import io

    from rich.text import Text

    from prevcalc.report.terminal import SafeConsole

    monkeypatch.delenv("NO_COLOR")
    buf = io.StringIO()
    SafeConsole(file=buf, force_terminal=True, color_system="standard", markup=False).print(
        Text("warning", style="red"), f"name {ESCAPES}"
    )
    assert "\x1b[31m" in buf.getvalue()  # rich's own colour, not the name's
    assert "\x1b]8" not in buf.getvalue()


# -- 6. output failures ---------------------------------------------------------------------------


def _no_leftovers(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


# A full disk, for real: the writes run in a child process whose file-size limit (RLIMIT_FSIZE)
# is a few kilobytes, so the operating system refuses them (EFBIG, "File too large") exactly
# where a full disk would (ENOSPC); SIGXFSZ is ignored so the write fails instead of killing.
LIMITED = """
import resource, signal, sys
from pathlib import Path
import prevcalc
from prevcalc.errors import OutputError
from prevcalc.report import _atomic
from prevcalc.report.brief import write_brief

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
what, scenario, out, formats = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
result = prevcalc.run(prevcalc.load(scenario))
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    if what == "brief":
        write_brief([result], out, formats=set(formats.split(",")), force=True)
    else:
        _atomic.write_text(out, "new " * 4096, force=True)
except OutputError as e:
    print(e)
    sys.exit(1)
sys.exit(0)
"""
TOO_LARGE = os.strerror(errno.EFBIG)


def _limited(
    what: str, scenario: Path, out: Path, formats: str = ""
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", LIMITED, what, str(scenario), str(out), formats],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.skipif(os.name == "nt", reason="POSIX resource limits")
@pytest.mark.parametrize("existing", [False, True])
def test_a_full_disk_is_an_output_error_and_leaves_things_as_they_were(
    result, scenario_file, tmp_path, existing
):
    out = tmp_path / "b"
    if existing:
        write_brief([result], out, formats={"csv"})
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} if existing else None
    proc = _limited("brief", scenario_file, out, "csv,md")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert str(out) in proc.stdout and TOO_LARGE in proc.stdout
    assert _no_leftovers(tmp_path)
    if existing:
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    else:
        assert not out.exists()


@pytest.mark.skipif(os.name == "nt", reason="POSIX resource limits")
def test_a_chart_that_cannot_be_saved_is_an_output_error(scenario_file, tmp_path):
    out = tmp_path / "b"
    proc = _limited("brief", scenario_file, out, "charts")
    assert proc.returncode == 1, proc.stderr[-2000:]
    message = proc.stdout.strip()
    assert message.startswith(f"cannot write {out}: {TOO_LARGE}")
    assert "prevcalc-tmp" not in message  # the user's path, not the temporary one
    assert _no_leftovers(tmp_path) and not out.exists()


def test_an_unwritable_place_is_an_output_error_with_exit_1(cli, scenario_file, tmp_path):
    """A brief asked for inside a file (not a folder): the operating system refuses it."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / "b"
    code, _, err = cli("brief", scenario_file, "--out", out)
    assert code == 1 and "Traceback" not in err
    assert f"cannot write {out}: {blocker} is a file, not a folder" in err
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_really_read_only_folder(result, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="Permission denied"):
            write_brief([result], ro / "b", formats={"csv"})
        with pytest.raises(OutputError, match="Permission denied"):
            _atomic.write_text(ro / "x.txt", "x")
    finally:
        ro.chmod(0o755)


@pytest.mark.skipif(os.name == "nt", reason="POSIX resource limits")
def test_write_bytes_failure_leaves_the_old_file(scenario_file, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "out.json"
    target.write_text("old", encoding="utf-8")
    proc = _limited("text", scenario_file, target)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert proc.stdout.strip().startswith(f"cannot write {target}: {TOO_LARGE}")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in folder.iterdir()] == ["out.json"]


# -- 7. the umask ---------------------------------------------------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_files_and_folders_follow_the_umask(result, tmp_path, umask):
    old = os.umask(umask)
    try:
        out = tmp_path / "b"
        write_brief([result], out, formats={"csv", "md", "charts"})
        _atomic.write_text(tmp_path / "one.txt", "x")
    finally:
        os.umask(old)
    for p in [out, *out.rglob("*"), tmp_path / "one.txt"]:
        mode = p.stat().st_mode & 0o777
        assert mode == (0o777 if p.is_dir() else 0o666) & ~umask, (p, oct(mode))


# -- 8. packaging ---------------------------------------------------------------------------------


def test_the_brief_libraries_are_main_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {
        d.split(">")[0].split("=")[0].split("[")[0].strip().lower() for d in project["dependencies"]
    }
    assert {"matplotlib", "openpyxl", "python-docx"} <= names
    assert "brief" in project["optional-dependencies"]  # `pip install .[brief]` still works


def test_run_does_not_import_the_brief_libraries(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    code = textwrap.dedent(f"""
        import sys
        from prevcalc.cli import main
        import prevcalc.report.brief, prevcalc.report.charts
        import prevcalc.report.docx, prevcalc.report.xlsx
        assert main(["run", {str(path)!r}, "--format", "csv"]) == 0
        heavy = sorted(m for m in ("matplotlib", "openpyxl", "docx") if m in sys.modules)
        print("HEAVY", heavy, file=sys.stderr)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr


def test_brief_from_the_command_line_end_to_end(cli, scenario_file, tmp_path):
    out = tmp_path / "b"
    code, _, err = cli("brief", scenario_file, "--out", out)
    assert code == 0, err
    assert (out / _atomic.MARKER).is_file() and (out / "brief.xlsx").is_file()
    code, _, err = cli("brief", scenario_file, "--out", out, "--force")
    assert code == 0, err


def test_payback_percentiles_among_draws_that_never_pay_back(write_scenario):
    # Most draws never pay back (a saving that lasts 1 to 3 years against a cost of 150): the
    # 95th percentile falls among "never" draws. numpy's percentile there is infinity minus
    # infinity, a NaN with a RuntimeWarning on stderr; the terminal report must say "never".
    import io
    import warnings

    import numpy as np
    from conftest import MINIMAL
    from rich.console import Console

    from prevcalc.report import tables, terminal

    # One participant: a cost of 150 against a saving of 60 a year for 1 to 3 years.
    text = (
        MINIMAL.replace("participants: [10]", "participants: [1]")
        .replace("amount: 100,", "amount: 150,")
        .replace(
            "amount: 50, duration: 3,", "amount: 60, duration: {dist: uniform, low: 1, high: 3},"
        )
    )
    assert "high: 3}" in text and "amount: 150," in text and "[1]" in text
    result = prevcalc.run(prevcalc.load(write_scenario(text)), draws=4001, seed=3)
    years = tables.payback_over_draws(result)
    assert np.isinf(years).mean() > 0.5 and np.isfinite(years).any()
    assert tables.payback_percentile(years, 95) == np.inf
    finite = np.sort(years[np.isfinite(years)])
    assert tables.payback_percentile(finite, 50) == np.percentile(finite, 50)
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Console(file=out, width=100).print(terminal.render_run(result))
    # The uncertainty table's row (the headline panel, in a box, shows the median).
    row = next(
        line for line in out.getvalue().splitlines() if "Payback year" in line and "│" not in line
    )
    assert row.split()[-1] == "never", row
