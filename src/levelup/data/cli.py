"""`levelup data ...`: fetch and verify pinned inputs, list datasets, validate every table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from levelup.console import console
from levelup.data.fetch import DataFetchError, DataStore
from levelup.data.validate import DataValidationError

data_app = typer.Typer(
    help="Pinned input data: fetch, verify, list and validate.", no_args_is_help=True
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
        "--edition", "-e", help="Report edition (year); default: the latest in data/editions.toml."
    ),
]


def make_store(mirror: Path | None, cache: Path | None) -> DataStore:
    if mirror is not None and not mirror.is_dir():
        console.print(f"[red]error:[/red] mirror directory {mirror} does not exist")
        raise typer.Exit(2)
    return DataStore(mirror=mirror, cache_dir=cache)


@data_app.command("fetch")
def fetch(
    mirror: MirrorOption = None,
    cache: CacheOption = None,
    only: Annotated[
        str | None, typer.Option(help="Only files whose path contains this text.")
    ] = None,
) -> None:
    """Download (or take from a mirror) every pinned file and verify its sha256 and size.

    Stops with a message naming each file that is missing, truncated, fails its checksum or
    cannot be downloaded; nothing downstream runs on unverified data.
    """
    store = make_store(mirror, cache)
    pins = [p for p in store.manifest if only is None or only in p.path]
    try:
        report = store.fetch(pins)
    except DataFetchError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    source = f"mirror {store.mirror}" if store.mirror else "upstream"
    console.print(
        f"verified {len(report.verified)} pinned files from {source}; downloaded {len(report.downloaded)}"
    )


@data_app.command("list")
def list_datasets(edition: EditionOption = None) -> None:
    """List the datasets of an edition: kind, number of pinned files, vintage(s)."""
    from levelup.data.catalogue import Catalogue

    catalogue = Catalogue()
    year = edition or catalogue.latest_edition.year
    table = Table(title=f"Datasets of edition {year}")
    for column in ("dataset", "kind", "files", "vintage(s)", "title"):
        table.add_column(column)
    for dataset_id, spec in catalogue.datasets(year).items():
        vintages = sorted({f.vintage for f in spec.files})
        shown = (
            vintages[0]
            if len(vintages) == 1
            else f"{vintages[0]} .. {vintages[-1]} ({len(vintages)})"
        )
        table.add_row(dataset_id, spec.kind, str(len(spec.files)), shown, spec.title)
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
) -> None:
    """Load and validate every dataset of an edition; print what loading changed.

    Exit status 1 if any table breaks a rule (each problem names dataset, file, line, column and rule).
    """
    import pandas as pd
    from rich.progress import track

    from levelup.data.load import DataLoader

    loader = DataLoader(edition, store=make_store(mirror, cache))
    ids = datasets or list(loader.datasets())
    failures = 0
    table = Table(title=f"Edition {loader.edition.year}: {len(ids)} datasets")
    for column in (
        "dataset",
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
        table.add_column(column, justify="right" if column != "dataset" else "left")
    boundary_rows = []
    for dataset_id in track(ids, description="Validating", transient=True):
        try:
            frame = loader.load(dataset_id)
        except (DataValidationError, DataFetchError) as exc:
            failures += 1
            console.print(f"[red]{dataset_id}[/red]\n{exc}")
            continue
        report = loader.reports[dataset_id]
        b = (
            pd.DataFrame(report.boundaries, columns=["action", "n_rows"])
            if report.boundaries
            else pd.DataFrame(columns=["action", "n_rows"])
        )
        boundary_rows += report.boundaries
        table.add_row(
            dataset_id,
            f"{len(frame):,}",
            str(frame["indicator_id"].nunique()),
            str(frame["area_code"].nunique()),
            str(frame["period"].nunique()),
            str(sum(len(d["lines"]) for d in report.dropped)),
            str(len(report.corrections)),
            str(len(report.warnings)),
            str(int(b.loc[b["action"] == "recoded", "n_rows"].sum())),
            str(int(b.loc[b["action"] == "unmapped", "n_rows"].sum())),
        )
    console.print(table)
    if boundaries is not None:
        pd.DataFrame(boundary_rows).to_csv(boundaries, index=False)
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
    for path in result.written:
        console.print(f"  wrote {path}")


@edition_app.command("changes")
def edition_changes(
    edition: EditionOption = None,
    previous: Annotated[
        str | None,
        typer.Option(help="Edition to compare with (default: the edition's `previous`)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Directory for the report (default data/changes/<edition>).")
    ] = None,
    detailed: Annotated[
        bool, typer.Option(help="Also write every revised value (revised-values.csv).")
    ] = False,
    mirror: MirrorOption = None,
    cache: CacheOption = None,
) -> None:
    """Write the data-change report between an edition and the previous one (Markdown + CSV).

    Lists datasets added, removed or renamed; indicators redefined; area codes that changed; new
    periods; and every revised historical value with the size of the revision.
    """
    from levelup.data.changes import compare_editions, revised_metric_periods
    from levelup.data.load import DataLoader
    from levelup.metrics.registry import Registry
    from levelup.paths import PROJECT_ROOT

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
    written = report.write(directory, detailed=detailed)
    revised_metric_periods(report, Registry().metrics_by_input()).to_csv(
        directory / "revisions.csv", index=False, lineterminator="\n"
    )
    for name, count in report.summary().items():
        console.print(f"  {name.replace('_', ' ')}: {count}")
    console.print(f"wrote {len(written) + 1} files to {directory}")
