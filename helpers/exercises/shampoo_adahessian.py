"""Exercise checks for 03_curvature_aware_optimizers-1/04_shampoo_and_adahessian."""
from __future__ import annotations

import itertools

import numpy as np
import scipy.linalg

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_inverse_root", "check_hutchinson_variance", "check_shampoo_direction"]


def check_inverse_root(inverse_root):
    """Exercise: ``inverse_root(M, p)`` returns M^(-1/p) of a symmetric positive definite M;
    checked against ``scipy.linalg.fractional_matrix_power`` (a Schur–Padé method, independent
    of the eigendecomposition) for sizes 1–6 and p = 1, 2, 4 and 3.5, and by X^p M = I."""
    rng = np.random.default_rng(3)
    for size, p in ((1, 2), (2, 4), (3, 1), (5, 4), (6, 3.5)):
        X = rng.standard_normal((size, size + 3))
        M = X @ X.T / (size + 3) + 0.1 * np.eye(size)
        answer = inverse_root(M, p)
        if not _attempted(answer, "inverse_root"):
            return None
        got = np.asarray(answer, dtype=float).reshape(size, size)
        want = np.real(scipy.linalg.fractional_matrix_power(M, -1 / p))
        assert np.allclose(got, got.T, atol=1e-10), f"{size} × {size}, p = {p}: not symmetric"
        assert np.allclose(got, want, rtol=1e-8, atol=1e-10), (
            f"{size} × {size}, p = {p}: expected M^(-1/p) = Q diag(λ^(-1/p)) Qᵀ, got a matrix "
            f"off by "
            f"{np.abs(got - want).max():.2g} (elementwise powers are not matrix powers)")
        if float(p).is_integer():
            assert np.allclose(np.linalg.matrix_power(got, int(p)) @ M, np.eye(size), atol=1e-8)
    return _report("inverse_root")


def check_hutchinson_variance(hutchinson_variance):
    """Exercise: ``hutchinson_variance(H)`` returns, per coordinate i, the variance of
    (z ⊙ Hz)_i for Rademacher z; computed here by enumerating all 2^n sign vectors of random
    symmetric matrices with n = 2, 4 and 7."""
    rng = np.random.default_rng(5)
    for n in (2, 4, 7):
        A = rng.standard_normal((n, n)) * rng.uniform(0.2, 3)
        H = A + A.T + np.diag(rng.uniform(-2, 2, n))
        answer = hutchinson_variance(H)
        if not _attempted(answer, "hutchinson_variance"):
            return None
        Z = np.array(list(itertools.product((-1.0, 1.0), repeat=n)))
        D = Z * (Z @ H)                                   # every equally likely estimate
        want = D.var(axis=0)
        assert np.allclose(D.mean(axis=0), np.diag(H))    # the estimator is unbiased
        got = np.asarray(answer, dtype=float).reshape(-1)
        assert got.shape == (n,) and np.allclose(got, want, rtol=1e-9, atol=1e-12), (
            f"n = {n}: expected the variances {np.round(want, 4)}, got {np.round(got, 4)} — "
            "(z ⊙ Hz)_i = H_ii + Σ_{j≠i} H_ij z_i z_j, and the z_i z_j are independent ±1")
    return _report("hutchinson_variance")


def check_shampoo_direction(shampoo_direction):
    """Exercise: ``shampoo_direction(gradients, eps)`` returns L_t^(-1/4) G_t R_t^(-1/4) for the
    list of m × n gradients so far; compared with the step of :func:`helpers.optimizers.shampoo`
    (lr = 1) after each of 5 gradients, for a tall, a wide and a square matrix."""
    from ..optimizers import shampoo

    rng = np.random.default_rng(9)
    for (m, n), eps in (((4, 2), 1e-3), ((2, 5), 1e-2), ((3, 3), 1e-4)):
        opt = shampoo(lr=1.0, eps=eps, shape=(m, n))
        theta = np.zeros(m * n)
        state = opt.init(theta)
        grads = []
        for t in range(5):
            grads.append(rng.standard_normal((m, n)) * rng.uniform(0.1, 10))
            answer = shampoo_direction([G.copy() for G in grads], eps)
            if not _attempted(answer, "shampoo_direction"):
                return None
            new, state = opt.update(grads[-1].ravel(), state, theta)
            want, theta = (theta - new).reshape(m, n), new
            got = np.asarray(answer, dtype=float)
            assert got.shape == (m, n), f"shape {got.shape}, expected {(m, n)}"
            assert np.allclose(got, want, rtol=1e-8, atol=1e-10), (
                f"{m} × {n}, step {t + 1}: off by {np.abs(got - want).max():.2g}; L sums G Gᵀ "
                "(m × m), R sums Gᵀ G (n × n), both over every gradient so far, and each gets "
                "the power −1/4")
    return _report("shampoo_direction")
