import numpy as np
import pytest

from helpers.exercises import riemannian as ex


def sphere_log(x, y):
    u = y - (x @ y) * x
    norm_u = np.linalg.norm(u)
    return np.zeros_like(x) if norm_u < 1e-15 else np.arctan2(norm_u, x @ y) * u / norm_u


def rayleigh_hessian(A, x):
    P = np.eye(len(x)) - np.outer(x, x)
    return P @ (2 * A - 2 * (x @ A @ x) * np.eye(len(x))) @ P


def max_stable_lr(A):
    lam = np.linalg.eigvalsh(A)
    return 1 / (lam[-1] - lam[0])


def test_solutions_pass():
    assert ex.check_sphere_log(sphere_log)
    assert ex.check_rayleigh_hessian(rayleigh_hessian)
    assert ex.check_max_stable_lr(max_stable_lr)


def test_stubs_are_not_attempted(capsys):
    assert ex.check_sphere_log(lambda x, y: None) is None
    assert ex.check_rayleigh_hessian(lambda A, x: None) is None
    assert ex.check_max_stable_lr(lambda A: None) is None
    assert capsys.readouterr().out.count("not attempted") == 3


@pytest.mark.parametrize("wrong", [
    lambda x, y: y - x,                                          # not tangent
    lambda x, y: y - (x @ y) * x,                                # tangent, but length sin θ
    lambda x, y: -sphere_log(x, y),                              # the wrong way
    lambda x, y: np.arcsin(min(1.0, np.linalg.norm(y - (x @ y) * x))) * sphere_log(x, y)
    / max(np.linalg.norm(sphere_log(x, y)), 1e-300),             # arcsin: wrong beyond 90°
])
def test_wrong_logarithms_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_sphere_log(wrong)


def _P(x):
    return np.eye(len(x)) - np.outer(x, x)


@pytest.mark.parametrize("wrong", [
    lambda A, x: 2 * A,                                          # the Euclidean Hessian
    lambda A, x: _P(x) @ (2 * A) @ _P(x),                        # no curvature term
    lambda A, x: 2 * A - 2 * (x @ A @ x) * np.eye(len(x)),       # not projected: H x ≠ 0
    lambda A, x: rayleigh_hessian(A, x) / 2,                     # the Hessian of xᵀAx / 2
])
def test_wrong_hessians_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_rayleigh_hessian(wrong)


@pytest.mark.parametrize("wrong", [
    lambda A: 1 / np.linalg.eigvalsh(A).max(),                   # Euclidean GD on xᵀAx
    lambda A: 2 / np.ptp(np.linalg.eigvalsh(A)),                 # forgot the factor 2 of 2(A − λ₁I)
    lambda A: 1 / (np.linalg.eigvalsh(A)[-1] - np.linalg.eigvalsh(A)[1]),
])
def test_wrong_step_sizes_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_max_stable_lr(wrong)
