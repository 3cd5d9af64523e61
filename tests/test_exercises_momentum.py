import math

import pytest

from helpers.exercises import momentum as exercises


def _optimal(L, mu):
    rate = (math.sqrt(L / mu) - 1) / (math.sqrt(L / mu) + 1)
    return 4 / (math.sqrt(L) + math.sqrt(mu)) ** 2, rate**2


def test_optimal_heavy_ball_accepts_polyak_and_rejects_near_misses(capsys):
    assert exercises.check_optimal_heavy_ball(_optimal)
    with pytest.raises(AssertionError, match="contracts"):   # β not squared
        exercises.check_optimal_heavy_ball(
            lambda L, mu: (_optimal(L, mu)[0], math.sqrt(_optimal(L, mu)[1])))
    with pytest.raises(AssertionError):                       # GD's step with the right β
        exercises.check_optimal_heavy_ball(lambda L, mu: (2 / (L + mu), _optimal(L, mu)[1]))
    assert exercises.check_optimal_heavy_ball(lambda L, mu: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_ema_from_torch_needs_the_scaled_learning_rate():
    assert exercises.check_ema_from_torch(lambda lr, b: (lr / (1 - b), b))
    with pytest.raises(AssertionError, match="buffer"):       # the classic slip: same lr
        exercises.check_ema_from_torch(lambda lr, b: (lr, b))
    with pytest.raises(AssertionError):                       # scaled the wrong way
        exercises.check_ema_from_torch(lambda lr, b: (lr * (1 - b), b))


def test_max_stable_lr_for_both_methods():
    def exact(L, beta, nesterov):
        return 2 * (1 + beta) / ((1 + 2 * beta) * L if nesterov else L)

    assert exercises.check_max_stable_lr(exact)
    with pytest.raises(AssertionError, match="Nesterov"):     # heavy ball's bound for both
        exercises.check_max_stable_lr(lambda L, beta, nesterov: 2 * (1 + beta) / L)
    with pytest.raises(AssertionError):                       # GD's bound
        exercises.check_max_stable_lr(lambda L, beta, nesterov: 2 / L)
