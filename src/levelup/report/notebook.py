"""What every analysis notebook does first and last, in one place (no boilerplate in notebooks).

    nb = start("m07-health", edition=edition, data_vintage=data_vintage,
               boundary_year=boundary_year, output_dir=output_dir)
    hle = nb.metric("m07-hle")          # MetricData (or a MetricUnavailable note)
    nb.show(fig, "fig-hle-gap", data)   # display the chart, save the data behind it
    nb.finish()                         # write the findings

The parameters are checked against ``data/editions.toml`` so a notebook cannot silently mix one
edition's name with another edition's data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from levelup import charts
from levelup.data.fetch import DataStore
from levelup.data.geography import Geography
from levelup.data.load import DataLoader
from levelup.findings.table import Findings
from levelup.metrics.analysis import MetricData, MetricUnavailable
from levelup.metrics.registry import Registry
from levelup.paths import PROJECT_ROOT


class ParameterError(ValueError):
    pass


@dataclass
class Notebook:
    name: str
    edition: str
    output_dir: Path
    loader: DataLoader
    registry: Registry
    findings: Findings
    unavailable: list[MetricUnavailable] = field(default_factory=list)

    @cached_property
    def geography(self) -> Geography:
        return Geography(
            self.loader.store, self.loader.edition.boundaries, self.loader.succession_register()
        )

    def metric(self, metric_id: str) -> MetricData | None:
        """A metric's data in this edition, or None after recording why it is unavailable."""
        try:
            return MetricData.load(metric_id, self.loader, self.registry)
        except MetricUnavailable as missing:
            self.unavailable.append(missing)
            key = metric_id.split("-", 1)[-1]
            self.findings.add(
                f"{key}.availability",
                None,
                display=missing.reason,
                metric=metric_id,
                statistic="availability",
            )
            return None

    def show(self, fig, label: str, data: pd.DataFrame) -> None:
        """Display a chart in the notebook output (an SVG: vector graphics with real text) and
        save the data behind it for download."""
        import matplotlib.pyplot as plt
        from IPython.display import SVG, display

        charts.save_chart_data(label, data, self.output_dir)
        display(SVG(data=charts.svg_bytes(fig)))
        plt.close(fig)

    @property
    def scope(self) -> dict:
        """The mission (``{"mission": 7}`` for ``m07-health``) or capital (``{"capital":
        "human"}``) this notebook reports on, from its name; ``{}`` for other notebooks."""
        from levelup.metrics.registry import CAPITALS

        m = re.match(r"^m(\d{2})-", self.name)
        if m:
            return {"mission": int(m.group(1))}
        if self.name in CAPITALS:
            return {"capital": self.name}
        return {}

    def unavailable_table(self, extra: Iterable[Mapping[str, str]] = ()):
        """The "what is not measured and why" table of this notebook's mission or capital, from
        the registry (:func:`levelup.metrics.availability.registry_metrics`): every metric with
        no series in this edition (and why), every metric shown through a proxy (and what the
        proxy measures instead) and every derived metric, plus the metrics the notebook asked
        for that had no data, plus ``extra`` rows (gaps no registered metric covers, such as a
        part of the mission statement). A table saying "none" appears only when there is no gap.
        """
        from levelup.metrics import availability

        return availability.notebook_data_gaps(self, extra)

    def finish(self) -> Path:
        return self.findings.save()


def start(
    name: str,
    *,
    edition: str,
    data_vintage: str,
    boundary_year: int,
    output_dir: str,
    mirror: str | None = None,
    **_: object,
) -> Notebook:
    """Check the parameters against the edition, set the house chart style, open the data."""
    store = DataStore(mirror=Path(mirror) if mirror else None)
    loader = DataLoader(str(edition), store=store)
    ed = loader.edition
    if data_vintage != ed.els_vintage:
        raise ParameterError(
            f"{name}: data_vintage {data_vintage!r} is not edition {ed.year}'s ELS vintage {ed.els_vintage!r} (data/editions.toml)"
        )
    if int(boundary_year) != ed.boundaries:
        raise ParameterError(
            f"{name}: boundary_year {boundary_year} is not edition {ed.year}'s boundary set {ed.boundaries}"
        )
    out = Path(output_dir)
    if not out.is_absolute():
        out = (Path(os.getcwd()) / out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    charts.apply_house_style()
    return Notebook(
        name=name,
        edition=ed.year,
        output_dir=out,
        loader=loader,
        registry=Registry(),
        findings=Findings(name, out),
    )


def default_output_dir(edition: str) -> str:
    """Where a notebook run by hand writes its outputs (the build passes its own)."""
    return str(PROJECT_ROOT / "_output" / ".notebooks" / str(edition))
