"""Area profile pages: one HTML page per local authority, and their index, from the table the
profiles notebook writes (``<output_dir>/area-profiles/``, :func:`levelup.metrics.areas.
write_profile_files`). Not 361 notebook runs and not 361 pandoc runs: the pages are assembled
here from the per-area findings table (every number on a page is a cell of ``profiles.csv``,
which is also the download), with the book's page shell, navigation and footer.

* ``areas/index.html`` — every area grouped by nation and region, with a filter box (type part of
  a name or code) on top of the site search, which also finds every area page;
* ``areas/<code>.html`` — locator map, summary, the metrics table, similar areas;
* ``data/area-profiles.csv`` and ``data/areas/<code>.csv`` — the downloads.
"""

from __future__ import annotations

import csv
import html
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

AREAS_DIR = "areas"
INDEX_PAGE = f"{AREAS_DIR}/index.html"
ALL_PROFILES = "data/area-profiles.csv"
METRICS_FILE = "data/area-profiles-methods.csv"
#: Nations in the order the index lists them.
NATIONS = ("England", "Wales", "Scotland", "Northern Ireland")
#: Placeholders of the locator map (drawn by the profiles notebook, levelup.charts.maps) that
#: each area page fills in.
LOCATOR_LABEL = "{{label}}"
LOCATOR_MARK = "<!--area-->"


def locator_mark(svg: str, label: str, positions: list[tuple[float, float]]) -> str:
    """The locator map of one area: its hexes at ``positions`` filled, ``label`` its name."""
    mark = "".join(f'<use href="#hx" x="{x:.1f}" y="{y:.1f}"/>' for x, y in positions)
    return svg.replace(LOCATOR_LABEL, html.escape(label, quote=True)).replace(LOCATOR_MARK, mark)


