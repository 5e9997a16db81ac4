"""The report commands: ``levelup build``, ``check``, ``preview``, ``publish`` and ``kernels``.

Heavy modules are imported inside the commands so that ``levelup --help`` and a no-op
``levelup build`` stay fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from levelup.console import console

EditionOption = Annotated[
    str | None,
    typer.Option(
        "--edition",
        "-e",
        help="Edition (year) to work on, as listed in data/editions.toml. Default: the latest.",
    ),
]
ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project",
        help="Project directory (with _quarto.yml, chapters/, analysis/, data/). Default: this checkout.",
        hidden=True,
    ),
]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Renderer: 'builtin' (pandoc + Typst, bundled; about 4 s), 'quarto' (needs a quarto "
        "executable on PATH; about 2 minutes for the whole book) or 'auto' (Quarto when "
        "installed, else built-in). Either way the build leaves _output/stage/EDITION/, where plain "
        "`quarto render` and `quarto preview` work.",
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        help="Notebooks executed in parallel (warm Jupyter kernels). Default: the number of CPUs.",
    ),
]
FormatsOption = Annotated[
    str,
    typer.Option("--formats", help="Comma-separated output formats: html, pdf, or html,pdf."),
]
KeepOption = Annotated[
    float | None,
    typer.Option(
        "--keep-kernels",
        metavar="SECONDS",
        help="Keep the warm kernels alive this long after the build so the next build starts "
        "instantly (they exit by themselves when unused). 0 stops them at the end. Default: 600, "
        "or 0 under CI (CI set); LEVELUP_KEEP_KERNELS overrides the default.",
    ),
]
MirrorOption = Annotated[
    Path | None,
    typer.Option(
        "--mirror",
        help="Read pinned inputs from this local mirror (default: $LEVELUP_DATA_MIRROR, else download).",
    ),
]


def _keep_default(value: float | None) -> float:
    if value is not None:
        return value
    env = os.environ.get("LEVELUP_KEEP_KERNELS")
    if env:
        try:
            return float(env)
        except ValueError:
            raise typer.BadParameter(f"LEVELUP_KEEP_KERNELS={env!r} is not a number") from None
    return 0.0 if os.environ.get("CI") else 600.0


def _formats(value: str) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = sorted(set(formats) - {"html", "pdf"})
    if bad or not formats:
        raise typer.BadParameter(f"unknown format(s) {bad or [value]}; use html, pdf or html,pdf")
    return formats


@contextlib.contextmanager
def readable_errors():
    """Known failures print as ``error: ...`` (no traceback) and exit with status 1.

    The exception classes are imported only when something failed: importing the renderer just
    to name ``RenderError`` would cost a no-op build a tenth of its time.
    """
    try:
        yield
    except KeyboardInterrupt:
        console.print("\n[red]interrupted[/red]: kernels stopped, nothing was published.")
        sys.exit(130)
    except Exception as exc:
        from levelup.data.catalogue import CatalogueError
        from levelup.data.fetch import DataFetchError
        from levelup.report.build import BuildError
        from levelup.report.kernels import KernelError
        from levelup.report.publish import PublishedEditionError, PublishError
        from levelup.report.render import RenderError

        if isinstance(exc, RenderError):
            console.print("[red]error:[/red] the book could not be rendered:")
            console.print(str(exc), markup=False, highlight=False)
            sys.exit(1)
        known = (
            BuildError,
            KernelError,
            PublishedEditionError,
            PublishError,
            CatalogueError,
            DataFetchError,
        )
        if not isinstance(exc, known):
            raise
        console.print("[red]error:[/red] ", end="")
        console.print(str(exc), markup=False, highlight=False)
        sys.exit(1)


def _options(
    project, edition, engine, jobs, force, formats, keep_kernels, mirror, output_root=None
):
    from levelup.report.build import BuildOptions

    return BuildOptions(
        project_dir=project,
        edition=edition,
        engine=engine,
        jobs=jobs,
        force=force,
        formats=_formats(formats),
        keep_kernels=_keep_default(keep_kernels),
        mirror=mirror,
        output_root=output_root,
    )


def _summary(result) -> None:
    this = [r for r in result.notebooks if r.job.edition == result.edition]
    ran = sum(r.status == "ran" for r in this)
    other = [r for r in result.notebooks if r.job.edition != result.edition]
    extra = f"; {len(other)} of edition {other[0].job.edition} for what-changed" if other else ""
    what = (
        "unchanged (output identical, left untouched)"
        if result.status == "unchanged"
        else f"published to {result.output_dir}"
    )
    console.print(
        f"[bold]Edition {result.edition}[/bold]: {len(this)} notebooks ({ran} ran, "
        f"{len(this) - ran} cached{extra}), {result.engine} engine, {what} "
        f"in {result.timings.get('total', 0):.2f}s"
    )
    for warning in result.warnings:
        console.print(f"  [yellow]warning:[/yellow] {warning}", markup=True, highlight=False)
    if result.replaced_published is not None:
        console.print(
            f"[yellow]Replaced the published edition {result.edition}[/yellow] "
            "(--force). What differs from the published output:"
        )
        for line in result.diff.lines() if result.diff else []:
            console.print(line, markup=False, highlight=False)
        if result.findings_changes:
            console.print("Findings:")
            for line in result.findings_changes:
                console.print(f"  {line}", markup=False, highlight=False)
        console.print(
            f"It is no longer marked published: check it, then `levelup publish --edition {result.edition}`."
        )
    elif result.diff is not None and result.status == "built":
        d = result.diff
        console.print(
            f"  [dim]{len(d.changed)} files changed, {len(d.added)} added, {len(d.removed)} removed "
            "since the previous build[/dim]"
        )
    kept = result.kernels.get("kept_seconds", 0)
    if kept and (result.kernels.get("started") or result.kernels.get("adopted")):
        console.print(
            f"  [dim]warm kernels kept for {kept:.0f}s for the next build "
            "(`levelup kernels stop` stops them)[/dim]"
        )


def build(
    edition: EditionOption = None,
    engine: EngineOption = "builtin",
    jobs: JobsOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Rebuild a published edition (it is immutable otherwise); lists every file and "
            "finding that differs from the published output.",
        ),
    ] = False,
    formats: FormatsOption = "html,pdf",
    keep_kernels: KeepOption = None,
    mirror: MirrorOption = None,
    project: ProjectOption = None,
) -> None:
    """Build an edition of the report into _output/EDITION/.

    Verifies every pinned input, executes the analysis notebooks with the edition's parameters
    (in parallel on warm kernels; unchanged notebooks come from a content-addressed cache keyed
    on the notebook, its parameters, the library, uv.lock, the data configuration and the sha256
    of every input file it read), merges their findings into findings.csv/json and
    _variables.yml, runs analysis/editions/what-changed.ipynb against the previous edition,
    renders the HTML site and the PDF (built-in engine; Quarto with --engine quarto) and
    swaps the result into _output/EDITION/ atomically: a failed build never replaces a good one,
    and a published edition is never replaced without --force.
    """
    from levelup.report.build import ConsoleUI
    from levelup.report.build import build as run_build

    with readable_errors():
        result = run_build(
            _options(project, edition, engine, jobs, force, formats, keep_kernels, mirror),
            ConsoleUI(console),
        )
    _summary(result)


def check(edition: EditionOption = None, project: ProjectOption = None) -> None:
    """Lint the book without executing anything.

    Reports, as file:line, chapters that do not exist, unresolved {{< embed >}} (notebook or cell
    label missing), unknown {{< var >}} keys, unresolved @fig-/@tbl-/@sec- cross-references,
    duplicate labels, unknown citation keys and figures without fig-alt. Variable keys are checked
    against the last build's _output/EDITION/_variables.yml; without a build they cannot be.
    """

    from levelup.data.catalogue import Catalogue
    from levelup.data.sources import Manifest
    from levelup.paths import PROJECT_ROOT
    from levelup.report.render import check_book, format_problems

    root = Path(project or PROJECT_ROOT).resolve()
    with readable_errors():
        catalogue = Catalogue(Manifest.load(root / "data" / "sources.toml"), data_dir=root / "data")
        year = catalogue.edition(edition).year if edition else catalogue.latest_edition.year
    variables_path = root / "_output" / year / "_variables.yml"
    variables = None
    if variables_path.exists():
        from levelup import config_files

        variables = config_files.safe_load(variables_path.read_text(encoding="utf-8")) or {}
        console.print(f"Checking edition {year}; variables from {variables_path}")
    else:
        console.print(
            f"Checking edition {year}; [yellow]{{{{< var >}}}} keys not verified[/yellow]: no "
            f"{variables_path.relative_to(root)} yet (run `levelup build --edition {year}` first)"
        )
    problems = check_book(root, year, variables)
    if problems:
        console.print(format_problems(problems), markup=False, highlight=False)
        console.print(f"[red]{len(problems)} problem(s)[/red]")
        raise typer.Exit(1)
    console.print("[green]No problems found.[/green]")


def publish(edition: EditionOption = None, project: ProjectOption = None) -> None:
    """Mark a built edition as published (immutable).

    Verifies _output/EDITION/ against its checksums.sha256 and writes _output/EDITION/PUBLISHED
    with the sha256 of that checksum manifest, the code commit and the date. From then on
    `levelup build --edition EDITION` refuses to replace it unless --force is given.
    """
    from levelup.data.catalogue import Catalogue
    from levelup.data.sources import Manifest
    from levelup.paths import PROJECT_ROOT
    from levelup.report.build import build_date, git_info
    from levelup.report.publish import mark_published, read_published

    root = Path(project or PROJECT_ROOT).resolve()
    with readable_errors():
        catalogue = Catalogue(Manifest.load(root / "data" / "sources.toml"), data_dir=root / "data")
        year = catalogue.edition(edition).year if edition else catalogue.latest_edition.year
        target = root / "_output" / year
        existing = read_published(target)
        marker = mark_published(target, year, git_info(root)[0], build_date())
    if existing and existing.get("checksums_sha256") == marker["checksums_sha256"]:
        console.print(f"Edition {year} was already published ({target / 'PUBLISHED'}).")
    else:
        console.print(
            f"[green]Edition {year} published[/green]: {target / 'PUBLISHED'} "
            f"(checksums {marker['checksums_sha256'][:16]}…)"
        )


def preview(
    edition: EditionOption = None,
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port to serve on (0: any free port).")
    ] = 4200,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    engine: EngineOption = "builtin",
    jobs: JobsOption = None,
    formats: FormatsOption = "html",
    mirror: MirrorOption = None,
    project: ProjectOption = None,
) -> None:
    """Build the edition, serve the site locally and rebuild it whenever you save.

    Watches chapters/, analysis/ and data/ and the book files at the top of the project
    (_quarto*.yml, *.qmd, *.bib); each save triggers a build, and the caches make it incremental:
    a prose edit re-renders one chapter, an edited notebook re-runs that notebook only (on a warm
    kernel). A failed rebuild is reported and the previous site keeps being served. A published
    edition is previewed from .levelup-cache/build/preview/ and never touched. HTML only by
    default (--formats html,pdf for both).
    """
    from levelup.report.build import Builder, BuildError, ConsoleUI, Project
    from levelup.report.publish import read_published
    from levelup.report.render import serve_and_watch

    opts = _options(project, edition, engine, jobs, False, formats, None, mirror)
    opts.keep_kernels = max(opts.keep_kernels, 600.0)
    proj = Project.from_options(opts)
    ui = ConsoleUI(console)
    with readable_errors():
        builder = Builder(opts, ui)
        if read_published(builder.final) is not None:
            opts.output_root = proj.build_cache / "preview"
            console.print(
                f"Edition {builder.year} is published: previewing a copy in {opts.output_root}"
            )
            builder = Builder(opts, ui)
        result = builder.run()
    _summary(result)

    def rebuild(changed: set[Path]) -> None:
        try:
            _summary(Builder(opts, ui).run())
        except BuildError as exc:
            console.print(f"[red]build failed:[/red] {exc}", markup=True, highlight=False)

    root = proj.root
    watch = [root / d for d in ("chapters", "analysis", "data") if (root / d).is_dir()]
    watch += sorted(
        p
        for p in root.iterdir()
        if p.is_file()
        and (p.name.startswith("_quarto") or p.suffix in (".qmd", ".md", ".bib", ".csl"))
    )
    serve_and_watch(
        result.output_dir / "site", rebuild, watch, host=host, port=port, log=console.print
    )


kernels_app = typer.Typer(
    help="The warm Jupyter kernels that builds keep alive between builds (see `levelup build --help`).",
    no_args_is_help=True,
)


@kernels_app.command("list")
def kernels_list(project: ProjectOption = None) -> None:
    """List kept-alive kernels of this project's cache."""
    import time

    from levelup.report.build import BuildOptions, Project
    from levelup.report.kernels import list_kept_kernels

    registry = Project.from_options(BuildOptions(project_dir=project)).build_cache / "kernels"
    rows = list_kept_kernels(registry)
    if not rows:
        console.print("No kept kernels.")
    for record, alive in rows:
        age = time.time() - record.started
        console.print(
            f"{record.name} pid {record.pid} {'running' if alive else 'gone'}, started {age:.0f}s ago, "
            f"exits after {record.keep_seconds:.0f}s idle"
        )


@kernels_app.command("stop")
def kernels_stop(project: ProjectOption = None) -> None:
    """Stop every kept-alive kernel of this project's cache (kernels in use are left alone) and
    the kept Typst compiler."""
    from levelup.report.build import BuildOptions, Project
    from levelup.report.kernels import stop_kept_kernels
    from levelup.report.render.typst_worker import stop_worker

    cache = Project.from_options(BuildOptions(project_dir=project)).build_cache
    console.print(f"Stopped {stop_kept_kernels(cache / 'kernels')} kernel(s).")
    if stop_worker(cache / "render"):
        console.print("Stopped the kept Typst compiler.")


def register(app: typer.Typer) -> None:
    """Mount the report commands on the ``levelup`` application."""
    app.command("build")(build)
    app.command("check")(check)
    app.command("preview")(preview)
    app.command("publish")(publish)
    app.add_typer(kernels_app, name="kernels")
