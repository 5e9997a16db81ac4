"""`levelup data ...`: fetch and verify pinned inputs, list datasets, validate every table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from levelup.cli_options import JsonOption, print_json
from levelup.console import console
from levelup.data.fetch import DataFetchError, DataStore
from levelup.data.validate import DataValidationError

data_app = typer.Typer(
    help="Pinned input data: fetch, verify, list and validate.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

MirrorOption = Annotated[
    Path | None,
    typer.Option(
        "--mirror",
        envvar="LEVELUP_DATA_MIRROR",
        help="Read pinned files from this local mirror directory (e.g. ../shared/data) instead of downloading them.",
        exists=False,
    ),
]
CacheOption = Annotated[
    Path | None,
    typer.Option(
        "--cache", envvar="LEVELUP_CACHE", help="Cache directory (default .levelup-cache)."
    ),
]
EditionOption = Annotated[
    str | None,
    typer.Option(
        "--edition",
        "-e",
        metavar="YEAR",
        help="Report edition (year); default: the latest in data/editions.toml.",
    ),
]


def make_store(mirror: Path | None, cache: Path | None, rehash: bool = False) -> DataStore:
    if mirror is not None and not mirror.is_dir():
        console.print(f"[red]error:[/red] mirror directory {mirror} does not exist")
        raise typer.Exit(2)
    return DataStore(mirror=mirror, cache_dir=cache, rehash=rehash)


@data_app.command("fetch")
def fetch(
    mirror: MirrorOption = None,
    cache: CacheOption = None,
    only: Annotated[
        str | None, typer.Option(help="Only files whose path contains this text.")
    ] = None,
    rehash: Annotated[
        bool,
        typer.Option(
            help="Hash every file in full, trusting no verification stamp (CI does this)."
        ),
    ] = False,
) -> None:
    """Download (or take from a mirror) every pinned file and verify its sha256 and size.

    Stops with a message naming each file that is missing, truncated, fails its checksum or
    cannot be downloaded; nothing downstream runs on unverified data.
    """
    store = make_store(mirror, cache, rehash=rehash)
    pins = [p for p in store.manifest if only is None or only in p.path]
    report = store.fetch(pins)  # a DataFetchError is printed as one error line, status 1
    source = f"mirror {store.mirror}" if store.mirror else "upstream"
    console.print(
        f"verified {len(report.verified)} pinned files from {source}; downloaded {len(report.downloaded)}"
    )


def id_column(table: Table, name: str, ids) -> None:
    """A column of ids that is never shortened with "…" (ids are what people type next)."""
    table.add_column(name, no_wrap=True, min_width=max((len(i) for i in ids), default=0))


@data_app.command("list")
def list_datasets(
    edition: EditionOption = None, as_json: Annotated[bool, JsonOption] = False
) -> None:
    """List the datasets of an edition: kind, number of pinned files, vintage(s)."""
    from levelup.data.catalogue import Catalogue

    catalogue = Catalogue()
    year = catalogue.edition(edition).year if edition else catalogue.latest_edition.year
    rows = []
    for dataset_id, spec in catalogue.datasets(year).items():
        vintages = sorted({f.vintage for f in spec.files})
        rows.append(
            {
                "dataset": dataset_id,
                "kind": spec.kind,
                "files": len(spec.files),
                "vintages": vintages,
                "title": spec.title,
            }
        )
    if as_json:
        print_json({"edition": year, "datasets": rows})
        return
    table = Table(title=f"Datasets of edition {year}")
    id_column(table, "dataset", [r["dataset"] for r in rows])
    for column in ("kind", "files", "vintage(s)", "title"):
        table.add_column(column, overflow="fold")
    for row in rows:
        vintages = row["vintages"]
        shown = (
            vintages[0]
            if len(vintages) == 1
            else f"{vintages[0]} .. {vintages[-1]} ({len(vintages)})"
        )
        table.add_row(row["dataset"], row["kind"], str(row["files"]), shown, row["title"])
    console.print(table)


@data_app.command("validate")
def validate(
    datasets: Annotated[
        list[str] | None, typer.Argument(help="Dataset ids (default: all).")
    ] = None,
    edition: EditionOption = None,
    mirror: MirrorOption = None,
    cache: CacheOption = None,
    boundaries: Annotated[
        Path | None, typer.Option(help="Write the boundary-harmonisation report to this CSV.")
    ] = None,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Hash every pinned file of the edition in full, then load and validate every dataset;
    print what loading changed.

    Exit status 1 if any file does not match its pin or any table breaks a rule (each problem
    names dataset, file, line, column and rule).
    """
    import pandas as pd
    from rich.progress import track

    from levelup.data.load import DataLoader
    from levelup.safe_output import neutralise_frame

    loader = DataLoader(edition, store=make_store(mirror, cache, rehash=True))
    known = loader.datasets()
    unknown = [d for d in datasets or [] if d not in known]
    if unknown:
        raise typer.BadParameter(
            f"unknown dataset(s) {', '.join(unknown)} in edition {loader.edition.year}; "
            f"`levelup data list --edition {loader.edition.year}` lists them",
            param_hint="DATASETS",
        )
    ids = datasets or list(known)
    failures = 0
    results = []
    table = Table(title=f"Edition {loader.edition.year}: {len(ids)} datasets")
    id_column(table, "dataset", ids)
    for column in (
        "rows",
        "indicators",
        "areas",
        "periods",
        "dropped",
        "corrected",
        "warnings",
        "recoded",
        "unmapped",
    ):
        table.add_column(column, justify="right")
    boundary_rows = []
    for dataset_id in track(ids, description="Validating", transient=True, disable=as_json):
        try:
            frame = loader.load(dataset_id)
        except (DataValidationError, DataFetchError) as exc:
            failures += 1
            results.append({"dataset": dataset_id, "valid": False, "error": str(exc)})
            if not as_json:
                console.print(f"[red]{dataset_id}[/red]\n{escape(str(exc))}", highlight=False)
            continue
        report = loader.reports[dataset_id]
        b = (
            pd.DataFrame(report.boundaries, columns=["action", "n_rows"])
            if report.boundaries
            else pd.DataFrame(columns=["action", "n_rows"])
        )
        boundary_rows += report.boundaries
        counts = {
            "rows": len(frame),
            "indicators": frame["indicator_id"].nunique(),
            "areas": frame["area_code"].nunique(),
            "periods": frame["period"].nunique(),
            "dropped": sum(len(d["lines"]) for d in report.dropped),
            "corrected": len(report.corrections),
            "warnings": len(report.warnings),
            "recoded": int(b.loc[b["action"] == "recoded", "n_rows"].sum()),
            "unmapped": int(b.loc[b["action"] == "unmapped", "n_rows"].sum()),
        }
        results.append(
            {"dataset": dataset_id, "valid": True, **{k: int(v) for k, v in counts.items()}}
        )
        table.add_row(
            dataset_id, f"{counts['rows']:,}", *(str(v) for k, v in counts.items() if k != "rows")
        )
    if boundaries is not None:
        neutralise_frame(pd.DataFrame(boundary_rows)).to_csv(boundaries, index=False)
    if as_json:
        print_json({"edition": loader.edition.year, "datasets": results})
        raise typer.Exit(1 if failures else 0)
    console.print(table)
    if boundaries is not None:
        console.print(f"boundary report written to {boundaries}")
    if failures:
        console.print(f"[red]{failures} dataset(s) failed validation[/red]")
        raise typer.Exit(1)
    console.print(
        f"[green]all {len(ids)} datasets valid[/green] (boundaries of {loader.edition.boundaries})"
    )


