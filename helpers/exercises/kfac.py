"""Exercise checks for 03_curvature_aware_optimizers-1/02_kfac_from_scratch.

The point of each exercise is to work with Kronecker products without forming them, so
:func:`check_kron_mvp` and :func:`check_kfac_solve` call the learner's function with
``numpy.kron`` disabled; the expected answers are computed here with the dense product.
"""
from __future__ import annotations

import contextlib

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_kron_mvp", "check_pi_rule", "check_kfac_solve"]


def _vec(M):
    return np.asarray(M, dtype=float).reshape(-1, order="F")      # columns stacked


def _unvec(v, shape):
    return np.asarray(v).reshape(shape, order="F")


@contextlib.contextmanager
def _no_kron():
    """``np.kron`` raises inside the block (and is restored afterwards, whatever happens)."""
    original = np.kron

    def forbidden(*args, **kwargs):
        raise AssertionError("np.kron is disabled in this exercise: use the vec identity "
                             "(A ⊗ B) vec X = vec(B X Aᵀ) instead of forming the Kronecker product")

    np.kron = forbidden
    try:
        yield
    finally:
        np.kron = original


def _spd(rng, d, scale):
    M = rng.standard_normal((d, 2 * d))
    return scale * (M @ M.T) / (2 * d)


def check_kron_mvp(kron_mvp):
    """Exercise: ``kron_mvp(A, B, X)`` returns the matrix Y with vec Y = (A ⊗ B) vec X, vec
    stacking columns, for square non-symmetric A (m × m), B (n × n) and X (n × m)."""
    rng = np.random.default_rng(21)
    for m, n in ((3, 2), (2, 4), (4, 4), (1, 3)):
        A, B = rng.standard_normal((m, m)), rng.standard_normal((n, n))
        X = rng.standard_normal((n, m))
        with _no_kron():
            answer = kron_mvp(A, B, X)
        if not _attempted(answer, "kron_mvp"):
            return None
        Y = np.asarray(answer, dtype=float)
        assert Y.shape == X.shape, \
            f"A {m}×{m}, B {n}×{n}: Y must have X's shape {X.shape}, got {Y.shape}"
        want = _unvec(np.kron(A, B) @ _vec(X), X.shape)
        assert np.allclose(Y, want, rtol=1e-10, atol=1e-12), (
            f"A {m}×{m}, B {n}×{n}: vec(Y) ≠ (A ⊗ B) vec(X) — which factor multiplies from which "
            "side, and is one of them transposed?")
    return _report("kron_mvp")


def check_pi_rule(pi_rule):
    """Exercise: ``pi_rule(A, G)`` returns π = √((tr A / d_A) / (tr G / d_G)); checked against
    the formula and by the minimality of tr(π√δ I⊗G + √δ/π A⊗I) = √δ(π d_A tr G + d_G tr A / π)
    over a grid of π around the answer."""
    rng = np.random.default_rng(22)
    cases = ((5, 3, 1.0, 1.0), (9, 2, 40.0, 0.01), (2, 7, 1e-3, 5.0), (4, 4, 3.0, 0.2))
    for dA, dG, sA, sG in cases:
        A, G = _spd(rng, dA, sA), _spd(rng, dG, sG)
        answer = pi_rule(A, G)
        if not _attempted(answer, "pi_rule"):
            return None
        pi = float(answer)
        want = np.sqrt((np.trace(A) / dA) / (np.trace(G) / dG))
        grid = pi * np.geomspace(0.5, 2.0, 41)
        cost = grid * dA * np.trace(G) + dG * np.trace(A) / grid    # the trace, up to √δ
        assert pi > 0 and cost[20] <= cost.min() * (1 + 1e-12), (
            f"d_A = {dA}, d_G = {dG}: π = {pi:.4g} does not minimize the cross terms' trace "
            f"(the minimizer is {want:.4g}); mind the dimensions d_A and d_G")
        assert np.isclose(pi, want, rtol=1e-9), \
            f"d_A = {dA}, d_G = {dG}: expected {want:.6g}, got {pi:.6g}"
    return _report("pi_rule")


def check_kfac_solve(kfac_solve):
    """Exercise: ``kfac_solve(A, G, V, delta)`` returns S with vec S = ((A + π√δ I) ⊗
    (G + √δ/π I))⁻¹ vec V, π from the π rule; compared with a dense ``np.linalg.solve``."""
    rng = np.random.default_rng(23)
    cases = ((6, 3, 1e-3, 1.0, 1.0), (4, 5, 0.1, 20.0, 0.01), (3, 2, 10.0, 0.5, 2.0))
    for dA, dG, delta, sA, sG in cases:
        A, G = _spd(rng, dA, sA), _spd(rng, dG, sG)
        A[-1, :] = A[:, -1] = 0.0                                    # a dead unit: A is singular
        V = rng.standard_normal((dG, dA))
        with _no_kron():
            answer = kfac_solve(A, G, V, delta)
        if not _attempted(answer, "kfac_solve"):
            return None
        S = np.asarray(answer, dtype=float)
        assert S.shape == V.shape, f"S must have V's shape {V.shape}, got {S.shape}"
        pi = np.sqrt((np.trace(A) / dA) / (np.trace(G) / dG))
        r = np.sqrt(delta)
        M = np.kron(A + pi * r * np.eye(dA), G + r / pi * np.eye(dG))
        want = _unvec(np.linalg.solve(M, _vec(V)), V.shape)
        assert np.allclose(S, want, rtol=1e-8, atol=1e-10 * np.abs(want).max()), (
            f"d_A = {dA}, d_G = {dG}, δ = {delta}: S differs from the dense solve by "
            f"{np.abs(S - want).max():.3g} — factored damping (A + π√δ I) ⊗ (G + √δ/π I), "
            "not A ⊗ G + δI, and π from the traces")
    return _report("kfac_solve")
