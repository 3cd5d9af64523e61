"""Numerical checks: finite-difference derivatives and trajectory comparison."""
from __future__ import annotations

import numpy as np

__all__ = ["fd_grad", "fd_hess", "grad_error", "hess_error", "max_deviation",
           "assert_same_trajectory"]


def fd_grad(f, x, h=1e-6):
    """Central-difference gradient of scalar ``f`` at ``x``."""
    x = np.asarray(x, dtype=float)
    E = np.eye(x.size) * h
    return np.array([(f(x + e) - f(x - e)) / (2 * h) for e in E])


def fd_hess(grad, x, h=1e-5):
    """Central-difference Hessian from the gradient (symmetrized)."""
    x = np.asarray(x, dtype=float)
    E = np.eye(x.size) * h
    H = np.array([(grad(x + e) - grad(x - e)) / (2 * h) for e in E])
    return (H + H.T) / 2


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / max(1.0, np.max(np.abs(b))))


def grad_error(objective, x, h=1e-6):
    """Relative max error of ``objective.grad`` against central differences of ``objective.f``."""
    return _rel(objective.grad(x), fd_grad(objective.f, x, h))


def hess_error(objective, x, h=1e-5):
    """Relative max error of ``objective.hess`` against central differences of its gradient."""
    return _rel(objective.hess(x), fd_hess(objective.grad, x, h))


def _iterates(t):
    return np.asarray(getattr(t, "xs", t), dtype=float)


def max_deviation(a, b):
    """Largest absolute difference between two trajectories' iterates (same shape)."""
    xa, xb = _iterates(a), _iterates(b)
    if xa.shape != xb.shape:
        raise ValueError(f"trajectories have different shapes: {xa.shape} vs {xb.shape}")
    return float(np.max(np.abs(xa - xb))) if xa.size else 0.0


def assert_same_trajectory(a, b, atol=1e-10, what="trajectories"):
    """Assert that two runs visit the same iterates to ``atol``; the message names the
    first step and coordinate where they part."""
    xa, xb = _iterates(a), _iterates(b)
    if xa.shape != xb.shape:
        raise AssertionError(f"{what}: different shapes {xa.shape} vs {xb.shape}")
    dev = np.abs(xa - xb)
    bad = np.argwhere(dev > atol)
    if bad.size:
        step, coord = bad[0][0], bad[0][-1] if dev.ndim > 1 else 0
        raise AssertionError(f"{what} differ: max |Δ| = {dev.max():.3g} (atol {atol:g}); first "
                             f"at step {step}, coordinate {coord}")
    return float(dev.max()) if dev.size else 0.0
