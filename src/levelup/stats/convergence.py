"""Convergence across areas: dispersion (sigma), catch-up (beta) and the gap measures.

Panels are long tables with ``area_code``, ``time``, ``value`` and optionally ``weight``
(e.g. population) and ``group`` (e.g. region), as in the canonical table.

* Dispersion statistics, vectorised along the last axis and NaN-ignoring:
  :func:`standard_deviation`, :func:`coefficient_of_variation`, :func:`sd_of_logs`, :func:`gini`,
  :func:`theil_t`, :func:`theil_l`; :func:`theil_decomposition` into between/within groups.
* :func:`sigma_convergence` -- all of them per period; :func:`dispersion_trend` tests whether a
  dispersion series fell; :func:`bootstrap_dispersion_change` tests a change between two periods
  by resampling areas.
* :func:`beta_convergence` (cross-section) and :func:`panel_beta_convergence` (fixed effects).
* Gap measures per period: :func:`decile_gap`, :func:`tenth_gap`, :func:`top_vs_rest`,
  :func:`group_vs_rest`, with :func:`worst_performing_areas` to fix a group at a baseline.

Areas are treated as the whole population of interest, so standard deviations use ddof = 0.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from levelup.stats._ols import ols
from levelup.stats._panel import pad_panel
from levelup.stats.results import INSUFFICIENT, NAN, PeriodResult, Result, ResultTable
from levelup.stats.trend import ALPHA, DECREASING, INCREASING, TrendResult, ols_trend
from levelup.stats.verdicts import (
    BETA_CONVERGENCE,
    BETA_DIVERGENCE,
    CONVERGING,
    DIVERGING,
    NO_CHANGE,
    NO_RELATIONSHIP,
    SPEED_NOT_SIGNIFICANT,
    SPEED_TOO_FEW_PERIODS,
    SPEED_TOO_SHORT,
)

#: Evidence rule 2: a speed of convergence and half-life are reported only for a significant
#: beta convergence resting on at least this many observed periods ...
MIN_PERIODS_SPEED = 3
#: ... spanning at least this many years (see docs/methods/statistics.md, "Evidence rules").
MIN_YEARS_SPEED = 3.0
#: Fewest areas for the decile / tenth gaps (below, a "tenth" would not be a tenth); NaN below.
MIN_AREAS_GAP = 10
#: Fewest areas for a bootstrap verdict on a change in dispersion.
MIN_AREAS_BOOTSTRAP = 10
#: Fewest areas for a beta-convergence verdict (allows the 9 English regions, 12 ITL1 regions).
MIN_AREAS_BETA = 8


# --- dispersion statistics (vectorised along the last axis) -------------------------------------


def _prepared(values, weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values with NaN -> 0 and population shares p (0 where missing), plus the validity mask."""
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.broadcast_to(np.asarray(weights, float), x.shape)
    valid = np.isfinite(x) & np.isfinite(w) & (w > 0)
    w = np.where(valid, w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = w / w.sum(axis=-1, keepdims=True)
    return np.where(valid, x, 0.0), p, valid


def _mean(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (p * x).sum(axis=-1)


def standard_deviation(values, weights=None) -> np.ndarray:
    """Population (ddof = 0) standard deviation sqrt(sum p_i (x_i - mu)^2), p_i = w_i / sum w."""
    x, p, valid = _prepared(values, weights)
    mu = _mean(x, p)
    with np.errstate(invalid="ignore"):
        return np.sqrt((p * (x - mu[..., None]) ** 2).sum(axis=-1)) + np.where(
            valid.sum(axis=-1) > 0, 0.0, np.nan
        )


def coefficient_of_variation(values, weights=None) -> np.ndarray:
    """CV = SD / mean; with population weights the Williamson (1965) weighted CV.

    Reference: Williamson, J. G. (1965) Economic Development and Cultural Change 13(4), 1-84.
    """
    x, p, _ = _prepared(values, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        return standard_deviation(values, weights) / _mean(x, p)


def sd_of_logs(values, weights=None) -> np.ndarray:
    """Standard deviation of log(x) (sigma convergence of Barro & Sala-i-Martin 1992); x > 0."""
    x = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.where(x > 0, np.log(x), np.nan)
    bad = np.any(np.isfinite(x) & ~(x > 0), axis=-1)
    return np.where(bad, np.nan, standard_deviation(logs, weights))


def gini(values, weights=None) -> np.ndarray:
    """Gini coefficient G = sum_i sum_j p_i p_j |x_i - x_j| / (2 mu), x >= 0.

    Computed from the Lorenz curve of the sorted values: G = 1 - sum_i p_i (L_i + L_{i-1}) with
    L the cumulative share of the total; exact for discrete (weighted) distributions.
    Reference: Gini, C. (1912) Variabilita e mutabilita; Cowell, F. (2011) Measuring Inequality.
    """
    x0 = np.asarray(values, dtype=float)
    order = np.argsort(np.where(np.isfinite(x0), x0, np.inf), axis=-1, kind="stable")
    xs = np.take_along_axis(x0, order, axis=-1)
    ws = (
        None
        if weights is None
        else np.take_along_axis(
            np.broadcast_to(np.asarray(weights, float), x0.shape), order, axis=-1
        )
    )
    x, p, valid = _prepared(xs, ws)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = p * x / _mean(x, p)[..., None]
        lorenz = np.cumsum(share, axis=-1)
        g = 1.0 - (p * (2 * lorenz - share)).sum(axis=-1)
    negative = np.any(valid & (x < 0), axis=-1)
    return np.where(negative | (valid.sum(axis=-1) == 0), np.nan, g)


def theil_t(values, weights=None) -> np.ndarray:
    """Theil T (GE(1)) = sum_i p_i (x_i / mu) ln(x_i / mu); x >= 0, 0 ln 0 = 0.

    Reference: Theil, H. (1967) Economics and Information Theory, North-Holland.
    """
    x, p, valid = _prepared(values, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = x / _mean(x, p)[..., None]
        terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
        t = (p * terms).sum(axis=-1)
    negative = np.any(valid & (x < 0), axis=-1)
    return np.where(negative | (valid.sum(axis=-1) == 0), np.nan, t)


def theil_l(values, weights=None) -> np.ndarray:
    """Theil L (GE(0), mean log deviation) = sum_i p_i ln(mu / x_i); x > 0."""
    x, p, valid = _prepared(values, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.where(valid & (x > 0), np.log(np.where(x > 0, x, 1.0)), 0.0)
        t = np.log(_mean(x, p)) - (p * logs).sum(axis=-1)
    bad = np.any(valid & ~(x > 0), axis=-1)
    return np.where(bad | (valid.sum(axis=-1) == 0), np.nan, t)


def _theil_components(
    values: np.ndarray, groups: np.ndarray, weights, index: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total, between-group and within-group Theil index along the last axis.

    With population shares p_i, group shares P_g, means mu and mu_g, income shares
    s_g = P_g mu_g / mu:
    T: between = sum_g s_g ln(mu_g / mu), within = sum_g s_g T_g = sum_i p_i (x_i/mu) ln(x_i/mu_g(i));
    L: between = sum_g P_g ln(mu / mu_g), within = sum_g P_g L_g = sum_i p_i ln(mu_g(i) / x_i).
    ``groups`` holds integer codes (negative = no group; such cells are ignored).
    """
    g = np.asarray(groups)
    x = np.where(g >= 0, np.asarray(values, dtype=float), np.nan)
    xx, p, valid = _prepared(x, weights)
    mu = _mean(xx, p)
    between = np.zeros(mu.shape)
    cell_mean = np.ones(xx.shape)  # mu_g(i) of each area's group
    with np.errstate(invalid="ignore", divide="ignore"):
        for code in np.unique(g[g >= 0]):
            member = g == code
            pg = np.where(member, p, 0.0).sum(axis=-1)
            mu_g = np.where(member, p * xx, 0.0).sum(axis=-1) / pg
            cell_mean = np.where(member, mu_g[..., None], cell_mean)
            share = pg * mu_g / mu if index == "T" else -pg  # weight of ln(mu_g / mu)
            between += np.where(pg > 0, share * np.log(mu_g / mu), 0.0)
        positive = valid & (xx > 0)
        log_ratio = np.log(np.where(positive, xx / cell_mean, 1.0))
        if index == "T":
            within = (p * xx / mu[..., None] * log_ratio).sum(axis=-1)
            total = theil_t(x, weights)
        else:
            within = (p * -log_ratio).sum(axis=-1)
            total = theil_l(x, weights)
    undefined = np.isnan(total)
    return total, np.where(undefined, np.nan, between), np.where(undefined, np.nan, within)


@dataclass(kw_only=True)
class TheilDecomposition(Result):
    """Theil index split into between- and within-group parts (``estimate`` = total)."""

    between: float = NAN
    within: float = NAN
    groups: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame, repr=False)

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        share = self.between / self.estimate if self.estimate else NAN
        return {
            "between": (self.between, NAN, NAN),
            "within": (self.within, NAN, NAN),
            "between_share": (share, NAN, NAN),
        }


def theil_decomposition(values, groups, weights=None, *, index: str = "T") -> TheilDecomposition:
    """Decompose Theil T (or L) into between- and within-group inequality (exactly additive).

    T = sum_g s_g T_g + sum_g s_g ln(mu_g/mu) with income shares s_g = P_g mu_g / mu;
    L = sum_g P_g L_g + sum_g P_g ln(mu/mu_g) with population shares P_g.
    ``groups`` are labels (e.g. region codes); areas with a missing value or label are ignored.

    Reference: Shorrocks, A. F. (1980) Econometrica 48(3), 613-625; Bourguignon, F. (1979)
    Econometrica 47(4), 901-920.
    """
    x = np.asarray(values, dtype=float)
    codes, uniques = pd.factorize(pd.Series(np.asarray(groups, dtype=object)))
    total, between, within = _theil_components(x, codes, weights, index)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    valid = np.isfinite(x) & np.isfinite(w) & (w > 0) & (codes >= 0)
    index_fn = {"T": theil_t, "L": theil_l}[index]
    rows = []
    for code, label in enumerate(uniques):
        member = valid & (codes == code)
        rows.append(
            {
                "group": label,
                "n": int(member.sum()),
                "population_share": w[member].sum() / w[valid].sum(),
                "mean": np.average(x[member], weights=w[member]),
                f"theil_{index.lower()}": float(index_fn(x[member], w[member])),
            }
        )
    return TheilDecomposition(
        statistic=f"theil_{index.lower()}",
        estimate=float(total),
        between=float(between),
        within=float(within),
        n=int(valid.sum()),
        method=f"Theil {index}, between/within decomposition over {len(uniques)} groups"
        + (", population weighted" if weights is not None else ""),
        groups=pd.DataFrame(rows),
    )


# --- cross-sections of a panel ----------------------------------------------------------------------


def _cross_sections(
    panel: pd.DataFrame, by: Iterable[str], extra: Mapping[str, np.ndarray] | None = None
):
    """One padded row per (by..., time) holding the values of all areas in that period.

    ``extra`` maps names to per-row numeric arrays carried along (weights, group codes...).
    """
    by, extra = list(by), dict(extra or {})
    frame = pd.DataFrame(
        {
            **{c: panel[c].to_numpy() for c in by},
            "time": panel["time"].to_numpy(float),
            "value": panel["value"].to_numpy(float),
            "_area": pd.factorize(panel["area_code"])[0].astype(float),
            **extra,
        }
    )
    return pad_panel(frame, [*by, "time"], extra=list(extra), time_col="_area")


_WEIGHTED = ("cv_weighted", "theil_t_weighted")


def sigma_convergence(
    panel: pd.DataFrame,
    *,
    by: tuple[str, ...] = (),
    weight_col: str | None = "weight",
    group_col: str | None = "group",
) -> ResultTable:
    """Dispersion across areas in each period (sigma convergence).

    Per period: number of areas ``n``, ``mean``, ``sd`` (ddof 0), ``cv``, ``sd_log``, ``gini``,
    ``theil_t``, ``theil_l``; if ``weight_col`` is in the panel, the population-weighted
    ``cv_weighted`` and ``theil_t_weighted``; if ``group_col`` is in the panel,
    ``theil_t_between`` + ``theil_t_within`` = ``theil_t`` (areas as units; use
    :func:`theil_decomposition` for a population-weighted split). Statistics requiring positive
    values are NaN in periods with a non-positive value. Test the resulting series with
    :func:`dispersion_trend`.

    Reference: Barro, R. J. & Sala-i-Martin, X. (1992) J. Political Economy 100(2), 223-251.
    """
    weight_col = weight_col if weight_col in panel.columns else None
    group_col = group_col if group_col in panel.columns else None
    extra = {}
    if weight_col:
        extra["weight"] = panel[weight_col].to_numpy(float)
    if group_col:
        extra["_group"] = pd.factorize(panel[group_col])[0].astype(float)
    cs = _cross_sections(panel, by, extra)
    x, w = cs.value, cs.extra.get("weight")
    out = cs.keys.copy()
    out["n"] = cs.n
    xx, p, _ = _prepared(x, None)
    out["mean"] = _mean(xx, p)
    out["sd"] = standard_deviation(x)
    out["cv"] = coefficient_of_variation(x)
    if w is not None:
        out["cv_weighted"] = coefficient_of_variation(x, w)
    out["sd_log"] = sd_of_logs(x)
    out["gini"] = gini(x)
    out["theil_t"] = theil_t(x)
    out["theil_l"] = theil_l(x)
    if w is not None:
        out["theil_t_weighted"] = theil_t(x, w)
    if group_col:
        groups = np.nan_to_num(cs.extra["_group"], nan=-1).astype(int)
        _, out["theil_t_between"], out["theil_t_within"] = _theil_components(x, groups, None, "T")
    names = [c for c in out.columns if c not in (*by, "time", "n", "mean")]
    return ResultTable(
        frame=out,
        statistics={name: (name, None, None) for name in names},
        id_columns=[*by, "time"],
        method={
            name: f"{name} across areas (ddof 0)"
            + (" population weighted" if name in _WEIGHTED and w is not None else "")
            for name in names
        },
    )


def dispersion_trend(
    series,
    value=None,
    *,
    statistic: str | None = None,
    hac: bool = True,
    alpha: float = ALPHA,
) -> TrendResult:
    """Has dispersion fallen? OLS trend of a dispersion (or gap) series with a HAC interval.

    Pass a ``pandas.Series`` indexed by time (e.g. ``sigma.frame.set_index("time")["cv"]``, its
    name giving ``statistic``) or ``time`` and ``value`` arrays. Same estimator as
    :func:`levelup.stats.trend.ols_trend`; the verdict reads "converging" when the slope's interval
    lies below 0, "diverging" above 0, "no significant change" otherwise and "insufficient data"
    below :data:`levelup.stats.trend.MIN_N_TREND` periods.
    """
    if value is None:
        time, value = np.asarray(series.index, dtype=float), series.to_numpy(float)
        statistic = statistic or (str(series.name) if series.name is not None else None)
    else:
        time = series
    res = ols_trend(time, value, hac=hac, alpha=alpha)
    verdict = {INCREASING: DIVERGING, DECREASING: CONVERGING}.get(res.verdict, res.verdict)
    if verdict not in (CONVERGING, DIVERGING, INSUFFICIENT):
        verdict = NO_CHANGE
    return dataclasses.replace(res, statistic=f"{statistic or 'dispersion'}_trend", verdict=verdict)


# --- gap measures ---------------------------------------------------------------------------------


def _tenth_size(n: np.ndarray) -> np.ndarray:
    """Areas in a tenth: max(1, round-half-up(n / 10))."""
    return np.maximum(np.floor(n / 10 + 0.5), 1).astype(int)


def _sorted_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xs = np.sort(np.where(np.isfinite(x), x, np.nan), axis=-1)
    return xs, np.isfinite(xs).sum(axis=-1)


def _pick(xs: np.ndarray, idx: np.ndarray) -> np.ndarray:
    safe = np.clip(idx, 0, xs.shape[-1] - 1)
    return np.take_along_axis(xs, safe[..., None], axis=-1)[..., 0]


def _tail_medians(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Medians of the bottom and top tenths of each row (NaN below MIN_AREAS_GAP areas)."""
    xs, n = _sorted_rows(x)
    k = _tenth_size(n)
    bottom = 0.5 * (_pick(xs, (k - 1) // 2) + _pick(xs, k // 2))
    top = 0.5 * (_pick(xs, n - k + (k - 1) // 2) + _pick(xs, n - k + k // 2))
    few = n < MIN_AREAS_GAP
    return np.where(few, np.nan, bottom), np.where(few, np.nan, top), k


def _tail_means(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means of the bottom and top tenths of each row (NaN below MIN_AREAS_GAP areas)."""
    xs, n = _sorted_rows(x)
    k = _tenth_size(n)
    cum = np.concatenate([np.zeros(xs.shape[:-1] + (1,)), np.nancumsum(xs, axis=-1)], axis=-1)
    bottom = _pick(cum, k) / k
    top = (_pick(cum, n) - _pick(cum, n - k)) / k
    few = n < MIN_AREAS_GAP
    return np.where(few, np.nan, bottom), np.where(few, np.nan, top), k


def _decile_gap_values(x: np.ndarray, weights=None) -> np.ndarray:
    """Decile gap along the last axis (unweighted: ``weights`` is accepted and ignored)."""
    bottom, top, _ = _tail_medians(x)
    return top - bottom


def _decile_gap_pct_values(x: np.ndarray, weights=None) -> np.ndarray:
    """Relative decile gap along the last axis: 100 × (top median / bottom median − 1)."""
    bottom, top, _ = _tail_medians(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100 * (top / bottom - 1)


def decile_gap_pct(panel: pd.DataFrame, *, by: tuple[str, ...] = ()) -> ResultTable:
    """The decile gap relative to the bottom decile: how far (%) the median of the top decile of
    areas lies above the median of the bottom decile. Scale-free, so for money it does not move
    with the price level (unlike :func:`decile_gap`). Columns as :func:`decile_gap`, ``gap`` in %.
    """
    cs = _cross_sections(panel, by)
    bottom, top, k = _tail_medians(cs.value)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100 * (top / bottom - 1)
    return _gap_table(
        cs,
        by,
        {"bottom_median": bottom, "top_median": top, "gap": pct, "k": k},
        "median of top decile of areas as % above the median of the bottom decile",
        "decile_gap_pct",
    )


def _tenth_gap_values(x: np.ndarray, weights=None) -> np.ndarray:
    """Tenth gap along the last axis (unweighted: ``weights`` is accepted and ignored)."""
    bottom, top, _ = _tail_means(x)
    return top - bottom


def _gap_table(cs, by, columns: dict[str, np.ndarray], method: str, statistic: str) -> ResultTable:
    """Per-period gap table; the findings statistic ``statistic`` reads the ``gap`` column."""
    frame = pd.concat([cs.keys, pd.DataFrame({"n": cs.n, **columns})], axis=1)
    return ResultTable(
        frame=frame,
        statistics={statistic: ("gap", None, None)},
        id_columns=[*by, "time"],
        method=method,
    )


def decile_gap(panel: pd.DataFrame, *, by: tuple[str, ...] = ()) -> ResultTable:
    """Median of the top decile of areas minus the median of the bottom decile, per period.

    The definition of the Levelling Up White Paper technical annex (Mission 7, healthy life
    expectancy). A decile holds max(1, round(n/10)) areas ranked by value; NaN below
    :data:`MIN_AREAS_GAP` areas. Columns ``bottom_median``, ``top_median``, ``gap``, ``k``.
    """
    cs = _cross_sections(panel, by)
    bottom, top, k = _tail_medians(cs.value)
    return _gap_table(
        cs,
        by,
        {"bottom_median": bottom, "top_median": top, "gap": top - bottom, "k": k},
        "median of top decile minus median of bottom decile of areas",
        "decile_gap",
    )


def tenth_gap(panel: pd.DataFrame, *, by: tuple[str, ...] = ()) -> ResultTable:
    """Mean of the highest tenth of areas minus the mean of the lowest tenth, per period.

    Tenths as in :func:`decile_gap` (ranked by value, so the gap is >= 0 whatever the polarity).
    Columns ``bottom_mean``, ``top_mean``, ``gap``, ``k``.
    """
    cs = _cross_sections(panel, by)
    bottom, top, k = _tail_means(cs.value)
    return _gap_table(
        cs,
        by,
        {"bottom_mean": bottom, "top_mean": top, "gap": top - bottom, "k": k},
        "mean of top tenth minus mean of bottom tenth of areas",
        "tenth_gap",
    )


def _members_vs_rest(
    panel: pd.DataFrame, members: set, weighted: bool, by, statistic: str, method: str
) -> ResultTable:
    """Per period: mean of the member areas, mean of the others, their difference and ratio."""
    if weighted and "weight" not in panel.columns:
        raise ValueError("weighted comparison needs a 'weight' column")
    extra = {"_in": panel["area_code"].isin(members).to_numpy(float)}
    if weighted:
        extra["weight"] = panel["weight"].to_numpy(float)
    cs = _cross_sections(panel, by, extra)
    x = cs.value
    w = cs.extra["weight"] if weighted else np.ones_like(x)
    present = np.isfinite(x) & np.isfinite(w)
    inside = (cs.extra["_in"] == 1) & present

    def mean_of(mask: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(mask, w * x, 0.0).sum(axis=-1) / np.where(mask, w, 0.0).sum(axis=-1)

    group_mean, rest_mean = mean_of(inside), mean_of(present & ~inside)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = group_mean / rest_mean
    columns = {
        "n_group": inside.sum(axis=-1),
        "group_mean": group_mean,
        "rest_mean": rest_mean,
        "gap": group_mean - rest_mean,
        "ratio": ratio,
    }
    return _gap_table(cs, by, columns, method + (" (weighted)" if weighted else ""), statistic)


def group_vs_rest(
    panel: pd.DataFrame,
    group_areas: Iterable[str],
    *,
    weighted: bool = False,
    by: tuple[str, ...] = (),
) -> ResultTable:
    """Mean of a named group of areas minus the mean of all other areas, per period.

    E.g. the worst-performing third of areas (fix it at a baseline with
    :func:`worst_performing_areas`) against the rest. ``weighted`` uses the ``weight`` column
    (population-weighted means). Columns ``n_group``, ``group_mean``, ``rest_mean``, ``gap``
    (group - rest) and ``ratio`` (group / rest).
    """
    return _members_vs_rest(
        panel,
        set(group_areas),
        weighted,
        by,
        "group_vs_rest_gap",
        "group mean minus mean of other areas",
    )


def top_vs_rest(
    panel: pd.DataFrame, area_code: str, *, weighted: bool = False, by: tuple[str, ...] = ()
) -> ResultTable:
    """A named (top-performing) area minus the mean of the other areas, per period.

    E.g. London against the other ITL1 regions (Mission 1, pay and productivity). Columns as in
    :func:`group_vs_rest`: ``group_mean`` is the area's value (``n_group`` 0 when it is missing);
    ``weighted`` uses population weights for the rest.
    """
    return _members_vs_rest(
        panel,
        {area_code},
        weighted,
        by,
        "top_vs_rest_gap",
        f"{area_code} minus mean of other areas",
    )


def worst_performing_areas(
    panel: pd.DataFrame, time: float, *, share: float = 1 / 3, higher_is_better: bool = True
) -> list[str]:
    """Area codes of the worst ``share`` of areas at ``time`` (ceil(share * n) areas)."""
    at = panel[np.isclose(panel["time"].to_numpy(float), time) & panel["value"].notna()]
    k = math.ceil(share * len(at))
    ranked = at.sort_values("value", ascending=higher_is_better, kind="stable")
    return ranked["area_code"].head(k).tolist()


def _paired_values(
    panel: pd.DataFrame, start: float, end: float, columns: tuple[str, ...] = ("value",)
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``columns`` at ``start`` and at ``end`` for the areas complete in both periods (aligned)."""
    t = panel["time"].to_numpy(float)
    codes = panel["area_code"].to_numpy()
    data = {c: panel[c].to_numpy(float) for c in columns}
    complete = np.logical_and.reduce([np.isfinite(v) for v in data.values()])
    at_start = np.flatnonzero(np.isclose(t, start) & complete)
    at_end = np.flatnonzero(np.isclose(t, end) & complete)
    _, i, j = np.intersect1d(codes[at_start], codes[at_end], return_indices=True)
    return (
        {c: v[at_start[i]] for c, v in data.items()},
        {c: v[at_end[j]] for c, v in data.items()},
    )


# --- change in dispersion by bootstrap over areas -----------------------------------------------

#: Dispersion statistics available to :func:`bootstrap_dispersion_change`.
DISPERSION_STATISTICS: dict[str, Callable[..., np.ndarray]] = {
    "sd": standard_deviation,
    "cv": coefficient_of_variation,
    "sd_log": sd_of_logs,
    "gini": gini,
    "theil_t": theil_t,
    "theil_l": theil_l,
    "decile_gap": _decile_gap_values,
    "decile_gap_pct": _decile_gap_pct_values,
    "tenth_gap": _tenth_gap_values,
}


@dataclass(kw_only=True)
class DispersionChange(PeriodResult):
    """Change in a dispersion statistic between two periods (``estimate`` = end - start)."""

    start_value: float = NAN
    end_value: float = NAN
    p_value: float = NAN
    verdict: str = INSUFFICIENT

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        return {
            "start": (self.start_value, NAN, NAN),
            "end": (self.end_value, NAN, NAN),
            "p_value": (self.p_value, NAN, NAN),
        }


def bootstrap_dispersion_change(
    panel: pd.DataFrame,
    start: float,
    end: float,
    *,
    statistic: str = "cv",
    weighted: bool = False,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = ALPHA,
) -> DispersionChange:
    """Did dispersion fall between two periods? Paired bootstrap over areas.

    Areas observed in both periods are resampled with replacement (the same draw for both
    periods, preserving the pairing); the change D* = stat(end*) - stat(start*) is recomputed in
    each of ``n_boot`` replicates. Percentile interval; two-sided p = 2 min(P(D* <= 0), P(D* >= 0)).
    Verdict "converging" / "diverging" when the interval excludes 0; "insufficient data" below
    :data:`MIN_AREAS_BOOTSTRAP` areas.

    Reference: Efron, B. & Tibshirani, R. (1993) An Introduction to the Bootstrap, Chapman & Hall.
    """
    fn = DISPERSION_STATISTICS[statistic]
    if weighted and "weight" not in panel.columns:
        raise ValueError("weighted bootstrap needs a 'weight' column")
    a, b = _paired_values(panel, start, end, ("value", "weight") if weighted else ("value",))
    n = len(a["value"])
    method = (
        f"paired bootstrap over areas ({n_boot} draws, seed {seed}), "
        f"{100 * (1 - alpha):g}% percentile CI of the change in {statistic}"
        + (" (population weighted)" if weighted else "")
    )
    wa, wb = a.get("weight"), b.get("weight")
    start_value = float(fn(a["value"], wa)) if n else NAN
    end_value = float(fn(b["value"], wb)) if n else NAN
    result = DispersionChange(
        statistic=f"{statistic}_change",
        estimate=end_value - start_value,
        start_value=start_value,
        end_value=end_value,
        n=n,
        method=method,
        time_start=float(start),
        time_end=float(end),
    )
    if n < MIN_AREAS_BOOTSTRAP:
        return result
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    xa, xb = a["value"][idx], b["value"][idx]
    draws = fn(xb, None if wb is None else wb[idx]) - fn(xa, None if wa is None else wa[idx])
    draws = draws[np.isfinite(draws)]
    lower, upper = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    p = min(1.0, 2 * min((draws <= 0).mean(), (draws >= 0).mean()))
    verdict = CONVERGING if upper < 0 else DIVERGING if lower > 0 else NO_CHANGE
    return dataclasses.replace(
        result, lower=float(lower), upper=float(upper), p_value=float(p), verdict=verdict
    )


# --- beta convergence -----------------------------------------------------------------------------


@dataclass(kw_only=True)
class BetaConvergenceResult(PeriodResult):
    """Beta convergence: ``estimate`` is beta, the slope of growth on log initial level.

    Attributes: ``se``, ``p_value``, ``speed`` (lambda, per year) and ``half_life`` (years) with
    intervals from the ends of the beta interval, ``horizon`` (T, years), ``r_squared``,
    ``verdict`` ("beta convergence", "beta divergence", "no significant relationship" or
    "insufficient data"), ``n_periods`` (observed periods from start to end).

    Evidence rule 2: ``speed`` and ``half_life`` are NaN, and ``speed_note`` says why, unless the
    verdict is "beta convergence" (the 95% interval of beta below 0) and the estimate rests on at
    least :data:`MIN_PERIODS_SPEED` periods spanning at least :data:`MIN_YEARS_SPEED` years.
    """

    se: float = NAN
    p_value: float = NAN
    speed: float = NAN
    speed_lower: float = NAN
    speed_upper: float = NAN
    half_life: float = NAN
    half_life_lower: float = NAN
    half_life_upper: float = NAN
    horizon: float = NAN
    r_squared: float = NAN
    verdict: str = INSUFFICIENT
    n_periods: int = 0
    speed_note: str = ""

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        return {
            "se": (self.se, NAN, NAN),
            "p_value": (self.p_value, NAN, NAN),
            "speed": (self.speed, self.speed_lower, self.speed_upper),
            "half_life": (self.half_life, self.half_life_lower, self.half_life_upper),
            "r_squared": (self.r_squared, NAN, NAN),
        }

    def summary(self) -> str:
        """A short text report in the style of statsmodels summaries."""
        return "\n".join(
            [
                f"Beta convergence: {self.method}",
                f"  period {self.default_period()}; areas n = {self.n}; R^2 = {self.r_squared:.4f}",
                f"  beta {self.estimate:.6g} (se {self.se:.4g}, p = {self.p_value:.4g}) "
                f"95% CI [{self.lower:.6g}, {self.upper:.6g}]",
                f"  speed lambda {self.speed:.4g}/yr [{self.speed_lower:.4g}, "
                f"{self.speed_upper:.4g}]; half-life {self.half_life:.4g} yrs "
                f"[{self.half_life_lower:.4g}, {self.half_life_upper:.4g}]",
                f"  verdict: {self.verdict}",
            ]
        )


def _speed(beta: float, horizon: float) -> float:
    """lambda = -ln(1 + beta T) / T (NaN when 1 + beta T <= 0)."""
    return -math.log1p(beta * horizon) / horizon if 1 + beta * horizon > 0 else NAN


def _half_life(speed: float) -> float:
    return math.log(2) / speed if speed > 0 else NAN


def speed_note(verdict: str, n_periods: int, span: float) -> str:
    """Why a speed / half-life is not reported ("" when it is): evidence rule 2."""
    if verdict != BETA_CONVERGENCE:
        return SPEED_NOT_SIGNIFICANT
    if n_periods < MIN_PERIODS_SPEED:
        return SPEED_TOO_FEW_PERIODS
    if not span >= MIN_YEARS_SPEED - 0.01:
        return SPEED_TOO_SHORT
    return ""


def _beta_result(
    *, beta, se, interval, p_value, n, r_squared, horizon, method, start, end, n_periods
) -> BetaConvergenceResult:
    lower, upper = interval
    verdict = (
        INSUFFICIENT
        if n < MIN_AREAS_BETA
        else BETA_CONVERGENCE
        if upper < 0
        else BETA_DIVERGENCE
        if lower > 0
        else NO_RELATIONSHIP
    )
    note = speed_note(verdict, n_periods, end - start)
    if note:
        speed = speed_lower = speed_upper = NAN
    else:
        speed = _speed(beta, horizon)
        speed_lower, speed_upper = _speed(upper, horizon), _speed(lower, horizon)
    return BetaConvergenceResult(
        statistic="beta",
        estimate=beta,
        lower=lower,
        upper=upper,
        se=se,
        p_value=p_value,
        speed=speed,
        speed_lower=speed_lower,
        speed_upper=speed_upper,
        half_life=_half_life(speed),
        half_life_lower=_half_life(speed_upper),
        half_life_upper=_half_life(speed_lower),
        horizon=horizon,
        r_squared=r_squared,
        verdict=verdict,
        n_periods=n_periods,
        speed_note=note,
        n=n,
        method=method,
        time_start=start,
        time_end=end,
    )


def beta_convergence(
    panel: pd.DataFrame, start: float, end: float, *, cov_type: str = "HC3", alpha: float = ALPHA
) -> BetaConvergenceResult:
    """Cross-section (absolute) beta convergence between two periods.

    g_i = [ln y_i(end) - ln y_i(start)] / T = a + beta ln y_i(start) + u_i, T = end - start, over
    areas with positive values in both periods; heteroskedasticity-robust errors (``"HC3"``,
    recommended for small cross-sections by Long & Ervin 2000, or ``"HC1"``). Speed of
    convergence lambda = -ln(1 + beta T) / T, half-life ln 2 / lambda; their intervals map the
    ends of the beta interval, reported only under evidence rule 2 (significant convergence on
    at least :data:`MIN_PERIODS_SPEED` observed periods -- of the panel, from ``start`` to
    ``end`` -- spanning at least :data:`MIN_YEARS_SPEED` years; else NaN with ``speed_note``).
    Verdict "insufficient data" below :data:`MIN_AREAS_BETA` areas.

    References: Barro, R. J. & Sala-i-Martin, X. (1992) J. Political Economy 100(2), 223-251;
    Long, J. S. & Ervin, L. H. (2000) American Statistician 54(3), 217-224.
    """
    y0, y1 = (v["value"] for v in _paired_values(panel, start, end))
    observed = panel.loc[panel["value"].notna(), "time"].to_numpy(float)
    window = observed[(observed >= start - 1e-6) & (observed <= end + 1e-6)]
    n_periods = len(np.unique(np.round(window, 6)))
    positive = (y0 > 0) & (y1 > 0)
    y0, y1 = y0[positive], y1[positive]
    horizon = float(end - start)
    method = f"cross-section OLS of annualised log growth on log initial level, {cov_type} SE"
    if len(y0) < 3 or horizon <= 0:
        return BetaConvergenceResult(
            statistic="beta",
            estimate=NAN,
            n=len(y0),
            method=method,
            horizon=horizon,
            time_start=start,
            time_end=end,
            n_periods=n_periods,
            speed_note=SPEED_TOO_FEW_PERIODS,
        )
    x = np.log(y0)
    g = (np.log(y1) - x) / horizon
    fit = ols(np.column_stack([np.ones_like(x), x]), g, cov_type=cov_type)
    return _beta_result(
        beta=float(fit.params[1]),
        se=float(fit.se[1]),
        interval=fit.interval(1, alpha),
        p_value=fit.p_value(1),
        n=fit.n,
        r_squared=fit.r_squared,
        horizon=horizon,
        method=method,
        start=start,
        end=end,
        n_periods=n_periods,
    )


def panel_beta_convergence(panel: pd.DataFrame, *, alpha: float = ALPHA) -> BetaConvergenceResult:
    """Panel beta convergence with period fixed effects and area-clustered errors.

    For consecutive observations of each area, g_it = [ln y_it - ln y_i,s] / (t - s) =
    beta ln y_i,s + mu_t + u_it (mu_t: fixed effect of the later period), estimated by within-
    period demeaning; standard errors clustered by area (Arellano 1987), t(G - 1) inference.
    lambda uses the median spacing between observations. Without area effects this is the
    "pooled" panel variant, comparable to the cross-section estimate (Nickell bias would affect an
    area fixed-effects version with short panels).

    Reference: Islam, N. (1995) QJE 110(4), 1127-1170; Arellano, M. (1987) Oxford Bulletin of
    Economics and Statistics 49(4), 431-434.
    """
    f = panel[["area_code", "time", "value"]].dropna()
    f = f[f["value"] > 0].sort_values(["area_code", "time"], kind="stable")
    prev = f.groupby("area_code", sort=False)[["time", "value"]].shift(1)
    pairs = f.assign(t0=prev["time"], y0=prev["value"]).dropna(subset=["t0"])
    dt = (pairs["time"] - pairs["t0"]).to_numpy(float)
    x = np.log(pairs["y0"].to_numpy(float))
    g = (np.log(pairs["value"].to_numpy(float)) - x) / dt
    period = pairs["time"].to_numpy(float)
    method = (
        "pooled panel OLS of annualised log growth on lagged log level, period fixed "
        "effects, SE clustered by area"
    )
    time_start = float(f["time"].min()) if len(f) else NAN
    time_end = float(f["time"].max()) if len(f) else NAN
    n_areas = pairs["area_code"].nunique()
    n_times = f["time"].nunique()
    if n_areas < 3:
        return BetaConvergenceResult(
            statistic="beta",
            estimate=NAN,
            n=n_areas,
            method=method,
            time_start=time_start,
            time_end=time_end,
            n_periods=n_times,
            speed_note=SPEED_TOO_FEW_PERIODS,
        )
    frame = pd.DataFrame({"x": x, "g": g, "p": period})
    demeaned = frame[["x", "g"]] - frame.groupby("p")[["x", "g"]].transform("mean")
    n_periods = frame["p"].nunique()
    fit = ols(
        demeaned[["x"]].to_numpy(),
        demeaned["g"].to_numpy(),
        cov_type="cluster",
        groups=pairs["area_code"].to_numpy(),
        absorbed=n_periods,
    )
    return _beta_result(
        beta=float(fit.params[0]),
        se=float(fit.se[0]),
        interval=fit.interval(0, alpha),
        p_value=fit.p_value(0),
        n=n_areas,
        r_squared=fit.r_squared,
        horizon=float(np.median(dt)),
        method=method,
        start=time_start,
        end=time_end,
        n_periods=n_times,
    )
