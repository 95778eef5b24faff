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
======== ==============================================================

Smoothing constants are fitted per SKU and model on a small grid by one-step
in-sample squared error. The chosen model is the one with the lowest mean
squared error over ``origins`` backtest windows of ``horizon`` days at the end
of the history (the M5 RMSSE ranks models the same way per SKU, since its
scale is per SKU), and the forecast averages the best few. The upper quantile
``q`` is the point forecast plus the ``q``-quantile of the combination's
backtest errors at that SKU, floored at zero; the reorder point covers the mean demand over the lead time plus safety
stock ``z * sigma * sqrt(L)`` with ``sigma`` the backtest error spread.

Demand arrays are ``float64`` ``(n_skus, n_days)``; each SKU's history starts at
its own ``start`` index (days before it are ignored, not taken as zeros).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

__all__ = ["MODELS", "ForecastResult", "forecast_demand", "model_forecasts", "reorder_point"]

MODELS: tuple[str, ...] = ("snaive", "dow", "croston", "sba", "tsb", "ses", "hw", "tsbw", "hwm", "hwd")
_N_MODELS = len(MODELS)
_SEASON = 7

_ALPHAS = np.array([0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3], dtype=np.float64)
_GAMMAS = np.array([0.005, 0.02, 0.05, 0.1, 0.2], dtype=np.float64)
_BETAS = np.array([0.01], dtype=np.float64)
_PHIS = np.array([0.9, 0.98], dtype=np.float64)


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
def _hw_fit(y, alpha, gamma, seasonal):
    """Additive weekly-season smoothing. Fills ``seasonal`` (7) with the final
    indices aligned to y's day index; returns (level, sse)."""
    n = y.shape[0]
    weeks = n // _SEASON
    init = min(weeks, 12)
    if init < 1:
        return _ses_fit(y, alpha)[0], 0.0
    level = 0.0
    for t in range(init * _SEASON):
        level += y[t]
    level /= init * _SEASON
    for i in range(_SEASON):
        seasonal[i] = 0.0
    for t in range(init * _SEASON):
        seasonal[t % _SEASON] += (y[t] - level) / init
    sse = 0.0
    for t in range(n):
        s = seasonal[t % _SEASON]
        e = y[t] - (level + s)
        if t >= _SEASON:
            sse += e * e
        level += alpha * e
        seasonal[t % _SEASON] = s + gamma * e
    return level, sse


@njit(cache=True)
def _hwm_fit(y, alpha, gamma, seasonal):
    """Multiplicative weekly-season smoothing (indices floored at 0.05)."""
    n = y.shape[0]
    weeks = n // _SEASON
    init = min(weeks, 12)
    if init < 1:
        return _ses_fit(y, alpha)[0], 0.0
    level = 0.0
    for t in range(init * _SEASON):
        level += y[t]
    level /= init * _SEASON
    for i in range(_SEASON):
        seasonal[i] = 0.0
    for t in range(init * _SEASON):
        seasonal[t % _SEASON] += y[t] / init
    for i in range(_SEASON):
        seasonal[i] = seasonal[i] / level if level > 0 else 1.0
        if seasonal[i] < 0.05:
            seasonal[i] = 0.05
    sse = 0.0
    for t in range(n):
        s = seasonal[t % _SEASON]
        e = y[t] - level * s
        if t >= _SEASON:
            sse += e * e
        level += alpha * (y[t] / s - level)
        if level > 0:
            ns = s + gamma * (y[t] / level - s)
            seasonal[t % _SEASON] = ns if ns > 0.05 else 0.05
    return level, sse


