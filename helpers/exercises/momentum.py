"""Exercise checks for 01_basics/02_momentum_and_nesterov."""
from __future__ import annotations

import math

import numpy as np

from .. import objectives
from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_optimal_heavy_ball", "check_ema_from_torch", "check_max_stable_lr"]


def _iteration_matrix(h, beta, nesterov=False):
    """The 2×2 matrix mapping (e_t, e_{t−1}) to (e_{t+1}, e_t) along an eigen-direction
    with h = ηλ, for heavy ball or Nesterov (torch's iterates)."""
    if nesterov:
        return np.array([[(1 + beta) * (1 - h), -beta * (1 - h)], [1.0, 0.0]])
    return np.array([[1 + beta - h, -beta], [1.0, 0.0]])


def _rho(h, beta, nesterov=False):
    return float(np.abs(np.linalg.eigvals(_iteration_matrix(h, beta, nesterov))).max())


def check_optimal_heavy_ball(optimal_heavy_ball):
    """Exercise: ``optimal_heavy_ball(L, mu) -> (eta, beta)`` minimizes the worst spectral
    radius of heavy ball's iteration matrices over the eigenvalues in [mu, L]."""
    for L, mu in ((10.0, 0.1), (4.0, 1.0), (250.0, 2.5)):
        answer = optimal_heavy_ball(L, mu)
        if not _attempted(answer, "optimal_heavy_ball"):
            return None
        eta, beta = (float(v) for v in answer)
        lams = np.linspace(mu, L, 401)
        worst = max(_rho(eta * lam, beta) for lam in lams)
        kappa = L / mu
        best = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
        # a double eigenvalue at λ = μ is computed only to ~√(machine ε): allow 1e-6
        assert worst <= best + 1e-6, (
            f"L={L:g}, μ={mu:g}: with η={eta:.4g}, β={beta:.4g} the slowest eigen-direction "
            f"contracts by {worst:.4f} per step; the best pair reaches (√κ−1)/(√κ+1) = {best:.4f}")
    return _report("optimal_heavy_ball")


def check_ema_from_torch(ema_from_torch):
    """Exercise: ``ema_from_torch(lr, momentum) -> (eta, beta)`` for the EMA form
    m ← βm + (1−β)g, θ ← θ − η m, so that it visits torch.optim.SGD(lr, momentum)'s
    iterates (checked by running both on Rosenbrock)."""
    from ..optimizers import momentum as heavy_ball
    from ..runner import run

    obj = objectives.get("rosenbrock")
    for lr, momentum in ((1e-3, 0.9), (5e-4, 0.5), (1e-4, 0.95)):
        answer = ema_from_torch(lr, momentum)
        if not _attempted(answer, "ema_from_torch"):
            return None
        eta, beta = (float(v) for v in answer)
        theta, m, thetas = np.array(obj.x0, dtype=float), np.zeros(2), []
        for _ in range(200):
            thetas.append(theta)
            m = beta * m + (1 - beta) * obj.grad(theta)
            theta = theta - eta * m
        with np.errstate(all="ignore"):
            dev = np.max(np.abs(np.array(thetas) - run(heavy_ball(lr=lr, momentum=momentum),
                                                        obj, steps=199).xs))
        assert dev <= 1e-9, (
            f"torch lr={lr:g}, momentum={momentum:g}: your EMA form (η={eta:.4g}, β={beta:.4g}) "
            f"leaves torch's path by up to {dev:.3g}; the EMA buffer m is (1−β) times torch's "
            "buffer b, so the learning rate must make up for it")
    return _report("ema_from_torch")


def check_max_stable_lr(max_stable_lr):
    """Exercise: ``max_stable_lr(L, beta, nesterov)`` is the supremum of learning rates for
    which heavy ball (or Nesterov) converges on every quadratic with largest curvature L
    (0 < λ ≤ L); checked by bisection on the iteration matrix's spectral radius."""
    for L, beta, nesterov in ((10.0, 0.9, False), (10.0, 0.9, True), (3.0, 0.5, False),
                              (3.0, 0.5, True), (100.0, 0.0, False)):
        answer = max_stable_lr(L, beta, nesterov)
        if not _attempted(answer, "max_stable_lr"):
            return None
        lo, hi = 0.0, 10.0 / L        # the step at λ = L binds; bisect ρ(ηL) = 1
        for _ in range(100):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if _rho(mid * L, beta, nesterov) < 1 else (lo, mid)
        kind = "Nesterov" if nesterov else "heavy ball"
        assert math.isclose(float(answer), lo, rel_tol=1e-6), (
            f"{kind}, L={L:g}, β={beta:g}: you returned {float(answer):.6g}, but the iteration "
            f"matrix's spectral radius at λ = L reaches 1 at η = {lo:.6g}")
    return _report("max_stable_lr")
