"""Exercise checks for 04_curvature_aware_optimizers-2/01_newton_and_levenberg_marquardt."""
from __future__ import annotations

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_cauchy_point", "check_lm_step", "check_saddle_free_step"]


def _model(g, H, p):
    return float(g @ p + 0.5 * p @ H @ p)


def _cases(rng):
    """(g, H, Δ) with positive-definite, indefinite and negative-definite H, long and short Δ,
    and one with gᵀHg = 0."""
    Q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    cases = []
    for eigs in ((1.0, 4.0, 20.0), (-2.0, 1.0, 5.0), (-3.0, -1.0, -0.5)):
        H = Q @ np.diag(eigs) @ Q.T
        for radius in (0.05, 1.0, 50.0):
            cases.append((rng.standard_normal(3), H, radius))
    H = np.diag([1.0, -1.0, 2.0])
    cases.append((np.array([1.0, 1.0, 0.0]), H, 0.7))           # gᵀHg = 0: no curvature along g
    return cases


def check_cauchy_point(cauchy_point):
    """Exercise: ``cauchy_point(g, H, radius)`` returns the minimizer of the model
    m(p) = gᵀp + ½pᵀHp along −g inside the ball ‖p‖ ≤ Δ. The expected point is found here by
    comparing the model at the two candidates t = Δ and t = ‖g‖³/(gᵀHg) (when gᵀHg > 0 and it
    is shorter than Δ) of p = −t g/‖g‖."""
    rng = np.random.default_rng(3)
    for g, H, radius in _cases(rng):
        answer = cauchy_point(g, H, radius)
        if not _attempted(answer, "cauchy_point"):
            return None
        p = np.asarray(answer, dtype=float).reshape(-1)
        u = -g / np.linalg.norm(g)
        curvature = float(g @ H @ g)
        candidates = [radius] + ([np.linalg.norm(g) ** 3 / curvature]
                                 if curvature > 0 and np.linalg.norm(g) ** 3 / curvature < radius
                                 else [])
        t = min(candidates, key=lambda t_: _model(g, H, t_ * u))
        assert p.shape == g.shape, f"return a vector of shape {g.shape}, got {p.shape}"
        assert np.linalg.norm(p) <= radius * (1 + 1e-9), (
            f"‖p‖ = {np.linalg.norm(p):.4g} leaves the trust region of radius {radius}")
        assert np.allclose(p, t * u, rtol=1e-8, atol=1e-12), (
            f"λ(H) = {np.linalg.eigvalsh(H).round(2)}, Δ = {radius}: expected {t * u}, got {p}; "
            "τ = 1 when gᵀHg ≤ 0, else min(1, ‖g‖³/(Δ gᵀHg))")
    return _report("cauchy_point")


def check_lm_step(lm_step):
    """Exercise: ``lm_step(J, r, delta, scaling)`` solves (JᵀJ + δD)p = −Jᵀr with D = I
    ("levenberg") or diag(JᵀJ) ("marquardt"). Checked against the equivalent augmented
    least-squares problem min ‖[J; √δ D^½] p + [r; 0]‖, solved by ``numpy.linalg.lstsq``,
    on random problems with columns of very different scales (as NIST's Misra1a)."""
    rng = np.random.default_rng(5)
    for m, n in ((14, 2), (11, 4), (6, 3)):
        J = rng.standard_normal((m, n)) * np.logspace(-2, 4, n)    # badly scaled columns
        r = rng.standard_normal(m)
        for delta in (0.0, 1e-3, 1.0, 1e3):
            for scaling in ("levenberg", "marquardt"):
                answer = lm_step(J, r, delta, scaling)
                if not _attempted(answer, "lm_step"):
                    return None
                d = np.ones(n) if scaling == "levenberg" else np.sum(J**2, axis=0)
                A = np.vstack([J, np.diag(np.sqrt(delta * d))])
                expected = np.linalg.lstsq(A, -np.r_[r, np.zeros(n)], rcond=None)[0]
                p = np.asarray(answer, dtype=float).reshape(-1)
                assert p.shape == (n,), f"return a vector of {n} entries, got shape {p.shape}"
                assert np.allclose(p, expected, rtol=1e-6, atol=1e-10 * np.abs(expected).max()), (
                    f"J {m}×{n}, δ = {delta:g}, scaling={scaling!r}: expected {expected}, got {p}")
    return _report("lm_step")


def check_saddle_free_step(saddle_free_step):
    """Exercise: ``saddle_free_step(g, H)`` returns Dauphin et al.'s (2014) step −|H|⁻¹g,
    where |H| has H's eigenvectors and the absolute values of its eigenvalues. Checked against
    |H| = V S Vᵀ from the SVD H = U S Vᵀ, for positive-definite H (it must equal Newton's step)
    and indefinite H (it must be a descent direction), and by running it on the saddle
    f = θ₁² − θ₂² from near the saddle point, which it must escape."""
    rng = np.random.default_rng(11)
    for eigs in ((0.5, 2.0, 9.0), (-4.0, 0.3, 2.0), (-1.0, -2.0, 5.0)):
        Q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
        H, g = Q @ np.diag(eigs) @ Q.T, rng.standard_normal(3)
        answer = saddle_free_step(g, H)
        if not _attempted(answer, "saddle_free_step"):
            return None
        _, S, Vt = np.linalg.svd(H)
        expected = -np.linalg.solve(Vt.T @ np.diag(S) @ Vt, g)
        p = np.asarray(answer, dtype=float).reshape(-1)
        assert np.allclose(p, expected, rtol=1e-8), (
            f"eigenvalues {eigs}: expected {expected}, got {p}; |H| = Q|Λ|Qᵀ")
        assert g @ p < 0, "the step must point downhill: gᵀp < 0"
        if min(eigs) > 0:
            assert np.allclose(p, -np.linalg.solve(H, g)), "for H ≻ 0 it is Newton's step"
    theta = np.array([0.3, 1e-3])                        # f = θ₁² − θ₂², H = diag(2, −2)
    for _ in range(12):
        theta = theta + np.asarray(saddle_free_step(2 * theta * [1, -1], np.diag([2.0, -2.0])))
    assert abs(theta[0]) < 1e-12 and abs(theta[1]) > 1, (
        f"12 steps from (0.3, 0.001) ended at {theta}: it should solve θ₁ and escape along θ₂")
    return _report("saddle_free_step")
