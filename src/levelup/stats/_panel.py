"""Padded 2-D arrays of many series: the common input of the vectorised kernels.

A long table (one row per series and time) becomes arrays of shape ``(series, max_length)``,
sorted by time, *left-justified* (the ``n_i`` observations of series ``i`` occupy columns
``0 .. n_i - 1``) and padded with NaN. Missing values are dropped first and counted.

Overlapping periods (3-year rolling, 5-year pooled estimates) are handled by
:func:`drop_overlapping`, which keeps a non-overlapping subsequence chosen from the latest
observation backwards, so that the significance tests see independent sampling errors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Tolerance (years) when comparing decimal-year times.
TIME_TOL = 1e-6
#: Slack (years) when comparing a gap between times with a period length: with leap days,
#: midpoints of equal calendar periods in decimal years drift by up to a day (two financial
#: years' midpoints are 0.9993 apart, a three-year period is 3.0007 long).
LEAP_SLACK = 1.5 / 365.25


@dataclass
class Padded:
    """Left-justified, NaN-padded series.

    Attributes:
        keys: one row per series with the grouping columns (empty frame for a single series).
        time, value: ``(series, length)`` arrays, ascending in time within a row.
        extra: further per-observation arrays of the same shape (e.g. ``lower_ci``).
        n_missing: per series, observations dropped because the value was NaN.
        n_overlap_dropped: per series, observations dropped to remove overlapping periods.
    """

    keys: pd.DataFrame
    time: np.ndarray
    value: np.ndarray
    extra: dict[str, np.ndarray]
    n_missing: np.ndarray
    n_overlap_dropped: np.ndarray

    @property
    def n(self) -> np.ndarray:
        """Number of observations per series."""
        return np.isfinite(self.value).sum(axis=1)


def justify(keep: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """Move the kept cells of each row to the left, preserving order; pad the rest with NaN."""
    order = np.argsort(~keep, axis=1, kind="stable")
    kept = np.take_along_axis(keep, order, axis=1)
    out = []
    for a in arrays:
        moved = np.take_along_axis(a, order, axis=1).astype(float)
        moved[~kept] = np.nan
        out.append(moved)
    return out


def pad_series(time, value, **extra) -> Padded:
    """One series as a 1-row :class:`Padded` (NaN values dropped, sorted by time).

    Raises ``ValueError`` if the arrays differ in length or a time is repeated.
    """
    t = np.asarray(time, dtype=float).ravel()
    v = np.asarray(value, dtype=float).ravel()
    extras = {k: np.asarray(a, dtype=float).ravel() for k, a in extra.items() if a is not None}
    if any(len(a) != len(t) for a in (v, *extras.values())):
        raise ValueError("time, value and interval arrays must have the same length")
    ok = np.isfinite(t) & np.isfinite(v)
    order = np.argsort(t[ok], kind="stable")
    ts = t[ok][order]
    if np.any(np.diff(ts) <= TIME_TOL):
        raise ValueError("repeated time in a series")

    def row(a: np.ndarray) -> np.ndarray:
        # at least one (NaN) column so that empty series keep the 2-D shape
        return a[ok][order][None, :] if ok.any() else np.full((1, 1), np.nan)

    return Padded(
        keys=pd.DataFrame(index=range(1)),
        time=row(t),
        value=row(v),
        extra={k: row(a) for k, a in extras.items()},
        n_missing=np.array([int((~ok).sum())]),
        n_overlap_dropped=np.zeros(1, dtype=int),
    )


def group_codes(frame: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Integer code of each row's group (groups in sorted key order) and each group's first row.

    Equivalent to ``groupby(by, sort=True).ngroup()`` but faster: one factorize per column.
    """
    if not by:
        return np.zeros(len(frame), dtype=np.intp), np.zeros(min(len(frame), 1), dtype=np.intp)
    parts = [pd.factorize(frame[c], sort=True, use_na_sentinel=False) for c in by]
    combined = np.ravel_multi_index([codes for codes, _ in parts], [len(u) for _, u in parts])
    _, first, code = np.unique(combined, return_index=True, return_inverse=True)
    return code.ravel(), first


