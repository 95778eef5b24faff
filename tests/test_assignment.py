import random

import pytest

from planner import assign_cpsat, assign_greedy
from planner.assignment import makespan


def _case(seed, tours=14, agents=4):
    rng = random.Random(seed)
    speed = [rng.choice((0.6, 1.0, 1.3)) for _ in range(agents)]
    ready = [rng.uniform(0, 40) for _ in range(agents)]
    duration = []
    for _ in range(tours):
        length = rng.randint(20, 200)
        allowed = [a for a in range(agents) if rng.random() < 0.7] or [rng.randrange(agents)]
        duration.append({a: length / speed[a] + 5 for a in allowed})
    return duration, ready


@pytest.mark.parametrize("seed", range(8))
def test_cpsat_is_never_worse_than_greedy_and_respects_eligibility(seed):
    duration, ready = _case(seed)
    g = assign_greedy(duration, ready)
    c = assign_cpsat(duration, ready, time_limit_s=2)
    for t, a in enumerate(c):
        assert a in duration[t]
    assert makespan(c, duration, ready) <= makespan(g, duration, ready) + 1e-9


def test_cpsat_finds_the_balanced_split_greedy_misses():
    # LPT puts 3 then 3 on different machines, then 2, 2, 2 -> makespan 7; optimal is 6 (3+3, 2+2+2)
    duration = [{0: d, 1: d} for d in (3, 3, 2, 2, 2)]
    ready = [0.0, 0.0]
    assert makespan(assign_greedy(duration, ready), duration, ready) == 7
    assert makespan(assign_cpsat(duration, ready), duration, ready) == 6


def test_a_tour_no_agent_can_take_is_an_error():
    with pytest.raises(ValueError, match="tour 1 fits no agent"):
        assign_greedy([{0: 1.0}, {}], [0.0])
