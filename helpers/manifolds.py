r"""Riemannian optimization on the sphere and the Stiefel manifold (03/03).

Both manifolds sit inside a Euclidean space and use its inner product (the *embedded*
metric; the Stiefel manifold also offers the *canonical* one of Edelman, Arias & Smith 1998).
A manifold knows its tangent-space projection, Riemannian gradient, exponential map and
retractions; :func:`rgd` runs Riemannian gradient descent
:math:`x_{t+1} = R_{x_t}(-\eta\,\mathrm{grad} f(x_t))` and returns a
:class:`~helpers.runner.Trajectory`. :func:`rayleigh`, :func:`brockett` and
:func:`procrustes` build the classical problems whose exact solutions ``eigh`` and ``svd`` give.
References: Absil, Mahony & Sepulchre (2008), *Optimization Algorithms on Matrix Manifolds*;
Boumal (2023), *An Introduction to Optimization on Smooth Manifolds*; Wen & Yin (2013),
arXiv:1208.4298 (the Cayley transform).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
from scipy.linalg import expm

from .runner import Trajectory

__all__ = ["Sphere", "Stiefel", "Problem", "ManifoldTrajectory", "rayleigh", "brockett",
           "procrustes", "rgd"]


def _sym(A):
    return (A + A.T) / 2


def _int(value, name, low):
    ok = isinstance(value, (int, np.integer, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and int(value) == value and value >= low):
        raise ValueError(f"invalid {name}={value!r}; must be an integer ≥ {low}")
    return int(value)


class Stiefel:
    r"""The Stiefel manifold :math:`\mathrm{St}(n, p)=\{X\in\mathbb R^{n\times p}: X^\top X=I_p\}`.

    Tangent space :math:`\{V: X^\top V + V^\top X = 0\}`, of dimension :math:`np - p(p+1)/2`;
    ``St(n, n)`` is the orthogonal group O(n), ``St(n, 1)`` the sphere (see :class:`Sphere`).
    Retractions ``"exp"`` (the embedded metric's geodesic), ``"qr"``, ``"polar"``, ``"cayley"``.
    """

    retractions = ("exp", "qr", "polar", "cayley")
    metrics = ("euclidean", "canonical")

    def __init__(self, n, p):
        self.n = _int(n, "n", 1)
        self.p = _int(p, "p", 1)
        if self.p > self.n:
            raise ValueError(f"invalid p={p!r}; must be ≤ n={n}")
        self.shape = (self.n, self.p)
        self.dim = self.n * self.p - self.p * (self.p + 1) // 2
        self._eye = np.eye(self.p)

    def __repr__(self):
        return f"{type(self).__name__}(n={self.n}, p={self.p})"

    _name = "X"

    def _point(self, X, name=None):
        name = name or self._name
        X = np.asarray(X, dtype=float)
        if X.shape != self.shape:
            raise ValueError(f"invalid {name} of shape {X.shape}; {self!r} needs {self.shape}")
        return X

    def feasibility(self, X):
        """Distance from the manifold's equation: ``‖XᵀX − I‖_F``."""
        X = self._mat(self._point(X))
        return float(np.linalg.norm(X.T @ X - self._eye))

    def is_point(self, X, atol=1e-10):
        return self.feasibility(X) <= atol

    def is_tangent(self, X, V, atol=1e-10):
        """``XᵀV + VᵀX = 0`` (for the sphere ``x·v = 0``) to ``atol``."""
        A = self._mat(self._point(X)).T @ self._mat(self._point(V, "V"))
        return bool(np.abs(A + A.T).max() <= atol)

    def _mat(self, X):
        return X.reshape(self.n, self.p)

    def random_point(self, seed=0):
        """A uniformly random point (Q of the QR of a Gaussian matrix, signs fixed)."""
        G = np.random.default_rng(seed).standard_normal((self.n, self.p))
        return self.retract(np.zeros(self.shape), G, "qr")

    def random_tangent(self, X, seed=0):
        """A random unit tangent vector at ``X``."""
        V = self.proj(X, np.random.default_rng(seed).standard_normal(self.shape))
        return V / np.linalg.norm(V)

    def inner(self, X, U, V):
        """The embedded metric ``tr(UᵀV)``."""
        return float(np.sum(np.asarray(U) * np.asarray(V)))

    def proj(self, X, V):
        r"""Orthogonal projection onto the tangent space: :math:`V - X\,\mathrm{sym}(X^\top V)`."""
        X, V = self._mat(self._point(X)), self._mat(self._point(V, "V"))
        return (V - X @ _sym(X.T @ V)).reshape(self.shape)

    def rgrad(self, X, egrad, metric="euclidean"):
        r"""Riemannian gradient from the Euclidean one :math:`G`.

        ``"euclidean"`` (embedded metric): :math:`G - X\,\mathrm{sym}(X^\top G)`;
        ``"canonical"``: :math:`G - XG^\top X` (Edelman et al. 1998, eq. 2.53), the direction
        of Wen & Yin's Cayley step. They agree when p = 1; on O(n) (p = n) the canonical
        gradient is twice the embedded one (the canonical metric is half the embedded one).
        """
        if metric not in self.metrics:
            raise ValueError(f"invalid metric={metric!r}; choose from {self.metrics}")
        if metric == "euclidean":
            return self.proj(X, egrad)
        X, G = self._mat(self._point(X)), self._mat(self._point(egrad, "egrad"))
        return (G - X @ G.T @ X).reshape(self.shape)

    def exp(self, X, V):
        r"""Exponential map of the embedded metric (Edelman, Arias & Smith 1998, eq. 2.45):
        :math:`[X, V]\exp\begin{pmatrix}A & -S\\ I & A\end{pmatrix}\begin{pmatrix}I\\0\end{pmatrix}
        e^{-A}` with :math:`A = X^\top V`, :math:`S = V^\top V`.

        The formula assumes :math:`X^\top X = I` and never re-orthonormalizes: along a gradient
        run, a rounding error off the manifold is multiplied by about :math:`|1 + 2\eta\mu|` per
        step, :math:`\mu` an eigenvalue of :math:`\mathrm{sym}(X^\top\nabla f)` (the constraint's
        Lagrange multipliers), so at large steps it grows (:func:`rgd` stops such a run);
        QR and polar remove it at every step, Cayley keeps it at rounding level.
        """
        X, V = self._mat(self._point(X)), self._mat(self._point(V, "V"))
        p = self.p
        A, S = X.T @ V, V.T @ V
        E = expm(np.block([[A, -S], [np.eye(p), A]]))[:, :p]
        return (np.hstack([X, V]) @ E @ expm(-A)).reshape(self.shape)

    def retract(self, X, V, method="qr"):
        r"""A retraction :math:`R_X(V)`: a point of the manifold with :math:`R_X(0) = X` and
        :math:`\frac{d}{dt}R_X(tV)|_{t=0} = V`.

        ``"qr"``: Q of :math:`X+V = QR` with diag(R) > 0. ``"polar"``: :math:`UW^\top` from the
        SVD :math:`X+V=U\Sigma W^\top` (the nearest point to X + V). ``"cayley"``:
        :math:`(I-\tfrac12 W)^{-1}(I+\tfrac12 W)X` with the skew
        :math:`W = PVX^\top - XV^\top P`, :math:`P = I-\tfrac12XX^\top` (Wen & Yin 2013;
        Li, Li & Todorovic 2020), solved in :math:`O(np^2)` with the Woodbury identity.
        ``"exp"``: :meth:`exp`.
        """
        if method not in self.retractions:
            raise ValueError(f"invalid method={method!r}; choose from {self.retractions}")
        if method == "exp":
            return self.exp(X, V)
        X, V = self._mat(self._point(X)), self._mat(self._point(V, "V"))
        if method == "qr":
            Q, R = np.linalg.qr(X + V)
            Y = Q * np.where(np.diag(R) < 0, -1.0, 1.0)
        elif method == "polar":
            U, _, Wt = np.linalg.svd(X + V, full_matrices=False)
            Y = U @ Wt
        else:                                   # W = U Zᵀ of rank 2p: Woodbury
            PV = V - X @ (X.T @ V) / 2
            U, Z = np.hstack([PV, X]), np.hstack([X, -PV])
            Y = X + U @ np.linalg.solve(np.eye(2 * self.p) - Z.T @ U / 2, Z.T @ X)
        return Y.reshape(self.shape)


class Sphere(Stiefel):
    r"""The unit sphere :math:`S^{n-1}=\{x\in\mathbb R^n:\lVert x\rVert=1\}` = St(n, 1) with
    points as vectors.

    Projection :math:`v - (x^\top v)x`; exponential map
    :math:`\cos(\lVert v\rVert)x + \sin(\lVert v\rVert)v/\lVert v\rVert` (a great circle);
    retraction ``"normalize"`` :math:`(x+v)/\lVert x+v\rVert` (= QR = polar for p = 1).
    """

    retractions = ("exp", "normalize")
    _name = "x"

    def __init__(self, n):
        super().__init__(_int(n, "n", 2), 1)
        self.shape = (self.n,)

    def __repr__(self):
        return f"Sphere(n={self.n})"

    def random_point(self, seed=0):
        g = np.random.default_rng(seed).standard_normal(self.n)
        return g / np.linalg.norm(g)

    def dist(self, x, y):
        """Geodesic (great-circle) distance arccos(x·y), computed as
        ``atan2(‖y − (x·y)x‖, x·y)``, accurate also for nearby and antipodal points."""
        x, y = self._point(x, "x"), self._point(y, "y")
        c = float(x @ y)
        return math.atan2(float(np.linalg.norm(y - c * x)), c)

    def exp(self, x, v):
        x, v = self._point(x, "x"), self._point(v, "v")
        s = float(np.linalg.norm(v))
        return x if s == 0 else math.cos(s) * x + math.sin(s) * (v / s)

    def retract(self, x, v, method="normalize"):
        if method not in self.retractions:
            raise ValueError(f"invalid method={method!r}; choose from {self.retractions}")
        if method == "exp":
            return self.exp(x, v)
        y = self._point(x, "x") + self._point(v, "v")
        return y / np.linalg.norm(y)


class Problem(NamedTuple):
    """A cost on a manifold: ``f(X)``, its Euclidean gradient ``egrad(X)``, a start ``x0``
    and, where known, the minimizers ``minima`` (from eigh or svd) and the value ``f_min``;
    ``align(m, X)`` maps a minimizer to its symmetric copy nearest X."""

    name: str
    manifold: Stiefel
    f: Callable
    egrad: Callable
    x0: np.ndarray
    minima: tuple = ()
    f_min: float | None = None
    align: Callable | None = None

    def nearest_minimum(self, X):
        """The minimizer closest to ``X`` (``align(m, X)`` picks among the symmetric copies
        of a recorded minimizer m, e.g. column signs), or ``None`` if none is known."""
        found = [self.align(m, X) if self.align else m for m in self.minima]
        return min(found, key=lambda m: np.linalg.norm(m - X)) if found else None


def _symmetric(A, name="A"):
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.allclose(A, A.T, atol=1e-12):
        raise ValueError(f"invalid {name} of shape {A.shape}; must be a symmetric square matrix")
    return (A + A.T) / 2


def rayleigh(A, x0=None, seed=0):
    r"""Minimize the Rayleigh quotient :math:`f(x) = x^\top A x` on the sphere: the minimizers
    are :math:`\pm` the eigenvector of the smallest eigenvalue, :math:`f^\star = \lambda_{\min}`
    (unique when :math:`\lambda_1 < \lambda_2`). Euclidean gradient :math:`2Ax`."""
    A = _symmetric(A)
    M = Sphere(len(A))
    lam, V = np.linalg.eigh(A)
    minima = (V[:, 0], -V[:, 0]) if lam[1] - lam[0] > 1e-12 * abs(lam).max() else ()
    x0 = M.random_point(seed) if x0 is None else M._point(x0, "x0")
    return Problem("rayleigh", M, lambda x: float(x @ A @ x), lambda x: 2 * A @ x, x0, minima,
                   float(lam[0]))


def brockett(C, p, weights=None, x0=None, seed=0):
    r"""PCA as Brockett's cost on St(n, p): :math:`f(X) = -\tfrac12\operatorname{tr}(X^\top C X N)`
    with :math:`N = \mathrm{diag}` (``weights``, default p, p−1, …, 1). With distinct weights and
    eigenvalues the minimizers are the top-p eigenvectors of C *in order*, each up to sign,
    :math:`f^\star = -\tfrac12\sum_i N_{ii}\lambda_i` (Brockett 1991). Euclidean gradient
    :math:`-CXN`."""
    C = _symmetric(C, "C")
    M = Stiefel(len(C), p)
    w = np.arange(M.p, 0, -1.0) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (M.p,) or np.any(np.diff(w) > 0) or np.any(w <= 0):
        raise ValueError(f"invalid weights={weights!r}; must be p positive non-increasing numbers")
    lam, V = np.linalg.eigh(C)
    lam, V = lam[::-1], V[:, ::-1]                       # descending
    gaps = -np.diff(lam[:M.p + 1]) if M.p < M.n else -np.diff(lam)
    minima = (V[:, :M.p],) if np.all(np.diff(w) < 0) and np.all(gaps > 0) else ()
    x0 = M.random_point(seed) if x0 is None else M._point(x0, "x0")
    return Problem("brockett", M, lambda X: -0.5 * float(np.sum((C @ X) * X * w)),
                   lambda X: -(C @ X) * w, x0, minima, -0.5 * float(np.sum(w * lam[:M.p])),
                   lambda m, X: m * np.where(np.sum(m * X, axis=0) < 0, -1.0, 1.0))


def procrustes(A, B, x0=None, seed=0):
    r"""Orthogonal Procrustes on St(n, p): :math:`f(X) = \tfrac12\lVert AX - B\rVert_F^2` for
    A (m × n), B (m × p). When :math:`A^\top A = cI` the minimizer is the polar factor
    :math:`UV^\top` of :math:`A^\top B = U\Sigma V^\top` (Schönemann 1966), which is recorded in
    ``minima``; otherwise ``minima`` is empty. Euclidean gradient :math:`A^\top(AX - B)`."""
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    if A.ndim != 2 or B.ndim != 2 or A.shape[0] != B.shape[0]:
        raise ValueError(f"invalid B of shape {B.shape}; needs as many rows as A {A.shape}")
    M = Stiefel(A.shape[1], B.shape[1])
    AtA = A.T @ A
    minima, f_min = (), None
    if np.allclose(AtA, AtA[0, 0] * np.eye(M.n), atol=1e-10 * max(1.0, abs(AtA[0, 0]))):
        U, _, Vt = np.linalg.svd(A.T @ B, full_matrices=False)
        minima = (U @ Vt,)
        f_min = 0.5 * float(np.linalg.norm(A @ minima[0] - B) ** 2)
    x0 = M.random_point(seed) if x0 is None else M._point(x0, "x0")
    return Problem("procrustes", M, lambda X: 0.5 * float(np.linalg.norm(A @ X - B) ** 2),
                   lambda X: A.T @ (A @ X - B), x0, minima, f_min)


@dataclass(repr=False)
class ManifoldTrajectory(Trajectory):
    """A :class:`~helpers.runner.Trajectory` whose ``xs`` are the iterates flattened; ``points``
    gives them in the manifold's shape, ``feasibility`` is ``‖XᵀX − I‖_F`` per iterate."""

    shape: tuple = ()
    feasibility: np.ndarray | None = None

    @property
    def points(self) -> np.ndarray:
        return self.xs.reshape((len(self.xs),) + tuple(self.shape))


def rgd(problem, lr, steps, *, retraction=None, metric="euclidean", x0=None, tol=None,
        feasibility_tol=1e-6):
    r"""Riemannian gradient descent :math:`X_{t+1} = R_{X_t}(-\eta_t\,\mathrm{grad}f(X_t))`.

    Parameters
    ----------
    problem : :class:`Problem` (its manifold, cost, Euclidean gradient and start).
    lr : float > 0 or schedule ``t -> η_t``.
    steps : int ≥ 0.
    retraction : one of ``problem.manifold.retractions`` (default: ``"normalize"`` on the
        sphere, ``"qr"`` on Stiefel).
    metric : ``"euclidean"`` (embedded) or ``"canonical"``; with ``"cayley"`` the canonical
        gradient gives exactly Wen & Yin's step :math:`(I+\frac\eta2W)^{-1}(I-\frac\eta2W)X`,
        :math:`W = GX^\top - XG^\top`.
    x0 : start (default ``problem.x0``). tol : stop once ‖grad f‖ ≤ tol.
    feasibility_tol : stop, flagged ``diverged``, once an iterate is farther than this from
        the manifold (``‖XᵀX − I‖_F``): rounding errors that a retraction does not remove
        can grow (the exponential map's do at large steps).

    Returns
    -------
    ManifoldTrajectory with ``grad_norms`` the Riemannian gradient norms; a non-finite
    iterate also stops the run, flagged ``diverged``.
    """
    M = problem.manifold
    retraction = ("normalize" if isinstance(M, Sphere) else "qr") if retraction is None \
        else retraction
    if retraction not in M.retractions:
        raise ValueError(f"invalid retraction={retraction!r}; choose from {M.retractions}")
    if metric not in M.metrics:
        raise ValueError(f"invalid metric={metric!r}; choose from {M.metrics}")
    if not callable(lr) and not (isinstance(lr, (int, float, np.number)) and math.isfinite(lr)
                                 and lr > 0):
        raise ValueError(f"invalid lr={lr!r}; must be a number > 0 or a schedule t -> lr_t")
    steps = _int(steps, "steps", 0)
    x = M._point(problem.x0 if x0 is None else x0, "x0")
    if not M.is_point(x, 1e-8):
        raise ValueError(f"invalid x0: not on {M!r} (‖XᵀX − I‖ = {M.feasibility(x):.2g})")
    xs, fs, gn, feas = [x], [problem.f(x)], [], [M.feasibility(x)]
    diverged_at, converged_at, message = None, None, ""
    with np.errstate(all="ignore"):
        for t in range(steps):
            g = M.rgrad(x, problem.egrad(x), metric)
            gn.append(float(np.linalg.norm(g)))
            if tol is not None and gn[-1] <= tol:
                converged_at = t
                break
            eta = float(lr(t)) if callable(lr) else lr
            try:
                x = M.retract(x, -eta * g, retraction)
            except (np.linalg.LinAlgError, ValueError) as err:
                diverged_at, message = t + 1, f"stopped at step {t + 1}: {err}"
                break
            xs.append(x), fs.append(problem.f(x)), feas.append(M.feasibility(x))
            if not (math.isfinite(fs[-1]) and feas[-1] <= feasibility_tol):
                diverged_at = t + 1
                message = (f"left the manifold at step {t + 1}: ‖XᵀX − I‖ = {feas[-1]:.2g}")
                gn.append(np.nan)
                break
    if len(gn) < len(xs):
        gn.append(float(np.linalg.norm(M.rgrad(x, problem.egrad(x), metric))))
    minimum = problem.nearest_minimum(x)
    name = f"rgd[{retraction}" + ("" if metric == "euclidean" else f", {metric}") + "]"
    return ManifoldTrajectory(
        np.array([np.ravel(p) for p in xs]), np.array(fs), np.array(gn), name, problem.name,
        dict(lr=lr, retraction=retraction, metric=metric), diverged_at is not None, diverged_at,
        converged_at, message, problem.f_min, None if minimum is None else np.ravel(minimum),
        shape=M.shape, feasibility=np.array(feas))
