"""Slow, obviously-correct twins of the forecasting kernels (one series at a time)."""

from __future__ import annotations

ALPHAS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3)
GAMMAS = (0.005, 0.02, 0.05, 0.1, 0.2)
BETAS = (0.01,)
PHIS = (0.9, 0.98)


def ses(y: list[float]) -> float:
    best = None
    for a in ALPHAS:
        level, sse = y[0], 0.0
        for v in y[1:]:
            sse += (v - level) ** 2
            level = level + a * (v - level)
        if best is None or sse < best[0]:
            best = (sse, level)
    return best[1]


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
    n = len(y)
    init = min(n // 7, 12)
    best = None
    for a in ALPHAS:
        for g in GAMMAS:
            level = sum(y[: init * 7]) / (init * 7)
            seas = [0.0] * 7
            for t in range(init * 7):
                seas[t % 7] += (y[t] - level) / init
            sse = 0.0
            for t in range(n):
                s = seas[t % 7]
                e = y[t] - (level + s)
                if t >= 7:
                    sse += e * e
                level += a * e
                seas[t % 7] = s + g * e
            if best is None or sse < best[0]:
                best = (sse, level, list(seas))
    _, level, seas = best
    return [max(level + seas[(n + h) % 7], 0.0) for h in range(horizon)]


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
    n = len(y)
    init = min(n // 7, 4)
    best = None
    for a in ALPHAS:
        for b in BETAS:
            if b > a:
                continue
            for g in GAMMAS[1:3]:
                for phi in PHIS:
                    level = sum(y[: init * 7]) / (init * 7)
                    first = sum(y[:7])
                    last = sum(y[(init - 1) * 7: init * 7])
                    trend = (last - first) / (49 * (init - 1))
                    seas = [0.0] * 7
                    for t in range(init * 7):
                        seas[t % 7] += (y[t] - level) / init
                    level -= trend * init * 7 / 2
                    sse = 0.0
                    for t in range(n):
                        s = seas[t % 7]
                        e = y[t] - (level + phi * trend + s)
                        if t >= 7:
                            sse += e * e
                        level, trend = level + phi * trend + a * e, phi * trend + b * e
                        seas[t % 7] = s + g * e
                    if best is None or sse < best[0]:
                        best = (sse, level, trend, phi, list(seas))
    _, level, trend, phi, seas = best
    out, damp = [], 0.0
    for h in range(horizon):
        damp += phi ** (h + 1)
        out.append(max(level + damp * trend + seas[(n + h) % 7], 0.0))
    return out