edition_app = typer.Typer(
    help="Annual editions: start a new edition from a newly published vintage; report data changes.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@edition_app.command("new")
def edition_new(
    year: Annotated[str, typer.Argument(help="The new edition's year, e.g. 2027.")],
    vintage: Annotated[
        Path,
        typer.Option(
            "--vintage",
            help="Folder of the new ELS vintage inside a data mirror: <mirror>/els/<YYYY-MM-DD>.",
        ),
    ],
    boundaries: Annotated[
        int | None,
        typer.Option(
            help="Local authority boundary year (default: the latest reorganisation the vintage's notes record)."
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(help="Edition title (default 'Levelling Up missions: progress report YEAR')."),
    ] = None,
    cache: CacheOption = None,
) -> None:
    """Pin every file of a new vintage, validate all of it, report what changed, then add the edition.

    Nothing is written unless every dataset of the new edition validates: a vintage with schema
    drift, unparseable periods, impossible values, duplicate keys or unknown codes is refused with
    errors naming dataset, file, line, column and rule. Writes data/sources.toml (new pins),
    data/editions.toml, _quarto-YEAR.yml and the data-change report in data/changes/YEAR/.
    """
    from levelup.data.edition import EditionError, new_edition
    from levelup.metrics.registry import Registry

    try:
        result = new_edition(
            year,
            vintage,
            cache_dir=cache,
            boundaries=boundaries,
            title=title,
            metrics_by_input=Registry().metrics_by_input(),
        )
    except EditionError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except DataValidationError as exc:
        console.print(
            f"[red]the {vintage.name} vintage is refused; nothing was written.[/red]\n{exc}"
        )
        raise typer.Exit(1) from None
    summary = result.report.summary()
    console.print(
        f"[green]edition {result.year}[/green]: {len(result.new_pins)} files pinned from vintage {result.vintage}; boundaries of {result.boundaries}"
    )
    for name, count in summary.items():
        console.print(f"  {name.replace('_', ' ')}: {count}")
    for warning in result.warnings:
        console.print(f"  [yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    for path in result.written:
        console.print(f"  wrote {path}")


@edition_app.command("changes")
def edition_changes(
    edition: EditionOption = None,
    previous: Annotated[
        str | None,
        typer.Option(help="Edition to compare with (default: the edition's `previous`)."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 1, with a summary of the differences, when the committed report is stale.",
        ),
    ] = False,
    write: Annotated[
        bool,
        typer.Option("--write", help="Write the report (replacing the committed one)."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="The report's directory (default data/changes/<edition>)."),
    ] = None,
    detailed: Annotated[
        bool,
        typer.Option(help="With --write, also write every revised value (revised-values.csv)."),
    ] = False,
    mirror: MirrorOption = None,
    cache: CacheOption = None,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """The data-change report between an edition and the previous one, against the committed one.

    Lists datasets added, removed or renamed; indicators redefined; area codes that changed; new
    periods; and every revised historical value with the size of the revision. The report in
    data/changes/<edition>/ is reviewed and committed: this command compares a fresh report with
    it and writes nothing unless given --write; --check (run by CI) fails when it is stale.
    """
    from levelup.data.changes import (
        compare_editions,
        report_differences,
        report_files,
        write_report,
    )
    from levelup.data.load import DataLoader
    from levelup.metrics.registry import Registry
    from levelup.paths import PROJECT_ROOT

    if check and write:
        console.print("[red]error:[/red] give --check or --write, not both")
        raise typer.Exit(2)
    store = make_store(mirror, cache)
    current = DataLoader(edition, store=store)
    before = previous or current.edition.previous
    if not before:
        console.print(
            f"[red]error:[/red] edition {current.edition.year} has no previous edition to compare with"
        )
        raise typer.Exit(2)
    report = compare_editions(DataLoader(before, store=store), current)
    directory = out or PROJECT_ROOT / "data" / "changes" / current.edition.year
    files = report_files(report, Registry().metrics_by_input(), detailed=detailed and write)
    written = write_report(directory, files) if write else []
    differences = [] if write else report_differences(directory, files)
    if as_json:
        print_json(
            {
                "edition": current.edition.year,
                "previous": before,
                "summary": report.summary(),
                **{
                    part: getattr(report, part).to_dict(orient="records")
                    for part in ("datasets", "indicators", "areas", "periods")
                },
                "written": [str(p) for p in written],
                "differences": differences,
            }
        )
        raise typer.Exit(1 if check and differences else 0)
    for name, count in report.summary().items():
        console.print(f"  {name.replace('_', ' ')}: {count}")
    if write:
        console.print(f"wrote {len(written)} files to {directory}")
        return
    if not differences:
        console.print(f"the report in {directory} is current")
        return
    console.print(
        f"[{'red' if check else 'yellow'}]the report in {directory} is stale[/]: "
        f"{len(differences)} file(s) differ from a fresh report",
        highlight=False,
    )
    for difference in differences:
        console.print(difference, markup=False, highlight=False)
    console.print(
        "review the differences, then update it with "
        f"`levelup edition changes --edition {current.edition.year} --write` and commit it"
    )
    if check:
        raise typer.Exit(1)
