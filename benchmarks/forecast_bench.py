"""Forecast accuracy and speed on a seeded synthetic demand set (M5-style RMSSE).

Generates ``--skus`` daily series over two years, mixed smooth / seasonal /
intermittent / lumpy, holds out the last ``--horizon`` days, and scores every
method by RMSSE (root mean squared scaled error: squared error over the
horizon divided by the in-sample mean squared one-step naive difference,
averaged over SKUs; lower is better). Peers in the same run: seasonal naive,
the 12-week day-of-week mean, and statsforecast's models (if installed). All
methods run single-threaded for a fair time comparison.

    python benchmarks/forecast_bench.py [--skus 3000] [--horizon 28] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planner.forecast import MODELS, forecast_demand, model_forecasts  # noqa: E402


def synthetic_demand(n_skus: int, days: int = 730, *, seed: int = 0):
    """Seeded mixed demand. Returns (y[n_skus, days], kinds list)."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    kinds = rng.choice(["smooth", "seasonal", "intermittent", "lumpy"], size=n_skus, p=[0.25, 0.25, 0.3, 0.2])
    y = np.zeros((n_skus, days))
    for i, k in enumerate(kinds):
        base = rng.gamma(2.0, 4.0)
        trend = 1.0 + rng.normal(0, 0.15) * t / days
        weekly = 1.0 + rng.uniform(0.2, 0.8) * np.sin(2 * np.pi * (t + rng.integers(7)) / 7)
        yearly = 1.0 + rng.uniform(0.0, 0.3) * np.sin(2 * np.pi * (t + rng.integers(365)) / 365)
        if k == "smooth":
            lam = base * trend * yearly
            y[i] = rng.poisson(np.maximum(lam, 0.05))
        elif k == "seasonal":
            lam = base * trend * weekly * yearly
            y[i] = rng.poisson(np.maximum(lam, 0.05))
        elif k == "intermittent":
            p = rng.uniform(0.03, 0.3)
            occ = rng.random(days) < p * np.clip(weekly, 0.2, None) / weekly.mean()
            y[i] = occ * (1 + rng.poisson(rng.uniform(0.5, 3.0), days))
        else:  # lumpy: rare, large, variable
            p = rng.uniform(0.02, 0.15)
            occ = rng.random(days) < p
            y[i] = occ * rng.negative_binomial(1, 1 / (1 + rng.uniform(5, 30)), days)
        # products launched during the history: zero before launch
        if rng.random() < 0.1:
            y[i, : rng.integers(30, 300)] = 0
    return y, list(kinds)


def rmsse(train: np.ndarray, test: np.ndarray, fc: np.ndarray) -> np.ndarray:
    """Per-SKU RMSSE (M5): scale = mean squared one-step difference of the
    training series from its first non-zero demand."""
    out = np.empty(train.shape[0])
    for i in range(train.shape[0]):
        nz = np.flatnonzero(train[i])
        start = nz[0] if nz.size else 0
        d = np.diff(train[i, start:])
        scale = (d ** 2).mean() if d.size and (d ** 2).mean() > 0 else 1.0
        out[i] = np.sqrt(((test[i] - fc[i]) ** 2).mean() / scale)
    return out


CACHE_DIR = Path(__file__).parent / ".cache"


def _cache_path(model: str, *, skus: int, days: int, horizon: int, seed: int, version: str) -> Path:
    """statsforecast's output depends only on the data, i.e. on the generator's
    arguments and the hold-out: the cache file is keyed by them (and the
    statsforecast version)."""
    return CACHE_DIR / f"{model}-skus{skus}-days{days}-h{horizon}-seed{seed}-sf{version}.npz"


