"""Exercise checks for 04_curvature_aware_optimizers-2/04_hessian_spectrum_visualization."""
from __future__ import annotations

import itertools
import math

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_lambda_min", "check_max_stable_sharpness", "check_hutchinson_variance"]


def _matrix(eigenvalues, seed):
    """A dense symmetric matrix with the given spectrum and a random eigenbasis."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))[0]
    return (Q * eigenvalues) @ Q.T


def check_lambda_min(lambda_min, n=400, budget=300):
    """Exercise: ``lambda_min(hvp, n, lam_max)`` returns the smallest eigenvalue of a symmetric H
    given only ``hvp`` (v ↦ Hv) and the exact λ_max, with at most ``budget`` < n products (so
    the dense matrix cannot be rebuilt). Checked on three 400 × 400 matrices — indefinite,
    positive definite, and one whose largest |λ| is negative — against ``numpy.linalg.eigvalsh``."""
    rng = np.random.default_rng(21)
    spectra = (
        np.r_[-3.0, -2.5, rng.uniform(-1, 4, n - 3), 10.0],          # indefinite, λ_max dominant
        np.r_[0.1, 0.5, rng.uniform(0.6, 4, n - 3), 5.0],             # positive definite
        np.r_[-20.0, -17.0, rng.uniform(-5, 3, n - 3), 5.0],          # |λ_min| > λ_max
    )
    for i, lam in enumerate(spectra):
        H = _matrix(lam, seed=100 + i)
        exact = np.linalg.eigvalsh(H)
        calls = [0]

        def hvp(v, H=H, calls=calls):
            calls[0] += 1
            return H @ np.asarray(v, dtype=float)

        answer = lambda_min(hvp, n, float(exact[-1]))
        if not _attempted(answer, "lambda_min"):
            return None
        scale = np.abs(exact).max()
        assert calls[0] <= budget, (
            f"matrix {i + 1}: {calls[0]} products; stay within {budget} (n = {n})")
        assert abs(float(answer) - exact[0]) <= 1e-6 * scale, (
            f"matrix {i + 1}: you returned {float(answer):.6g}, λ_min is {exact[0]:.6g} "
            f"(λ_max = {exact[-1]:.6g}); power iteration on λ_max·I − H finds λ_max − λ_min")
    return _report("lambda_min")


def check_max_stable_sharpness(max_stable_sharpness):
    """Exercise: ``max_stable_sharpness(eta, beta)``, the largest curvature λ for which heavy-ball
    momentum in torch's form (:func:`helpers.optimizers.momentum`) is stable on f = ½λθ².
    Checked by the spectral radius of the 2 × 2 iteration matrix just below and above the
    answer, and by running the optimizer itself there."""
    from ..optimizers import momentum

    for eta, beta in ((0.1, 0.0), (0.1, 0.9), (0.01, 0.5), (1.0, 0.3)):
        answer = max_stable_sharpness(eta, beta)
        if not _attempted(answer, "max_stable_sharpness"):
            return None
        lam = float(answer)
        assert math.isfinite(lam) and lam > 0, f"η={eta}, β={beta}: {answer!r} is not a curvature"

        def radius(curvature, eta=eta, beta=beta):
            # (θ, b) after one step of b ← βb + λθ, θ ← θ − ηb
            M = np.array([[1 - eta * curvature, -eta * beta], [curvature, beta]])
            return np.abs(np.linalg.eigvals(M)).max()

        def final_size(curvature, eta=eta, beta=beta, steps=3000):
            opt = momentum(lr=eta, momentum=beta)
            theta = np.array([1.0])
            state = opt.init(theta)
            for _ in range(steps):
                theta, state = opt.update(curvature * theta, state, theta)
                if not np.isfinite(theta).all() or abs(theta[0]) > 1e6:
                    return math.inf
            return abs(theta[0])

        hint = (f"η={eta}, β={beta}: you said λ = {lam:.6g}; the iteration matrix "
                "[[1 − ηλ, −ηβ], [λ, β]] has an eigenvalue −1 at the threshold")
        assert radius(0.999 * lam) < 1 < radius(1.001 * lam), hint
        assert final_size(0.97 * lam) < 1 < final_size(1.03 * lam), hint
    return _report("max_stable_sharpness")


def check_hutchinson_variance(hutchinson_variance):
    """Exercise: ``hutchinson_variance(H, distribution)``, the exact variance of one sample zᵀHz
    for ``"rademacher"`` probes (checked by enumerating all 2⁶ sign vectors) and ``"gaussian"``
    probes (checked by Isserlis' theorem, E[zᵢzⱼzₖzₗ] = δᵢⱼδₖₗ + δᵢₖδⱼₗ + δᵢₗδⱼₖ)."""
    rng = np.random.default_rng(5)
    n = 6
    eye = np.eye(n)
    fourth = (np.einsum("ij,kl->ijkl", eye, eye) + np.einsum("ik,jl->ijkl", eye, eye)
              + np.einsum("il,jk->ijkl", eye, eye))
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=n)))
    A = rng.standard_normal((n, n))
    cases = (A + A.T, np.diag(rng.uniform(1, 5, n)), A + A.T + 10 * np.eye(n))
    for i, H in enumerate(cases):
        quad = np.einsum("si,ij,sj->s", signs, H, signs)
        expected = {"rademacher": quad.var(),
                    "gaussian": np.einsum("ij,kl,ijkl->", H, H, fourth) - np.trace(H) ** 2}
        for distribution, want in expected.items():
            answer = hutchinson_variance(H.copy(), distribution)
            if not _attempted(answer, "hutchinson_variance"):
                return None
            assert math.isclose(float(answer), want, rel_tol=1e-9, abs_tol=1e-9), (
                f"matrix {i + 1}, {distribution}: you said {float(answer):.6g}, the exact "
                f"variance is {want:.6g}")
    return _report("hutchinson_variance")
