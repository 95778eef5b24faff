"""Per-SKU daily demand forecasting (Numba kernels).

Models, ranked per SKU by a rolling-origin backtest:

======== ==============================================================
code     model
======== ==============================================================
snaive   seasonal naive: the last 7 days repeated
dow      mean of the last 12 weeks per day of week
croston  Croston's method (sizes and intervals smoothed separately)
sba      Syntetos-Boylan approximation (Croston times ``1 - alpha/2``)
tsb      Teunter-Syntetos-Babai (smoothed probability and size)
ses      simple exponential smoothing (flat forecast)
hw       exponential smoothing with an additive weekly season
tsbw     TSB times a weekly profile (intermittent demand with a weekday shape)
hwm      exponential smoothing with a multiplicative weekly season
hwd      additive damped trend with an additive weekly season (Holt-Winters)
hwy      hw plus a yearly harmonic ``a sin(wt) + b cos(wt)``, w = 2 pi / 365.25
hwdy     hwd plus the yearly harmonic
======== ==============================================================

The additive models (ses, hw, hwd, hwy, hwdy) are additive-error
exponential smoothing: for fixed smoothing constants their one-step errors
are affine in the initial state (and in the harmonic's two coefficients), so
the state that minimises the in-sample one-step squared error is solved
exactly by least squares (:func:`_ets_fit`), and the constants are chosen on
a grid by the same error. The other models fit their constants on a grid by
one-step in-sample squared error with heuristic initial states.

The chosen models are the ones with the lowest mean squared error over
``origins`` backtest windows of ``horizon`` days at the end of the history
(the M5 RMSSE ranks models the same way per SKU, since its scale is per
SKU), and the forecast averages the best few. The weekly-season smoothing
models and ses fit all the backtest prefixes of a series in one pass (the
others are cheap and refitted per window). The upper quantile ``q`` is the
point forecast plus the ``q``-quantile of the combination's backtest errors
at that SKU, floored at zero; the reorder point covers the mean demand over
the lead time plus safety stock ``z * sigma * sqrt(L)`` with ``sigma`` the
backtest error spread.

Demand arrays are ``float64`` ``(n_skus, n_days)``; each SKU's history starts at
its own ``start`` index (days before it are ignored, not taken as zeros).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

__all__ = ["MODELS", "ForecastResult", "forecast_demand", "model_forecasts", "reorder_point"]

MODELS: tuple[str, ...] = ("snaive", "dow", "croston", "sba", "tsb", "ses", "hw", "tsbw", "hwm", "hwd", "hwy", "hwdy")
_N_MODELS = len(MODELS)
_SEASON = 7
_MIN_HISTORY = 2 * _SEASON  # days of own history a backtest window needs

_ALPHAS = np.array([0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3], dtype=np.float64)
_GAMMAS = np.array([0.005, 0.02, 0.05, 0.1, 0.2], dtype=np.float64)
# grids of the exactly-initialised additive models (ses, hw, hwd); 0 keeps a
# component fixed at its fitted initial value (alpha = 0: the history's mean)
_SES_ALPHAS = np.array([0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3], dtype=np.float64)
_HW_ALPHAS = np.array([0.0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2], dtype=np.float64)
_HW_GAMMAS = np.array([0.0, 0.002, 0.01, 0.03, 0.1], dtype=np.float64)
_HWD_ALPHAS = np.array([0.005, 0.01, 0.02, 0.05, 0.1, 0.2], dtype=np.float64)
_HWD_BETAS = np.array([0.001], dtype=np.float64)
_HWD_GAMMAS = np.array([0.0, 0.005, 0.03], dtype=np.float64)
_PHIS = np.array([0.8, 0.95], dtype=np.float64)
_NO_BETA = np.zeros(1, dtype=np.float64)
_NO_GAMMA = np.zeros(1, dtype=np.float64)
_NO_PHI = np.ones(1, dtype=np.float64)
# model index -> kind of the exactly-initialised additive model (-1: other)
_ETS_KIND = np.array([-1, -1, -1, -1, -1, 0, 1, -1, -1, 2, 3, 4], dtype=np.int64)
_HWM = 8  # index of hwm, which fits every prefix in one pass too
_YEAR_W = 2.0 * math.pi / 365.25  # the yearly harmonic's angular frequency, radians a day
_YEAR_MIN = 365  # days of history before hwy fits the yearly harmonic (hw before)


# --------------------------------------------------------------------------- kernels
@njit(cache=True)
def _ses_fit(y, alpha):
    """SES over y: returns (final level, one-step SSE)."""
    level = y[0]
    sse = 0.0
    for t in range(1, y.shape[0]):
        e = y[t] - level
        sse += e * e
        level += alpha * e
    return level, sse


@njit(cache=True)
def _croston_fit(y, alpha, kind):
    """Croston family. kind 0 = Croston, 1 = SBA, 2 = TSB.

    Returns (forecast per day, one-step SSE)."""
    n = y.shape[0]
    first = -1
    for t in range(n):
        if y[t] > 0:
            first = t
            break
    if first < 0:
        return 0.0, 0.0
    if kind == 2:
        # TSB: probability p and size z, both updated every period.
        p = 0.0
        cnt = 0.0
        for t in range(n):
            if y[t] > 0:
                cnt += 1.0
        p = cnt / n
        z = y[first]
        sse = 0.0
        beta = alpha  # one constant for both, as in a single-parameter grid
        for t in range(n):
            f = p * z
            e = y[t] - f
            if t > first:
                sse += e * e
            if y[t] > 0:
                p += beta * (1.0 - p)
                z += alpha * (y[t] - z)
            else:
                p += beta * (0.0 - p)
        return p * z, sse
    z = y[first]
    x = float(first + 1)  # interval to the first demand
    q = 1
    sse = 0.0
    for t in range(first + 1, n):
        f = z / x
        if kind == 1:
            f *= 1.0 - alpha / 2.0
        e = y[t] - f
        sse += e * e
        if y[t] > 0:
            z += alpha * (y[t] - z)
            x += alpha * (q - x)
            q = 1
        else:
            q += 1
    f = z / x
    if kind == 1:
        f *= 1.0 - alpha / 2.0
    return f, sse


@njit(cache=True)
def _hwm_grid(y, cuts, horizon, out):
    """Multiplicative weekly-season smoothing (indices floored at 0.05) from
    every prefix ``y[:cuts[i]]`` into ``out[i, :horizon]``, constants chosen per
    prefix on the grid by one-step squared error (from the second week). The
    level and season start from the first ``min(cuts[0] // 7, 12)`` weeks, the
    same for every cut passed (the caller groups them), so one pass per grid
    point fits every prefix; a prefix under a week keeps a neutral season."""
    m = cuts.shape[0]
    best = np.full(m, np.inf)
    best_lvl = np.zeros(m)
    best_seas = np.ones((m, _SEASON))
    init = min(cuts[0] // _SEASON, 12)
    seasonal = np.empty(_SEASON)
    if cuts[0] == 0:
        best_lvl[:] = 0.0
    elif init < 1:
        best_lvl[0] = _ses_fit(y[:cuts[0]], _ALPHAS[0])[0]
    else:
        for alpha in _ALPHAS:
            for gamma in _GAMMAS:
                level = 0.0
                for t in range(init * _SEASON):
                    level += y[t]
                level /= init * _SEASON
                seasonal[:] = 0.0
                for t in range(init * _SEASON):
                    seasonal[t % _SEASON] += y[t] / init
                for i in range(_SEASON):
                    seasonal[i] = seasonal[i] / level if level > 0 else 1.0
                    if seasonal[i] < 0.05:
                        seasonal[i] = 0.05
                sse = 0.0
                ci = 0
                for t in range(cuts[m - 1]):
                    s = seasonal[t % _SEASON]
                    e = y[t] - level * s
                    if t >= _SEASON:
                        sse += e * e
                    level += alpha * (y[t] / s - level)
                    if level > 0:
                        ns = s + gamma * (y[t] / level - s)
                        seasonal[t % _SEASON] = ns if ns > 0.05 else 0.05
                    while ci < m and cuts[ci] == t + 1:
                        if sse < best[ci]:
                            best[ci] = sse
                            best_lvl[ci] = level
                            best_seas[ci, :] = seasonal
                        ci += 1
    for i in range(m):
        for h in range(horizon):
            v = best_lvl[i] * best_seas[i, (cuts[i] + h) % _SEASON]
            out[i, h] = v if v > 0.0 else 0.0


@njit(cache=True)
def _hwm_forecasts(y, cuts, horizon, out):
    """:func:`_hwm_grid` for every prefix: each cut under 12 weeks on its own
    (its initial weeks differ), the longer ones in one pass."""
    i = 0
    n_cuts = cuts.shape[0]
    while i < n_cuts:
        j = i + 1 if cuts[i] < 12 * _SEASON else n_cuts
        _hwm_grid(y, cuts[i:j], horizon, out[i:j])
        i = j


@njit(cache=True)
def _solve_spd(a, b, x):
    """Solve ``a x = b`` for a symmetric positive semi-definite ``a`` (p x p)
    by Cholesky with a tiny ridge (the ridge picks the smallest-norm solution
    direction when ``a`` is singular). ``a`` is overwritten."""
    p = a.shape[0]
    tr = 0.0
    for i in range(p):
        tr += a[i, i]
    ridge = 1e-10 * (tr / p) + 1e-12
    for i in range(p):
        a[i, i] += ridge
    for j in range(p):  # a = L L^T, L kept in the lower triangle
        d = a[j, j]
        for k in range(j):
            d -= a[j, k] * a[j, k]
        d = math.sqrt(d) if d > 0.0 else 1e-150
        a[j, j] = d
        for i in range(j + 1, p):
            v = a[i, j]
            for k in range(j):
                v -= a[i, k] * a[j, k]
            a[i, j] = v / d
    for i in range(p):  # L z = b
        v = b[i]
        for k in range(i):
            v -= a[i, k] * x[k]
        x[i] = v / a[i, i]
    for i in range(p - 1, -1, -1):  # L^T x = z
        v = x[i]
        for k in range(i + 1, p):
            v -= a[k, i] * x[k]
        x[i] = v / a[i, i]


@njit(cache=True)
def _ets_fit(y, alpha, beta, gamma, phi, kind, cuts, sse, states):
    """Additive-error exponential smoothing with its initial state fitted exactly,
    on every prefix ``y[:cuts[i]]`` in one pass (``cuts`` ascending).

    ``kind`` 0: level only (simple exponential smoothing); 1: level and an
    additive weekly season; 2: level, damped trend (``phi``) and the season;
    3 and 4: kinds 1 and 2 around a yearly harmonic ``a sin(wt) + b cos(wt)``
    (``t`` the day index in ``y``), i.e. smoothing ``y - harmonic``.
    For fixed constants the one-step errors are affine in the initial state
    and in ``(a, b)``, so the ones minimising the in-sample one-step squared
    error are a linear least-squares solution: the model is run on ``y`` from
    a zero state and, alongside, on a zero input from each unit initial
    component (level, trend, six free season indices; the seventh makes the
    season sum to zero) and on the inputs ``-sin(wt)``, ``-cos(wt)`` from a
    zero state; the cross products of those error series are the normal
    equations, and the fitted final state is the same combination of the
    runs' final states. Every prefix's fit only needs the sums up to its end,
    so one pass serves all the backtest origins.

    ``sse[i]`` receives the minimum sum of squared one-step errors over
    ``y[:cuts[i]]`` and ``states[i]`` (11) that fit's final (level, trend,
    s_0..s_6, a, b), ``s_k`` the season of days ``t % 7 == k``.
    """
    p = (1, 7, 8, 9, 10)[kind]
    yearly = kind >= 3
    n_states = p - 2 if yearly else p  # columns from an initial state; then the harmonic's two
    r = p + 1
    x = np.zeros((r, 9))
    for j in range(n_states):
        if j == 0:
            x[j, 0] = 1.0
        elif (kind == 2 or kind == 4) and j == 1:
            x[j, 1] = 1.0
        else:
            k = j - (2 if (kind == 2 or kind == 4) else 1)
            x[j, 2 + k] = 1.0
            x[j, 8] = -1.0
    g = np.zeros((r, r))
    e = np.empty(r)
    a = np.empty((p, p))
    b = np.empty(p)
    c = np.empty(p)
    ci = 0
    n_cuts = cuts.shape[0]
    while ci < n_cuts and cuts[ci] <= 0:
        sse[ci] = 0.0
        states[ci, :] = 0.0
        ci += 1
    sn = 0.0
    cs = 0.0
    for t in range(cuts[n_cuts - 1] if n_cuts > 0 else 0):
        k = 2 + t % _SEASON
        if yearly:
            wt = _YEAR_W * t
            sn = math.sin(wt)
            cs = math.cos(wt)
        for i in range(r):
            if i == p:
                u = y[t]
            elif yearly and i == p - 2:
                u = -sn
            elif yearly and i == p - 1:
                u = -cs
            else:
                u = 0.0
            err = u - (x[i, 0] + phi * x[i, 1] + x[i, k])
            e[i] = err
            x[i, 0] += phi * x[i, 1] + alpha * err
            x[i, 1] = phi * x[i, 1] + beta * err
            x[i, k] += gamma * err
        for i in range(r):
            ei = e[i]
            for j in range(i, r):
                g[i, j] += ei * e[j]
        while ci < n_cuts and cuts[ci] == t + 1:
            for i in range(p):
                b[i] = -g[i, p]
                for j in range(p):
                    a[i, j] = g[i, j] if i <= j else g[j, i]
            _solve_spd(a, b, c)
            v = g[p, p]
            for i in range(p):
                v -= c[i] * b[i]
            sse[ci] = v if v > 0.0 else 0.0
            for m in range(9):
                v = x[p, m]
                for j in range(p):
                    v += c[j] * x[j, m]
                states[ci, m] = v
            states[ci, 9] = c[p - 2] if yearly else 0.0
            states[ci, 10] = c[p - 1] if yearly else 0.0
            ci += 1


@njit(cache=True)
def _ets_grid(y, kind, cuts, horizon, out):
    """Point forecasts of one exactly-initialised additive model (see
    :func:`_ets_fit`) from every prefix ``y[:cuts[i]]`` into ``out[i, :horizon]``,
    the smoothing constants chosen per prefix on the model's grid by the
    in-sample one-step squared error."""
    if kind == 0:
        alphas, betas, gammas, phis = _SES_ALPHAS, _NO_BETA, _NO_GAMMA, _NO_PHI
    elif kind == 1 or kind == 3:
        alphas, betas, gammas, phis = _HW_ALPHAS, _NO_BETA, _HW_GAMMAS, _NO_PHI
    else:
        alphas, betas, gammas, phis = _HWD_ALPHAS, _HWD_BETAS, _HWD_GAMMAS, _PHIS
    m = cuts.shape[0]
    sse = np.empty(m)
    states = np.empty((m, 11))
    best = np.full(m, np.inf)
    best_states = np.zeros((m, 11))
    best_phi = np.ones(m)
    for al in alphas:
        for ga in gammas:
            for be in betas:
                for ph in phis:
                    _ets_fit(y, al, be, ga, ph, kind, cuts, sse, states)
                    for i in range(m):
                        if sse[i] < best[i]:
                            best[i] = sse[i]
                            best_states[i, :] = states[i, :]
                            best_phi[i] = ph
    for i in range(m):
        damp = 0.0
        pk = 1.0
        for h in range(horizon):
            pk *= best_phi[i]
            damp += pk
            v = best_states[i, 0] + damp * best_states[i, 1] + best_states[i, 2 + (cuts[i] + h) % _SEASON]
            if kind >= 3:
                wt = _YEAR_W * (cuts[i] + h)
                v += best_states[i, 9] * math.sin(wt) + best_states[i, 10] * math.cos(wt)
            out[i, h] = v if v > 0.0 else 0.0


@njit(cache=True)
def _ets_forecasts(y, kind, cuts, horizon, out):
    """:func:`_ets_grid` for every prefix, where a prefix shorter than two
    weeks uses the level-only model (too short to fit a season)."""
    lo = 0
    if kind > 0:
        while lo < cuts.shape[0] and cuts[lo] < 2 * _SEASON:
            lo += 1
        if lo > 0:
            _ets_grid(y, 0, cuts[:lo], horizon, out[:lo])
    mid = lo
    if kind >= 3:
        while mid < cuts.shape[0] and cuts[mid] < _YEAR_MIN:
            mid += 1
        if mid > lo:
            _ets_grid(y, kind - 2, cuts[lo:mid], horizon, out[lo:mid])
    if mid < cuts.shape[0]:
        _ets_grid(y, kind, cuts[mid:], horizon, out[mid:])


@njit(cache=True)
def _forecast_one(y, model, horizon, out):
    """Point forecast of one model for one history ``y`` into ``out[:horizon]``.

    The day index of ``out[h]`` is ``len(y) + h``; weekly models align on
    ``day % 7`` counted from the start of ``y``."""
    n = y.shape[0]
    if n == 0:
        for h in range(horizon):
            out[h] = 0.0
        return
    if model == 0:  # snaive
        for h in range(horizon):
            k = n - _SEASON + (h % _SEASON)
            out[h] = y[k] if k >= 0 else y[n - 1]
        return
    if model == 1:  # dow: mean of the last 12 weeks per weekday
        sums = np.zeros(_SEASON)
        cnts = np.zeros(_SEASON)
        lo = max(0, n - 12 * _SEASON)
        for t in range(lo, n):
            sums[t % _SEASON] += y[t]
            cnts[t % _SEASON] += 1.0
        for h in range(horizon):
            d = (n + h) % _SEASON
            out[h] = sums[d] / cnts[d] if cnts[d] > 0 else 0.0
        return
    if model == 2 or model == 3 or model == 4:
        best = 1e300
        f = 0.0
        for a in _ALPHAS:
            fa, sse = _croston_fit(y, a, model - 2)
            if sse < best:
                best = sse
                f = fa
        for h in range(horizon):
            out[h] = f
        return
    # model 7: tsbw = tsb level x weekday profile of the last 12 weeks
    best = 1e300
    f = 0.0
    for a in _ALPHAS:
        fa, sse = _croston_fit(y, a, 2)
        if sse < best:
            best = sse
            f = fa
    sums = np.zeros(_SEASON)
    lo = max(0, n - 12 * _SEASON)
    total = 0.0
    for t in range(lo, n):
        sums[t % _SEASON] += y[t]
        total += y[t]
    for h in range(horizon):
        d = (n + h) % _SEASON
        prof = sums[d] * _SEASON / total if total > 0 else 1.0
        out[h] = f * prof


@njit(cache=True, parallel=True)
def _fit_all(y, starts, horizon, origins, allowed, each, errors):
    """Every allowed model on every SKU: ``each[s, m, h]`` the forecast from the
    whole history, ``errors[s, m, o*horizon + h]`` = actual - forecast for
    backtest window ``o`` (refitted on the history before it). The additive
    smoothing models fit all their prefixes in one pass."""
    n_skus = y.shape[0]
    n = y.shape[1]
    for s in prange(n_skus):
        st = starts[s]
        hist = y[s, st:]
        buf = np.empty(horizon)
        cuts = np.empty(origins + 1, dtype=np.int64)
        for o in range(origins):
            cuts[o] = max(n - (origins - o) * horizon - st, 0)
        cuts[origins] = n - st
        res = np.empty((origins + 1, horizon))
        for m in range(_N_MODELS):
            if not allowed[m]:
                continue
            if _ETS_KIND[m] >= 0:
                _ets_forecasts(hist, _ETS_KIND[m], cuts, horizon, res)
            elif m == _HWM:
                _hwm_forecasts(hist, cuts, horizon, res)
            else:
                for o in range(origins + 1):
                    _forecast_one(hist[:cuts[o]], m, horizon, buf)
                    res[o, :] = buf
            each[s, m, :] = res[origins]
            for o in range(origins):
                cut = n - (origins - o) * horizon
                for h in range(horizon):
                    errors[s, m, o * horizon + h] = y[s, cut + h] - res[o, h]


# --------------------------------------------------------------------------- API
@dataclass(frozen=True)
class ForecastResult:
    """Forecasts for many SKUs. Arrays are indexed by SKU row.

    ``model[s]`` is the chosen model's name, ``mean[s, h]`` and ``q[s, h]`` the
    point forecast and the upper quantile for day ``h`` of the horizon (day 0 is
    the day after the history), ``sigma[s]`` the backtest error spread (units
    per day) and ``backtest_mse[s, m]`` each model's backtest error.
    """

    model: tuple[str, ...]
    mean: np.ndarray
    q: np.ndarray
    quantile: float
    sigma: np.ndarray
    backtest_mse: np.ndarray


def _prep(demand, starts):
    y = np.ascontiguousarray(np.asarray(demand, dtype=np.float64))
    if y.ndim != 2:
        raise ValueError(f"demand must be 2-D (skus, days), got shape {y.shape}")
    if np.isnan(y).any() or (y < 0).any():
        raise ValueError("demand must be non-negative numbers (no NaN)")
    st = np.zeros(y.shape[0], dtype=np.int64) if starts is None else np.asarray(starts, dtype=np.int64)
    if st.shape != (y.shape[0],) or (st < 0).any() or (st >= max(y.shape[1], 1)).any():
        raise ValueError("starts must give one index per SKU inside the history")
    return y, st


def model_forecasts(demand, *, horizon: int, starts=None) -> np.ndarray:
    """Every model's point forecast: ``(n_skus, len(MODELS), horizon)``."""
    y, st = _prep(demand, starts)
    out = np.empty((y.shape[0], _N_MODELS, horizon))
    errors = np.empty((y.shape[0], _N_MODELS, 0))
    _fit_all(y, st, int(horizon), 0, np.ones(_N_MODELS, dtype=np.bool_), out, errors)
    return out


