"""`levelup metrics ...`: the registry of mission and capital metrics and their data coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from levelup.cli_options import JsonOption, one_of, print_json
from levelup.console import console
from levelup.metrics.registry import CAPITALS

metrics_app = typer.Typer(
    help="The metric registry (data/metrics.yaml): list metrics and their data coverage.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

STATUS_STYLE = {
    "data": "green",
    "derived": "green",
    "proxy": "yellow",
    "not in this edition": "magenta",
    "unavailable": "red",
}


def available_indicators(loader, quiet: bool = False) -> set[str]:
    """Every indicator id the edition's pinned data provide (loads, so also validates, every dataset)."""
    from rich.progress import track

    ids: set[str] = set()
    for dataset_id in track(
        list(loader.datasets()),
        description="Resolving metrics to data",
        transient=True,
        disable=quiet,
    ):
        ids |= set(loader.load(dataset_id)["indicator_id"].unique())
    return ids


@metrics_app.command("list")
def list_metrics(
    edition: Annotated[
        str | None,
        typer.Option("--edition", "-e", metavar="YEAR", help="Edition (year); default the latest."),
    ] = None,
    mission: Annotated[
        int | None, typer.Option(min=1, max=12, help="Only this mission (1-12).")
    ] = None,
    capital: Annotated[
        str | None,
        typer.Option(callback=one_of(CAPITALS), help=f"Only this capital: {', '.join(CAPITALS)}."),
    ] = None,
    csv: Annotated[
        Path | None, typer.Option(help="Also write the coverage table to this CSV file.")
    ] = None,
    as_json: Annotated[bool, JsonOption] = False,
) -> None:
    """Print, per mission and capital, each metric and whether data resolve in the edition.

    Status: data (a pinned indicator), derived (computed from pinned inputs), proxy (a labelled
    close substitute), not in this edition, or unavailable (with the reason). The coverage figure
    at the end is: annex mission metrics with data / annex mission metrics.
    """
    import pandas as pd

    from levelup.data.load import DataLoader
    from levelup.metrics.registry import CAPITALS, Registry, coverage_summary
    from levelup.safe_output import neutralise_frame

    registry = Registry()
    loader = DataLoader(edition)
    rows = registry.coverage(loader.edition.year, available_indicators(loader, quiet=as_json))
    summary = coverage_summary(rows)
    if as_json:
        chosen = [
            r
            for r in rows
            if (mission is None or mission in r["missions"])
            and (capital is None or capital in r["capitals"])
        ]
        print_json({"edition": loader.edition.year, "metrics": chosen, "coverage": summary})
        return
    groups = [
        (f"Mission {n}: {registry.mission(n).short}", lambda r, n=n: n in r["missions"])
        for n in range(1, 13)
    ]
    groups += [(registry.capital(c).title, lambda r, c=c: c in r["capitals"]) for c in CAPITALS]
    for title, member in groups:
        if mission is not None and title != f"Mission {mission}: {registry.mission(mission).short}":
            continue
        if capital is not None and title != registry.capital(capital).title:
            continue
        if mission is None and capital is None or mission is not None or capital is not None:
            table = Table(title=title, title_justify="left", expand=False)
            ids = [r["metric"] for r in rows]
            table.add_column("metric", min_width=max(map(len, ids)), overflow="fold")
            for column in ("role", "status", "source / reason"):
                table.add_column(column)
            for row in filter(member, rows):
                style = STATUS_STYLE[row["status"]]
                detail = (
                    row["source"]
                    if row["status"] in ("data", "derived", "proxy")
                    else row["reason"] or row["source"]
                )
                table.add_row(
                    f"{row['title']}\n[dim]{escape(row['metric'])}[/dim]",
                    row["role"],
                    f"[{style}]{row['status']}[/{style}]",
                    detail,
                )
            console.print(table)
    console.print(
        f"Edition {loader.edition.year}: {summary['with_data']} of {summary['annex_metrics']} annex mission metrics resolve to data "
        f"({100 * summary['with_data'] / summary['annex_metrics']:.0f}%); {summary['with_proxy_only']} more through a labelled proxy; "
        f"{summary['all_metrics']} registered metrics in all (with capital proxies and context)."
    )
    if csv is not None:
        frame = pd.DataFrame(rows)
        frame["missions"] = frame["missions"].map(lambda m: " ".join(map(str, m)))
        frame["capitals"] = frame["capitals"].map(" ".join)
        neutralise_frame(frame).to_csv(csv, index=False)
