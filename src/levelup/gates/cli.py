"""``levelup gates``: the CI preview quality gates as a typer sub-application.

Mounted in the main CLI as ``app.add_typer(gates_app, name="gates")``; also runnable
directly with ``python -m levelup.gates.cli``. Every command exits 0 when its gate passes,
1 when it fails, 2 on a usage error. See ``docs/ci.md``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from levelup.cli_options import JsonOption, print_json
from levelup.gates._html import scan_html
from levelup.gates.accessibility_static import check_accessibility_static
from levelup.gates.browser import check_browser
from levelup.gates.links import check_links
from levelup.gates.numbers import (
    FindingsError,
    Revisions,
    compare_findings,
    current_from,
    update_ground_truth,
)
from levelup.gates.pdf import check_pdf
from levelup.gates.prose import check_prose
from levelup.gates.result import GateResult
from levelup.paths import SITE_TREE

gates_app = typer.Typer(
    name="gates",
    help=(
        "Quality gates for the CI-rendered preview: links, accessibility (static and axe-core "
        "in headless Chromium), browser console, numbers back test and PDF checks.\n\n"
        "`levelup gates all --edition 2026` runs them all on _output/2026/ after "
        "`levelup build --edition 2026`. See docs/ci.md."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

GATE_NAMES = ("links", "a11y", "prose", "browser", "numbers", "pdf")
MAX_PRINTED = 200


# -- path resolution -------------------------------------------------------------------------
@dataclass
class EditionPaths:
    """Where an edition's build output and ground truth live (relative to the repo root)."""

    root: Path
    edition: str | None
    site: Path
    out: Path
    edition_dir: Path | None
    site_from_edition: bool = False

    @property
    def findings(self) -> Path:
        base = self.edition_dir or self.site.parent
        return base / "findings.csv"

    @property
    def ground_truth(self) -> Path:
        name = f"findings-{self.edition}.csv" if self.edition else "findings.csv"
        return self.root / "tests" / "ground_truth" / name

    @property
    def revisions(self) -> Path:
        return (self.edition_dir or self.site.parent) / "revisions.csv"

    @property
    def tree(self) -> Path | None:
        """The site tree of every built edition (``_output/site/``), where the links gate checks
        the edition (its switcher links to the others); None when a --site was given."""
        return self.root / "_output" / SITE_TREE if self.site_from_edition else None

    def links_site(self) -> tuple[Path, Path | None]:
        """The site the links gate crawls and the tree it resolves links against."""
        if self.tree is None or self.edition is None:
            return self.site, None
        return self.tree / self.edition, self.tree

    def pdfs(self) -> list[Path]:
        base = self.edition_dir or self.site.parent
        return sorted(base.glob("*.pdf")) if base.is_dir() else []


def _latest_edition(root: Path) -> str | None:
    base = root / "_output"
    years = sorted(p.name for p in base.glob("*") if p.is_dir() and re.fullmatch(r"\d{4}", p.name))
    return years[-1] if years else None


def resolve_paths(
    root: Path, edition: str | None, site: Path | None = None, out: Path | None = None
) -> EditionPaths:
    root = root.resolve()
    if edition is None and site is None:
        edition = _latest_edition(root)
        if edition is None:
            raise typer.BadParameter(
                f"no _output/<YEAR>/ under {root}: give --edition YEAR (after `levelup build`) "
                "or --site DIR"
            )
        typer.echo(f"(no --edition given: using the newest build, {edition})", err=True)
    edition_dir = root / "_output" / edition if edition else None
    site_dir = site if site is not None else (edition_dir / "site")  # type: ignore[operator]
    out_dir = out if out is not None else ((edition_dir or site_dir.parent) / "gates")
    return EditionPaths(root, edition, site_dir, out_dir, edition_dir, site is None)


# -- chapter titles --------------------------------------------------------------------------
_LEADING_NUMBER = re.compile(r"^(?:chapter\s+)?\d+(?:\.\d+)*[.:)]?\s+", re.IGNORECASE)


