import math

import numpy as np
import pytest

from helpers.exercises import adaptive as exercises


def _adam(bias_correction=True, eps_inside=False):
    def adam_update(g, m, v, t, eta, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = (m / (1 - beta1**t), v / (1 - beta2**t)) if bias_correction else (m, v)
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        return eta * m_hat / denom, m, v
    return adam_update


def test_adam_update_accepts_torch_adam_and_rejects_variants(capsys):
    assert exercises.check_adam_update(_adam())
    with pytest.raises(AssertionError, match="bias-correct"):
        exercises.check_adam_update(_adam(bias_correction=False))
    with pytest.raises(AssertionError):              # ε inside the root: wrong on tiny gradients
        exercises.check_adam_update(_adam(eps_inside=True))
    assert exercises.check_adam_update(lambda *a: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_adagrad_distance_is_checked_against_runs():
    def exact(g, eta, T):
        return eta * sum(1 / math.sqrt(t) for t in range(1, T + 1))

    assert exercises.check_adagrad_distance(exact)
    with pytest.raises(AssertionError, match="AdaGrad moved"):   # the 2η√T approximation
        exercises.check_adagrad_distance(lambda g, eta, T: 2 * eta * math.sqrt(T))
    with pytest.raises(AssertionError):                          # forgets that |g| cancels
        exercises.check_adagrad_distance(lambda g, eta, T: abs(g) * exact(g, eta, T))


def test_half_step_gradient_rejects_near_misses(capsys):
    assert exercises.check_half_step_gradient(lambda eps: math.sqrt(eps / 3))
    with pytest.raises(AssertionError, match="not η/2"):
        exercises.check_half_step_gradient(lambda eps: math.sqrt(eps))
    with pytest.raises(AssertionError):
        exercises.check_half_step_gradient(lambda eps: -math.sqrt(eps / 3))
    assert exercises.check_half_step_gradient(lambda eps: None) is None
    assert "not attempted" in capsys.readouterr().out
