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