def _titles_from_json(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() != ".json":
        return [line.strip() for line in text.splitlines() if line.strip()]
    data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("chapters", [])
    titles = []
    for item in data:
        title = item.get("title") if isinstance(item, dict) else item
        if isinstance(title, str) and title.strip():
            titles.append(title.strip())
    return titles


def titles_from_nav(site: Path) -> list[str]:
    """Chapter titles from the navigation of the site's front page.

    Links marked ``data-chapter`` win; otherwise every ``<nav>`` link to another page of the
    site, using a ``.chapter-title`` element's text when there is one (Quarto) and dropping
    leading chapter numbers.
    """
    index = site / "index.html"
    if not index.is_file():
        return []
    page = scan_html(index, site)
    links = page.nav_links
    if any(link.marked for link in links):
        links = [link for link in links if link.marked]
    else:
        links = [
            link
            for link in links
            if not re.match(r"^[a-z][a-z0-9+.-]*:|^//|^#", link.href, re.IGNORECASE)
            and link.href.split("#")[0].split("?")[0].lower().endswith((".html", ".htm"))
            and link.href.split("#")[0].rstrip("/") not in ("index.html", "./index.html")
        ]
    titles: list[str] = []
    for link in links:
        title = _LEADING_NUMBER.sub("", link.chapter_title or link.text).strip()
        if title and title not in titles:
            titles.append(title)
    return titles


def chapter_titles(paths: EditionPaths, chapters_file: Path | None) -> tuple[list[str], str]:
    """Titles and where they came from: explicit file > chapters.json > site nav."""
    if chapters_file is not None:
        return _titles_from_json(chapters_file), str(chapters_file)
    candidates = [paths.site / "chapters.json"]
    if paths.edition_dir is not None:
        candidates.insert(0, paths.edition_dir / "chapters.json")
    for candidate in candidates:
        if candidate.is_file():
            return _titles_from_json(candidate), str(candidate)
    return titles_from_nav(paths.site), f"navigation of {paths.site / 'index.html'}"


# -- running and printing --------------------------------------------------------------------
def _print(result: GateResult, verbose: bool = True) -> None:
    typer.secho(
        f"== {result.name}: {result.status}",
        fg=typer.colors.GREEN if result.passed and not result.skipped else typer.colors.RED,
        bold=True,
    )
    for line in result.failures[:MAX_PRINTED]:
        typer.echo(f"  FAIL {line}")
    if len(result.failures) > MAX_PRINTED:
        typer.echo(f"  ... and {len(result.failures) - MAX_PRINTED} more failure(s)")
    if verbose:
        for line in result.notes[:MAX_PRINTED]:
            typer.echo(f"  note {line}")
    for name, path in result.artifacts.items():
        typer.echo(f"  file {name}: {path}")


def _finish(result: GateResult, as_json: bool = False) -> None:
    if as_json:
        print_json(result.to_dict())
    else:
        _print(result)
    if not result.passed:
        raise typer.Exit(1)


def _run_numbers(
    paths: EditionPaths,
    findings: Path | None,
    ground_truth: Path | None,
    revisions: Path | None,
    current: str | None,
) -> GateResult:
    findings = findings or paths.findings
    ground_truth = ground_truth or paths.ground_truth
    if revisions is not None and not revisions.is_file():
        return GateResult("numbers", failures=[f"{revisions}: no such revisions file"])
    revisions = revisions if revisions is not None else paths.revisions
    revs = Revisions.from_csv(revisions) if revisions.is_file() else None
    historic = current_from(current) if current else None
    result = compare_findings(
        findings, ground_truth, revisions=revs, historic=historic, out_dir=paths.out
    )
    if revs is None:
        result.note(f"no revisions file at {revisions}: no finding counts as revised")
    return result


def _run_pdf(
    paths: EditionPaths, pdfs: list[Path] | None, chapters_file: Path | None, min_chars: int
) -> GateResult:
    files = pdfs or paths.pdfs()
    titles, source = chapter_titles(paths, chapters_file)
    combined = GateResult("pdf")
    if not files:
        where = paths.edition_dir or paths.site.parent
        combined.fail(f"{where}: no PDF found (build the report first)")
        return combined
    if not titles:
        combined.fail(
            f"no chapter titles found ({source}): write chapters.json in the build or pass "
            "--chapters-file"
        )
    combined.note(f"{len(titles)} chapter title(s) from {source}")
    for pdf in files:
        single = check_pdf(pdf, titles, min_chars=min_chars)
        combined.failures += single.failures
        combined.notes += single.notes
    return combined


EditionOpt = Annotated[
    str | None,
    typer.Option(
        "--edition",
        help="Edition year: checks _output/YEAR/site, _output/YEAR/*.pdf, "
        "_output/YEAR/findings.csv against tests/ground_truth/findings-YEAR.csv. "
        "Default: the newest _output/YEAR.",
    ),
]
RootOpt = Annotated[Path, typer.Option("--root", help="Repository root.")]
SiteOpt = Annotated[
    Path | None, typer.Option("--site", help="Site directory (default _output/YEAR/site).")
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Where reports, diffs and screenshots go (default _output/YEAR/gates)."
    ),
]
ChaptersOpt = Annotated[
    Path | None,
    typer.Option(
        "--chapters-file",
        help="JSON list of chapter titles (or of {title: ...}), or a text file with one per "
        "line. Default: _output/YEAR/chapters.json, SITE/chapters.json, else the site nav.",
    ),
]


