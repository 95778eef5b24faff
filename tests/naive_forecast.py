"""Slow, obviously-correct twins of the forecasting kernels (one series at a time)."""

from __future__ import annotations

import math

import numpy as np

ALPHAS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3)
GAMMAS = (0.005, 0.02, 0.05, 0.1, 0.2)
SES_ALPHAS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
HW_ALPHAS = (0.0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
HW_GAMMAS = (0.0, 0.002, 0.01, 0.03, 0.1)
HWD_ALPHAS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
HWD_BETAS = (0.001,)
HWD_GAMMAS = (0.0, 0.005, 0.03)
HWD_PHIS = (0.8, 0.95)


YEAR_W = 2 * math.pi / 365.25


def _smooth(y, level, trend, season, alpha, beta, gamma, phi, yearly=(0.0, 0.0)):
    """Additive-error smoothing from the given initial state, around a fixed
    yearly harmonic ``a sin(wt) + b cos(wt)``: (one-step errors, final state)."""
    season = list(season)
    errors = []
    a, b = yearly
    for t, v in enumerate(y):
        v = v - a * math.sin(YEAR_W * t) - b * math.cos(YEAR_W * t)
        e = v - (level + phi * trend + season[t % 7])
        errors.append(e)
        level, trend = level + phi * trend + alpha * e, phi * trend + beta * e
        season[t % 7] += gamma * e
    return errors, (level, trend, season)


def _fit_initial_state(y, alpha, beta, gamma, phi, kind):
    """The initial state (level, trend, season summing to zero) with the least
    one-step squared error: the errors are affine in it, so build the design
    matrix column by column and solve by numpy's least squares."""
    def init(c):
        damped = kind in (2, 4)
        level = c[0]
        trend = c[1] if damped else 0.0
        free = list(c[2:8] if damped else c[1:7]) if kind > 0 else []
        season = free + [-sum(free)] if kind > 0 else [0.0] * 7
        yearly = (c[-2], c[-1]) if kind >= 3 else (0.0, 0.0)
        return level, trend, season, alpha, beta, gamma, phi, yearly

    p = {0: 1, 1: 7, 2: 8, 3: 9, 4: 10}[kind]
    base = np.array(_smooth(y, *init([0.0] * p))[0])
    cols = [np.array(_smooth(y, *init([1.0 if i == j else 0.0 for i in range(p)]))[0]) - base for j in range(p)]
    c = np.linalg.lstsq(np.array(cols).T, -base, rcond=None)[0]
    errors, final = _smooth(y, *init(list(c)))
    return sum(e * e for e in errors), (*final, (c[-2], c[-1]) if kind >= 3 else (0.0, 0.0))


def exact_smoothing(y: list[float], horizon: int, kind: int) -> list[float]:
    """ses (kind 0), hw (1), hwd (2), hwy (3: hw with a yearly harmonic) and
    hwdy (4: hwd with it): constants by grid, initial state (and harmonic) by
    least squares."""
    if kind >= 3 and len(y) < 365:
        kind -= 2
    if kind > 0 and len(y) < 14:
        kind = 0
    grid = {0: [(a, 0.0, 0.0, 1.0) for a in SES_ALPHAS],
            1: [(a, 0.0, g, 1.0) for a in HW_ALPHAS for g in HW_GAMMAS],
            3: [(a, 0.0, g, 1.0) for a in HW_ALPHAS for g in HW_GAMMAS],
            2: [(a, b, g, ph) for a in HWD_ALPHAS for g in HWD_GAMMAS for b in HWD_BETAS for ph in HWD_PHIS],
            4: [(a, b, g, ph) for a in HWD_ALPHAS for g in HWD_GAMMAS for b in HWD_BETAS for ph in HWD_PHIS]}[kind]
    best = None
    for a, b, g, ph in grid:
        sse, final = _fit_initial_state(y, a, b, g, ph, kind)
        if best is None or sse < best[0]:
            best = (sse, final, ph)
    _, (level, trend, season, (a, b)), phi = best
    n = len(y)
    return [max(level + sum(phi ** (i + 1) for i in range(h + 1)) * trend + season[(n + h) % 7]
                + a * math.sin(YEAR_W * (n + h)) + b * math.cos(YEAR_W * (n + h)), 0.0)
            for h in range(horizon)]


def ses(y: list[float], horizon: int = 1) -> list[float]:
    return exact_smoothing(y, horizon, 0)


def croston(y: list[float], variant: str) -> float:
    nz = [i for i, v in enumerate(y) if v > 0]
    if not nz:
        return 0.0
    first = nz[0]
    best = None
    for a in ALPHAS:
        if variant == "tsb":
            p = sum(1 for v in y if v > 0) / len(y)
            z = y[first]
            sse = 0.0
            for t, v in enumerate(y):
                if t > first:
                    sse += (v - p * z) ** 2
                if v > 0:
                    p = p + a * (1 - p)
                    z = z + a * (v - z)
                else:
                    p = p - a * p
            f = p * z
        else:
            factor = (1 - a / 2) if variant == "sba" else 1.0
            z, x, q, sse = y[first], first + 1.0, 1, 0.0
            for v in y[first + 1:]:
                sse += (v - factor * z / x) ** 2
                if v > 0:
                    z = z + a * (v - z)
                    x = x + a * (q - x)
                    q = 1
                else:
                    q += 1
            f = factor * z / x
        if best is None or sse < best[0]:
            best = (sse, f)
    return best[1]


def seasonal_naive(y: list[float], horizon: int) -> list[float]:
    n = len(y)
    return [y[n - 7 + (h % 7)] if n >= 7 else y[-1] for h in range(horizon)]


def dow_mean(y: list[float], horizon: int) -> list[float]:
    n = len(y)
    lo = max(0, n - 84)
    out = []
    for h in range(horizon):
        d = (n + h) % 7
        vals = [y[t] for t in range(lo, n) if t % 7 == d]
        out.append(sum(vals) / len(vals) if vals else 0.0)
    return out


def holt_winters(y: list[float], horizon: int) -> list[float]:
    return exact_smoothing(y, horizon, 1)


def tsb_weekly(y: list[float], horizon: int) -> list[float]:
    level = croston(y, "tsb")
    n = len(y)
    lo = max(0, n - 84)
    sums = [0.0] * 7
    for t in range(lo, n):
        sums[t % 7] += y[t]
    total = sum(sums)
    return [level * (sums[(n + h) % 7] * 7 / total if total > 0 else 1.0) for h in range(horizon)]


def holt_winters_multiplicative(y: list[float], horizon: int) -> list[float]:
    n = len(y)
    init = min(n // 7, 12)
    best = None
    for a in ALPHAS:
        for g in GAMMAS:
            level = sum(y[: init * 7]) / (init * 7)
            seas = [0.0] * 7
            for t in range(init * 7):
                seas[t % 7] += y[t] / init
            seas = [max(s / level, 0.05) if level > 0 else 1.0 for s in seas]
            sse = 0.0
            for t in range(n):
                s = seas[t % 7]
                e = y[t] - level * s
                if t >= 7:
                    sse += e * e
                level += a * (y[t] / s - level)
                if level > 0:
                    seas[t % 7] = max(s + g * (y[t] / level - s), 0.05)
            if best is None or sse < best[0]:
                best = (sse, level, list(seas))
    _, level, seas = best
    return [max(level * seas[(n + h) % 7], 0.0) for h in range(horizon)]


def holt_winters_damped(y: list[float], horizon: int) -> list[float]:
    return exact_smoothing(y, horizon, 2)


def holt_winters_yearly(y: list[float], horizon: int) -> list[float]:
    return exact_smoothing(y, horizon, 3)


def holt_winters_damped_yearly(y: list[float], horizon: int) -> list[float]:
    return exact_smoothing(y, horizon, 4)
