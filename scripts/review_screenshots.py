"""Screenshots of a built edition for review, into ``docs/review/``.

    uv run python scripts/review_screenshots.py [--edition 2026] [--out docs/review]

HTML (headless Chromium over the DevTools protocol, as the browser gate drives it): the front
page, the glance table, Missions 4 and 10 and one capital, each at 1280 px and 390 px wide (the
first screenful, or the element for the glance table). PDF (``pdftoppm``): the page of the
summary (if the edition has one), of the glance table and of Table 1.3. Images are
PNGs kept small (viewport-height captures, 72 ppi PDF pages) so the folder stays a few MB.
"""

from __future__ import annotations

import argparse
import base64
import shutil
import subprocess
import sys
import time
from pathlib import Path

from levelup.gates._cdp import Chromium
from levelup.gates.browser import serve_directory
from levelup.paths import PROJECT_ROOT

WIDTHS = (1280, 390)
HEIGHT = {1280: 900, 390: 844}
#: (name, page, element to scroll to or None)
PAGES = (
    ("front", "index.html", None),
    ("glance-table", "index.html", "#tbl-missions-at-a-glance"),
    ("mission-04", "chapters/mission-04.html", None),
    ("mission-04-chart", "chapters/mission-04.html", "figure"),
    ("mission-10", "chapters/mission-10.html", None),
    ("mission-10-table", "chapters/mission-10.html", ".table-wrap"),
    ("capital-human", "chapters/capital-human.html", None),
)
#: (name, text that marks the PDF page)
PDF_PAGES = (
    ("pdf-summary", "This is what the"),  # the opening of chapters/summary.qmd
    ("pdf-glance-table", "Table 1: Headline metrics"),
    ("pdf-table-1-3", "Table 1.3:"),
)


def screenshot(browser: Chromium, url: str, width: int, selector: str | None, path: Path) -> None:
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    try:
        height = HEIGHT[width]
        browser.call("Page.enable", {}, session)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
            session,
        )
        browser.call("Page.navigate", {"url": url}, session, timeout=30)
        for _ in range(100):  # until the page (and its deferred script) has loaded
            state = browser.call(
                "Runtime.evaluate",
                {
                    "expression": "location.href !== 'about:blank' && document.readyState",
                    "returnByValue": True,
                },
                session,
            )
            if state.get("result", {}).get("value") == "complete":
                break
            time.sleep(0.1)
        if selector:
            found = browser.call(
                "Runtime.evaluate",
                {
                    "expression": "(() => { const e = document.querySelector("
                    + repr(selector)
                    + "); if (e) e.scrollIntoView({block: 'start'}); return window.scrollY; })()",
                    "returnByValue": True,
                },
                session,
            )
            assert found.get("result", {}).get("value") is not None, (url, selector)
        time.sleep(0.3)
        shot = browser.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": False},
            session,
            timeout=60,
        )
        path.write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.call("Target.closeTarget", {"targetId": target}, timeout=10)


def pdf_page_of(pdf: Path, needle: str) -> int | None:
    """The first page (1-based) whose text has ``needle``, after the contents pages."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    for i, page in enumerate(reader.pages):
        text = " ".join((page.extract_text() or "").split())
        if needle in text and "Contents" not in text[:200]:
            return i + 1
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edition", default="2026")
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "review")
    args = ap.parse_args(argv)
    built = PROJECT_ROOT / "_output" / args.edition
    site = built / "site"
    if not (site / "index.html").is_file():
        print(f"no built site in {site}: run `uv run levelup build --edition {args.edition}`")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with serve_directory(site) as base, Chromium() as browser:
        browser.start()
        for name, page, selector in PAGES:
            for width in WIDTHS:
                path = args.out / f"{name}-{width}.png"
                screenshot(browser, base + page, width, selector, path)
                written.append(path)
    pdfs = sorted(built.glob("*.pdf"))
    if pdfs and shutil.which("pdftoppm"):
        for name, needle in PDF_PAGES:
            number = pdf_page_of(pdfs[0], needle)
            if number is None:
                print(f"{name}: no page with {needle!r} in {pdfs[0].name}; skipped")
                continue
            stem = args.out / name
            subprocess.run(
                ["pdftoppm", "-r", "72", "-png", "-singlefile", "-f", str(number), "-l",
                 str(number), str(pdfs[0]), str(stem)],
                check=True,
            )  # fmt: skip
            written.append(stem.with_suffix(".png"))
    total = sum(p.stat().st_size for p in written)
    for p in written:
        print(f"{p.name}  {p.stat().st_size // 1024} KB")
    print(f"{len(written)} images, {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