def run_statsforecast(train: np.ndarray, horizon: int, *, seed: int, use_cache: bool = True):
    """statsforecast's models on ``train``: {name: (forecast, wall_s, cached)}.

    A model's forecast and its measured wall time are stored in
    ``benchmarks/.cache/`` and reused by later runs on the same data
    (``use_cache=False`` re-runs and overwrites)."""
    try:
        import pandas as pd
        import statsforecast
        from statsforecast import StatsForecast
        from statsforecast.models import (
            ADIDA, IMAPA, TSB, AutoETS, CrostonClassic, CrostonOptimized, CrostonSBA,
            SeasonalExponentialSmoothingOptimized, SeasonalNaive,
        )
    except ImportError:
        return None, "statsforecast not installed"
    n, days = train.shape
    ds = pd.date_range("2020-01-01", periods=days, freq="D")
    df = pd.DataFrame({"unique_id": np.repeat(np.arange(n), days), "ds": np.tile(ds, n), "y": train.ravel()})
    models = {
        "sf_croston": CrostonClassic(), "sf_croston_opt": CrostonOptimized(), "sf_sba": CrostonSBA(),
        "sf_tsb": TSB(alpha_d=0.1, alpha_p=0.1), "sf_adida": ADIDA(), "sf_imapa": IMAPA(),
        "sf_seas_es": SeasonalExponentialSmoothingOptimized(season_length=7),
        "sf_autoets": AutoETS(season_length=7), "sf_snaive": SeasonalNaive(season_length=7),
    }
    results = {}
    for name, model in models.items():
        path = _cache_path(name, skus=n, days=days + horizon, horizon=horizon, seed=seed,
                           version=statsforecast.__version__)
        if use_cache and path.exists():
            with np.load(path) as z:
                results[name] = (z["fc"], float(z["wall"]), True)
            continue
        # warm up numba inside statsforecast on a small slice, excluded from timing
        StatsForecast(models=[model], freq="D", n_jobs=1).forecast(df=df[df.unique_id < 2], h=horizon)
        t0 = time.perf_counter()
        fc = StatsForecast(models=[model], freq="D", n_jobs=1).forecast(df=df, h=horizon)
        wall = time.perf_counter() - t0
        col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
        fc = fc.sort_values(["unique_id", "ds"])
        fc = np.clip(fc[col].to_numpy().reshape(n, horizon), 0, None)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, fc=fc, wall=wall)
        results[name] = (fc, wall, False)
    return results, None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skus", type=int, default=3000)
    ap.add_argument("--horizon", type=int, default=28)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-peer", action="store_true", help="skip statsforecast")
    ap.add_argument("--refresh-peer", action="store_true",
                    help="re-run statsforecast instead of reading its cached forecasts (benchmarks/.cache/)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "forecast_bench.json"))
    args = ap.parse_args(argv)

    import numba

    numba.set_num_threads(1)
    y, kinds = synthetic_demand(args.skus, seed=args.seed)
    h = args.horizon
    train, test = y[:, :-h], y[:, -h:]
    starts = np.array([np.flatnonzero(r)[0] if r.any() else 0 for r in train])

    forecast_demand(train[:4], horizon=h)  # compile / load cache, excluded
    t0 = time.perf_counter()
    res = forecast_demand(train, horizon=h, starts=starts)
    robo_wall = time.perf_counter() - t0
    each = model_forecasts(train, horizon=h, starts=starts)

    rows = {"robocore (auto)": (res.mean, robo_wall)}
    for m, name in enumerate(MODELS):
        rows[f"robocore {name}"] = (each[:, m], None)
    # plain 12-week day-of-week mean and seasonal naive are the baselines
    rows["seasonal naive"] = (each[:, MODELS.index("snaive")], None)
    rows["12-week dow mean"] = (each[:, MODELS.index("dow")], None)
    sf, why = (None, "skipped") if args.no_peer else run_statsforecast(
        train, h, seed=args.seed, use_cache=not args.refresh_peer)
    if sf:
        rows.update({k: (fc, wall) for k, (fc, wall, _) in sf.items()})
        cached = sorted(k for k, v in sf.items() if v[2])
        if cached:
            print(f"statsforecast read from the cache (forecasts and the wall time measured when cached): "
                  f"{', '.join(cached)}")

    scores = {name: float(rmsse(train, test, fc).mean()) for name, (fc, _) in rows.items()}
    snaive = scores["seasonal naive"]
    cover = float((test <= res.q).mean())
    print(f"{args.skus} SKUs x {y.shape[1]} days, horizon {h}, seed {args.seed} (single-threaded)")
    print(f"{'method':24s} {'RMSSE':>7s} {'vs snaive':>9s} {'wall s':>8s}")
    for name, (fc, wall) in sorted(rows.items(), key=lambda kv: scores[kv[0]]):
        w = f"{wall:8.2f}" if wall is not None else " " * 8
        print(f"{name:24s} {scores[name]:7.4f} {scores[name] / snaive:9.3f} {w}")
    if why and not sf:
        print(f"(statsforecast: {why})")
    print(f"q90 coverage on the holdout: {cover:.3f}")
    best_sf = None
    if sf:
        best_sf = min(sf, key=lambda k: scores[k])
        print(f"best statsforecast model: {best_sf} RMSSE {scores[best_sf]:.4f}, {sf[best_sf][1]:.2f} s; "
              f"robocore {scores['robocore (auto)']:.4f}, {robo_wall:.2f} s: {sf[best_sf][1] / robo_wall:.1f}x faster")
    out = {
        "skus": args.skus, "days": int(y.shape[1]), "horizon": h, "seed": args.seed,
        "rmsse": scores, "wall_s": {k: v[1] for k, v in rows.items() if v[1] is not None},
        "robocore_vs_snaive": scores["robocore (auto)"] / snaive,
        "q90_coverage": cover,
        "best_statsforecast": best_sf,
        "statsforecast_cached": sorted(k for k, v in (sf or {}).items() if v[2]),
        "best_ranked_model": {m: int(sum(1 for x in res.model if x.split("+")[0] == m)) for m in MODELS},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
