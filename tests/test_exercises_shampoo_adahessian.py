import numpy as np
import pytest

from helpers.exercises import shampoo_adahessian as ex


def inverse_root(M, p):
    lam, Q = np.linalg.eigh(M)
    return (Q * lam ** (-1 / p)) @ Q.T


def hutchinson_variance(H):
    H = np.asarray(H)
    return (H**2).sum(axis=1) - np.diag(H) ** 2


def shampoo_direction(gradients, eps):
    m, n = gradients[-1].shape
    L = eps * np.eye(m) + sum(G @ G.T for G in gradients)
    R = eps * np.eye(n) + sum(G.T @ G for G in gradients)
    return inverse_root(L, 4) @ gradients[-1] @ inverse_root(R, 4)


def test_solutions_pass():
    assert ex.check_inverse_root(inverse_root)
    assert ex.check_hutchinson_variance(hutchinson_variance)
    assert ex.check_shampoo_direction(shampoo_direction)


def test_stubs_are_not_attempted(capsys):
    assert ex.check_inverse_root(lambda M, p: None) is None
    assert ex.check_hutchinson_variance(lambda H: None) is None
    assert ex.check_shampoo_direction(lambda gs, eps: None) is None
    assert capsys.readouterr().out.count("not attempted") == 3


@pytest.mark.parametrize("wrong", [
    lambda M, p: np.abs(M) ** (-1 / p),                              # elementwise
    lambda M, p: inverse_root(M, 1 / p),                              # M^(−p)
    lambda M, p: np.linalg.inv(M),                                    # ignores p
    lambda M, p: (lambda lam, Q: Q.T @ np.diag(lam ** (-1 / p)) @ Q)(*np.linalg.eigh(M)),
])
def test_wrong_inverse_roots_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_inverse_root(wrong)


@pytest.mark.parametrize("wrong", [
    lambda H: (np.asarray(H) ** 2).sum(axis=1),                       # keeps the diagonal
    lambda H: (np.asarray(H) ** 2).sum(axis=1) + np.diag(H) ** 2,     # Gaussian z
    lambda H: np.sqrt((np.asarray(H) ** 2).sum(axis=1) - np.diag(H) ** 2),   # a std
    lambda H: np.zeros(len(H)),
])
def test_wrong_variances_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_hutchinson_variance(wrong)


@pytest.mark.parametrize("wrong", [
    lambda gs, eps: inverse_root(eps * np.eye(gs[-1].shape[0]) + gs[-1] @ gs[-1].T, 4) @ gs[-1]
    @ inverse_root(eps * np.eye(gs[-1].shape[1]) + gs[-1].T @ gs[-1], 4),   # last gradient only
    lambda gs, eps: inverse_root(eps * np.eye(gs[-1].shape[0]) + sum(G @ G.T for G in gs), 2)
    @ gs[-1] @ inverse_root(eps * np.eye(gs[-1].shape[1]) + sum(G.T @ G for G in gs), 2),
    lambda gs, eps: shampoo_direction(gs, eps) * 2,
    lambda gs, eps: inverse_root(eps * np.eye(gs[-1].shape[0]) + sum(G @ G.T for G in gs), 4)
    @ gs[-1],                                                         # left factor only
])
def test_wrong_shampoo_directions_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_shampoo_direction(wrong)
