import math

import numpy as np
import pytest

from helpers.exercises import schedules as exercises


def test_noise_floor_wants_the_exact_stationary_loss(capsys):
    def exact(eta, lambdas, c):
        return float(np.sum(eta * np.asarray(c) / (2 * (2 - eta * np.asarray(lambdas)))))

    assert exercises.check_noise_floor(exact)
    with pytest.raises(AssertionError, match="small-η limit"):   # the first-order η tr(C)/4
        exercises.check_noise_floor(lambda eta, lam, c: eta * np.sum(c) / 4)
    with pytest.raises(AssertionError):                          # forgot the ½ of the loss
        exercises.check_noise_floor(lambda eta, lam, c: 2 * exact(eta, lam, c))
    with pytest.raises(AssertionError):                          # isotropic with the mean c
        exercises.check_noise_floor(
            lambda eta, lam, c: exact(eta, lam, np.full(len(c), np.mean(c))))
    assert exercises.check_noise_floor(lambda *a: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_robbins_monro_interval_is_half_open():
    assert exercises.check_robbins_monro(lambda p: 0.5 < p <= 1)
    with pytest.raises(AssertionError, match="p = 1/2"):
        exercises.check_robbins_monro(lambda p: 0.5 <= p <= 1)
    with pytest.raises(AssertionError, match="p = 1:"):
        exercises.check_robbins_monro(lambda p: 0.5 < p < 1)
    with pytest.raises(AssertionError):
        exercises.check_robbins_monro(lambda p: p > 0.5)
    assert exercises.check_robbins_monro(lambda p: None) is None


def _sgdr(off_by_one=False, restart_len=False):
    def sgdr(lr, T_0, T_mult, eta_min=0.0):
        def schedule(k):
            T_i, t = T_0, k + off_by_one
            while t >= T_i:
                t -= T_i
                T_i = T_i if restart_len else T_i * T_mult
            return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t / T_i)) / 2
        return schedule
    return sgdr


def test_sgdr_is_checked_against_torch():
    assert exercises.check_sgdr(_sgdr())
    with pytest.raises(AssertionError, match="deviate"):
        exercises.check_sgdr(_sgdr(off_by_one=True))
    with pytest.raises(AssertionError, match="deviate"):       # cycles that never lengthen
        exercises.check_sgdr(_sgdr(restart_len=True))
    with pytest.raises(AssertionError, match="T_mult = 1"):     # right trace, wrong in general

        def only_the_trace(lr, T_0, T_mult, eta_min=0.0):
            good = _sgdr()(lr, T_0, T_mult, eta_min)
            return good if (T_0, T_mult) == (10, 2) else (lambda k: lr)
        exercises.check_sgdr(only_the_trace)
    assert exercises.check_sgdr(lambda *a, **kw: None) is None
