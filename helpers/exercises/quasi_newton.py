"""Exercise checks for 04_curvature_aware_optimizers-2/02_quasi_newton_bfgs."""
from __future__ import annotations

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_bfgs_inverse_update", "check_lbfgs_direction", "check_wolfe_conditions"]


def _spd(rng, n):
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    return Q @ np.diag(np.geomspace(0.2, 5.0, n)) @ Q.T


def _pair(rng, n):
    s, y = rng.standard_normal(n), rng.standard_normal(n)
    return (s, y) if y @ s > 0.1 * np.linalg.norm(s) * np.linalg.norm(y) else _pair(rng, n)


def _bfgs(H, s, y):
    rho = 1.0 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(s, y)
    return V @ H @ V.T + rho * np.outer(s, s)


def check_bfgs_inverse_update(bfgs_inverse_update):
    """Exercise: ``bfgs_inverse_update(H, s, y)`` returns BFGS's H_{t+1} from H_t and one pair
    (s, y) with yᵀs > 0; checked on 2-, 3- and 6-dimensional cases for the secant equation
    H_{t+1}y = s, symmetry, and against (I − ρsyᵀ)H(I − ρysᵀ) + ρssᵀ."""
    rng = np.random.default_rng(3)
    for n in (2, 3, 6):
        H = _spd(rng, n)
        s, y = _pair(rng, n)
        answer = bfgs_inverse_update(H.copy(), s.copy(), y.copy())
        if not _attempted(answer, "bfgs_inverse_update"):
            return None
        H1 = np.asarray(answer, dtype=float)
        assert H1.shape == (n, n), f"n = {n}: expected an {n} × {n} matrix, got shape {H1.shape}"
        assert np.allclose(H1 @ y, s, atol=1e-9), \
            f"n = {n}: H_new @ y should equal s (the secant equation); got {H1 @ y} vs {s}"
        assert np.allclose(H1, H1.T, atol=1e-10), f"n = {n}: H_new is not symmetric"
        np.testing.assert_allclose(H1, _bfgs(H, s, y), atol=1e-9, err_msg=(
            f"n = {n}: secant and symmetric, but not BFGS's update (DFP's? or a term missing?)"))
    return _report("bfgs_inverse_update")


def check_lbfgs_direction(lbfgs_direction):
    """Exercise: ``lbfgs_direction(g, S, Y)`` returns the L-BFGS direction d = −H g, where H is
    the result of BFGS-updating γI with the pairs S[i], Y[i] (oldest first) and
    γ = sᵀy / yᵀy of the newest pair; checked against those dense updates, m = 1, 3, 7."""
    rng = np.random.default_rng(5)
    for n, m in ((4, 1), (10, 3), (25, 7)):
        A = _spd(rng, n)
        S = [rng.standard_normal(n) for _ in range(m)]
        Y = [A @ s + 0.05 * rng.standard_normal(n) for s in S]
        g = rng.standard_normal(n)
        answer = lbfgs_direction(g.copy(), [s.copy() for s in S], [y.copy() for y in Y])
        if not _attempted(answer, "lbfgs_direction"):
            return None
        gamma = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1])
        H = gamma * np.eye(n)
        for s, y in zip(S, Y):
            H = _bfgs(H, s, y)
        d = np.asarray(answer, dtype=float)
        assert d.shape == (n,), f"m = {m}: expected a vector of {n} entries, got shape {d.shape}"
        assert d @ g < 0, f"m = {m}: your direction is not a descent direction (dᵀg ≥ 0)"
        np.testing.assert_allclose(d, -H @ g, rtol=1e-8, atol=1e-10, err_msg=(
            f"m = {m}: not −H g for the BFGS matrix of the pairs (check γ and the loop orders)"))
    return _report("lbfgs_direction")


def check_wolfe_conditions(wolfe_conditions):
    """Exercise: ``wolfe_conditions(objective, x, d, alpha, c1, c2)`` returns the pair
    (sufficient decrease holds, strong curvature condition holds) at x + alpha·d; checked on
    Rosenbrock at steps where each of the four combinations occurs."""
    from .. import objectives

    rosen = objectives.get("rosenbrock")
    x = np.array([1.2, 1.0])
    d = -rosen.grad(x) / np.linalg.norm(rosen.grad(x))
    f0, slope0 = rosen.f(x), rosen.grad(x) @ d
    seen = set()
    for alpha in np.concatenate([np.geomspace(1e-4, 1.5, 60), [0.0]]):
        for c1, c2 in ((1e-4, 0.9), (0.3, 0.5)):
            answer = wolfe_conditions(rosen, x.copy(), d.copy(), float(alpha), c1, c2)
            if not _attempted(answer, "wolfe_conditions"):
                return None
            z = x + alpha * d
            want = (bool(rosen.f(z) <= f0 + c1 * alpha * slope0),
                    bool(abs(rosen.grad(z) @ d) <= c2 * abs(slope0)))
            got = tuple(bool(v) for v in answer)
            assert got == want, (
                f"α = {alpha:.4g}, c1 = {c1}, c2 = {c2}: expected (sufficient decrease, "
                f"curvature) = {want}, got {got}")
            seen.add(want)
    assert len(seen) == 4
    return _report("wolfe_conditions")
