import math

import numpy as np
import pytest

from helpers.exercises import gradient_descent as exercises


def test_max_stable_lr_accepts_the_bound_and_rejects_near_misses(capsys):
    assert exercises.check_max_stable_lr(lambda A: 2 / np.linalg.eigvalsh(A).max())
    with pytest.raises(AssertionError, match="eigenvalue"):
        exercises.check_max_stable_lr(lambda A: 2 / np.linalg.eigvalsh(A).min())
    with pytest.raises(AssertionError):
        exercises.check_max_stable_lr(lambda A: 2 / np.trace(A))
    assert exercises.check_max_stable_lr(lambda A: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_steps_to_tolerance_is_checked_against_real_runs():
    def exact(kappa, tol):
        return math.ceil(math.log(tol) / math.log((kappa - 1) / (kappa + 1)))

    assert exercises.check_steps_to_tolerance(exact)
    with pytest.raises(AssertionError, match="needs"):
        exercises.check_steps_to_tolerance(lambda k, tol: exact(k, tol) + 1)
    with pytest.raises(AssertionError):   # the κ·log(1/tol)/2 rule of thumb is not exact
        exercises.check_steps_to_tolerance(lambda k, tol: round(k / 2 * math.log(1 / tol)))


def _backtracking(shrink=0.5, c=1e-4, cheat=False):
    def gd(objective, theta0, steps):
        thetas = [np.asarray(theta0, dtype=float)]
        for _ in range(steps):
            theta, g = thetas[-1], objective.grad(thetas[-1])
            eta = 1.0
            while not cheat and objective.f(theta - eta * g) > objective.f(theta) - c * eta * g @ g:
                eta *= shrink
            thetas.append(theta - (1e-3 if cheat else eta) * g)
        return np.array(thetas)
    return gd


def test_backtracking_checks_armijo_and_the_result():
    assert exercises.check_backtracking(_backtracking())
    with pytest.raises(AssertionError, match="f − f\\*"):   # fixed small step: never gets there
        exercises.check_backtracking(_backtracking(cheat=True))
    with pytest.raises(AssertionError, match="Armijo"):     # c = 0 accepts steps c = 0.5 refuses
        exercises.check_backtracking(_backtracking(c=0.0), c=0.5)
