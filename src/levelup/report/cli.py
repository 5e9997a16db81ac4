"""`levelup build`: the annual publication build (grows with each stage of the pipeline)."""

from __future__ import annotations

from typing import Annotated

import typer

from levelup.console import console

EditionOption = Annotated[
    str | None,
    typer.Option(
        "--edition", "-e", help="Edition (year) to build; default the latest in data/editions.toml."
    ),
]


def build(edition: EditionOption = None) -> None:
    """Build an edition: verify every pinned input, validate every dataset, resolve the metrics."""
    from levelup.data.fetch import DataStore
    from levelup.data.load import DataLoader
    from levelup.metrics.cli import available_indicators
    from levelup.metrics.registry import Registry, coverage_summary

    store = DataStore()
    store.fetch()
    console.print(f"[green]1/2[/green] verified {len(store.manifest)} pinned files")
    loader = DataLoader(edition, store=store)
    rows = Registry().coverage(loader.edition.year, available_indicators(loader))
    summary = coverage_summary(rows)
    console.print(
        f"[green]2/2[/green] edition {loader.edition.year}: {summary['with_data']}/{summary['annex_metrics']} annex mission metrics "
        f"resolve to data, {summary['with_proxy_only']} more by proxy"
    )