def _esc(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


@dataclass
class Area:
    code: str
    name: str
    region: str
    country: str
    rows: list[dict] = field(default_factory=list)
    similar: list[dict] = field(default_factory=list)
    summary: str = ""

    @property
    def page(self) -> str:
        return f"{AREAS_DIR}/{self.code}.html"


@dataclass
class AreaBook:
    areas: dict[str, Area]
    columns: list[str]
    locator: str
    positions: dict[str, list[tuple[float, float]]]
    method: str
    raw: bytes
    metrics: dict[str, dict]
    metrics_raw: bytes


def load_profiles(folder: Path) -> AreaBook:
    """Read the profiles notebook's files."""
    folder = Path(folder)
    raw = (folder / "profiles.csv").read_bytes()
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8")))
    areas: dict[str, Area] = {}
    for row in reader:
        area = areas.get(row["area_code"])
        if area is None:
            area = areas[row["area_code"]] = Area(
                row["area_code"], row["area_name"], row["region_name"], row["country_name"]
            )
        area.rows.append(row)
    with (folder / "summaries.csv").open(encoding="utf-8", newline="") as handle:
        summaries = {r["area_code"]: r["summary"] for r in csv.DictReader(handle)}
    for code, area in areas.items():
        area.summary = summaries.get(code, "")
    with (folder / "metrics.csv").open(encoding="utf-8", newline="") as handle:
        methods = {r["metric"]: r for r in csv.DictReader(handle)}
    with (folder / "similar.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["area_code"] in areas:
                areas[row["area_code"]].similar.append(row)
    positions: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with (folder / "layout.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            positions[row["code"]].append((float(row["x"]), float(row["y"])))
    return AreaBook(
        areas,
        list(reader.fieldnames or []),
        (folder / "locator.svg").read_text(encoding="utf-8"),
        dict(positions),
        (folder / "method.txt").read_text(encoding="utf-8").strip(),
        raw,
        methods,
        (folder / "metrics.csv").read_bytes(),
    )


def area_csv(book: AreaBook, area: Area) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=book.columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(area.rows)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- index
def index_content(book: AreaBook) -> str:
    """The index: a filter box, then every area by nation and (in England) region."""
    groups: dict[str, dict[str, list[Area]]] = defaultdict(lambda: defaultdict(list))
    for area in book.areas.values():
        region = area.region if area.country == "England" else area.country
        groups[area.country][region].append(area)
    n = len(book.areas)
    out = [
        '<h1 class="title">Area profiles</h1>',
        f"<p>A page for each of the UK's {n:,} local authorities (districts, unitary "
        "authorities, metropolitan and London boroughs, Welsh and Scottish councils and Northern "
        "Irish districts): for every mission metric with local data, where the area stands, where "
        "it is heading, and whether it is on course where the mission aims for progress in "
        "every area.</p>",
        '<div class="area-filter">',
        '<label for="area-filter-input">Find an area: type part of its name or its code</label>',
        '<input id="area-filter-input" type="search" autocomplete="off" '
        'aria-describedby="area-filter-status">',
        f'<p id="area-filter-status" aria-live="polite">{n:,} areas</p>',
        "</div>",
        f'<p>Download <a href="../{ALL_PROFILES}">all profiles in one file (CSV)</a>.</p>',
    ]
    for country in [c for c in NATIONS if c in groups] + sorted(set(groups) - set(NATIONS)):
        slug = country.lower().replace(" ", "-")
        out.append(f'<section class="area-group" aria-labelledby="areas-{slug}">')
        out.append(f'<h2 id="areas-{slug}">{_esc(country)}</h2>')
        for region in sorted(groups[country]):
            if region != country:
                rslug = region.lower().replace(" ", "-")
                out.append(f'<section class="area-group" aria-labelledby="areas-{rslug}">')
                out.append(f'<h3 id="areas-{rslug}">{_esc(region)}</h3>')
            out.append('<ul class="area-list">')
            for area in sorted(groups[country][region], key=lambda a: a.name):
                out.append(
                    f'<li data-search="{_esc((area.name + " " + area.code).lower())}">'
                    f'<a href="{area.code}.html">{_esc(area.name)}</a> '
                    f'<span class="area-code">{_esc(area.code)}</span></li>'
                )
            out.append("</ul>")
            if region != country:
                out.append("</section>")
        out.append("</section>")
    return "\n".join(out)


# ----------------------------------------------------------------------------- area page
def _status_html(level: str, verdict: str) -> str:
    if not level:
        return ""
    slug = level.replace(" ", "-")
    text = level
    if level == "not assessable" and ":" in verdict:
        text = f"not assessable ({verdict.split(':', 1)[1].strip()})"
    return f'<span class="lu-status lu-status-{_esc(slug)}">{_esc(text)}</span>'


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value else None


def _rank_text(row: dict) -> str:
    rank = _number(row.get("rank"))
    if rank is None:
        return "not ranked"
    tenth = int(_number(row.get("tenth")) or 0)
    where = {1: "top tenth", 10: "bottom tenth"}.get(tenth, f"tenth {tenth} of 10")
    return f"{int(rank):,} of {_esc(row['comparison_set'])} ({where})"


def _latest_text(row: dict) -> str:
    if row.get("latest_display") in ("", "no data"):
        return "no data"
    text = f'{_esc(row["latest_display"])} <span class="area-period">({_esc(row["latest_period_label"])})</span>'
    if row.get("source_area_name"):
        text += f'<br><span class="area-note">{_esc(row["source_area_name"])} figure</span>'
    return text


def _change_text(row: dict) -> str:
    if not row.get("change_display"):
        return "one period only" if row.get("latest_display") not in ("", "no data") else ""
    return f"{_esc(row['change_display'])} since {_esc(row['first_period_label'])}"


def _gap_text(row: dict) -> str:
    return _esc(row.get("gap_display", ""))


def area_content(book: AreaBook, area: Area, locator: str) -> str:
    rows = area.rows
    kind = rows[0]["region_name"]
    summary = area.summary
    out = [
        f'<h1 class="title">{_esc(area.name)}</h1>',
        f'<p class="area-subtitle">Local authority in {_esc(kind)} · area code '
        f"{_esc(area.code)}</p>",
        '<figure class="area-locator">',
        locator,
        f"<figcaption>Where {_esc(area.name)} is: one hexagon per local authority, regions "
        "and nations outlined (hex layout: Open Innovations).</figcaption>",
        "</figure>",
        '<h2 id="summary">Summary</h2>',
        f"<p>{_esc(summary)}</p>",
        '<h2 id="metrics">Mission metrics</h2>',
        "<p>The latest value of every mission metric published for local authorities, its rank "
        "among the areas published for that period (1 = best by the metric's direction, the set "
        "of areas stated), the change since the first period with the trend verdict (the same "
        "evidence rules as the chapters: no direction from too few non-overlapping periods), the "
        "gap to the UK (England where no UK figure is published; money gaps in per cent) and, "
        "where the mission aims for progress in every area, the status on the report's scale. "
        'See the <a href="../chapters/methods.html">methods</a>.</p>',
        '<div class="table-wrap" tabindex="0" role="region" aria-label="Mission metrics table">',
        '<table class="area-metrics stack-phone"><caption>Mission metrics for '
        f"{_esc(area.name)}</caption>",
        '<thead><tr><th scope="col">Metric</th><th scope="col">Latest</th>'
        '<th scope="col">Rank</th><th scope="col">Change</th><th scope="col">Trend</th>'
        '<th scope="col">Gap</th><th scope="col">Status</th></tr></thead><tbody>',
    ]
    labels = ["Metric", "Latest", "Rank", "Change", "Trend", "Gap", "Status"]
    for row in sorted(rows, key=lambda r: (int(r["missions"].split()[0]), r["role"] != "headline")):
        cells = [
            f"{_esc(row['metric_title'])} "
            f'<span class="area-note">(Mission {_esc(row["missions"].split()[0])})</span>',
            _latest_text(row),
            _rank_text(row) if row.get("latest_display") != "no data" else "",
            _change_text(row),
            _esc(row.get("trend_verdict", "")),
            _gap_text(row),
            _status_html(row.get("progress_status", ""), row.get("progress_verdict", "")),
        ]
        head = f'<th scope="row" data-label="{labels[0]}">{cells[0]}</th>'
        tds = "".join(
            f'<td data-label="{label}">{cell}</td>'
            for label, cell in zip(labels[1:], cells[1:], strict=True)
        )
        out.append(f"<tr>{head}{tds}</tr>")
    out.append("</tbody></table></div>")
    # similar areas
    out.append('<h2 id="similar">Similar areas</h2>')
    out.append(f"<p>{_esc(book.method)}</p>")
    if area.similar:
        items = [
            f'<li><a href="{_esc(s["similar_code"])}.html">{_esc(s["similar_name"])}</a></li>'
            for s in area.similar
        ]
        out.append('<ol class="similar-list">' + "".join(items) + "</ol>")
        compared = [
            r
            for r in rows
            if _number(r.get("similar_median")) is not None
            and _number(r.get("latest_value")) is not None
            and r["role"] == "headline"
        ]
        if compared:
            out.append(
                '<div class="table-wrap" tabindex="0" role="region" aria-label="Comparison with similar areas">'
                '<table class="stack-phone"><caption>'
                f"{_esc(area.name)} and the median of its similar areas, headline metrics</caption>"
                '<thead><tr><th scope="col">Metric</th><th scope="col">'
                f"{_esc(area.name)}</th>"
                '<th scope="col">Similar areas (median)</th></tr></thead><tbody>'
            )
            for r in compared:
                median = r.get("similar_median_display", "")
                out.append(
                    f'<tr><th scope="row" data-label="Metric">{_esc(r["metric_title"])}</th>'
                    f'<td data-label="{_esc(area.name)}">{_esc(r["latest_display"])}</td>'
                    f'<td data-label="Similar areas (median)">{_esc(median)}</td></tr>'
                )
            out.append("</tbody></table></div>")
    else:
        out.append("<p>No similar area: too few of the compared metrics are published here.</p>")
    out.append('<h2 id="downloads">Downloads</h2>')
    out.append(
        f'<ul><li><a href="../data/areas/{_esc(area.code)}.csv">This profile (CSV)</a>, with '
        "every value, its interval, period, rank and source</li>"
        f'<li><a href="../{ALL_PROFILES}">All profiles (CSV)</a> and '
        f'<a href="../{METRICS_FILE}">how each metric was compared (CSV)</a></li>'
        '<li><a href="index.html">All area profiles</a></li></ul>'
    )
    return "\n".join(out)


def search_text(area: Area) -> str:
    return (f"Area profile {area.name} {area.code} {area.region} {area.country} " + area.summary)[
        :2000
    ]


#: The chapter after which the index appears in the navigation (the PDF's glance appendix).
GLANCE_CHAPTER = "chapters/area-profiles.qmd"


def nav_with_index(entries: list) -> list:
    """The book's navigation with the area index after the glance chapter (else at the end)."""
    from .html import NavEntry

    at = next((i for i, e in enumerate(entries) if e.source == GLANCE_CHAPTER), None)
    part = entries[at].part if at is not None else None
    entry = NavEntry(INDEX_PAGE, "Area profiles: find your area", None, part, "")
    at = len(entries) - 1 if at is None else at
    return [*entries[: at + 1], entry, *entries[at + 1 :]]


def site_pages(book: AreaBook):
    """(page, title, content, search entry) for the index and every area page."""
    yield (
        INDEX_PAGE,
        "Area profiles",
        index_content(book),
        {
            "u": INDEX_PAGE,
            "c": "Area profiles",
            "s": "",
            "x": "Find your area: every local authority",
        },
    )
    for area in sorted(book.areas.values(), key=lambda a: a.code):
        locator = locator_mark(
            book.locator, f"Map locating {area.name} in the UK", book.positions.get(area.code, [])
        )
        entry = {"u": area.page, "c": f"{area.name} ({area.code})", "s": "", "x": search_text(area)}
        yield area.page, area.name, area_content(book, area, locator), entry


def downloads(book: AreaBook) -> dict[str, bytes | str]:
    """The all-profiles CSV and one CSV per area (site paths)."""
    out: dict[str, bytes | str] = {ALL_PROFILES: book.raw, METRICS_FILE: book.metrics_raw}
    for area in book.areas.values():
        out[f"data/{AREAS_DIR}/{area.code}.csv"] = area_csv(book, area)
    return out
