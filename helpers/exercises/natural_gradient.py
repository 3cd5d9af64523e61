"""Exercise checks for 03_curvature_aware_optimizers-1/01_natural_gradient_descent."""
from __future__ import annotations

import math

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_poisson_fisher", "check_kl_step", "check_damped_rate"]


def check_poisson_fisher(poisson_fisher):
    """Exercise: ``poisson_fisher(theta)``, the Fisher information of Poisson(λ = e^θ) with
    respect to its log-rate θ; checked against E[(∂ log P(k | θ)/∂θ)²] summed over k."""
    for theta in (-1.5, 0.0, 0.7, 2.3):
        answer = poisson_fisher(theta)
        if not _attempted(answer, "poisson_fisher"):
            return None
        lam = math.exp(theta)
        k = np.arange(int(lam + 40 * math.sqrt(lam) + 60))
        log_pk = k * theta - lam - np.array([math.lgamma(i + 1) for i in k])
        expected = float(np.sum(np.exp(log_pk) * (k - lam) ** 2))    # score = k − e^θ
        assert math.isclose(float(answer), expected, rel_tol=1e-9), (
            f"θ = {theta}: you said {float(answer):.6g}, E[score²] = {expected:.6g}; "
            "differentiate log P(k | θ) = kθ − e^θ − log k! with respect to θ, not λ")
    return _report("poisson_fisher")


def check_kl_step(kl_step):
    """Exercise: ``kl_step(F, g, eps)``, the step d minimizing gᵀd subject to ½dᵀFd = ε.

    Checked on random positive-definite F: the constraint holds, d beats 3,000 random
    feasible directions, and d = −√(2ε / gᵀF⁻¹g) F⁻¹g."""
    rng = np.random.default_rng(5)
    for n, eps in ((2, 0.01), (4, 0.5), (6, 2.0)):
        Q = rng.standard_normal((n, n))
        F = Q @ Q.T + 0.1 * np.eye(n)
        g = rng.standard_normal(n)
        answer = kl_step(F, g, eps)
        if not _attempted(answer, "kl_step"):
            return None
        d = np.asarray(answer, dtype=float).reshape(-1)
        assert d.shape == (n,), f"expected a vector of {n} entries, got shape {d.shape}"
        kl = 0.5 * d @ F @ d
        assert math.isclose(kl, eps, rel_tol=1e-8), \
            f"n = {n}: ½dᵀFd = {kl:.6g}, but the KL budget is ε = {eps}"
        D = rng.standard_normal((3000, n))
        D *= np.sqrt(2 * eps / np.einsum("ij,jk,ik->i", D, F, D))[:, None]   # ½dᵀFd = ε
        assert g @ d <= (D @ g).min() + 1e-12, \
            f"n = {n}: a random direction with the same KL decreases the linear model more"
        nat = np.linalg.solve(F, g)
        np.testing.assert_allclose(d, -np.sqrt(2 * eps / (g @ nat)) * nat, rtol=1e-8, atol=1e-12)
    return _report("kl_step")


def check_damped_rate(damped_rate):
    """Exercise: ``damped_rate(A, delta)``, the factor by which one natural-gradient step
    (η = 1, damping δ, Fisher = A) shrinks the slowest component of the error on ½θᵀAθ;
    measured with :func:`helpers.optimizers.natural_gradient` on rotated quadratics."""
    from ..objectives import quadratic, rotated_quadratic_matrix
    from ..optimizers import natural_gradient
    from ..runner import run

    rng = np.random.default_rng(3)
    for n, kappa, delta in ((2, 10.0, 0.5), (3, 100.0, 0.05), (5, 1e3, 2.0)):
        A = rotated_quadratic_matrix(kappa, 25.0, n, mu=float(rng.uniform(0.1, 2)),
                                     seed=int(rng.integers(99)))
        answer = damped_rate(A, delta)
        if not _attempted(answer, "damped_rate"):
            return None
        q = quadratic(A=A, x0=rng.standard_normal(n))
        e = run(natural_gradient(lr=1.0, damping=delta), q, steps=40).distance(np.zeros(n))
        measured = (e[40] / e[30]) ** (1 / 10)
        assert math.isclose(float(answer), measured, rel_tol=1e-4), (
            f"n = {n}, eigenvalues {np.linalg.eigvalsh(A).round(3)}, δ = {delta}: you said "
            f"{float(answer):.6g}, NGD shrinks the error by {measured:.6g} per step; in A's "
            "eigenbasis the step multiplies each component by 1 − λ/(λ + δ)")
    return _report("damped_rate")
