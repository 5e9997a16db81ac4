"""Small OLS engine with robust covariances (numpy), used by the convergence regressions.

Tested against statsmodels (``OLS(...).fit(cov_type=...)``) in ``tests/stats``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from levelup.stats.distributions import t_ppf, t_sf


@dataclass
class OLSFit:
    """An OLS fit with its covariance matrix and inference degrees of freedom."""

    params: np.ndarray
    cov: np.ndarray
    resid: np.ndarray
    n: int
    df: int
    r_squared: float

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    def interval(self, i: int, alpha: float) -> tuple[float, float]:
        """Two-sided 1 - alpha t interval for coefficient ``i``."""
        half = t_ppf(1 - alpha / 2, self.df) * self.se[i]
        return float(self.params[i] - half), float(self.params[i] + half)

    def p_value(self, i: int) -> float:
        """Two-sided t-test p-value of coefficient ``i`` = 0."""
        return float(2 * t_sf(abs(self.params[i] / self.se[i]), self.df))


def ols(
    X: np.ndarray,
    y: np.ndarray,
    cov_type: str = "HC1",
    groups: np.ndarray | None = None,
    absorbed: int = 0,
) -> OLSFit:
    """OLS of y on X with a robust covariance.

    cov_type:
        ``"nonrobust"``: s^2 (X'X)^-1.
        ``"HC0"``/``"HC1"``/``"HC3"``: White (1980) sandwich (X'X)^-1 X' diag(u_i^2 w_i) X (X'X)^-1
        with w = 1, n/(n-k), 1/(1-h_ii)^2 (MacKinnon & White 1985).
        ``"cluster"``: sum over clusters of (X_g'u_g)(X_g'u_g)', scaled by
        G/(G-1) (n-1)/(n-k) (Cameron & Miller 2015); inference with t(G-1).

    ``absorbed`` counts parameters swept out beforehand (e.g. fixed effects removed by
    within-demeaning), so that k and the residual degrees of freedom match the dummy regression.
    Inference uses t(n - k) except for clusters.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k_x = X.shape
    k = k_x + absorbed
    xtx_inv = np.linalg.pinv(X.T @ X)
    params = xtx_inv @ X.T @ y
    resid = y - X @ params
    df = n - k
    if cov_type == "nonrobust":
        cov = xtx_inv * (resid @ resid) / df
    elif cov_type in ("HC0", "HC1", "HC3"):
        u2 = resid**2
        if cov_type == "HC1":
            u2 = u2 * n / df
        elif cov_type == "HC3":
            leverage = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
            u2 = u2 / (1 - leverage) ** 2
        cov = xtx_inv @ (X.T * u2) @ X @ xtx_inv
    elif cov_type == "cluster":
        if groups is None:
            raise ValueError("cluster covariance needs groups")
        codes, g_count = np.unique(groups, return_inverse=True)[1], len(np.unique(groups))
        scores = np.zeros((g_count, k_x))
        np.add.at(scores, codes, X * resid[:, None])
        meat = scores.T @ scores * g_count / (g_count - 1) * (n - 1) / df
        cov = xtx_inv @ meat @ xtx_inv
        df = g_count - 1
    else:
        raise ValueError(f"unknown cov_type {cov_type!r}")
    centred = y - y.mean()
    return OLSFit(
        params=params,
        cov=cov,
        resid=resid,
        n=n,
        df=df,
        r_squared=float(1 - resid @ resid / (centred @ centred)) if centred.any() else np.nan,
    )
