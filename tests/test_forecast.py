import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.forecast import MODELS, forecast_demand, model_forecasts, reorder_point
from tests import naive_forecast as naive

series = st.lists(st.sampled_from([0, 0, 0, 1, 2, 3, 5, 8]), min_size=30, max_size=90).map(lambda v: [float(x) for x in v])


@settings(max_examples=60, deadline=None)
@given(series, st.integers(1, 10))
def test_every_model_matches_its_slow_twin(y, horizon):
    fast = model_forecasts(np.array([y]), horizon=horizon)[0]
    m = {name: fast[i] for i, name in enumerate(MODELS)}
    assert np.allclose(m["snaive"], naive.seasonal_naive(y, horizon))
    assert np.allclose(m["dow"], naive.dow_mean(y, horizon))
    assert np.allclose(m["ses"], naive.ses(y, horizon))
    for variant in ("croston", "sba", "tsb"):
        assert np.allclose(m[variant], naive.croston(y, variant)), variant
    assert np.allclose(m["hw"], naive.holt_winters(y, horizon))
    assert np.allclose(m["tsbw"], naive.tsb_weekly(y, horizon))
    assert np.allclose(m["hwm"], naive.holt_winters_multiplicative(y, horizon))
    assert np.allclose(m["hwd"], naive.holt_winters_damped(y, horizon))
    # hwy and hwdy on a history shorter than a year are hw and hwd
    assert np.allclose(m["hwy"], m["hw"])
    assert np.allclose(m["hwdy"], m["hwd"])


def _yearly_series(seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    t = np.arange(365 + seed % 60)
    return [float(v) for v in rng.poisson(5.0 + 3.0 * np.sin(t * 2 * np.pi / 365.25 + seed % 7))]


long_series = st.integers(0, 2**32 - 1).map(_yearly_series)


@settings(max_examples=8, deadline=None)
@given(long_series, st.integers(1, 30))
def test_yearly_harmonic_model_matches_its_slow_twin(y, horizon):
    fast = model_forecasts(np.array([y]), horizon=horizon)[0]
    assert np.allclose(fast[MODELS.index("hwy")], naive.holt_winters_yearly(y, horizon))
    assert np.allclose(fast[MODELS.index("hwdy")], naive.holt_winters_damped_yearly(y, horizon))


def test_backtest_errors_are_each_windows_refit():
    """The one-pass prefix fits give the same backtest as refitting every window."""
    rng = np.random.default_rng(5)
    y = rng.poisson(4.0, size=(2, 120)).astype(float)
    y[1, :30] = 0.0
    starts = np.array([0, 30])
    r = forecast_demand(y, horizon=7, starts=starts, origins=3)
    for s in range(2):
        sq = np.zeros(len(MODELS))
        used = 0
        for o in range(3):
            cut = 120 - (3 - o) * 7
            if cut - starts[s] < 14:
                continue
            used += 1
            f = model_forecasts(y[s:s + 1, starts[s]:cut], horizon=7)[0]
            sq += ((y[s, cut:cut + 7] - f) ** 2).mean(axis=1)
        assert np.allclose(r.backtest_mse[s], sq / used)


def test_per_sku_start_ignores_days_before_it():
    y = np.array([[9.0] * 50 + [1.0] * 50])
    a = model_forecasts(y, horizon=3, starts=[50])[0]
    b = model_forecasts(y[:, 50:], horizon=3)[0]
    assert np.allclose(a, b)


def test_weekly_pattern_is_learned_and_chosen():
    week = np.array([10, 12, 11, 13, 30, 2, 1], dtype=float)
    y = np.tile(week, 40)[None, :]
    r = forecast_demand(y, horizon=14, combine=1)
    assert r.model[0] in ("snaive", "dow", "hw", "tsbw", "hwm", "hwd")
    assert np.allclose(r.mean[0], np.tile(week, 2), atol=0.5)


def test_intermittent_series_picks_an_intermittent_model_and_quantile_covers():
    rng = np.random.default_rng(3)
    y = (rng.random((200, 400)) < 0.1) * rng.integers(1, 6, size=(200, 400))
    train, test = y[:, :-28], y[:, -28:]
    r = forecast_demand(train, horizon=28, quantile=0.9)
    first = [m.split("+")[0] for m in r.model]
    assert sum(m in ("croston", "sba", "tsb", "ses", "dow", "tsbw") for m in first) > 150
    assert np.all(r.q >= r.mean) and np.all(r.mean >= 0)
    # mean of 1..5 times p=0.1 is 0.3 units a day
    assert abs(r.mean.mean() - 0.3) < 0.05
    # an upper 90% quantile of daily demand covers most days
    cover = (test <= r.q).mean()
    assert 0.85 <= cover <= 0.99


def test_reorder_point_formula():
    # 2 units/day for 4 days + z(0.95)=1.6449 * 1 * 2
    assert reorder_point(2.0, 1.0, lead_time_days=4, service_level=0.95) == pytest.approx(8 + 1.6448536 * 2, rel=1e-6)
    assert reorder_point([1.0, 2.0, 3.0], 0.0, lead_time_days=2.5) == pytest.approx(1 + 2 + 1.5)
    with pytest.raises(ValueError, match="lead time"):
        reorder_point(1.0, 1.0, lead_time_days=0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="non-negative"):
        forecast_demand(np.array([[1.0, -1.0]]), horizon=2)
    with pytest.raises(ValueError, match="unknown model"):
        forecast_demand(np.ones((1, 50)), horizon=2, models=("arima",))
    with pytest.raises(ValueError, match="horizon"):
        forecast_demand(np.ones((1, 50)), horizon=0)


def test_combination_is_the_mean_of_the_ranked_models():
    rng = np.random.default_rng(1)
    y = rng.poisson(3.0, size=(5, 200)).astype(float)
    r1 = forecast_demand(y, horizon=7, combine=1)
    r3 = forecast_demand(y, horizon=7, combine=3)
    each = model_forecasts(y, horizon=7)
    for s in range(5):
        names = r3.model[s].split("+")
        assert len(names) == 3 and names[0] == r1.model[s]
        expect = np.mean([each[s, MODELS.index(m)] for m in names], axis=0)
        assert np.allclose(r3.mean[s], np.maximum(expect, 0))


def test_seasonal_models_on_a_history_shorter_than_a_week_fall_back_to_the_level():
    y = np.array([[2.0, 3.0, 4.0, 2.0, 3.0]])
    each = model_forecasts(y, horizon=3)[0]
    hw, hwm = each[MODELS.index("hw")], each[MODELS.index("hwm")]
    # both keep a level inside the data and a neutral season: added 0, or times 1 (not times 0)
    for f in (hw, hwm):
        assert np.allclose(f, f[0]) and 2.0 <= f[0] <= 4.0
    # hw falls back to the level-only model, whose fitted level with alpha = 0 is the mean
    assert np.allclose(hw, np.mean(y))
