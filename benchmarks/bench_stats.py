"""Benchmark of the statistics engine on a local-authority panel of every metric.

Times, over the whole panel (all metrics x areas x periods):

* ``panel_trends`` (OLS + HAC, Theil-Sen, Mann-Kendall with exact small-n p-values, CAGR),
* ``sigma_convergence`` (all dispersion statistics and the Theil decomposition per period),
* ``beta_convergence`` (one cross-section regression per metric),
* ``panel_progress_status`` (per area, per metric; with the CI simulation where the metric
  publishes intervals).

Reports the median of several runs (seconds) and the peak resident memory. The target is <= 1 s
for ~60 metrics x ~400 areas x 5-25 periods on the 2-core CI machine.

    uv run python benchmarks/bench_stats.py                  # synthetic panel of realistic shape
    uv run python benchmarks/bench_stats.py --source real    # the loaded canonical tables
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

import numpy as np
import pandas as pd

from levelup.stats import (
    N_DRAWS,
    TargetSpec,
    beta_convergence,
    panel_progress_status,
    panel_trends,
    sigma_convergence,
)

N_METRICS, N_AREAS, MIN_PERIODS, MAX_PERIODS = 60, 400, 5, 25
SHARE_WITH_CI = 1 / 3
SHARE_MISSING = 0.05


def synthetic_panel(seed: int = 0) -> pd.DataFrame:
    """60 metrics x 400 areas x 5-25 annual periods, 5 % missing, a third with 95 % CIs."""
    rng = np.random.default_rng(seed)
    frames = []
    areas = np.array([f"E0{7000000 + i}" for i in range(N_AREAS)])
    regions = rng.integers(0, 9, N_AREAS).astype(str)
    population = rng.lognormal(11.5, 0.5, N_AREAS)
    for m in range(N_METRICS):
        periods = int(rng.integers(MIN_PERIODS, MAX_PERIODS + 1))
        times = 2023.5 - np.arange(periods)[::-1]
        level = rng.lognormal(3, 0.3, N_AREAS)[:, None]
        growth = rng.normal(0.01, 0.01, N_AREAS)[:, None]
        value = (
            level
            * np.exp(growth * np.arange(periods)[None, :])
            * rng.lognormal(0, 0.03, (N_AREAS, periods))
        )
        value[rng.random(value.shape) < SHARE_MISSING] = np.nan
        frame = pd.DataFrame(
            {
                "metric": f"metric_{m:02d}",
                "area_code": np.repeat(areas, periods),
                "group": np.repeat(regions, periods),
                "weight": np.repeat(population, periods),
                "time": np.tile(times, N_AREAS),
                "value": value.ravel(),
            }
        )
        if m < SHARE_WITH_CI * N_METRICS:
            half = 1.96 * 0.02 * frame["value"]
            frame["lower_ci"], frame["upper_ci"] = frame["value"] - half, frame["value"] + half
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def real_panel() -> pd.DataFrame:
    """Every loaded dataset at lower-tier local-authority level, one metric per indicator."""
    try:
        from levelup.data.load import DataLoader
        from levelup.data.schema import LOWER_TIER
    except ImportError as exc:  # pragma: no cover - depends on the data package
        raise SystemExit(f"--source real needs levelup.data (not importable: {exc})") from exc
    loader = DataLoader()
    frames = []
    for dataset_id in loader.datasets():
        try:
            frame = loader.load(dataset_id)
        except Exception as exc:  # noqa: BLE001 - report which dataset is unavailable
            raise SystemExit(f"--source real: cannot load {dataset_id}: {exc}") from exc
        frames.append(frame[frame["geography"].isin(LOWER_TIER)])
    if not frames:
        raise SystemExit("--source real: no datasets in the current edition")
    panel = pd.concat(frames, ignore_index=True)
    # an indicator can appear in more than one dataset: a metric is a (dataset, indicator) pair
    return panel.assign(metric=panel["dataset_id"] + ":" + panel["indicator_id"])


def load_panel(source: str = "synthetic") -> pd.DataFrame:
    """The benchmark panel: ``synthetic`` (realistic shape) or ``real`` (levelup.data)."""
    if source == "synthetic":
        return synthetic_panel()
    if source == "real":
        return real_panel()
    raise ValueError(f"unknown source {source!r}")


def run(panel: pd.DataFrame, n_draws: int = N_DRAWS) -> dict[str, float]:
    """One pass of every panel computation; returns seconds per step."""
    timings = {}
    start = time.perf_counter()
    panel_trends(panel, by=("metric", "area_code"))
    timings["panel_trends"] = time.perf_counter() - start

    start = time.perf_counter()
    sigma_convergence(panel, by=("metric",))
    timings["sigma_convergence"] = time.perf_counter() - start

    start = time.perf_counter()
    for _, frame in panel.groupby("metric", sort=False):
        beta_convergence(frame, frame["time"].min(), frame["time"].max())
    timings["beta_convergence"] = time.perf_counter() - start

    start = time.perf_counter()
    for _, frame in panel.groupby("metric", sort=False):
        first, last = frame["time"].min(), frame["time"].max()
        target = TargetSpec(
            direction="increase", baseline_year=first, target_year=last + 7, target_change_rel=0.1
        )
        panel_progress_status(frame, target, n_draws=n_draws)
    timings["panel_progress_status"] = time.perf_counter() - start
    timings["total"] = sum(timings.values())
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("synthetic", "real"), default="synthetic")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--draws",
        type=int,
        default=N_DRAWS,
        help="simulation draws of the progress status (0: none)",
    )
    args = parser.parse_args(argv)
    panel = load_panel(args.source)
    shape = (
        f"{panel['metric'].nunique()} metrics, {panel['area_code'].nunique()} areas, "
        f"{len(panel):,} rows"
    )
    run(panel, args.draws)  # warm-up (imports, caches)
    runs = [run(panel, args.draws) for _ in range(args.runs)]
    print(f"panel ({args.source}): {shape}; progress-status draws: {args.draws}")
    for step in runs[0]:
        print(f"  {step:<22} median {statistics.median(r[step] for r in runs):.3f} s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {peak_mb:.0f} MB ({args.runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
