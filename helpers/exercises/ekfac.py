"""Exercise checks for 04_curvature_aware_optimizers-2/03_ekfac_and_scaled_damping."""
from __future__ import annotations

import math

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_kronecker_eigh", "check_pi_frobenius", "check_damping_for_radius"]


def _spd(rng, n, spread):
    """A random symmetric positive definite n × n matrix with eigenvalues spread over
    ``spread`` decades."""
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    return (Q * np.logspace(-spread, 0, n)) @ Q.T


def check_kronecker_eigh(kronecker_eigh):
    """Exercise: ``kronecker_eigh(A, G)`` returns ``(w, U)``, the eigenvalues of A ⊗ G in
    ascending order and orthonormal eigenvectors as columns; checked against
    ``numpy.linalg.eigvalsh`` of the dense Kronecker product and the eigen-equation
    (A ⊗ G) U = U diag(w), for factors of different sizes."""
    rng = np.random.default_rng(5)
    for n_A, n_G in ((3, 2), (2, 4), (4, 3)):
        A, G = _spd(rng, n_A, 2), _spd(rng, n_G, 1) * rng.uniform(0.5, 5)
        answer = kronecker_eigh(A, G)
        if not _attempted(answer, "kronecker_eigh"):
            return None
        w, U = (np.asarray(x, dtype=float) for x in answer)
        K = np.kron(A, G)
        n = n_A * n_G
        assert w.shape == (n,) and U.shape == (n, n), \
            f"A {n_A}×{n_A}, G {n_G}×{n_G}: expected w of shape ({n},) and U ({n}, {n})"
        assert np.all(np.diff(w) >= 0), "the eigenvalues are not in ascending order"
        np.testing.assert_allclose(
            w, np.linalg.eigvalsh(K), rtol=1e-10, atol=1e-14,
            err_msg="the eigenvalues of A ⊗ G are the products λ_i(A) λ_j(G)")
        assert np.allclose(U.T @ U, np.eye(n), atol=1e-10), "the columns of U are not orthonormal"
        assert np.allclose(K @ U, U * w, atol=1e-10), (
            "(A ⊗ G) U ≠ U diag(w): the eigenvector of λ_i(A) λ_j(G) is u_A,i ⊗ u_G,j, sorted "
            "together with its eigenvalue")
    return _report("kronecker_eigh")


def _extra_term_norm(log_pi, A, G):
    """‖π I ⊗ G + A ⊗ I / π‖_F with π = exp(log_pi), from the dense Kronecker products."""
    pi = math.exp(log_pi)
    return np.linalg.norm(pi * np.kron(np.eye(len(A)), G) + np.kron(A, np.eye(len(G))) / pi)


def check_pi_frobenius(pi_frobenius):
    """Exercise: ``pi_frobenius(A, G)``, the π > 0 minimizing ‖π I ⊗ G + A ⊗ I / π‖_F; checked
    against a numerical minimization of the dense norm over π, for factors whose sizes and
    spectra differ (where it differs from the trace-based π rule)."""
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(9)
    for n_A, n_G, spread in ((5, 2, 3), (2, 6, 1), (4, 4, 2)):
        A, G = _spd(rng, n_A, spread) * rng.uniform(1, 20), _spd(rng, n_G, 0.5)
        answer = pi_frobenius(A, G)
        if not _attempted(answer, "pi_frobenius"):
            return None

        best = math.exp(minimize_scalar(_extra_term_norm, bracket=(-3, 3), args=(A, G),
                                        tol=1e-12).x)
        assert math.isclose(float(answer), best, rel_tol=1e-5), (
            f"A {n_A}×{n_A}, G {n_G}×{n_G}: you returned π = {float(answer):.6g}, the norm is "
            f"smallest at π = {best:.6g}; expand the squared norm into three terms")
    return _report("pi_frobenius")


def check_damping_for_radius(damping_for_radius):
    """Exercise: ``damping_for_radius(V, U_A, U_G, s, radius)`` returns δ > 0 such that the
    damped EKFAC step U_G[(U_Gᵀ V U_A) ⊘ (s + δ)]U_Aᵀ has Frobenius norm ``radius``; checked
    by computing that step with the returned δ, for radii from 90 % down to 0.1 % of the
    undamped step's norm."""
    rng = np.random.default_rng(13)
    for n_out, n_in, frac in ((3, 4, 0.9), (5, 2, 0.1), (4, 6, 1e-3)):
        U_A = np.linalg.qr(rng.standard_normal((n_in, n_in)))[0]
        U_G = np.linalg.qr(rng.standard_normal((n_out, n_out)))[0]
        s = np.exp(rng.uniform(-6, 0, (n_out, n_in)))
        V = rng.standard_normal((n_out, n_in))
        radius = frac * np.linalg.norm(U_G @ ((U_G.T @ V @ U_A) / s) @ U_A.T)
        answer = damping_for_radius(V, U_A, U_G, s, radius)
        if not _attempted(answer, "damping_for_radius"):
            return None
        delta = float(answer)
        assert delta > 0, f"δ must be positive, got {delta:g}"
        step = U_G @ ((U_G.T @ V @ U_A) / (s + delta)) @ U_A.T
        assert math.isclose(np.linalg.norm(step), radius, rel_tol=1e-6), (
            f"with δ = {delta:.6g} the step's norm is {np.linalg.norm(step):.6g}, not the "
            f"radius {radius:.6g}")
    return _report("damping_for_radius")
