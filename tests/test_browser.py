"""The HTML brief opened in a real headless browser (Debian's chromium package).

Checks what a reader sees: the tables are present, the charts are drawn, no image is broken,
and the page renders to a screenshot that is not blank. Skipped where no chromium is installed,
except under CI (CI=true), where `.ci/run` installs it and a missing browser is a failure.
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
BROWSER = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)

pytestmark = pytest.mark.browser

if BROWSER is None:
    if os.environ.get("CI"):
        pytest.fail(
            "CI needs Debian's chromium for the HTML brief test (.ci/run installs it)",
            pytrace=False,
        )
    pytest.skip("no headless chromium installed", allow_module_level=True)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
]

# Appended to a copy of the page: record what the browser made of the images and SVG charts.
PROBE = """
<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; }).length;
  var svgs = document.querySelectorAll('svg').length;
  document.body.setAttribute('data-probe', 'images=' + imgs.length + ';broken=' + broken +
    ';svgs=' + svgs);
});
</script>
"""


def browse(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def brief(tmp_path_factory) -> Path:
    from prevcalc.report.brief import write_brief
    from prevcalc.report.summary import context_of

    out = tmp_path_factory.mktemp("brief") / "brief"
    scenarios = [
        prevcalc.load(ROOT / "scenarios" / "portfolio.yaml"),
        prevcalc.load(
            ROOT / "scenarios" / "portfolio.yaml",
            variant="Shift 10% of the downstream budget upstream",
        ),
    ]
    results = [prevcalc.run(sc) for sc in scenarios]
    write_brief(
        results,
        out,
        title="Browser check",
        names=["Base", "Shift upstream"],
        contexts=[context_of(sc) for sc in scenarios],
    )
    return out


def test_html_brief_renders_tables_and_charts_with_no_broken_images(brief, tmp_path):
    page = tmp_path / "probe.html"
    html = (brief / "brief.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in re.sub(r'xmlns(:\w+)?="[^"]*"', "", html), (
        "the brief must be self-contained (no external resources)"
    )
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    proc = browse(["--dump-dom", page.as_uri()], tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    probe = re.search(r'data-probe="images=(\d+);broken=(\d+);svgs=(\d+)"', dom)
    assert probe, "the page did not finish loading in the browser"
    images, broken, svgs = map(int, probe.groups())
    assert broken == 0
    assert images + svgs >= 3, "the three charts must be drawn"
    assert dom.count("<table") >= 6
    text = re.sub(r"<[^>]+>", " ", dom)
    for phrase in (
        "Browser check",
        "Who pays and who gains",
        "Year-by-year",
        "Base",
        "Shift upstream",
    ):
        assert phrase in text


def test_html_brief_screenshot_is_not_blank(brief, tmp_path):
    from PIL import Image

    shot = tmp_path / "shot.png"
    proc = browse(
        [f"--screenshot={shot}", "--window-size=1280,2400", (brief / "brief.html").as_uri()],
        tmp_path / "profile",
    )
    assert shot.exists(), proc.stderr[-2000:]
    with Image.open(shot) as im:
        assert im.size == (1280, 2400)
        colours = im.convert("L").getcolors(maxcolors=256 * 256)
        # A blank page is one colour; text, table rules and charts give many grey levels.
        assert colours is not None and len(colours) > 20


# The page inside a frame of a given width: chromium will not open a window narrower than 500
# px, so a phone's 390 px viewport is a frame. Reports the page's and the summary's widths.
FRAMED = """<!DOCTYPE html><html><head><style>body {{ margin: 0 }} \
iframe {{ border: 0; display: block }}</style>
</head><body><iframe id="f" style="width: {width}px; height: 3000px" srcdoc="{page}"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {{
  var w = this.contentWindow, d = w.document.documentElement,
    s = w.document.getElementById('summary');
  var out = [];
  w.document.querySelectorAll('#summary *, header *, aside *').forEach(function (e) {{
    if (e.getBoundingClientRect().right > d.clientWidth + 1) out.push(e.tagName);
  }});
  document.body.setAttribute('data-probe', 'viewport=' + w.innerWidth + ';page=' + d.scrollWidth +
    ';client=' + d.clientWidth + ';summary=' + s.scrollWidth + '/' + s.clientWidth +
    ';outside=' + out.length);
}});
</script></body></html>"""


@pytest.mark.parametrize("width", [390, 1280])
def test_summary_never_scrolls_sideways_on_a_phone_or_a_desktop(brief, tmp_path, width):
    import html as html_lib

    page = (brief / "brief.html").read_text(encoding="utf-8")
    framed = tmp_path / "framed.html"
    framed.write_text(
        FRAMED.format(width=width, page=html_lib.escape(page, quote=True)), encoding="utf-8"
    )
    proc = browse(["--window-size=1400,3000", "--dump-dom", framed.as_uri()], tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    probe = re.search(
        r'data-probe="viewport=(\d+);page=(\d+);client=(\d+);summary=(\d+)/(\d+);outside=(\d+)"',
        proc.stdout,
    )
    assert probe, "the page did not finish loading in the browser"
    viewport, page_w, client, summary_scroll, summary_client, outside = map(int, probe.groups())
    assert viewport == width
    assert page_w <= client, (
        "the page scrolls sideways (a table or figure is wider than the screen)"
    )
    assert summary_scroll <= summary_client
    assert outside == 0, "text of the summary, title or caveats runs past the screen's edge"
