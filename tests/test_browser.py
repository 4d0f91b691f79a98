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
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

pytestmark = pytest.mark.browser

if BROWSER is None:
    if os.environ.get("CI"):
        pytest.fail("CI needs Debian's chromium for the HTML brief test (.ci/run installs it)", pytrace=False)
    pytest.skip("no headless chromium installed", allow_module_level=True)

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--virtual-time-budget=5000",
]

# Appended to a copy of the page: record what the browser made of the images and SVG charts.
PROBE = """
<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; }).length;
  var svgs = document.querySelectorAll('svg').length;
  document.body.setAttribute('data-probe', 'images=' + imgs.length + ';broken=' + broken + ';svgs=' + svgs);
});
</script>
"""


def browse(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def brief(tmp_path_factory) -> Path:
    from prevcalc.report.brief import write_brief

    out = tmp_path_factory.mktemp("brief") / "brief"
    results = [prevcalc.run(prevcalc.load(ROOT / "scenarios" / "portfolio.yaml")),
               prevcalc.run(prevcalc.load(ROOT / "scenarios" / "portfolio.yaml",
                                          variant="Shift 10% of the downstream budget upstream"))]
    write_brief(results, out, title="Browser check", names=["Base", "Shift upstream"])
    return out


def test_html_brief_renders_tables_and_charts_with_no_broken_images(brief, tmp_path):
    page = tmp_path / "probe.html"
    html = (brief / "brief.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in re.sub(r'xmlns(:\w+)?="[^"]*"', "", html), \
        "the brief must be self-contained (no external resources)"
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
    for phrase in ("Browser check", "Who pays and who gains", "Year-by-year", "Base", "Shift upstream"):
        assert phrase in text


def test_html_brief_screenshot_is_not_blank(brief, tmp_path):
    from PIL import Image

    shot = tmp_path / "shot.png"
    proc = browse([f"--screenshot={shot}", "--window-size=1280,2400", (brief / "brief.html").as_uri()],
                  tmp_path / "profile")
    assert shot.exists(), proc.stderr[-2000:]
    with Image.open(shot) as im:
        assert im.size == (1280, 2400)
        colours = im.convert("L").getcolors(maxcolors=256 * 256)
        # A blank page is one colour; text, table rules and charts give many grey levels.
        assert colours is not None and len(colours) > 20
