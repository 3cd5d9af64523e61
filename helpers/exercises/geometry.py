"""Exercise checks for 05_visualizations/02_loss_surface_geometry."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_classify_critical_point", "check_optimal_gd", "check_escape_time"]


def _matrix(eigenvalues, seed):
    """A dense symmetric matrix with the given spectrum and a random eigenbasis."""
    rng = np.random.default_rng(seed)
    n = len(eigenvalues)
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    return (Q * np.asarray(eigenvalues, dtype=float)) @ Q.T


def _kind(H, tol=1e-9):
    lam = np.linalg.eigvalsh(H)
    scale = np.abs(lam).max()
    negative, positive = lam < -tol * scale, lam > tol * scale
    if negative.any() and positive.any():
        return "saddle"
    if positive.all():
        return "minimum"
    return "maximum" if negative.all() else "degenerate"


_SPECTRA = ([2.0, 3.0], [-1.0, -4.0], [-1.0, 2.0], [0.0, 3.0], [0.0, -3.0], [0.0, 0.0],
            [-1.0, -2.0, 5.0], [-2.0, 0.0, 5.0], [1.0, 2.0, 3.0, 4.0], [-3.0, -2.0, -1.0, -0.5],
            [1e-3, 5.0, 7.0], [-1e-3, 4.0, 6.0, 9.0, 12.0], [0.0, 1.0, 2.0, 3.0, 4.0])


def check_classify_critical_point(classify_critical_point):
    """Exercise: ``classify_critical_point(H)`` names the type of a critical point from its
    (symmetric, n × n) Hessian: "minimum", "maximum", "saddle" or "degenerate" (semi-definite
    with a zero eigenvalue, where the second-order test says nothing). Checked on 13 matrices,
    2 × 2 to 5 × 5, with random eigenbases."""
    for i, lam in enumerate(_SPECTRA):
        H = _matrix(lam, seed=30 + i)
        H[np.abs(H) < 1e-15] = 0.0
        answer = classify_critical_point(H)
        if not _attempted(answer, "classify_critical_point"):
            return None
        expected = _kind(H)
        assert str(answer) == expected, (
            f"for a {len(lam)} × {len(lam)} Hessian with eigenvalues {np.round(lam, 4).tolist()} "
            f"you said {answer!r}; it is a {expected}: count the eigenvalues' signs (in n > 2 "
            "dimensions det and trace are not enough)")
    return _report("classify_critical_point")


def check_optimal_gd(optimal_gd):
    """Exercise: ``optimal_gd(mu, L)`` returns ``(eta, rate)``: the constant step that makes GD
    fastest on every quadratic whose Hessian eigenvalues lie in [μ, L] (the smallest worst-case
    factor max|1 − ηλ|), and the factor by which it then shrinks ‖θ − θ*‖ per step, measured by
    running GD on a quadratic with eigenvalues μ and L."""
    for mu, L in ((1.0, 10.0), (0.5, 0.7), (2.0, 2000.0)):
        answer = optimal_gd(mu, L)
        if not _attempted(answer, "optimal_gd"):
            return None
        eta, rate = map(float, answer)

        def worst(step, mu=mu, L=L):
            return max(abs(1 - step * mu), abs(1 - step * L))

        best = 2 / (L + mu)
        assert math.isclose(eta, best, rel_tol=1e-9), (
            f"μ={mu}, L={L}: with η = {eta:.6g} the worst factor max|1 − ηλ| is "
            f"{worst(eta):.6g}; η = {best:.6g} gives {worst(best):.6g} "
            "(balance |1 − ημ| = |1 − ηL|)")
        A, e = np.diag([mu, L]), np.array([1.0, 1.0])
        for _ in range(40):
            e = e - eta * A @ e
        measured = float(np.linalg.norm(e) / math.sqrt(2)) ** (1 / 40)
        assert math.isclose(rate, measured, rel_tol=1e-9), (
            f"μ={mu}, L={L}: GD with η = {eta:.6g} shrinks the error by {measured:.6g} per step, "
            f"not {rate:.6g}")
    return _report("optimal_gd")


def _escape_medians(eta, gamma, sigma, r, k, seeds=2000, steps=20000, seed=0):
    """Median first step with ‖u_t‖ ≥ r for u ← (1 + ηγ)u − ησξ in k dimensions, u₀ = 0."""
    rng = np.random.default_rng(seed)
    u = np.zeros((seeds, k))
    hit = np.full(seeds, -1)
    for t in range(1, steps + 1):
        u = (1 + eta * gamma) * u - eta * sigma * rng.standard_normal(u.shape)
        hit[(hit < 0) & (np.linalg.norm(u, axis=1) >= r)] = t
        if (hit > 0).all():
            break
    return float(np.median(hit)), len(hit)


def _median_standard_error(eta, gamma, k, seeds):
    """Sampling error of the median escape time: T = c − log R / log q with R ~ χ_k."""
    chi = stats.chi(k)
    r_med = chi.median()
    return 1 / (2 * math.sqrt(seeds) * chi.pdf(r_med) * r_med * math.log1p(eta * gamma))


def check_escape_time(escape_time):
    """Exercise: ``escape_time(eta, gamma, sigma, r, k)`` predicts the median number of steps
    noisy gradient descent θ ← θ − η(∇f(θ) + σξ), ξ ~ N(0, I), started exactly on a saddle
    whose Hessian has k eigenvalues −γ, needs to move a distance r away from it along the
    unstable directions. Checked against 2,000 simulated runs of the linearized dynamics per
    case, with a tolerance of 1 step (the discrete crossing) plus 3 standard errors of the
    simulated median."""
    cases = ((0.1, 0.2, 1e-6, 0.1, 1), (0.05, 0.4, 1e-8, 0.05, 3), (0.5, 0.1, 1e-4, 0.1, 2),
             (0.5, 1.0, 1e-3, 0.1, 5))
    for eta, gamma, sigma, r, k in cases:
        answer = escape_time(eta, gamma, sigma, r, k)
        if not _attempted(answer, "escape_time"):
            return None
        median, seeds = _escape_medians(eta, gamma, sigma, r, k)
        tol = 1 + 3 * _median_standard_error(eta, gamma, k, seeds)
        assert abs(float(answer) - median) <= tol, (
            f"η={eta}, γ={gamma}, σ={sigma}, r={r}, k={k}: you predicted {float(answer):.1f} "
            f"steps; {seeds} simulated runs took a median of {median:.1f} (tolerance ±{tol:.1f}). "
            "The unstable part grows by 1 + ηγ per step from noise of size ησ per step; its "
            "norm is ησ (1+ηγ)^t R / √((1+ηγ)² − 1) with R ~ χ_k")
    return _report("escape_time")