@gates_app.command("links")
def links_command(
    edition: EditionOpt = None,
    site: SiteOpt = None,
    root: RootOpt = Path("."),
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Every internal link, anchor and resource of the site resolves.

    Checks href/src/srcset (pages, #anchors on the same or other pages — the target id must exist —, images, CSS, JS, CSV downloads, url() in CSS) relative or root-relative; no resource may come from another host. External links are listed, never fetched.
    """
    paths = resolve_paths(root, edition, site)
    _finish(check_links(*paths.links_site()), as_json)


@gates_app.command("a11y")
def a11y_command(
    edition: EditionOpt = None,
    site: SiteOpt = None,
    root: RootOpt = Path("."),
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Static accessibility checks (fast, no browser).

    Every <img> has a non-empty alt (alt="" only with role="presentation"), <html lang> is set, exactly one <h1> per page, <title> non-empty and unique, every table has a <caption> or aria-label.
    """
    paths = resolve_paths(root, edition, site)
    _finish(check_accessibility_static(paths.site), as_json)


@gates_app.command("prose")
def prose_command(
    edition: EditionOpt = None,
    site: SiteOpt = None,
    root: RootOpt = Path("."),
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Machinery out of the prose, and no template slips (fast, no browser).

    Sweeps what readers see on every page except the provenance appendix and the colophon: no sha256 or commit ids, file paths, data folders, finding keys, metric ids or snake_case ids; no "(s)", ": never", "in 0", "1 already have", "highest in:", doubled words, raw shortcodes or unresolved variables.
    """
    paths = resolve_paths(root, edition, site)
    _finish(check_prose(paths.site), as_json)


@gates_app.command("browser")
def browser_command(
    edition: EditionOpt = None,
    site: SiteOpt = None,
    out: OutOpt = None,
    root: RootOpt = Path("."),
    axe: Annotated[bool, typer.Option("--axe/--no-axe", help="Run axe-core on every page.")] = True,
    axe_path: Annotated[
        Path | None, typer.Option("--axe-path", help="axe.min.js (default node_modules/axe-core).")
    ] = None,
    chromium: Annotated[
        str | None, typer.Option("--chromium", help="Chromium executable (default: on PATH).")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per page.")] = 30.0,
    screenshots: Annotated[
        str, typer.Option("--screenshots", help="front (OUT/screenshots/index.png), all or none.")
    ] = "front",
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Load every page in headless Chromium over a local HTTP server and run axe-core.

    Fails on console errors, uncaught exceptions, failed requests (HTTP >= 400, fetch() errors), any request to a non-local host (blocked: the site must be self-contained), pages that time out, and axe-core violations of impact serious or critical. Saves a screenshot of the front page to OUT/screenshots/index.png and OUT/browser-report.json. Needs `apt-get install -y chromium` and `npm ci` (axe-core).
    """
    if screenshots not in ("front", "all", "none"):
        raise typer.BadParameter("--screenshots must be front, all or none")
    paths = resolve_paths(root, edition, site, out)
    _finish(
        check_browser(
            paths.site,
            paths.out,
            run_axe=axe,
            axe_path=axe_path,
            chromium=chromium,
            page_timeout=timeout,
            screenshots=screenshots,
        ),
        as_json,
    )


@gates_app.command("numbers")
def numbers_command(
    edition: EditionOpt = None,
    root: RootOpt = Path("."),
    out: OutOpt = None,
    findings: Annotated[
        Path | None, typer.Option("--findings", help="Default _output/YEAR/findings.csv.")
    ] = None,
    ground_truth: Annotated[
        Path | None,
        typer.Option("--ground-truth", help="Default tests/ground_truth/findings-YEAR.csv."),
    ] = None,
    revisions: Annotated[
        Path | None,
        typer.Option(
            "--revisions",
            help="CSV metric,period (or key) of data revisions; default _output/YEAR/revisions.csv "
            "when present.",
        ),
    ] = None,
    current: Annotated[
        str | None,
        typer.Option(
            "--current-from",
            help="Periods ending on/after this year or date are current (changes listed, "
            "not failed).",
        ),
    ] = None,
    accept: Annotated[
        bool,
        typer.Option(
            "--accept",
            help="Accept the build's findings: overwrite the ground truth with them (then commit).",
        ),
    ] = False,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Back test of the findings against the committed ground truth.

    Findings of historic periods untouched by a data revision must match the committed ground truth (tolerance 1e-7 relative or 1e-9 absolute; strings exact).

    Changes on revised (metric, period) pairs, on current periods, moved periods, new and removed keys are listed, not failed. The full diff goes to OUT/numbers-diff.md.
    """
    paths = resolve_paths(root, edition, None, out)
    if accept:
        source = findings or paths.findings
        target = ground_truth or paths.ground_truth
        before = compare_findings(source, target, out_dir=paths.out) if target.is_file() else None
        try:
            written = update_ground_truth(source, target)
        except FindingsError as exc:
            typer.secho(f"cannot accept the findings: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"ground truth written: {written} (from {source}); review and commit it")
        if before is not None:
            typer.echo(f"diff against the previous ground truth: {paths.out / 'numbers-diff.md'}")
        return
    _finish(_run_numbers(paths, findings, ground_truth, revisions, current), as_json)


@gates_app.command("pdf")
def pdf_command(
    edition: EditionOpt = None,
    root: RootOpt = Path("."),
    site: SiteOpt = None,
    pdf: Annotated[
        list[Path] | None, typer.Option("--pdf", help="PDF file(s); default _output/YEAR/*.pdf.")
    ] = None,
    chapters_file: ChaptersOpt = None,
    min_chars: Annotated[int, typer.Option("--min-chars", help="Minimum extracted text.")] = 200,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """PDF: fonts embedded, text extractable, every chapter title present.

    The PDF embeds every font (Type 3 counts as embedded), its text is extractable with pdftotext, and every chapter title appears in it (ligatures, hyphenation and whitespace normalised). Needs `apt-get install -y poppler-utils`.
    """
    paths = resolve_paths(root, edition, site)
    _finish(_run_pdf(paths, pdf, chapters_file, min_chars), as_json)


def run_all(
    paths: EditionPaths,
    *,
    skip: set[str] = frozenset(),  # type: ignore[assignment]
    chapters_file: Path | None = None,
    revisions: Path | None = None,
    current: str | None = None,
    timeout: float = 30.0,
    screenshots: str = "front",
) -> list[tuple[GateResult, float]]:
    """Run every gate (except ``skip``) and return (result, seconds) pairs."""
    runners = {
        "links": lambda: check_links(*paths.links_site()),
        "a11y": lambda: check_accessibility_static(paths.site),
        "prose": lambda: check_prose(paths.site),
        "browser": lambda: check_browser(
            paths.site, paths.out, page_timeout=timeout, screenshots=screenshots
        ),
        "numbers": lambda: _run_numbers(paths, None, None, revisions, current),
        "pdf": lambda: _run_pdf(paths, None, chapters_file, 200),
    }
    results = []
    for name, run in runners.items():
        if name in skip:
            results.append((GateResult(name, notes=["--skip"], skipped=True), 0.0))
            continue
        typer.echo(f"-- running {name} ...", err=True)
        started = time.monotonic()
        try:
            result = run()
        except Exception as exc:  # a crashing gate is a failing gate, and the others still run
            result = GateResult(name, failures=[f"gate crashed: {type(exc).__name__}: {exc}"])
        results.append((result, time.monotonic() - started))
    return results


def write_report(results: list[tuple[GateResult, float]], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Preview quality gates",
        "",
        "| gate | status | failures | seconds |",
        "|---|---|---|---|",
    ]
    for r, secs in results:
        lines.append(f"| {r.name} | {r.status} | {len(r.failures)} | {secs:.1f} |")
    for r, _ in results:
        lines += ["", f"## {r.name}: {r.status}", ""]
        lines += [f"- FAIL {f}" for f in r.failures]
        lines += [f"- {n}" for n in r.notes]
        lines += [f"- file `{p}`" for p in r.artifacts.values()]
    path = out / "gates-report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "gates.json").write_text(
        json.dumps([{**r.to_dict(), "seconds": round(s, 2)} for r, s in results], indent=2),
        encoding="utf-8",
    )
    return path


@gates_app.command("all")
def all_command(
    edition: EditionOpt = None,
    root: RootOpt = Path("."),
    site: SiteOpt = None,
    out: OutOpt = None,
    chapters_file: ChaptersOpt = None,
    revisions: Annotated[
        Path | None, typer.Option("--revisions", help="See `gates numbers --help`.")
    ] = None,
    current: Annotated[
        str | None, typer.Option("--current-from", help="See `gates numbers --help`.")
    ] = None,
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", help=f"Gate to skip (local use only): {', '.join(GATE_NAMES)}."),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Browser: seconds per page.")] = 30.0,
    screenshots: Annotated[
        str, typer.Option("--screenshots", help="Browser: front, all or none.")
    ] = "front",
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Run every gate and exit 1 if any failed.

    Runs links, a11y, prose, browser, numbers and pdf, prints a summary table, writes OUT/gates-report.md and OUT/gates.json, and exits 1 if any gate failed.
    """
    unknown = set(skip or []) - set(GATE_NAMES)
    if unknown:
        raise typer.BadParameter(f"unknown gate(s) {', '.join(sorted(unknown))}")
    paths = resolve_paths(root, edition, site, out)
    results = run_all(
        paths,
        skip=set(skip or []),
        chapters_file=chapters_file,
        revisions=revisions,
        current=current,
        timeout=timeout,
        screenshots=screenshots,
    )
    report = write_report(results, paths.out)
    if as_json:
        print_json([{**r.to_dict(), "seconds": round(s, 2)} for r, s in results])
        raise typer.Exit(1 if any(not r.passed for r, _ in results) else 0)
    for result, _ in results:
        _print(result)

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Preview quality gates ({paths.edition or paths.site})")
    for col in ("gate", "status", "failures", "notes", "seconds"):
        table.add_column(col)
    for r, secs in results:
        style = "yellow" if r.skipped else ("green" if r.passed else "bold red")
        table.add_row(
            r.name,
            f"[{style}]{r.status}[/]",
            str(len(r.failures)),
            str(len(r.notes)),
            f"{secs:.1f}",
        )
    Console(width=100).print(table)
    typer.echo(f"report: {report}")
    failed = [r.name for r, _ in results if not r.passed]
    if failed:
        typer.secho(f"gates failed: {', '.join(failed)}", fg=typer.colors.RED, bold=True)
        raise typer.Exit(1)
    typer.secho("all gates passed", fg=typer.colors.GREEN, bold=True)


if __name__ == "__main__":
    gates_app()