def forecast_demand(demand, *, horizon: int = 28, starts=None, origins: int = 16, combine: int = 3,
                    quantile: float = 0.9, models: tuple[str, ...] | None = None) -> ForecastResult:
    """Forecast daily demand for every SKU row of ``demand``.

    Every model is backtested per SKU on ``origins`` consecutive windows of
    ``horizon`` days at the end of the history (a window counts for a SKU
    when at least two weeks of its own history precede it); the forecast is the mean of the
    ``combine`` models with the lowest backtest mean squared error (``combine=1``
    picks the single best). Combining a few well-ranked models is steadier than
    picking one: the backtest ranks are noisy on short or intermittent series.

    Parameters
    ----------
    demand: ``(n_skus, n_days)`` non-negative daily demand.
    horizon: days to forecast (>= 1).
    starts: optional per-SKU index of the first day of its history.
    origins: backtest windows (fewer are used when the history is short; SKUs
        whose own history is too short for any window use ``tsb``). More
        windows rank the models more steadily; the smoothing models fit all
        of them in one pass over the series, so they are cheap.
    combine: how many of the best-ranked models to average (>= 1).
    quantile: the upper quantile to report (0.5 < q < 1).
    models: restrict the choice to these model names (default: all).

    Returns a :class:`ForecastResult`; ``model[s]`` names the combined models
    joined by ``+`` (best first).
    """
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 day, got {horizon}")
    if combine < 1:
        raise ValueError(f"combine must be at least 1, got {combine}")
    if not 0.5 < quantile < 1.0:
        raise ValueError(f"quantile must be between 0.5 and 1, got {quantile}")
    y, st = _prep(demand, starts)
    n_skus, n = y.shape
    allowed = np.ones(_N_MODELS, dtype=bool)
    if models is not None:
        unknown = set(models) - set(MODELS)
        if unknown:
            raise ValueError(f"unknown model(s) {sorted(unknown)}; known: {', '.join(MODELS)}")
        allowed[:] = [m in models for m in MODELS]
    combine = min(combine, int(allowed.sum()))
    origins = max(0, min(origins, (n - 2 * _SEASON) // horizon))
    each = np.zeros((n_skus, _N_MODELS, horizon))
    errors = np.zeros((n_skus, _N_MODELS, max(origins, 1) * horizon))
    _fit_all(y, st, int(horizon), int(origins), allowed, each, errors)
    # a window counts for a SKU when its own history before the window is at
    # least _MIN_HISTORY days; a SKU with no such window falls back to tsb
    cuts = n - (origins - np.arange(origins)) * horizon
    valid = (cuts[None, :] - st[:, None]) >= _MIN_HISTORY  # (n_skus, origins)
    short = ~valid.any(axis=1)
    w = np.repeat(valid, horizon, axis=1) if origins > 0 else np.zeros((n_skus, 1), dtype=bool)
    counts = np.maximum(w.sum(axis=1), 1)
    mse = (errors ** 2 * w[:, None, :]).sum(axis=2) / counts[:, None]
    ranked = np.argsort(np.where(allowed[None, :], mse, np.inf), axis=1, kind="stable")[:, :combine]
    fallback = MODELS.index("tsb") if allowed[MODELS.index("tsb")] else int(np.flatnonzero(allowed)[0])
    ranked[short] = fallback
    mean = np.maximum(np.take_along_axis(each, ranked[:, :, None], axis=1).mean(axis=1), 0.0)
    err = np.take_along_axis(errors, ranked[:, :, None], axis=1).mean(axis=1)  # (n_skus, origins*horizon)
    err = np.where(w, err, np.nan)
    upper = np.zeros(n_skus)
    sigma = np.zeros(n_skus)
    if (~short).any():
        upper[~short] = np.nanquantile(err[~short], quantile, axis=1)
        sigma[~short] = np.nanstd(err[~short], axis=1)
    # short histories: a Poisson-like spread around the mean
    from statistics import NormalDist

    z = NormalDist().inv_cdf(quantile)
    sigma = np.where(short, np.sqrt(np.maximum(mean.mean(axis=1), 0.0)), sigma)
    upper = np.where(short, z * sigma, upper)
    q = np.maximum(mean + np.maximum(upper, 0.0)[:, None], mean)
    names = tuple("+".join(MODELS[m] for m in dict.fromkeys(row)) for row in ranked.tolist())
    return ForecastResult(names, mean, q, quantile, sigma, mse)


def reorder_point(mean_daily, sigma_daily, *, lead_time_days: float, service_level: float = 0.95) -> float:
    """Reorder point: expected demand over the lead time plus safety stock.

    ``mean_daily`` is the forecast demand per day over the lead time (a
    sequence, or one number), ``sigma_daily`` the spread of daily forecast
    error; safety stock is ``z(service_level) * sigma * sqrt(L)``.
    """
    from statistics import NormalDist

    if lead_time_days <= 0:
        raise ValueError(f"lead time must be positive, got {lead_time_days}")
    if not 0.5 <= service_level < 1.0:
        raise ValueError(f"service level must be in [0.5, 1), got {service_level}")
    m = np.atleast_1d(np.asarray(mean_daily, dtype=np.float64))
    whole = int(math.floor(lead_time_days))
    days = np.resize(m, max(whole + 1, 1))
    expected = float(days[:whole].sum() + days[whole] * (lead_time_days - whole))
    z = NormalDist().inv_cdf(service_level)
    return expected + z * float(sigma_daily) * math.sqrt(lead_time_days)
