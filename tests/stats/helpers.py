"""Synthetic panels shared by the statistics tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import settings


def make_panel(
    n_areas: int = 30,
    years: range = range(2010, 2022),
    seed: int = 0,
    missing: float = 0.0,
    with_ci: bool = False,
) -> pd.DataFrame:
    """Areas converging towards a common level with noise; optional gaps and 95% CIs."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_areas):
        level = rng.normal(3.0, 0.4)
        for t in years:
            level += 0.1 * (3.0 - level) + rng.normal(0, 0.03)
            rows.append((f"E0{6000000 + i}", float(t) + 0.5, float(np.exp(level)), f"R{i % 4}"))
    panel = pd.DataFrame(rows, columns=["area_code", "time", "value", "group"])
    panel["weight"] = 1000.0 + 100.0 * (panel["area_code"].str[-2:].astype(int))
    if missing:
        panel.loc[rng.random(len(panel)) < missing, "value"] = np.nan
    if with_ci:
        half = 1.96 * 0.03 * panel["value"]
        panel["lower_ci"], panel["upper_ci"] = panel["value"] - half, panel["value"] + half
    return panel


#: Settings of the property-based tests (kept small: the suite must run in well under a minute).
PROPERTY = settings(max_examples=40, deadline=None)
