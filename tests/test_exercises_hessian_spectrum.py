import numpy as np
import pytest

from helpers import spectrum
from helpers.exercises import hessian_spectrum as ex


def lambda_min(hvp, n, lam_max):
    shifted = spectrum.power_iteration(lambda v: lam_max * v - hvp(v), n, iters=300, tol=1e-12,
                                       rng=0)
    return lam_max - shifted.eigenvalue


def max_stable_sharpness(eta, beta):
    return 2 * (1 + beta) / eta


def hutchinson_variance(H, distribution):
    H = np.asarray(H)
    if distribution == "gaussian":
        return 2 * np.sum(H**2)
    return 2 * (np.sum(H**2) - np.sum(np.diag(H) ** 2))


def test_solutions_pass():
    assert ex.check_lambda_min(lambda_min)
    assert ex.check_max_stable_sharpness(max_stable_sharpness)
    assert ex.check_hutchinson_variance(hutchinson_variance)


def test_stubs_are_not_attempted(capsys):
    assert ex.check_lambda_min(lambda hvp, n, lam_max: None) is None
    assert ex.check_max_stable_sharpness(lambda eta, beta: None) is None
    assert ex.check_hutchinson_variance(lambda H, d: None) is None
    assert capsys.readouterr().out.count("not attempted") == 3


def dense_lambda_min(hvp, n, lam_max):                         # rebuilds H: n > budget products
    return np.linalg.eigvalsh(np.column_stack([hvp(e) for e in np.eye(n)]))[0]


@pytest.mark.parametrize("wrong", [
    lambda hvp, n, lam_max: lam_max,                            # the other end
    lambda hvp, n, lam_max: spectrum.power_iteration(hvp, n, iters=300, rng=0).eigenvalue,  # |λ|
    lambda hvp, n, lam_max: -lam_max,
    lambda hvp, n, lam_max: lambda_min(hvp, n, lam_max) + 1e-3,
    dense_lambda_min,
])
def test_wrong_lambda_min_fails(wrong):
    with pytest.raises(AssertionError):
        ex.check_lambda_min(wrong)


@pytest.mark.parametrize("wrong", [
    lambda eta, beta: 2 / eta,                                  # ignores momentum
    lambda eta, beta: 2 / (eta * (1 - beta)),                   # the effective-step guess
    lambda eta, beta: (1 + beta) / eta,
    lambda eta, beta: 2 * (1 + beta) / eta * 1.01,
])
def test_wrong_max_stable_sharpness_fails(wrong):
    with pytest.raises(AssertionError):
        ex.check_max_stable_sharpness(wrong)


@pytest.mark.parametrize("wrong", [
    lambda H, d: 2 * np.sum(np.asarray(H) ** 2),                # Gaussian for both
    lambda H, d: hutchinson_variance(H, "rademacher" if d == "gaussian" else "gaussian"),
    lambda H, d: np.sum(np.asarray(H) ** 2),                    # missing the factor 2
    lambda H, d: hutchinson_variance(H, d) / 6,                 # the variance of a mean
])
def test_wrong_hutchinson_variance_fails(wrong):
    with pytest.raises(AssertionError):
        ex.check_hutchinson_variance(wrong)
