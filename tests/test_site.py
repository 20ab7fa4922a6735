"""The course's website: built from the committed notebooks, served on localhost and read in a real browser
(Debian's headless Chromium), every page: no console error, every image loaded, math typeset and no raw TeX
left, every internal link resolving, each chapter's Colab link pointing at its notebook. A screenshot of each
page goes to build/site-screenshots (or INVOLUTION_TF_SCREENSHOTS). Without Chromium and its driver the
browser test skips and says why, except under CI, where it must run."""

import functools
import http.server
import json
import os
import re
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest

from involution_tf import site

ROOT = Path(__file__).resolve().parents[1]
# The site is built from the committed notebooks and records.
pytestmark = pytest.mark.committed_results
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SCREENSHOTS = Path(os.environ.get("INVOLUTION_TF_SCREENSHOTS", ROOT / "build" / "site-screenshots"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return site.build(tmp_path_factory.mktemp("site") / "html").parent


@pytest.fixture(scope="module")
def served(built):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=built))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        message = "Debian's chromium and chromium-driver are not installed (apt-get install chromium "
        message += "chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser test must run in CI: {message}")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1600")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def pages(built: Path) -> list[str]:
    return sorted(str(p.relative_to(built)) for p in built.rglob("*.html") if "_static" not in p.parts)


def test_the_site_has_the_landing_page_the_chapters_and_the_reference_pages(built):
    found = pages(built)
    for page in ("index.html", "results.html", "api.html", "glossary.html", "search.html"):
        assert page in found
    assert [p for p in found if p.startswith("notebooks/")] == [
        f"notebooks/{path.stem}.html" for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    ]
    assert (built / "_static" / "mathjax" / "tex-svg.js").exists()  # served with the site, not from a CDN
    assert "cdn" not in (built / "index.html").read_text().lower()
    results = (built / "results.html").read_text()
    assert "cannot be told apart" in results and "Holm" in results


def test_the_tables_a_notebook_prints_as_markdown_are_tables_on_the_site(built):
    """A table a cell displays with ``Markdown(...)`` (notebook 05's verdicts) is an HTML table, never a
    paragraph of pipes."""
    assert (built / "notebooks" / "05_how_we_measured.html").read_text().count("<table") >= 6
    for page in (built / "notebooks").glob("*.html"):
        text = page.read_text()
        assert "| dataset |" not in text and "|---|" not in text and "|—|" not in text, page.name


def test_a_notebook_without_outputs_is_refused(tmp_path):
    notebook = json.loads((ROOT / "notebooks" / "01_convolution.ipynb").read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"], cell["outputs"] = None, []
    (tmp_path / "01_convolution.ipynb").write_text(json.dumps(notebook))
    with pytest.raises(ValueError, match=r"\['01_convolution.ipynb'\] have code cells without outputs"):
        site.check_notebooks([tmp_path / "01_convolution.ipynb"])


_TEXT_OUTSIDE_CODE = """
const body = document.body.cloneNode(true);
body.querySelectorAll('pre, code, script, style, mjx-container').forEach(e => e.remove());
return body.innerText;
"""
_MATHJAX_DONE = """
const done = arguments[arguments.length - 1];
if (!window.MathJax || !MathJax.startup) { done('no MathJax'); return; }
MathJax.startup.promise.then(() => done('typeset'), e => done('failed: ' + e));
"""


@pytest.mark.slow
def test_every_page_reads_in_a_real_browser(built, served, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):  # this run's screenshots only
        old.unlink()
    internal = set()
    for page in pages(built):
        html = (built / page).read_text()
        browser.get(f"{served}/{page}")
        mathjax = browser.execute_async_script(_MATHJAX_DONE)
        browser.save_screenshot(str(SCREENSHOTS / (page.replace("/", "_") + ".png")))
        errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert not errors, (page, errors)
        broken = browser.execute_script(
            "return Array.from(document.images).filter(i => !i.complete || !i.naturalWidth).map(i => i.src)"
        )
        assert not broken, (page, broken)
        text = browser.execute_script(_TEXT_OUTSIDE_CODE)
        assert "\\(" not in text and "\\[" not in text and not re.search(r"\$[^$\s][^$\n]*\$", text), page
        if 'class="math' in html:
            assert mathjax == "typeset", (page, mathjax)
            assert browser.execute_script("return document.querySelectorAll('mjx-container svg').length"), (
                page
            )
        if page.startswith("notebooks/"):
            colab = browser.execute_script(
                "return Array.from(document.links).map(a => a.href).filter(h => h.includes('colab.research'))"
            )
            assert colab and all(h.endswith(f"/blob/main/{page[:-5]}.ipynb") for h in colab), (page, colab)
        links = browser.execute_script("return Array.from(document.links).map(a => a.href)")
        internal |= {link.split("#")[0] for link in links if link.startswith(served)}
    for link in sorted(internal):
        with urllib.request.urlopen(link) as response:  # a missing page raises HTTPError 404
            assert response.status == 200, link
