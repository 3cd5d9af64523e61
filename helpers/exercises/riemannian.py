"""Exercise checks for 03_curvature_aware_optimizers-1/03_riemannian_optimization."""
from __future__ import annotations

import math

import numpy as np

from ._common import attempted as _attempted
from ._common import report as _report

__all__ = ["check_sphere_log", "check_rayleigh_hessian", "check_max_stable_lr"]


def check_sphere_log(sphere_log):
    """Exercise: ``sphere_log(x, y)``, the logarithm map of the unit sphere: the tangent vector
    v at x with ``Exp_x(v) = y`` and ‖v‖ = the geodesic distance arccos(xᵀy) < π. Checked on
    random pairs in several dimensions (near, far, almost antipodal and x = y) through
    :meth:`helpers.manifolds.Sphere.exp`."""
    from ..manifolds import Sphere

    rng = np.random.default_rng(3)
    for n in (2, 3, 10):
        S = Sphere(n)
        for spread in (1e-3, 0.5, 2.0, 3.1, 0.0):
            x = S.random_point(int(rng.integers(10**6)))
            y = S.exp(x, spread * S.random_tangent(x, int(rng.integers(10**6))))
            answer = sphere_log(x.copy(), y.copy())
            if not _attempted(answer, "sphere_log"):
                return None
            v = np.asarray(answer, dtype=float)
            assert v.shape == x.shape, f"n = {n}: shape {v.shape}, expected {x.shape}"
            assert abs(x @ v) < 1e-9, f"n = {n}: your v is not tangent at x (xᵀv = {x @ v:.3g})"
            assert math.isclose(np.linalg.norm(v), S.dist(x, y), rel_tol=1e-7, abs_tol=1e-7), (
                f"n = {n}: ‖v‖ = {np.linalg.norm(v):.6g}, but the geodesic distance arccos(xᵀy) "
                f"is {S.dist(x, y):.6g}")
            assert np.allclose(S.exp(x, v), y, atol=1e-7), \
                f"n = {n}: Exp_x(v) does not land on y — is v pointing towards y?"
    return _report("sphere_log")


def check_rayleigh_hessian(rayleigh_hessian):
    """Exercise: ``rayleigh_hessian(A, x)``, the Riemannian Hessian of f(x) = xᵀAx on the unit
    sphere at x, as the symmetric n × n matrix H that acts on tangent vectors and sends x to 0.
    Checked against central differences of the Riemannian gradient along the sphere,
    Hess f(x)[u] = P_x(d/dt grad f(R_x(tu)))|₀, against the matrix the check builds itself,
    and at the minimizer, where the spectrum on T_x must be 2(λ_i − λ₁)."""
    from ..manifolds import Sphere

    rng = np.random.default_rng(11)
    for n in (3, 5, 8):
        S = Sphere(n)
        B = rng.standard_normal((n, n))
        A = (B + B.T) / 2
        lam, V = np.linalg.eigh(A)
        for x in (S.random_point(int(rng.integers(10**6))), V[:, 0]):
            answer = rayleigh_hessian(A.copy(), x.copy())
            if not _attempted(answer, "rayleigh_hessian"):
                return None
            H = np.asarray(answer, dtype=float)
            assert H.shape == (n, n), f"n = {n}: shape {H.shape}, expected {(n, n)}"
            assert np.allclose(H, H.T, atol=1e-10), f"n = {n}: H is not symmetric"
            assert np.allclose(H @ x, 0, atol=1e-10), \
                f"n = {n}: H x ≠ 0 — the Hessian acts on T_x only; project with P = I − xxᵀ"
            P = np.eye(n) - np.outer(x, x)
            h = 1e-6
            for _ in range(3):
                u = S.random_tangent(x, int(rng.integers(10**6)))
                ends = [S.retract(x, sign * h * u) for sign in (1, -1)]
                g_plus, g_minus = (2 * (A @ y - (y @ A @ y) * y) for y in ends)
                fd = P @ (g_plus - g_minus) / (2 * h)
                assert np.allclose(H @ u, fd, atol=1e-6), (
                    f"n = {n}: H u differs from the derivative of the Riemannian gradient along "
                    "the sphere — did you forget the curvature term −2(xᵀAx) u?")
            np.testing.assert_allclose(H, P @ (2 * A - 2 * (x @ A @ x) * np.eye(n)) @ P, atol=1e-9)
        spectrum = np.sort(np.linalg.eigvalsh(H))[1:]
        np.testing.assert_allclose(spectrum, 2 * (lam[1:] - lam[0]), atol=1e-9)
    return _report("rayleigh_hessian")


def check_max_stable_lr(max_stable_lr):
    """Exercise: ``max_stable_lr(A)``, the supremum of step sizes η for which Riemannian GD
    (normalization retraction) on the Rayleigh quotient xᵀAx is locally stable at its
    minimizer. The answer is compared with the closed form the check derives from ``eigh``,
    then tested: from 1e-3 away, RGD at 0.97 η* converges and at 1.03 η* does not."""
    from ..manifolds import rayleigh, rgd

    rng = np.random.default_rng(5)
    for n in (3, 6, 10):
        Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
        lam = np.sort(rng.uniform(-2, 5, n))
        lam[0] -= 1.0                         # a gap λ₂ − λ₁ ≥ 1 keeps the test runs short
        A = (Q * lam) @ Q.T
        answer = max_stable_lr(A.copy())
        if not _attempted(answer, "max_stable_lr"):
            return None
        problem = rayleigh(A)
        v = problem.minima[0]
        x0 = v + 1e-3 * problem.manifold.random_tangent(v, n)
        x0 /= np.linalg.norm(x0)
        expected = 1 / (lam[-1] - lam[0])     # Riemannian Hessian 2(A − λ₁I) on T_v
        assert math.isclose(float(answer), expected, rel_tol=1e-6), (
            f"n = {n}, eigenvalues {lam.round(3)}: you said {float(answer):.6g}. Near the "
            "minimizer v₁ RGD is GD on the Riemannian Hessian 2(A − λ₁I) restricted to the "
            "tangent space: which of its eigenvalues is the largest?")
        steps = int(40 * (lam[-1] - lam[0]) / (lam[1] - lam[0])) + 200
        ok = rgd(problem, 0.97 * expected, steps, x0=x0).distance()[-1]
        bad = rgd(problem, 1.03 * expected, steps, x0=x0).distance()[-1]
        assert ok < 1e-6 < 1e-2 < bad, \
            f"n = {n}: the runs do not switch at η* ({ok:.2g}, {bad:.2g})"
    return _report("max_stable_lr")