def pad_panel(
    frame: pd.DataFrame,
    by: Sequence[str],
    extra: Sequence[str] = (),
    time_col: str = "time",
    value_col: str = "value",
) -> Padded:
    """Long table -> :class:`Padded`, one row per distinct combination of the ``by`` columns.

    Series whose values are all missing are kept (with ``n == 0``). Columns in ``extra`` that the
    frame has are carried along. Raises ``ValueError`` on a repeated time within a series.
    """
    by = list(by)
    missing = [c for c in [*by, time_col, value_col] if c not in frame.columns]
    if missing:
        raise ValueError(f"panel lacks columns {missing}")
    extra = [c for c in extra if c in frame.columns]
    code, first = group_codes(frame, by)
    m = len(first)
    t_all = frame[time_col].to_numpy(float)
    v_all = frame[value_col].to_numpy(float)
    bad = ~(np.isfinite(v_all) & np.isfinite(t_all))
    n_missing = np.bincount(code[bad], minlength=m)
    keys = frame[by].iloc[first].reset_index(drop=True)
    good = ~bad
    code, t = code[good], t_all[good]
    order = np.lexsort((t, code))
    code, t = code[order], t[order]
    if np.any((np.diff(code) == 0) & (np.diff(t) <= TIME_TOL)):
        raise ValueError("repeated time within a series of the panel")
    counts = np.bincount(code, minlength=m)
    width = max(int(counts.max(initial=0)), 1)
    pos = np.arange(len(code)) - np.concatenate([[0], np.cumsum(counts)[:-1]])[code]

    def place(values: np.ndarray) -> np.ndarray:
        out = np.full((m, width), np.nan)
        out[code, pos] = values[good][order]
        return out

    return Padded(
        keys=keys,
        time=place(t_all),
        value=place(v_all),
        extra={c: place(frame[c].to_numpy(float)) for c in extra},
        n_missing=n_missing,
        n_overlap_dropped=np.zeros(m, dtype=int),
    )


def drop_overlapping(p: Padded, period_years: float | np.ndarray | None) -> Padded:
    """Keep a non-overlapping subsequence of each series, chosen from the latest point backwards.

    An observation covering ``period_years`` years (centred on ``time``) overlaps the next kept
    one if their times are less than ``period_years`` apart. Walking back from the latest
    observation, each earlier observation is kept only if it ends before the last kept one starts
    (``t <= t_kept - period_years``, up to :data:`LEAP_SLACK`). ``None`` or periods of at most the spacing keep everything.
    """
    if period_years is None:
        return p
    period = np.broadcast_to(np.asarray(period_years, dtype=float), (p.time.shape[0],))
    keep = np.zeros(p.time.shape, dtype=bool)
    last = np.full(p.time.shape[0], np.inf)
    for j in range(p.time.shape[1] - 1, -1, -1):
        t = p.time[:, j]
        ok = np.isfinite(t) & (t <= last - np.nan_to_num(period, nan=0.0) + LEAP_SLACK)
        keep[:, j] = ok
        last = np.where(ok, t, last)
    before = p.n
    names = list(p.extra)
    time, value, *extras = justify(keep, p.time, p.value, *(p.extra[k] for k in names))
    return dataclasses.replace(
        p,
        time=time,
        value=value,
        extra=dict(zip(names, extras, strict=True)),
        n_overlap_dropped=p.n_overlap_dropped + before - keep.sum(axis=1),
    )


def series_period_years(
    frame: pd.DataFrame, by: Sequence[str], period_years: float | str | None
) -> float | np.ndarray | None:
    """Period length (years) of each series of a long table, for :func:`drop_overlapping`.

    ``period_years`` is a number (all series), ``None`` (periods do not overlap), the name of a
    column, or ``"bounds"`` to derive it (in whole months) from the inclusive
    ``period_start``/``period_end`` dates of the canonical table. Per series, the longest period is used; rows follow
    :func:`group_codes` order, like :func:`pad_panel`.
    """
    if not isinstance(period_years, str):
        return period_years
    if period_years == "bounds":
        days = pd.to_datetime(frame["period_end"]) - pd.to_datetime(frame["period_start"])
        # whole months, so that leap days do not make adjacent 3-year periods "overlap"
        years = np.round((days.dt.days.to_numpy(float) + 1.0) / 365.25 * 12) / 12
    else:
        years = frame[period_years].to_numpy(float)
    code, first = group_codes(frame, by)
    out = np.full(len(first), np.nan)
    np.fmax.at(out, code, years)
    return out
