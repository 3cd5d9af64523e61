import math

import numpy as np
import pytest

from helpers.exercises import natural_gradient as ex


def kl_step(F, g, eps):
    nat = np.linalg.solve(F, g)
    return -np.sqrt(2 * eps / (g @ nat)) * nat


def damped_rate(A, delta):
    return delta / (np.linalg.eigvalsh(A).min() + delta)


def test_solutions_pass():
    assert ex.check_poisson_fisher(math.exp)
    assert ex.check_kl_step(kl_step)
    assert ex.check_damped_rate(damped_rate)


def test_stubs_are_not_attempted(capsys):
    assert ex.check_poisson_fisher(lambda theta: None) is None
    assert ex.check_kl_step(lambda F, g, eps: None) is None
    assert ex.check_damped_rate(lambda A, delta: None) is None
    assert capsys.readouterr().out.count("not attempted") == 3


@pytest.mark.parametrize("wrong", [
    lambda theta: math.exp(-theta),                  # 1/λ: the Fisher in λ, not in θ = log λ
    lambda theta: math.exp(2 * theta),
    lambda theta: 1.0,
])
def test_wrong_poisson_fisher_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_poisson_fisher(wrong)


@pytest.mark.parametrize("wrong", [
    lambda F, g, eps: -np.linalg.solve(F, g),                            # unscaled
    lambda F, g, eps: -np.sqrt(2 * eps / (g @ F @ g)) * g,                # right KL, GD direction
    lambda F, g, eps: -kl_step(F, g, eps),                                # ascent
    lambda F, g, eps: -np.sqrt(eps / (g @ np.linalg.solve(F, g))) * np.linalg.solve(F, g),
])
def test_wrong_kl_steps_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_kl_step(wrong)


@pytest.mark.parametrize("wrong", [
    lambda A, delta: delta / (np.linalg.eigvalsh(A).max() + delta),       # the fastest component
    lambda A, delta: np.linalg.eigvalsh(A).min() / (np.linalg.eigvalsh(A).min() + delta),
    lambda A, delta: delta / np.linalg.eigvalsh(A).min(),
])
def test_wrong_damped_rates_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_damped_rate(wrong)