@njit(cache=True)
def _hwd_fit(y, alpha, beta, gamma, phi, seasonal):
    """Damped additive trend + additive weekly season. Returns (level, trend, sse)."""
    n = y.shape[0]
    init = min(n // _SEASON, 4)
    if init < 2:
        return _ses_fit(y, alpha)[0], 0.0, 0.0
    level = 0.0
    for t in range(init * _SEASON):
        level += y[t]
    level /= init * _SEASON
    first = 0.0
    last = 0.0
    for t in range(_SEASON):
        first += y[t]
        last += y[(init - 1) * _SEASON + t]
    trend = (last - first) / (_SEASON * _SEASON * (init - 1))
    for i in range(_SEASON):
        seasonal[i] = 0.0
    for t in range(init * _SEASON):
        seasonal[t % _SEASON] += (y[t] - level) / init
    level -= trend * (init * _SEASON) / 2.0
    sse = 0.0
    for t in range(n):
        s = seasonal[t % _SEASON]
        f = level + phi * trend + s
        e = y[t] - f
        if t >= _SEASON:
            sse += e * e
        new_level = level + phi * trend + alpha * e
        trend = phi * trend + beta * e
        level = new_level
        seasonal[t % _SEASON] = s + gamma * e
    return level, trend, sse


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
    if model == 5:  # ses
        best = 1e300
        f = 0.0
        for a in _ALPHAS:
            fa, sse = _ses_fit(y, a)
            if sse < best:
                best = sse
                f = fa
        for h in range(horizon):
            out[h] = f
        return
    if model == 6 or model == 8:  # hw (additive season) or hwm (multiplicative season)
        mult = model == 8
        best = 1e300
        # a fit too short to set the season leaves it neutral: 0 added or 1 times
        seas = np.ones(_SEASON) if mult else np.zeros(_SEASON)
        best_seas = seas.copy()
        lvl = 0.0
        for a in _ALPHAS:
            for g in _GAMMAS:
                if mult:
                    la, sse = _hwm_fit(y, a, g, seas)
                else:
                    la, sse = _hw_fit(y, a, g, seas)
                if sse < best:
                    best = sse
                    lvl = la
                    best_seas[:] = seas
        for h in range(horizon):
            s = best_seas[(n + h) % _SEASON]
            v = lvl * s if mult else lvl + s
            out[h] = v if v > 0.0 else 0.0
        return
    if model == 9:  # hwd
        best = 1e300
        seas = np.zeros(_SEASON)
        best_seas = np.zeros(_SEASON)
        lvl = 0.0
        trd = 0.0
        ph = 0.9
        for a in _ALPHAS:
            for b in _BETAS:
                if b > a:
                    continue
                for g in _GAMMAS[1:3]:
                    for p in _PHIS:
                        la, ta, sse = _hwd_fit(y, a, b, g, p, seas)
                        if sse < best:
                            best = sse
                            lvl = la
                            trd = ta
                            ph = p
                            best_seas[:] = seas
        damp = 0.0
        pk = 1.0
        for h in range(horizon):
            pk *= ph
            damp += pk
            v = lvl + damp * trd + best_seas[(n + h) % _SEASON]
            out[h] = v if v > 0.0 else 0.0
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
def _backtest(y, starts, horizon, origins, allowed, errors):
    """errors[s, m, o*horizon + h] = actual - forecast for each origin window."""
    n_skus = y.shape[0]
    n = y.shape[1]
    for s in prange(n_skus):
        buf = np.empty(horizon)
        for o in range(origins):
            cut = n - (origins - o) * horizon
            hist = y[s, starts[s]:cut] if cut > starts[s] else y[s, 0:0]
            for m in range(_N_MODELS):
                if not allowed[m]:
                    continue
                _forecast_one(hist, m, horizon, buf)
                for h in range(horizon):
                    errors[s, m, o * horizon + h] = y[s, cut + h] - buf[h]


@njit(cache=True, parallel=True)
def _all_models(y, starts, horizon, allowed, out):
    for s in prange(y.shape[0]):
        hist = y[s, starts[s]:]
        buf = np.empty(horizon)
        for m in range(_N_MODELS):
            if not allowed[m]:
                continue
            _forecast_one(hist, m, horizon, buf)
            out[s, m, :] = buf


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
    _all_models(y, st, int(horizon), np.ones(_N_MODELS, dtype=np.bool_), out)
    return out


def forecast_demand(demand, *, horizon: int = 28, starts=None, origins: int = 8, combine: int = 3,
                    quantile: float = 0.9, models: tuple[str, ...] | None = None) -> ForecastResult:
    """Forecast daily demand for every SKU row of ``demand``.

    Every model is backtested per SKU on ``origins`` consecutive windows of
    ``horizon`` days at the end of the history; the forecast is the mean of the
    ``combine`` models with the lowest backtest mean squared error (``combine=1``
    picks the single best). Combining a few well-ranked models is steadier than
    picking one: the backtest ranks are noisy on short or intermittent series.

    Parameters
    ----------
    demand: ``(n_skus, n_days)`` non-negative daily demand.
    horizon: days to forecast (>= 1).
    starts: optional per-SKU index of the first day of its history.
    origins: backtest windows (fewer are used when the history is short; SKUs
        whose own history is too short for any window use ``tsb``).
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
    _all_models(y, st, int(horizon), allowed, each)
    errors = np.zeros((n_skus, _N_MODELS, max(origins, 1) * horizon))
    if origins > 0:
        _backtest(y, st, int(horizon), int(origins), allowed, errors)
        mse = (errors ** 2).mean(axis=2)
        short = (n - st) < (origins * horizon + 2 * _SEASON)
    else:
        mse = np.zeros((n_skus, _N_MODELS))
        short = np.ones(n_skus, dtype=bool)
    ranked = np.argsort(np.where(allowed[None, :], mse, np.inf), axis=1, kind="stable")[:, :combine]
    fallback = MODELS.index("tsb") if allowed[MODELS.index("tsb")] else int(np.flatnonzero(allowed)[0])
    ranked[short] = fallback
    mean = np.maximum(np.take_along_axis(each, ranked[:, :, None], axis=1).mean(axis=1), 0.0)
    err = np.take_along_axis(errors, ranked[:, :, None], axis=1).mean(axis=1)  # (n_skus, origins*horizon)
    if origins > 0:
        upper = np.quantile(err, quantile, axis=1)
        sigma = err.std(axis=1)
    else:
        upper = np.zeros(n_skus)
        sigma = np.zeros(n_skus)
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
