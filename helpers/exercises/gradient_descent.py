"""Exercise checks for 01_basics/01_gradient_descent."""
from __future__ import annotations

import math

import numpy as np

from .. import objectives
from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_max_stable_lr", "check_steps_to_tolerance", "check_backtracking"]


def check_max_stable_lr(max_stable_lr):
    """Exercise: ``max_stable_lr(A)`` is the supremum of stable GD step sizes on ½θᵀAθ."""
    rng = np.random.default_rng(7)
    for n in (2, 3, 5):
        A = objectives.rotated_quadratic_matrix(kappa=rng.uniform(2, 200), n=n,
                                                mu=rng.uniform(0.1, 3), seed=int(rng.integers(99)))
        answer = max_stable_lr(A)
        if not _attempted(answer, "max_stable_lr"):
            return None
        expected = 2 / np.linalg.eigvalsh(A).max()
        assert math.isclose(float(answer), expected, rel_tol=1e-8), (
            f"for an A with eigenvalues {np.linalg.eigvalsh(A).round(3)} you returned "
            f"{answer:.6g}, "
            "but GD is stable exactly when |1 − ηλ| < 1 for every eigenvalue λ")
    return _report("max_stable_lr")


def check_steps_to_tolerance(steps_to_tolerance):
    """Exercise: fewest GD steps (optimal η) that shrink ‖e‖ by ``tol`` on any quadratic
    with condition number ``kappa``; checked against measured runs."""
    from ..optimizers import sgd
    from ..runner import run

    for kappa, tol in ((4.0, 1e-3), (50.0, 1e-6), (300.0, 1e-4)):
        answer = steps_to_tolerance(kappa, tol)
        if not _attempted(answer, "steps_to_tolerance"):
            return None
        q = objectives.get("ill_conditioned", kappa=kappa, angle=25.0)
        eta = 2 / (q.params["L"] + q.params["mu"])
        e = run(sgd(lr=eta), q, steps=int(3 * kappa * math.log(1 / tol)) + 10).distance()
        measured = int(np.flatnonzero(e <= tol * e[0] * (1 + 1e-9))[0])
        assert int(answer) == measured, (
            f"κ={kappa:g}, tol={tol:g}: you said {answer}, GD with η = 2/(L+μ) needs {measured}; "
            "every step multiplies ‖e‖ by exactly (κ−1)/(κ+1)")
    return _report("steps_to_tolerance")


def check_backtracking(gd_backtracking, c=1e-4):
    """Exercise: GD with Armijo backtracking. ``gd_backtracking(objective, theta0, steps)``
    returns the iterates; every step must satisfy the sufficient-decrease condition
    ``f(θ⁺) ≤ f(θ) − c·η‖g‖²`` for the η it took, and Beale's function must be solved
    to f − f* < 1e-10 in 2,000 steps with no learning rate to tune."""
    obj = objectives.get("beale")
    xs = gd_backtracking(obj, obj.x0, 2000)
    if not _attempted(xs, "gd_backtracking"):
        return None
    xs = np.asarray(xs, dtype=float)
    assert xs.ndim == 2 and xs.shape[1] == 2 and np.allclose(xs[0], obj.x0), \
        "return the array of iterates, starting with theta0"
    for t in range(len(xs) - 1):
        g = obj.grad(xs[t])
        eta = np.dot(xs[t] - xs[t + 1], g) / np.dot(g, g)   # the η this step used
        assert np.allclose(xs[t + 1], xs[t] - eta * g, atol=1e-12), \
            f"step {t} is not along −∇f"
        assert obj.f(xs[t + 1]) <= obj.f(xs[t]) - c * eta * np.dot(g, g) + 1e-15, \
            f"step {t} violates the Armijo condition with c={c}"
    gap = obj.f(xs[-1]) - obj.f_min
    assert gap < 1e-10, f"after {len(xs) - 1} steps f − f* = {gap:.2e}; expected < 1e-10"
    return _report("gd_backtracking")
