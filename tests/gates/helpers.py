"""Builders for the gate tests: a small static site, PDFs and findings tables."""

from __future__ import annotations

import csv
import struct
import zlib
from pathlib import Path

from levelup.stats.results import FINDINGS_COLUMNS

# -- a tiny but complete static site --------------------------------------------------------


def png_bytes(width: int = 4, height: int = 3, rgb: bytes = b"\x12\x34\x56") -> bytes:
    """A valid RGB PNG of one solid colour (dark blue by default)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + rgb * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


CHAPTERS = {
    "pay": "Pay and productivity",
    "health": "Healthy life expectancy",
}


def page(title: str, body: str, *, depth: int = 0, lang: str = "en-GB", head: str = "") -> str:
    up = "../" * depth
    nav = "".join(
        f'<li><a href="{up}chapters/{slug}.html"><span class="chapter-number">{i}</span>&nbsp; '
        f'<span class="chapter-title">{name}</span></a></li>'
        for i, (slug, name) in enumerate(CHAPTERS.items(), start=1)
    )
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{up}css/style.css">
{head}
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header><nav aria-label="Chapters"><ul>
<li><a href="{up}index.html">Home</a></li>
{nav}
</ul></nav></header>
<main id="content">
{body}
</main>
<footer><p>Source: <a href="https://www.gov.uk/government/statistics">GOV.UK</a></p></footer>
<script src="{up}js/search.js"></script>
</body>
</html>
"""


INDEX_BODY = """<h1>Levelling Up progress report 2026</h1>
<p>Read the chapter on <a href="chapters/pay.html#trend">pay trends</a>.</p>
<img src="img/chart.png" alt="Chart of median pay by region, 2015 to 2025" width="4" height="3">
<table>
<caption>Headline findings</caption>
<thead><tr><th scope="col">Mission</th><th scope="col">Value</th></tr></thead>
<tbody><tr><td>Pay</td><td>31,000</td></tr></tbody>
</table>
<p><a href="data/findings.csv" download>Download the findings (CSV)</a></p>
<form role="search"><label for="q">Search</label> <input id="q" type="search"></form>
<ul id="results"></ul>
"""


def chapter_body(slug: str, name: str) -> str:
    return f"""<h1>{name}</h1>
<p>Back to the <a href="../index.html">overview</a> or jump to the <a href="#trend">trend</a>.</p>
<h2 id="trend">Trend</h2>
<img src="../img/chart.png" alt="{name}: trend by region">
<p>See also the <a href="../index.html#content">summary</a>.</p>
"""


SEARCH_JS = """// fetch()-based search: needs an http:// origin, which is why the gate serves the site
(function () {
  fetch(new URL('search.json', document.currentScript.src.replace(/js\\/search\\.js$/, '')))
    .then(function (r) { if (!r.ok) { throw new Error('search index ' + r.status); } return r.json(); })
    .then(function (index) {
      var list = document.getElementById('results');
      if (!list) { return; }
      index.forEach(function (item) {
        var li = document.createElement('li');
        li.textContent = item.title;
        list.appendChild(li);
      });
    });
})();
"""

STYLE_CSS = """body { font-family: sans-serif; color: #0b0c0c; background: #fff url(../img/bg.png); }
a { color: #1d70b8; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 0; }
"""


def make_site(root: Path) -> Path:
    """Write a small site that passes every gate; returns its directory."""
    site = root
    (site / "chapters").mkdir(parents=True, exist_ok=True)
    for sub in ("css", "js", "img", "data"):
        (site / sub).mkdir(exist_ok=True)
    (site / "index.html").write_text(page("Levelling Up progress 2026", INDEX_BODY))
    for slug, name in CHAPTERS.items():
        (site / "chapters" / f"{slug}.html").write_text(
            page(f"{name} — Levelling Up 2026", chapter_body(slug, name), depth=1)
        )
    (site / "css" / "style.css").write_text(STYLE_CSS)
    (site / "js" / "search.js").write_text(SEARCH_JS)
    (site / "img" / "chart.png").write_bytes(png_bytes())
    (site / "img" / "bg.png").write_bytes(png_bytes(1, 1, rgb=b"\xf3\xf2\xf1"))
    (site / "data" / "findings.csv").write_text("key,value\npay.median,31000\n")
    (site / "search.json").write_text('[{"title": "Pay and productivity"}]')
    return site


# -- PDFs ------------------------------------------------------------------------------------

REPORT_TYP = """#set page(width: 14cm, height: 18cm)
#set text(lang: "en")
#set par(justify: true)
= Pay and productivity
#lorem(70)
= Healthy life expectancy
#lorem(70)
= Office efficiency and well-being
Official figures for the first fiscal year: #lorem(40)
"""


def unembedded_font_pdf(path: Path) -> Path:
    """A one-page PDF drawing text with the standard Helvetica font, not embedded."""
    content = b"BT /F1 24 Tf 40 700 Td (Pay and productivity, a chapter.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


# -- findings --------------------------------------------------------------------------------


def finding(key: str, metric: str, period: str, value: str, **extra: str) -> dict[str, str]:
    row = {
        "key": key,
        "metric": metric,
        "statistic": "level",
        "geography": "itl1",
        "area": "TLC",
        "area_name": "North East",
        "period": period,
        "value": value,
        "lower": "",
        "upper": "",
        "unit": "GBP",
        "n": "",
        "method": "published",
        "notebook": "analysis/missions/pay.ipynb",
    }
    row.update(extra)
    return row


BASE_FINDINGS = [
    finding("pay.ne.2019", "pay", "2019", "28000.5", lower="27000", upper="29000", n="120"),
    finding("pay.ne.2020", "pay", "2020", "28500.25"),
    finding("pay.ne.latest", "pay", "2024", "31000"),
    finding("hle.ne.2018", "hle", "2018-01-01/P3Y", "59.1", unit="years"),
    finding("hle.ne.trend", "hle", "2011/2020", "0.12", statistic="slope", unit="years/yr"),
    finding("gva.ne.2019", "gva", "2019", "", unit="GBP"),
]


def write_findings(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FINDINGS_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
