import numpy as np
import pytest

from helpers.exercises import kfac as ex


def kron_mvp(A, B, X):
    return B @ X @ A.T


def pi_rule(A, G):
    return np.sqrt((np.trace(A) / len(A)) / (np.trace(G) / len(G)))


def kfac_solve(A, G, V, delta):
    a, UA = np.linalg.eigh(A)
    g, UG = np.linalg.eigh(G)
    pi = np.sqrt(a.mean() / g.mean())
    D = np.outer(g + np.sqrt(delta) / pi, a + pi * np.sqrt(delta))
    return UG @ ((UG.T @ V @ UA) / D) @ UA.T


def test_solutions_pass():
    assert ex.check_kron_mvp(kron_mvp)
    assert ex.check_pi_rule(pi_rule)
    assert ex.check_kfac_solve(kfac_solve)


def test_stubs_are_not_attempted(capsys):
    assert ex.check_kron_mvp(lambda A, B, X: None) is None
    assert ex.check_pi_rule(lambda A, G: None) is None
    assert ex.check_kfac_solve(lambda A, G, V, d: None) is None
    assert capsys.readouterr().out.count("not attempted") == 3


def test_np_kron_is_disabled_during_the_call_and_restored_after():
    def dense(A, B, X):
        return (np.kron(A, B) @ X.reshape(-1, order="F")).reshape(X.shape, order="F")

    kron = np.kron
    with pytest.raises(AssertionError, match="np.kron is disabled"):
        ex.check_kron_mvp(dense)
    assert np.kron is kron
    with pytest.raises(AssertionError, match="np.kron is disabled"):
        ex.check_kfac_solve(lambda A, G, V, d: dense(np.linalg.inv(A + np.eye(len(A))), G, V))
    assert np.kron is kron


@pytest.mark.parametrize("wrong", [
    lambda A, B, X: B @ X @ A,                                  # Aᵀ missing (A is not symmetric)
    lambda A, B, X: B.T @ X @ A.T,                              # B transposed
    lambda A, B, X: B @ X @ np.linalg.inv(A).T,                 # the inverse's identity instead
    lambda A, B, X: X,
])
def test_wrong_kron_mvp_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_kron_mvp(wrong)


@pytest.mark.parametrize("wrong", [
    lambda A, G: np.sqrt(np.trace(A) / np.trace(G)),            # dimensions forgotten
    lambda A, G: np.sqrt((np.trace(G) / len(G)) / (np.trace(A) / len(A))),   # inverted
    lambda A, G: (np.trace(A) / len(A)) / (np.trace(G) / len(G)),           # no square root
    lambda A, G: 1.0,
])
def test_wrong_pi_rule_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_pi_rule(wrong)


def _tikhonov(A, G, V, delta):                                  # A ⊗ G + δI, not factored
    a, UA = np.linalg.eigh(A)
    g, UG = np.linalg.eigh(G)
    return UG @ ((UG.T @ V @ UA) / (np.outer(g, a) + delta)) @ UA.T


def _pi_one(A, G, V, delta):                                    # factored, but π = 1
    a, UA = np.linalg.eigh(A)
    g, UG = np.linalg.eigh(G)
    return UG @ ((UG.T @ V @ UA) / np.outer(g + np.sqrt(delta), a + np.sqrt(delta))) @ UA.T


def _pi_without_dimensions(A, G, V, delta):                    # π = √(tr A / tr G)
    a, UA = np.linalg.eigh(A)
    g, UG = np.linalg.eigh(G)
    pi = np.sqrt(a.sum() / g.sum())
    D = np.outer(g + np.sqrt(delta) / pi, a + pi * np.sqrt(delta))
    return UG @ ((UG.T @ V @ UA) / D) @ UA.T


@pytest.mark.parametrize("wrong", [
    _tikhonov,
    _pi_one,
    _pi_without_dimensions,
    lambda A, G, V, d: kfac_solve(A, G, V, d) * 2,
])
def test_wrong_kfac_solve_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_kfac_solve(wrong)
