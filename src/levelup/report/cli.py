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

from levelup.cli_options import JsonOption, one_of, print_json
from levelup.console import console

EditionOption = Annotated[
    str | None,
    typer.Option(
        "--edition",
        "-e",
        metavar="YEAR",
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
ENGINES = ("auto", "quarto", "builtin")
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        callback=one_of(ENGINES),
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


def _formats(value: str) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = sorted(set(formats) - {"html", "pdf"})
    if bad or not formats:
        raise typer.BadParameter(f"unknown format(s) {bad or [value]}; use html, pdf or html,pdf")
    return formats


def _valid_formats(value: str) -> str:
    _formats(value)  # refused at parse time, before any work
    return value


FormatsOption = Annotated[
    str,
    typer.Option(
        "--formats",
        callback=_valid_formats,
        help="Comma-separated output formats: html, pdf, or html,pdf.",
    ),
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


def _parameters(values: list[str] | None) -> list[str] | None:
    if not values:
        return values
    from levelup.report.build import ParameterError, parse_parameter

    for text in values:
        try:
            parse_parameter(text)
        except ParameterError as exc:
            raise typer.BadParameter(str(exc)) from None
    return values


ParameterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--execute-param",
        "-P",
        metavar="NAME=VALUE",
        callback=_parameters,
        help="Override a parameter of the edition's notebooks (as quarto render -P): the value "
        "is read as YAML, e.g. -P target_year=2035. Repeat for several.",
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
        from levelup.report.record import RecordError
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
            RecordError,
        )
        from levelup.data.catalogue import UnknownEditionError
        from levelup.report.build import ParameterError

        if not isinstance(exc, known) or isinstance(exc, UnknownEditionError | ParameterError):
            raise  # a usage error (status 2) or a bug
        console.print("[red]error:[/red] ", end="")
        console.print(str(exc), markup=False, highlight=False)
        sys.exit(1)


def _options(project, edition, engine, jobs, force, formats, keep_kernels, mirror, parameters=None):
    from levelup.report.build import BuildOptions, parse_parameter

    return BuildOptions(
        project_dir=project,
        edition=edition,
        engine=engine,
        jobs=jobs,
        force=force,
        formats=_formats(formats),
        keep_kernels=_keep_default(keep_kernels),
        mirror=mirror,
        parameters=dict(parse_parameter(text) for text in parameters or []),
    )


def _summary(result) -> None:
    this = result.notebooks
    ran = sum(r.status == "ran" for r in this)
    what = (
        "unchanged (output identical, left untouched)"
        if result.status == "unchanged"
        else f"published to {result.output_dir}"
    )
    console.print(
        f"[bold]Edition {result.edition}[/bold]: {len(this)} notebooks ({ran} ran, "
        f"{len(this) - ran} cached), {result.engine} engine, {what} "
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
    if result.record is not None:
        _record_summary(result.edition, result.record)
    kept = result.kernels.get("kept_seconds", 0)
    if kept and (result.kernels.get("started") or result.kernels.get("adopted")):
        console.print(
            f"  [dim]warm kernels kept for {kept:.0f}s for the next build "
            "(`levelup kernels stop` stops them)[/dim]"
        )


def _record_summary(edition: str, comparison) -> None:
    """How a build of a published edition compares with its record (every difference)."""
    record = f"{comparison.record.parent.name}/{comparison.record.name}/"
    if comparison.identical:
        console.print(f"[green]Reproduces the published record {record}[/green] (every file)")
        return
    if comparison.reproduces:
        console.print(
            f"[green]Reproduces the findings and data of the published record {record}[/green]; "
            "published files that differ (pages carry the build date and code version):"
        )
    else:
        console.print(
            f"[yellow]Edition {edition} does not reproduce its published record {record}[/yellow]:"
        )
    for line in comparison.lines():
        console.print(f"  {line}", markup=False, highlight=False)


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
    parameters: ParameterOption = None,
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

    opts = _options(
        project, edition, engine, jobs, force, formats, keep_kernels, mirror, parameters
    )
    with readable_errors():
        result = run_build(opts, ConsoleUI(console))
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


def publish(
    edition: EditionOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace the edition's archived record (editions/EDITION/) by this output: a "
            "correction of a published edition.",
        ),
    ] = False,
    project: ProjectOption = None,
) -> None:
    """Mark a built edition as published (immutable) and archive its record.

    Verifies _output/EDITION/ against its checksums.sha256 and writes _output/EDITION/PUBLISHED
    with the sha256 of that checksum manifest, the code commit and the date. From then on
    `levelup build --edition EDITION` refuses to replace it unless --force is given. The record
    (findings.csv, data-manifest.toml, checksums.sha256, PUBLISHED) is copied to
    editions/EDITION/, to be committed: the next edition's "what changed" compares with it, and
    a later build of this edition is checked against it.
    """
    from levelup.data.catalogue import Catalogue
    from levelup.data.fetch import DataStore
    from levelup.data.sources import Manifest
    from levelup.paths import PROJECT_ROOT
    from levelup.report.build import build_date, git_info
    from levelup.report.publish import mark_published, read_published, verify_inputs
    from levelup.report.record import RECORDS_DIR, archive_record, check_archivable

    root = Path(project or PROJECT_ROOT).resolve()
    with readable_errors():
        manifest = Manifest.load(root / "data" / "sources.toml")
        catalogue = Catalogue(manifest, data_dir=root / "data")
        year = catalogue.edition(edition).year if edition else catalogue.latest_edition.year
        target = root / "_output" / year
        existing = read_published(target)
        # every pinned input the edition read, hashed in full (no stamp trusted)
        verify_inputs(target, DataStore(manifest, rehash=True))
        check_archivable(target, root, year, replace=force)
        marker = mark_published(target, year, git_info(root)[0], build_date())
        archive_record(target, root, year, replace=force)
    if existing and existing.get("checksums_sha256") == marker["checksums_sha256"]:
        console.print(f"Edition {year} was already published ({target / 'PUBLISHED'}).")
    else:
        console.print(
            f"[green]Edition {year} published[/green]: {target / 'PUBLISHED'} "
            f"(checksums {marker['checksums_sha256'][:16]}…)"
        )
    console.print(f"Its record is in {RECORDS_DIR}/{year}/: commit it.")


def verify(
    edition: Annotated[
        str, typer.Argument(help="A published edition (year) with a record in editions/.")
    ],
    engine: EngineOption = "auto",
    jobs: JobsOption = None,
    mirror: MirrorOption = None,
    project: ProjectOption = None,
) -> None:
    """Check that a published edition still reproduces: build it afresh and compare with its record.

    Builds EDITION into .levelup-cache/build/verify/ (the notebook cache makes a repeat cheap;
    _output/ is never touched) and compares it with editions/EDITION/: every finding that was
    added, removed or differs in any column, every input file read or not, or read with other
    contents, and every published file that differs. Exits with status 1 when the findings or the
    data read differ (pages that carry the build date or the code version may differ and are
    listed).
    """
    from levelup.report.build import Builder, ConsoleUI, Project
    from levelup.report.record import RecordError, has_record, record_dir

    opts = _options(project, edition, engine, jobs, True, "html,pdf", 0.0, mirror)
    proj = Project.from_options(opts)
    opts.output_root = proj.build_cache / "verify"
    with readable_errors():
        if not has_record(proj.root, edition):
            raise RecordError(
                f"edition {edition} has no published record in {record_dir(proj.root, edition)}"
            )
        result = Builder(opts, ConsoleUI(console)).run()
    _summary(result)
    if result.record is None or not result.record.reproduces:
        raise typer.Exit(1)


def preview(
    edition: EditionOption = None,
    port: Annotated[
        int,
        typer.Option("--port", "-p", min=0, max=65535, help="Port to serve on (0: any free port)."),
    ] = 4200,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    engine: EngineOption = "builtin",
    jobs: JobsOption = None,
    formats: FormatsOption = "html",
    mirror: MirrorOption = None,
    parameters: ParameterOption = None,
    project: ProjectOption = None,
) -> None:
    """Build the edition, serve the site locally and rebuild it whenever you save.

    Builds into .levelup-cache/build/preview/ (an edition's own output in _output/ is never
    touched) and watches chapters/, analysis/ and data/ and the book files at the top of the
    project (_quarto*.yml, *.qmd, *.bib); each save triggers a build, and the caches make it
    incremental: a prose edit re-renders one chapter, an edited notebook re-runs that notebook
    only (on a warm kernel). The browser reloads after each rebuild; a failed rebuild is shown
    in the page and the terminal while the previous site keeps being served. HTML only by
    default (--formats html,pdf for both).
    """
    from levelup.data.catalogue import CatalogueError
    from levelup.data.fetch import DataFetchError
    from levelup.report.build import Builder, BuildError, ConsoleUI, Project
    from levelup.report.kernels import KernelError
    from levelup.report.render import PortInUseError, PreviewServer, serve_and_watch

    opts = _options(project, edition, engine, jobs, False, formats, None, mirror, parameters)
    if not os.environ.get("LEVELUP_KEEP_KERNELS"):  # warm kernels for the rebuilds
        opts.keep_kernels = max(opts.keep_kernels, 600.0)
    proj = Project.from_options(opts)
    opts.output_root = proj.build_cache / "preview"
    ui = ConsoleUI(console)
    with readable_errors():
        builder = Builder(opts, ui)
        try:  # bound before building: a busy port is refused at once
            server = PreviewServer(builder.final / "site", host, port)
        except PortInUseError as exc:
            raise typer.BadParameter(exc.strerror, param_hint="'--port'") from None
        try:
            result = builder.run()
        except BaseException:
            server.close()
            raise
    _summary(result)

    def rebuild(changed: set[Path]) -> None:
        _summary(Builder(opts, ui).run())

    root = proj.root
    watch = [root / d for d in ("chapters", "analysis", "data") if (root / d).is_dir()]
    watch += sorted(
        p
        for p in root.iterdir()
        if p.is_file()
        and (p.name.startswith("_quarto") or p.suffix in (".qmd", ".md", ".bib", ".csl"))
    )
    serve_and_watch(
        result.output_dir / "site",
        rebuild,
        watch,
        server=server,
        known_errors=(BuildError, CatalogueError, DataFetchError, KernelError),
        log=console.print,
    )


def findings(
    pattern: Annotated[
        str | None,
        typer.Argument(
            help="Only keys containing this text (case-insensitive), or matching it as a glob "
            "when it has * or ?.",
        ),
    ] = None,
    edition: EditionOption = None,
    as_json: Annotated[bool, JsonOption] = False,
    project: ProjectOption = None,
) -> None:
    """List the finding keys a chapter can quote with {{< var KEY >}}.

    Each key with its value, the text a reader sees (display) and the notebook that computes it,
    from the last build's _output/EDITION/findings.csv.
    """
    import csv
    import fnmatch

    from levelup.data.catalogue import Catalogue
    from levelup.data.sources import Manifest
    from levelup.paths import PROJECT_ROOT

    root = Path(project or PROJECT_ROOT).resolve()
    with readable_errors():
        catalogue = Catalogue(Manifest.load(root / "data" / "sources.toml"), data_dir=root / "data")
        year = catalogue.edition(edition).year if edition else catalogue.latest_edition.year
    path = root / "_output" / year / "findings.csv"
    if not path.is_file():
        console.print(
            f"[red]error:[/red] no findings for edition {year} yet: run "
            f"`levelup build --edition {year}` first",
            highlight=False,
        )
        raise typer.Exit(1)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            {k: row[k] for k in ("key", "value", "display", "unit", "notebook")}
            for row in csv.DictReader(handle)
        ]
    if pattern:
        wanted = pattern.lower()
        glob = any(c in pattern for c in "*?[")
        rows = [
            r
            for r in rows
            if (
                fnmatch.fnmatchcase(r["key"].lower(), wanted)
                if glob
                else wanted in r["key"].lower()
            )
        ]
    if as_json:
        print_json({"edition": year, "findings": rows})
        return
    if not rows:
        console.print(f"No finding key of edition {year} matches {pattern!r}.", highlight=False)
        raise typer.Exit(1)
    from rich.table import Table

    table = Table(title=f"Findings of edition {year} ({len(rows)})", title_justify="left")
    table.add_column("key", no_wrap=True, min_width=max(len(r["key"]) for r in rows))
    for column in ("value", "display", "notebook"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["key"], r["value"], r["display"], r["notebook"])
    console.print(table, highlight=False)


kernels_app = typer.Typer(
    help="The warm Jupyter kernels that builds keep alive between builds (see `levelup build --help`).",
    no_args_is_help=True,
    rich_markup_mode=None,
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
    app.command("findings")(findings)
    app.add_typer(kernels_app, name="kernels")


def register_edition(edition_app: typer.Typer) -> None:
    """Add the report's edition commands (``levelup edition verify``) to the edition group."""
    if not any(info.name == "verify" for info in edition_app.registered_commands):
        edition_app.command("verify")(verify)
