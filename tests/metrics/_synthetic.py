"""A registered metric with synthetic rows in the canonical layout, for hand-checked tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from levelup.metrics.analysis import MetricData
from levelup.metrics.registry import Registry


def synthetic_metric(
    metric_id: str,
    values: dict[str, list[float]],
    *,
    start_year: int = 2015,
    years: int = 1,
    ci: float | None = None,
    geography: str = "non_metropolitan_district",
) -> MetricData:
    """``values`` maps area codes to one value per period; periods start each April."""
    rows = []
    for code, series in values.items():
        for i, v in enumerate(series):
            start = pd.Timestamp(f"{start_year + i}-04-01")
            end = start + pd.DateOffset(years=years) - pd.Timedelta(days=1)
            rows.append(
                {
                    "area_code": code,
                    "area_name": code.upper(),
                    "geography": geography,
                    "indicator_id": "test/indicator",
                    "period": f"{start_year + i}-04-01/P{years}Y",
                    "period_start": start,
                    "period_end": end,
                    "time": start_year + i + 0.75 + (years - 1) / 2,
                    "value": v,
                    "lower_ci": np.nan if ci is None else v - ci,
                    "upper_ci": np.nan if ci is None else v + ci,
                }
            )
    metric = Registry().metric(metric_id)
    return MetricData(metric, None, pd.DataFrame(rows), "data", "test")  # type: ignore[arg-type]
