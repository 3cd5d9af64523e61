import numpy as np
import pytest
from scipy.optimize import brentq

from helpers.exercises import ekfac as ex


def kronecker_eigh(A, G):
    (w_A, U_A), (w_G, U_G) = np.linalg.eigh(A), np.linalg.eigh(G)
    w, U = np.kron(w_A, w_G), np.kron(U_A, U_G)
    order = np.argsort(w)
    return w[order], U[:, order]


def pi_frobenius(A, G):
    return (len(G) * np.sum(A**2) / (len(A) * np.sum(G**2))) ** 0.25


def damping_for_radius(V, U_A, U_G, s, radius):
    W = U_G.T @ V @ U_A
    return brentq(lambda d: np.linalg.norm(W / (s + d)) - radius, 0.0, 1e8, xtol=1e-14,
                  rtol=1e-12)


def test_solutions_pass():
    assert ex.check_kronecker_eigh(kronecker_eigh)
    assert ex.check_pi_frobenius(pi_frobenius)
    assert ex.check_damping_for_radius(damping_for_radius)


def test_stubs_are_not_attempted(capsys):
    assert ex.check_kronecker_eigh(lambda A, G: None) is None
    assert ex.check_pi_frobenius(lambda A, G: None) is None
    assert ex.check_damping_for_radius(lambda V, U_A, U_G, s, r: None) is None
    assert capsys.readouterr().out.count("not attempted") == 3


def _unsorted(A, G):
    (w_A, U_A), (w_G, U_G) = np.linalg.eigh(A), np.linalg.eigh(G)
    return np.kron(w_A, w_G), np.kron(U_A, U_G)


def _sorted_values_only(A, G):                   # eigenvalues sorted, vectors left behind
    w, U = _unsorted(A, G)
    return np.sort(w), U


def _wrong_order(A, G):                          # U_G ⊗ U_A: the eigenvectors of G ⊗ A
    (w_A, U_A), (w_G, U_G) = np.linalg.eigh(A), np.linalg.eigh(G)
    w, U = np.kron(w_G, w_A), np.kron(U_G, U_A)
    order = np.argsort(w)
    return w[order], U[:, order]


def _sums(A, G):                                 # eigenvalues of the Kronecker sum, not product
    (w_A, U_A), (w_G, U_G) = np.linalg.eigh(A), np.linalg.eigh(G)
    w, U = np.add.outer(w_A, w_G).ravel(), np.kron(U_A, U_G)
    order = np.argsort(w)
    return w[order], U[:, order]


@pytest.mark.parametrize("wrong", [_unsorted, _sorted_values_only, _wrong_order, _sums])
def test_wrong_kronecker_eigh_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_kronecker_eigh(wrong)


@pytest.mark.parametrize("wrong", [
    lambda A, G: np.sqrt((np.trace(A) / len(A)) / (np.trace(G) / len(G))),   # the trace π rule
    lambda A, G: 1 / pi_frobenius(A, G),
    lambda A, G: np.sqrt(np.linalg.norm(A) / np.linalg.norm(G)),            # dimensions forgotten
])
def test_wrong_pi_frobenius_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_pi_frobenius(wrong)


@pytest.mark.parametrize("wrong", [
    lambda V, U_A, U_G, s, r: np.linalg.norm(V) / r,                         # the large-δ limit
    lambda V, U_A, U_G, s, r: brentq(                                        # the L1 norm
        lambda d: np.abs(U_G.T @ V @ U_A / (s + d)).sum() - r, 0, 1e8),
    lambda V, U_A, U_G, s, r: -damping_for_radius(V, U_A, U_G, s, r),
])
def test_wrong_damping_for_radius_fail(wrong):
    with pytest.raises(AssertionError):
        ex.check_damping_for_radius(wrong)
